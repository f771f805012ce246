"""A lead opens an idea from the filtered pipeline (its reviews laid out across the page, its
status on one line on a phone), decides from the top of its page and comes back to the same
filtered pipeline; a panel member's "Yes" reveals what the conflict is. Each new page is checked
with axe."""

import re

from playwright.sync_api import expect

from portal.auth.roles import Role
from tests.browser.test_panel_review import FIRST_CHECK
from tests.browser.test_panel_review import sign_in as sign_in_as
from tests.browser.test_pipeline import DEMO, ranked_rows, sign_in, success

# A demo idea in review that no other browser test decides on.
IDEA = "Reducing restraint on acute mental health wards"
FILTERED = "/pipeline?workstream=mental_health"
QUESTION = "Do you have a conflict of interest with this idea?"
WIDE = ("Scores given", "Usual spread")
# How many lines an element's text takes up
LINES = (
    "e => { const r = document.createRange(); r.selectNodeContents(e); return new Set("
    "Array.from(r.getClientRects(), b => Math.round(b.top))).size; }"
)
RATIONALE = "A clear, measured plan that the panel rated highly: we will take it forward."


def test_lead_decides_from_the_top_of_the_idea_and_returns_to_the_pipeline(
    page, check_accessibility
):
    lead = page
    sign_in(lead, *DEMO[Role.PROGRAMME_LEAD], home="/pipeline")
    lead.goto(FILTERED)
    ranked_rows(lead).filter(has_text=IDEA).get_by_role("link").click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text(IDEA)
    back = lead.get_by_role("link", name="Back to pipeline")
    expect(back).to_have_attribute("href", FILTERED)
    decide = lead.get_by_role("link", name="Make a decision")
    # at the top: above the first of the idea's answers
    answers = lead.get_by_role("heading", level=2, name="About the idea")
    assert decide.bounding_box()["y"] < answers.bounding_box()["y"]
    check_accessibility(lead)
    # the reviews' agreement table has the page's full width, its headings on one line
    title = lead.get_by_role("heading", level=1).bounding_box()
    table = lead.get_by_role("table", name=re.compile("^Agreement on each criterion"))
    assert table.bounding_box()["width"] > 1.4 * title["width"]  # the title has two thirds
    lines = {name: table.get_by_role("columnheader", name=name).evaluate(LINES) for name in WIDE}
    assert lines == dict.fromkeys(WIDE, 1)
    # on a phone the status stays on one line, and nothing runs off the side
    lead.set_viewport_size({"width": 390, "height": 844})
    status = lead.get_by_text("In review", exact=True)
    assert status.evaluate(LINES) == 1
    assert lead.evaluate("document.documentElement.scrollWidth") <= 390
    lead.set_viewport_size({"width": 1280, "height": 720})

    decide.click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Make a decision")
    decided = lead.get_by_role("group", name="What have you decided?")
    decided.get_by_label("Shortlist it", exact=True).check()
    lead.get_by_label("Why?", exact=True).fill(RATIONALE)
    lead.get_by_role("button", name="Record decision").click()

    expect(lead).to_have_url(re.compile(re.escape(FILTERED) + "$"))
    expect(success(lead)).to_contain_text("to 'Shortlisted'")
    expect(ranked_rows(lead).filter(has_text=IDEA)).to_contain_text("Shortlisted")


def test_yes_reveals_what_the_conflict_is(page, check_accessibility):
    member = page
    sign_in_as(member, Role.PANEL_MEMBER)
    winter = member.get_by_role("table", name="Ideas to review in Winter 2026 panel")
    winter.get_by_role("row").filter(has_text=FIRST_CHECK).first.get_by_role("link").click()
    expect(member).to_have_url(re.compile(r"/reviews/\d+/conflicts$"))
    question = member.get_by_role("group", name=QUESTION)
    what = member.get_by_role("group", name="What is the conflict?")
    expect(what).to_be_hidden()
    question.get_by_label("Yes", exact=True).check()
    expect(what).to_be_visible()
    # a blind round: the member is asked what they can know, not about an unnamed innovator
    expect(what.get_by_role("radio", name=re.compile("^I recognise the idea"))).to_be_visible()
    check_accessibility(member, "#yes")
    question.get_by_label("No", exact=True).check()
    expect(what).to_be_hidden()
