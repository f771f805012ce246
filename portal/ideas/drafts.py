"""Drafts: starting one without piling up empty ones, and deleting one nobody else has seen.

"Share a new idea" hands back the innovator's own blank draft, if they have one, rather than
starting another: a blank draft holds nothing to lose, and a person who clicks the button
twice, or comes back later and clicks it again, expects one new idea, not a list of
"Untitled idea" drafts. The draft still exists from the first click, because its reference
number heads the task list and every section's address (a draft made only at the first saved
answer would need a second, idea-less task list and section pages for no gain to the user).

A draft is the innovator's alone (nobody else may open it), so they may delete it, with its
answers and files, while it is a draft; once submitted, an idea is withdrawn instead and its
history kept. Services flush but never commit; the files' bytes are deleted in the same
transaction as the draft, as when one file is removed.
"""

import sqlalchemy as sa

from portal import audit, stored_files
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import CONTENT_FIELDS, Idea
from portal.ideas.services import IdeaError, create_draft
from portal.policy import Can, may, owns


def is_blank(idea: Idea) -> bool:
    """Whether a draft holds nothing its innovator gave: no answer, workstream, file or consent."""
    return (
        idea.state is IdeaState.DRAFT
        and not any(getattr(idea, name) for name in CONTENT_FIELDS)
        and not idea.workstreams
        and not idea.attachments
        and not idea.consent_to_share
    )


def start_draft(owner, start_token: str | None = None) -> Idea:
    """The owner's newest blank draft if they have one, else a new draft.

    A double-click finds the blank draft its first click made; two clicks racing each other
    are told apart by `start_token`, as in `create_draft`.
    """
    drafts = db.session.scalars(
        sa.select(Idea)
        .where(Idea.owner_id == owner.id, Idea.state == IdeaState.DRAFT)
        .order_by(Idea.created_at.desc(), Idea.id.desc())
    )
    blank = next((idea for idea in drafts if is_blank(idea)), None)
    return blank if blank is not None else create_draft(owner, start_token)


def deletion_refused(idea: Idea, actor) -> str | None:
    """Why `actor` may not delete `idea`, in words for them; None if they may."""
    if may(actor, Can.DELETE, idea):
        return None
    if not owns(actor, idea):
        return "Only the person who started this idea can delete it."
    return f"This idea {idea.state.phrase}, so it cannot be deleted: only a draft can be. " + (
        "You can withdraw it instead."
        if idea.state.is_open
        else "It is kept so that what happened to it stays on record."
    )


def delete_draft(idea: Idea, actor) -> None:
    """Delete a draft with its answers, timeline and files."""
    refused = deletion_refused(idea, actor)
    if refused:
        raise IdeaError(refused)
    stored_names = [attachment.stored_name for attachment in idea.attachments]
    audit.record(
        actor,
        "idea.deleted",
        idea,
        reference=idea.reference,
        title=idea.title,
        files=len(stored_names),
    )
    db.session.delete(idea)  # its versions, events, questions and attachments go with it
    stored_files.delete_files(stored_names)
    db.session.flush()
