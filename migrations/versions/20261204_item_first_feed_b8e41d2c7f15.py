"""Scanned items keep the feed that brought them first

Revision ID: b8e41d2c7f15
Revises: 7a3d9c41b2e6
Create Date: 2026-12-04

`scanned_items.first_feed_id` is the feed of an item's first source, set when the item is
stored. Search counts and filters items by source from it instead of looking up each match's
sources (on PostgreSQL that lookup was a third of a common word's query). Existing items take
the feed of their earliest source.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e41d2c7f15"
down_revision = "7a3d9c41b2e6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_feed_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scanned_items_first_feed_id_feeds"),
            "feeds",
            ["first_feed_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE scanned_items SET first_feed_id = ("
        "SELECT feed_id FROM item_sources WHERE item_sources.item_id = scanned_items.id "
        "ORDER BY seen_at, id LIMIT 1)"
    )


def downgrade():
    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scanned_items_first_feed_id_feeds"), type_="foreignkey"
        )
        batch_op.drop_column("first_feed_id")
