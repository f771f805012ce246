"""How a person stands to an idea, as SQL conditions on the idea's row: conflicts, assignments.

Conflicts of interest are automatic (the idea is the person's own, or comes from their
organisation, unless a lead cleared that) or recorded (declared by the member, or set by a
lead). Each condition is written once, over SQL expressions for the person's id and
organisation: literals for one person (the subqueries are then uncorrelated, so the database
runs them once), or the columns of `users` to ask about many people in one query.
"""

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.ideas.models import Idea
from portal.reviews.models import Assignment, AssignmentState, Conflict, ConflictKind, ReviewRound


def _ideas_with_conflict(user_id, *conditions):
    return Idea.id.in_(sa.select(Conflict.idea_id).where(Conflict.user_id == user_id, *conditions))


def conflict_condition(user_id, organisation_id):
    """SQL truth of "this person is conflicted on the idea row"; never NULL."""
    own = sa.and_(Idea.owner_id.is_not(None), Idea.owner_id == user_id)
    declared = _ideas_with_conflict(
        user_id, Conflict.active.is_(True), Conflict.kind != ConflictKind.SAME_ORGANISATION
    )
    cleared = _ideas_with_conflict(
        user_id, Conflict.active.is_(False), Conflict.kind == ConflictKind.SAME_ORGANISATION
    )
    same_organisation = sa.and_(
        organisation_id.is_not(None),
        Idea.organisation_id.is_not(None),
        Idea.organisation_id == organisation_id,
        sa.not_(cleared),
    )
    return sa.or_(own, same_organisation, declared)


def conflicted(viewer):
    """The ideas `viewer` is conflicted on."""
    return conflict_condition(
        sa.literal(viewer.id, sa.Integer), sa.literal(viewer.organisation_id, sa.Integer)
    )


def conflicted_pairs(people, ideas) -> set[tuple[int, int]]:
    """The (person id, idea id) pairs that are conflicted, in one query."""
    people_ids = [p.id for p in people]
    idea_ids = [i.id for i in ideas]
    if not people_ids or not idea_ids:
        return set()
    query = sa.select(User.id, Idea.id).where(
        User.id.in_(people_ids),
        Idea.id.in_(idea_ids),
        conflict_condition(User.id, User.organisation_id),
    )
    return {(user_id, idea_id) for user_id, idea_id in db.session.execute(query)}


def _assigned(viewer, *conditions):
    return Idea.id.in_(
        sa.select(Assignment.idea_id)
        .join(ReviewRound)
        .where(
            Assignment.user_id == viewer.id,
            Assignment.state == AssignmentState.ACTIVE,
            *conditions,
        )
    )


def assigned(viewer):
    """The ideas `viewer` has an active assignment on, in any round."""
    return _assigned(viewer)


def reading_openly(viewer):
    """The ideas `viewer` reviews in a round that is not blind, conflict check answered.

    Blind rounds are left out: the pages this opens show who shared the idea and the files'
    own names. Blind reviewers read the idea, and its files, on their review page only.
    """
    return _assigned(
        viewer, ReviewRound.blind.is_(False), Assignment.conflict_checked_at.is_not(None)
    )
