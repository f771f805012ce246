"""Journeys through the portal in a real browser, checked with axe on every page they visit."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.demo import DEMO_USERS

HOME_PATHS = {
    Role.INNOVATOR: ("/innovator", "Your ideas"),
    Role.PANEL_MEMBER: ("/reviews", "Your reviews"),
    Role.PROGRAMME_LEAD: ("/pipeline", "Pipeline"),
    Role.ADMIN: ("/admin/", "Admin"),
}
DEMO = {role: (email, password) for role, email, _name, _org, password in DEMO_USERS}


def path_of(page):
    return urlsplit(page.url).path


def sign_in(page, role):
    email, password = DEMO[role]
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(HOME_PATHS[role][0]) + "$"))


def test_sign_up(page, check_accessibility):
    page.goto("/")
    check_accessibility(page)
    page.get_by_role("link", name="Create an account", exact=True).click()
    expect(page).to_have_url(re.compile(r"/register$"))
    check_accessibility(page)

    page.get_by_label("Full name").fill("Sam Sign-Up")
    page.get_by_label("Email address").fill("sam.signup@example.org")
    organisation = page.get_by_label("Your organisation", exact=True)
    organisation.select_option(label="My organisation is not listed")
    page.get_by_label("Name of your organisation").fill("Eastmoor Community Pharmacy")
    page.get_by_label("Type of organisation").select_option(
        label="Primary care (for example, a GP practice)"
    )
    page.get_by_label("Create a password").fill("violet tractor harbour mosaic")
    page.get_by_role("button", name="Create account").click()

    # The same answer as for an address that already has an account: check your email.
    expect(page).to_have_url(re.compile(r"/register/check-your-email$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text("sam.signup@example.org")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Email address").fill("sam.signup@example.org")
    page.get_by_label("Password", exact=True).fill("violet tractor harbour mosaic")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/innovator$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ideas")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_accessibility(page)


def test_sign_up_errors(page, check_accessibility):
    page.goto("/register")
    page.get_by_role("button", name="Create account").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    hrefs = summary.get_by_role("link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert hrefs == ["#name", "#email", "#organisation", "#password"]
    expect(page.locator("#name-error")).to_contain_text("Enter your full name")
    check_accessibility(page, "#errors")

    # Following an error link takes the user to its field.
    summary.get_by_role("link", name="Enter a password").click()
    expect(page.get_by_label("Create a password")).to_be_focused()


@pytest.mark.parametrize("role", list(HOME_PATHS), ids=lambda role: role.value)
def test_each_role_lands_on_its_home(page, check_accessibility, role):
    sign_in(page, role)
    expected_path, heading = HOME_PATHS[role]
    assert path_of(page) == expected_path
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_accessibility(page)


def test_admin_users_pages(page, check_accessibility):
    sign_in(page, Role.ADMIN)
    page.goto("/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    check_accessibility(page)
    page.get_by_role("link", name="Priya Panel").click()
    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya Panel")
    check_accessibility(page)


def test_sign_out(page, check_accessibility):
    sign_in(page, Role.INNOVATOR)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "You have signed out"
    )
    expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()
    check_accessibility(page, "#signed-out")
    page.goto("/innovator")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/privacy", 200, "Privacy notice"),
        ("/accessibility", 200, "Accessibility statement"),
        ("/cookies", 200, "Cookies"),
        ("/contact", 200, "Contact us"),
        ("/sign-in", 200, "Sign in"),
        ("/password-reset", 200, "Reset your password"),
        ("/no-such-page", 404, "Page not found"),
    ],
)
def test_public_pages(page, check_accessibility, path, status, heading):
    response = page.goto(path)
    assert response.status == status
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_accessibility(page)


def test_footer_links_reach_information_pages(page):
    page.goto("/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(re.compile(r"/accessibility$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")


def test_keyboard_only_sign_in(page):
    email, password = DEMO[Role.INNOVATOR]
    page.goto("/sign-in")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.closest('main') !== null")

    page.keyboard.press("Tab")  # the live server offers single sign-on first
    expect(page.get_by_role("link", name="Sign in with your NHS account")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/innovator$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ideas")
