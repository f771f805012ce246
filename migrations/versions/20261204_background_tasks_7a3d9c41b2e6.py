"""Background work on a task queue: scan claims name their task, mail is claimed, failures kept

Revision ID: 7a3d9c41b2e6
Revises: 5f1c2e8a9b70
Create Date: 2026-12-04

`feeds.claimed_by` holds the id of the scan task that claimed the feed, so the same task
delivered again after its worker died takes the feed back. `outbox_messages.claimed_until`
lets one worker at a time send a message. `task_failures` keeps tasks that failed for good.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3d9c41b2e6"
down_revision = "5f1c2e8a9b70"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "task_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_failures")),
    )
    with op.batch_alter_table("task_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_failures_task"), ["task"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_failures_failed_at"), ["failed_at"], unique=False)


def downgrade():
    op.drop_table("task_failures")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("claimed_by")
