"""The second factor at sign-in: setting up an app, security and recovery codes, replay and
throttling, and a half-signed-in session that reaches nothing but the code pages."""

import re

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import RecoveryCode, TotpFactor, UserSession
from portal.extensions import db
from tests.conftest import PASSWORD
from tests.portal.mfa_helpers import (
    code_at,
    give_authenticator,
    post_code,
    post_password,
    set_up_authenticator,
    wrong_code,
)


@pytest.fixture
def with_app(app, create_user, clock):
    """An innovator who has set up an authenticator app: (user, secret, recovery codes)."""
    user = create_user(email="ada@example.org")
    secret, codes = give_authenticator(app, user, clock)
    clock.advance(seconds=30)  # the set-up code's time step is spent
    return user, secret, codes


def test_set_up_page_shows_a_qr_code_the_key_and_a_security_code_field(
    client, create_user, sign_in, query
):
    user = create_user()
    sign_in(client, user)
    html = client.get("/account").get_data(as_text=True)
    assert "Off: you sign in with your password only" in html
    assert 'href="/account/authenticator-app"' in html

    html = client.get("/account/authenticator-app").get_data(as_text=True)
    secret = query(lambda: db.session.get(TotpFactor, user.id).secret)
    svg = re.search(r"<svg\b.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title>" in svg
    main = re.search(r"<main\b.*?</main>", html, re.S).group(0)
    # nothing a strict CSP refuses: no inline style, script or event handler
    assert not re.search(r"<(script|style)\b|\sstyle=|\son[a-z]+=", main)
    shown = re.search(r'class="app-setup-key">([A-Z2-7 ]+)<', html).group(1)
    assert shown.replace(" ", "") == secret
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", html).group(0)
    for attribute in (
        'autocomplete="one-time-code"',
        'inputmode="numeric"',
        'spellcheck="false"',
        'type="text"',
    ):
        assert attribute in field
    assert "The 6 numbers your authenticator app now shows" in html
    # a reload shows the same secret: the app may already hold it
    client.get("/account/authenticator-app")
    assert query(lambda: db.session.get(TotpFactor, user.id).secret) == secret


def test_set_up_is_confirmed_by_a_first_code_and_shows_ten_hashed_recovery_codes(
    client, create_user, sign_in, query, clock
):
    user = create_user()
    sign_in(client, user)
    client.get("/account/authenticator-app")
    secret = query(lambda: db.session.get(TotpFactor, user.id).secret)
    wrong = client.post("/account/authenticator-app", data={"code": wrong_code(secret, clock.now)})
    assert "The security code is not correct" in wrong.get_data(as_text=True)
    assert client.post("/account/authenticator-app", data={"code": "12a456"}).status_code == 200
    assert query(lambda: db.session.get(TotpFactor, user.id).confirmed_at) is None

    secret, codes = set_up_authenticator(client, query, user, clock)
    assert len(set(codes)) == 10
    factor = query(lambda: db.session.get(TotpFactor, user.id))
    assert factor.confirmed_at == clock.now
    stored = query(
        lambda: db.session.scalars(
            sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
    )
    assert len(stored) == 10
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert "On: authenticator app set up" in client.get("/account").get_data(as_text=True)
    actions = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
        ).all()
    )
    assert "user.mfa_set_up" in actions


def test_sign_in_with_a_security_code(client, with_app, query, clock):
    user, secret, _codes = with_app
    response = post_password(client, user, PASSWORD, next_path="/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/security-code?next=/account"
    assert client.get("/innovator").status_code == 302  # not signed in yet

    done = post_code(
        client, code_at(secret, clock.now), path="/sign-in/security-code?next=/account"
    )
    assert done.status_code == 302 and done.headers["Location"] == "/account"
    assert client.get("/innovator").status_code == 200
    signed_in = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user.signed_in")
        ).all()
    )
    assert signed_in[-1].details["second_factor"] == "security_code"


def test_a_half_signed_in_session_reaches_only_the_code_pages(app, client, with_app):
    user, secret, _codes = with_app
    post_password(client, user, PASSWORD)
    pending_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    for path in ("/innovator", "/account", "/account/password", "/search?q=a", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/sign-in/security-code?next="), path
    for path in ("/sign-out", "/account/password", "/ideas/new"):
        assert client.post(path).status_code == 401, path
    home = client.get("/").get_data(as_text=True)
    assert "Sign out" not in home and "Sign in" in home  # the header sees nobody signed in
    assert client.get("/sign-in/security-code").status_code == 200
    assert client.get("/sign-in/recovery-code").status_code == 200

    # A cookie copied before the code was entered stays half-signed-in: the token changes.
    post_code(client, code_at(secret, app.config["CLOCK"].now))
    copy = app.test_client()
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], pending_cookie)
    assert copy.get("/innovator").status_code == 302
    assert copy.get("/sign-in/security-code").status_code == 302
    assert client.get("/innovator").status_code == 200


def test_code_pages_refuse_anyone_without_a_pending_session(client, create_user, sign_in):
    for path in ("/sign-in/security-code", "/sign-in/recovery-code"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/sign-in", path
    assert client.post("/sign-in/security-code", data={"code": "123456"}).status_code == 401
    sign_in(client, create_user())
    assert client.get("/sign-in/security-code").headers["Location"] == "/account"


def test_a_code_cannot_be_replayed_within_its_window(app, client, with_app, clock):
    user, secret, _codes = with_app
    code = code_at(secret, clock.now)
    post_password(client, user, PASSWORD)
    assert post_code(client, code).status_code == 302
    client.post("/sign-out")

    post_password(client, user, PASSWORD)
    clock.advance(seconds=20)  # the same code, still inside the accepted window
    replayed = post_code(client, code)
    assert replayed.status_code == 200
    assert "The security code is not correct" in replayed.get_data(as_text=True)
    clock.advance(seconds=30)
    assert post_code(client, code_at(secret, clock.now)).status_code == 302


def test_a_code_from_the_step_before_is_accepted_but_not_one_from_long_ago(client, with_app, clock):
    user, secret, _codes = with_app
    post_password(client, user, PASSWORD)
    old = code_at(secret, clock.now)
    clock.advance(seconds=90)
    assert post_code(client, old).status_code == 200  # three steps ago: refused
    assert post_code(client, code_at(secret, clock.now.timestamp() - 30)).status_code == 302


def test_sign_in_with_a_recovery_code_works_once(client, with_app, query):
    user, _secret, codes = with_app
    post_password(client, user, PASSWORD)
    response = post_code(client, codes[3].upper().replace("-", " "), path="/sign-in/recovery-code")
    assert response.status_code == 302 and response.headers["Location"] == "/innovator"
    page = client.get("/innovator").get_data(as_text=True)
    assert "You signed in with a recovery code. You have 9 recovery codes left" in page
    client.post("/sign-out")

    post_password(client, user, PASSWORD)
    again = post_code(client, codes[3], path="/sign-in/recovery-code")
    assert again.status_code == 200
    assert "The recovery code is not correct, or it has already been used" in again.get_data(
        as_text=True
    )
    assert client.get("/innovator").status_code == 302
    used = query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).where(RecoveryCode.used_at.is_not(None))
        )
    )
    assert used == 1


def test_wrong_codes_are_throttled_per_account_and_a_right_password_does_not_reset_them(
    app, client, with_app, clock
):
    user, secret, codes = with_app
    post_password(client, user, PASSWORD)
    for n in range(10):
        path = "/sign-in/recovery-code" if n % 2 else "/sign-in/security-code"
        response = post_code(client, wrong_code(secret, clock.now, n), f"198.51.100.{n}", path)
        assert response.status_code == 200
    blocked = post_code(client, code_at(secret, clock.now), ip="198.51.100.99")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) == 15 * 60
    assert "Too many tries" in blocked.get_data(as_text=True)
    assert post_code(client, codes[0], path="/sign-in/recovery-code").status_code == 429

    other = app.test_client()  # the password again, elsewhere: the codes stay throttled
    assert post_password(other, user, PASSWORD, ip="192.0.2.9").status_code == 302
    assert post_code(other, code_at(secret, clock.now), ip="192.0.2.9").status_code == 429

    clock.advance(minutes=15)
    assert post_code(other, code_at(secret, clock.now), ip="192.0.2.9").status_code == 302


def test_wrong_codes_from_one_address_block_that_address(app, create_user, clock):
    victims = []
    for _ in range(2):
        user = create_user()
        victims.append((user, give_authenticator(app, user, clock)[0]))
    clock.advance(seconds=30)
    attacker = app.test_client()
    for n in range(10):
        post_password(attacker, victims[0][0], PASSWORD, ip="192.0.2.50")
        post_code(attacker, wrong_code(victims[0][1], clock.now, n), ip="192.0.2.50")
    user, secret = victims[1]
    post_password(attacker, user, PASSWORD, ip="192.0.2.50")
    assert post_code(attacker, code_at(secret, clock.now), ip="192.0.2.50").status_code == 429
    assert post_code(attacker, code_at(secret, clock.now), ip="192.0.2.51").status_code == 302


def test_code_format_errors_say_what_is_wrong_and_are_not_counted(client, with_app, query):
    user, _secret, _codes = with_app
    post_password(client, user, PASSWORD)
    for code, message in (
        ("", "Enter the security code"),
        ("12a 456", "The security code must only include numbers"),
        ("12345", "The security code must be 6 numbers"),
    ):
        html = post_code(client, code).get_data(as_text=True)
        assert message in html and "There is a problem" in html
    assert query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)))
    failures = query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "user.second_factor_failed")
        )
    )
    assert failures == 0
