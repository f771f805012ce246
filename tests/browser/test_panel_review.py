"""A panel review round in a real browser, checked with axe: a lead opens a round and assigns
reviewers; a panel member declares a conflict, then drafts, submits and revises a review; the
lead closes the round."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.clock import LONDON, utcnow
from portal.demo import DEMO_USERS

DEMO = {role: (email, password) for role, email, _name, _org, password in DEMO_USERS}
ROUND = "Spring 2027 falls and handover panel"
# Demo ideas still being checked (the demo rounds took the others). Their innovators work at the
# acute trust and the ambulance service, where none of these members works: no conflicts.
IDEAS = [
    "Learning from patient safety events",
    "Falls in hospital",
    "A structured 60-second handover",
]
MEMBERS = ["Priya Panel", "Rachel Adeyemi", "Susan Clarke", "Nadia Kowalski"]
PRIYA = "Priya Panel"
FIRST_CHECK = "Declare any conflict of interest before you read it"


def sign_in(page, role):
    """Sign in as the demo account of `role`; it lands on its home page (tested elsewhere)."""
    email, password = DEMO[role]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def success(page):
    return page.locator(".nhsuk-notification-banner--success")


def choose(page, question, option):
    page.get_by_role("group", name=question).get_by_label(option, exact=True).check()


def score(criterion, number):
    """The radio for `number` in one criterion's fieldset ("4 – <what 4 means>")."""
    return criterion.get_by_label(re.compile(rf"\b{number} – "))


def test_panel_review_round(page, browser, live_server, check_accessibility):
    lead = page
    sign_in(lead, Role.PROGRAMME_LEAD)
    round_path = open_round(lead, check_accessibility)
    assigned_idea = assign_reviewers(lead, check_accessibility)

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(5_000)
    member = context.new_page()
    try:
        sign_in(member, Role.PANEL_MEMBER)
        expect(member).to_have_url(re.compile(r"/reviews$"))
        expect(member.get_by_role("heading", level=2, name=ROUND)).to_be_visible()
        check_accessibility(member, "#with-new-round")
        declare_a_conflict(member, check_accessibility)
        review_path = review_an_idea(member, assigned_idea, check_accessibility)

        # The lead closes the round; the member's review can then be read but not changed.
        lead.get_by_role("button", name="Close round").click()
        expect(success(lead)).to_contain_text("The round is closed")
        assert lead.url.endswith(round_path)
        expect(lead.get_by_text("Review round · Closed")).to_be_visible()
        expect(lead.get_by_role("main")).to_contain_text("1 of 6 reviews submitted")
        expect(lead.get_by_role("button", name="Reopen round")).to_be_visible()
        check_accessibility(lead, "#closed")

        member.goto(review_path)
        expect(member.get_by_role("main")).to_contain_text("This review round closed")
        expect(member.get_by_role("button", name="Update review")).to_have_count(0)
    finally:
        context.close()


def open_round(lead, check_accessibility) -> str:
    """Open a round of three ideas and four members from the form; return its path."""
    lead.goto("/rounds")
    expect(lead.get_by_role("heading", level=1)).to_have_text("Review rounds")
    expect(lead.get_by_role("link", name="Autumn 2026 panel")).to_be_visible()
    check_accessibility(lead)
    lead.get_by_role("button", name="Open a review round").click()
    expect(lead).to_have_url(re.compile(r"/rounds/new$"))
    expect(lead.get_by_role("heading", level=1)).to_have_text("Open a review round")
    check_accessibility(lead)

    lead.get_by_role("button", name="Open round").click()
    errors = lead.locator(".nhsuk-error-summary")
    expect(errors.get_by_role("heading")).to_have_text("There is a problem")
    expect(errors).to_contain_text("Enter a name for the round")
    expect(errors).to_contain_text("Choose at least one panel member")
    check_accessibility(lead, "#errors")

    lead.get_by_label("Round name").fill(ROUND)
    deadline = utcnow().astimezone(LONDON).date() + timedelta(days=28)
    date = lead.get_by_role("group", name="Deadline")
    date.get_by_label("Day").fill(str(deadline.day))
    date.get_by_label("Month").fill(str(deadline.month))
    date.get_by_label("Year").fill(str(deadline.year))
    lead.get_by_label("Reviews wanted for each idea").fill("2")
    choose(lead, "Hide innovators' names and organisations from reviewers?", "Yes")
    choose(lead, "Can reviewers see others' reviews after submitting their own?", "Yes")
    choose(
        lead,
        "Must every idea have at least one patient or carer partner among its reviewers?",
        "No",
    )
    ideas = lead.get_by_role("group", name=re.compile(r"^Ideas to review"))
    for start in IDEAS:
        ideas.get_by_label(re.compile(": " + re.escape(start))).check()
    panel = lead.get_by_role("group", name="Panel members")
    for name in MEMBERS:
        panel.get_by_label(name, exact=True).check()
    lead.get_by_role("button", name="Open round").click()

    expect(lead).to_have_url(re.compile(r"/rounds/\d+$"))
    expect(success(lead)).to_contain_text(f"Round '{ROUND}' is open with 3 ideas")
    expect(lead.get_by_role("heading", level=1)).to_have_text(ROUND)
    expect(lead.get_by_text("Review round · Open")).to_be_visible()
    check_accessibility(lead)
    return re.search(r"/rounds/\d+$", lead.url).group()


def assign_reviewers(lead, check_accessibility) -> str:
    """Assign automatically, then Priya by hand to an idea she was not given; return it."""
    lead.get_by_role("button", name="Assign reviewers automatically").click()
    expect(success(lead)).to_contain_text("6 assignments made.")
    expect(lead.get_by_text("Ideas short of reviewers")).to_have_count(0)
    table = lead.get_by_role("table", name="Progress for each idea")
    for start in IDEAS:
        expect(table.get_by_role("row").filter(has_text=start)).to_contain_text("2 assigned")
    without_priya = [
        start
        for start in IDEAS
        if PRIYA not in table.get_by_role("row").filter(has_text=start).inner_text()
    ]
    assert without_priya, "the optimiser gave Priya every idea"
    start = without_priya[0]

    form = lead.locator("form").filter(has=lead.get_by_role("button", name="Assign", exact=True))
    idea = form.get_by_label("Idea", exact=True)
    idea.select_option(label=idea.locator("option", has_text=start).inner_text())
    form.get_by_label("Panel member", exact=True).select_option(label=PRIYA)
    form.get_by_role("button", name="Assign", exact=True).click()
    expect(success(lead)).to_contain_text(f"{PRIYA} will review PSI-")
    expect(table.get_by_role("row").filter(has_text=start)).to_contain_text(PRIYA)
    check_accessibility(lead, "#assigned")
    return start


def declare_a_conflict(member, check_accessibility):
    """Declare a conflict on an unopened idea of the Winter round: it leaves the queue."""
    winter = member.get_by_role("table", name="Ideas to review in Winter 2026 panel")
    row = winter.get_by_role("row").filter(has_text=FIRST_CHECK).first
    link = row.get_by_role("link")
    title = link.inner_text()
    link.click()
    expect(member).to_have_url(re.compile(r"/reviews/\d+/conflicts$"))
    expect(member.get_by_role("heading", level=1)).to_have_text("Check for conflicts of interest")
    expect(member.get_by_role("main")).to_contain_text(title)
    check_accessibility(member)

    choose(member, "Do you have a conflict of interest with this idea?", "Yes")
    # a blind round: the member says who they think shared it
    choose(member, "What is the conflict?", "I think it was shared by someone I know personally")
    member.get_by_label("Tell us about the conflict").fill("My brother-in-law leads this work.")
    member.get_by_role("button", name="Continue").click()
    expect(member).to_have_url(re.compile(r"/reviews$"))
    expect(success(member)).to_contain_text("so it has been taken off your list")
    expect(member.get_by_role("link", name=title, exact=True)).to_have_count(0)


def review_an_idea(member, start, check_accessibility) -> str:
    """Pass the conflict check, save a draft, submit, then change a score; return the path."""
    mine = member.get_by_role("table", name=f"Ideas to review in {ROUND}")
    mine.get_by_role("row").filter(has_text=start).get_by_role("link").click()
    expect(member).to_have_url(re.compile(r"/reviews/\d+/conflicts$"))
    choose(member, "Do you have a conflict of interest with this idea?", "No")
    member.get_by_role("button", name="Continue").click()
    expect(member).to_have_url(re.compile(r"/reviews/\d+$"))
    expect(member.get_by_role("heading", level=1)).to_contain_text(start)
    check_accessibility(member)
    path = re.search(r"/reviews/\d+$", member.url).group()

    criteria = member.locator("fieldset").filter(has=member.locator("input[name^='score-']"))
    expect(criteria).to_have_count(12)
    for n in range(3):
        score(criteria.nth(n), 4).check()
    member.get_by_role("button", name="Save draft").click()
    expect(success(member)).to_contain_text("Your draft has been saved")
    expect(member.get_by_role("main")).to_contain_text("Draft saved")
    expect(score(criteria.nth(2), 4)).to_be_checked()
    check_accessibility(member, "#draft")

    for n in range(3, 12):
        score(criteria.nth(n), 3).check()
    choose(member, "What do you recommend?", "Progress with changes")
    choose(member, "How confident are you in your review?", "Medium")
    member.get_by_label("Comments for the innovator (optional)").fill(
        "A clear problem and a simple change. Add a balancing measure for staff time."
    )
    member.get_by_label("Comments for the panel only (optional)").fill(
        "Similar work is under way in two other trusts; worth linking them."
    )
    member.get_by_role("button", name="Submit review").click()
    expect(success(member)).to_contain_text("Your review has been submitted")
    expect(member.get_by_role("main")).to_contain_text("You have submitted your review")
    check_accessibility(member, "#submitted")

    score(criteria.first, 2).check()
    member.get_by_role("button", name="Update review").click()
    expect(success(member)).to_contain_text("Your review has been updated")
    member.reload()
    expect(score(criteria.first, 2)).to_be_checked()
    expect(score(criteria.first, 4)).not_to_be_checked()
    expect(score(criteria.nth(1), 4)).to_be_checked()
    return path
