"""Signing in and out: credentials, throttling, server-side sessions and idle timeout."""

import sqlalchemy as sa

from portal.auth.models import SignInAttempt, UserSession
from portal.extensions import db
from tests.conftest import PASSWORD, fetch_user


def post_sign_in(client, email, password, ip="203.0.113.7"):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_sign_in_with_any_email_case_lands_on_home(client, create_user):
    create_user(email="ada@example.org")
    response = post_sign_in(client, "  ADA@Example.org ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/innovator"
    assert client.get("/innovator").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_message(client, create_user):
    create_user(email="ada@example.org")
    wrong = post_sign_in(client, "ada@example.org", "not the password at all")
    unknown = post_sign_in(client, "nobody@example.org", "not the password at all")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The email address or password is not correct" in response.get_data(as_text=True)
    assert client.get("/innovator").status_code == 302  # still signed out


def test_deactivated_user_cannot_sign_in(client, create_user):
    create_user(email="gone@example.org", active=False)
    response = post_sign_in(client, "gone@example.org", PASSWORD)
    assert "The email address or password is not correct" in response.get_data(as_text=True)


def test_next_is_followed_only_within_the_site(client, create_user):
    create_user(email="ada@example.org", roles=())
    ok = client.post(
        "/sign-in?next=/account", data={"email": "ada@example.org", "password": PASSWORD}
    )
    assert ok.headers["Location"] == "/account"
    client.post("/sign-out")
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post(
            f"/sign-in?next={evil}", data={"email": "ada@example.org", "password": PASSWORD}
        )
        assert response.headers["Location"] == "/account", evil  # no role: account page
        client.post("/sign-out")


def test_ten_failures_for_an_account_then_429_until_the_window_passes(
    client, create_user, clock, query
):
    create_user(email="ada@example.org")
    for attempt in range(10):
        response = post_sign_in(
            client, "ada@example.org", f"wrong guess number {attempt}", ip=f"198.51.100.{attempt}"
        )
        assert response.status_code == 200
    blocked = post_sign_in(client, "ada@example.org", PASSWORD, ip="198.51.100.99")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) == 15 * 60
    html = blocked.get_data(as_text=True)
    assert "Too many tries" in html and "Try again in 15 minutes" in html
    assert client.get("/innovator").status_code == 302  # the right password did not sign in

    clock.advance(minutes=15)
    assert post_sign_in(client, "ada@example.org", PASSWORD).status_code == 302
    # success clears the account's failures
    assert (
        query(
            lambda: db.session.scalar(
                sa.select(sa.func.count())
                .select_from(SignInAttempt)
                .where(SignInAttempt.succeeded.is_(False))
            )
        )
        == 0
    )


def test_ten_failures_from_one_address_block_that_address(client, create_user, clock):
    create_user(email="ada@example.org")
    for n in range(10):
        post_sign_in(client, f"guess{n}@example.org", "wrong wrong wrong", ip="192.0.2.50")
    assert post_sign_in(client, "ada@example.org", PASSWORD, ip="192.0.2.50").status_code == 429
    assert post_sign_in(client, "ada@example.org", PASSWORD, ip="192.0.2.51").status_code == 302


def test_sign_out_ends_the_session_even_for_a_copied_cookie(
    app, client, create_user, sign_in, query
):
    user = create_user(email="ada@example.org")
    sign_in(client, user)
    stolen = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    stolen.set_cookie(cookie.key, cookie.value)
    assert stolen.get("/innovator").status_code == 200

    response = client.post("/sign-out")
    assert response.headers["Location"] == "/"
    assert "You have signed out" in client.get("/").get_data(as_text=True)
    assert stolen.get("/innovator").status_code == 302  # the copy no longer works
    revoked = query(lambda: db.session.scalar(sa.select(UserSession.revoked_at)))
    assert revoked is not None


def test_idle_sessions_expire(app, client, create_user, sign_in, clock):
    sign_in(client, create_user())
    clock.advance(minutes=29)
    assert client.get("/innovator").status_code == 200  # activity refreshes the session
    clock.advance(minutes=29)
    assert client.get("/innovator").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/innovator")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_changing_password_ends_other_sessions_but_keeps_this_one(
    app, client, create_user, sign_in, query
):
    user = create_user(email="ada@example.org")
    sign_in(client, user)
    other = app.test_client()
    sign_in(other, user)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "marble kettle orchard violin"},
    )
    assert response.headers["Location"] == "/account"
    assert "other devices have been signed out" in client.get("/account").get_data(as_text=True)
    assert other.get("/innovator").status_code == 302
    client.post("/sign-out")
    sign_in(client, "ada@example.org", "marble kettle orchard violin")
    assert query(lambda: fetch_user("ada@example.org").password_hash) != user.password_hash


def test_changing_password_gives_this_browser_a_new_token(app, client, create_user, sign_in, query):
    sign_in(client, create_user(email="ada@example.org"))
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "marble kettle orchard violin"},
    )
    copy = app.test_client()  # the cookie as it was before the change, in another browser
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert copy.get("/innovator").status_code == 302
    assert client.get("/innovator").status_code == 200  # the browser that changed it stays in
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    copy.set_cookie(app.config["SESSION_COOKIE_NAME"], after)
    assert copy.get("/innovator").status_code == 200  # its new token is a live session
    rows = query(lambda: db.session.scalars(sa.select(UserSession).order_by(UserSession.id)).all())
    assert [row.revoked_at is None for row in rows] == [False, True]


def test_change_password_errors_change_nothing(client, create_user, sign_in, query):
    user = create_user(email="ada@example.org")
    sign_in(client, user)
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": "marble kettle orchard violin",
        },
    )
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    weak = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "password"}
    )
    assert "at least 12 characters" in weak.get_data(as_text=True)
    assert query(lambda: fetch_user("ada@example.org").password_hash) == user.password_hash
    assert client.get("/account").status_code == 200  # still signed in


def test_behind_a_trusted_proxy_throttling_counts_the_real_client(tmp_path):
    from flask_migrate import upgrade

    from portal import create_app
    from tests.conftest import make_config

    proxied = create_app(
        make_config(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", tmp_path, TRUSTED_PROXIES=1)
    )
    with proxied.app_context():
        upgrade()
    client = proxied.test_client()
    for n in range(10):
        client.post(
            "/sign-in",
            data={"email": f"x{n}@example.org", "password": "wrong wrong"},
            headers={"X-Forwarded-For": "192.0.2.1"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
    blocked = client.post(
        "/sign-in",
        data={"email": "y@example.org", "password": "wrong wrong"},
        headers={"X-Forwarded-For": "192.0.2.1"},
    )
    other = client.post(
        "/sign-in",
        data={"email": "y@example.org", "password": "wrong wrong"},
        headers={"X-Forwarded-For": "192.0.2.2"},
    )
    assert (blocked.status_code, other.status_code) == (429, 200)
    with proxied.app_context():
        db.engine.dispose()
