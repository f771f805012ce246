"""ideas workstreams versions events questions attachments

Revision ID: 8705a3a2c50d
Revises: 6397e62b3c78
Create Date: 2026-11-26 15:20:12.074030

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8705a3a2c50d"
down_revision = "6397e62b3c78"
branch_labels = None
depends_on = None


WORKSTREAMS = [
    (
        "maternity_neonatal",
        "Maternity and Neonatal",
        "MatNeoSIP",
        "Safer care for mothers and babies: spotting deterioration in pregnancy, labour and the "
        "first weeks of life, and making sure concerns raised by women and families are acted on.",
    ),
    (
        "medicines_safety",
        "Medicines Safety",
        "MedSIP",
        "Fewer people harmed by medicines: safer prescribing, giving and monitoring of high-risk "
        "medicines, especially when people move between care settings.",
    ),
    (
        "system_safety",
        "System Safety",
        "SSIP",
        "Safety built into how care is organised: learning from incidents, a just and open safety "
        "culture, and safer systems across organisational boundaries.",
    ),
    (
        "managing_deterioration",
        "Managing Deterioration",
        None,
        "Recognising and responding to physical deterioration early, in hospital and in the "
        "community, for example with NEWS2 and structured escalation.",
    ),
    (
        "mental_health",
        "Mental Health",
        None,
        "Safer mental health care: reducing restrictive practice, self-harm and suicide, and "
        "improving safety for people in inpatient and community services.",
    ),
]


def upgrade():
    op.create_table(
        "workstreams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("short_name", sa.String(length=20), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workstreams")),
        sa.UniqueConstraint("key", name=op.f("uq_workstreams_key")),
    )
    workstreams = sa.table(
        "workstreams",
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("short_name", sa.String),
        sa.column("description", sa.Text),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        workstreams,
        [
            {
                "key": key,
                "name": name,
                "short_name": short,
                "description": text,
                "position": n,
                "active": True,
            }
            for n, (key, name, short, text) in enumerate(WORKSTREAMS)
        ],
    )
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("start_token", sa.String(length=64), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum("submission", "horizon_scan", name="ideasource", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column(
            "state",
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
        sa.Column("title", sa.String(length=150), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("problem_harm", sa.Text(), nullable=True),
        sa.Column("problem_who", sa.Text(), nullable=True),
        sa.Column("problem_frequency", sa.Text(), nullable=True),
        sa.Column("problem_evidence", sa.Text(), nullable=True),
        sa.Column("proposed_change", sa.Text(), nullable=True),
        sa.Column("development_stage", sa.String(length=40), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("care_settings", sa.JSON(), nullable=False),
        sa.Column("populations", sa.JSON(), nullable=False),
        sa.Column("clinical_areas", sa.JSON(), nullable=False),
        sa.Column("inequalities", sa.Text(), nullable=True),
        sa.Column("involvement_level", sa.String(length=40), nullable=True),
        sa.Column("involvement_detail", sa.Text(), nullable=True),
        sa.Column("outcome_measures", sa.Text(), nullable=True),
        sa.Column("process_measures", sa.Text(), nullable=True),
        sa.Column("balancing_measures", sa.Text(), nullable=True),
        sa.Column("resources_needed", sa.Text(), nullable=True),
        sa.Column("innovator_role", sa.String(length=200), nullable=True),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ideas_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_ideas_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
        sa.UniqueConstraint("reference", name=op.f("uq_ideas_reference")),
        sa.UniqueConstraint("start_token", name=op.f("uq_ideas_start_token")),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_state"), ["state"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_attachments_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_attachments_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_attachments_stored_name")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "idea_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
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
            nullable=True,
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
            nullable=True,
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("visible_to_innovator", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_idea_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_events_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_events")),
    )
    with op.batch_alter_table("idea_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_events_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "idea_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "return_state",
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
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["users.id"], name=op.f("fk_idea_questions_answered_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_idea_questions_asked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_questions_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_questions")),
    )
    with op.batch_alter_table("idea_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_questions_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "idea_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_idea_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_versions_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_versions")),
        sa.UniqueConstraint("idea_id", "number", name=op.f("uq_idea_versions_idea_id")),
    )
    op.create_table(
        "idea_workstreams",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("workstream_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_idea_workstreams_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workstream_id"],
            ["workstreams.id"],
            name=op.f("fk_idea_workstreams_workstream_id_workstreams"),
        ),
        sa.PrimaryKeyConstraint("idea_id", "workstream_id", name=op.f("pk_idea_workstreams")),
    )


def downgrade():
    op.drop_table("idea_workstreams")
    op.drop_table("idea_versions")
    with op.batch_alter_table("idea_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_questions_idea_id"))

    op.drop_table("idea_questions")
    with op.batch_alter_table("idea_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_events_idea_id"))

    op.drop_table("idea_events")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_idea_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_state"))
        batch_op.drop_index(batch_op.f("ix_ideas_owner_id"))

    op.drop_table("ideas")
    op.drop_table("workstreams")
