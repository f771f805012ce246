"""Helpers for tests that sign in with a second factor: codes come from the account's secret."""

import re
from datetime import datetime

import pyotp

from portal.auth import mfa
from portal.auth.models import TotpFactor, User
from portal.extensions import db

RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


def secret_of(query, user) -> str:
    return query(lambda: db.session.get(TotpFactor, user.id).secret)


def code_at(secret: str, moment: datetime) -> str:
    """The security code an authenticator app holding `secret` shows at `moment`."""
    return pyotp.TOTP(secret).at(moment)


def wrong_code(secret: str, moment: datetime, n: int = 0) -> str:
    """A well-formed code the app holding `secret` does not show around `moment`."""
    right = {pyotp.TOTP(secret).at(moment, counter_offset=offset) for offset in (-1, 0, 1)}
    return next(c for c in (f"{(n + k) % 1_000_000:06d}" for k in range(4)) if c not in right)


def set_up_authenticator(client, query, user, clock, path="/account/authenticator-app"):
    """Set up an app through the set-up page; return (secret, recovery codes shown)."""
    assert client.get(path).status_code == 200
    secret = secret_of(query, user)
    response = client.post(path, data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def give_authenticator(app, user, clock):
    """Set up an app for `user` through the services, quicker than through the pages (the
    set-up page has tests of its own); return (secret, recovery codes)."""
    with app.app_context():
        holder = db.session.get(User, user.id)
        secret = mfa.begin_set_up(holder).secret
        codes = mfa.confirm_set_up(holder, code_at(secret, clock.now))
        db.session.commit()
        return secret, codes


def post_password(client, user, password, ip="203.0.113.7", next_path=None):
    url = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return client.post(
        url,
        data={"email": user.email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def post_code(client, code, ip="203.0.113.7", path="/sign-in/security-code"):
    return client.post(path, data={"code": code}, environ_base={"REMOTE_ADDR": ip})
