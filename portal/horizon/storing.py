"""Store one feed's entries: new items, and new sources for items already known.

Matching across feeds is the scanners library's `DuplicateIndex` (same DOI, else canonical
link, else a near-identical title), loaded once per scan run and topped up with what other
scans stored since, inside the storing transaction. That transaction takes SQLite's write lock
up front (BEGIN IMMEDIATE) and, on PostgreSQL, an advisory lock, so stores are serialised and
each sees what the previous one stored. Rows go in with Core executemany. Unique constraints
(an item's DOI and link, a source's feed and entry key) are the last line of defence: if a bulk
insert still clashes, each entry is stored on its own in a savepoint.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import changes
from portal.extensions import db
from portal.horizon.item_words import screening_text, words_row
from portal.horizon.models import (
    Feed,
    ItemSource,
    ItemStatus,
    ItemWords,
    ScannedItem,
    Tombstone,
)
from scanners.dedupe import DuplicateIndex, is_tombstoned
from scanners.records import Entry

STORE_LOCK = 7_000_701  # pg_advisory_xact_lock key: one store at a time
_items = ScannedItem.__table__
_words = ItemWords.__table__
_sources = ItemSource.__table__
# What tells the new items of one insert apart, to give each entry its row's id. Entries alike
# in all of these are alike in every column, so which of them gets which id makes no difference.
_IDENTITY = ("doi", "link", "title_key", "title", "published_at")


@dataclass
class Stored:
    new_items: int = 0
    duplicates: int = 0  # entries that joined an item already stored or new in this batch
    notes: list[str] = field(default_factory=list)


class ItemRef:
    """An item in the index: a stored one, or one of the batch being stored (id set once
    it is inserted), so each new entry is indexed once and later entries can join it."""

    __slots__ = ("id",)

    def __init__(self, item_id: int | None = None):
        self.id = item_id


class KnownItems:
    """What is already stored, for matching; refreshed incrementally by id."""

    def __init__(self):
        self.forget()

    def forget(self) -> None:
        """Start again from nothing: the next refresh loads every item and tombstone."""
        self.index = DuplicateIndex()
        self.tombstones: set[str] = set()
        self.last_item_id = 0
        self._last_tombstone_id = 0

    def refresh(self) -> None:
        """Add items and tombstones stored since the last refresh (call inside the lock)."""
        rows = db.session.execute(
            sa.select(_items.c.id, _items.c.doi, _items.c.link, _items.c.title_key)
            .where(_items.c.id > self.last_item_id)
            .order_by(_items.c.id)
        )
        for item_id, doi, link, key in rows:
            self.index.add(ItemRef(item_id), doi=doi, link=link, title_key=key or None)
            self.last_item_id = item_id
        tombstones = db.session.execute(
            sa.select(Tombstone.id, Tombstone.key).where(Tombstone.id > self._last_tombstone_id)
        )
        for tombstone_id, key in tombstones:
            self.tombstones.add(key)
            self._last_tombstone_id = max(self._last_tombstone_id, tombstone_id)


def store_entries(feed: Feed, entries: list[Entry], known: KnownItems, seen_at: datetime) -> Stored:
    """Store the entries of `feed` not stored before; call inside the write transaction.

    `entries` are unique within the feed already (`parse_feed` sees to that)."""
    _lock()
    known.refresh()
    stored = Stored()
    fresh = _unseen(feed.id, entries)
    fresh = [e for e in fresh if not is_tombstoned(e, known.tombstones)]
    if not fresh:
        return stored
    try:
        with db.session.begin_nested():
            _store_batch(feed.id, fresh, known, seen_at, stored)
    except IntegrityError:  # another scan stored some of these after all
        known.forget()  # the index holds this batch's rolled-back items
        stored.new_items = stored.duplicates = 0
        for entry in fresh:
            _store_one(feed.id, entry, seen_at, stored)
    return stored


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(STORE_LOCK)))


def _unseen(feed_id: int, entries: list[Entry]) -> list[Entry]:
    """The entries whose key this feed has not given before."""
    keys = [e.key for e in entries]
    seen = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = sa.select(_sources.c.entry_key).where(
            _sources.c.feed_id == feed_id, _sources.c.entry_key.in_(chunk)
        )
        seen.update(db.session.scalars(query))
    return [e for e in entries if e.key not in seen]


def _store_batch(feed_id, entries, known: KnownItems, seen_at, stored: Stored) -> None:
    """Match every entry, then insert the new items and all sources in two executemanys."""
    new: list[tuple[ItemRef, dict]] = []
    sources: list[tuple[ItemRef, Entry]] = []
    for entry in entries:
        ref = known.index.match(entry)
        if ref is None:  # new: indexed at once, so later entries of the batch can join it
            ref = ItemRef()
            known.index.add_entry(ref, entry)
            new.append((ref, _item_row(entry, seen_at, feed_id)))
        else:
            stored.duplicates += 1
        sources.append((ref, entry))
    if new:
        # Unordered RETURNING: SQLite would insert one row per statement to keep the order.
        returned = db.session.connection().execute(
            sa.insert(_items).returning(_items.c.id, *(_items.c[name] for name in _IDENTITY)),
            [row for _ref, row in new],
        )
        ids = defaultdict(list)
        for item_id, *identity in returned:
            ids[tuple(identity)].append(item_id)
        for ref, row in new:
            ref.id = ids[tuple(row[name] for name in _IDENTITY)].pop()
        known.last_item_id = max(ref.id for ref, _row in new)  # stores are serialised
        db.session.connection().execute(
            sa.insert(_words), [_words_row(ref.id, row) for ref, row in new]
        )
        changes.report(db.session, _items, changes.INSERT, [{"id": ref.id} for ref, _ in new])
    stored.new_items = len(new)
    db.session.connection().execute(
        sa.insert(_sources), [_source_row(ref.id, feed_id, e, seen_at) for ref, e in sources]
    )


def _store_one(feed_id, entry: Entry, seen_at, stored: Stored) -> None:
    """Store one entry in its own savepoint, finding any item another scan stored meanwhile."""
    try:
        with db.session.begin_nested():
            item_id = _existing_item(entry)
            if item_id is None:
                row = _item_row(entry, seen_at, feed_id)
                item_id = (
                    db.session.connection()
                    .execute(sa.insert(_items).returning(_items.c.id), row)
                    .scalar_one()
                )
                stored.new_items += 1
                db.session.connection().execute(sa.insert(_words), _words_row(item_id, row))
                changes.report(db.session, _items, changes.INSERT, [{"id": item_id}])
            else:
                stored.duplicates += 1
            db.session.connection().execute(
                sa.insert(_sources), _source_row(item_id, feed_id, entry, seen_at)
            )
    except IntegrityError:
        stored.notes.append(f"Skipped an entry another scan stored at the same time: {entry.key}")


def _existing_item(entry: Entry) -> int | None:
    row = _item_row(entry, None)
    for column in ("doi", "link"):
        if row[column]:
            found = db.session.scalar(sa.select(_items.c.id).where(_items.c[column] == row[column]))
            if found is not None:
                return found
    if entry.title_key:
        return db.session.scalar(
            sa.select(_items.c.id).where(_items.c.title_key == row["title_key"]).limit(1)
        )
    return None


def _fits(value: str | None, length: int) -> str | None:
    return value if value and len(value) <= length else None


def _item_row(entry: Entry, seen_at, feed_id: int | None = None) -> dict:
    return {
        "title": entry.title,
        "summary": entry.summary,
        "link": _fits(entry.link, 2000),
        "doi": _fits(entry.doi, 255),
        "pmid": _fits(entry.pmid, 20),
        "authors": list(entry.authors),
        "published_at": entry.published_at,
        "published_guessed": entry.published_guessed,
        "title_key": entry.title_key[:500],
        "first_seen_at": seen_at,
        "status": ItemStatus.NEW,
        "first_feed_id": feed_id,
    }


def _words_row(item_id: int, row: dict) -> dict:
    """The item's words for screening, found as it arrives (see `portal.horizon.item_words`)."""
    return words_row(item_id, screening_text(row["title"], row["summary"]))


def _source_row(item_id: int, feed_id: int, entry: Entry, seen_at) -> dict:
    return {
        "item_id": item_id,
        "feed_id": feed_id,
        "entry_key": entry.key,
        "link": _fits(entry.link, 2000),
        "seen_at": seen_at,
    }
