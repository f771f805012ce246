"""feeds and scanned items

Horizon scanning: feeds (with their fetch state and row claim), scanned items (DOI and link
unique where set), item sources (one per feed entry, unique per feed and entry key), the
fetch log, and tombstones of dismissed items.

Revision ID: 16a7e641a391
Revises: 30563cb85d3c
Create Date: 2026-11-26 17:43:27.300940

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "16a7e641a391"
down_revision = "30563cb85d3c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scanned_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("pmid", sa.String(length=20), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_guessed", sa.Boolean(), nullable=False),
        sa.Column("title_key", sa.String(length=500), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("new", name="itemstatus", native_enum=False, length=40),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scanned_items")),
        sa.UniqueConstraint("doi", name=op.f("uq_scanned_items_doi")),
        sa.UniqueConstraint("link", name=op.f("uq_scanned_items_link")),
    )
    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scanned_items_first_seen_at"), ["first_seen_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scanned_items_pmid"), ["pmid"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scanned_items_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scanned_items_title_key"), ["title_key"], unique=False)

    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.String(length=500), nullable=True),
        sa.Column("fetch_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("next_fetch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_feeds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feeds_next_fetch_at"), ["next_fetch_at"], unique=False)

    op.create_table(
        "tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=2100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dismissed_by_id"],
            ["users.id"],
            name=op.f("fk_tombstones_dismissed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tombstones")),
        sa.UniqueConstraint("key", name=op.f("uq_tombstones_key")),
    )
    op.create_table(
        "feed_fetches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("entries_seen", sa.Integer(), nullable=False),
        sa.Column("new_items", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_feed_fetches_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_fetches")),
    )
    with op.batch_alter_table("feed_fetches", schema=None) as batch_op:
        batch_op.create_index("ix_feed_fetches_feed_at", ["feed_id", "at"], unique=False)

    op.create_table(
        "item_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["feeds.id"],
            name=op.f("fk_item_sources_feed_id_feeds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["scanned_items.id"],
            name=op.f("fk_item_sources_item_id_scanned_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_sources")),
        sa.UniqueConstraint("feed_id", "entry_key", name=op.f("uq_item_sources_feed_id")),
    )
    with op.batch_alter_table("item_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_sources_item_id"), ["item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("item_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_sources_item_id"))

    op.drop_table("item_sources")
    with op.batch_alter_table("feed_fetches", schema=None) as batch_op:
        batch_op.drop_index("ix_feed_fetches_feed_at")

    op.drop_table("feed_fetches")
    op.drop_table("tombstones")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feeds_next_fetch_at"))

    op.drop_table("feeds")
    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scanned_items_title_key"))
        batch_op.drop_index(batch_op.f("ix_scanned_items_published_at"))
        batch_op.drop_index(batch_op.f("ix_scanned_items_pmid"))
        batch_op.drop_index(batch_op.f("ix_scanned_items_first_seen_at"))

    op.drop_table("scanned_items")
