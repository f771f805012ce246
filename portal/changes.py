"""What a transaction changes, told to the code that must act on it in that same transaction.

SQLAlchemy's session events are hooked here once, for every session. Each flush, and each bulk
INSERT, UPDATE or DELETE run through the session (`session.execute(sa.update(Idea)...)`), is
described as a list of `Change`s: the table, the action, and the ORM object or the statement's
parameter sets. Subscribers register at import time:

- `on_flush(tables, callback)`: `callback(session, changes)` is called with the changes to any
  of `tables` (names, `Table`s or models), and only when there are some. It runs after a flush,
  while the objects' attribute history can still be read (`Change.modified`), or before a bulk
  statement runs. It should only note what to do: `note(session, key, items)`.
- `before_commit(callback)`: `callback(session)` runs just before a transaction or a savepoint
  commits, after a last flush. It takes what it noted (`take(session, key)`) and writes what
  that asks for through `session.connection()`: Core statements, which are not changes.

Notes live as long as the transaction: a rollback forgets them, and rolling back a savepoint
restores them to what they were when it began, so an undone change never acts. Statements run
on `session.connection()` directly bypass the session's events; code that writes that way tells
its subscribers itself.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

INSERT, UPDATE, DELETE = "insert", "update", "delete"
_NOTES = "changes.notes"  # session.info: subscriber key -> set of items
_SAVEPOINTS = "changes.savepoints"  # session.info: open savepoint -> notes when it began

_flush_callbacks: list[tuple[frozenset[str], Callable]] = []
_commit_callbacks: list[Callable] = []
_watched: set[str] = set()  # every table some flush callback wants


@dataclass(frozen=True, eq=False)
class Change:
    """One row change found in a flush, or one bulk statement on a table.

    `obj` is the ORM object (for a many-to-many table, the object whose collection changed);
    it is None for a bulk statement, whose parameter sets are in `rows`.
    """

    table: str
    action: str  # INSERT, UPDATE or DELETE
    obj: object | None = None
    rows: tuple[dict, ...] = ()

    def modified(self, *keys: str) -> bool:
        """Whether any of the object's attributes `keys` changed in this flush."""
        if self.obj is None:
            return False
        attrs = sa.inspect(self.obj).attrs
        return any(attrs[key].history.has_changes() for key in keys)


def table_name(table) -> str:
    """The name of a table given as a name, a `Table` or a model."""
    table = getattr(table, "__table__", table)
    return getattr(table, "name", table)


def on_flush(tables: Iterable, callback: Callable | None = None):
    """Call `callback(session, changes)` with each flush's changes to any of `tables`.

    Used as a decorator when `callback` is left out.
    """
    names = frozenset(table_name(table) for table in tables)

    def register(fn):
        _flush_callbacks.append((names, fn))
        _watched.update(names)
        return fn

    return register if callback is None else register(callback)


def before_commit(callback: Callable) -> Callable:
    """Call `callback(session)` before each commit, after its last flush (a decorator too)."""
    _commit_callbacks.append(callback)
    return callback


def disconnect(callback: Callable) -> None:
    """Stop calling `callback` (tests register subscribers of their own)."""
    _flush_callbacks[:] = [entry for entry in _flush_callbacks if entry[1] != callback]
    _commit_callbacks[:] = [fn for fn in _commit_callbacks if fn != callback]
    _watched.clear()
    _watched.update(name for names, _fn in _flush_callbacks for name in names)


def note(session: Session, key: str, items: Iterable) -> None:
    """Remember `items` for subscriber `key` until the transaction commits or rolls back."""
    session.info.setdefault(_NOTES, {}).setdefault(key, set()).update(items)


def take(session: Session, key: str) -> set:
    """Everything noted for `key` in this transaction; forgotten once taken."""
    return session.info.get(_NOTES, {}).pop(key, set())


def _dispatch(session, found: list[Change]) -> None:
    for tables, callback in list(_flush_callbacks):
        mine = [change for change in found if change.table in tables]
        if mine:
            callback(session, mine)


def _collection_changes(obj):
    """Many-to-many rows (an idea's workstreams) change through their parent's collection."""
    state = sa.inspect(obj)
    for rel in state.mapper.relationships:
        if rel.secondary is None or rel.secondary.name not in _watched:
            continue
        history = state.attrs[rel.key].history
        if history.added:
            yield Change(rel.secondary.name, INSERT, obj)
        if history.deleted:
            yield Change(rel.secondary.name, DELETE, obj)


@event.listens_for(Session, "after_flush")
def _flushed(session, _context):
    if not _watched:
        return
    found = []
    for action, objects in (
        (INSERT, session.new),
        (UPDATE, session.dirty),
        (DELETE, session.deleted),
    ):
        for obj in objects:
            table = getattr(obj, "__table__", None)
            if table is not None and table.name in _watched:
                # dirty means touched: an attribute set to its old value changes nothing
                if action != UPDATE or session.is_modified(obj):
                    found.append(Change(table.name, action, obj))
            if action != DELETE:
                found.extend(_collection_changes(obj))
    _dispatch(session, found)


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in _watched:
        return
    action = INSERT if state.is_insert else UPDATE if state.is_update else DELETE
    params = state.parameters
    rows = tuple(params) if isinstance(params, list) else (params,) if params else ()
    _dispatch(state.session, [Change(table.name, action, rows=rows)])


@event.listens_for(Session, "before_commit")
def _committing(session):
    if not _commit_callbacks:
        return
    session.flush()  # this commit's own changes are noted first
    for callback in list(_commit_callbacks):
        callback(session)


@event.listens_for(Session, "after_transaction_create")
def _began(session, transaction):
    if transaction.nested:
        notes = {key: set(items) for key, items in session.info.get(_NOTES, {}).items()}
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = notes


@event.listens_for(Session, "after_commit")
def _committed(session):
    released = session.get_nested_transaction()  # still current while its after_commit runs
    if released is not None:
        session.info.get(_SAVEPOINTS, {}).pop(released, None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, transaction):
    if transaction.nested:
        notes = session.info.get(_SAVEPOINTS, {}).pop(transaction, None)
        if notes is not None:
            session.info[_NOTES] = notes


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is None:  # the whole transaction, committed or not
        session.info.pop(_NOTES, None)
        session.info.pop(_SAVEPOINTS, None)
