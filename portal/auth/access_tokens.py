"""Personal access tokens: made by a person for themself, for the read API.

A token is shown once, when made; only its SHA-256 is stored. It is named, scoped, expires,
can be revoked, and acts as its owner and no more: the API asks the one policy about the
owner, and the scopes only narrow that. Each call is counted against the token's rate limit in
one UPDATE (so every worker on every node shares the count), stamps its last use, and is
audited in the same transaction.
"""

import enum
import math
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.auth.models import AccessToken, User
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.database import write_intent
from portal.extensions import db

# Marks a string as this portal's token, so secret scanners and people can tell what leaked.
TOKEN_PREFIX = "sp_pat_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 4
LIFETIMES_DAYS = (7, 30, 90, 365)
MAX_LIVE_TOKENS = 20


class Scope(enum.StrEnum):
    PIPELINE_READ = "pipeline:read"
    IDEAS_READ = "ideas:read"
    ITEMS_READ = "items:read"

    @property
    def label(self) -> str:
        return SCOPE_LABELS[self]


SCOPE_LABELS = {
    Scope.PIPELINE_READ: "Read the ranked pipeline, decisions and workstreams",
    Scope.IDEAS_READ: "Read ideas you may see, with their decision history",
    Scope.ITEMS_READ: "Read scanned items and the horizon-scanning digest",
}


class TokenError(Exception):
    """Why a token cannot be made or used, in words for its owner."""


def create(
    user: User, name: str, scopes, days: int, *, secret: str | None = None
) -> tuple[AccessToken, str]:
    """Make a token for `user`; return it and its secret, which is never shown again.

    `secret` is for the demo's token only, which the README's example uses; every other
    token's secret is random."""
    name = name.strip()
    chosen = sorted({Scope(s) for s in scopes})
    if not name:
        raise TokenError("Enter a name for the token")
    if not chosen:
        raise TokenError("Choose what the token may read")
    if days not in LIFETIMES_DAYS:
        raise TokenError("Choose when the token expires")
    if len(live_tokens(user)) >= MAX_LIVE_TOKENS:
        raise TokenError(
            f"You have {MAX_LIVE_TOKENS} tokens that still work: revoke one you no longer use"
        )
    secret = secret or TOKEN_PREFIX + new_token()
    now = utcnow()
    token = AccessToken(
        user=user,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=" ".join(s.value for s in chosen),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(user, "access_token.created", token, name=name, scopes=token.scopes, days=days)
    return token, secret


def live_tokens(user: User) -> list[AccessToken]:
    """`user`'s tokens that still work, newest first."""
    return [t for t in tokens_of(user) if is_live(t)]


def tokens_of(user: User) -> list[AccessToken]:
    """Every token `user` has made that is not revoked, newest first (expired ones too, so
    their owner sees why a tool stopped working)."""
    return db.session.scalars(
        sa.select(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
        .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())
    ).all()


def is_live(token: AccessToken) -> bool:
    return token.revoked_at is None and utcnow() < token.expires_at


def owned_token(user: User, token_id: int) -> AccessToken | None:
    """`user`'s own token `token_id`, not revoked; None for anyone else's."""
    return db.session.scalar(
        sa.select(AccessToken).where(
            AccessToken.id == token_id,
            AccessToken.user_id == user.id,
            AccessToken.revoked_at.is_(None),
        )
    )


def revoke(user: User, token: AccessToken) -> None:
    token.revoked_at = utcnow()
    audit.record(user, "access_token.revoked", token, name=token.name)


@dataclass(frozen=True)
class Call:
    """An API call's token, once it has been let through."""

    token: AccessToken
    user: User


class Refused(Exception):
    """The call may not go on: `status` (401 or 429), and why."""

    def __init__(self, status: int, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


def admit(secret: str | None, ip_address: str, method: str, path: str) -> Call:
    """Check a presented token, count the call against its rate limit, stamp its last use and
    audit it, all committed together; raise `Refused` if it may not go on."""
    if not secret:
        raise Refused(401, "Send a personal access token: Authorization: Bearer <token>")
    token = db.session.scalar(
        sa.select(AccessToken).where(AccessToken.token_hash == digest(secret.strip()))
    )
    if token is None or token.revoked_at is not None:
        raise Refused(401, "This token is not recognised, or has been revoked")
    if utcnow() >= token.expires_at:
        raise Refused(401, "This token has expired: make a new one on your account page")
    if not token.user.active:
        raise Refused(401, "This token's account is deactivated")
    user = token.user
    retry_after = _count(token.id, ip_address)
    limited = retry_after is not None
    audit.record(
        user,
        "api.rate_limited" if limited else "api.called",
        object_type="access_tokens",
        object_id=token.id,
        method=method,
        path=path[:500],
    )
    db.session.commit()
    if limited:
        limit = current_app.config["API_RATE_LIMIT"]
        seconds = int(current_app.config["API_RATE_WINDOW"].total_seconds())
        raise Refused(
            429,
            f"This token may make {limit} calls in {seconds} seconds: "
            f"try again in {retry_after} seconds",
            retry_after,
        )
    return Call(token, user)


def _count(token_id: int, ip_address: str) -> int | None:
    """Count one call in the token's current window; return the seconds to wait if it is
    over the limit, else None."""
    limit = current_app.config["API_RATE_LIMIT"]
    window = current_app.config["API_RATE_WINDOW"].total_seconds()
    now = utcnow()
    start = math.floor(now.timestamp() / window) * window
    db.session.commit()  # a read so far: take the write lock (SQLite) only for the update
    with write_intent():
        calls = db.session.execute(
            sa.update(AccessToken)
            .where(AccessToken.id == token_id)
            .values(
                window_calls=sa.case(
                    (AccessToken.window_start == int(start), AccessToken.window_calls + 1),
                    else_=1,
                ),
                window_start=int(start),
                last_used_at=now,
                last_used_ip=ip_address[:45],
            )
            .returning(AccessToken.window_calls)
        ).scalar_one()
    if calls <= limit:
        return None
    return max(1, math.ceil(start + window - now.timestamp()))
