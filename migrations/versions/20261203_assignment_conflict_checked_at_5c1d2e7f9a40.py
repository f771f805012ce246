"""The conflict check answer lives on the assignment, not in the audit trail

Revision ID: 5c1d2e7f9a40
Revises: 41b1253a1468
Create Date: 2026-12-03

A panel member's "no conflict of interest" answer was read back from audit rows
(`conflict.none_declared`): renaming an action or archiving old audit rows would have changed
who may read an idea. The answers already given are copied from those rows.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c1d2e7f9a40"
down_revision = "41b1253a1468"
branch_labels = None
depends_on = None

assignments = sa.table(
    "assignments",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("conflict_checked_at", sa.DateTime(timezone=True)),
)
audit_events = sa.table(
    "audit_events",
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("conflict_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
    answered = (
        sa.select(sa.func.min(audit_events.c.at))
        .where(
            audit_events.c.action == "conflict.none_declared",
            audit_events.c.object_type == "assignments",
            audit_events.c.object_id == sa.cast(assignments.c.id, sa.String),
            audit_events.c.actor_id == assignments.c.user_id,
        )
        .scalar_subquery()
    )
    op.execute(assignments.update().values(conflict_checked_at=answered))


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("conflict_checked_at")
