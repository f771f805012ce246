"""score snapshots

Revision ID: 843075de0462
Revises: e13b8e5233a3
Create Date: 2026-11-26 16:18:14.667764

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "843075de0462"
down_revision = "e13b8e5233a3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "score_snapshots",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("n_reviews", sa.Integer(), nullable=False),
        sa.Column("sufficient", sa.Boolean(), nullable=False),
        sa.Column("raw_score", sa.Float(), nullable=True),
        sa.Column("calibrated_score", sa.Float(), nullable=True),
        sa.Column("interval_low", sa.Float(), nullable=True),
        sa.Column("interval_high", sa.Float(), nullable=True),
        sa.Column("prob_top_k", sa.Float(), nullable=True),
        sa.Column("top_k", sa.Integer(), nullable=False),
        sa.Column("rank_shift", sa.Integer(), nullable=True),
        sa.Column("relevance", sa.Float(), nullable=False),
        sa.Column("novelty", sa.Float(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_score_snapshots_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_score_snapshots_round_id_review_rounds"),
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_score_snapshots")),
    )
    with op.batch_alter_table("score_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_snapshots_rank"), ["rank"], unique=False)


def downgrade():
    with op.batch_alter_table("score_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_snapshots_rank"))

    op.drop_table("score_snapshots")
