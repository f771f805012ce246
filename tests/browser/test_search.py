"""Search in a real browser, checked with axe: a lead searches from the header box, follows a
"did you mean" suggestion, narrows by a facet, and opens a result."""

import re

from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.extensions import db
from portal.search.updates import reindex
from tests.browser.test_pipeline import DEMO, sign_in


def test_lead_searches_follows_a_suggestion_filters_and_opens_a_result(
    page, live_app, check_accessibility
):
    with live_app.app_context():
        reindex()  # what the worker does when it finds no index
        db.session.commit()
    sign_in(page, *DEMO[Role.PROGRAMME_LEAD], home="/pipeline")

    page.get_by_role("searchbox", name="Search ideas and scanned literature").fill("sepsiss")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    page.get_by_role("link", name="sepsis", exact=True).click()
    expect(page.locator("#search-count")).to_contain_text("for ‘sepsis’")
    expect(page.locator(".app-search-results mark").first).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name=re.compile(r"^Managing Deterioration")).click()
    expect(page.get_by_role("link", name=re.compile("Remove workstream"))).to_be_visible()
    first = page.locator(".app-search-results h2 a").first
    title = first.inner_text().strip()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
