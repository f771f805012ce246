"""panel review rubric rounds conflicts assignments reviews

Revision ID: e13b8e5233a3
Revises: 8705a3a2c50d
Create Date: 2026-11-26 15:49:23.631838

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e13b8e5233a3"
down_revision = "8705a3a2c50d"
branch_labels = None
depends_on = None


# Version 1 of the rubric: the eight key enablers of the National Patient Safety Improvement
# Programmes, then four criteria about the idea itself. Anchors describe scores 1 to 5.
CRITERIA = [
    (
        "inequalities",
        "Addressing inequalities",
        True,
        "Does the idea make care safer for people who are least well served now (Core20PLUS5)?",
        [
            "No consideration of who is less safe now",
            "Mentions inequalities without a plan",
            "Names groups who would benefit, with a plausible route",
            "Targets a named group with evidence of unequal harm",
            "Designed around a group with unequal harm, with a plan to measure the gap",
        ],
    ),
    (
        "co_design",
        "Patient and carer co-design",
        True,
        "How far have patients and carers shaped the idea, and will they keep doing so?",
        [
            "Not involved",
            "Told about it",
            "Consulted for their views",
            "Co-designed: they shaped it",
            "Co-led: they share leadership of it",
        ],
    ),
    (
        "safety_culture",
        "Safety culture",
        True,
        "Would the idea help people speak up, learn and act without blame?",
        [
            "Could harm safety culture",
            "No effect on culture",
            "Some benefit for culture",
            "Clearly supports speaking up or learning",
            "Builds a just, learning culture across teams",
        ],
    ),
    (
        "networks",
        "Patient safety networks",
        True,
        "Would it connect or strengthen networks across organisations?",
        [
            "Single team only",
            "Single organisation",
            "Could be shared with partners",
            "Involves several organisations",
            "Built to run across a system or network",
        ],
    ),
    (
        "clinical_leadership",
        "Clinical leadership",
        True,
        "Is there clinical leadership, and would the idea grow it?",
        [
            "No clinical leadership",
            "Limited clinical input",
            "A named clinical lead",
            "Clinical leads across professions",
            "Develops clinical safety leaders",
        ],
    ),
    (
        "qi_capability",
        "QI capacity and capability",
        True,
        "Would it build quality improvement skills and capacity?",
        [
            "No improvement method",
            "Little use of QI",
            "Uses a recognised QI method",
            "Builds QI skills in the team",
            "Builds QI capability that outlasts the project",
        ],
    ),
    (
        "measurement",
        "Measurement",
        True,
        "Are there clear outcome, process and balancing measures, with data that can be collected?",
        [
            "No measures",
            "Vague measures",
            "Outcome or process measures defined",
            "Outcome, process and balancing measures defined",
            "Measures defined, with a baseline and a plan for data over time",
        ],
    ),
    (
        "pipeline",
        "Improvement and innovation pipeline",
        True,
        "Could it move from a local idea towards adoption at scale?",
        [
            "No route forward",
            "Unclear next steps",
            "Next step identified",
            "Clear plan to test and evaluate",
            "Clear plan from test to adoption and spread",
        ],
    ),
    (
        "safety_impact",
        "Patient safety impact",
        False,
        "How much harm could it prevent, and how serious is that harm?",
        [
            "Unlikely to reduce harm",
            "Small reduction in minor harm",
            "Moderate reduction in harm",
            "Large reduction in harm or in serious harm",
            "Prevents serious harm or death at scale",
        ],
    ),
    (
        "evidence",
        "Strength of evidence",
        False,
        "How strong is the evidence that it works?",
        [
            "None",
            "Anecdote or opinion",
            "Local data or a small pilot",
            "Evaluated locally with results",
            "Strong published or multi-site evidence",
        ],
    ),
    (
        "feasibility",
        "Feasibility and readiness",
        False,
        "Could it be put into practice soon, with the resources described?",
        [
            "Not feasible",
            "Major barriers",
            "Feasible with significant support",
            "Feasible with modest support",
            "Ready to implement now",
        ],
    ),
    (
        "scalability",
        "Scalability and spread",
        False,
        "Could it work in other places and settings?",
        [
            "Only where it started",
            "Hard to spread",
            "Could spread with adaptation",
            "Spreads easily to similar settings",
            "Designed to spread widely",
        ],
    ),
]


def upgrade():
    op.create_table(
        "panel_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_panel_invitations_invited_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_panel_invitations_token_hash")),
    )
    with op.batch_alter_table("panel_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_invitations_email"), ["email"], unique=False)

    op.create_table(
        "panel_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workstreams", sa.JSON(), nullable=False),
        sa.Column("care_settings", sa.JSON(), nullable=False),
        sa.Column("is_patient_partner", sa.Boolean(), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_panel_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_panel_profiles")),
    )
    op.create_table(
        "rubrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_rubrics_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubrics")),
        sa.UniqueConstraint("version", name=op.f("uq_rubrics_version")),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "same_organisation",
                "collaborator",
                "line_management",
                "financial",
                "personal",
                "other",
                name="conflictkind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_conflicts_idea_id_ideas")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_conflicts_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_conflicts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
        sa.UniqueConstraint("user_id", "idea_id", "kind", name=op.f("uq_conflicts_user_id")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflicts_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_enabler", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("anchors", sa.JSON(), nullable=False),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_criteria_weight_not_negative")),
        sa.ForeignKeyConstraint(
            ["rubric_id"],
            ["rubrics.id"],
            name=op.f("fk_criteria_rubric_id_rubrics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria")),
        sa.UniqueConstraint("rubric_id", "key", name=op.f("uq_criteria_rubric_id")),
    )
    rubrics = sa.table(
        "rubrics",
        sa.column("id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("note", sa.Text),
    )
    op.bulk_insert(
        rubrics,
        [
            {
                "id": 1,
                "version": 1,
                "created_at": datetime.now(UTC),
                "note": "The programme's key enablers and four idea criteria",
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":  # the explicit id must not be reused
        op.execute("SELECT setval(pg_get_serial_sequence('rubrics', 'id'), 1)")
    criteria = sa.table(
        "criteria",
        sa.column("rubric_id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("description", sa.Text),
        sa.column("is_enabler", sa.Boolean),
        sa.column("weight", sa.Float),
        sa.column("position", sa.Integer),
        sa.column("anchors", sa.JSON),
    )
    op.bulk_insert(
        criteria,
        [
            {
                "rubric_id": 1,
                "key": key,
                "name": name,
                "description": text,
                "is_enabler": enabler,
                "weight": 1.0,
                "position": n,
                "anchors": {str(point): words for point, words in enumerate(anchors, start=1)},
            }
            for n, (key, name, enabler, text, anchors) in enumerate(CRITERIA)
        ],
    )
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("reviews_per_idea", sa.Integer(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("reveal_after_submit", sa.Boolean(), nullable=False),
        sa.Column("require_patient_partner", sa.Boolean(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("open", "closed", name="roundstate", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "reviews_per_idea BETWEEN 1 AND 10",
            name=op.f("ck_review_rounds_reviews_per_idea_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_review_rounds_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name=op.f("fk_review_rounds_rubric_id_rubrics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_rounds")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "active",
                "declined",
                "removed",
                name="assignmentstate",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"], name=op.f("fk_assignments_assigned_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_assignments_idea_id_ideas")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_assignments_round_id_review_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("round_id", "idea_id", "user_id", name=op.f("uq_assignments_round_id")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "round_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_round_ideas_idea_id_ideas")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_round_ideas_round_id_review_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_ideas")),
        sa.UniqueConstraint("round_id", "idea_id", name=op.f("uq_round_ideas_round_id")),
    )
    with op.batch_alter_table("round_ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_ideas_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "round_panel",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["review_rounds.id"],
            name=op.f("fk_round_panel_round_id_review_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_round_panel_user_id_users")
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", name=op.f("pk_round_panel")),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("idea_version", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("draft", "submitted", name="reviewstate", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column(
            "recommendation",
            sa.Enum(
                "progress",
                "progress_with_changes",
                "do_not_progress",
                name="recommendation",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "confidence",
            sa.Enum("low", "medium", "high", name="confidence", native_enum=False, length=40),
            nullable=True,
        ),
        sa.Column("comments_for_innovator", sa.Text(), nullable=True),
        sa.Column("comments_for_panel", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignments.id"], name=op.f("fk_reviews_assignment_id_assignments")
        ),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_reviews_idea_id_ideas")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_reviews_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["review_rounds.id"], name=op.f("fk_reviews_round_id_review_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name=op.f("fk_reviews_rubric_id_rubrics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_reviews_assignment_id")),
        sa.UniqueConstraint("round_id", "idea_id", "reviewer_id", name=op.f("uq_reviews_round_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_reviewer_id"), ["reviewer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_round_id"), ["round_id"], unique=False)

    op.create_table(
        "review_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("cannot_score", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "NOT (cannot_score AND score IS NOT NULL)",
            name=op.f("ck_review_scores_score_or_cannot"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 1 AND score <= 5)",
            name=op.f("ck_review_scores_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["criteria.id"], name=op.f("fk_review_scores_criterion_id_criteria")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_scores_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_scores")),
        sa.UniqueConstraint("review_id", "criterion_id", name=op.f("uq_review_scores_review_id")),
    )


def downgrade():
    op.drop_table("review_scores")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_round_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_idea_id"))

    op.drop_table("reviews")
    op.drop_table("round_panel")
    with op.batch_alter_table("round_ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_ideas_idea_id"))

    op.drop_table("round_ideas")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_user_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_idea_id"))

    op.drop_table("assignments")
    op.drop_table("review_rounds")
    op.drop_table("criteria")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_user_id"))
        batch_op.drop_index(batch_op.f("ix_conflicts_idea_id"))

    op.drop_table("conflicts")
    op.drop_table("rubrics")
    op.drop_table("panel_profiles")
    with op.batch_alter_table("panel_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_invitations_email"))

    op.drop_table("panel_invitations")
