"""Queue index updates in the transaction that changes an idea or a scanned item.

Every ORM change to ideas and scanned items (create, edit, state change, withdraw, delete,
promote, dismiss), and renames of what their documents show by name (an organisation, a feed,
a workstream), reach `_changed` through `portal.changes`, which writes one `search_queue` row
per document in the same transaction, as `page_cache` does for its tokens, so a rolled-back
change queues nothing and a committed one is never lost. Bulk inserts that bypass the session
(the scanners' `storing`) call `queue_documents` themselves. The worker applies the queue
(`apply_queued`).
"""

import sqlalchemy as sa

from portal import changes
from portal.auth.models import Organisation
from portal.horizon.models import Feed, ScannedItem
from portal.ideas.models import Idea, Workstream, idea_workstreams
from portal.search.backend import uses_index
from portal.search.index import INDEXED_COLUMNS
from portal.search.models import SearchQueueEntry

_NOTES = "search"  # changes.note key: (doc_type, doc_id) pairs to refresh
DOCUMENTS = {Idea.__tablename__: "idea", ScannedItem.__tablename__: "item"}
# what a document shows of another record, by that record's table: the attributes shown
SHOWN = {
    Organisation.__tablename__: ("name",),
    Feed.__tablename__: ("name",),
    Workstream.__tablename__: ("key", "name", "short_name"),
}


def queue_documents(session, doc_type: str, ids) -> None:
    """Refresh these documents' index entries once the transaction commits."""
    changes.note(session, _NOTES, ((doc_type, int(i)) for i in ids))


def _renamed(session, obj) -> None:
    """Queue the documents that show this organisation's, feed's or workstream's name."""
    if obj.id is None:
        return
    if isinstance(obj, Organisation):
        kind, ids = "idea", sa.select(Idea.id).where(Idea.organisation_id == obj.id)
    elif isinstance(obj, Feed):
        # an item shows the name of its first feed only
        kind, ids = "item", sa.select(ScannedItem.id).where(ScannedItem.first_feed_id == obj.id)
    else:
        column = idea_workstreams.c
        kind, ids = "idea", sa.select(column.idea_id).where(column.workstream_id == obj.id)
    # Core, not ORM: the session is mid-flush and must not autoflush again.
    queue_documents(session, kind, session.connection().scalars(ids))


@changes.on_flush([*DOCUMENTS, *SHOWN])
def _changed(session, found):
    for change in found:
        if change.obj is None:
            _bulk(session, change)
        elif change.table in SHOWN:
            if change.action == changes.UPDATE and change.modified(*SHOWN[change.table]):
                _renamed(session, change.obj)
        elif change.obj.id is not None:
            queue_documents(session, DOCUMENTS[change.table], [change.obj.id])


def _bulk(session, change) -> None:
    # Bulk statements on ideas or items: queue what the statement names, when it names it;
    # otherwise (bulk inserts, updates by condition) ask the worker to check for drift.
    kind = DOCUMENTS.get(change.table)
    if kind is None:
        return
    rows = change.rows
    if change.action == changes.INSERT and rows and all("id" in row for row in rows):
        queue_documents(session, kind, [row["id"] for row in rows])  # inserted, ids known
        return
    if change.action != changes.INSERT and rows and all("id" in row for row in rows):
        if any(set(row) & INDEXED_COLUMNS[kind] for row in rows):
            queue_documents(session, kind, [row["id"] for row in rows])
        return
    queue_documents(session, "check", [0])


@changes.before_commit
def _write(session):
    pending = changes.take(session, _NOTES)
    if not pending or not uses_index():  # PostgreSQL keeps its search columns itself
        return
    table = SearchQueueEntry.__table__
    session.connection().execute(
        table.insert(),
        [{"doc_type": kind, "doc_id": doc_id} for kind, doc_id in sorted(pending)],
    )


def pending_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(SearchQueueEntry)) or 0
