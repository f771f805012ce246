"""What a programme lead reads before deciding: scores, reviews, similar ideas, decisions.

Built for the lead's idea page from the stored score snapshot (pages never compute scores)
and the submitted reviews. Conflicts beat roles: a conflicted lead gets the decision history
without scores and nothing else.
"""

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import policy
from portal.extensions import db
from portal.ideas.models import Idea
from portal.pipeline import disagreement, ranked_index
from portal.pipeline.decisions import can_reopen, offered_targets
from portal.pipeline.models import Decision, ScoreSnapshot
from portal.policy import Can, conflicted_pairs
from portal.reviews.models import Review, ReviewRound, ReviewState
from scoring import (
    DISAGREEMENT_RANGE,
    DISAGREEMENT_SIGNIFICANCE,
    MIN_REVIEWS,
    NEAR_DUPLICATE_THRESHOLD,
    OVERALL_RANGE,
    PRIORITY_WEIGHTS,
    priority,
    unit_score,
)

PART_LABELS = {
    "panel": "Panel score (calibrated)",
    "relevance": "Relevance to the workstreams",
    "novelty": "Novelty (unlike other ideas)",
}


@dataclass
class ReviewView:
    review: Review
    rows: list  # (criterion name, score text, comment)
    calibration: dict | None  # overall, offset, calibrated: the ranked round only


@dataclass
class RoundView:
    round: ReviewRound
    ranked: bool  # the round the idea's scores come from
    reviews: list[ReviewView] = field(default_factory=list)


def score_text(score) -> str:
    if score is None or (score.score is None and not score.cannot_score):
        return "Not scored"
    if score.cannot_score:
        return "Cannot score"
    anchor = score.criterion.anchors.get(str(score.score), "")
    return f"{score.score} – {anchor}" if anchor else str(score.score)


def idea_evidence(idea, viewer) -> dict:
    """Everything the lead's idea page shows beyond the idea itself, for `viewer`."""
    history = Decision.history_of(idea)
    conflicted = bool(conflicted_pairs([viewer], [idea]))
    evidence = {
        "conflicted": conflicted,
        "history": history,
        "reopenable": None if conflicted else next((d for d in history if can_reopen(d)), None),
        "can_decide": policy.may(viewer, Can.DECIDE, idea) and bool(offered_targets(idea.state)),
    }
    if conflicted:
        return evidence
    snapshot = db.session.get(ScoreSnapshot, idea.id)
    details = snapshot.details if snapshot else {}
    rounds = _reviews(idea, snapshot, details)
    ranked = next((r for r in rounds if r.ranked), None)
    ranks = ranked_index.current().viewer(viewer).ranks  # as the pipeline shows, kept per version
    evidence.update(
        snapshot=snapshot,
        rank=ranks.position(snapshot.rank) if snapshot else None,
        ranked_ideas=ranks.shown,
        parts=_parts(snapshot, details),
        explanation=_explanation(snapshot),
        sensitive_to=details.get("criteria", {}).get(details.get("sensitive_to") or "", {}),
        agreement=_agreement(details, ranked),
        agreement_current=disagreement.current(details),
        rounds=rounds,
        similar=_similar(details, viewer),
        min_reviews=MIN_REVIEWS,
        disagreement_rule={
            "range": DISAGREEMENT_RANGE,
            "overall_range": OVERALL_RANGE,
            "text": f"{DISAGREEMENT_RANGE:g} points apart ({OVERALL_RANGE:g} on the overall score)",
            "one_in": round(1 / DISAGREEMENT_SIGNIFICANCE),
        },
    )
    return evidence


def _explanation(snapshot) -> str | None:
    """The one-line account of the snapshot's priority, part by part, from its stored figures
    (worked out when shown: a refresh writing it for every idea took 0.3 s at 40,000)."""
    if snapshot is None:
        return None
    panel = np.nan if snapshot.calibrated_score is None else snapshot.calibrated_score
    return priority([panel], [snapshot.relevance], [snapshot.novelty]).explain(0)


def _reviews(idea, snapshot, details) -> list[RoundView]:
    reviews = db.session.scalars(
        sa.select(Review)
        .where(Review.idea_id == idea.id, Review.state == ReviewState.SUBMITTED)
        .options(selectinload(Review.reviewer))
        .order_by(Review.round_id.desc(), Review.id)
    ).all()
    effects = details.get("reviews", {})
    rounds: dict[int, RoundView] = {}
    for review in reviews:
        if review.round_id not in rounds:
            ranked = snapshot is not None and snapshot.round_id == review.round_id
            rounds[review.round_id] = RoundView(
                db.session.get(ReviewRound, review.round_id), ranked
            )
        view = rounds[review.round_id]
        scores = sorted(review.scores, key=lambda s: s.criterion.position)
        rows = [(s.criterion.name, score_text(s), s.comment) for s in scores]
        calibration = effects.get(str(review.id)) if view.ranked else None
        view.reviews.append(ReviewView(review, rows, calibration))
    return list(rounds.values())


def _agreement(details, ranked: RoundView | None) -> list[dict]:
    """Per criterion of the ranked round, then overall: each review's score, and the spread.

    Figures stored under an earlier rule of disagreement show without its flags until the
    snapshot is recomputed.
    """
    if ranked is None:
        return []
    current = disagreement.current(details)
    rows = []
    for key, info in details.get("criteria", {}).items():
        given = []
        for view in ranked.reviews:
            score = next((s for s in view.review.scores if s.criterion.key == key), None)
            if score is None:
                given.append("–")
            elif score.cannot_score:
                given.append("Cannot score")
            else:
                given.append("–" if score.score is None else str(score.score))
        rows.append(_spread_row(info, current, key=key, given=given))
    overall = details.get("overall")
    if current and overall:
        values = [v.calibration["overall"] for v in ranked.reviews if v.calibration]
        given = [
            f"{v.calibration['overall']:.2f}" if v.calibration else "–" for v in ranked.reviews
        ]
        mean = sum(values) / len(values) if values else None
        rows.append(
            _spread_row(
                overall,
                current,
                key="overall",
                name="Overall score",
                given=given,
                mean=mean,
                count=len(values),
                cannot=0,
            )
        )
    return rows


def _spread_row(info, current, **extra) -> dict:
    """A row of the agreement table; `ratio` is how many times the usual spread it is."""
    row = {**info, **extra}
    row["disagreement"] = current and bool(info.get("disagreement"))
    spread, usual = info.get("spread"), info.get("usual_spread")
    row["ratio"] = spread / usual if current and spread is not None and usual else None
    return row


def _parts(snapshot, details) -> list[dict]:
    """The priority's parts; their contributions add up to the priority."""
    if snapshot is None:
        return []
    contributions = details.get("contributions", {})
    total_weight = sum(PRIORITY_WEIGHTS.values())
    values = {"relevance": snapshot.relevance, "novelty": snapshot.novelty}
    if snapshot.calibrated_score is not None:
        values["panel"] = unit_score(snapshot.calibrated_score)
    return [
        {
            "label": PART_LABELS[name],
            "value": values.get(name),
            "weight": weight / total_weight,
            "contribution": contributions.get(name, 0.0),
        }
        for name, weight in PRIORITY_WEIGHTS.items()
    ]


def _similar(details, viewer) -> list[dict]:
    """The nearest ideas whose scores the viewer may see too."""
    nearest = [n for n in details.get("nearest", []) if n.get("similarity", 0) > 0]
    ideas = {
        i.id: i
        for i in db.session.scalars(
            sa.select(Idea).where(
                Idea.id.in_([n["idea_id"] for n in nearest]),
                policy.clause(viewer, Can.SEE_SCORES),
            )
        )
    }
    return [
        {
            "idea": ideas[n["idea_id"]],
            "similarity": n["similarity"],
            "likely_duplicate": n["similarity"] >= NEAR_DUPLICATE_THRESHOLD,
        }
        for n in nearest
        if n["idea_id"] in ideas
    ]
