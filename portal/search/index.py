"""The Whoosh index: schema, documents built from the database, and its directory.

`SEARCH_INDEX_DIR` holds generations (`gen-<stamp>`) and a `CURRENT` file naming the live one.
A rebuild writes a new generation and replaces `CURRENT` with `os.replace` (atomic), so
readers always open a whole index. Every writer holds `writer.lock` (an exclusive `flock`)
for its whole run: Whoosh raises `LockError` on concurrent writers, and the lock also keeps a
rebuild and the queue's updates from overtaking each other.
"""

import fcntl
import hashlib
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.search.searching import PAIRED, pair_analyzer

IDEA_TEXT = ("summary", "problem_harm", "problem_who", "proposed_change", "evidence")
INDEXED_COLUMNS = {
    "idea": {"title", "state", "owner_id", "organisation_id", "development_stage", *IDEA_TEXT},
    "item": {"title", "summary", "authors", "doi", "published_at", "status", "first_feed_id"},
}


def make_schema() -> Schema:
    stem = StemmingAnalyzer()
    return Schema(
        doc_id=ID(stored=True, unique=True),  # "idea:12" or "item:7"
        type=ID(stored=True, sortable=True),
        # No positions in the big fields: phrases are answered from the word-pair fields
        # below, and without positions their postings read several times faster.
        title=TEXT(analyzer=stem, stored=True, field_boost=2.0, phrase=False),
        body=TEXT(analyzer=stem, stored=True, phrase=False),
        authors=TEXT(stored=True),
        source=ID(stored=True, sortable=True),
        doi=ID(stored=True),
        reference=ID(stored=True),
        workstream=TEXT(analyzer=StandardAnalyzer()),  # `workstream:maternity` in queries
        workstream_key=KEYWORD(stored=True, commas=True),  # facets and filters
        stage=ID(stored=True, sortable=True),
        year=NUMERIC(stored=True, sortable=True),
        organisation=TEXT(stored=True),
        owner=ID(),  # for the permission filter only; never in user queries
        # Unstemmed words for spelling suggestions. A suggestion is offered only when it finds
        # something the viewer may see, so no word of a hidden idea is ever suggested.
        vocab=TEXT(analyzer=StandardAnalyzer(), spelling=True, phrase=False),
        url=STORED(),
        digest=STORED(),  # of the document's content: `flask search check` finds stale ones
        # Adjacent word pairs of title and body: phrases are answered from these (searching.py).
        title_pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
        body_pairs=TEXT(analyzer=pair_analyzer(), phrase=False),
    )


def complete(doc: dict) -> dict:
    """The document with its word-pair fields filled in and the digest of its content."""
    doc = {**doc, **{pairs: doc.get(name, "") for name, pairs in PAIRED.items()}}
    return {**doc, "digest": content_digest(doc)}


def content_digest(doc: dict) -> str:
    text = repr(sorted((k, v) for k, v in doc.items() if k != "digest"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# Building documents


def idea_document(idea) -> dict:
    body = "\n".join(getattr(idea, name) or "" for name in IDEA_TEXT)
    when = idea.submitted_at or idea.created_at
    return complete(
        {
            "doc_id": f"idea:{idea.id}",
            "type": "idea",
            "title": idea.title or "",
            "body": body,
            "authors": "",
            "source": idea.source.value,
            "doi": "",
            "reference": idea.reference,
            "workstream": " ".join(
                f"{w.key} {w.name} {w.short_name or ''}" for w in idea.workstreams
            ),
            "workstream_key": ",".join(w.key for w in idea.workstreams),
            "stage": idea.state.value,
            "year": when.year if when else 0,
            "organisation": idea.organisation.name if idea.organisation else "",
            "owner": str(idea.owner_id or ""),
            "vocab": f"{idea.title or ''} {body}",
        }
    )


def item_document(item) -> dict:
    text = f"{item.title or ''} {item.summary or ''}"
    return complete(
        {
            "doc_id": f"item:{item.id}",
            "type": "item",
            "title": item.title or "",
            "body": item.summary or "",
            "authors": "; ".join(str(a) for a in (item.authors or [])),
            "source": item.first_feed.name if item.first_feed else "",
            "doi": (item.doi or "").lower(),
            "reference": "",
            "workstream": "",
            "workstream_key": "",
            "stage": item.status.value,
            "year": item.published_at.year if item.published_at else 0,
            "organisation": "",
            "owner": "",
            "vocab": text,
        }
    )


def indexable_ideas():
    """Ideas that belong in the index: every idea not withdrawn."""
    return sa.select(Idea).where(Idea.state != IdeaState.WITHDRAWN)


def load_documents(doc_type: str, ids) -> dict[int, dict]:
    """The documents for these ids that should be indexed now, by id."""
    ids = list(ids)
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if doc_type == "idea":
            rows = db.session.scalars(
                indexable_ideas()
                .where(Idea.id.in_(chunk))
                .options(sa.orm.joinedload(Idea.organisation))
            ).unique()
            found.update((i.id, idea_document(i)) for i in rows)
        else:
            rows = db.session.scalars(
                sa.select(ScannedItem)
                .where(ScannedItem.id.in_(chunk))
                .options(sa.orm.joinedload(ScannedItem.first_feed))
            )
            found.update((i.id, item_document(i)) for i in rows)
    return found


def all_ids(doc_type: str) -> set[int]:
    if doc_type == "idea":
        return set(db.session.scalars(indexable_ideas().with_only_columns(Idea.id)))
    return set(db.session.scalars(sa.select(ScannedItem.id)))


# The directory


def base_dir() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def current_dir(base: Path | None = None) -> Path | None:
    base = base or base_dir()
    try:
        name = (base / "CURRENT").read_text().strip()
    except OSError:
        return None
    path = base / name
    return path if name and path.is_dir() else None


def open_index():
    """The live index, or None when there is none (or it cannot be read)."""
    path = current_dir()
    return None if path is None else open_index_at(path)


def open_index_at(path):
    """The index in this generation's directory, or None when it cannot be read."""
    storage = _TrackingStorage(str(path))
    try:
        return storage.open_index()
    except Exception:  # a corrupt index must never break search: the caller falls back
        current_app.logger.exception("search index at %s cannot be opened", path)
        storage.close_opened()  # Whoosh leaves the file it failed to read open
        return None


class _TrackingStorage(FileStorage):
    """File storage that remembers the files it opened, to close them after a failure."""

    def __init__(self, path):
        super().__init__(path)
        self.opened = []

    def open_file(self, name, **kwargs):
        handle = super().open_file(name, **kwargs)
        self.opened.append(handle)
        return handle

    def close_opened(self):
        for handle in self.opened:
            try:
                handle.close()
            except Exception:  # already closed, or half-made
                pass


@contextmanager
def writer_lock(base: Path | None = None):
    """Hold the one-writer lock (blocking) for the whole of a write."""
    base = base or base_dir()
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "writer.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_generation(base: Path):
    path = base / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path, whoosh_index.create_in(str(path), make_schema())


def swap_in(base: Path, path: Path) -> None:
    """Make `path` the live generation atomically, then remove the older ones.

    The generation it replaces is kept until the next swap: a search that read `CURRENT`
    just before may still be opening its files.
    """
    previous = current_dir(base)
    pointer = base / f"CURRENT.{uuid.uuid4().hex[:8]}"
    pointer.write_text(path.name)
    os.replace(pointer, base / "CURRENT")
    for old in base.glob("gen-*"):
        if old not in (path, previous):
            shutil.rmtree(old, ignore_errors=True)


def rebuild_index(batch: int = 2000) -> int:
    """Build a new generation from the database and swap it in; return documents indexed.

    The caller holds `writer_lock`; queued updates older than the rebuild are then redundant.
    """
    base = base_dir()
    path, ix = new_generation(base)
    count = 0
    writer = ix.writer(limitmb=128, procs=1)
    try:
        for doc_type in ("idea", "item"):
            ids = sorted(all_ids(doc_type))
            for start in range(0, len(ids), batch):
                for doc in load_documents(doc_type, ids[start : start + batch]).values():
                    writer.add_document(**doc)
                    count += 1
                db.session.expire_all()
        writer.commit()
    except BaseException:
        writer.cancel()
        shutil.rmtree(path, ignore_errors=True)
        raise
    swap_in(base, path)
    return count
