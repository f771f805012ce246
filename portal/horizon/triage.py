"""Leads' triage of scanned items, and the relevance scores that rank the inbox.

A lead marks an item relevant or not relevant (one at a time or in bulk); every decision is
audited and retrains the screening model (`scoring.ScreeningModel`, and `TopicScreening`: one
model per active workstream and per enabler of the current rubric) on all the leads' labels.
Before any label the model ranks items by their similarity to the workstreams' and enablers'
descriptions. A topic learns from the items marked not relevant (not relevant to any topic),
from promoted items (relevant to the workstreams their idea was given) and, for an enabler,
from the panel's scores of a promoted idea on that enabler. Scores are stored on the items, so
pages only read them. Rescoring runs in the request while the pool is at most
`SCREENING_INLINE_LIMIT` items; beyond that a `ScreeningRequest` is queued and `flask worker`
rescores (`run_requested_rescoring`), computing outside the write lock. Each process keeps
the models fitted to the current pool, so a decision only retrains the classifiers.
"""

import hashlib
import threading

import numpy as np
import sqlalchemy as sa
from flask import current_app

from portal import audit, page_cache
from portal.clock import utcnow
from portal.database import write_intent
from portal.extensions import db
from portal.horizon.item_words import pool_words, screening_text, store_words
from portal.horizon.models import ItemStatus, ScannedItem, ScreeningRequest
from portal.ideas.models import Idea
from portal.ideas.sections import active_workstreams
from portal.reviews.models import Criterion, Review, ReviewScore, ReviewState, Rubric
from scoring import ScreeningModel, TopicScreening
from scoring.screening import TRAINED_MODES

DECISIONS = {"relevant": ItemStatus.RELEVANT, "not_relevant": ItemStatus.NOT_RELEVANT}
# an item added to an idea as evidence is relevant, as a promoted one is
IN_PIPELINE = (ItemStatus.PROMOTED, ItemStatus.EVIDENCE)
DECIDED = (ItemStatus.RELEVANT, ItemStatus.NOT_RELEVANT, *IN_PIPELINE)
RELEVANT = (ItemStatus.RELEVANT, *IN_PIPELINE)
_MODEL_LOCK = threading.Lock()  # the cached models are retrained in place
ENABLER = "enabler:"  # topic keys of enablers: ENABLER + the rubric criterion's key
ENABLER_RELEVANT_SCORE = 3.5  # a promoted idea's mean panel score (1-5) that counts as relevant


class TriageError(ValueError):
    """A triage request that cannot be made; the message is shown to the lead."""


def triage_item(item: ScannedItem, lead, decision: str) -> None:
    """Mark one item relevant or not relevant, then retrain."""
    triage_items([item], lead, decision)


def triage_items(items, lead, decision: str) -> int:
    """Mark each item relevant or not relevant (promoted ones, and evidence for an idea, are
    left as they are), then retrain once; return how many were marked."""
    status = DECISIONS.get(decision)
    if status is None:
        raise TriageError("Choose 'Relevant' or 'Not relevant'.")
    items = list(items)
    if not items:
        raise TriageError("Select at least one item.")
    now, marked = utcnow(), 0
    for item in items:
        if item.status in IN_PIPELINE:
            continue
        previous = item.status
        item.status, item.triaged_by_id, item.triaged_at = status, lead.id, now
        audit.record(
            lead, f"scanned_item.{decision}", item, title=item.title[:200], before=previous.value
        )
        marked += 1
    if not marked:
        raise TriageError(
            "These items are already in the pipeline: promoted, or evidence for an idea."
        )
    db.session.flush()
    rescore_items(lead, "items triaged")
    return marked


# Relevance


def rescore_items(actor=None, reason: str = "", *, inline: bool = False) -> int | None:
    """Rescore every scanned item now, or queue it for the worker when the pool is large.

    Returns how many items were scored, or None when the work was queued."""
    pool = db.session.scalar(sa.select(sa.func.count()).select_from(ScannedItem))
    if not inline and pool > current_app.config["SCREENING_INLINE_LIMIT"]:
        db.session.add(ScreeningRequest(reason=reason[:80], actor_id=getattr(actor, "id", None)))
        db.session.flush()
        return None
    rows, words = compute_relevance()
    _store(rows, words)
    return len(rows)


def queue_rescoring(actor, reason: str) -> None:
    """Ask the worker to rescore (after a scan, or a change in a large pool)."""
    db.session.add(ScreeningRequest(reason=reason[:80], actor_id=getattr(actor, "id", None)))
    db.session.flush()


def rescoring_pending() -> bool:
    return db.session.scalar(sa.select(sa.exists().where(ScreeningRequest.id.is_not(None))))


def run_requested_rescoring() -> int | None:
    """Do the queued rescorings as one (the worker's job); None when none was queued."""
    last = db.session.scalar(sa.select(sa.func.max(ScreeningRequest.id)))
    if last is None:
        db.session.rollback()
        return None
    rows, words = compute_relevance()
    db.session.rollback()  # end the read before taking the write lock
    with write_intent():
        _store(rows, words)
        db.session.execute(sa.delete(ScreeningRequest).where(ScreeningRequest.id <= last))
        db.session.commit()
    return len(rows)


def enabler_criteria() -> list:
    """The current rubric's enabler criteria: the enablers items are scored for."""
    rubric = Rubric.latest()
    return [c for c in (rubric.criteria if rubric else []) if c.is_enabler]


def topic_texts() -> tuple[dict[str, str], dict[str, str]]:
    """The active workstreams' descriptions by key, and the enablers' by `ENABLER` +
    criterion key."""
    workstreams = {
        w.key: ". ".join(p.strip().rstrip(".") for p in (w.name, w.description, w.aim) if p)
        for w in active_workstreams()
    }
    enablers = {f"{ENABLER}{c.key}": f"{c.name}. {c.description}" for c in enabler_criteria()}
    return workstreams, enablers


def compute_relevance() -> tuple[list[dict], list[dict]]:
    """Each item's relevance and per-topic (workstream, enabler) relevance, as column values
    by id; and the words of items that had none stored (or stale ones), to store."""
    rows = db.session.execute(
        sa.select(
            ScannedItem.id,
            ScannedItem.title,
            ScannedItem.summary,
            ScannedItem.status,
            ScannedItem.triaged_at,
        ).order_by(ScannedItem.id)
    ).all()
    if not rows:
        return [], []
    texts = [screening_text(r.title, r.summary) for r in rows]
    tokens, missing_words = pool_words([r.id for r in rows], texts)
    labels = [1 if r.status in RELEVANT else 0 if r.status in DECIDED else None for r in rows]
    decided = [n for n, r in enumerate(rows) if r.status in DECIDED]
    # The order decisions were made in tells the model when to switch to its late classifier.
    order = sorted(decided, key=lambda n: (rows[n].triaged_at is None, rows[n].triaged_at, n))
    workstreams, enablers = topic_texts()
    topic_descriptions = {**workstreams, **enablers}
    try:
        with _MODEL_LOCK:
            model, topic_model = _fitted(texts, tokens, topic_descriptions)
            model.update(labels, order=order)
            overall = _scaled(model.predict_relevance(), model.mode_)
            topics = np.zeros((len(rows), 0))
            if topic_model is not None:
                topic_model.update(_topic_labels(rows, list(workstreams), list(enablers)))
                topics = _topic_scores(topic_model)
    except ValueError:  # no usable words in the whole pool
        return [{"id": r.id, "relevance": None, "topic_relevance": {}} for r in rows], missing_words
    keys = list(topic_descriptions)
    return [
        {
            "id": r.id,
            "relevance": float(overall[n]),
            "topic_relevance": {key: round(float(topics[n, t]), 4) for t, key in enumerate(keys)},
        }
        for n, r in enumerate(rows)
    ], missing_words


def _fitted(texts, tokens, topics):
    """The models fitted to this pool, reused while its items and the topics' descriptions
    stay the same: fitting builds the features (the slow part), a retrain only refits the
    classifier. Every description seeds the overall model too, so the topics' models share
    its features."""
    key = hashlib.sha256(repr((texts, topics)).encode()).hexdigest()
    cache = page_cache.for_app(current_app._get_current_object(), "horizon_screening")
    found = cache.get(key)
    if found is None:
        priors = list(topics.values()) or None
        model = ScreeningModel().fit(texts, prior_texts=priors, tokens=tokens)
        topic_model = TopicScreening().fit(texts, topics, shared=model) if topics else None
        found = (model, topic_model)
        cache.clear()  # one pool's models per process
        cache.put(key, found)
    return found


def _topic_scores(topic_model):
    scores = topic_model.predict_relevance()
    cold = [
        t
        for t, key in enumerate(topic_model.topics_)
        if topic_model.models_[key].mode_ not in TRAINED_MODES
    ]
    if cold:  # similarities: one common scale, so topics compare with one another
        scores[:, cold] = _scaled(scores[:, cold], "similarity")
    return scores


def _scaled(scores, mode):
    """Similarities (before the model has labels of both kinds) relative to the best match,
    so that they read on the same 0-1 scale as trained probabilities."""
    if mode in TRAINED_MODES:
        return scores
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def _topic_labels(rows, workstream_keys, enabler_keys) -> dict[str, list]:
    """Per topic, one label per item (1, 0 or None for undecided).

    Items marked not relevant are 0 for every topic. A promoted item is 1 for the workstreams
    its idea was given and 0 for the others; for an enabler it is 1 when the panel's submitted
    scores of its idea on that enabler average at least `ENABLER_RELEVANT_SCORE`, 0 when they
    average less, and undecided while the idea has no such score."""
    promoted = {
        idea.scanned_item_id: {w.key for w in idea.workstreams}
        for idea in db.session.scalars(sa.select(Idea).where(Idea.scanned_item_id.is_not(None)))
    }
    enabler_scores = _promoted_enabler_scores() if enabler_keys else {}
    labels = {key: [None] * len(rows) for key in [*workstream_keys, *enabler_keys]}
    for n, r in enumerate(rows):
        if r.status is ItemStatus.NOT_RELEVANT:
            for key in labels:
                labels[key][n] = 0
            continue
        chosen = promoted.get(r.id)
        if chosen:
            for key in workstream_keys:
                labels[key][n] = 1 if key in chosen else 0
        for key in enabler_keys:
            mean = enabler_scores.get((r.id, key))
            if mean is not None:
                labels[key][n] = 1 if mean >= ENABLER_RELEVANT_SCORE else 0
    return labels


def _promoted_enabler_scores() -> dict[tuple[int, str], float]:
    """(scanned item id, enabler topic key) to the mean submitted panel score of the idea
    promoted from that item, on that enabler."""
    found = db.session.execute(
        sa.select(Idea.scanned_item_id, Criterion.key, sa.func.avg(ReviewScore.score))
        .join(Review, Review.idea_id == Idea.id)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .where(
            Idea.scanned_item_id.is_not(None),
            Review.state == ReviewState.SUBMITTED,
            Criterion.is_enabler.is_(True),
            ReviewScore.score.is_not(None),
        )
        .group_by(Idea.scanned_item_id, Criterion.key)
    ).all()
    return {(item_id, f"{ENABLER}{key}"): float(mean) for item_id, key, mean in found}


def _store(rows, words) -> None:
    if rows:
        db.session.execute(sa.update(ScannedItem), rows)
    store_words(words)


# Reading, for the pages


def relevance_words(value: float | None) -> str:
    """A stored relevance in words for the inbox."""
    if value is None:
        return "Not scored yet"
    if value >= 0.75:
        return "Very likely relevant"
    if value >= 0.5:
        return "Likely relevant"
    if value >= 0.25:
        return "Possibly relevant"
    return "Unlikely to be relevant"
