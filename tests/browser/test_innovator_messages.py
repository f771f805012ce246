"""An innovator deletes a draft, then reads a lead's question in their messages and goes to
answer it (axe-checked on the two new pages)."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.auth.services import find_user_by_email
from portal.demo import DEMO_INNOVATORS, DEMO_LEAD
from portal.extensions import db
from portal.ideas import services
from portal.ideas.models import Idea

# A demo innovator no other browser test signs in as, with a draft and an idea in triage.
CARER = next((email, password) for key, email, *_, password in DEMO_INNOVATORS if key == "joanne")
DRAFT = "Going home: a plain-English sheet"
IN_TRIAGE = "A 'something's not right' card"
QUESTION = "Which maternity units would hand out the card first, and in which languages?"


def ask_carer_a_question(app) -> str:
    with app.app_context():
        idea = db.session.scalar(sa.select(Idea).where(Idea.title.startswith(IN_TRIAGE)))
        services.ask_question(idea, find_user_by_email(DEMO_LEAD), QUESTION)
        db.session.commit()
        return idea.reference


def test_innovator_deletes_a_draft_and_reads_a_leads_question(page, live_app, check_accessibility):
    reference = ask_carer_a_question(live_app)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(CARER[0])
    page.get_by_label("Password", exact=True).fill(CARER[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ideas")

    page.get_by_role("link", name=re.compile(rf"^Delete this draft\W+{DRAFT}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to delete this draft?"
    )
    expect(page.get_by_role("definition").first).to_contain_text(DRAFT)
    check_accessibility(page)
    page.get_by_role("button", name="Delete draft").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("has been deleted")
    expect(page.get_by_role("link", name=re.compile(f"^{DRAFT}"))).to_have_count(0)

    page.get_by_role("link", name="Messages", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages")
    expect(page.get_by_text(QUESTION)).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name=re.compile(rf"^Answer the question\W+about {IN_TRIAGE}")).click()
    expect(page).to_have_url(re.compile(rf"/ideas/{reference}#question$"))
    expect(page.get_by_role("heading", name="A question for you")).to_be_in_viewport()
