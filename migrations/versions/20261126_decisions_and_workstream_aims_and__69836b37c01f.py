"""decisions and workstream aims and capacity

Revision ID: 69836b37c01f
Revises: 843075de0462
Create Date: 2026-11-26 16:20:41.831437

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "69836b37c01f"
down_revision = "843075de0462"
branch_labels = None
depends_on = None


AIMS = {
    "maternity_neonatal": ("Reduce avoidable harm to mothers and babies in the region by 2028", 4),
    "medicines_safety": ("Halve severe harm from high-risk medicines across care transitions", 4),
    "system_safety": ("Every organisation learns from patient safety events within 90 days", 3),
    "managing_deterioration": ("Recognise and act on deterioration within an hour, everywhere", 4),
    "mental_health": ("Reduce restrictive practice and self-harm in mental health services", 3),
}


def upgrade():
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum(
                "draft",
                "submitted",
                "in_triage",
                "information_requested",
                "in_review",
                "shortlisted",
                "in_pilot",
                "adopted",
                "declined",
                "withdrawn",
                name="ideastate",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_state",
            sa.Enum(
                "draft",
                "submitted",
                "in_triage",
                "information_requested",
                "in_review",
                "shortlisted",
                "in_pilot",
                "adopted",
                "declined",
                "withdrawn",
                name="ideastate",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("workstream_id", sa.Integer(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("released_feedback", sa.JSON(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_decisions_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by_id"], ["users.id"], name=op.f("fk_decisions_reopened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["workstream_id"],
            ["workstreams.id"],
            name=op.f("fk_decisions_workstream_id_workstreams"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_batch"), ["batch"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_idea_id"), ["idea_id"], unique=False)

    with op.batch_alter_table("workstreams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("aim", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
    workstreams = sa.table(
        "workstreams",
        sa.column("key", sa.String),
        sa.column("aim", sa.Text),
        sa.column("capacity", sa.Integer),
    )
    for key, (aim, capacity) in AIMS.items():
        op.execute(
            workstreams.update().where(workstreams.c.key == key).values(aim=aim, capacity=capacity)
        )


def downgrade():
    with op.batch_alter_table("workstreams", schema=None) as batch_op:
        batch_op.drop_column("capacity")
        batch_op.drop_column("aim")

    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_idea_id"))
        batch_op.drop_index(batch_op.f("ix_decisions_batch"))

    op.drop_table("decisions")
