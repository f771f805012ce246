"""Attachment services: add and remove an idea's supporting files.

Like the other services they flush but never commit, and write the audit event. A file's
bytes live in the database (`portal.stored_files`), written and deleted in the same
transaction as its record, so a failed commit never leaves a record without its bytes or
bytes without a record.
"""

from typing import BinaryIO

from portal import audit, stored_files
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.files import MAX_FILE_BYTES, MAX_FILES, StoredFile, checked_upload
from portal.ideas.models import Attachment, Idea
from portal.ideas.services import IdeaError
from portal.policy import Can, may

FULL = f"You can add up to {MAX_FILES} files. Remove one before you add another"


def check_can_change(idea: Idea, actor) -> None:
    """Refuse unless `actor` may change this idea's files now."""
    if not may(actor, Can.EDIT, idea):
        raise IdeaError(not_editable_message(idea))


def not_editable_message(idea: Idea) -> str:
    later = " You can if the programme team asks you a question about it."
    return f"This idea {idea.state.phrase}, so you cannot add or remove files now." + (
        later if idea.state.is_open else ""
    )


def check_room(idea: Idea, actor) -> None:
    """Refuse before a file is stored if the idea cannot take another one."""
    check_can_change(idea, actor)
    if len(idea.attachments) >= MAX_FILES:
        raise IdeaError(FULL)


def store_upload(
    stream: BinaryIO, filename: str | None, max_bytes: int = MAX_FILE_BYTES
) -> StoredFile:
    """Check an uploaded file and write its bytes under a new random name.

    Raises FileRejected, with a message for the user, before anything is written.
    """
    with checked_upload(stream, filename, max_bytes) as (stored, copy):
        stored_files.save_file(stored.stored_name, copy)
    db.session.flush()
    return stored


def add_attachment(idea: Idea, actor, stored: StoredFile) -> Attachment:
    """Record a stored file as one of the idea's attachments."""
    check_room(idea, actor)
    attachment = Attachment(
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_at=utcnow(),
        uploaded_by_id=actor.id,
    )
    idea.attachments.append(attachment)
    idea.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "idea.attachment_added",
        idea,
        attachment_id=attachment.id,
        name=stored.original_name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )
    return attachment


def remove_attachment(idea: Idea, actor, attachment: Attachment) -> None:
    """Remove an attachment: its record and its bytes."""
    check_can_change(idea, actor)
    if attachment.idea_id != idea.id:
        raise ValueError("attachment belongs to another idea")
    audit.record(
        actor,
        "idea.attachment_removed",
        idea,
        attachment_id=attachment.id,
        name=attachment.original_name,
        sha256=attachment.sha256,
    )
    idea.attachments.remove(attachment)  # delete-orphan deletes the row
    stored_files.delete_files([attachment.stored_name])
    idea.updated_at = utcnow()
    db.session.flush()
