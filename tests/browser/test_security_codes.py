"""Security codes in a real browser, checked with axe: a lead sets up an authenticator app from
their account page (typing the key, as someone who cannot scan the QR code would), signs out,
signs in with a security code and then with a recovery code, and turns the codes off again."""

import re
from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import expect

from portal.auth import services
from portal.auth.roles import Role
from portal.extensions import db
from tests.conftest import FakeClock
from tests.portal.mfa_helpers import wrong_code

EMAIL = "second.factor.lead@example.org"
PASSWORD = "quartz lantern meadow violin"


@pytest.fixture
def lead(live_app):
    """A lead of their own, so the demo lead other journeys use keeps signing in as before."""
    with live_app.app_context():
        services.create_user(
            EMAIL, "Sam Second-Factor", PASSWORD, None, roles=(Role.PROGRAMME_LEAD,)
        )
        db.session.commit()
    return EMAIL


@pytest.fixture
def live_clock(live_app):
    """The live server's clock, moved by the test: a used code's 30 seconds pass at once."""
    clock = FakeClock(start=datetime.now(UTC))
    live_app.config["CLOCK"] = clock
    yield clock
    live_app.config.pop("CLOCK", None)


def sign_in_with_password(page):
    page.goto("/sign-in?next=/account")  # the account page: lighter than the pipeline
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_lead_sets_up_security_codes_and_signs_in_with_them(
    page, lead, live_clock, check_accessibility
):
    sign_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/account$"))  # development: a password is enough
    page.get_by_role("link", name="Set up security codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    check_accessibility(page)

    key = page.locator(".app-setup-key").inner_text().replace(" ", "")
    app = pyotp.TOTP(key)  # what an authenticator app given the key by hand shows
    page.get_by_label("Security code").fill(wrong_code(key, live_clock.now))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("The security code is not correct")
    page.get_by_label("Security code").fill(app.at(live_clock.now))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    check_accessibility(page, "#recovery-codes")
    codes = page.locator(".app-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("On: authenticator app set up")).to_be_visible()
    sign_out(page)

    live_clock.advance(seconds=30)  # the set-up code is spent; the app shows the next one
    sign_in_with_password(page)
    expect(page).to_have_url(re.compile(r"/sign-in/security-code\?next=/account$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter the security code")
    check_accessibility(page)
    page.get_by_label("Security code").fill(app.at(live_clock.now))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    sign_out(page)

    sign_in_with_password(page)
    page.get_by_role("link", name="use a recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    check_accessibility(page)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "You have 9 recovery codes left"
    )

    page.get_by_role("link", name="Get new recovery codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Get new recovery codes")
    check_accessibility(page)
    page.get_by_role("link", name="Back to your account").click()
    page.get_by_role("link", name="Turn off security codes").click()
    check_accessibility(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Turn off security codes").click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Security codes are turned off"
    )
