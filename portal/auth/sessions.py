"""Server-side sessions: each signed-in browser has a row, so sign-out really ends it.

The (signed) session cookie carries a random token. A copied cookie stops working as soon as
its row is revoked, which Flask-Login's cookie-only sessions cannot do on their own.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request, session
from sqlalchemy.exc import DBAPIError

from portal.auth.models import User, UserSession
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.database import write_intent
from portal.extensions import db
from portal.retry import is_transient

SESSION_KEY = "sid"


def start_session(user: User) -> UserSession:
    """Create a session row for `user` and put its token in the cookie."""
    session.clear()  # a fresh cookie: no fixation from an earlier anonymous session
    return _new_session(user)


def renew_session(user: User) -> UserSession:
    """Give this signed-in browser a new token: the old cookie value stops working."""
    revoke_current_session(clear=False)
    return _new_session(user)


def _new_session(user: User) -> UserSession:
    token = new_token()
    record = UserSession(
        token_hash=digest(token),
        user=user,
        created_at=utcnow(),
        last_seen_at=utcnow(),
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
    )
    db.session.add(record)
    session[SESSION_KEY] = token
    return record


def current_session_record() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return db.session.scalar(sa.select(UserSession).filter_by(token_hash=digest(token)))


def load_user(user_id: str) -> User | None:
    """Flask-Login user loader: the user only if this cookie's session is live."""
    record = current_session_record()
    if record is None or str(record.user_id) != str(user_id) or record.revoked_at:
        return None
    now = utcnow()
    if now - record.last_seen_at > current_app.config["SESSION_IDLE_TIMEOUT"]:
        return None
    if not record.user.active:
        return None
    if now - record.last_seen_at > current_app.config["SESSION_TOUCH_INTERVAL"]:
        _touch(record.id, now)
    return record.user


def _touch(session_id: int, now) -> None:
    # A read-only request must not upgrade its deferred transaction: end it, then write.
    db.session.commit()
    try:
        with write_intent():
            db.session.execute(
                sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
            )
            db.session.commit()
    except DBAPIError as error:
        if not is_transient(error):
            raise
        db.session.rollback()  # busy: the last-seen time can wait for the next request


def revoke_current_session(clear: bool = True) -> None:
    record = current_session_record()
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()
    if clear:
        session.clear()


def revoke_all_sessions(user: User, keep: UserSession | None = None) -> int:
    """Revoke every live session of `user` except `keep`; return how many."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def prune_sessions() -> int:
    """Delete sessions revoked or idle for over a day (they can never be used again)."""
    cutoff = utcnow() - max(current_app.config["SESSION_IDLE_TIMEOUT"], timedelta(days=1))
    stale = sa.or_(UserSession.revoked_at < cutoff, UserSession.last_seen_at < cutoff)
    return db.session.execute(sa.delete(UserSession).where(stale)).rowcount
