"""Stage-gate decisions: decide on one idea, on several at once, and reopen a decision."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import HOME_ENDPOINTS, Role
from portal.backlinks import back_href
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, TransitionError, triage_moves
from portal.ideas.loading import load_idea
from portal.ideas.models import Idea, Workstream
from portal.ideas.sections import active_workstreams
from portal.pipeline import decisions
from portal.pipeline.blueprint import bp
from portal.pipeline.decision_forms import BulkDecideForm, DecideForm, ReopenForm
from portal.pipeline.models import Decision
from portal.policy import conflicted_pairs

# The states the bulk page can list ideas from (a question's answer comes first).
DECIDABLE = (
    IdeaState.SUBMITTED,
    IdeaState.IN_TRIAGE,
    IdeaState.IN_REVIEW,
    IdeaState.SHORTLISTED,
    IdeaState.IN_PILOT,
)


def _refuse_if_conflicted(idea):
    """Conflicts beat roles: a conflicted lead (their own idea too) never decides on it."""
    if conflicted_pairs([current_user], [idea]):
        abort(403)


def _workstream(key) -> Workstream | None:
    return db.session.scalar(sa.select(Workstream).filter_by(key=key)) if key else None


def _refused(form, error, field_names=("target", "workstream", "rationale", "ideas")) -> int:
    """Put a refusal on the form (the field at fault, or the summary); return the status."""
    db.session.rollback()
    if isinstance(error, TransitionError):
        form.form_errors.append(str(error))
        return 409
    if error.field in field_names and error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:
        form.form_errors.append(str(error))
    form.form_errors.extend(error.problems)
    return 409 if error.problems else 200


@bp.route("/ideas/<reference>/decide", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def decide(reference):
    """Decide what happens to one idea next, with a reason the innovator will see."""
    idea = load_idea(reference, lock=request.method == "POST")
    _refuse_if_conflicted(idea)
    form = DecideForm().offer(decisions.offered_targets(idea.state), _workstreams_for(idea))
    status = 200
    if form.validate_on_submit():
        target = form.chosen_target()
        try:
            if target is None:
                raise decisions.DecisionError("Choose what happens to the idea", field="target")
            decisions.decide(
                idea,
                current_user,
                target,
                form.rationale.data,
                workstream=_workstream(form.workstream.data),
                release_feedback=form.release_feedback.data,
            )
        except (decisions.DecisionError, TransitionError) as error:
            status = _refused(form, error)
            idea = load_idea(reference)
        else:
            db.session.commit()
            told = " The innovator has been told." if idea.owner_id is not None else ""
            flash(f"You moved {idea.reference} to '{target.staff_label}'.{told}", "success")
            # back to where the lead opened the idea from (the pipeline, say), else the idea
            return redirect(
                back_href() or url_for("ideas.show", reference=idea.reference, _anchor="decisions")
            )
    return render_template(
        "pipeline/decide.html",
        idea=idea,
        form=form,
        feedback=decisions.feedback_to_release(idea),
        triage_moves=triage_moves(idea.state),
        title=f"Decide on {idea.reference}",
    ), status


def _workstreams_for(idea):
    return decisions.adoption_workstreams(idea)


@bp.route("/decisions/<int:decision_id>/reopen", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def reopen(decision_id):
    """Reopen a decision: the idea goes back to where it was, and the innovator is told."""
    decision = db.get_or_404(Decision, decision_id)
    idea = load_idea(decision.idea.reference, lock=request.method == "POST")
    _refuse_if_conflicted(idea)
    form = ReopenForm()
    status = 200
    if form.validate_on_submit():
        try:
            decisions.reopen_decision(decision, current_user, form.reopen_reason.data)
        except (decisions.DecisionError, TransitionError) as error:
            db.session.rollback()
            message = str(error)
            if getattr(error, "field", None) == "rationale":
                form.reopen_reason.errors = [message]
            else:
                form.form_errors.append(message)
                status = 409
            decision = db.get_or_404(Decision, decision_id)
        else:
            db.session.commit()
            flash(
                f"You reopened the decision on {idea.reference}. It is back to "
                f"'{idea.state.staff_label}', and the innovator has been told.",
                "success",
            )
            return redirect(url_for("ideas.show", reference=idea.reference, _anchor="decisions"))
    return render_template(
        "pipeline/reopen.html",
        decision=decision,
        idea=decision.idea,
        form=form,
        reopenable=decisions.can_reopen(decision),
        title=f"Reopen the decision on {decision.idea.reference}",
    ), status


@bp.route("/pipeline/decide", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def bulk_decide():
    """Decide on several ideas at once: all of them move, or none does.

    The ranked pipeline posts its ticked ideas here as `ideas`; without a `decide` button in
    the post, that only chooses the ideas to show, ticked.
    """
    submitting = request.method == "POST" and "decide" in request.form
    form = BulkDecideForm() if submitting else BulkDecideForm(formdata=None)
    chosen = _ids(request.values.getlist("ideas"))
    shown = _ids(request.values.getlist("shown")) | chosen
    state = _state_filter(request.args.get("state"))
    candidates = _ideas(shown, lock=submitting) if shown else _ideas_in(state)
    targets = decisions.decision_targets_any(c.state for c in candidates)
    form.offer(targets, active_workstreams())
    status = 200
    if submitting and form.validate_on_submit():
        target = form.chosen_target()
        picked = [c for c in candidates if c.id in chosen]
        try:
            if target is None:
                raise decisions.DecisionError("Choose what happens to the ideas", field="target")
            done = decisions.decide_many(
                picked,
                current_user,
                target,
                form.rationale.data,
                workstream=_workstream(form.workstream.data),
                release_feedback=form.release_feedback.data,
            )
        except (decisions.DecisionError, TransitionError) as error:
            status = _refused(form, error)
            candidates = _ideas(shown)
        else:
            db.session.commit()
            flash(
                f"You moved {len(done)} idea{'s' if len(done) != 1 else ''} to "
                f"'{target.staff_label}': {', '.join(d.idea.reference for d in done)}."
                + (" Their innovators have been told." if _any_innovator(done) else ""),
                "success",
            )
            return redirect(url_for(HOME_ENDPOINTS[Role.PROGRAMME_LEAD]))
    conflicted = {i for _, i in conflicted_pairs([current_user], candidates)}
    return render_template(
        "pipeline/bulk_decide.html",
        form=form,
        candidates=candidates,
        chosen=chosen,
        conflicted=conflicted,
        feedback=decisions.feedback_for([c for c in candidates if c.id not in conflicted]),
        state=state,
        states=DECIDABLE,
        title="Decide on several ideas",
    ), status


def _ids(values) -> set[int]:
    return {int(v) for v in values if v.isdigit() and len(v) < 10}


def _state_filter(value) -> IdeaState:
    try:
        state = IdeaState(value)
    except ValueError:
        return IdeaState.IN_REVIEW
    return state if state in DECIDABLE else IdeaState.IN_REVIEW


def _ideas(ids, lock=False) -> list[Idea]:
    query = (
        sa.select(Idea)
        .where(Idea.id.in_(ids), Idea.state != IdeaState.DRAFT)  # leads never see drafts
        .order_by(Idea.reference)
    )
    return db.session.scalars(query.with_for_update() if lock else query).all()


def _ideas_in(state) -> list[Idea]:
    return db.session.scalars(
        sa.select(Idea).where(Idea.state == state).order_by(Idea.reference)
    ).all()


def _any_innovator(done) -> bool:
    """Whether any decided idea has an innovator to tell (promoted literature has none)."""
    return any(d.idea.owner_id is not None for d in done)
