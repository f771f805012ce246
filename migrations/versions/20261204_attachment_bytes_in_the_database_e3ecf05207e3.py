"""Attachments' bytes live in the database, so every web node can read them

Revision ID: e3ecf05207e3
Revises: d823e57c8fae
Create Date: 2026-12-04

Files were kept in a local directory (UPLOAD_DIR) that another web node cannot read. Their
bytes now go in `stored_file_chunks`, 256 KiB to a row (a blob on SQLite, bytea on
PostgreSQL). This copies every attachment's file from UPLOAD_DIR into the table; a missing
file is logged and skipped, and the files stay on disk, so going back loses nothing. The way
down drops the table (files uploaded since exist only there).
"""

import logging
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = "e3ecf05207e3"
down_revision = "d823e57c8fae"
branch_labels = None
depends_on = None

CHUNK_BYTES = 256 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger("alembic.runtime.migration")

attachments = sa.table("attachments", sa.column("id", sa.Integer), sa.column("stored_name"))
chunks = sa.table(
    "stored_file_chunks",
    sa.column("stored_name", sa.String),
    sa.column("chunk_number", sa.Integer),
    sa.column("data", sa.LargeBinary),
)


def upgrade():
    op.create_table(
        "stored_file_chunks",
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("chunk_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stored_name", "chunk_number", name=op.f("pk_stored_file_chunks")),
    )
    directory = current_app.config.get("UPLOAD_DIR") if has_app_context() else None
    copy_files_into_table(op.get_bind(), directory)


def downgrade():
    op.drop_table("stored_file_chunks")


def copy_files_into_table(bind, directory) -> list[str]:
    """Copy each attachment's file from `directory` into the table; return the names missing."""
    rows = bind.execute(sa.select(attachments.c.id, attachments.c.stored_name)).all()
    missing = []
    for attachment_id, name in rows:
        path = Path(directory) / name if directory and STORED_NAME.fullmatch(name) else None
        if path is None or not path.is_file():
            log.warning("attachment %s: no file %s in %s; skipped", attachment_id, name, directory)
            missing.append(name)
            continue
        with path.open("rb") as file:
            number = 0
            while data := file.read(CHUNK_BYTES):
                bind.execute(
                    chunks.insert().values(stored_name=name, chunk_number=number, data=data)
                )
                number += 1
    return missing
