"""A lead reads why an idea's reviewers are flagged as disagreeing, checked with axe."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.demo import DEMO_USERS
from portal.extensions import db
from portal.ideas.models import Idea

LEAD = next(
    (email, password) for role, email, _, _, password in DEMO_USERS if role is Role.PROGRAMME_LEAD
)
SPLIT = "Shared lithium monitoring record"  # the demo panel splits on it


def sign_in(page, email, password):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_lead_reads_why_reviewers_disagree(page, live_app, check_accessibility):
    with live_app.app_context():
        reference = db.session.scalar(sa.select(Idea.reference).where(Idea.title.startswith(SPLIT)))
    sign_in(page, *LEAD)
    page.goto(f"/ideas/{reference}")
    expect(page.get_by_role("heading", name="Reviewers disagree more than usual")).to_be_visible()
    reason = page.locator(".nhsuk-warning-callout li").first
    expect(reason).to_contain_text(re.compile(r"are [\d.]+ times as spread out as reviewers'"))
    table = page.get_by_role("table", name=re.compile("Agreement on each criterion"))
    expect(table.get_by_role("row").filter(has_text="Reviewers disagree")).not_to_have_count(0)
    page.get_by_text("How the chance is worked out").click()
    expect(page.get_by_text("Hochberg's method")).to_be_visible()
    check_accessibility(page, "#disagreement")
