"""The conflict check a panel member answers before first reading an assigned idea.

Answering 'no' is stored on the assignment (`conflict_checked_at`), and an audit event records
it; answering 'yes' declares the conflict and declines the assignment (see
`review_views.conflicts`).
"""

from portal import audit
from portal.clock import utcnow


def confirm_no_conflict(assignment, member) -> None:
    """Record that the member has no conflict of interest with the assignment's idea."""
    if assignment.conflict_checked_at is None:
        assignment.conflict_checked_at = utcnow()
    audit.record(member, "conflict.none_declared", assignment, idea_id=assignment.idea_id)


def conflict_check_done(assignment) -> bool:
    """Whether the member has confirmed they have no conflict with this assignment's idea."""
    return assignment.conflict_checked_at is not None
