"""Writes that meet a lock are retried whole; one that still cannot run says so, truthfully.

SQLite answers "database is locked" when its busy timeout runs out, and PostgreSQL aborts a
transaction that deadlocked or could not be serialised. Either way the database rolled the
transaction back, so none of it was saved: the view runs again from the start (its form and
files are still there) after a short, growing, jittered pause. After `WRITE_TRIES` attempts the
answer is 503, "the service is busy: nothing was saved".

Views commit once, at their end, so a lock can only strike before anything was saved. If one
strikes after a commit in the same request, part of the work stands: it is neither retried (it
would be done twice) nor reported as "nothing was saved"; the error goes on as it is.
"""

import random
import sqlite3
import time

import psycopg
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from portal.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SQLITE_LOCKED = ("database is locked", "database table is locked", "database schema is locked")
_POSTGRES_TRANSIENT = (
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.LockNotAvailable,
)


class Busy(ServiceUnavailable):
    """The write could not get the database in time; nothing of it was saved."""


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a lock or serialisation failure that a retry may get past."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.OperationalError):
        return any(text in str(original) for text in _SQLITE_LOCKED)
    return isinstance(original, _POSTGRES_TRANSIENT)


def pause(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: growing, with jitter so writers part."""
    return random.uniform(0.5, 1.0) * 0.05 * 2**attempt


class PortalFlask(Flask):
    """Flask, with every write request's view retried whole when the database is locked."""

    def dispatch_request(self):
        if request.method in SAFE_METHODS:
            return super().dispatch_request()
        tries = self.config["WRITE_TRIES"]
        for attempt in range(1, tries + 1):
            committed = commits()
            try:
                return super().dispatch_request()
            except DBAPIError as error:
                if not is_transient(error) or commits() != committed:
                    raise
                db.session.rollback()
                if attempt == tries:
                    raise Busy() from error
                current_app.logger.info("write retried after %s (attempt %d)", error, attempt)
                _rewind_uploads()
                (self.config.get("RETRY_SLEEP") or time.sleep)(pause(attempt))
        raise AssertionError("unreachable")


def commits() -> int:
    """How many transactions this request has committed so far."""
    return g.get("_commits", 0)


@event.listens_for(Session, "after_commit")
def _count_commit(session):
    if has_request_context():
        g._commits = commits() + 1


def _rewind_uploads():
    for upload in request.files.values():
        if upload.stream.seekable():
            upload.stream.seek(0)
