"""The leads' pipeline in a real browser, checked with axe: a lead filters the ranked ideas,
opens one, tries different weights, shortlists two ideas with a reason and downloads the CSV;
the innovator then sees the decision on their home page."""

import re
from pathlib import Path

from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.demo import DEMO_INNOVATORS, DEMO_USERS

DEMO = {role: (email, password) for role, email, _name, _org, password in DEMO_USERS}
AISHA = next((email, password) for key, email, *_, password in DEMO_INNOVATORS if key == "aisha")
WORKSTREAM = "medicines_safety"
WORKSTREAM_LABEL = "Medicines Safety"
# Aisha's two Medicines Safety ideas in the demo's closed Autumn round: both in review, and no
# other browser test decides on them.
SHORTLIST = [
    "Electronic prescribing alert when a dose of insulin",
    "Referring patients to their community pharmacy",
]
RATIONALE = "The panel scored it highly and the harm it tackles is common: we will pilot it."
REFERENCE = re.compile(r"PSI-\d{4}-\d{4}-\d")


def sign_in(page, email, password, home):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(home) + "$"))


def success(page):
    return page.locator(".nhsuk-notification-banner--success")


def ranked_rows(page):
    return page.get_by_role("region", name="Ranked ideas").locator("tbody tr")


def test_lead_shortlists_from_the_pipeline(page, browser, live_server, check_accessibility):
    lead = page
    sign_in(lead, *DEMO[Role.PROGRAMME_LEAD], home="/pipeline")
    expect(lead.get_by_role("heading", level=1)).to_have_text("Pipeline")
    check_accessibility(lead)

    filter_by_workstream(lead, check_accessibility)
    open_an_idea(lead, check_accessibility)
    try_weights(lead, check_accessibility)
    references = [shortlist(lead, start, check_accessibility) for start in SHORTLIST]
    download_csv(lead, references)
    read_trends_and_driver_diagrams(lead, check_accessibility)

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(5_000)
    innovator = context.new_page()
    try:
        sign_in(innovator, *AISHA, home="/innovator")
        for start, reference in zip(SHORTLIST, references, strict=True):
            card = innovator.locator(".nhsuk-card").filter(has_text=reference)
            expect(card.get_by_role("heading", level=2)).to_contain_text(start)
            expect(card.locator(".nhsuk-tag").first).to_have_text("Shortlisted")
            expect(card.get_by_role("heading", level=3)).to_contain_text(": Shortlisted")
            expect(card).to_contain_text(RATIONALE)
        check_accessibility(innovator, "#decision")
    finally:
        context.close()


def filter_by_workstream(lead, check_accessibility):
    """Filter by a workstream, show its column and read what the scores mean."""
    lead.get_by_text("Filter and sort", exact=True).click()
    workstream = lead.get_by_label("Workstream", exact=True)
    expect(workstream).to_be_visible()
    workstream.select_option(value=WORKSTREAM)
    lead.get_by_role("button", name="Apply").click()
    expect(lead).to_have_url(re.compile(rf"/pipeline\?.*workstream={WORKSTREAM}"))
    expect(lead.get_by_role("columnheader", name="Workstreams")).to_have_count(0)
    lead.get_by_text("Choose columns", exact=True).click()
    lead.get_by_role("group", name="Columns to show").get_by_label("Workstreams").check()
    lead.get_by_role("button", name="Show these columns").click()
    expect(lead).to_have_url(re.compile(rf"workstream={WORKSTREAM}.*cols=workstreams"))
    rows = ranked_rows(lead)
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= len(SHORTLIST)
    workstreams, stage = column(lead, "Workstreams"), column(lead, "Stage")
    for n in range(count):
        expect(rows.nth(n).locator("th, td").nth(workstreams)).to_contain_text(WORKSTREAM_LABEL)
    for start in SHORTLIST:
        row = rows.filter(has_text=start)
        expect(row).to_have_count(1)
        expect(row.locator("th, td").nth(stage)).to_contain_text("In review")
    lead.get_by_text("What do the scores mean?", exact=True).click()
    expect(lead.get_by_role("term").filter(has_text="90% interval")).to_be_visible()
    expect(lead.get_by_role("definition").filter(has_text="9 times out of 10")).to_be_visible()
    check_accessibility(lead, "#filtered")


def column(lead, heading) -> int:
    """Where the ranked table's column headed `heading` is among a row's cells."""
    table = lead.get_by_role("region", name="Ranked ideas")
    return [text.strip() for text in table.locator("thead th").all_inner_texts()].index(heading)


def open_an_idea(lead, check_accessibility):
    """Open the first shortlisted idea from the table, then go back to the filtered table."""
    filtered = lead.url
    ranked_rows(lead).filter(has_text=SHORTLIST[0]).get_by_role("link").click()
    expect(lead).to_have_url(re.compile(r"/ideas/PSI-[\d-]+\?back="))
    expect(lead.get_by_role("heading", level=1)).to_contain_text(SHORTLIST[0])
    expect(lead.get_by_role("link", name="Make a decision")).to_be_visible()
    check_accessibility(lead)
    lead.go_back()
    expect(lead).to_have_url(filtered)


def try_weights(lead, check_accessibility):
    """Change a priority weight on the 'what if' page: the ideas that would move are listed."""
    lead.get_by_role("link", name="Try different weights").click()
    expect(lead).to_have_url(re.compile(r"/pipeline/what-if$"))
    expect(lead.get_by_role("heading", level=1)).to_have_text("What if the weights changed?")
    check_accessibility(lead)
    weights = lead.get_by_role("group", name="Priority weights").get_by_role("textbox")
    weights.first.fill("0.05")
    lead.get_by_role("button", name="Show what would change").click()
    expect(lead).to_have_url(re.compile(r"/pipeline/what-if\?"))
    expect(lead.get_by_role("heading", level=2, name="What would change")).to_be_visible()
    movers = lead.get_by_role("table", name="Ideas that would move, biggest moves first")
    expect(movers.locator("tbody tr").first).to_be_visible()
    check_accessibility(lead, "#movers")


def shortlist(lead, start, check_accessibility) -> str:
    """Shortlist one idea from its page; return its reference."""
    lead.goto(f"/pipeline?workstream={WORKSTREAM}")
    ranked_rows(lead).filter(has_text=start).get_by_role("link").click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text(start)
    reference = REFERENCE.search(lead.url).group()
    lead.get_by_role("link", name="Make a decision").click()
    expect(lead).to_have_url(re.compile(rf"/ideas/{reference}/decide\?back="))
    expect(lead.get_by_role("heading", level=1)).to_have_text("Make a decision")
    check_accessibility(lead)
    decided = lead.get_by_role("group", name="What have you decided?")
    decided.get_by_label("Shortlist it", exact=True).check()
    lead.get_by_label("Why?", exact=True).fill(RATIONALE)
    lead.get_by_role("button", name="Record decision").click()
    # back to the filtered pipeline the idea was opened from
    expect(lead).to_have_url(re.compile(rf"/pipeline\?workstream={WORKSTREAM}$"))
    expect(success(lead)).to_contain_text(f"You moved {reference} to 'Shortlisted'")
    return reference


def read_trends_and_driver_diagrams(lead, check_accessibility):
    """The dashboard's monthly trends and the portfolio's driver diagrams are named images."""
    lead.get_by_role("link", name="Dashboard").click()
    # a chart's name is its title, then its description
    for title in ("Ideas submitted per month Column", "Time to decision: median days Column"):
        expect(lead.get_by_role("img", name=re.compile("^" + title))).to_be_visible()
    small = lead.get_by_role("img", name=f"Ideas submitted per month: {WORKSTREAM_LABEL}")
    expect(small).to_be_visible()
    check_accessibility(lead)
    lead.get_by_role("link", name="Portfolio").click()
    diagram = lead.get_by_role("img", name=f"Driver diagram: {WORKSTREAM_LABEL} (MedSIP)")
    expect(diagram).to_be_visible()
    check_accessibility(lead)


def download_csv(lead, references):
    """Download the filtered pipeline as CSV: a header row, then the shortlisted ideas."""
    lead.goto(f"/pipeline?workstream={WORKSTREAM}")
    with lead.expect_download() as download:
        lead.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("Rank,Reference,Title,Workstreams,Stage,Source,")
    for reference in references:
        assert reference in text
