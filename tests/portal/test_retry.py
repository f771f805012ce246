"""A write that meets a lock is retried whole; if it never gets through, 503 and nothing saved.

The SQLite cases take a real write lock from another connection; the PostgreSQL case makes a
real serialisation failure. Each app here is its own, on its own database file.
"""

import sqlite3
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.access import public
from portal.auth.models import User, UserSession
from portal.clock import utcnow
from portal.extensions import db
from portal.retry import is_transient
from tests.conftest import fresh_database, make_config
from tests.portal.test_register import form


@pytest.fixture
def locked_app(tmp_path):
    """An app on a SQLite file whose busy timeout is short, with its pauses recorded."""
    path = tmp_path / "locked.sqlite3"
    pauses = []
    app = create_app(
        make_config(
            f"sqlite:///{path}",
            tmp_path,
            SQLITE_BUSY_TIMEOUT_MS=20,
            RETRY_SLEEP=lambda seconds: pauses.append(seconds),
        )
    )
    with app.app_context():
        upgrade()
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    app.pauses, app.holder = pauses, holder
    yield app
    holder.close()
    with app.app_context():
        db.engine.dispose()


def users(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_a_write_that_never_gets_the_lock_is_a_503_that_saved_nothing(locked_app):
    locked_app.holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    response = locked_app.test_client().post("/register", data=form())
    locked_app.holder.execute("ROLLBACK")
    assert response.status_code == 503
    assert "Nothing was saved or changed" in response.get_data(as_text=True)
    assert len(locked_app.pauses) == locked_app.config["WRITE_TRIES"] - 1
    assert users(locked_app) == 0


def test_a_write_runs_again_whole_once_the_lock_is_free(locked_app):
    locked_app.holder.execute("BEGIN IMMEDIATE")
    release = locked_app.config["RETRY_SLEEP"]

    def pause_then_release(seconds):
        release(seconds)
        if locked_app.holder.in_transaction:
            locked_app.holder.execute("COMMIT")  # the other writer finishes

    locked_app.config["RETRY_SLEEP"] = pause_then_release
    response = locked_app.test_client().post("/register", data=form())
    assert response.status_code == 302
    assert len(locked_app.pauses) == 1
    assert users(locked_app) == 1  # once, not twice


def test_a_lock_after_a_commit_is_not_retried_nor_called_nothing_saved(tmp_path):
    app = create_app(
        make_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, PROPAGATE_EXCEPTIONS=False)
    )
    runs = []

    @app.route("/half", methods=["POST"])
    @public
    def half():
        runs.append(1)
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        db.session.commit()  # saved
        raise sa.exc.OperationalError(
            "UPDATE t", {}, sqlite3.OperationalError("database is locked")
        )

    response = app.test_client().post("/half")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and runs == [1]
    assert "Nothing was saved" not in html
    assert "check whether it was made" in html


def test_postgresql_serialisation_failures_are_transient(tmp_path):
    with fresh_database("postgresql", tmp_path) as url:
        engine = sa.create_engine(url, isolation_level="SERIALIZABLE")
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE counters (id int PRIMARY KEY, n int)"))
            conn.execute(sa.text("INSERT INTO counters VALUES (1, 0), (2, 0)"))
        first, second = engine.connect(), engine.connect()
        errors = []
        try:
            first.begin(), second.begin()
            first.execute(sa.text("SELECT sum(n) FROM counters")).scalar()
            second.execute(sa.text("SELECT sum(n) FROM counters")).scalar()
            first.execute(sa.text("UPDATE counters SET n = n + 1 WHERE id = 1"))
            second.execute(sa.text("UPDATE counters SET n = n + 1 WHERE id = 2"))
            first.commit()
            try:
                second.commit()
            except sa.exc.DBAPIError as error:
                errors.append(error)
        finally:
            first.close(), second.close()
            engine.dispose()
    [error] = errors
    assert isinstance(error.orig, psycopg.errors.SerializationFailure)
    assert is_transient(error)
    assert not is_transient(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")))


def test_a_read_that_meets_a_lock_while_touching_its_session_still_answers(locked_app):
    """Signed-in reads touch the session's last-seen time; when busy, that write waits."""
    client = locked_app.test_client()
    assert client.post("/register", data=form()).status_code == 302
    details = {"email": form()["email"], "password": form()["password"]}
    assert client.post("/sign-in", data=details).status_code == 302  # signed in
    with locked_app.app_context():
        a_while_ago = utcnow() - timedelta(minutes=5)  # due a touch, not idle
        db.session.execute(sa.update(UserSession).values(last_seen_at=a_while_ago))
        db.session.commit()
    locked_app.holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get("/innovator")
    finally:
        locked_app.holder.execute("ROLLBACK")
    assert response.status_code == 200
    with locked_app.app_context():
        seen = db.session.scalar(sa.select(UserSession.last_seen_at))
    assert seen == a_while_ago  # the touch waits for a later request
