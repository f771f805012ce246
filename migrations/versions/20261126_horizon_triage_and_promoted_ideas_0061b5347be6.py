"""horizon triage, relevance and promoted ideas

Horizon-scanning triage: a scanned item's decision (status, who, when) and stored relevance
(overall and per workstream); the rescoring queue for the worker; an idea's link to the
scanned item it was promoted from and the lead who promoted it; a user's keyboard-shortcut
preference and private digest-feed token.

Revision ID: 0061b5347be6
Revises: 16a7e641a391
Create Date: 2026-11-26 18:42:33.102810

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0061b5347be6"
down_revision = "16a7e641a391"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "screening_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_screening_requests_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_requests")),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scanned_item_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("promoted_by_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_ideas_scanned_item_id"), ["scanned_item_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ideas_promoted_by_id_users"), "users", ["promoted_by_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_ideas_scanned_item_id_scanned_items"),
            "scanned_items",
            ["scanned_item_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triaged_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("relevance", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("topic_relevance", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_scanned_items_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scanned_items_triaged_at"), ["triaged_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_scanned_items_triaged_by_id_users"),
            "users",
            ["triaged_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keyboard_shortcuts", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("digest_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_digest_token"), ["digest_token"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_digest_token"), type_="unique")
        batch_op.drop_column("digest_token")
        batch_op.drop_column("keyboard_shortcuts")

    with op.batch_alter_table("scanned_items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scanned_items_triaged_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_scanned_items_triaged_at"))
        batch_op.drop_index(batch_op.f("ix_scanned_items_status"))
        batch_op.drop_column("topic_relevance")
        batch_op.drop_column("relevance")
        batch_op.drop_column("triaged_at")
        batch_op.drop_column("triaged_by_id")

    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ideas_scanned_item_id_scanned_items"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_ideas_promoted_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_ideas_scanned_item_id"), type_="unique")
        batch_op.drop_column("promoted_by_id")
        batch_op.drop_column("scanned_item_id")

    op.drop_table("screening_requests")
