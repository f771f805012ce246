"""Recording conflicts of interest: declared by members, set or cleared by leads.

Whether someone is conflicted is the policy's question (`portal.policy.conflicted_pairs`):
automatic conflicts (their own idea, their organisation's) are never stored, except a lead's
clearing of the organisation one.
"""

import sqlalchemy as sa

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.reviews.models import Conflict, ConflictKind


class ConflictError(ValueError):
    """A conflict change the rules refuse; the message is shown to the user."""


def _records(user_ids, idea_ids):
    return db.session.scalars(
        sa.select(Conflict).where(Conflict.user_id.in_(user_ids), Conflict.idea_id.in_(idea_ids))
    ).all()


def declare_conflict(member, idea, kind: ConflictKind, detail: str | None, actor=None):
    """Record a conflict (declared by the member, or by a lead on their behalf)."""
    if kind is ConflictKind.SAME_ORGANISATION:
        raise ConflictError("Same-organisation conflicts are found automatically")
    detail = (detail or "").strip() or None
    if kind is ConflictKind.OTHER and not detail:
        raise ConflictError("Describe the conflict of interest")
    record = db.session.scalar(
        sa.select(Conflict).filter_by(user_id=member.id, idea_id=idea.id, kind=kind)
    )
    if record is None:
        record = Conflict(user_id=member.id, idea_id=idea.id, kind=kind)
        db.session.add(record)
    record.active, record.detail = True, detail
    record.recorded_by_id, record.recorded_at = (actor or member).id, utcnow()
    db.session.flush()
    audit.record(
        actor or member,
        "conflict.declared",
        record,
        idea_id=idea.id,
        member_id=member.id,
        kind=kind.value,
    )
    return record


def clear_conflict(member, idea, lead, reason: str):
    """A lead clears a member's conflicts on an idea (the automatic one too), with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ConflictError("Enter the reason for clearing the conflict")
    for record in _records([member.id], [idea.id]):
        record.active, record.changed_reason = False, reason
    same_org = db.session.scalar(
        sa.select(Conflict).filter_by(
            user_id=member.id, idea_id=idea.id, kind=ConflictKind.SAME_ORGANISATION
        )
    )
    if same_org is None:
        db.session.add(
            Conflict(
                user_id=member.id,
                idea_id=idea.id,
                kind=ConflictKind.SAME_ORGANISATION,
                active=False,
                recorded_by_id=lead.id,
                recorded_at=utcnow(),
                changed_reason=reason,
            )
        )
    db.session.flush()
    audit.record(
        lead,
        "conflict.cleared",
        object_type="conflicts",
        object_id=f"{member.id}:{idea.id}",
        reason=reason,
    )
