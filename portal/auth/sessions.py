"""Server-side sessions: each signed-in browser has a row, so sign-out really ends it.

The (signed) session cookie carries a random token. A copied cookie stops working as soon as
its row is revoked, which Flask-Login's cookie-only sessions cannot do on their own.

A session whose password was right but whose second factor is still to come (a security or
recovery code, or setting up an authenticator app) is "pending": it signs nobody in, and only
the pages of that step accept it (`portal/access.py`). Passing the step gives it a new token.
"""

import functools
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request, session
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from portal.auth.models import User, UserSession
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.database import write_intent
from portal.extensions import db
from portal.retry import is_transient

SESSION_KEY = "sid"


def start_session(user: User, second_factor_pending: bool = False) -> UserSession:
    """Create a session row for `user` and put its token in the cookie."""
    session.clear()  # a fresh cookie: no fixation from an earlier anonymous session
    return _new_session(user, second_factor_pending)


def renew_session(user: User) -> UserSession:
    """Give this signed-in browser a new token: the old cookie value stops working."""
    revoke_current_session(clear=False)
    return _new_session(user)


def _new_session(user: User, second_factor_pending: bool = False) -> UserSession:
    token = new_token()
    record = UserSession(
        token_hash=digest(token),
        user=user,
        created_at=utcnow(),
        last_seen_at=utcnow(),
        ip_address=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:255],
        second_factor_pending=second_factor_pending,
    )
    db.session.add(record)
    session[SESSION_KEY] = token
    return record


def current_session_record() -> UserSession | None:
    """This cookie's session record, with its user and the user's roles in the same query
    (every signed-in request reads all three: one round trip instead of three)."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    found = db.session.execute(_session_query(), {"token_hash": digest(token)})
    return found.unique().scalar_one_or_none()


@functools.cache
def _session_query():
    # built once: building it again for every request took a fifth of the read
    return (
        sa.select(UserSession)
        .where(UserSession.token_hash == sa.bindparam("token_hash"))
        .options(joinedload(UserSession.user).joinedload(User.role_grants))
    )


def _live(record: UserSession | None) -> bool:
    if record is None or record.revoked_at or not record.user.active:
        return False
    return utcnow() - record.last_seen_at <= current_app.config["SESSION_IDLE_TIMEOUT"]


def load_user(user_id: str) -> User | None:
    """Flask-Login user loader: the user only if this cookie's session is live and complete."""
    record = current_session_record()
    if record is None or str(record.user_id) != str(user_id) or record.second_factor_pending:
        return None
    if not _live(record):
        return None
    now = utcnow()
    if now - record.last_seen_at > current_app.config["SESSION_TOUCH_INTERVAL"]:
        _touch(record.id, now)
    return record.user


def second_factor_by_provider() -> bool:
    """Whether this session's single sign-on brought a second factor a trusted provider
    asserted (it then stands in for the portal's own)."""
    record = current_session_record()
    return bool(record is not None and record.provider_second_factor)


def pending_session() -> UserSession | None:
    """This cookie's session if it is live and waiting for its second factor."""
    record = current_session_record()
    return record if _live(record) and record.second_factor_pending else None


def finish_second_factor(record: UserSession) -> None:
    """The second factor is through: the session signs its user in, under a new token."""
    token = new_token()
    record.token_hash = digest(token)
    record.second_factor_pending = False
    record.last_seen_at = utcnow()
    session.clear()
    session[SESSION_KEY] = token


def hold_for_second_factor(record: UserSession) -> None:
    """Send a signed-in session back to the second-factor step (its user now needs one)."""
    db.session.commit()  # as in _touch: a read-only request must not upgrade its transaction
    with write_intent():
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.id == record.id)
            .values(second_factor_pending=True)
        )
        db.session.commit()


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
