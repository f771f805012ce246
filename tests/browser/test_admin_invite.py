"""An admin invites a panel member, who follows the link in the email the portal sent, sets up
an account and later signs in with it; the admin finds the invitation by filtering the users
list by role. Checked with axe on each new page."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.auth.roles import Role
from portal.background.failures import TaskFailure
from portal.demo import DEMO_USERS
from portal.extensions import db
from portal.mail import OutboxMessage

ADMIN = next(
    (email, password) for role, email, _n, _o, password in DEMO_USERS if role is Role.ADMIN
)
NAME, EMAIL = "Olu Okonkwo", "olu.okonkwo@example.org"
PASSWORD = "quartz lantern river meadow"


def sign_in(page, email, password):
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def emailed_link(live_app, live_server) -> str:
    """The invitation link in the email the portal queued for the invitee."""
    with live_app.app_context():
        body = db.session.scalars(
            sa.select(OutboxMessage.body).filter_by(recipient=EMAIL).order_by(OutboxMessage.id)
        ).all()[-1]
    return re.search(re.escape(live_server) + r"(/invitations/\S+)", body).group(1)


def test_admin_invites_a_panel_member_who_signs_in(
    page, browser, live_server, live_app, check_accessibility
):
    admin = page
    sign_in(admin, *ADMIN)
    admin.get_by_role("main").get_by_role("link", name="Users", exact=True).click()
    admin.get_by_role("button", name="Invite a user").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Invite a user")
    check_accessibility(admin)
    admin.get_by_label("Full name").fill(NAME)
    admin.get_by_label("Email address").fill(EMAIL)
    admin.get_by_role("group", name="Which role are you inviting them to?").get_by_label(
        "Panel member", exact=True
    ).check()
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin).to_have_url(re.compile(r"/admin/users$"))
    expect(admin.locator(".nhsuk-notification-banner--success")).to_contain_text(
        f"We have emailed an invitation to {EMAIL}"
    )

    admin.get_by_label("Role").select_option(label="Panel member")
    admin.get_by_role("button", name="Show users").click()
    expect(admin).to_have_url(re.compile(r"/admin/users\?.*role=panel_member"))
    expect(admin.get_by_role("table").first).to_contain_text("Priya Panel")
    pending = admin.get_by_role("table").filter(has_text="Invitations not yet accepted")
    expect(pending).to_contain_text(EMAIL)
    check_accessibility(admin, "#by-role-with-invitations")

    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(5_000)
    invitee = context.new_page()
    try:
        invitee.goto(emailed_link(live_app, live_server))
        expect(invitee.get_by_role("heading", level=1)).to_have_text("Set up your account")
        expect(invitee.get_by_label("Full name")).to_have_value(NAME)
        check_accessibility(invitee)
        invitee.get_by_label("Your organisation", exact=True).select_option(
            label="My organisation is not listed"
        )
        invitee.get_by_label("Name of your organisation").fill("Westshire Patients' Forum")
        invitee.get_by_label("Type of organisation").select_option(
            label="Patient or member of the public"
        )
        invitee.get_by_label("Create a password").fill(PASSWORD)
        invitee.get_by_role("button", name="Set up your account").click()
        expect(invitee).to_have_url(re.compile(r"/panel/profile$"))

        invitee.get_by_role("button", name="Sign out").click()
        sign_in(invitee, EMAIL, PASSWORD)
        expect(invitee).to_have_url(re.compile(r"/reviews$"))  # a panel member's home
    finally:
        context.close()


def test_admin_sends_a_failed_background_task_again_by_keyboard(
    page, live_app, check_accessibility
):
    with live_app.app_context():
        db.session.add(
            TaskFailure(
                task="horizon.scan_feed",
                job_id="browser",
                arguments="[4]",
                error="OperationalError: the database did not answer",
                retries=3,
            )
        )
        db.session.commit()
    sign_in(page, *ADMIN)
    page.goto("/admin/")
    page.get_by_role("link", name="Background tasks that failed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Background tasks that failed")
    row = page.get_by_role("row").filter(has_text="the database did not answer")
    expect(row).to_contain_text("horizon.scan_feed")
    check_accessibility(page)
    row.get_by_role("button", name="Send again").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "horizon.scan_feed is queued again."
    )
    expect(row).to_contain_text("Sent again")
    check_accessibility(page)
