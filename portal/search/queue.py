"""Queue index updates in the transaction that changes an idea or a scanned item.

SQLAlchemy session events see every ORM change to ideas and scanned items (create, edit, state
change, withdraw, delete, promote, dismiss), and renames of what their documents show by name
(an organisation, a feed, a workstream), and write one `search_queue` row per document in
the same transaction, as `page_cache` does for its tokens, so a rolled-back change queues
nothing and a committed one is never lost. Bulk inserts that bypass the ORM (the scanners'
`storing`) call `queue_documents` themselves. The worker applies the queue (`apply_queued`).
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.search.models import SearchQueueEntry

_PENDING = "search.queued"


def _kind(obj) -> str | None:
    from portal.horizon.models import ItemSource, ScannedItem
    from portal.ideas.models import Idea

    if isinstance(obj, Idea):
        return "idea"
    if isinstance(obj, ScannedItem):
        return "item"
    if isinstance(obj, ItemSource):
        return "source"
    return None


def queue_documents(session, doc_type: str, ids) -> None:
    """Refresh these documents' index entries once the transaction commits."""
    session.info.setdefault(_PENDING, set()).update((doc_type, int(i)) for i in ids)


def _renamed(session, obj) -> None:
    """Queue the documents that show this organisation's, feed's or workstream's name."""
    from portal.auth.models import Organisation
    from portal.horizon.models import Feed, ItemSource
    from portal.ideas.models import Idea, Workstream, idea_workstreams

    shown = {
        Organisation: ("name",),
        Feed: ("name",),
        Workstream: ("key", "name", "short_name"),
    }.get(type(obj))
    if not shown or obj.id is None:
        return
    state = sa.inspect(obj)
    if not any(state.attrs[name].history.has_changes() for name in shown):
        return
    if isinstance(obj, Organisation):
        kind, ids = "idea", sa.select(Idea.id).where(Idea.organisation_id == obj.id)
    elif isinstance(obj, Feed):
        kind, ids = "item", sa.select(ItemSource.item_id).where(ItemSource.feed_id == obj.id)
    else:
        column = idea_workstreams.c
        kind, ids = "idea", sa.select(column.idea_id).where(column.workstream_id == obj.id)
    # Core, not ORM: the session is mid-flush and must not autoflush again.
    queue_documents(session, kind, session.connection().scalars(ids))


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    for obj in session.dirty:
        _renamed(session, obj)
    for obj in (*session.new, *session.dirty, *session.deleted):
        kind = _kind(obj)
        if kind is None or (obj in session.dirty and not session.is_modified(obj)):
            continue
        if kind == "source":
            if obj.item_id is not None:
                queue_documents(session, "item", [obj.item_id])
        elif obj.id is not None:
            queue_documents(session, kind, [obj.id])


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    # Bulk statements on ideas or items: queue what the statement names, when it names it;
    # otherwise (bulk inserts, updates by condition) ask the worker to check for drift.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    kind = {"ideas": "idea", "scanned_items": "item"}.get(getattr(table, "name", None))
    if kind is None:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    if not state.is_insert and rows and all("id" in row for row in rows):
        from portal.search.index import INDEXED_COLUMNS

        if any(set(row) & INDEXED_COLUMNS[kind] for row in rows):
            queue_documents(state.session, kind, [row["id"] for row in rows])
        return
    queue_documents(state.session, "check", [0])


@event.listens_for(Session, "before_commit")
def _write(session):
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    table = SearchQueueEntry.__table__
    session.connection().execute(
        table.insert(),
        [{"doc_type": kind, "doc_id": doc_id} for kind, doc_id in sorted(pending)],
    )


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop(_PENDING, None)


def pending_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(SearchQueueEntry)) or 0
