"""Who may find what: the same rules as the idea pages, as index filters and SQL.

Innovators find their own ideas; panel members the ideas they are reviewing in rounds that are
not blind, with no conflict; leads every idea past draft except those they are conflicted on.
Everyone signed in finds scanned items. A withdrawn idea is found by nobody.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from whoosh import query as wq

from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea


@dataclass
class Scope:
    user_id: int
    lead: bool = False
    assigned: set[int] = field(default_factory=set)  # panel: ideas open to them
    conflicted: set[int] = field(default_factory=set)  # lead: ideas hidden from them

    def may_see(self, idea) -> bool:
        if idea.state is IdeaState.WITHDRAWN:
            return False
        if idea.owner_id == self.user_id:
            return True
        if idea.id in self.assigned:
            return True
        return self.lead and idea.state is not IdeaState.DRAFT and idea.id not in self.conflicted

    def allow(self):
        """The index filter: the documents this viewer may find (before the database check)."""
        allowed = [wq.Term("type", "item"), wq.Term("owner", str(self.user_id))]
        allowed += [wq.Term("doc_id", f"idea:{i}") for i in sorted(self.assigned)]
        if self.lead:
            allowed.append(wq.And([wq.Term("type", "idea"), wq.Not(wq.Term("stage", "draft"))]))
        return wq.Or(allowed)

    def deny(self, also=()):
        """The index mask: conflicted ideas (never the viewer's own) and `also`."""
        keys = [f"idea:{i}" for i in sorted(self.conflicted)] + list(also)
        return wq.Or([wq.Term("doc_id", k) for k in keys]) if keys else None

    def idea_clause(self):
        """SQL: the ideas this viewer may find."""
        own = Idea.owner_id == self.user_id
        options = [own, Idea.id.in_(self.assigned or [-1])]
        if self.lead:
            options.append(
                sa.and_(Idea.state != IdeaState.DRAFT, Idea.id.not_in(self.conflicted or [-1]))
            )
        return sa.and_(Idea.state != IdeaState.WITHDRAWN, sa.or_(*options))


def scope_for(user) -> Scope:
    """Work out, in a few queries, what `user` may find."""
    from portal.pipeline.ranking import conflict_clause

    scope = Scope(user_id=user.id, lead=user.has_role(Role.PROGRAMME_LEAD))
    if scope.lead:
        scope.conflicted = set(
            db.session.scalars(
                sa.select(Idea.id).where(
                    conflict_clause(user), Idea.owner_id.is_distinct_from(user.id)
                )
            )
        )
    if user.has_role(Role.PANEL_MEMBER):
        scope.assigned = _open_assignments(user)
    return scope


def _open_assignments(user) -> set[int]:
    from portal.reviews.conflict_check import checked_assignments
    from portal.reviews.models import Assignment, AssignmentState, ReviewRound

    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(ReviewRound)
        .join(Idea, Idea.id == Assignment.idea_id)
        .where(
            Assignment.user_id == user.id,
            Assignment.state == AssignmentState.ACTIVE,
            ReviewRound.blind.is_(False),
            Idea.state.not_in([IdeaState.DRAFT, IdeaState.WITHDRAWN]),
        )
    ).all()
    if not assignments:
        return set()
    from portal.pipeline.ranking import conflict_clause

    conflicted = set(
        db.session.scalars(
            sa.select(Idea.id).where(
                Idea.id.in_({a.idea_id for a in assignments}), conflict_clause(user)
            )
        )
    )
    checked = checked_assignments(assignments)
    return {a.idea_id for a in assignments if a.id in checked and a.idea_id not in conflicted}
