"""Gather what the scoring library needs from the database, as plain arrays.

Column reads, not ORM objects: at 50,000 ideas and 70,000 reviews, loading models with their
scores and criteria took most of a refresh."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa

from portal.database import integer_rows
from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import (
    SIMILARITY_FIELDS,
    Idea,
    Workstream,
    idea_workstreams,
    similarity_text,
)
from portal.reviews.models import Criterion, Recommendation, Review, ReviewScore, ReviewState
from portal.reviews.rubric import current_rubric
from scoring import split_recommendation

CANNOT = -1  # a score's value as `_score_rows` reads it when marked "cannot score"
RECOMMENDATIONS = [r.value for r in Recommendation]  # read by their place in this list


class IdeaInput(NamedTuple):
    """What scoring reads of an idea (a tuple: 40,000 are made at each refresh)."""

    id: int
    reference: str
    state: IdeaState
    similarity_text: str
    workstreams: frozenset  # keys


class ReviewInput(NamedTuple):
    """What scoring reads of a submitted review (its scores are `ScoringInputs`' rows)."""

    id: int
    idea_id: int
    reviewer_id: int
    round_id: int
    recommendation: str | None


@dataclass
class ScoringInputs:
    ideas: list  # IdeaInput: open, submitted ideas, in a fixed order (by id)
    criteria: list  # the current rubric's criteria
    weights: np.ndarray
    reviews: list  # ReviewInput: submitted, from each idea's latest reviewed round
    scores: np.ndarray  # long format: one row per review x criterion
    cannot: np.ndarray
    row_idea: np.ndarray
    row_review: np.ndarray
    row_criterion: np.ndarray
    review_idea: np.ndarray
    review_reviewer: np.ndarray
    n_reviewers: int
    split: np.ndarray  # per idea: reviewers split between progress and do-not-progress
    round_of: dict  # idea id -> round id its scores come from


def gather() -> ScoringInputs:
    open_ideas = sa.and_(Idea.state != IdeaState.DRAFT, Idea.state.not_in(CLOSED_STATES))
    ideas = _ideas(open_ideas)
    rubric = current_rubric()
    criteria = list(rubric.criteria)
    idea_ids = np.array([idea.id for idea in ideas], dtype=np.int64)  # sorted
    rows, review_idea = _latest_round_reviews(idea_ids)
    # each reviewer numbered in the order of their first review, as the calibration expects
    _, first, inverse = np.unique(rows[:, 2], return_index=True, return_inverse=True)
    number = np.empty(len(first), dtype=int)
    number[np.argsort(first, kind="stable")] = np.arange(len(first))
    reviews = [
        ReviewInput(
            i, idea_id, reviewer_id, round_id, RECOMMENDATIONS[choice] if choice >= 0 else None
        )
        for i, idea_id, reviewer_id, round_id, choice in rows.tolist()
    ]
    recommendations: dict[int, list] = {}
    for review in reviews:
        if review.recommendation is not None:
            recommendations.setdefault(review.idea_id, []).append(review.recommendation)
    table = _score_rows(criteria, rows[:, 0])
    row_review = table[:, 1]
    split = np.array([split_recommendation(recommendations.get(i.id)) for i in ideas], bool)
    return ScoringInputs(
        ideas=ideas,
        criteria=criteria,
        weights=np.array([c.weight for c in criteria], dtype=float),
        reviews=reviews,
        scores=np.where(table[:, 0] > 0, table[:, 0], np.nan),
        cannot=table[:, 0] == CANNOT,
        row_idea=review_idea[row_review],
        row_review=row_review,
        row_criterion=table[:, 2],
        review_idea=review_idea,
        review_reviewer=number[inverse.reshape(-1)],
        n_reviewers=len(first),
        split=split,
        round_of=dict(zip(rows[:, 1].tolist(), rows[:, 3].tolist(), strict=True)),
    )


def _latest_round_reviews(idea_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The submitted reviews of these ideas (ids sorted) from each idea's latest round with
    any, by id: rows of review id, idea id, reviewer id, round id and recommendation (its
    place in `RECOMMENDATIONS`, -1 for none), and each one's idea's place in `idea_ids`. Read
    as integers (`integer_rows`) and sorted out in numpy: joined to the ideas and read row by
    row, fetching them alone took 0.5 s at 50,000 ideas on a slow machine."""
    stored = sa.type_coerce(Review.recommendation, sa.String)
    rows = integer_rows(
        db.session.connection(),
        sa.select(
            Review.id,
            Review.idea_id,
            Review.reviewer_id,
            Review.round_id,
            sa.case({value: n for n, value in enumerate(RECOMMENDATIONS)}, value=stored, else_=-1),
        ).where(Review.state == ReviewState.SUBMITTED),
    )
    if not len(rows) or not len(idea_ids):
        return np.zeros((0, 5), dtype=np.int64), np.zeros(0, dtype=int)
    place = np.searchsorted(idea_ids, rows[:, 1]).clip(max=len(idea_ids) - 1)
    taken = idea_ids[place] == rows[:, 1]
    rows, place = rows[taken], place[taken]
    latest = np.zeros(len(idea_ids), dtype=np.int64)
    np.maximum.at(latest, place, rows[:, 3])  # an idea ranks on its latest reviewed round
    taken = rows[:, 3] == latest[place]
    rows, place = rows[taken], place[taken]
    order = np.argsort(rows[:, 0], kind="stable")
    return rows[order], place[order]


def _score_rows(criteria, review_ids: np.ndarray) -> np.ndarray:
    """The scores of the reviews with these sorted ids, one row per score: its value (1 to 5,
    0 for none, `CANNOT` for "cannot score"), the review's position in `review_ids` and the
    criterion's column in `criteria`, ordered by review and criterion. Scores for
    criteria retired since the review are left out (a criterion counts by its key, whichever
    version of the rubric it came from). Read as strings of integers (`integer_rows`): 700,000
    rows fetched one by one and looped over in Python were nearly a third of a refresh at
    50,000 ideas."""
    if not len(review_ids):
        return np.zeros((0, 3), dtype=np.int64)
    rows = integer_rows(
        db.session.connection(),
        sa.select(
            ReviewScore.review_id,
            ReviewScore.criterion_id,
            sa.case(
                (ReviewScore.cannot_score, CANNOT), else_=sa.func.coalesce(ReviewScore.score, 0)
            ),
        ),
    )
    column = {c.key: n for n, c in enumerate(criteria)}
    known = _rows(sa.select(Criterion.id, Criterion.key))
    size = max(max((i for i, _ in known), default=0), rows[:, 1].max(initial=0)) + 1
    columns = np.full(size, -1, dtype=np.int64)
    for criterion_id, key in known:
        columns[criterion_id] = column.get(key, -1)
    position = np.searchsorted(review_ids, rows[:, 0]).clip(max=len(review_ids) - 1)
    placed = np.column_stack((rows[:, 2], position, columns[rows[:, 1]]))
    placed = placed[(review_ids[position] == rows[:, 0]) & (placed[:, 2] >= 0)]
    return placed[np.lexsort((placed[:, 2], placed[:, 1]))]


def _rows(query):
    """A column query's rows, run as plain SQL and fetched at once: the ORM's row handling,
    which a select of columns through the session still pays, was a fifth of a refresh, and
    fetching row by row another tenth."""
    return db.session.connection().execute(query).all()


def _ideas(open_ideas) -> list[IdeaInput]:
    """The open ideas, by id, with their text and workstreams' keys. Their states are read
    as stored and the links as integers (`integer_rows`): with SQLAlchemy's handling of 40,000
    rows and the links joined to the ideas, this took 1.7 s at 50,000 ideas on a slow machine,
    0.9 s now."""
    keys = dict(_rows(sa.select(Workstream.id, Workstream.key)))
    streams: dict[int, set] = {}
    links = sa.select(idea_workstreams.c.idea_id, idea_workstreams.c.workstream_id)
    for idea_id, workstream_id in integer_rows(db.session.connection(), links).tolist():
        streams.setdefault(idea_id, set()).add(keys[workstream_id])
    states = {state.value: state for state in IdeaState}
    texts = [getattr(Idea, name) for name in SIMILARITY_FIELDS]
    stored_state = sa.type_coerce(Idea.state, sa.String)
    query = sa.select(Idea.id, Idea.reference, stored_state, *texts).where(open_ideas)
    return [
        IdeaInput(
            i, reference, states[state], similarity_text(parts), frozenset(streams.get(i, ()))
        )
        for i, reference, state, *parts in _raw_rows(query.order_by(Idea.id))
    ]


def _raw_rows(query):
    """A query's rows as the driver gives them, with none of SQLAlchemy's handling."""
    return db.session.connection().execute(query).cursor.fetchall()
