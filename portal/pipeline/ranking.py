"""The ranked pipeline as a lead sees it: visible ideas filtered, sorted and paged in SQL.

The policy decides which ideas a lead may see ranked (`portal.policy.ranked_clause`: never
one they are conflicted on) and the position shown (`ranks_for`: among the ideas they see, so
a gap at rank 3 cannot give away where a hidden idea stands); near-duplicates name only ideas
the lead may see too. Pages read the stored snapshots; nothing here computes scores.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal import page_cache, policy
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, IdeaSource, Workstream, idea_workstreams
from portal.pipeline.disagreement import disagrees
from portal.pipeline.filters import PipelineQuery
from portal.pipeline.models import ScoreSnapshot, SnapshotRequest
from portal.policy import Can, Ranks, open_ideas, ranked_clause, ranks_for
from portal.reviews.models import Conflict, ReviewRound
from scoring import NEAR_DUPLICATE_THRESHOLD

PAGE_SIZE = 50
PIPELINE_DATA = "pipeline"  # the data version of everything the pipeline page shows


page_cache.watch(
    PIPELINE_DATA,
    [
        Idea.__table__,
        IdeaEvent.__table__,
        idea_workstreams,
        Workstream.__table__,
        ScoreSnapshot.__table__,
        SnapshotRequest.__table__,
        Conflict.__table__,
        ReviewRound.__table__,
    ],
)


def _json_list_has(column, key):
    # The JSON lists hold fixed keys from choices.py, stored quoted: a substring test on the
    # text is exact, and works alike on SQLite and PostgreSQL.
    return sa.cast(column, sa.Text).contains(f'"{key}"', autoescape=True)


def _conditions(query: PipelineQuery) -> list:
    conditions = []
    if query.workstream:
        chosen = sa.select(idea_workstreams.c.idea_id).join(Workstream)
        conditions.append(Idea.id.in_(chosen.where(Workstream.key == query.workstream)))
    if query.setting:
        conditions.append(_json_list_has(Idea.care_settings, query.setting))
    if query.stage:
        conditions.append(Idea.state == query.stage)
    if query.round:
        conditions.append(ScoreSnapshot.round_id == query.round)
    if query.inequality:
        kind, key = query.inequality.split(":", 1)
        column = Idea.populations if kind == "group" else Idea.clinical_areas
        conditions.append(_json_list_has(column, key))
    if query.source:
        conditions.append(Idea.source == query.source)
    return conditions


def _entered_stage_sql():
    last_move = (
        sa.select(sa.func.max(IdeaEvent.at))
        .where(IdeaEvent.idea_id == Idea.id, IdeaEvent.to_state == Idea.state)
        .scalar_subquery()
    )
    return sa.func.coalesce(last_move, Idea.submitted_at)


def _ordering(query: PipelineQuery):
    descending = query.direction == "desc"
    if query.sort == "rank":
        return [ScoreSnapshot.rank.desc() if descending else ScoreSnapshot.rank]
    if query.sort == "days":  # more days in stage means an earlier entry
        column, descending = _entered_stage_sql(), not descending
    else:
        column = {
            "score": ScoreSnapshot.raw_score
            if query.view == "raw"
            else ScoreSnapshot.calibrated_score,
            "prob": ScoreSnapshot.prob_top_k,
            "submitted": Idea.submitted_at,
        }[query.sort]
    missing = column.is_(None)
    if query.sort in ("score", "prob"):  # shown as "Not enough reviews": sort with the missing
        missing = sa.or_(
            missing, ScoreSnapshot.calibrated_score.is_(None), ScoreSnapshot.sufficient.is_(False)
        )
    # missing values last whichever the direction, then in rank order among themselves
    # (NULLs alone would sort first on PostgreSQL and last on SQLite)
    value = sa.case((missing, sa.null()), else_=column)
    missing_last = sa.case((missing, 1), else_=0)
    return [missing_last, value.desc() if descending else value.asc(), ScoreSnapshot.rank]


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
    ScoreSnapshot.details,
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
    details: dict

    @property
    def display_title(self) -> str:
        return self.title or "Untitled idea"

    @property
    def stage(self) -> str:
        return self.state.staff_label

    @property
    def scored(self) -> bool:
        return self.sufficient and self.calibrated_score is not None

    @property
    def disagreement(self) -> bool:
        """Reviewers further apart than the panel's usual spread (`pipeline.disagreement`)."""
        return disagrees(self.details)

    duplicates: list[str] = field(default_factory=list)  # near-duplicates the lead may see


@dataclass
class PipelinePage:
    rows: list[PipelineRow]
    total: int  # rows matching the filters
    page: int
    pages: int
    hidden: int  # open ideas left out because of the lead's conflicts


def _base(*columns):
    return (
        sa.select(*columns).select_from(ScoreSnapshot).join(Idea, Idea.id == ScoreSnapshot.idea_id)
    )


def _counts(user, query: PipelineQuery):
    """(rows matching, open ideas hidden from the user) in one pass."""
    visible = ranked_clause(user)
    return db.session.execute(
        _base(
            sa.func.count().filter(sa.and_(visible, *_conditions(query))),
            sa.func.count().filter(sa.and_(open_ideas(), sa.not_(visible))),
        )
    ).one()


def _ordered_ids(user, query: PipelineQuery):
    return (
        _base(ScoreSnapshot.idea_id)
        .where(ranked_clause(user), *_conditions(query))
        .order_by(*_ordering(query), Idea.id)
    )


def _duplicates(user, found) -> dict[int, list[str]]:
    """Each row's near-duplicates, naming only ideas whose scores the user may see."""
    near = {
        row.id: [
            n["reference"]
            for n in (row.details or {}).get("nearest", [])
            if n.get("similarity", 0) >= NEAR_DUPLICATE_THRESHOLD
        ]
        for row in found
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


def entered_stage(rows) -> dict[int, datetime | None]:
    """When each idea entered its current stage, in one query (else when it was submitted)."""
    moves = sa.select(IdeaEvent.idea_id, sa.func.max(IdeaEvent.at)).join(
        Idea, sa.and_(Idea.id == IdeaEvent.idea_id, Idea.state == IdeaEvent.to_state)
    )
    moves = _by_idea(moves, [r.id for r in rows], IdeaEvent.idea_id)
    found = dict(db.session.execute(moves.group_by(IdeaEvent.idea_id)).all())
    return {r.id: found.get(r.id) or r.submitted_at for r in rows}


def _rows(user, ids, ranks: Ranks) -> list[PipelineRow]:
    # Sorting ran on narrow rows (ids only); the wide ones, JSON details and all, are fetched
    # for the ids wanted and put back in their order here.
    found = db.session.execute(_by_idea(_base(*ROW_COLUMNS), ids, Idea.id)).all()
    by_id = {row.id: row for row in found}
    found = [by_id[i] for i in ids if i in by_id]
    names: dict[int, list[str]] = {}
    chosen = (
        sa.select(idea_workstreams.c.idea_id, Workstream.name)
        .join(Workstream)
        .order_by(Workstream.position, Workstream.id)
    )
    for idea_id, name in db.session.execute(_by_idea(chosen, ids, idea_workstreams.c.idea_id)):
        names.setdefault(idea_id, []).append(name)
    entered = entered_stage(found)
    duplicates = _duplicates(user, found)
    now = utcnow()
    return [
        PipelineRow(
            position=ranks.position(row.rank),
            duplicates=duplicates[row.id],
            workstreams=names.get(row.id, []),
            days_in_stage=max(0, (now - entered[row.id]).days) if entered[row.id] else None,
            **row._mapping,
        )
        for row in found
    ]


def pipeline_page(user, query: PipelineQuery, per_page=PAGE_SIZE) -> PipelinePage:
    """One page of the pipeline for `user`, filtered, sorted and paged in SQL."""
    total, hidden = _counts(user, query)
    pages = max(1, -(-total // per_page))
    page = min(query.page, pages)
    ids = db.session.scalars(
        _ordered_ids(user, query).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = _rows(user, ids, _ranks(user))
    return PipelinePage(rows=rows, total=total, page=page, pages=pages, hidden=hidden)


def _ranks(user) -> Ranks:
    """`ranks_for(user)`, kept by this process for the current data version: every page of
    every sort and filter shows positions among the same ranked ideas, and working them out
    reads every snapshot (a third of a page rendered afresh at 5,000 ideas)."""
    key = (page_cache.current_token(PIPELINE_DATA), user.id, user.organisation_id)
    cache = page_cache.for_app(current_app, "pipeline_ranks")
    found = cache.get(key)
    if found is None:
        found = ranks_for(user)
        cache.put(key, found)
    return found


def pipeline_rows(user, query: PipelineQuery) -> list[PipelineRow]:
    """Every row matching the query, in its order (for exports)."""
    ids = db.session.scalars(_ordered_ids(user, query)).all()
    return _rows(user, ids, ranks_for(user))
