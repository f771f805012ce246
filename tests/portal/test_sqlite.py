"""SQLite runs in WAL mode with busy timeout and foreign keys; writers lock up front."""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import event

from portal import create_app
from portal.auth.forms import NOT_LISTED
from portal.extensions import db
from tests.conftest import make_config

STRONG_PASSWORD = "violet-turbine-marmalade-91"
WRITERS = 6


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    """An app on its own SQLite file, so its tests may commit and run threads."""
    tmp = tmp_path_factory.mktemp("sqlite-own")
    app = create_app(make_config(f"sqlite:///{tmp / 'portal.sqlite3'}", tmp))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def engine(sqlite_app):
    with sqlite_app.app_context():
        return db.engine


@contextmanager
def traced_sql(engine):
    """Collect the SQL that SQLite itself runs on connections checked out meanwhile."""
    statements = []

    def on_checkout(dbapi_connection, _record, _proxy):
        dbapi_connection.set_trace_callback(statements.append)

    def on_checkin(dbapi_connection, _record):
        dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield statements
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)


def registration(email, organisation="Concurrency Trust"):
    return {
        "name": "Reg Istrant",
        "email": email,
        "organisation": NOT_LISTED,
        "organisation_name": organisation,
        "organisation_type": "nhs_trust",
        "password": STRONG_PASSWORD,
    }


def count(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_app, engine):
    with engine.connect() as conn:
        pragma = conn.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"]
        assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
        with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
            pragma(
                "INSERT INTO user_roles (user_id, role, granted_at) "
                "VALUES (987654, 'admin', '2026-01-01 00:00:00')"
            )
        conn.rollback()


def test_read_only_request_begins_a_deferred_transaction(sqlite_app, engine):
    with traced_sql(engine) as statements:
        response = sqlite_app.test_client().get("/register")
    assert response.status_code == 200
    assert statements[0] == "BEGIN"
    assert not any(
        s.startswith(("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")) for s in statements
    ), statements


def test_writing_request_begins_immediate(sqlite_app, engine):
    with traced_sql(engine) as statements:
        response = sqlite_app.test_client().post(
            "/register", data=registration("immediate@example.org", "Immediate Trust")
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert statements[0] == "BEGIN IMMEDIATE"
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert set(begins) == {"BEGIN IMMEDIATE"}  # no deferred transaction in the request
    insert = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO users"))
    assert "COMMIT" in statements[insert:]


def test_work_outside_a_request_begins_immediate(sqlite_app, engine):
    with traced_sql(engine) as statements, sqlite_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    assert statements[0] == "BEGIN IMMEDIATE"


def test_concurrent_writers_all_succeed(sqlite_app, engine):
    start = threading.Barrier(WRITERS, timeout=5)

    def register(n):
        client = sqlite_app.test_client()
        start.wait()  # release every writer at once
        response = client.post("/register", data=registration(f"writer{n}@example.org"))
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(register, range(WRITERS)))

    for status, body in results:
        assert status == 302, body
        assert "database is locked" not in body
    assert count(engine, "SELECT count(*) FROM users WHERE email LIKE 'writer%'") == WRITERS
    # Serialised writers saw each other's work: one organisation, not a unique-key clash.
    assert (
        count(
            engine,
            "SELECT count(*) FROM organisations WHERE name = :name",
            name="Concurrency Trust",
        )
        == 1
    )


def test_reader_is_not_blocked_by_an_open_write_transaction(sqlite_app, engine):
    writer = engine.connect()
    try:
        original_cache = writer.exec_driver_sql("PRAGMA cache_size").scalar()
        # A one-page cache makes the writer spill pages before it commits; under a rollback
        # journal that takes the exclusive lock and readers fail with "database is locked".
        writer.exec_driver_sql("PRAGMA cache_size = 1")
        writer.execute(
            sa.text(
                "INSERT INTO organisations (name, name_key, type, created_at) "
                "VALUES (:name, :key, 'other', '2026-01-01 00:00:00')"
            ),
            [
                {"name": f"Uncommitted Org {n:04d} " + "x" * 150, "key": f"uncommitted {n}"}
                for n in range(2000)
            ],
        )
        response = sqlite_app.test_client().get("/register")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Choose your organisation" in html
        assert "Uncommitted Org" not in html  # the reader sees the last committed state
    finally:
        writer.rollback()
        writer.exec_driver_sql(f"PRAGMA cache_size = {int(original_cache)}")
        writer.rollback()
        writer.close()
