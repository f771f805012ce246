"""Gather what the scoring library needs from the database, as plain arrays.

Column reads, not ORM objects: at 50,000 ideas and 70,000 reviews, loading models with their
scores and criteria took most of a refresh."""

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import (
    SIMILARITY_FIELDS,
    Idea,
    Workstream,
    idea_workstreams,
    similarity_text,
)
from portal.reviews.models import Criterion, Review, ReviewScore, ReviewState
from portal.reviews.rubric import current_rubric
from scoring import split_recommendation


@dataclass(frozen=True)
class IdeaInput:
    """What scoring reads of an idea."""

    id: int
    reference: str
    state: IdeaState
    similarity_text: str
    workstreams: frozenset  # keys


@dataclass(frozen=True)
class ReviewInput:
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
    column = {c.key: n for n, c in enumerate(criteria)}
    index = {idea.id: n for n, idea in enumerate(ideas)}
    submitted = [
        ReviewInput(i, idea_id, reviewer_id, round_id, choice)
        for i, idea_id, reviewer_id, round_id, choice in _rows(
            sa.select(
                Review.id,
                Review.idea_id,
                Review.reviewer_id,
                Review.round_id,
                sa.type_coerce(Review.recommendation, sa.String),  # its value, as stored
            )
            .join(Idea, Idea.id == Review.idea_id)
            .where(Review.state == ReviewState.SUBMITTED, open_ideas)
        )
    ]
    round_of = {}
    for review in submitted:  # an idea ranks on its latest round with submitted reviews
        round_of[review.idea_id] = max(round_of.get(review.idea_id, 0), review.round_id)
    reviews = sorted(
        (r for r in submitted if r.round_id == round_of[r.idea_id]), key=lambda r: r.id
    )
    position = {review.id: n for n, review in enumerate(reviews)}
    reviewer_index = {}
    recommendations: dict[int, list] = {}
    for review in reviews:
        reviewer_index.setdefault(review.reviewer_id, len(reviewer_index))
        if review.recommendation is not None:
            recommendations.setdefault(review.idea_id, []).append(review.recommendation)
    rows = []
    scores = (
        sa.select(ReviewScore.review_id, Criterion.key, ReviewScore.score, ReviewScore.cannot_score)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .join(Review, Review.id == ReviewScore.review_id)
        .join(Idea, Idea.id == Review.idea_id)
        .where(Review.state == ReviewState.SUBMITTED, open_ideas)
        .order_by(ReviewScore.review_id, ReviewScore.id)
    )
    # as the driver gives them (integers, a string, a boolean or 0/1): the most rows by far
    for review_id, key, score, cannot in _raw_rows(scores):
        n = position.get(review_id)
        if n is not None and key in column:  # criteria retired since the review are left out
            idea = index[reviews[n].idea_id]
            rows.append((score if score is not None else np.nan, cannot, idea, n, column[key]))
    split = np.array([split_recommendation(recommendations.get(i.id)) for i in ideas], bool)
    table = np.array(rows, dtype=float).reshape(-1, 5)
    return ScoringInputs(
        ideas=ideas,
        criteria=criteria,
        weights=np.array([c.weight for c in criteria], dtype=float),
        reviews=reviews,
        scores=table[:, 0],
        cannot=table[:, 1].astype(bool),
        row_idea=table[:, 2].astype(int),
        row_review=table[:, 3].astype(int),
        row_criterion=table[:, 4].astype(int),
        review_idea=np.array([index[r.idea_id] for r in reviews], dtype=int),
        review_reviewer=np.array([reviewer_index[r.reviewer_id] for r in reviews], dtype=int),
        n_reviewers=len(reviewer_index),
        split=split,
        round_of=round_of,
    )


def _rows(query):
    """A column query's rows, run as plain SQL and fetched at once: the ORM's row handling,
    which a select of columns through the session still pays, was a fifth of a refresh, and
    fetching row by row another tenth."""
    return db.session.connection().execute(query).all()


def _raw_rows(query):
    """A query's rows as the driver gives them, for the score rows (the most by far), whose
    values need no conversion."""
    return db.session.connection().execute(query).cursor.fetchall()


def _ideas(open_ideas) -> list[IdeaInput]:
    """The open ideas, by id, with their text and workstreams' keys."""
    streams: dict[int, set] = {}
    linked = (
        sa.select(idea_workstreams.c.idea_id, Workstream.key)
        .join(Workstream, Workstream.id == idea_workstreams.c.workstream_id)
        .join(Idea, Idea.id == idea_workstreams.c.idea_id)
        .where(open_ideas)
    )
    for idea_id, key in _rows(linked):
        streams.setdefault(idea_id, set()).add(key)
    texts = [getattr(Idea, name) for name in SIMILARITY_FIELDS]
    query = sa.select(Idea.id, Idea.reference, Idea.state, *texts).where(open_ideas)
    return [
        IdeaInput(i, reference, state, similarity_text(parts), frozenset(streams.get(i, ())))
        for i, reference, state, *parts in _rows(query.order_by(Idea.id))
    ]
