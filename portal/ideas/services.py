"""Idea services: drafts, answers, submission, questions, decisions and versions.

Every change of state goes through `move_idea`, which checks the lifecycle table, records the
timeline event and the audit event. Services flush but never commit.
"""

from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, Mover, check_reopen, check_transition
from portal.ideas.models import CONTENT_FIELDS, Idea, IdeaEvent, IdeaQuestion, IdeaVersion
from portal.ideas.numbering import claim_sequence
from portal.ideas.reference import format_reference, period_of
from portal.links import absolute_url
from portal.mail import queue_mail
from portal.policy import Can, may

REFERENCE_ATTEMPTS = 5  # a clash (a number or start token taken meanwhile): look again


class IdeaError(ValueError):
    """A request the idea rules refuse; the message is shown to the user."""


def create_draft(owner, start_token: str | None = None) -> Idea:
    """Start a new draft idea for `owner`, with its reference number.

    Sending the same `start_token` again (a double-click) returns the draft it made.
    """
    now = utcnow()

    def made() -> Idea | None:
        return _made_by_token(owner, start_token) if start_token else None

    def draft(reference: str) -> Idea:
        return Idea(
            start_token=start_token,
            reference=reference,
            owner=owner,
            organisation_id=owner.organisation_id,
            state=IdeaState.DRAFT,
            created_at=now,
            updated_at=now,
        )

    idea, added = add_with_reference(draft, now, existing=made)
    if added:
        record_event(idea, owner, "created", message="Draft started")
        audit.record(owner, "idea.created", idea, reference=idea.reference)
    return idea


def add_with_reference(
    build: Callable[[str], Idea], now, *, existing: Callable[[], Idea | None] | None = None
) -> tuple[Idea, bool]:
    """Add the idea `build(reference)` makes under a newly claimed reference number.

    Concurrent requests claim different numbers (see `numbering`), but a number may have been
    taken otherwise, or the same start token sent twice at once: each try is added in a
    savepoint and a clash claims the next number, up to `REFERENCE_ATTEMPTS` times.
    `existing`, when given, is asked before each try for an idea that request already made (a
    draft with the same start token), which is then returned instead. Returns the idea and
    whether it was added here.
    """
    for _ in range(REFERENCE_ATTEMPTS):
        if existing is not None and (found := existing()) is not None:
            return found, False
        idea = build(_next_reference(now))
        try:
            with db.session.begin_nested():
                db.session.add(idea)
        except IntegrityError:
            continue
        return idea, True
    raise IdeaError("Could not allocate a reference number. Please try again.")


def _made_by_token(owner, token) -> Idea | None:
    idea = db.session.scalar(sa.select(Idea).filter_by(start_token=token))
    if idea is not None and idea.owner_id != owner.id:
        raise IdeaError("This form has expired. Go back and start again.")
    return idea


def _next_reference(now) -> str:
    period = period_of(now)
    return format_reference(period, claim_sequence(period))


def save_answers(idea: Idea, actor, values: dict) -> bool:
    """Store answers from one section; return True if anything changed."""
    if not may(actor, Can.EDIT, idea):
        raise IdeaError(not_editable_message(idea))
    changed = False
    for name, value in values.items():
        if name not in CONTENT_FIELDS and name not in ("workstreams", "consent_to_share"):
            raise KeyError(name)
        if isinstance(value, str):
            value = value.strip() or None
        if getattr(idea, name) != value:
            setattr(idea, name, value)
            changed = True
    if "consent_to_share" in values:
        idea.consent_at = utcnow() if idea.consent_to_share else None
    if changed:
        idea.updated_at = utcnow()
        db.session.flush()
        if idea.state is not IdeaState.DRAFT:
            record_version(idea, actor)
    return changed


def not_editable_message(idea) -> str:
    """Why `idea` cannot be changed now, in words for its innovator."""
    if idea.state is IdeaState.DRAFT:
        return "Only the person who started this idea can change it."
    later = " You can change it if the programme team asks you a question about it."
    return f"This idea {idea.state.phrase}, so it cannot be changed now." + (
        later if idea.state.is_open else ""
    )


def record_version(idea: Idea, actor) -> IdeaVersion | None:
    """Snapshot the idea's text if it differs from the latest version."""
    content = idea.content()
    latest = idea.versions[-1] if idea.versions else None
    if latest is not None and latest.content == content:
        return None
    idea.version_number += 1
    version = IdeaVersion(
        idea=idea,
        number=idea.version_number,
        created_at=utcnow(),
        created_by_id=getattr(actor, "id", None),
        content=content,
    )
    db.session.add(version)
    if idea.version_number > 1:
        record_event(idea, actor, "edited", message=f"Version {idea.version_number} saved")
    return version


def move_idea(
    idea: Idea,
    target: IdeaState,
    actor,
    mover: Mover,
    kind: str,
    message=None,
    visible_to_innovator=True,
    reopening=False,
) -> IdeaEvent:
    """The one place an idea changes state: check the table, then record why.

    `reopening` checks the lead-only REOPENS table instead (a decision being reopened).
    """
    (check_reopen if reopening else check_transition)(idea.state, target, mover)
    previous, idea.state = idea.state, target
    idea.updated_at = utcnow()
    event = record_event(idea, actor, kind, previous, target, message, visible_to_innovator)
    audit.record(actor, f"idea.{kind}", idea, from_state=previous.value, to_state=target.value)
    return event


def submit_idea(idea: Idea, actor, missing_sections: list[str]) -> None:
    """Submit a complete draft: version 1, a timeline entry and a confirmation email."""
    if idea.state is not IdeaState.DRAFT:
        raise IdeaError("This idea has already been submitted.")
    if missing_sections:
        raise IdeaError("Complete every section before you submit: " + ", ".join(missing_sections))
    if not idea.consent_to_share:
        raise IdeaError("Confirm that your idea can be shared with the review panel")
    move_idea(idea, IdeaState.SUBMITTED, actor, Mover.OWNER, "submitted", "Idea submitted")
    idea.submitted_at = utcnow()
    record_version(idea, actor)
    link = absolute_url("ideas.show", reference=idea.reference)
    queue_mail(
        actor.email,
        f"We have received your idea {idea.reference}",
        f'Hello {actor.name},\n\nThank you for sharing your idea "{idea.display_title}" with '
        f"the {current_app.config['SERVICE_NAME']}. Your reference number is {idea.reference}.\n\n"
        "What happens next: a programme lead will check your idea, usually within 10 working "
        "days. They may ask you a question. If it fits the programme's priorities, an "
        "independent panel will review it.\n\n"
        f"You can see where your idea stands at any time:\n{link}\n",
    )


def accept_into_triage(idea: Idea, lead) -> None:
    move_idea(idea, IdeaState.IN_TRIAGE, lead, Mover.LEAD, "accepted", "Accepted for checking")


def ask_question(idea: Idea, lead, question: str) -> IdeaQuestion:
    """Ask the innovator a question; the idea waits in 'information requested'."""
    question = (question or "").strip()
    if not question:
        raise IdeaError("Enter your question")
    returning_to = idea.state
    move_idea(idea, IdeaState.INFORMATION_REQUESTED, lead, Mover.LEAD, "question_asked", question)
    asked = IdeaQuestion(
        idea=idea,
        asked_by_id=lead.id,
        asked_at=utcnow(),
        question=question,
        return_state=returning_to,
    )
    db.session.add(asked)
    if idea.owner is not None:
        queue_mail(
            idea.owner.email,
            f"A question about your idea {idea.reference}",
            f"Hello {idea.owner.name},\n\nThe programme team has a question about your idea "
            f'"{idea.display_title}":\n\n{question}\n\nAnswer it, and change your idea if you '
            f"need to, here:\n{absolute_url('ideas.show', reference=idea.reference)}\n",
        )
    return asked


def answer_question(idea: Idea, owner, answer: str) -> None:
    """Answer the open question; the idea returns to where it was."""
    question = idea.open_question
    if question is None or idea.state is not IdeaState.INFORMATION_REQUESTED:
        raise IdeaError("There is no open question to answer on this idea.")
    answer = (answer or "").strip()
    if not answer:
        raise IdeaError("Enter your answer")
    move_idea(idea, question.return_state, owner, Mover.OWNER, "question_answered", answer)
    question.answer, question.answered_at, question.answered_by_id = answer, utcnow(), owner.id


# How a triage decline is recorded. The pipeline registers its own at start-up, so a decline
# is a stage-gate decision like any other (scores kept, the innovator told) though this part
# knows nothing of decisions.
_decline_recorders: list = []


def record_declines_with(record):
    """Register `record(idea, lead, reason)`, which declines an idea or raises `IdeaError`."""
    _decline_recorders[:] = [record]
    return record


def decline_idea(idea: Idea, lead, reason: str) -> None:
    """Decline an idea from triage, as the registered recorder does it."""
    reason = (reason or "").strip()
    if not reason:
        raise IdeaError("Enter the reason for declining, which the innovator will see")
    if not _decline_recorders:
        raise RuntimeError("no part of the portal records triage declines")
    _decline_recorders[0](idea, lead, reason)


def withdraw_idea(idea: Idea, owner, reason: str | None) -> None:
    move_idea(
        idea, IdeaState.WITHDRAWN, owner, Mover.OWNER, "withdrawn", (reason or "").strip() or None
    )


def record_event(idea, actor, kind, from_state=None, to_state=None, message=None, visible=True):
    """Add a timeline event for `idea` (shown to its innovator when `visible`)."""
    event = IdeaEvent(
        idea=idea,
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        message=message,
        visible_to_innovator=visible,
    )
    db.session.add(event)
    return event
