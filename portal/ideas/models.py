"""Ideas and what hangs off them: workstreams, versions, timeline events, questions, files."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import Organisation, User
from portal.database import UTCDateTime, enum_column, now_utc
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState

# The text of an idea as the innovator wrote it: these fields are versioned after submission.
CONTENT_FIELDS = (
    "title",
    "summary",
    "problem_harm",
    "problem_who",
    "problem_frequency",
    "problem_evidence",
    "proposed_change",
    "development_stage",
    "evidence",
    "care_settings",
    "populations",
    "clinical_areas",
    "inequalities",
    "involvement_level",
    "involvement_detail",
    "outcome_measures",
    "process_measures",
    "balancing_measures",
    "resources_needed",
    "innovator_role",
)


class IdeaSource(enum.StrEnum):
    SUBMISSION = "submission"
    HORIZON_SCAN = "horizon_scan"


# The fields near-duplicate detection was tuned on, in order (`similarity_text`).
SIMILARITY_FIELDS = (
    "title",
    "summary",
    "proposed_change",
    "problem_harm",
    "problem_who",
    "problem_frequency",
    "problem_evidence",
)


def similarity_text(values) -> str:
    """An idea's `SIMILARITY_FIELDS` values as the one text compared with other ideas'."""
    return "\n".join(v for v in values if v)


idea_workstreams = sa.Table(
    "idea_workstreams",
    db.metadata,
    sa.Column("idea_id", sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("workstream_id", sa.ForeignKey("workstreams.id"), primary_key=True),
)


class Workstream(db.Model):
    """A national programme workstream that ideas can feed (leads can add more)."""

    __tablename__ = "workstreams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    short_name: Mapped[str | None] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    aim: Mapped[str | None] = mapped_column(sa.Text)  # the driver diagram's aim
    capacity: Mapped[int | None]  # how many change ideas it can take on at once
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name


class Idea(db.Model):
    __tablename__ = "ideas"
    # Never reuse a deleted draft's id on SQLite: its audit events name it by id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    # The random token of the "start" form that created it: a double-click creates one idea.
    start_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # Literature a lead promoted from the horizon-scanning inbox: the item it came from and
    # the lead. The lead is not its owner (an owner is conflicted on their idea).
    scanned_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scanned_items.id", ondelete="SET NULL"), unique=True
    )
    promoted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    source: Mapped[IdeaSource] = mapped_column(
        enum_column(IdeaSource), default=IdeaSource.SUBMISSION
    )
    state: Mapped[IdeaState] = mapped_column(
        enum_column(IdeaState), default=IdeaState.DRAFT, index=True
    )

    title: Mapped[str | None] = mapped_column(sa.String(150))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    problem_harm: Mapped[str | None] = mapped_column(sa.Text)
    problem_who: Mapped[str | None] = mapped_column(sa.Text)
    problem_frequency: Mapped[str | None] = mapped_column(sa.Text)
    problem_evidence: Mapped[str | None] = mapped_column(sa.Text)
    proposed_change: Mapped[str | None] = mapped_column(sa.Text)
    development_stage: Mapped[str | None] = mapped_column(sa.String(40))
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    care_settings: Mapped[list] = mapped_column(sa.JSON, default=list)
    populations: Mapped[list] = mapped_column(sa.JSON, default=list)
    clinical_areas: Mapped[list] = mapped_column(sa.JSON, default=list)
    inequalities: Mapped[str | None] = mapped_column(sa.Text)
    involvement_level: Mapped[str | None] = mapped_column(sa.String(40))
    involvement_detail: Mapped[str | None] = mapped_column(sa.Text)
    outcome_measures: Mapped[str | None] = mapped_column(sa.Text)
    process_measures: Mapped[str | None] = mapped_column(sa.Text)
    balancing_measures: Mapped[str | None] = mapped_column(sa.Text)
    resources_needed: Mapped[str | None] = mapped_column(sa.Text)
    innovator_role: Mapped[str | None] = mapped_column(sa.String(200))
    consent_to_share: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_number: Mapped[int] = mapped_column(default=0)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    promoted_by: Mapped[User | None] = relationship(foreign_keys=[promoted_by_id])
    organisation: Mapped[Organisation | None] = relationship()
    workstreams: Mapped[list[Workstream]] = relationship(
        secondary=idea_workstreams, order_by=Workstream.position, lazy="selectin"
    )
    versions: Mapped[list["IdeaVersion"]] = relationship(
        back_populates="idea", order_by="IdeaVersion.number", cascade="all, delete-orphan"
    )
    events: Mapped[list["IdeaEvent"]] = relationship(
        back_populates="idea", order_by="IdeaEvent.id", cascade="all, delete-orphan"
    )
    questions: Mapped[list["IdeaQuestion"]] = relationship(
        back_populates="idea", order_by="IdeaQuestion.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="idea", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def display_title(self) -> str:
        return self.title or "Untitled idea"

    @property
    def similarity_text(self) -> str:
        """The text near-duplicate detection was tuned on: title, summary, change, problem."""
        return similarity_text([getattr(self, name) for name in SIMILARITY_FIELDS])

    @property
    def open_question(self) -> "IdeaQuestion | None":
        return next((q for q in self.questions if q.answered_at is None), None)

    def content(self) -> dict:
        """The versioned text of the idea, as plain data."""
        data = {name: getattr(self, name) for name in CONTENT_FIELDS}
        data["workstreams"] = sorted(w.key for w in self.workstreams)
        return data


class ReferenceCounter(db.Model):
    """The last reference sequence given out in a period (YYMM): a deleted draft's number is
    never given to another idea, as its innovator may have noted it."""

    __tablename__ = "reference_counters"

    period: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    last_sequence: Mapped[int]


class IdeaVersion(db.Model):
    """A snapshot of an idea's text: version 1 on submission, then one per change."""

    __tablename__ = "idea_versions"
    __table_args__ = (sa.UniqueConstraint("idea_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    content: Mapped[dict] = mapped_column(sa.JSON)

    idea: Mapped[Idea] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()


class IdeaEvent(db.Model):
    """One line of an idea's timeline: what happened, who did it, and why."""

    __tablename__ = "idea_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[IdeaState | None] = mapped_column(enum_column(IdeaState))
    to_state: Mapped[IdeaState | None] = mapped_column(enum_column(IdeaState))
    message: Mapped[str | None] = mapped_column(sa.Text)
    visible_to_innovator: Mapped[bool] = mapped_column(default=True)

    idea: Mapped[Idea] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


EVENT_LABELS = {
    "created": "Draft started",
    "submitted": "Submitted",
    "accepted": "Accepted for checking",
    "question_asked": "Question asked",
    "question_answered": "Question answered",
    "edited": "Idea changed",
    "review_started": "Review started",
    "declined": "Not taken forward",
    "withdrawn": "Withdrawn",
    "decided": "Decision made",
    "reopened": "Decision reopened",
    "promoted": "Promoted from horizon scanning",
}


class IdeaQuestion(db.Model):
    """A lead's question to the innovator; answering returns the idea to `return_state`."""

    __tablename__ = "idea_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    question: Mapped[str] = mapped_column(sa.Text)
    return_state: Mapped[IdeaState] = mapped_column(enum_column(IdeaState))
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    idea: Mapped[Idea] = relationship(back_populates="questions")
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])


class Attachment(db.Model):
    """A supporting file; its bytes are kept in `portal.stored_files` under `stored_name`."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    idea: Mapped[Idea] = relationship(back_populates="attachments")
