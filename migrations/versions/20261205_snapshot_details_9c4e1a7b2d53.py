"""Each snapshot's own details move to a table of their own, rewritten only where they change

Revision ID: 9c4e1a7b2d53
Revises: 7b3e9d1f4a62
Create Date: 2026-12-05

A refresh rewrote every open idea's 3 KB of details, though one review changes those of its
own idea only (`portal.pipeline.snapshot_details`). They now live in `snapshot_details`, with
a digest of what they were built from; `score_snapshots.details` becomes `joint`, the small
part every review moves (calibration effects, the priority's contributions). Existing details
are copied over whole, with digest 0 ("unknown"), so pages read them as before, and one
recomputation is queued to write both tables in their new shape.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c4e1a7b2d53"
down_revision = "7b3e9d1f4a62"
branch_labels = None
depends_on = None

snapshot_requests = sa.table(
    "snapshot_requests",
    sa.column("reason", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("requested_at", sa.DateTime(timezone=True)),
)


def _queue_recomputation(reason: str) -> None:
    score_snapshots = sa.table("score_snapshots", sa.column("idea_id", sa.Integer))
    has_snapshots = sa.select(sa.literal(1)).select_from(score_snapshots).limit(1)
    if op.get_bind().execute(has_snapshots).first() is not None:
        op.execute(
            snapshot_requests.insert().values(
                reason=reason, actor_id=None, requested_at=datetime.now(UTC)
            )
        )


def upgrade():
    details = op.create_table(
        "snapshot_details",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.BigInteger(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_snapshot_details_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_snapshot_details")),
    )
    old = sa.table(
        "score_snapshots", sa.column("idea_id", sa.Integer), sa.column("details", sa.JSON)
    )
    op.execute(
        details.insert().from_select(
            ["idea_id", "digest", "details"],
            sa.select(old.c.idea_id, sa.literal(0, sa.BigInteger), old.c.details),
        )
    )
    with op.batch_alter_table("score_snapshots") as batch:
        batch.alter_column("details", new_column_name="joint")
    _queue_recomputation("snapshot details stored apart")


def downgrade():
    with op.batch_alter_table("score_snapshots") as batch:
        batch.alter_column("joint", new_column_name="details")
    op.drop_table("snapshot_details")
    _queue_recomputation("snapshot details stored with the snapshots")
