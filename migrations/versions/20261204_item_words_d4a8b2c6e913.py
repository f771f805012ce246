"""Scanned items' words for screening, computed when they are stored

Revision ID: d4a8b2c6e913
Revises: c3f9a7e21d48
Create Date: 2026-12-04

`item_words` holds each scanned item's words (lowercased, accents stripped, in order), so the
screening model's first fit on a large pool reads them instead of every text. Existing items
get theirs at the next rescoring.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4a8b2c6e913"
down_revision = "c3f9a7e21d48"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_words",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(length=16), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["scanned_items.id"],
            name=op.f("fk_item_words_item_id_scanned_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_words")),
    )


def downgrade():
    op.drop_table("item_words")
