"""Recompute every open idea's score snapshot with the scoring library.

Called when a review is submitted, a round closes or the rubric's weights change. Pages read
the snapshots and never compute scores themselves. Calibration is fitted across all reviews, so
one new review can move every idea a little: the whole table is recomputed each time, and
each idea's own details (`snapshot_details`) are rewritten only where they changed. The
scoring itself is quick (bench/scoring.py), but gathering and storing thousands of ideas takes
seconds, so beyond `SNAPSHOT_INLINE_LIMIT` open ideas a change only queues a `SnapshotRequest`
and `flask worker` recomputes (`run_requested_refresh`), computing outside the write lock.
"""

import gc
import hashlib
import json
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

from portal import audit, page_cache, signals
from portal.auth.models import User
from portal.background import enqueue
from portal.clock import utcnow
from portal.database import insert_columns, write_intent
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.ideas.sections import active_workstreams
from portal.pipeline import disagreement
from portal.pipeline.filters import OPEN_STATES
from portal.pipeline.inputs import ScoringInputs, gather
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails, SnapshotRequest
from portal.pipeline.snapshot_details import OwnDetails
from scoring import (
    MIN_REVIEWS,
    PRIORITY_COMPONENTS,
    NearDuplicateFinder,
    ReviewerCalibrator,
    TopicRelevance,
    aggregate,
    disagreement_table,
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
WAKING = "snapshots.waking"  # session.info: a worker is asked to refresh on commit
REFRESH_TASK = "pipeline.refresh_snapshots"


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


def refresh_snapshots(actor, reason: str, *, inline: bool = False) -> int | None:
    """Recompute every snapshot now, or queue it for the worker when the pipeline is large.

    `inline` recomputes now whatever the size (command-line bulk loads). Returns how many
    open ideas were scored, or None when the work was queued.
    """
    pending = _deferred.get()
    if pending is not None:
        pending.append(reason)
        return 0
    if not inline and _open_ideas() > current_app.config["SNAPSHOT_INLINE_LIMIT"]:
        db.session.add(SnapshotRequest(reason=reason[:80], actor_id=actor.id if actor else None))
        db.session.flush()
        _wake_worker_on_commit(db.session())
        return None
    computed = compute_snapshots(reason)
    _store(computed, actor, reason)
    return computed.ideas


def _wake_worker_on_commit(session) -> None:
    """Once this transaction commits, ask a worker to run the queued recomputation now rather
    than at its schedule's next tick (up to 5 s later). Best effort: if the broker cannot take
    the message at once, the schedule still runs it; a message that finds nothing queued (an
    earlier one did the work) costs one query."""
    if session.info.get(WAKING):
        return
    session.info[WAKING] = True
    app = current_app._get_current_object()

    @event.listens_for(session, "after_commit")
    def wake(session):
        if session.get_nested_transaction() is not None:
            return  # a savepoint released: the transaction itself has not committed yet
        if not session.info.pop(WAKING, None):
            return  # woken already
        # A thread of its own: a broker that is away makes the sender wait seconds before it
        # gives up, and the response must not.
        threading.Thread(target=_send_wake, args=(app,), name="score-refresh", daemon=True).start()


def _send_wake(app) -> None:
    try:
        with app.app_context():
            enqueue(REFRESH_TASK, retry=False)
    except Exception as error:  # noqa: BLE001 (any broker failure: the schedule runs it)
        app.logger.warning("score refresh left to the schedule: %s", error)


def refresh_pending() -> bool:
    """Whether a queued recomputation has not been done yet."""
    return db.session.scalar(sa.select(sa.exists().where(SnapshotRequest.id.is_not(None))))


def run_requested_refresh() -> int | None:
    """Do the queued recomputations as one (the worker's job); None when none was queued.

    Scores are computed in a read transaction and written in a short one, so SQLite's write
    lock is held for the store alone. A change made meanwhile queues its own request, which
    the next run picks up.
    """
    queued = db.session.execute(
        sa.select(SnapshotRequest.id, SnapshotRequest.reason, SnapshotRequest.actor_id).order_by(
            SnapshotRequest.id
        )
    ).all()
    if not queued:
        db.session.rollback()
        return None
    reason = "; ".join(dict.fromkeys(r.reason for r in queued))[:80]
    computed = compute_snapshots(reason)
    db.session.rollback()  # end the read before taking the write lock
    with write_intent():
        actor = db.session.get(User, queued[-1].actor_id) if queued[-1].actor_id else None
        _store(computed, actor, reason)
        db.session.execute(sa.delete(SnapshotRequest).where(SnapshotRequest.id <= queued[-1].id))
        db.session.commit()
    return computed.ideas


@dataclass
class Computed:
    """A recomputation: every open idea's `ScoreSnapshot` row (column by column: each a list
    of the rows' values), their own details (stored where they changed), and how many ideas
    and reviews it counted."""

    columns: dict[str, list]
    own: OwnDetails | None
    ideas: int
    reviews: int


def compute_snapshots(reason: str) -> Computed:
    """Every open idea's snapshot, computed from the current reviews, rubric and texts."""
    with _no_cycle_collection():
        return _computed(reason)


@contextmanager
def _no_cycle_collection():
    """Python's cycle collector paused: a refresh makes hundreds of thousands of small objects
    (rows, dicts, floats), none in cycles, and the collector, set off by their number, walked
    the whole heap again and again: a fifth of a refresh. It collects as usual afterwards."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _computed(reason: str) -> Computed:
    data = gather()
    if not data.ideas:
        return Computed({}, None, 0, len(data.reviews))
    texts = [idea.similarity_text for idea in data.ideas]
    corpus = _corpus_key(data.ideas, texts)  # every text hashed once, for both reuse checks
    previous = cache(_previous)  # read only if a reuse check needs it, then once
    neighbours = _neighbours(data.ideas, texts, corpus, previous)
    relevance = _relevance(data.ideas, texts, corpus, previous)
    return _compute(data, reason, corpus, neighbours, relevance)


# The neighbours, "nearest" lists and relevance this app's process last computed, by the key
# they were made from: the same key gives the same result whoever stored the snapshots since, so
# a worker's next refresh need not read them back out of the table (0.4 s at 40,000 ideas). One
# entry each, in the app's fragment caches (tests run several apps in one process).
_REUSABLE = ("neighbours", "nearest", "relevance")


def _remembered(name: str, key: str):
    return page_cache.for_app(current_app, f"snapshot_{name}").get(key)


def _remember(name: str, key: str, value) -> None:
    kept = page_cache.for_app(current_app, f"snapshot_{name}")
    kept.clear()  # only the latest: each holds a value per open idea
    kept.put(key, value)


def forget_reusable() -> None:
    """Forget what this process last computed of the neighbours and relevance (so that, with
    the table emptied, the next computation starts from nothing)."""
    for name in _REUSABLE:
        page_cache.for_app(current_app, f"snapshot_{name}").clear()


def _store(computed: Computed, actor, reason) -> None:
    with _no_cycle_collection():
        _stored(computed, actor, reason)


def _stored(computed: Computed, actor, reason) -> None:
    db.session.execute(sa.delete(ScoreSnapshot))
    insert_columns(db.session.connection(), ScoreSnapshot.__table__, computed.columns)
    if computed.own is None:
        db.session.execute(sa.delete(SnapshotDetails))
    else:
        computed.own.store()
    audit.record(
        actor,
        "scores.recomputed",
        object_type="score_snapshots",
        reason=reason,
        ideas=computed.ideas,
        reviews=computed.reviews,
    )


def _open_ideas() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Idea).where(Idea.state.in_(OPEN_STATES))
    )


def _corpus_key(ideas, texts) -> str:
    digest = hashlib.sha256()
    for idea, text in zip(ideas, texts, strict=True):
        digest.update(f"{idea.id}\0{text}\0".encode())
    return digest.hexdigest()


def _previous() -> dict[int, dict]:
    """What a refresh may reuse from each stored snapshot: the keys it was made with, its
    nearest ideas and its relevance. Read out of the JSON by the database: decoding every
    snapshot's whole details took a third of a refresh at 4,000 ideas."""
    details = SnapshotDetails.details
    query = sa.select(
        SnapshotDetails.idea_id,
        details["corpus"].as_string(),
        details["relevance_key"].as_string(),
        details["nearest"],
        details["relevance"],
    )
    return {
        idea_id: {"corpus": corpus, "relevance_key": key, "nearest": near, "relevance": topics}
        for idea_id, corpus, key, near, topics in db.session.connection().execute(query)
    }


def _reusable(ideas, previous: dict, name: str, key: str) -> bool:
    """Whether the last snapshots are of these ideas and each was made with this `name` key."""
    return previous.keys() == {idea.id for idea in ideas} and all(
        d.get(name) == key for d in previous.values()
    )


def _neighbours(ideas, texts, corpus: str, previous) -> list[list[tuple[int, float]]]:
    """Each idea's most similar others, reused from the last snapshots while no text changed.

    Comparing every idea's text with every other is the slow part at thousands of ideas,
    and reviews, decisions and weight changes do not change any text.
    """
    found = _remembered("neighbours", corpus)
    if found is None:
        found = _found_neighbours(ideas, texts, corpus, previous())
        _remember("neighbours", corpus, found)
    return found


def _found_neighbours(ideas, texts, corpus: str, previous: dict):
    index = {idea.id: n for n, idea in enumerate(ideas)}
    if _reusable(ideas, previous, "corpus", corpus):
        return [
            [
                (index[near["idea_id"]], near["similarity"])
                for near in previous[idea.id]["nearest"] or []
                if near["idea_id"] in index
            ]
            for idea in ideas
        ]
    if len(texts) < 2:
        return [[] for _ in texts]
    return NearDuplicateFinder(n_neighbors=3).fit(texts).kneighbors()


def _compute(data: ScoringInputs, reason: str, corpus: str, neighbours, relevance):
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
        min_reviews=MIN_REVIEWS,
    )
    centre = np.full(n_ideas, np.nan)
    low = high = chance = np.full(n_ideas, np.nan)
    per_review: dict[int, dict] = {}  # idea index -> review id -> its calibration effect
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
            per_review = _review_effects(data, overall, model)
            if np.isfinite(model.residual_variance_) and model.dof_ > 0:
                # too few reviews to estimate the noise: no interval rather than a false one
                low, high = score_intervals(
                    centre, model.residual_variance_, model.n_reviews_, dof=model.dof_
                )
                chance = prob_top_k(centre, model.idea_std_errors_, k)
    sensitivity = weight_sensitivity(summary.mean, data.weights)
    disagree = disagreement_table(
        data.scores,
        data.row_idea,
        data.row_criterion,
        n_ideas,
        n_criteria,
        review=data.row_review,
        weights=data.weights,
    )
    novelty = np.array([1.0 - (row[0][1] if row else 0.0) for row in neighbours])
    relevance, topics, relevance_key = relevance
    parts = priority(
        centre, relevance.max(axis=1) if relevance.size else np.zeros(n_ideas), novelty
    )
    ranks = rank_ideas(
        parts.total, np.array([i.id for i in data.ideas]), eligible=summary.sufficient
    )
    now = utcnow()
    own = OwnDetails.of(
        data.ideas,
        data.criteria,
        summary,
        disagree,
        data.split,
        sensitivity,
        relevance,
        topics=topics,
        nearest=_nearest(data.ideas, neighbours, corpus),
        corpus=corpus,
        relevance_key=relevance_key,
    )
    figures = {
        "n_reviews": summary.n_reviews.astype(int).tolist(),
        "sufficient": summary.sufficient.astype(bool).tolist(),
        "raw_score": disagreement.as_values(summary.weighted_total),
        "calibrated_score": disagreement.as_values(centre),
        "interval_low": disagreement.as_values(low),
        "interval_high": disagreement.as_values(high),
        "prob_top_k": disagreement.as_values(chance),
        "rank_shift": [s if s >= 0 else None for s in sensitivity.max_shift.astype(int).tolist()],
        "relevance": parts.values[:, 1].astype(float).tolist(),
        "novelty": novelty.astype(float).tolist(),
        "priority": parts.total.astype(float).tolist(),
        "rank": ranks.astype(int).tolist(),
        "disagreement": disagree.any.astype(bool).tolist(),
    }  # as Python values, converted once
    n = len(data.ideas)
    columns = {
        "idea_id": [idea.id for idea in data.ideas],
        "computed_at": [now] * n,
        "reason": [reason[:80]] * n,
        "round_id": [data.round_of.get(idea.id) for idea in data.ideas],
        "top_k": [k] * n,
        **figures,
        "joint": [
            {
                "reviews": per_review.get(i, {}),
                "contributions": dict(zip(PRIORITY_COMPONENTS, parts_of, strict=True)),
            }
            for i, parts_of in enumerate(parts.contributions.astype(float).tolist())
        ],
    }
    return Computed(columns, own, len(data.ideas), len(data.reviews))


def _nearest(ideas, neighbours, corpus: str) -> list[list[dict]]:
    """Each idea's three most similar others as stored; built once per corpus in a process
    (they change only with the texts)."""
    found = _remembered("nearest", corpus)
    if found is None:
        found = [
            [
                {"idea_id": ideas[j].id, "reference": ideas[j].reference, "similarity": float(s)}
                for j, s in near[:3]
            ]
            for near in neighbours
        ]
        _remember("nearest", corpus, found)
    return found


def _review_effects(data, overall, model) -> dict[int, dict]:
    """Each review's overall score before and after its reviewer's offset is taken out."""
    offsets = model.offsets_[data.review_reviewer]
    columns = zip(
        data.reviews,
        data.review_idea.tolist(),
        overall.tolist(),
        offsets.tolist(),
        (overall - offsets).tolist(),
        strict=True,
    )  # converted once, not value by value
    effects: dict[int, dict] = {}
    for review, idea, given, offset, calibrated in columns:
        if given == given:  # not NaN
            effects.setdefault(idea, {})[str(review.id)] = {
                "overall": given,
                "offset": offset,
                "calibrated": calibrated,
            }
    return effects


def _relevance(ideas, texts, corpus: str, previous):
    """Each idea's relevance to each active workstream, its topics, and what it was learnt
    from (a key): reused from the last snapshots while no text, decision or workstream changed,
    as after a review, so fitting the model is paid only when what it learns from changes."""
    workstreams = active_workstreams()
    topics = [w.key for w in workstreams]
    if not topics:
        return np.zeros((len(ideas), 0)), topics, None
    labels = [
        (set(idea.workstreams) if idea.state in ACCEPTED else set())
        if idea.state in ACCEPTED | {IdeaState.DECLINED}
        else None
        for idea in ideas
    ]
    descriptions = {w.key: f"{w.name}. {w.description}" for w in workstreams}
    key = _relevance_key(descriptions, corpus, labels)
    learnt = _remembered("relevance", key)
    if learnt is None:
        stored = previous()
        if _reusable(ideas, stored, "relevance_key", key):
            learnt = np.array(
                [[stored[idea.id]["relevance"][t] for t in topics] for idea in ideas], dtype=float
            )
        else:
            model = TopicRelevance().fit(descriptions, texts=texts, labels=labels)
            learnt = model.predict(texts)
        _remember("relevance", key, learnt)
    return learnt, topics, key


def _relevance_key(descriptions: dict, corpus: str, labels) -> str:
    """What relevance is learnt from: the workstreams' descriptions, the texts (their corpus
    key) and each idea's label ("?" undecided)."""
    digest = hashlib.sha256(json.dumps(descriptions, sort_keys=True).encode() + corpus.encode())
    for label in labels:
        digest.update(("?" if label is None else ",".join(sorted(label))).encode() + b"\0")
    return digest.hexdigest()


@signals.scores_changed.connect
def _refresh_on_change(actor, reason: str, **_):
    refresh_snapshots(actor, reason)
