"""Personal access tokens in a real browser, checked with axe: a lead makes a token from their
account page with the keyboard alone, sees it once, reads the API with it, and revokes it; the
API's reference page is read as anyone would, within the Content Security Policy."""

import re

from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.demo import DEMO_USERS

DEMO = {role: (email, password) for role, email, _name, _org, password in DEMO_USERS}


def test_a_lead_makes_uses_and_revokes_a_token(page, check_accessibility):
    email, password = DEMO[Role.PROGRAMME_LEAD]
    page.goto("/sign-in?next=/account")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    page.get_by_role("link", name="Manage personal access tokens").click()
    check_accessibility(page)
    page.get_by_role("button", name="Make a new token").click()

    page.get_by_role("button", name="Make token").click()  # nothing filled in
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check_accessibility(page, "errors")

    page.get_by_label("Token name").focus()
    page.keyboard.type("Power BI pipeline report")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Read the ranked pipeline, decisions and workstreams")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # ideas too
    page.get_by_label("In 30 days").check()
    page.get_by_label("In 30 days").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your new token: Power BI pipeline report"
    )
    check_accessibility(page, "made")
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("sp_pat_")

    headers = {"Authorization": f"Bearer {secret}"}
    answer = page.request.get("/api/v1/pipeline?limit=3", headers=headers)
    assert answer.status == 200 and len(answer.json()["items"]) == 3
    assert page.request.get("/api/v1/items", headers=headers).status == 403  # not in its scopes

    page.goto("/account/tokens")
    row = page.get_by_role("row").filter(has_text="Power BI pipeline report")
    expect(row).not_to_contain_text("Never")  # its last use is listed
    row.get_by_role("button", name="Revoke Power BI pipeline report").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert page.request.get("/api/v1/pipeline", headers=headers).status == 401


def test_the_api_reference_page(page, check_accessibility):
    page.goto("/api/v1/reference")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety Pipeline API reference")
    page.get_by_role("link", name="GET /api/v1/pipeline").click()
    expect(page.get_by_role("table", name="Parameters of GET /api/v1/pipeline")).to_be_visible()
    check_accessibility(page)
    contract = page.request.get("/api/v1/openapi.json").json()
    assert "/api/v1/pipeline" in contract["paths"]
