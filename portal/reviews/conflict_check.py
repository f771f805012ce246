"""The conflict check a panel member answers before first reading an assigned idea.

Answering 'no' is recorded as an audit event on the assignment (no column needed); answering
'yes' declares the conflict and declines the assignment (see `review_views.conflicts`).
"""

import sqlalchemy as sa

from portal import audit
from portal.audit import AuditEvent
from portal.extensions import db
from portal.reviews.conflicts import conflicted_pairs
from portal.reviews.models import Assignment, AssignmentState, ReviewRound

NONE_DECLARED = "conflict.none_declared"


def confirm_no_conflict(assignment, member) -> None:
    """Record that the member has no conflict of interest with the assignment's idea."""
    audit.record(member, NONE_DECLARED, assignment, idea_id=assignment.idea_id)


def conflict_check_done(assignment) -> bool:
    """Whether the member has confirmed they have no conflict with this assignment's idea."""
    return bool(checked_assignments([assignment]))


def checked_assignments(assignments) -> set[int]:
    """The ids of those assignments whose member has confirmed no conflict, in one query."""
    by_id = {str(a.id): a for a in assignments}
    rows = db.session.execute(
        sa.select(AuditEvent.object_id, AuditEvent.actor_id).where(
            AuditEvent.action == NONE_DECLARED,
            AuditEvent.object_type == Assignment.__tablename__,
            AuditEvent.object_id.in_(by_id),
        )
    )
    return {by_id[oid].id for oid, actor_id in rows if actor_id == by_id[oid].user_id}


def reviewer_assignment(user, idea, blind=None) -> Assignment | None:
    """The user's active, unconflicted, conflict-checked assignment on the idea, if any.

    `blind` False keeps only rounds that are not blind.
    """
    query = (
        sa.select(Assignment)
        .join(ReviewRound)
        .where(
            Assignment.user_id == user.id,
            Assignment.idea_id == idea.id,
            Assignment.state == AssignmentState.ACTIVE,
        )
    )
    if blind is not None:
        query = query.where(ReviewRound.blind.is_(blind))
    found = db.session.scalars(query.order_by(Assignment.id)).all()
    if not found or conflicted_pairs([user], [idea]):
        return None
    checked = checked_assignments(found)
    return next((a for a in found if a.id in checked), None)
