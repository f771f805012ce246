"""Single sign-on in a real browser, through the OpenID provider process: the demo lead signs
in with their organisation's account, is recognised as the existing lead, and signs out of
both; a new person signs in and lands as an innovator. The portal's pages are checked with
axe (the provider's own pages are not ours to check)."""

import re

from playwright.sync_api import expect

LEAD = "lead@example.org"  # the demo's lead
# The provider process's own pages ask a CDN for their stylesheet; Chromium here resolves no
# host but 127.0.0.1, so the request goes nowhere. Only the provider's pages may ask it.
PROVIDER_STYLESHEET = "https://cdn.jsdelivr.net/npm/@picocss/"


def sign_in_at_provider(page, sub, check_accessibility):
    page.goto("/sign-in")
    check_accessibility(page, "with single sign-on")
    page.get_by_role("link", name="Sign in with your NHS account").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_the_lead_is_recognised_and_a_new_person_lands_as_an_innovator(
    page, browser, oidc_provider, check_accessibility
):
    oidc_provider.user("lead-at-work", email=LEAD, email_verified=True, name="Liam Lead")
    sign_in_at_provider(page, "lead-at-work", check_accessibility)
    expect(page).to_have_url(re.compile(r"/pipeline$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pipeline")
    page.goto("/account")
    expect(page.get_by_text("You can sign in with your organisation's account")).to_be_visible()
    check_accessibility(page, "linked")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signed-out$"))
    check_accessibility(page)
    page.get_by_role("link", name="Sign out of your organisation's account").click()
    expect(page).not_to_have_url(re.compile(r"/signed-out$"))

    oidc_provider.user("nia-at-work", email="nia.new@example.org", name="Nia New")
    sign_in_at_provider(page, "nia-at-work", check_accessibility)
    expect(page).to_have_url(re.compile(r"/innovator$"))
    expect(page.get_by_text("Welcome: your account is ready")).to_be_visible()
    check_accessibility(page, "new by single sign-on")
    asked = browser.off_machine
    asked[:] = [url for url in asked if not url.startswith(PROVIDER_STYLESHEET)]


def test_a_replayed_state_a_wrong_nonce_and_an_unverified_email_are_refused(
    page, browser, oidc_provider, check_accessibility
):
    # an unverified email naming an existing account (the demo's panel member) takes nothing over
    oidc_provider.user("not-verified", email="panel@example.org", email_verified=False)
    sign_in_at_provider(page, "not-verified", check_accessibility)
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in did not work")
    expect(page.get_by_text("Sign in with its password, then link")).to_be_visible()
    check_accessibility(page, "unverified email")

    # the provider's answer used twice: the second is refused
    oidc_provider.user("nia-twice", email="nia.twice@example.org")
    answers = []
    page.on("request", lambda r: answers.append(r.url) if "/sign-in/sso/callback" in r.url else 0)
    sign_in_at_provider(page, "nia-twice", check_accessibility)
    expect(page).to_have_url(re.compile(r"/innovator$"))
    page.get_by_role("button", name="Sign out").click()
    page.goto(answers[-1])
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in did not work")
    check_accessibility(page, "replayed state")

    # a nonce the portal never sent, swapped into the request on its way to the provider
    def swap_nonce(route):
        url = re.sub(r"([?&]nonce=)[^&]+", r"\1not-the-portals-nonce", route.request.url)
        route.continue_(url=url)

    page.route(re.compile(r".*/oauth2/authorize\?.*"), swap_nonce)
    sign_in_at_provider(page, "nia-twice", check_accessibility)
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in did not work")
    page.goto("/innovator")
    expect(page).to_have_url(re.compile(r"/sign-in"))  # nobody signed in
    asked = browser.off_machine
    asked[:] = [url for url in asked if not url.startswith(PROVIDER_STYLESHEET)]


def test_a_signed_in_person_links_their_work_account(page, browser, oidc_provider):
    """The link button's POST goes on to the provider: the CSP's form-action allows it."""
    oidc_provider.user("panel-at-work", email="priya.work@example.org")
    page.goto("/sign-in?next=/account")
    page.get_by_label("Email address").fill("panel@example.org")
    page.get_by_label("Password", exact=True).fill("demo-panel-harbour-57")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    page.get_by_role("button", name="Link your organisation's account").click()
    page.get_by_placeholder("sub").fill("panel-at-work")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_text("now signs you in here")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.goto("/sign-in")
    page.get_by_role("link", name="Sign in with your NHS account").click()
    page.get_by_placeholder("sub").fill("panel-at-work")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/reviews$"))
    asked = browser.off_machine
    asked[:] = [url for url in asked if not url.startswith(PROVIDER_STYLESHEET)]
