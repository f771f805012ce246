"""Scoring: prioritise ideas and scanned literature against the programme's enablers.

A pure library (numpy / scikit-learn): plain data in, plain data out; it imports neither Flask
nor SQLAlchemy. Its public API is listed in `__all__` as it is built.
"""

from scoring.aggregate import Aggregate, aggregate, weighted_review_scores
from scoring.agreement import krippendorff_alpha, split_recommendation
from scoring.assignment import AssignmentResult, assign_reviewers
from scoring.calibration import ReviewerCalibrator
from scoring.disagreement import (
    DISAGREEMENT_RANGE,
    DISAGREEMENT_SIGNIFICANCE,
    OVERALL_RANGE,
    Disagreement,
    SpreadTest,
    disagreement_table,
    reviewers_disagree,
)
from scoring.novelty import (
    NEAR_DUPLICATE_THRESHOLD,
    NearDuplicateFinder,
    NearDuplicates,
    near_duplicates,
    novelty_scores,
)
from scoring.panel import MIN_REVIEWS, sufficient_reviews, unit_score, weighted_total
from scoring.portfolio import PortfolioResult, select_portfolio, top_k
from scoring.priority import (
    PRIORITY_COMPONENTS,
    PRIORITY_WEIGHTS,
    Priority,
    priority,
    rank_ideas,
)
from scoring.relevance import TopicRelevance
from scoring.reweighting import rank_moves, reweighted_ranks
from scoring.screening import ScreeningModel, next_to_screen
from scoring.stopping import (
    RemainingEstimate,
    StoppingResult,
    estimate_remaining,
    stopping_p_value,
    stopping_rule,
)
from scoring.stopping_estimate import EarlyStop, irrelevant_run
from scoring.text import word_tfidf
from scoring.token_tfidf import text_tokens
from scoring.topic_screening import TopicScreening
from scoring.uncertainty import (
    WeightSensitivity,
    prob_top_k,
    score_intervals,
    weight_sensitivity,
)

__all__ = [
    "AssignmentResult",
    "assign_reviewers",
    # aggregation, calibration, uncertainty and priority
    "Aggregate",
    "aggregate",
    "weighted_review_scores",
    "MIN_REVIEWS",
    "sufficient_reviews",
    "unit_score",
    "weighted_total",
    "ReviewerCalibrator",
    "WeightSensitivity",
    "prob_top_k",
    "score_intervals",
    "weight_sensitivity",
    "PRIORITY_COMPONENTS",
    "PRIORITY_WEIGHTS",
    "Priority",
    "priority",
    "rank_ideas",
    # what-if weights
    "rank_moves",
    "reweighted_ranks",
    # agreement, and disagreement beyond the panel's usual spread
    "krippendorff_alpha",
    "split_recommendation",
    "DISAGREEMENT_RANGE",
    "DISAGREEMENT_SIGNIFICANCE",
    "OVERALL_RANGE",
    "Disagreement",
    "SpreadTest",
    "disagreement_table",
    "reviewers_disagree",
    # text relevance and novelty
    "TopicRelevance",
    "NEAR_DUPLICATE_THRESHOLD",
    "NearDuplicateFinder",
    "NearDuplicates",
    "near_duplicates",
    "novelty_scores",
    "word_tfidf",
    "text_tokens",
    # capacity-aware portfolio
    "PortfolioResult",
    "select_portfolio",
    "top_k",
    # screening scanned literature: active learning and when to stop
    "ScreeningModel",
    "TopicScreening",
    "next_to_screen",
    "EarlyStop",
    "RemainingEstimate",
    "StoppingResult",
    "estimate_remaining",
    "irrelevant_run",
    "stopping_p_value",
    "stopping_rule",
]
