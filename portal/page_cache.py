"""Rendered fragments of busy pages, reused until the data they show changes.

Each cached fragment belongs to a *data version*: a row in `data_versions` holding a random
token that is replaced whenever a transaction commits a change to any table the fragment
reads (`watch(name, tables)`). The change is seen through `portal.changes`, for ORM flushes and
for bulk statements alike, and the new token is written in the same transaction, so every
gunicorn worker sees it the moment the change is visible. A page asks for the token (one
primary-key read) and reuses its fragment only when the token matches.

Tokens are random rather than counters so that a rolled-back transaction (or a restored
backup) can never bring back a token that once meant other data.
"""

import functools
import secrets
import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal import changes
from portal.extensions import db

_NOTES = "page_cache"  # changes.note key: names of the data versions to replace


class DataVersion(db.Model):
    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))


def watch(name: str, tables) -> None:
    """Replace the token of data version `name` whenever any of `tables` changes."""
    changes.on_flush(tables, lambda session, _found: changes.note(session, _NOTES, [name]))


def current_token(name: str) -> str:
    """The data version's token now ("" until its first change)."""
    token = db.session.connection().execute(_token_statement(), {"name": name}).scalar()
    return token or ""


@functools.cache
def _token_statement():
    # built once and run on the session's connection: every cached page reads a token, and
    # building the statement and the ORM's handling of it took two thirds of the read
    return sa.select(DataVersion.token).where(DataVersion.name == sa.bindparam("name"))


@changes.before_commit
def _replace_tokens(session):
    names = changes.take(session, _NOTES)
    if not names:
        return
    connection = session.connection()
    table = DataVersion.__table__
    for name in sorted(names):  # a fixed order: concurrent committers lock rows alike
        token = secrets.token_hex(16)
        updated = connection.execute(
            table.update().where(table.c.name == name).values(token=token)
        ).rowcount
        if not updated:
            connection.execute(table.insert().values(name=name, token=token))


class FragmentCache:
    """A small per-process LRU of rendered fragments; entries also expire after `max_age`."""

    def __init__(self, max_entries=256, max_age=600.0):
        self.max_entries, self.max_age = max_entries, max_age
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            stored_at, value = found
            if time.monotonic() - stored_at > self.max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._entries[key] = (time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        with self._lock:
            return len(self._entries)


def for_app(app, name: str, max_entries=256) -> FragmentCache:
    """The app's fragment cache called `name` (one per app: tests run several apps), made
    with room for `max_entries` the first time it is asked for."""
    caches = app.extensions.setdefault("page_cache", {})
    if name not in caches:
        caches[name] = FragmentCache(max_entries=max_entries)
    return caches[name]
