"""Stored files: attachments' bytes live in the database, so any web node serves them, a
download streams a chunk row at a time, and the migration moved the files saved on disk."""

import hashlib
import importlib.util
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal import create_app, stored_files
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Attachment, Idea
from portal.retry import PortalFlask
from portal.settings import PROJECT_ROOT
from portal.stored_files import StoredFileChunk
from tests.conftest import make_config
from tests.portal.test_attachments import PDF, stored, upload

MIGRATION = next(
    (PROJECT_ROOT / "migrations" / "versions").glob("*_attachment_bytes_in_the_database_*.py")
)
# Two and a half chunks: three rows, the last one short.
LARGE_PDF = PDF + b"0" * (stored_files.CHUNK_BYTES * 5 // 2 - len(PDF))


@pytest.fixture
def idea(create_idea, innovator_client):
    """The reference of a draft of the signed-in innovator's."""
    return create_idea(owner=innovator_client.user, submit=False).reference


@pytest.fixture
def second_node(app, connection, tmp_path, monkeypatch):
    """Another app, as on a second web node: its own, empty instance folder; the same database.

    Its sessions join the test's transaction on the test's connection, as the first app's do,
    because what the test writes is never committed.
    """
    folder = tmp_path / "node-2"
    monkeypatch.setattr(PortalFlask, "auto_find_instance_path", lambda self: str(folder))
    node = create_app(make_config(app.config["SQLALCHEMY_DATABASE_URI"], folder))
    assert node.instance_path == str(folder)
    engines = db._app_engines[node]  # as tests/conftest.py's joined_connection does
    engine, engines[None] = engines[None], connection
    yield node
    engines[None] = engine
    engine.dispose()


@contextmanager
def chunk_reads(connection):
    """Count the statements that read chunks' bytes on `connection`, as they run."""
    reads = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "stored_file_chunks.data" in statement:
            reads.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield reads
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_a_file_uploaded_on_one_node_downloads_unchanged_from_another(
    innovator_client, idea, query, second_node, sign_in
):
    assert upload(innovator_client, idea, "audit.pdf", LARGE_PDF).status_code == 302
    [row] = stored(query, idea)
    other = second_node.test_client()
    sign_in(other, innovator_client.user)
    with other.get(f"/ideas/{idea}/attachments/{row.id}") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert body == LARGE_PDF and hashlib.sha256(body).hexdigest() == row.sha256
    assert response.headers["Content-Disposition"] == "attachment; filename=audit.pdf"
    assert response.content_length == len(LARGE_PDF)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert not Path(second_node.config["UPLOAD_DIR"]).exists()  # nothing came from a folder


def test_a_download_streams_one_chunk_row_at_a_time(innovator_client, idea, query, connection):
    assert upload(innovator_client, idea, "audit.pdf", LARGE_PDF).status_code == 302
    [row] = stored(query, idea)
    with chunk_reads(connection) as reads:
        with innovator_client.get(f"/ideas/{idea}/attachments/{row.id}") as response:
            assert response.is_streamed
            # The WSGI server pulls the first piece to send the headers; no more yet.
            assert len(reads) == 1
            pieces = list(response.iter_encoded())
    assert [len(piece) for piece in pieces] == [
        stored_files.CHUNK_BYTES,
        stored_files.CHUNK_BYTES,
        len(LARGE_PDF) - 2 * stored_files.CHUNK_BYTES,
    ]
    assert len(reads) == len(pieces) + 1  # one query per row, and one that finds the end
    assert b"".join(pieces) == LARGE_PDF


def test_the_migration_copies_files_from_the_upload_folder_into_the_table(
    app, connection, query, tmp_path
):
    spec = importlib.util.spec_from_file_location("attachment_bytes_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.CHUNK_BYTES == stored_files.CHUNK_BYTES
    on_disk, lost = "a" * 32, "b" * 32
    (tmp_path / on_disk).write_bytes(LARGE_PDF)

    def saved_before():
        idea = Idea(reference="PSI-2026-0001-1", title="Saved before", state=IdeaState.SUBMITTED)
        for name in (on_disk, lost):
            idea.attachments.append(
                Attachment(
                    original_name=f"{name[0]}.pdf",
                    stored_name=name,
                    content_type="application/pdf",
                    size_bytes=len(LARGE_PDF),
                    sha256=hashlib.sha256(LARGE_PDF).hexdigest(),
                )
            )
        db.session.add(idea)
        db.session.commit()

    query(saved_before)
    assert migration.copy_files_into_table(connection, tmp_path) == [lost]
    numbers = query(
        lambda: db.session.scalars(
            sa.select(StoredFileChunk.chunk_number)
            .filter_by(stored_name=on_disk)
            .order_by(StoredFileChunk.chunk_number)
        ).all()
    )
    assert numbers == [0, 1, 2]
    assert query(lambda: b"".join(stored_files.read_file(on_disk))) == LARGE_PDF
    assert query(lambda: stored_files.has_file(lost)) is False
    assert (tmp_path / on_disk).read_bytes() == LARGE_PDF  # left where it was
