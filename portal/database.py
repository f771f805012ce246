"""Database plumbing: UTC datetimes, enum columns, SQLite tuning and write-intent transactions.

SQLite runs in WAL mode with a busy timeout and foreign keys on. pysqlite's own transaction
handling is switched off (SQLAlchemy's documented recipe) so that we emit BEGIN ourselves:
`BEGIN IMMEDIATE` when the unit of work will write (any non-GET request, CLI commands, or an
explicit `write_intent()` block), so concurrent writers queue on the busy timeout instead of
failing with "database is locked"; plain deferred `BEGIN` for read-only requests, so readers
never wait for writers. On PostgreSQL, read-only units of work run in autocommit, without
BEGIN and ROLLBACK (`configure_postgresql`).
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event

from portal.clock import utcnow

_write_intent: ContextVar[bool | None] = ContextVar("write_intent", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls, **kwargs):
    """A portable enum column: stored as its string value, no native database type."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=40,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
        **kwargs,
    )


@contextmanager
def write_intent():
    """Make transactions begun inside this block take SQLite's write lock up front."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _wants_write() -> bool:
    explicit = _write_intent.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True  # CLI commands and background work write


def configure_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """Apply WAL, busy timeout, foreign keys and explicit BEGIN to a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")


# Statements that write, or need a transaction (a savepoint: `begin_nested()`, which a search
# uses to keep a failed query from spoiling the unit): a unit of work begun as a read takes a
# transaction for them.
_WRITES = (
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "CREATE",
    "ALTER",
    "DROP",
    "TRUNCATE",
    "SAVEPOINT",
)


def configure_postgresql(engine: sa.Engine) -> None:
    """Run read-only units of work on PostgreSQL in autocommit: no BEGIN and ROLLBACK.

    At READ COMMITTED each statement sees what was committed when it began, in a transaction
    or not, so a read loses nothing; it saves two round trips a request (a warm pipeline page
    made four). A unit of work that will write (a non-GET request, a CLI command, background
    work, a `write_intent()` block) begins its transaction as before; one begun as a read that
    writes after all gets its transaction at its first write, as SQLite's deferred
    transactions do, so its writes still commit or roll back together."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _asked_for_autocommit(connection):
            return  # VACUUM and its like: left in the autocommit asked for
        reading = not _wants_write()
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection.autocommit != reading:
            dbapi_connection.autocommit = reading

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_at_first_write(connection, _cursor, statement, *_):
        dbapi_connection = connection.connection.dbapi_connection
        if _asked_for_autocommit(connection):
            return
        if dbapi_connection.autocommit and statement.lstrip()[:9].upper().startswith(_WRITES):
            dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement


def _asked_for_autocommit(connection) -> bool:
    return connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


def now_utc() -> datetime:
    """Default for timestamp columns when no clock is at hand."""
    return utcnow()


def insert_many(connection, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) with one executemany of the driver."""
    if rows:
        insert_columns(connection, table, {name: [row[name] for row in rows] for name in rows[0]})


def insert_columns(connection, table: sa.Table, columns: dict[str, list]) -> None:
    """Insert rows given column by column (each list a column's values, row by row) with one
    executemany of the driver.

    What SQLAlchemy's executemany does, with the columns' bind processing (JSON text, UTC
    datetimes) run column by column, and once for a column holding one value throughout:
    its per-row work was a third of storing 40,000 score snapshots."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    processed = []
    for name in names:
        values = columns[name]
        process = table.c[name].type.bind_processor(dialect)
        first = values[0]
        if all(value is first for value in values):  # one value throughout
            value = _adapted(dialect.dbapi, process(first) if process else first)
            values = [value] * len(values)
        elif process is not None:
            values = [process(value) for value in values]
        processed.append(values)
    if compiled.positional:
        order = [names.index(name) for name in compiled.positiontup]
        params = list(zip(*(processed[n] for n in order), strict=True))
    else:
        params = [dict(zip(names, values, strict=True)) for values in zip(*processed, strict=True)]
    connection.exec_driver_sql(compiled.string, params)


def _adapted(dbapi, value):
    """`value` as the driver would adapt it, once, for a value sent on every row (sqlite3
    turns each row's datetime into text in Python: 0.2 s for a refresh's 40,000 rows)."""
    adapters = getattr(dbapi, "adapters", None)
    if not isinstance(adapters, dict):  # psycopg adapts in C, and keeps no such dict
        return value
    adapt = adapters.get((type(value), getattr(dbapi, "PrepareProtocol", None)))
    return adapt(value) if adapt is not None else value


def integer_rows(session, statement) -> np.ndarray:
    """The rows of `statement`, whose columns are all integers and never null, as an array
    (rows in no particular order). The database joins each column into one string, which numpy
    parses: 50,000 rows one by one through the driver and SQLAlchemy took 150 ms, the strings a
    tenth of that, and 840,000 score rows of five columns 0.8 s instead of 1.5 s fetched row
    by row (one string of whole rows joined by SQL's `||` took 2.3 s)."""
    columns = list(statement.subquery().columns)
    joined = session.execute(
        sa.select(*(sa.func.aggregate_strings(sa.cast(c, sa.String), ",") for c in columns))
    ).one()
    if joined[0] is None:
        return np.zeros((0, len(columns)), dtype=np.int64)
    parsed = [np.fromstring(text or "", dtype=np.int64, sep=",") for text in joined]
    if len({len(values) for values in parsed}) > 1:
        raise ValueError("integer_rows: a column held a null")
    return np.column_stack(parsed)
