"""Gather what the scoring library needs from the database, as plain arrays."""

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import Idea
from portal.reviews.models import Review, ReviewState
from portal.reviews.rubric import current_rubric
from scoring import split_recommendation


@dataclass
class ScoringInputs:
    ideas: list  # open, submitted ideas, in a fixed order (by id)
    criteria: list  # the current rubric's criteria
    weights: np.ndarray
    reviews: list  # submitted reviews from each idea's latest reviewed round
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
    ideas = db.session.scalars(
        sa.select(Idea)
        .where(Idea.state != IdeaState.DRAFT, Idea.state.not_in(CLOSED_STATES))
        .order_by(Idea.id)
    ).all()
    rubric = current_rubric()
    criteria = list(rubric.criteria)
    column = {c.key: n for n, c in enumerate(criteria)}
    index = {idea.id: n for n, idea in enumerate(ideas)}
    submitted = db.session.scalars(
        sa.select(Review).where(Review.state == ReviewState.SUBMITTED, Review.idea_id.in_(index))
    ).all()
    round_of = {}
    for review in submitted:  # an idea ranks on its latest round with submitted reviews
        round_of[review.idea_id] = max(round_of.get(review.idea_id, 0), review.round_id)
    reviews = sorted(
        (r for r in submitted if r.round_id == round_of[r.idea_id]), key=lambda r: r.id
    )
    reviewer_index = {}
    rows = []
    recommendations: dict[int, list] = {}
    for n, review in enumerate(reviews):
        reviewer_index.setdefault(review.reviewer_id, len(reviewer_index))
        for score in review.scores:
            key = score.criterion.key
            if key in column:  # criteria retired since the review are left out
                rows.append(
                    (
                        score.score if score.score is not None else np.nan,
                        score.cannot_score,
                        index[review.idea_id],
                        n,
                        column[key],
                    )
                )
        if review.recommendation is not None:
            recommendations.setdefault(review.idea_id, []).append(review.recommendation.value)
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
