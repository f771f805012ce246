"""Promote a scanned item into the idea pipeline, and find literature and ideas alike.

A promoted item becomes an idea with `source = horizon_scan`, linked to its item, that enters
triage as a submitted idea does. The promoting lead is recorded as `promoted_by`, not as the
owner: an owner is an innovator and is conflicted on their idea, so an owning lead could no
longer see or rank it. Similarity (near-duplicates before promoting, the evidence radar) is
TF-IDF cosine similarity, from the scoring library's `NearDuplicateFinder`.
"""

import sqlalchemy as sa
from flask import current_app

from portal import audit, page_cache, policy, signals
from portal.cleaning import strip_invisible
from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.item_words import item_text
from portal.horizon.models import ItemStatus, ScannedItem
from portal.horizon.triage import ENABLER, TriageError, rescore_items
from portal.ideas import services as idea_services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaSource, Workstream
from portal.policy import Can
from scoring import NearDuplicateFinder, word_tfidf

SIMILARITY_FLOOR = 0.1  # below this, texts share little more than common words
RELATED_LIMIT = 5


def promote_item(item: ScannedItem, lead, *, title=None, workstreams=None) -> Idea:
    """Make the item an idea in triage, linked to it, with the title and workstreams the lead
    chose (by default the item's title and `suggested_workstreams`); mark the item promoted;
    rescore."""
    if item.status is ItemStatus.PROMOTED or _idea_of(item) is not None:
        raise TriageError("This item has already been promoted to the pipeline.")
    now = utcnow()
    fields = idea_fields(item)
    if title is not None:
        fields["title"] = strip_invisible(title).strip()[:150]

    def promoted(reference: str) -> Idea:
        idea = Idea(
            reference=reference,
            source=IdeaSource.HORIZON_SCAN,
            state=IdeaState.SUBMITTED,
            scanned_item_id=item.id,
            promoted_by_id=lead.id,
            created_at=now,
            updated_at=now,
            submitted_at=now,
            consent_to_share=True,
            consent_at=now,
            **fields,
        )
        idea.workstreams = (
            list(workstreams) if workstreams is not None else suggested_workstreams(item)
        )
        return idea

    try:
        idea, _ = idea_services.add_with_reference(promoted, now)
    except idea_services.IdeaError as error:
        raise TriageError(str(error)) from error
    idea_services.record_event(
        idea, lead, "promoted", None, IdeaState.SUBMITTED, f"Promoted from '{item.title}'"
    )
    audit.record(
        lead,
        "idea.promoted",
        idea,
        reference=idea.reference,
        scanned_item=item.id,
        title=idea.title,
        workstreams=[w.key for w in idea.workstreams],
    )
    idea_services.record_version(idea, lead)
    idea_services.accept_into_triage(idea, lead)
    item.status, item.triaged_by_id, item.triaged_at = ItemStatus.PROMOTED, lead.id, now
    audit.record(lead, "scanned_item.promoted", item, title=item.title[:200], idea=idea.reference)
    db.session.flush()
    signals.scores_changed.send(lead, reason="idea promoted")
    rescore_items(lead, "item promoted")
    return idea


def idea_fields(item: ScannedItem) -> dict:
    """The idea's text from the item: title, the abstract as summary, where it came from."""
    link = f"https://doi.org/{item.doi}" if item.doi else item.link
    authors = ", ".join(item.authors[:6]) + (" and others" if len(item.authors) > 6 else "")
    published = item.published_at.strftime("%-d %B %Y") if not item.published_guessed else None
    source = " ".join(
        part
        for part in (
            f"'{item.title}'.",
            f"{authors}." if authors else "",
            f"Published {published}." if published else "",
            f"DOI {item.doi}." if item.doi else "",
            f"PMID {item.pmid}." if item.pmid else "",
            link or "",
        )
        if part
    )
    return {
        "title": strip_invisible(item.title or "Untitled item")[:150],
        "summary": item.summary or item.title,
        "problem_evidence": f"Published literature found by horizon scanning: {source}",
        "evidence": source,
    }


def suggested_workstreams(item: ScannedItem) -> list[Workstream]:
    """The workstreams the item is likely relevant to (at least its best one)."""
    scores = {
        key: value
        for key, value in (item.topic_relevance or {}).items()
        if not key.startswith(ENABLER)
    }
    if not scores:
        return []
    best = max(scores.values())
    # its best workstream, and any other nearly as likely
    chosen = [
        key for key, value in scores.items() if value == best or value >= max(0.5, 0.8 * best)
    ]
    return list(
        db.session.scalars(
            sa.select(Workstream).where(Workstream.key.in_(chosen), Workstream.active)
        )
    )


def _idea_of(item: ScannedItem) -> Idea | None:
    return db.session.scalar(sa.select(Idea).where(Idea.scanned_item_id == item.id))


def promoted_idea(item: ScannedItem, viewer) -> Idea | None:
    """The idea made from the item, if it was promoted and `viewer` may see it."""
    idea = _idea_of(item)
    return idea if idea is not None and policy.may(viewer, Can.SEE, idea) else None


# Similarity


def similarity_words(value: float) -> str:
    if value >= 0.5:
        return "Very similar"
    if value >= 0.3:
        return "Similar"
    return "Somewhat similar"


def similar_ideas(item: ScannedItem, viewer, limit=RELATED_LIMIT) -> list[tuple[Idea, float]]:
    """The ideas most like the item among those `viewer` may see ranked against others."""
    ideas = db.session.scalars(
        sa.select(Idea)
        .where(policy.clause(viewer, Can.SEE_SCORES))
        .where(sa.or_(Idea.scanned_item_id.is_(None), Idea.scanned_item_id != item.id))
        .order_by(Idea.id)
    ).all()
    texts = [idea.similarity_text for idea in ideas]
    if not any(t.strip() for t in texts):
        return []
    try:
        finder = _finder(limit).fit(texts)
    except ValueError:
        return []
    found = finder.kneighbors([item_text(item.title, item.summary) or "untitled"])[0]
    return [(ideas[j], float(s)) for j, s in found if s >= SIMILARITY_FLOOR]


def related_items(idea: Idea, limit=RELATED_LIMIT) -> list[tuple[ScannedItem, float]]:
    """The scanned items most like the idea (its own item aside)."""
    index = _item_index()
    if index is None:
        return []
    ids, finder = index
    found = finder.kneighbors([idea.similarity_text or "untitled"], n_neighbors=limit + 1)[0]
    wanted = [(ids[j], float(s)) for j, s in found if s >= SIMILARITY_FLOOR]
    wanted = [(i, s) for i, s in wanted if i != idea.scanned_item_id][:limit]
    items = {
        i.id: i
        for i in db.session.scalars(
            sa.select(ScannedItem).where(ScannedItem.id.in_([i for i, _ in wanted]))
        )
    }
    return [(items[i], s) for i, s in wanted if i in items]


def _finder(n_neighbors=RELATED_LIMIT) -> NearDuplicateFinder:
    # word TF-IDF: character n-grams (the finder's default, tuned on ideas) took 18 s to
    # index 5,000 abstracts
    return NearDuplicateFinder(n_neighbors=n_neighbors, vectorizer=word_tfidf((1, 1)))


def _item_index():
    """Every item's text indexed for similarity, reused until items are added or removed
    (an item's text never changes; triage and rescoring do not touch it)."""
    key = tuple(
        db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.max(ScannedItem.id),
                sa.func.sum(sa.func.length(ScannedItem.title)),
                sa.func.sum(sa.func.length(ScannedItem.summary)),
            ).select_from(ScannedItem)
        ).one()
    )
    cache = page_cache.for_app(current_app._get_current_object(), "horizon_radar")
    found = cache.get(key)
    if found is None:
        rows = db.session.execute(
            sa.select(ScannedItem.id, ScannedItem.title, ScannedItem.summary).order_by(
                ScannedItem.id
            )
        ).all()
        if not rows:
            return None
        try:
            finder = _finder().fit([item_text(r.title, r.summary) for r in rows])
        except ValueError:
            return None
        found = ([r.id for r in rows], finder)
        cache.clear()  # one index per app is enough
        cache.put(key, found)
    return found
