"""Review rounds: opening them, who reviews what (manual and optimised), and closing them."""

from datetime import date, datetime, time

import numpy as np
import sqlalchemy as sa

from portal import audit, signals
from portal.auth.roles import Role
from portal.clock import LONDON, utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, Mover
from portal.ideas.models import Idea
from portal.ideas.services import move_idea
from portal.links import absolute_url
from portal.mail import queue_mail
from portal.policy import conflicted_pairs
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    PanelProfile,
    ReviewRound,
    ReviewState,
    RoundIdea,
    RoundState,
)
from portal.reviews.rubric import current_rubric
from scoring import assign_reviewers

ROUND_STATES = (IdeaState.IN_TRIAGE, IdeaState.IN_REVIEW)


class RoundError(ValueError):
    """A round change the rules refuse; the message is shown to the user."""


def deadline_from(day: date) -> datetime:
    """Deadlines close at 23:59 Europe/London on the day chosen."""
    return datetime.combine(day, time(23, 59), tzinfo=LONDON).astimezone(utcnow().tzinfo)


def open_round(
    lead,
    *,
    name,
    deadline: date,
    ideas,
    panel,
    reviews_per_idea=3,
    blind=True,
    reveal_after_submit=False,
    require_patient_partner=False,
) -> ReviewRound:
    """Open a round; its ideas move to 'in review' and their innovators are told."""
    if deadline_from(deadline) <= utcnow():
        raise RoundError("The deadline must be in the future")
    if not 1 <= reviews_per_idea <= 10:
        raise RoundError("Reviews per idea must be between 1 and 10")
    round_ = ReviewRound(
        name=name.strip(),
        deadline_at=deadline_from(deadline),
        rubric=current_rubric(),
        reviews_per_idea=reviews_per_idea,
        blind=blind,
        reveal_after_submit=reveal_after_submit,
        require_patient_partner=require_patient_partner,
        created_by_id=lead.id,
        created_at=utcnow(),
    )
    db.session.add(round_)
    db.session.flush()
    add_panel(round_, panel, lead)
    add_ideas(round_, ideas, lead)
    audit.record(
        lead,
        "round.opened",
        round_,
        name=round_.name,
        ideas=len(ideas),
        panel=len(panel),
        reviews_per_idea=reviews_per_idea,
        blind=blind,
    )
    return round_


def add_ideas(round_: ReviewRound, ideas, lead) -> int:
    """Add ideas to a round (rolling rounds take more later); return how many were new."""
    _require_open(round_)
    present = {entry.idea_id for entry in round_.entries}
    added = 0
    for idea in ideas:
        if idea.id in present:
            continue
        if idea.state not in ROUND_STATES:
            raise RoundError(
                f"{idea.reference} is '{idea.state.staff_label.lower()}': only ideas "
                "being checked or in review can go into a round"
            )
        round_.entries.append(RoundIdea(idea=idea, added_at=utcnow()))
        if idea.state is IdeaState.IN_TRIAGE:
            move_idea(
                idea,
                IdeaState.IN_REVIEW,
                lead,
                Mover.LEAD,
                "review_started",
                f"Added to review round '{round_.name}'",
            )
            if idea.owner is not None:
                queue_mail(
                    idea.owner.email,
                    f"Your idea {idea.reference} is being reviewed",
                    f'Hello {idea.owner.name},\n\nYour idea "{idea.display_title}" is '
                    "now with the independent review panel. We will tell you the "
                    "outcome and the reasons.\n",
                )
        added += 1
    db.session.flush()
    if added:
        audit.record(lead, "round.ideas_added", round_, count=added)
    return added


def add_panel(round_: ReviewRound, members, lead) -> None:
    for member in members:
        if not member.has_role(Role.PANEL_MEMBER):
            raise RoundError(f"{member.name} is not a panel member")
        if member not in round_.panel:
            round_.panel.append(member)
    db.session.flush()


def _require_open(round_):
    if not round_.is_open:
        raise RoundError("This round is closed. Reopen it first.")


def active_assignments(round_):
    return [a for a in round_.assignments if a.state is AssignmentState.ACTIVE]


def assign_manually(round_, idea, member, lead) -> Assignment:
    _require_open(round_)
    if idea.id not in {e.idea_id for e in round_.entries}:
        raise RoundError("That idea is not in this round")
    if member not in round_.panel:
        raise RoundError(f"{member.name} is not on this round's panel")
    if conflicted_pairs([member], [idea]):
        raise RoundError(f"{member.name} has a conflict of interest with {idea.reference}")
    existing = db.session.scalar(
        sa.select(Assignment).filter_by(round_id=round_.id, idea_id=idea.id, user_id=member.id)
    )
    if existing is not None and existing.state is AssignmentState.ACTIVE:
        raise RoundError(f"{member.name} is already reviewing {idea.reference}")
    if existing is not None and existing.state is AssignmentState.DECLINED:
        raise RoundError(f"{member.name} declined {idea.reference}: choose someone else")
    assignment = existing or Assignment(round=round_, idea=idea, user=member)
    assignment.state, assignment.automatic = AssignmentState.ACTIVE, False
    assignment.assigned_at, assignment.assigned_by_id = utcnow(), lead.id
    db.session.add(assignment)
    db.session.flush()
    _tell_member(member, round_, 1)
    audit.record(lead, "assignment.made", assignment, idea_id=idea.id, member_id=member.id)
    return assignment


def auto_assign(round_, lead, extra_load: int = 0, leave_out=frozenset()):
    """Top up every idea to its reviewers with the optimiser, keeping existing assignments.

    Ideas whose ids are in `leave_out` (the lead's conflicts) are not touched, nor named.
    Returns the optimiser's result, whose `message` says what could not be met.
    """
    _require_open(round_)
    ideas = [entry.idea for entry in round_.entries if entry.idea_id not in leave_out]
    members = list(round_.panel)
    if not ideas or not members:
        raise RoundError("Add ideas and panel members to the round first")
    idea_index = {idea.id: n for n, idea in enumerate(ideas)}
    member_index = {member.id: n for n, member in enumerate(members)}
    shape = (len(ideas), len(members))
    fixed, forbidden = np.zeros(shape, bool), np.zeros(shape, bool)
    for a in round_.assignments:
        if a.idea_id in idea_index and a.user_id in member_index:
            cell = idea_index[a.idea_id], member_index[a.user_id]
            if a.state is AssignmentState.ACTIVE:
                fixed[cell] = True
            else:
                forbidden[cell] = True
    conflicts = np.zeros(shape, bool)
    for member_id, idea_id in conflicted_pairs(members, ideas):
        conflicts[idea_index[idea_id], member_index[member_id]] = True
    profiles = {
        p.user_id: p
        for p in db.session.scalars(
            sa.select(PanelProfile).where(PanelProfile.user_id.in_(member_index))
        )
    }
    result = assign_reviewers(
        expertise_affinity(ideas, members, profiles),
        reviews_per_idea=round_.reviews_per_idea,
        conflicts=conflicts,
        forbidden=forbidden,
        fixed=fixed,
        patient_partners=np.array(
            [bool(profiles.get(m.id) and profiles[m.id].is_patient_partner) for m in members]
        ),
        require_patient_partner=round_.require_patient_partner,
        load_slack=1 + max(0, extra_load),
    )
    new_per_member: dict[int, int] = {}
    for i, j in result.pairs:
        idea, member = ideas[i], members[j]
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(round_id=round_.id, idea_id=idea.id, user_id=member.id)
        ) or Assignment(round=round_, idea=idea, user=member)
        assignment.state, assignment.automatic = AssignmentState.ACTIVE, True
        assignment.assigned_at, assignment.assigned_by_id = utcnow(), lead.id
        db.session.add(assignment)
        new_per_member[member.id] = new_per_member.get(member.id, 0) + 1
    db.session.flush()
    for member in members:
        if new_per_member.get(member.id):
            _tell_member(member, round_, new_per_member[member.id])
    audit.record(
        lead,
        "round.auto_assigned",
        round_,
        added=len(result.pairs),
        feasible=bool(result.feasible),
        message=result.message,
    )
    return result


def expertise_affinity(ideas, members, profiles) -> np.ndarray:
    """How well each member's stated expertise matches each idea (0 to 2)."""
    matrix = np.zeros((len(ideas), len(members)))
    for i, idea in enumerate(ideas):
        keys = {w.key for w in idea.workstreams}
        settings = set(idea.care_settings or [])
        for j, member in enumerate(members):
            profile = profiles.get(member.id)
            if profile is None:
                continue
            matrix[i, j] = bool(keys & set(profile.workstreams or [])) + bool(
                settings & set(profile.care_settings or [])
            )
    return matrix


def decline_assignment(assignment, member, reason: str) -> None:
    """A member declines an assignment with a reason; a lead then reassigns."""
    if assignment.user_id != member.id or assignment.state is not AssignmentState.ACTIVE:
        raise RoundError("This assignment is not yours to decline")
    _require_open(assignment.round)
    if assignment.review is not None and assignment.review.state is ReviewState.SUBMITTED:
        raise RoundError("You have already submitted a review for this idea")
    reason = (reason or "").strip()
    if not reason:
        raise RoundError("Enter the reason you cannot review this idea")
    assignment.state = AssignmentState.DECLINED
    assignment.declined_at, assignment.decline_reason = utcnow(), reason
    audit.record(member, "assignment.declined", assignment, reason=reason)


def remove_assignment(assignment, lead) -> None:
    _require_open(assignment.round)
    if assignment.review is not None and assignment.review.state is ReviewState.SUBMITTED:
        raise RoundError("A submitted review cannot be unassigned")
    assignment.state = AssignmentState.REMOVED
    audit.record(lead, "assignment.removed", assignment)


def close_round(round_, lead) -> None:
    _require_open(round_)
    round_.state, round_.closed_at = RoundState.CLOSED, utcnow()
    audit.record(lead, "round.closed", round_)
    signals.scores_changed.send(lead, reason=f"round closed: {round_.name}")


def reopen_round(round_, lead, reason: str, deadline: date | None = None) -> None:
    if round_.is_open:
        raise RoundError("This round is already open")
    reason = (reason or "").strip()
    if not reason:
        raise RoundError("Enter the reason for reopening the round")
    round_.state, round_.closed_at = RoundState.OPEN, None
    if deadline is not None:
        extend_deadline(round_, lead, deadline)
    audit.record(lead, "round.reopened", round_, reason=reason)


def extend_deadline(round_, lead, deadline: date) -> None:
    new = deadline_from(deadline)
    if new <= utcnow():
        raise RoundError("The new deadline must be in the future")
    old, round_.deadline_at = round_.deadline_at, new
    for member in {a.user for a in active_assignments(round_)}:
        queue_mail(
            member.email,
            f"Review deadline changed: {round_.name}",
            f"Hello {member.name},\n\nThe deadline for the review round "
            f'"{round_.name}" is now {deadline.strftime("%-d %B %Y")} at 11:59pm.\n',
        )
    audit.record(lead, "round.deadline_changed", round_, old=old.isoformat(), new=new.isoformat())


def send_reminders(round_, lead) -> int:
    """Email every member with unfinished reviews in the round; return how many."""
    _require_open(round_)
    waiting: dict = {}
    for a in active_assignments(round_):
        if a.review is None or a.review.state is not ReviewState.SUBMITTED:
            waiting.setdefault(a.user, []).append(a)
    for member, items in waiting.items():
        queue_mail(
            member.email,
            f"Reminder: {len(items)} reviews due for {round_.name}",
            f"Hello {member.name},\n\nYou have {len(items)} unfinished review"
            f'{"s" if len(items) != 1 else ""} in "{round_.name}", due by '
            f"{round_.deadline_at.astimezone(LONDON).strftime('%-d %B %Y')}.\n\n"
            f"{absolute_url('reviews.queue')}\n",
        )
    audit.record(lead, "round.reminders_sent", round_, members=len(waiting))
    return len(waiting)


def _tell_member(member, round_, count):
    queue_mail(
        member.email,
        f"New review assignment: {round_.name}",
        f"Hello {member.name},\n\nYou have {count} new idea{'s' if count != 1 else ''} "
        f'to review in "{round_.name}". Declare any conflict of interest before you '
        f"read them.\n\n{absolute_url('reviews.queue')}\n",
    )


def open_rounds():
    return db.session.scalars(
        sa.select(ReviewRound)
        .where(ReviewRound.state == RoundState.OPEN)
        .order_by(ReviewRound.deadline_at)
    ).all()


def eligible_ideas(*conditions):
    """Ideas that may join a round (and meet `conditions`), oldest first."""
    query = sa.select(Idea).where(Idea.state.in_(ROUND_STATES), *conditions)
    return db.session.scalars(query.order_by(Idea.submitted_at)).all()
