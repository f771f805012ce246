"""Object-level rules: who may see, edit and move an idea."""

from portal.auth.roles import Role
from portal.ideas.lifecycle import IdeaState

EDITABLE_STATES = frozenset({IdeaState.DRAFT, IdeaState.INFORMATION_REQUESTED})


def is_owner(user, idea) -> bool:
    return user.is_authenticated and idea.owner_id == user.id


def is_lead(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PROGRAMME_LEAD)


def can_view(user, idea) -> bool:
    """Owners see their ideas; leads see every submitted idea (never others' drafts); panel
    members see the ideas they are reviewing in rounds that are not blind."""
    if is_owner(user, idea):
        return True
    if is_lead(user) and idea.state is not IdeaState.DRAFT:
        return True
    return is_open_reviewer(user, idea)


def is_open_reviewer(user, idea) -> bool:
    """A panel member with an active assignment on the idea in a round that is not blind,
    no conflict of interest with it, and the conflict check answered.

    Blind rounds are left out: the pages this opens show who shared the idea and the files'
    own names. Blind reviewers read the idea, and its files, on their review page only.
    """
    if not (user.is_authenticated and user.has_role(Role.PANEL_MEMBER)):
        return False
    if idea.state is IdeaState.DRAFT:
        return False
    from portal.reviews.conflict_check import reviewer_assignment  # circular at import time

    return reviewer_assignment(user, idea, blind=False) is not None


def can_edit(user, idea) -> bool:
    """Only the owner edits, and only a draft or an idea they have been asked about."""
    return is_owner(user, idea) and idea.state in EDITABLE_STATES
