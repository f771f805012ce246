"""The one writer: apply queued updates, rebuild, and check the index against the database.

Run only by `flask worker` and `flask search ...`; web requests never write the index.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.search.index import (
    all_ids,
    base_dir,
    load_documents,
    make_schema,
    open_index,
    rebuild_index,
    writer_lock,
)
from portal.search.models import SearchQueueEntry


def apply_queued_updates(limit: int = 5000) -> int | None:
    """Apply queued index updates (rebuilding a missing or corrupt index); return how many
    documents were updated or removed, or None when nothing was queued."""
    with writer_lock():
        last = db.session.scalar(sa.select(sa.func.max(SearchQueueEntry.id)))
        ix = open_index()
        if ix is not None and not set(make_schema().names()) <= set(ix.schema.names()):
            ix = None  # built before a field was added: rebuild rather than fail on it
        if ix is None:
            current_app.logger.warning("search index missing, unreadable or old: rebuilding")
            count = rebuild_index()
            _forget(SearchQueueEntry.id <= last if last is not None else sa.false())
            return count
        if last is None:
            return None
        rows = db.session.execute(
            sa.select(SearchQueueEntry.id, SearchQueueEntry.doc_type, SearchQueueEntry.doc_id)
            .order_by(SearchQueueEntry.id)
            .limit(limit)
        ).all()
        wanted: dict[str, set[int]] = {"idea": set(), "item": set()}
        check = False
        for _id, kind, doc_id in rows:
            if kind in wanted:
                wanted[kind].add(doc_id)
            else:
                check = True
        changed = _write(ix, wanted)
        if check:
            changed += len(check_index(repair=True, locked=True).repaired)
        _forget(SearchQueueEntry.id.in_([r.id for r in rows]))
        return changed


def _forget(condition) -> None:
    db.session.execute(sa.delete(SearchQueueEntry).where(condition))
    db.session.commit()


def _write(ix, wanted: dict[str, set[int]]) -> int:
    writer = ix.writer(timeout=5.0)
    changed = 0
    try:
        for kind, ids in wanted.items():
            docs = load_documents(kind, ids)
            for doc_id in sorted(ids):
                if doc_id in docs:
                    writer.update_document(**docs[doc_id])
                else:  # deleted, withdrawn: gone from search
                    writer.delete_by_term("doc_id", f"{kind}:{doc_id}")
                changed += 1
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return changed


def reindex() -> int:
    """Rebuild the whole index into a new directory and swap it in."""
    with writer_lock():
        last = db.session.scalar(sa.select(sa.func.max(SearchQueueEntry.id)))
        count = rebuild_index()
        if last is not None:
            _forget(SearchQueueEntry.id <= last)
        return count


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    extra: list[str] = field(default_factory=list)  # in the index, gone from the database
    stale: list[str] = field(default_factory=list)  # indexed with content since changed
    repaired: list[str] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale)


def check_index(repair: bool = False, locked: bool = False, content: bool = False) -> Drift:
    """Compare the index's documents with the database; with `repair`, fix the differences.

    With `content`, also rebuild each document from the database and compare its digest
    with the indexed one (an edit the worker never applied); slower, so the worker's own
    checks compare presence only.
    """
    if not locked:
        with writer_lock():
            return check_index(repair, locked=True, content=content)
    drift = Drift()
    ix = open_index()
    if ix is None:
        drift.missing = ["(no readable index)"]
        if repair:
            rebuild_index()
            drift.rebuilt = True
        return drift
    with ix.searcher() as searcher:
        indexed = {f["doc_id"]: f.get("digest") for f in searcher.all_stored_fields()}
    expected = {f"{kind}:{i}" for kind in ("idea", "item") for i in all_ids(kind)}
    drift.missing = sorted(expected - indexed.keys())
    drift.extra = sorted(indexed.keys() - expected)
    if content:
        drift.stale = _stale(indexed, expected)
    if repair and not drift.clean:
        wanted: dict[str, set[int]] = {"idea": set(), "item": set()}
        for key in (*drift.missing, *drift.extra, *drift.stale):
            kind, _, doc_id = key.partition(":")
            wanted[kind].add(int(doc_id))
        _write(ix, wanted)
        drift.repaired = [*drift.missing, *drift.extra, *drift.stale]
    return drift


def _stale(indexed: dict[str, str | None], expected: set[str], batch: int = 1000) -> list[str]:
    stale = []
    for kind in ("idea", "item"):
        both = expected & indexed.keys()
        ids = sorted(int(k.partition(":")[2]) for k in both if k.startswith(f"{kind}:"))
        for start in range(0, len(ids), batch):
            docs = load_documents(kind, ids[start : start + batch])
            stale += [
                doc["doc_id"] for doc in docs.values() if indexed[doc["doc_id"]] != doc["digest"]
            ]
            db.session.expire_all()
    return sorted(stale)


def index_location() -> str:
    return str(base_dir())
