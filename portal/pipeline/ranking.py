"""The ranked pipeline as a lead sees it: visible ideas filtered, sorted and paged.

The policy decides which ideas a lead may see ranked (`portal.policy.ranked_clause`: never
one they are conflicted on) and the position shown (`Ranks`: among the ideas they see, so a
gap at rank 3 cannot give away where a hidden idea stands); near-duplicates name only ideas
the lead may see too. Filters, sorts and the viewer's visible ideas come from SQL's answers
kept per data version (`ranked_index`); a page reads its own rows. Pages read the stored
snapshots; nothing here computes scores.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from portal import policy
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaSource, Workstream, idea_workstreams
from portal.pipeline import ranked_index
from portal.pipeline.filters import PipelineQuery
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails
from portal.pipeline.ranked_index import entered_stage_sql, snapshots
from portal.policy import Can, Ranks
from scoring import NEAR_DUPLICATE_THRESHOLD

PAGE_SIZE = 50
ROW_COLUMNS = (
    Idea.id,
    Idea.reference,
    Idea.title,
    Idea.state,
    Idea.source,
    Idea.submitted_at,
    ScoreSnapshot.rank,
    ScoreSnapshot.n_reviews,
    ScoreSnapshot.sufficient,
    ScoreSnapshot.raw_score,
    ScoreSnapshot.calibrated_score,
    ScoreSnapshot.interval_low,
    ScoreSnapshot.interval_high,
    ScoreSnapshot.prob_top_k,
    ScoreSnapshot.top_k,
    ScoreSnapshot.priority,
    ScoreSnapshot.disagreement,
)


@dataclass
class PipelineRow:
    """One idea with its snapshot, as plain values (no ORM objects: pages stay fast)."""

    position: int  # rank among the ideas this lead can see
    workstreams: list[str]
    days_in_stage: int | None
    id: int
    reference: str
    title: str | None
    state: IdeaState
    source: IdeaSource
    submitted_at: datetime | None
    entered_at: datetime | None  # when it entered its current stage (else was submitted)
    rank: int
    n_reviews: int
    sufficient: bool
    raw_score: float | None
    calibrated_score: float | None
    interval_low: float | None
    interval_high: float | None
    prob_top_k: float | None
    top_k: int
    priority: float
    disagreement: bool  # reviewers further apart than the panel's usual spread

    @property
    def display_title(self) -> str:
        return self.title or "Untitled idea"

    @property
    def stage(self) -> str:
        return self.state.staff_label

    @property
    def scored(self) -> bool:
        return self.sufficient and self.calibrated_score is not None

    duplicates: list[str] = field(default_factory=list)  # near-duplicates the lead may see


@dataclass
class PipelinePage:
    rows: list[PipelineRow]
    total: int  # rows matching the filters
    page: int
    pages: int
    hidden: int  # open ideas left out because of the lead's conflicts


def _duplicates(user, ids) -> dict[int, list[str]]:
    """Each idea's near-duplicates, naming only ideas whose scores the user may see."""
    nearest = sa.select(SnapshotDetails.idea_id, SnapshotDetails.details["nearest"])
    near = {
        idea_id: [
            n["reference"]
            for n in found or []
            if n.get("similarity", 0) >= NEAR_DUPLICATE_THRESHOLD
        ]
        for idea_id, found in db.session.execute(_by_idea(nearest, ids, SnapshotDetails.idea_id))
    }
    named = {ref for refs in near.values() for ref in refs}
    seen = set()
    if named:
        visible = sa.select(Idea.reference).where(policy.clause(user, Can.SEE_SCORES))
        seen = set(db.session.scalars(_by_idea(visible, list(named), Idea.reference)))
    return {i: [ref for ref in refs if ref in seen] for i, refs in near.items()}


def _by_idea(statement, ids, column):
    # A short list goes in an IN clause; an export of thousands reads every row instead.
    return statement.where(column.in_(ids)) if len(ids) <= 500 else statement


@functools.cache
def _row_statement(every=False):
    """SQL: the rows of the ideas in the "ids" parameter (or of every idea), built once: a
    third of the time reading a page's 50 rows went on building the statement again."""
    statement = snapshots(*ROW_COLUMNS, entered_stage_sql().label("entered_at"))
    return statement if every else statement.where(Idea.id.in_(sa.bindparam("ids", expanding=True)))


def _rows(user, ids, ranks: Ranks, columns=None) -> list[PipelineRow]:
    """The rows of `ids`, in that order; workstreams and duplicates only if `columns` (all
    when None) shows them."""
    read = db.session.connection().execute
    if len(ids) <= 500:
        found = read(_row_statement(), {"ids": ids}).all()
    else:  # an export of thousands reads every row instead
        found = read(_row_statement(every=True)).all()
    by_id = {row.id: row for row in found}
    found = [by_id[i] for i in ids if i in by_id]
    names: dict[int, list[str]] = {}
    if columns is None or "workstreams" in columns:
        chosen = (
            sa.select(idea_workstreams.c.idea_id, Workstream.name)
            .join(Workstream)
            .order_by(Workstream.position, Workstream.id)
        )
        for idea_id, name in read(_by_idea(chosen, ids, idea_workstreams.c.idea_id)):
            names.setdefault(idea_id, []).append(name)
    shows_duplicates = columns is None or "duplicates" in columns
    duplicates = _duplicates(user, ids) if shows_duplicates else {}
    now = utcnow()
    return [
        PipelineRow(
            position=ranks.position(row.rank),
            duplicates=duplicates.get(row.id, []),
            workstreams=names.get(row.id, []),
            days_in_stage=max(0, (now - row.entered_at).days) if row.entered_at else None,
            **row._mapping,
        )
        for row in found
    ]


def pipeline_page(user, query: PipelineQuery, index=None, per_page=PAGE_SIZE) -> PipelinePage:
    """One page of the pipeline for `user`, filtered, sorted and paged (from `index`, a
    `ranked_index.RankedIndex`, or the current one)."""
    index = index or ranked_index.current()
    viewer = index.viewer(user)
    ids = index.select(viewer, query)
    pages = max(1, -(-len(ids) // per_page))
    page = min(query.page, pages)
    shown = ids[(page - 1) * per_page : page * per_page].tolist()
    return PipelinePage(
        rows=_rows(user, shown, viewer.ranks, query.columns),
        total=len(ids),
        page=page,
        pages=pages,
        hidden=viewer.hidden,
    )


def pipeline_rows(user, query: PipelineQuery) -> list[PipelineRow]:
    """Every row matching the query, in its order (for exports)."""
    index = ranked_index.current()
    viewer = index.viewer(user)
    return _rows(user, index.select(viewer, query).tolist(), viewer.ranks)


def pipeline_slice(user, query: PipelineQuery, start: int, count: int, index=None):
    """Rows `start` to `start + count` of the pipeline for `user` in the query's order (the
    API's pages), with how many match and how many open ideas the user's conflicts hide."""
    index = index or ranked_index.current()
    viewer = index.viewer(user)
    ids = index.select(viewer, query)
    return _rows(user, ids[start : start + count].tolist(), viewer.ranks), len(ids), viewer.hidden
