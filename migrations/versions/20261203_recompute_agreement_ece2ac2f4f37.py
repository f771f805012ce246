"""Score snapshots are recomputed under the new rule of reviewers' disagreement

Revision ID: ece2ac2f4f37
Revises: 1d3760cfe2ac
Create Date: 2026-12-03

Reviewers now disagree only beyond the panel's usual spread (`scoring.disagreement`), and a
snapshot stores the spreads behind that flag. Snapshots stored before show no flag until they
are recomputed (`portal.pipeline.disagreement`), so this queues one recomputation for the
worker when there are snapshots to redo. No schema change.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ece2ac2f4f37"
down_revision = "1d3760cfe2ac"
branch_labels = None
depends_on = None

snapshot_requests = sa.table(
    "snapshot_requests",
    sa.column("reason", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("requested_at", sa.DateTime(timezone=True)),
)
score_snapshots = sa.table("score_snapshots", sa.column("idea_id", sa.Integer))


def upgrade():
    has_snapshots = sa.select(sa.literal(1)).select_from(score_snapshots).limit(1)
    if op.get_bind().execute(has_snapshots).first() is not None:
        op.execute(
            snapshot_requests.insert().values(
                reason="new rule for reviewers' disagreement",
                actor_id=None,
                requested_at=datetime.now(UTC),
            )
        )


def downgrade():
    pass  # the queued recomputation is harmless under the earlier rule too
