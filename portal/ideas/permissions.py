"""Object-level rules: who may see, edit and move an idea."""

from portal.auth.roles import Role
from portal.ideas.lifecycle import IdeaState

EDITABLE_STATES = frozenset({IdeaState.DRAFT, IdeaState.INFORMATION_REQUESTED})


def is_owner(user, idea) -> bool:
    return user.is_authenticated and idea.owner_id == user.id


def is_lead(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PROGRAMME_LEAD)


def can_view(user, idea) -> bool:
    """Owners see their ideas; leads see every submitted idea (never others' drafts)."""
    if is_owner(user, idea):
        return True
    return is_lead(user) and idea.state is not IdeaState.DRAFT


def can_edit(user, idea) -> bool:
    """Only the owner edits, and only a draft or an idea they have been asked about."""
    return is_owner(user, idea) and idea.state in EDITABLE_STATES
