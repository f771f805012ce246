"""Sign-in throttling: too many failures for an account or an address get HTTP 429.

Passwords and second factors (security and recovery codes) are counted apart: a right
password must not wipe the count of wrong codes, or guessing codes would never stop.
"""

import math
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.auth.models import SignInAttempt
from portal.clock import utcnow
from portal.extensions import db

PASSWORD = "password"
SECOND_FACTOR = "second_factor"


def _failures_since(column, value, since: datetime, factor: str) -> tuple[int, datetime | None]:
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(SignInAttempt.at)).where(
            column == value,
            SignInAttempt.at > since,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.factor == factor,
        )
    ).one()
    return row[0], row[1]


def retry_after(email: str, ip_address: str, factor: str = PASSWORD) -> int | None:
    """Seconds until a sign-in may be tried again, or None when it may be tried now."""
    window = current_app.config["SIGN_IN_FAILURE_WINDOW"]
    limit = current_app.config["SIGN_IN_MAX_FAILURES"]
    now = utcnow()
    waits = []
    for column, value in ((SignInAttempt.email, email), (SignInAttempt.ip_address, ip_address)):
        count, oldest = _failures_since(column, value, now - window, factor)
        if count >= limit:
            waits.append(max(1, math.ceil((oldest + window - now).total_seconds())))
    return max(waits) if waits else None


def record_attempt(email: str, ip_address: str, succeeded: bool, factor: str = PASSWORD) -> None:
    db.session.add(
        SignInAttempt(
            email=email, ip_address=ip_address, succeeded=succeeded, at=utcnow(), factor=factor
        )
    )


def clear_failures(email: str, factor: str = PASSWORD) -> None:
    """A success wipes the account's failure count for that factor (not the address's)."""
    db.session.execute(
        sa.delete(SignInAttempt).where(
            SignInAttempt.email == email,
            SignInAttempt.succeeded.is_(False),
            SignInAttempt.factor == factor,
        )
    )


def prune_attempts() -> int:
    """Delete attempts too old to count towards throttling; return how many."""
    cutoff = utcnow() - current_app.config["SIGN_IN_FAILURE_WINDOW"] * 4
    return db.session.execute(sa.delete(SignInAttempt).where(SignInAttempt.at < cutoff)).rowcount
