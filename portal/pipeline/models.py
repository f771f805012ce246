"""Score snapshots: each idea's latest computed scores, read by every page that ranks."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.database import UTCDateTime, enum_column, now_utc
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, Workstream


class ScoreSnapshot(db.Model):
    """One row per submitted idea, replaced whenever the scores are recomputed."""

    __tablename__ = "score_snapshots"

    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    reason: Mapped[str] = mapped_column(sa.String(80))
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_rounds.id"))
    n_reviews: Mapped[int] = mapped_column(default=0)
    sufficient: Mapped[bool] = mapped_column(default=False)
    raw_score: Mapped[float | None] = mapped_column(sa.Float)  # weighted mean, 1 to 5
    calibrated_score: Mapped[float | None] = mapped_column(sa.Float)
    interval_low: Mapped[float | None] = mapped_column(sa.Float)
    interval_high: Mapped[float | None] = mapped_column(sa.Float)
    prob_top_k: Mapped[float | None] = mapped_column(sa.Float)
    top_k: Mapped[int] = mapped_column(default=10)
    rank_shift: Mapped[int | None]  # largest rank move under a ±25% change to one weight
    relevance: Mapped[float] = mapped_column(sa.Float, default=0.0)
    novelty: Mapped[float] = mapped_column(sa.Float, default=1.0)
    priority: Mapped[float] = mapped_column(sa.Float, default=0.0)
    rank: Mapped[int] = mapped_column(index=True)
    # reviewers further apart than the panel's usual spread, on a criterion or overall (the
    # flags in `details`, summed up so the pipeline's table need not read them)
    disagreement: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # what moves with any review: each review's calibration effect ("reviews") and the
    # priority's parts ("contributions"); the rest of the explanation is `kept`
    joint: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    idea: Mapped[Idea] = relationship()
    kept: Mapped["SnapshotDetails | None"] = relationship(
        primaryjoin="ScoreSnapshot.idea_id == foreign(SnapshotDetails.idea_id)",
        viewonly=True,
        lazy="selectin",  # loaded with the snapshot, as its details column was
    )

    @property
    def details(self) -> dict:
        """The whole explanation of the scores: `kept` and `joint` together."""
        return {**(self.kept.details if self.kept else {}), **(self.joint or {})}


class SnapshotDetails(db.Model):
    """The part of an idea's score snapshot that is its own: per criterion key its name, mean,
    count, cannot-score count and spread against the panel's usual spread (disagreement),
    the overall spread, its relevance to each workstream and its nearest ideas.

    One review changes these for its own idea only (the calibration moves every idea's
    `ScoreSnapshot` row), so a refresh rewrites just the rows whose `digest`, a hash of
    everything they are built from, changed: rewriting 40,000 rows of 3 KB each was half
    of storing a refresh at 50,000 ideas.
    """

    __tablename__ = "snapshot_details"

    idea_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[int] = mapped_column(sa.BigInteger)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class Decision(db.Model):
    """A lead's stage-gate decision, with the scores and rank as they stood at that moment."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[IdeaState] = mapped_column(enum_column(IdeaState))
    to_state: Mapped[IdeaState] = mapped_column(enum_column(IdeaState))
    workstream_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workstreams.id"))
    rationale: Mapped[str] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    batch: Mapped[str | None] = mapped_column(sa.String(32), index=True)  # bulk decisions
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the snapshot at the time
    released_feedback: Mapped[list] = mapped_column(sa.JSON, default=list)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reopen_reason: Mapped[str | None] = mapped_column(sa.Text)

    idea: Mapped[Idea] = relationship()
    workstream: Mapped[Workstream | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @staticmethod
    def history_of(idea) -> list["Decision"]:
        """Every decision on the idea, newest first."""
        return db.session.scalars(
            sa.select(Decision)
            .where(Decision.idea_id == idea.id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        ).all()

    @staticmethod
    def standing(ideas) -> dict[int, "Decision"]:
        """Each idea's latest decision that still stands (not reopened), by idea id."""
        ids = [i.id for i in ideas]
        if not ids:
            return {}
        found: dict[int, Decision] = {}
        for decision in db.session.scalars(
            sa.select(Decision)
            .where(Decision.idea_id.in_(ids), Decision.reopened_at.is_(None))
            .order_by(Decision.decided_at, Decision.id)
        ):
            found[decision.idea_id] = decision
        return found


class SnapshotRequest(db.Model):
    """A recomputation of the snapshots that is owed: the worker does it and deletes the row.

    Small pipelines are recomputed in the request that changed them; large ones queue here so
    a review or decision answers at once (see `snapshots.refresh_snapshots`).
    """

    __tablename__ = "snapshot_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(80))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    actor = relationship(User)
