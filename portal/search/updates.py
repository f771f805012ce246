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
        if ix is None:
            current_app.logger.warning("search index missing or unreadable: rebuilding")
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
    repaired: list[str] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra)


def check_index(repair: bool = False, locked: bool = False) -> Drift:
    """Compare the index's documents with the database; with `repair`, fix the differences."""
    if not locked:
        with writer_lock():
            return check_index(repair, locked=True)
    drift = Drift()
    ix = open_index()
    if ix is None:
        drift.missing = ["(no readable index)"]
        if repair:
            rebuild_index()
            drift.rebuilt = True
        return drift
    with ix.searcher() as searcher:
        indexed = {fields["doc_id"] for fields in searcher.all_stored_fields()}
    expected = {f"{kind}:{i}" for kind in ("idea", "item") for i in all_ids(kind)}
    drift.missing = sorted(expected - indexed)
    drift.extra = sorted(indexed - expected)
    if repair and not drift.clean:
        wanted: dict[str, set[int]] = {"idea": set(), "item": set()}
        for key in (*drift.missing, *drift.extra):
            kind, _, doc_id = key.partition(":")
            wanted[kind].add(int(doc_id))
        _write(ix, wanted)
        drift.repaired = [*drift.missing, *drift.extra]
    return drift


def index_location() -> str:
    return str(base_dir())
