"""Scanned items added to existing ideas as evidence

Revision ID: 1d3760cfe2ac
Revises: 9b4e2a7c1d53
Create Date: 2026-12-03

A lead who finds that a scanned item describes an idea already in the pipeline adds the item
to that idea as evidence rather than promoting it. Scanned items' status gains the value
"evidence", which needs no change here: the column is a plain string without a CHECK.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "1d3760cfe2ac"
down_revision = "9b4e2a7c1d53"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "item_status_before",
            sa.Enum(
                "new",
                "relevant",
                "not_relevant",
                "promoted",
                "evidence",
                name="itemstatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_item_evidence_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_item_evidence_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["scanned_items.id"],
            name=op.f("fk_item_evidence_item_id_scanned_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_evidence")),
        sa.UniqueConstraint("idea_id", "item_id", name=op.f("uq_item_evidence_idea_id")),
    )
    with op.batch_alter_table("item_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_evidence_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_item_evidence_item_id"), ["item_id"], unique=False)


def downgrade():
    with op.batch_alter_table("item_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_evidence_item_id"))
        batch_op.drop_index(batch_op.f("ix_item_evidence_idea_id"))
    op.drop_table("item_evidence")
