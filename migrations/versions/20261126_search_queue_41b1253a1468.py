"""search queue

Index updates waiting for the worker: one row per idea or scanned item changed, written in
the same transaction as the change. An existing database starts with an empty queue; the
worker builds the missing index from the database on its first round.

Revision ID: 41b1253a1468
Revises: 0061b5347be6
Create Date: 2026-11-26 19:22:08.074536

"""

import sqlalchemy as sa
from alembic import op

revision = "41b1253a1468"
down_revision = "0061b5347be6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=10), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queue")),
    )


def downgrade():
    op.drop_table("search_queue")
