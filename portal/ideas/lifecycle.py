"""The idea lifecycle: every state an idea can be in and the one table of allowed moves.

Every service that changes an idea's state calls `check_transition` (through
`portal.ideas.services.move_idea`); nothing else assigns `Idea.state`.

Each state has two names, in the one table `STATE_NAMES`: `label`, the innovator's ("Question
for you", on the pages and emails the person who shared the idea reads), and `staff_label`,
the programme's working name ("Waiting for the innovator", on the pages leads, panel members
and admins read). Search takes either, and the code, in a `stage:` query.
"""

import enum
from typing import NamedTuple


class IdeaState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_TRIAGE = "in_triage"
    INFORMATION_REQUESTED = "information_requested"
    IN_REVIEW = "in_review"
    SHORTLISTED = "shortlisted"
    IN_PILOT = "in_pilot"
    ADOPTED = "adopted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The innovator's name for the state: for the pages and emails they read."""
        return STATE_NAMES[self].innovator

    @property
    def staff_label(self) -> str:
        """The programme's name for the state: for leads', panel members' and admins' pages."""
        return STATE_NAMES[self].staff

    def label_for(self, mover: "Mover") -> str:
        """The name the person making a move reads (a lead, or the idea's owner)."""
        return self.staff_label if mover is Mover.LEAD else self.label

    @property
    def explanation(self) -> str:
        """What the state means, for the innovator."""
        return STATE_NAMES[self].explanation

    @property
    def phrase(self) -> str:
        """Where an idea in this state stands, to follow "This idea ..."."""
        return STATE_PHRASES[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATES


class Mover(enum.StrEnum):
    """Who makes a move: the idea's owner (innovator) or a programme lead."""

    OWNER = "owner"
    LEAD = "lead"


S = IdeaState
CLOSED_STATES = frozenset({S.ADOPTED, S.DECLINED, S.WITHDRAWN})
QUESTIONABLE_STATES = (S.SUBMITTED, S.IN_TRIAGE, S.IN_REVIEW)
_AFTER_SUBMISSION = [s for s in S if s is not S.DRAFT and s not in CLOSED_STATES]

# (from, to) -> who may make the move
TRANSITIONS: dict[tuple[IdeaState, IdeaState], Mover] = {
    (S.DRAFT, S.SUBMITTED): Mover.OWNER,
    (S.SUBMITTED, S.IN_TRIAGE): Mover.LEAD,
    (S.IN_TRIAGE, S.IN_REVIEW): Mover.LEAD,
    (S.IN_REVIEW, S.SHORTLISTED): Mover.LEAD,
    (S.SHORTLISTED, S.IN_PILOT): Mover.LEAD,
    (S.IN_PILOT, S.ADOPTED): Mover.LEAD,
    **{(s, S.INFORMATION_REQUESTED): Mover.LEAD for s in QUESTIONABLE_STATES},
    # answering the question returns the idea to where it was
    **{(S.INFORMATION_REQUESTED, s): Mover.OWNER for s in QUESTIONABLE_STATES},
    **{(s, S.DECLINED): Mover.LEAD for s in _AFTER_SUBMISSION},
    **{(s, S.WITHDRAWN): Mover.OWNER for s in _AFTER_SUBMISSION},
}

# While an idea is being triaged, a lead accepts it, asks its innovator a question or declines
# it with the triage forms on its page. Those moves are also lifecycle decisions, but the
# page's decision form leaves them out (`triage_moves`), so a lead is offered each move once.
TRIAGE_STATES = (S.SUBMITTED, S.IN_TRIAGE, S.INFORMATION_REQUESTED)
TRIAGE_MOVES = frozenset({S.IN_TRIAGE, S.INFORMATION_REQUESTED, S.DECLINED})

# Reopening a lead's decision sends the idea back to the state the decision found it in:
# (current, back to). These moves are kept out of TRANSITIONS on purpose, so closed states stay
# closed in ordinary work; only `portal.pipeline.decisions.reopen_decision` (a lead, with a
# reason, audited) makes them, through `check_reopen`. A question is answered, never reopened.
REOPENS: frozenset[tuple[IdeaState, IdeaState]] = frozenset(
    (to, frm)
    for (frm, to), who in TRANSITIONS.items()
    if who is Mover.LEAD and to is not S.INFORMATION_REQUESTED
)


class StateNames(NamedTuple):
    staff: str
    innovator: str
    explanation: str  # to the innovator


STATE_NAMES = {
    S.DRAFT: StateNames("Draft", "Draft", "You have not submitted this idea yet."),
    S.SUBMITTED: StateNames(
        "Submitted",
        "Submitted",
        "The programme team will check your idea, usually within 10 working days.",
    ),
    S.IN_TRIAGE: StateNames(
        "In triage",
        "Being checked",
        "The programme team is checking your idea against the programme's priorities.",
    ),
    S.INFORMATION_REQUESTED: StateNames(
        "Waiting for the innovator",
        "Question for you",
        "The programme team has asked you a question. Answer it so your idea can move on.",
    ),
    S.IN_REVIEW: StateNames(
        "In review", "With the review panel", "An independent panel is scoring your idea."
    ),
    S.SHORTLISTED: StateNames(
        "Shortlisted",
        "Shortlisted",
        "Your idea has been shortlisted. The programme team will contact you about next steps.",
    ),
    S.IN_PILOT: StateNames("In pilot", "Being piloted", "Your idea is being tested in practice."),
    S.ADOPTED: StateNames(
        "Adopted", "Adopted", "Your idea has been adopted into a programme workstream."
    ),
    S.DECLINED: StateNames(
        "Not taken forward",
        "Not taken forward",
        "The programme team has decided not to take this idea forward.",
    ),
    S.WITHDRAWN: StateNames("Withdrawn", "Withdrawn", "This idea has been withdrawn."),
}


# Where an idea stands, after "This idea ...", and what a refused move would have done, after
# "..., so ...": refusals are read by innovators and leads, so they say what happened in words,
# never a state's name.
STATE_PHRASES = {
    S.DRAFT: "has not been submitted yet",
    S.SUBMITTED: "has been submitted and is waiting to be checked",
    S.IN_TRIAGE: "is being checked by the programme team",
    S.INFORMATION_REQUESTED: "is waiting for an answer to the programme team's question",
    S.IN_REVIEW: "is with the review panel",
    S.SHORTLISTED: "has been shortlisted",
    S.IN_PILOT: "is being piloted",
    S.ADOPTED: "has been adopted",
    S.DECLINED: "has not been taken forward",
    S.WITHDRAWN: "has been withdrawn",
}
REFUSED_MOVES = {
    S.DRAFT: "it cannot go back to being a draft",
    S.SUBMITTED: "it cannot be submitted now",
    S.IN_TRIAGE: "it cannot be accepted for checking now",
    S.INFORMATION_REQUESTED: "no question can be asked about it now",
    S.IN_REVIEW: "it cannot go to the review panel now",
    S.SHORTLISTED: "it cannot be shortlisted now",
    S.IN_PILOT: "it cannot be piloted now",
    S.ADOPTED: "it cannot be adopted now",
    S.DECLINED: "it cannot be declined now",
    S.WITHDRAWN: "it cannot be withdrawn now",
}


class TransitionError(ValueError):
    """A move the lifecycle does not allow; the message is shown to the user."""


def check_transition(current: IdeaState, target: IdeaState, mover: Mover) -> None:
    """Refuse, with a message a person can act on, any move not in the table."""
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionError(refusal(current, target))
    if allowed is not mover:
        who = "the person who shared it" if allowed is Mover.OWNER else "a programme lead"
        raise TransitionError(f"Only {who} can move this idea to '{target.label_for(mover)}'.")


def refusal(current: IdeaState, target: IdeaState) -> str:
    """Why an idea in `current` cannot move to `target`, in words for the person who tried."""
    return f"This idea {current.phrase}, so {REFUSED_MOVES[target]}."


def moves_from(current: IdeaState, mover: Mover) -> list[IdeaState]:
    """The states `mover` may move an idea in `current` to."""
    return [to for (frm, to), who in TRANSITIONS.items() if frm is current and who is mover]


def triage_moves(current: IdeaState) -> list[IdeaState]:
    """The lead's moves from `current` that the triage forms make (none once out of triage)."""
    if current not in TRIAGE_STATES:
        return []
    return [to for to in moves_from(current, Mover.LEAD) if to in TRIAGE_MOVES]


def check_reopen(current: IdeaState, target: IdeaState, mover: Mover) -> None:
    """Refuse a reopening move that is not in REOPENS, or not made by a lead."""
    if mover is not Mover.LEAD:
        raise TransitionError("Only a programme lead can reopen a decision.")
    if (current, target) not in REOPENS:
        raise TransitionError(
            f"This idea {current.phrase}, so no decision can be reopened to send it back to "
            f"'{target.staff_label}'."
        )
