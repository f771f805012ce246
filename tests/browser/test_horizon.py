"""The horizon-scanning inbox in a real browser, checked with axe: a lead triages items with
the keyboard shortcuts and with the buttons, turns the shortcuts off and finds the keys no
longer act, promotes an item under a title of their own, adds another item to that idea as
evidence and sees it on the idea's page, and finds the new idea in triage in the pipeline."""

import re

import pytest
from playwright.sync_api import expect

from portal.auth import services
from portal.auth.roles import Role
from portal.database import now_utc
from portal.extensions import db
from portal.horizon import triage
from tests.browser.test_pipeline import sign_in, success
from tests.portal.horizon_helpers import MATERNITY, OTHER, add_items

EMAIL, PASSWORD = "horizon.lead@example.org", "horizon lead password 1"


@pytest.fixture(scope="module")
def horizon_lead(live_app):
    """A lead of its own (its shortcut setting is changed here) and eight scanned items."""
    with live_app.app_context():
        services.create_user(
            EMAIL, "Hana Horizon", PASSWORD, None, roles=[Role.PROGRAMME_LEAD], check_password=False
        )
        db.session.commit()
    # first seen now, so they are in this week's digest
    add_items(live_app, [*MATERNITY, *OTHER], feed_name="Browser test feed", seen=now_utc())
    with live_app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    return EMAIL, PASSWORD


def items(page):
    return page.locator(".app-inbox__item")


def title_of(item):
    return item.locator("h3").inner_text().strip()


def test_lead_triages_promotes_and_finds_the_idea(page, horizon_lead, check_accessibility):
    sign_in(page, *horizon_lead, home="/pipeline")
    page.goto("/horizon/inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(page.get_by_role("button", name=re.compile("Keyboard shortcuts: on"))).to_be_visible()
    check_accessibility(page)
    count = items(page).count()

    # With the shortcuts: j highlights the first item, r marks it relevant.
    first = title_of(items(page).first)
    page.keyboard.press("j")
    expect(items(page).first).to_be_focused()
    page.keyboard.press("r")
    expect(success(page)).to_contain_text(f"'{first}' marked relevant.")
    expect(items(page)).to_have_count(count - 1)
    # the page comes back with the next item highlighted: n marks it not relevant
    second = title_of(items(page).first)
    expect(items(page).first).to_have_class(re.compile("app-inbox__item--current"))
    page.keyboard.press("n")
    expect(success(page)).to_contain_text(f"'{second}' marked not relevant.")
    check_accessibility(page, "after a decision")

    # Without them: the item's own button, and a bulk action on two selected items.
    third = items(page).first
    third_title = title_of(third)
    third.get_by_role("button", name=re.compile("^Relevant")).click()
    expect(success(page)).to_contain_text(f"'{third_title}' marked relevant.")
    # the two at the bottom, the least likely relevant
    left = items(page).count()
    items(page).nth(left - 1).get_by_role("checkbox").check()
    items(page).nth(left - 2).get_by_role("checkbox").check()
    page.get_by_label("With the selected items").select_option("not_relevant")
    page.get_by_role("button", name="Apply to selected items").click()
    expect(success(page)).to_contain_text("2 items marked not relevant.")
    expect(items(page)).to_have_count(count - 5)

    # Keys typed in a field are not shortcuts.
    page.get_by_text("Filter and sort").click()
    page.get_by_label("Order").focus()
    page.keyboard.press("r")
    expect(items(page)).to_have_count(count - 5)
    expect(success(page)).to_contain_text("2 items marked not relevant.")

    # Shortcuts off: the keys do nothing.
    page.get_by_role("button", name=re.compile("Keyboard shortcuts: on")).click()
    expect(page.get_by_role("button", name=re.compile("Keyboard shortcuts: off"))).to_be_visible()
    url = page.url
    page.keyboard.press("j")
    page.keyboard.press("r")
    expect(items(page)).to_have_count(count - 5)
    expect(page.locator(".app-inbox__item--current")).to_have_count(0)
    assert page.url == url
    check_accessibility(page, "shortcuts off")

    # Promote the top item under a title of its own: similar ideas come first, then the form.
    top = items(page).first
    promoted = title_of(top)
    evidence = title_of(items(page).nth(1))
    top.get_by_role("link", name=re.compile("^Promote")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(promoted)
    expect(
        page.get_by_role("heading", name="Similar ideas already in the pipeline")
    ).to_be_visible()
    title = page.get_by_label("Title of the idea")
    expect(title).to_have_value(promoted)
    check_accessibility(page)
    title.fill("Safer births: literature to act on")
    page.get_by_role("button", name="Promote to the pipeline").click()
    expect(success(page)).to_contain_text("'Safer births: literature to act on' is now idea")
    reference = re.search(r"PSI-\d{4}-\d{4}-\d", success(page).inner_text()).group(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Safer births: literature to act on")
    found = page.locator("dd").filter(has_text=re.compile(r"^\s*Found by horizon scanning:"))
    expect(found.get_by_role("link", name=promoted)).to_be_visible()

    # The next item supports that idea: promote offers to add it as evidence instead.
    page.goto("/horizon/inbox")
    item = items(page).filter(has=page.get_by_role("heading", name=evidence))
    item.get_by_role("link", name=re.compile("^Promote")).click()
    page.get_by_role("link", name=re.compile("as evidence", re.IGNORECASE)).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add this item to an idea as evidence"
    )
    check_accessibility(page)
    another = page.get_by_role("radio", name="Another idea")
    if another.count():  # similar ideas are offered first
        another.check()
    page.get_by_label("Reference of").fill(reference)
    page.get_by_role("button", name="Add as evidence").click()
    expect(success(page)).to_contain_text(f"is now evidence for {reference}.")
    added = page.locator("#evidence-items + ul")
    expect(added.get_by_role("link", name=evidence)).to_be_visible()
    expect(added.get_by_role("button", name=re.compile("^Remove"))).to_be_visible()
    similar = page.locator("h3:has-text('Similar scanned items') + p + ul li a")
    expect(similar.first).to_be_visible()
    check_accessibility(page)

    page.goto("/triage")
    expect(page.get_by_text(reference)).to_be_visible()
    page.goto("/pipeline?stage=in_triage&source=horizon_scan")
    expect(page.get_by_text(reference).first).to_be_visible()

    page.goto("/horizon/digest")
    expect(page.get_by_role("heading", level=1)).to_have_text("Digest")
    maternity = page.locator("h2:has-text('Maternity and Neonatal') + ol")
    expect(maternity.get_by_role("link").first).to_be_visible()
    check_accessibility(page)
