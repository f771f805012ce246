"""On PostgreSQL, read-only requests run in autocommit (no BEGIN, no ROLLBACK); a write in one
gets its transaction at its first statement."""

from contextlib import contextmanager

import psycopg._connection_base as connection_base
import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.auth.services import create_user
from portal.database import write_intent
from portal.extensions import db
from portal.page_cache import DataVersion
from portal.search.engine import search
from tests.conftest import app_on_new_database

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_app(tmp_path):
    """An app on a new PostgreSQL database (its work commits: no transaction around it)."""
    with app_on_new_database("postgresql", tmp_path) as app:
        yield app


@contextmanager
def commands(monkeypatch):
    """The transaction commands (BEGIN, COMMIT, ROLLBACK) psycopg sends meanwhile."""
    sent = []
    original = connection_base.BaseConnection._exec_command

    def recording(self, command, *args, **kwargs):
        sent.append(bytes(command).decode())
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(connection_base.BaseConnection, "_exec_command", recording)
    yield sent


def test_a_page_is_read_without_begin_or_rollback(pg_app, monkeypatch):
    client = pg_app.test_client()
    client.get("/register")  # the pool's connections made and set up first
    with commands(monkeypatch) as sent:
        assert client.get("/register").status_code == 200
    assert sent == []


def test_a_read_only_request_that_writes_gets_a_transaction_at_its_first_write(pg_app, monkeypatch):
    with pg_app.test_request_context("/", method="GET"), commands(monkeypatch) as sent:
        assert db.session.get(DataVersion, "first") is None  # read in autocommit
        db.session.execute(sa.insert(DataVersion).values(name="first", token="x"))
        db.session.execute(sa.insert(DataVersion).values(name="second", token="y"))
        db.session.rollback()  # both undone: they were in one transaction
        names = set(db.session.scalars(sa.select(DataVersion.name)))
        assert not names & {"first", "second"}
    assert sent == ["BEGIN", "ROLLBACK"]


def test_writes_keep_their_transaction_in_a_read_only_request(pg_app, monkeypatch):
    with pg_app.test_request_context("/", method="GET"), commands(monkeypatch) as sent:
        db.session.commit()
        with write_intent():
            db.session.execute(sa.insert(DataVersion).values(name="undone", token="x"))
            db.session.rollback()  # undone whole, as a transaction is
        assert db.session.get(DataVersion, "undone") is None
        db.session.commit()  # the read ends before the write begins, as in every view
        with write_intent():
            db.session.execute(sa.insert(DataVersion).values(name="kept", token="x"))
            db.session.commit()
        assert db.session.get(DataVersion, "kept").token == "x"
    assert sent[:2] == ["BEGIN", "ROLLBACK"] and "COMMIT" in sent


def test_a_savepoint_in_a_read_only_request_gets_its_transaction(pg_app, caplog):
    """The search page keeps a failed query from spoiling its unit with a savepoint; in a read
    begun in autocommit, that savepoint begins the transaction (PostgreSQL refuses a SAVEPOINT
    outside one, and every search answered by the plain fallback)."""
    with pg_app.app_context():
        create_user(
            "lena@example.org",
            "Lena Lead",
            "x" * 12,
            None,
            roles=(Role.PROGRAMME_LEAD,),
            check_password=False,
        )
        db.session.commit()
    with pg_app.test_request_context("/search", method="GET"):
        lead = db.session.scalar(sa.select(User))
        with db.session.begin_nested():
            assert db.session.get(DataVersion, "none") is None
        search("sepsis", viewer=lead)
    assert "search failed" not in caplog.text
