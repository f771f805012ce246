"""Recompute every open idea's score snapshot with the scoring library.

Called when a review is submitted, a round closes or the rubric's weights change. Pages read
the snapshots and never compute scores themselves. Calibration is fitted across all reviews, so
one new review can move every idea a little: the whole table is recomputed each time (well under
a second for thousands of ideas; see bench/scoring.py).
"""

from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.sections import active_workstreams
from portal.pipeline.inputs import ScoringInputs, gather, idea_text
from portal.pipeline.models import ScoreSnapshot
from scoring import (
    ReviewerCalibrator,
    TopicRelevance,
    aggregate,
    near_duplicates,
    priority,
    prob_top_k,
    rank_ideas,
    score_intervals,
    weight_sensitivity,
    weighted_review_scores,
)

# Ideas the leads accepted count as relevant to the workstreams chosen for them; declined
# ideas as relevant to none. These decisions train the relevance model.
ACCEPTED = {
    IdeaState.IN_TRIAGE,
    IdeaState.IN_REVIEW,
    IdeaState.SHORTLISTED,
    IdeaState.IN_PILOT,
    IdeaState.ADOPTED,
}


_deferred: ContextVar[list | None] = ContextVar("deferred_snapshots", default=None)


@contextmanager
def deferred_snapshots(actor, reason: str):
    """Within this block, refreshes wait and happen once at the end (for bulk loads)."""
    pending = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending:
        refresh_snapshots(actor, reason)


def refresh_snapshots(actor, reason: str) -> int:
    """Replace every snapshot; return how many open ideas were scored."""
    pending = _deferred.get()
    if pending is not None:
        pending.append(reason)
        return 0
    data = gather()
    db.session.execute(sa.delete(ScoreSnapshot))
    if data.ideas:
        for snapshot in _compute(data, reason):
            db.session.add(snapshot)
    db.session.flush()
    audit.record(
        actor,
        "scores.recomputed",
        object_type="score_snapshots",
        reason=reason,
        ideas=len(data.ideas),
        reviews=len(data.reviews),
    )
    return len(data.ideas)


def _compute(data: ScoringInputs, reason: str):
    n_ideas, n_criteria = len(data.ideas), len(data.criteria)
    k = min(current_app.config.get("PIPELINE_TOP_K", 10), n_ideas)
    summary = aggregate(
        data.scores,
        data.row_idea,
        data.row_criterion,
        n_ideas=n_ideas,
        n_criteria=n_criteria,
        weights=data.weights,
        cannot=data.cannot,
        review=data.row_review,
        min_reviews=2,
    )
    centre = np.full(n_ideas, np.nan)
    low = high = chance = np.full(n_ideas, np.nan)
    if len(data.reviews):
        overall = weighted_review_scores(
            data.scores,
            data.row_review,
            data.row_criterion,
            n_reviews=len(data.reviews),
            weights=data.weights,
            cannot=data.cannot,
        )
        usable = ~np.isnan(overall)
        if usable.any():
            model = ReviewerCalibrator(shrinkage=1.0).fit(
                overall[usable],
                data.review_idea[usable],
                data.review_reviewer[usable],
                n_ideas=n_ideas,
                n_reviewers=data.n_reviewers,
            )
            centre = model.idea_effects_
            if np.isfinite(model.residual_variance_) and model.dof_ > 0:
                # too few reviews to estimate the noise: no interval rather than a false one
                low, high = score_intervals(
                    centre, model.residual_variance_, model.n_reviews_, dof=model.dof_
                )
                chance = prob_top_k(centre, model.idea_std_errors_, k)
    sensitivity = weight_sensitivity(summary.mean, data.weights)
    texts = [idea_text(idea) for idea in data.ideas]
    duplicates = near_duplicates(texts)
    novelty = np.array([1.0 - (row[0][1] if row else 0.0) for row in duplicates.neighbors])
    relevance, topics = _relevance(data.ideas, texts)
    parts = priority(
        centre, relevance.max(axis=1) if relevance.size else np.zeros(n_ideas), novelty
    )
    ranks = rank_ideas(
        parts.total, np.array([i.id for i in data.ideas]), eligible=summary.sufficient
    )
    now = utcnow()
    for n, idea in enumerate(data.ideas):
        yield ScoreSnapshot(
            idea_id=idea.id,
            computed_at=now,
            reason=reason[:80],
            round_id=data.round_of.get(idea.id),
            n_reviews=int(summary.n_reviews[n]),
            sufficient=bool(summary.sufficient[n]),
            raw_score=_number(summary.weighted_total[n]),
            calibrated_score=_number(centre[n]),
            interval_low=_number(low[n]),
            interval_high=_number(high[n]),
            prob_top_k=_number(chance[n]),
            top_k=k,
            rank_shift=int(sensitivity.max_shift[n]) if sensitivity.max_shift[n] >= 0 else None,
            relevance=float(parts.values[n, 1]),
            novelty=float(novelty[n]),
            priority=float(parts.total[n]),
            rank=int(ranks[n]),
            details=_details(data, summary, parts, sensitivity, duplicates, relevance, topics, n),
        )


def _relevance(ideas, texts):
    workstreams = active_workstreams()
    topics = [w.key for w in workstreams]
    if not topics:
        return np.zeros((len(ideas), 0)), topics
    labels = [
        ({w.key for w in idea.workstreams} if idea.state in ACCEPTED else set())
        if idea.state in ACCEPTED | {IdeaState.DECLINED}
        else None
        for idea in ideas
    ]
    model = TopicRelevance().fit(
        {w.key: f"{w.name}. {w.description}" for w in workstreams}, texts=texts, labels=labels
    )
    return model.predict(texts), topics


def _details(data, summary, parts, sensitivity, duplicates, relevance, topics, n) -> dict:
    criteria = {}
    for c, criterion in enumerate(data.criteria):
        spread = summary.range[n, c]
        criteria[criterion.key] = {
            "name": criterion.name,
            "mean": _number(summary.mean[n, c]),
            "count": int(summary.count[n, c]),
            "cannot": int(summary.n_cannot[n, c]),
            "range": _number(spread),
            "disagreement": bool(summary.count[n, c] >= 2 and spread >= 2),
        }
    moved_by = sensitivity.criterion[n]
    return {
        "criteria": criteria,
        "split_recommendation": bool(data.split[n]),
        "contributions": dict(
            zip(
                ("panel", "relevance", "novelty"),
                (float(x) for x in parts.contributions[n]),
                strict=True,
            )
        ),
        "explanation": parts.explain(n),
        "sensitive_to": data.criteria[moved_by].key if moved_by >= 0 else None,
        "relevance": {key: float(relevance[n, t]) for t, key in enumerate(topics)},
        "nearest": [
            {
                "idea_id": data.ideas[j].id,
                "reference": data.ideas[j].reference,
                "similarity": round(float(s), 3),
            }
            for j, s in duplicates.neighbors[n][:3]
        ],
    }


def _number(value):
    value = float(value)
    return None if np.isnan(value) else value
