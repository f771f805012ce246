"""Scanned items added to ideas already in the pipeline, as evidence for them.

When a scanned item describes an idea the pipeline already holds, a lead adds the item to
that idea rather than promoting it as a second idea. The item then shows with the idea's
related literature on the lead's page, leaves the inbox (status `EVIDENCE`, unless it was
promoted itself), and counts as relevant for the screening model. Each addition and removal
is audited and put on the idea's timeline (for leads, not the innovator). Only a lead who may
decide on the idea (`Can.DECIDE`: not one conflicted on it) may add or remove its evidence.
Removing an item's last link puts the item back where it stood in triage.
"""

import sqlalchemy as sa

from portal import audit, policy
from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.models import ItemEvidence, ItemStatus, ScannedItem
from portal.horizon.triage import TriageError, rescore_items
from portal.ideas import services as idea_services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.policy import Can


def idea_by_reference(reference: str, viewer) -> Idea | None:
    """The idea with this reference if `viewer` may see it (else None, as if there were none)."""
    idea = db.session.scalar(sa.select(Idea).filter_by(reference=reference.strip().upper()))
    return idea if idea is not None and policy.may(viewer, Can.SEE, idea) else None


def check_may_add(item: ScannedItem, idea: Idea, lead) -> None:
    """Refuse, with a message the lead can act on, evidence that may not be added."""
    if not policy.may(lead, Can.DECIDE, idea):
        raise TriageError(
            f"You cannot add evidence to {idea.reference} because you have a conflict of "
            "interest with it. Ask another programme lead."
        )
    if idea.state is IdeaState.WITHDRAWN:
        raise TriageError(f"{idea.reference} has been withdrawn, so it takes no more evidence.")
    if idea.scanned_item_id == item.id:
        raise TriageError(f"{idea.reference} was promoted from this item: they are linked already.")
    if _link(item, idea) is not None:
        raise TriageError(f"This item is already evidence for {idea.reference}.")


def add_evidence(item: ScannedItem, idea: Idea, lead) -> ItemEvidence:
    """Link the item to the idea as evidence; take the item out of the inbox; rescore."""
    check_may_add(item, idea, lead)
    now, before = utcnow(), item.status
    if before is ItemStatus.EVIDENCE:  # evidence for another idea already: keep the first
        before = db.session.scalar(
            sa.select(ItemEvidence.item_status_before)
            .where(ItemEvidence.item_id == item.id)
            .order_by(ItemEvidence.id)
            .limit(1)
        )
    link = ItemEvidence(
        idea_id=idea.id,
        item_id=item.id,
        item_status_before=before or ItemStatus.RELEVANT,
        added_by_id=lead.id,
        added_at=now,
    )
    db.session.add(link)
    changed = item.status not in (ItemStatus.PROMOTED, ItemStatus.EVIDENCE)
    if changed:
        item.status, item.triaged_by_id, item.triaged_at = ItemStatus.EVIDENCE, lead.id, now
    _record(
        lead, item, idea, "evidence_added", "scanned_item.added_as_evidence", "added as evidence"
    )
    if changed:
        rescore_items(lead, "item added as evidence")
    return link


def remove_evidence(link: ItemEvidence, lead) -> None:
    """Unlink the item from the idea; with no link left, the item goes back where it was."""
    item, idea = link.item, link.idea
    if not policy.may(lead, Can.DECIDE, idea):
        raise TriageError(
            f"You cannot change the evidence for {idea.reference} because you have a conflict "
            "of interest with it."
        )
    db.session.delete(link)
    db.session.flush()
    remaining = db.session.scalar(sa.select(sa.func.count()).where(ItemEvidence.item_id == item.id))
    restored = not remaining and item.status is ItemStatus.EVIDENCE
    if restored:
        item.status = link.item_status_before
        item.triaged_by_id, item.triaged_at = lead.id, utcnow()
    _record(
        lead,
        item,
        idea,
        "evidence_removed",
        "scanned_item.evidence_removed",
        "removed from the evidence",
    )
    if restored:
        rescore_items(lead, "evidence removed")


def evidence_link(item_id: int, reference: str) -> ItemEvidence | None:
    return db.session.scalar(
        sa.select(ItemEvidence)
        .join(Idea, Idea.id == ItemEvidence.idea_id)
        .where(ItemEvidence.item_id == item_id, Idea.reference == reference.upper())
    )


def evidence_for(idea: Idea) -> list[ItemEvidence]:
    """The items added to the idea as evidence, in the order they were added."""
    return list(
        db.session.scalars(
            sa.select(ItemEvidence)
            .where(ItemEvidence.idea_id == idea.id)
            .order_by(ItemEvidence.added_at, ItemEvidence.id)
        )
    )


def supported_ideas(item: ScannedItem, viewer) -> list[ItemEvidence]:
    """The links from the item to ideas `viewer` may see."""
    links = db.session.scalars(
        sa.select(ItemEvidence)
        .join(Idea, Idea.id == ItemEvidence.idea_id)
        .where(ItemEvidence.item_id == item.id, policy.clause(viewer, Can.SEE))
        .order_by(ItemEvidence.added_at, ItemEvidence.id)
    )
    return list(links)


def _link(item: ScannedItem, idea: Idea) -> ItemEvidence | None:
    return db.session.scalar(
        sa.select(ItemEvidence).where(
            ItemEvidence.item_id == item.id, ItemEvidence.idea_id == idea.id
        )
    )


def _record(lead, item, idea, event: str, action: str, what: str) -> None:
    """Note the change on the idea's timeline (leads only) and in the audit trail."""
    title = (item.title or "Untitled item")[:200]
    message = f"Scanned item {what}: '{title}'."
    idea_services.record_event(idea, lead, event, message=message, visible=False)
    audit.record(lead, action, item, title=title, idea=idea.reference)
    db.session.flush()
