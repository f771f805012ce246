"""Stage-gate decisions: move an idea on with a reason, snapshot its scores, tell the innovator.

A decision is one lead's move of one idea (or several, in one batch) through the lifecycle
table, recorded as a `Decision` with the idea's score snapshot as it stood at that moment. The
reviewers' comments for the innovator are released with it (never comments for the panel, never
reviewers' names). A decision can be reopened, with a reason, through the lifecycle's REOPENS
table. Conflicts beat roles: a conflicted lead cannot decide or reopen. Services flush but never
commit; a refused bulk decision raises before anything changes.
"""

import uuid

import sqlalchemy as sa

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.lifecycle import (
    IdeaState,
    Mover,
    TransitionError,
    check_transition,
    moves_from,
    triage_moves,
)
from portal.ideas.models import Workstream
from portal.ideas.sections import active_workstreams
from portal.ideas.services import IdeaError, move_idea, record_declines_with
from portal.links import absolute_url
from portal.mail import queue_mail
from portal.pipeline.models import Decision, ScoreSnapshot
from portal.pipeline.snapshots import deferred_snapshots, refresh_snapshots
from portal.policy import conflicted_pairs, ranks_for
from portal.reviews.models import Review, ReviewState
from portal.validators import count_words

MAX_WORDS = 500
CONFLICTED = (
    "You have a conflict of interest with this idea, so you cannot decide on it. "
    "Ask another programme lead."
)
SNAPSHOT_FIELDS = (
    "rank",
    "priority",
    "calibrated_score",
    "interval_low",
    "interval_high",
    "raw_score",
    "prob_top_k",
    "top_k",
    "n_reviews",
    "sufficient",
)


class DecisionError(ValueError):
    """A decision the rules refuse; the message is shown to the lead.

    `field` names the form field at fault (or None); `problems` lists, for a bulk decision,
    each idea that cannot move and why.
    """

    def __init__(self, message, field=None, problems=()):
        super().__init__(message)
        self.field = field
        self.problems = list(problems)


def decision_targets(state: IdeaState) -> list[IdeaState]:
    """Where a lead may decide to move an idea in `state` (questions have their own flow)."""
    return [s for s in moves_from(state, Mover.LEAD) if s is not IdeaState.INFORMATION_REQUESTED]


def offered_targets(state: IdeaState) -> list[IdeaState]:
    """The decisions one idea's decision form offers: not the moves its triage forms make.

    `decide` still accepts those (the bulk page offers them, and a form already open may post
    them); the idea's page offers each move in one place only.
    """
    made_by_triage = triage_moves(state)
    return [s for s in decision_targets(state) if s not in made_by_triage]


def decision_targets_any(states) -> list[IdeaState]:
    """Targets allowed from any of `states`, in lifecycle order (for several ideas at once)."""
    allowed = {t for state in set(states) for t in decision_targets(state)}
    return [s for s in IdeaState if s in allowed]


def adoption_workstreams(idea) -> list[Workstream]:
    """Workstreams that may adopt the idea: the ones it named first, then every active one."""
    chosen = list(idea.workstreams)
    return chosen + [w for w in active_workstreams() if w not in chosen]


def feedback_to_release(idea) -> list[dict]:
    """Comments for the innovator from the idea's latest reviewed round, not released before."""
    return feedback_for([idea])[idea.id]


def feedback_for(ideas) -> dict[int, list[dict]]:
    """`feedback_to_release` for several ideas in two queries, by idea id."""
    ids = [i.id for i in ideas]
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    reviews = db.session.scalars(
        sa.select(Review)
        .where(Review.idea_id.in_(ids), Review.state == ReviewState.SUBMITTED)
        .order_by(Review.id)
    ).all()
    latest: dict[int, int] = {}
    for review in reviews:  # like the scores: the latest round with submitted reviews
        latest[review.idea_id] = max(latest.get(review.idea_id, 0), review.round_id)
    released = {
        item.get("review_id")
        for feedback in db.session.scalars(
            sa.select(Decision.released_feedback).where(Decision.idea_id.in_(ids))
        )
        for item in feedback or []
    }
    for review in reviews:
        text = (review.comments_for_innovator or "").strip()
        if review.round_id == latest[review.idea_id] and text and review.id not in released:
            found[review.idea_id].append({"review_id": review.id, "text": text})
    return found


def scores_now(idea, lead) -> dict:
    """The idea's score snapshot as plain data, or {} when it has none.

    The rank is the one the deciding lead was shown: the idea's position among the ideas they
    may see ranked (`rank_of_seen`). Decisions recorded before that kept the rank among all
    ideas; they have no `rank_of_seen` and are labelled so where shown.
    """
    snapshot = db.session.get(ScoreSnapshot, idea.id)
    if snapshot is None:
        return {}
    values = {name: getattr(snapshot, name) for name in SNAPSHOT_FIELDS}
    ranks = ranks_for(lead)
    values["rank"] = ranks.position(snapshot.rank)
    values["ranked_ideas"] = ranks.shown
    values["rank_of_seen"] = True
    values["computed_at"] = snapshot.computed_at.isoformat()
    return values


def can_reopen(decision) -> bool:
    """A decision can be reopened once, while the idea is still where it left it."""
    return decision.reopened_at is None and decision.idea.state is decision.to_state


def _problem(idea, lead, target, workstream, conflicted) -> str | None:
    """Why this idea cannot move to `target` now, or None (used by the bulk pre-check)."""
    if conflicted:
        return "you have a conflict of interest with it"
    try:
        _check_target(idea, target, workstream)
    except (DecisionError, TransitionError) as error:
        return str(error)
    return None


def _check_target(idea, target, workstream):
    if target is IdeaState.INFORMATION_REQUESTED:
        raise DecisionError(
            "To ask the innovator a question, use 'Ask the innovator a question' on the "
            "idea's page",
            field="target",
        )
    check_transition(idea.state, target, Mover.LEAD)
    if target is IdeaState.ADOPTED:
        if workstream is None:
            raise DecisionError("Choose the workstream that adopts the idea", field="workstream")
        if workstream not in adoption_workstreams(idea):
            raise DecisionError(
                f"'{workstream.label}' is no longer an active workstream: choose another",
                field="workstream",
            )


def _clean_text(text, missing: str, noun: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DecisionError(missing, field="rationale")
    if count_words(text) > MAX_WORDS:
        raise DecisionError(f"{noun} must be {MAX_WORDS} words or fewer", field="rationale")
    return text


def decide(
    idea,
    lead,
    target: IdeaState,
    rationale: str,
    workstream=None,
    release_feedback=True,
    batch=None,
) -> Decision:
    """Move the idea to `target` with a reason; snapshot its scores; tell the innovator."""
    if conflicted_pairs([lead], [idea]):
        raise DecisionError(CONFLICTED)
    _check_target(idea, target, workstream)
    rationale = _clean_text(rationale, "Enter the reason for your decision", "Your reason")
    workstream = workstream if target is IdeaState.ADOPTED else None
    scores = scores_now(idea, lead)  # before the move: refreshing drops closed ideas' snapshots
    feedback = feedback_to_release(idea) if release_feedback else []
    from_state = idea.state
    move_idea(idea, target, lead, Mover.LEAD, "decided", rationale)
    decision = Decision(
        idea=idea,
        from_state=from_state,
        to_state=target,
        workstream=workstream,
        rationale=rationale,
        decided_by_id=lead.id,
        decided_at=utcnow(),
        batch=batch,
        scores=scores,
        released_feedback=feedback,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        lead,
        "decision.made",
        decision,
        idea_id=idea.id,
        reference=idea.reference,
        from_state=from_state.value,
        to_state=target.value,
        workstream=workstream.key if workstream else None,
        batch=batch,
        rank=scores.get("rank"),
        feedback_released=len(feedback),
    )
    _tell_innovator_of_decision(idea, decision)
    refresh_snapshots(lead, "decision")  # the set of open ideas, so every rank, has changed
    return decision


@record_declines_with
def _decline_from_triage(idea, lead, reason: str) -> None:
    try:
        decide(idea, lead, IdeaState.DECLINED, reason, release_feedback=False)
    except DecisionError as error:
        raise IdeaError(str(error)) from error


def decide_many(
    ideas, lead, target: IdeaState, rationale: str, workstream=None, release_feedback=True
) -> list[Decision]:
    """Decide on several ideas in one batch: all of them move, or none does."""
    rationale = _clean_text(rationale, "Enter the reason for your decision", "Your reason")
    if not ideas:
        raise DecisionError("Choose at least one idea", field="ideas")
    conflicted = conflicted_pairs([lead], ideas)
    problems = [
        f"{idea.reference}: {why}"
        for idea in ideas
        if (why := _problem(idea, lead, target, workstream, (lead.id, idea.id) in conflicted))
    ]
    if problems:
        raise DecisionError(
            f"Nothing was changed: {len(problems)} of the {len(ideas)} ideas cannot be moved to "
            f"'{target.staff_label.lower()}'",
            field="ideas",
            problems=problems,
        )
    batch = uuid.uuid4().hex
    with deferred_snapshots(lead, "decision"):  # one recomputation for the whole batch
        return [
            decide(idea, lead, target, rationale, workstream, release_feedback, batch)
            for idea in ideas
        ]


def reopen_decision(decision: Decision, lead, reason: str) -> None:
    """Reopen a decision: the idea returns to where the decision found it."""
    idea = decision.idea
    if conflicted_pairs([lead], [idea]):
        raise DecisionError(CONFLICTED)
    reason = _clean_text(reason, "Enter the reason for reopening the decision", "Your reason")
    if decision.reopened_at is not None:
        raise DecisionError("This decision has already been reopened.")
    if idea.state is not decision.to_state:
        raise DecisionError(
            f"The idea has moved on since this decision (it is now "
            f"'{idea.state.staff_label.lower()}'), so the decision cannot be reopened."
        )
    move_idea(idea, decision.from_state, lead, Mover.LEAD, "reopened", reason, reopening=True)
    decision.reopened_at, decision.reopened_by_id = utcnow(), lead.id
    decision.reopen_reason = reason
    audit.record(
        lead,
        "decision.reopened",
        decision,
        idea_id=idea.id,
        reference=idea.reference,
        from_state=decision.to_state.value,
        to_state=decision.from_state.value,
        reason=reason,
    )
    if idea.owner is not None:
        queue_mail(
            idea.owner.email,
            f"Your idea {idea.reference}: decision reopened",
            f"Hello {idea.owner.name},\n\nThe programme team has reopened its decision about "
            f'your idea "{idea.display_title}". Your idea is now '
            f"'{idea.state.label.lower()}': {idea.state.explanation}\n\nTheir reason:\n\n"
            f"{reason}\n\nYou can see where your idea stands here:\n{_idea_link(idea)}\n",
        )
    refresh_snapshots(lead, "decision reopened")


def _tell_innovator_of_decision(idea, decision: Decision) -> None:
    if idea.owner is None:  # ideas found by horizon scanning have no innovator to tell
        return
    lines = [
        f"Hello {idea.owner.name},",
        "",
        f'The programme team has made a decision about your idea "{idea.display_title}" '
        f"({idea.reference}).",
        "",
        f"Decision: {decision.to_state.label}. {decision.to_state.explanation}",
    ]
    if decision.workstream is not None:
        lines.append(f"Workstream: {decision.workstream.label}")
    lines += ["", "Their reason:", "", decision.rationale, ""]
    if decision.released_feedback:
        lines += ["Comments from the review panel (reviewers are not named):", ""]
        for item in decision.released_feedback:
            lines += [item["text"], ""]
    lines += ["You can see your idea, the decision and the comments here:", _idea_link(idea)]
    queue_mail(idea.owner.email, f"Your idea {idea.reference}: decision", "\n".join(lines) + "\n")


def _idea_link(idea) -> str:
    return absolute_url("ideas.show", reference=idea.reference)
