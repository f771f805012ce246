"""Panel review: rubric versions and criteria, rounds, panel profiles, conflicts,
assignments, reviews and their scores."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.database import UTCDateTime, enum_column, now_utc
from portal.extensions import db
from portal.ideas.models import Idea


class Rubric(db.Model):
    """One version of the rubric. Editing makes a new version; rounds and reviews keep theirs."""

    __tablename__ = "rubrics"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="rubric",
        order_by="Criterion.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @staticmethod
    def latest() -> "Rubric | None":
        """The rubric with the highest version: the one new rounds use."""
        return db.session.scalar(sa.select(Rubric).order_by(Rubric.version.desc()).limit(1))


class Criterion(db.Model):
    """A scored criterion; `key` stays the same across rubric versions."""

    __tablename__ = "criteria"
    __table_args__ = (
        sa.UniqueConstraint("rubric_id", "key"),
        sa.CheckConstraint("weight >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubrics.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text)
    is_enabler: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[float] = mapped_column(sa.Float, default=1.0)
    position: Mapped[int] = mapped_column(default=0)
    anchors: Mapped[dict] = mapped_column(sa.JSON)  # {"1": "...", ..., "5": "..."}

    rubric: Mapped[Rubric] = relationship(back_populates="criteria")


class RoundState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


round_panel = sa.Table(
    "round_panel",
    db.metadata,
    sa.Column("round_id", sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class ReviewRound(db.Model):
    __tablename__ = "review_rounds"
    __table_args__ = (
        sa.CheckConstraint("reviews_per_idea BETWEEN 1 AND 10", name="reviews_per_idea_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(150))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubrics.id"))
    reviews_per_idea: Mapped[int] = mapped_column(default=3)
    blind: Mapped[bool] = mapped_column(default=True)
    reveal_after_submit: Mapped[bool] = mapped_column(default=False)
    require_patient_partner: Mapped[bool] = mapped_column(default=False)
    state: Mapped[RoundState] = mapped_column(enum_column(RoundState), default=RoundState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rubric: Mapped[Rubric] = relationship()
    panel: Mapped[list[User]] = relationship(secondary=round_panel, order_by=User.name)
    entries: Mapped[list["RoundIdea"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RoundIdea.id"
    )
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Assignment.id"
    )

    @property
    def is_open(self) -> bool:
        return self.state is RoundState.OPEN


class RoundIdea(db.Model):
    __tablename__ = "round_ideas"
    __table_args__ = (sa.UniqueConstraint("round_id", "idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    round: Mapped[ReviewRound] = relationship(back_populates="entries")
    idea: Mapped[Idea] = relationship()


class PanelProfile(db.Model):
    __tablename__ = "panel_profiles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workstreams: Mapped[list] = mapped_column(sa.JSON, default=list)  # workstream keys
    care_settings: Mapped[list] = mapped_column(sa.JSON, default=list)
    is_patient_partner: Mapped[bool] = mapped_column(default=False)
    expertise: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    user: Mapped[User] = relationship()


class ConflictKind(enum.StrEnum):
    SAME_ORGANISATION = "same_organisation"
    COLLABORATOR = "collaborator"
    LINE_MANAGEMENT = "line_management"
    FINANCIAL = "financial"
    PERSONAL = "personal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return CONFLICT_LABELS[self]


CONFLICT_LABELS = {
    ConflictKind.SAME_ORGANISATION: "Same organisation as the innovator",
    ConflictKind.COLLABORATOR: "I have worked with the innovator on this or a related idea",
    ConflictKind.LINE_MANAGEMENT: "I manage, or am managed by, the innovator",
    ConflictKind.FINANCIAL: "I have a financial interest",
    ConflictKind.PERSONAL: "A personal relationship",
    ConflictKind.OTHER: "Another reason",
}


class Conflict(db.Model):
    """A declared or lead-recorded conflict, or a lead's clearing of an automatic one.

    `active` False with kind SAME_ORGANISATION records that a lead cleared the automatic
    same-organisation conflict for this member and idea, with a reason.
    """

    __tablename__ = "conflicts"
    __table_args__ = (sa.UniqueConstraint("user_id", "idea_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    kind: Mapped[ConflictKind] = mapped_column(enum_column(ConflictKind))
    active: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    changed_reason: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    idea: Mapped[Idea] = relationship()


class AssignmentState(enum.StrEnum):
    ACTIVE = "active"
    DECLINED = "declined"
    REMOVED = "removed"


class Assignment(db.Model):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("round_id", "idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"))
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    state: Mapped[AssignmentState] = mapped_column(
        enum_column(AssignmentState), default=AssignmentState.ACTIVE
    )
    automatic: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    # when the member answered "no conflict of interest" before first reading the idea
    conflict_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[ReviewRound] = relationship(back_populates="assignments")
    idea: Mapped[Idea] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    review: Mapped["Review | None"] = relationship(back_populates="assignment", uselist=False)


class Recommendation(enum.StrEnum):
    PROGRESS = "progress"
    PROGRESS_WITH_CHANGES = "progress_with_changes"
    DO_NOT_PROGRESS = "do_not_progress"


class Confidence(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Review(db.Model):
    """One panel member's review of one idea in one round (the unique constraint says so)."""

    __tablename__ = "reviews"
    __table_args__ = (sa.UniqueConstraint("round_id", "idea_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), unique=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id"), index=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    rubric_id: Mapped[int] = mapped_column(sa.ForeignKey("rubrics.id"))
    idea_version: Mapped[int]
    state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState), default=ReviewState.DRAFT)
    recommendation: Mapped[Recommendation | None] = mapped_column(enum_column(Recommendation))
    confidence: Mapped[Confidence | None] = mapped_column(enum_column(Confidence))
    comments_for_innovator: Mapped[str | None] = mapped_column(sa.Text)
    comments_for_panel: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="review")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    rubric: Mapped[Rubric] = relationship()
    scores: Mapped[list["ReviewScore"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )


class ReviewScore(db.Model):
    """A score of 1 to 5, or 'cannot score' (no number), for one criterion of one review."""

    __tablename__ = "review_scores"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "criterion_id"),
        sa.CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_range"),
        sa.CheckConstraint("NOT (cannot_score AND score IS NOT NULL)", name="score_or_cannot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criteria.id"))
    score: Mapped[int | None]
    cannot_score: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str | None] = mapped_column(sa.Text)

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()
