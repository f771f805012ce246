"""Programme leads run review rounds: open, assign (by hand or optimised), chase, close."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal import policy
from portal.access import roles
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import TransitionError
from portal.ideas.models import Idea
from portal.policy import Can, may
from portal.reviews import rounds
from portal.reviews.blueprint import bp
from portal.reviews.conflicts import ConflictError, clear_conflict, declare_conflict
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    ConflictKind,
    ReviewRound,
    ReviewState,
)
from portal.reviews.progress import round_progress
from portal.reviews.round_forms import (
    ActionForm,
    AddIdeasForm,
    AutoAssignForm,
    ConflictForm,
    DeadlineForm,
    ManualAssignForm,
    ReopenForm,
    RoundForm,
)

REFUSED = (rounds.RoundError, ConflictError, TransitionError)


def panel_members():
    return db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PANEL_MEMBER, User.active)
        .order_by(User.name)
    ).all()


@bp.route("/rounds")
@roles(Role.PROGRAMME_LEAD)
def rounds_list():
    all_rounds = db.session.scalars(
        sa.select(ReviewRound).order_by(ReviewRound.state, ReviewRound.deadline_at.desc())
    ).all()
    return render_template(
        "reviews/rounds.html",
        rounds=all_rounds,
        title="Review rounds",
        progress={r.id: round_progress(r) for r in all_rounds},
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def new_round():
    ideas, members = rounds.eligible_ideas(_may_manage()), panel_members()
    form = RoundForm()
    form.set_choices(ideas, members)
    if form.validate_on_submit():
        chosen = {int(i) for i in form.ideas.data}
        people = {int(m) for m in form.panel.data}
        try:
            round_ = rounds.open_round(
                current_user,
                name=form.name.data,
                deadline=form.deadline.data,
                ideas=[i for i in ideas if i.id in chosen],
                panel=[m for m in members if m.id in people],
                reviews_per_idea=form.reviews_per_idea.data,
                blind=form.blind.data == "yes",
                reveal_after_submit=form.reveal_after_submit.data == "yes",
                require_patient_partner=form.require_patient_partner.data == "yes",
            )
        except REFUSED as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Round '{round_.name}' is open with {len(round_.entries)} ideas.", "success")
            return redirect(url_for("reviews.round", round_id=round_.id))
    return render_template("reviews/round_new.html", form=form, title="Open a review round")


@bp.route("/rounds/<int:round_id>")
@roles(Role.PROGRAMME_LEAD)
def round(round_id, forms=None, status=200):
    round_ = db.get_or_404(ReviewRound, round_id)
    hidden = _unmanageable(round_.entries)
    return render_template(
        "reviews/round.html",
        round=round_,
        title=round_.name,
        progress=round_progress(round_, hidden),
        declined=[
            a
            for a in round_.assignments
            if a.state is AssignmentState.DECLINED and a.idea_id not in hidden
        ],
        **_round_forms(round_, forms or {}, hidden),
    ), status


def _unmanageable(entries) -> set[int]:
    """Ids of the round's ideas the current lead may not manage (a conflict of interest)."""
    ids = {entry.idea_id for entry in entries}
    if not ids:
        return set()
    allowed = sa.select(Idea.id).where(Idea.id.in_(ids), _may_manage())
    return ids - set(db.session.scalars(allowed))


def _may_manage():
    return policy.clause(current_user, Can.MANAGE_ROUND)


def _manageable(idea) -> Idea:
    """The idea, if the current lead may manage its place in a round; else 403."""
    if not may(current_user, Can.MANAGE_ROUND, idea):
        abort(403)  # conflicts beat roles: another lead must act on this idea
    return idea


def _round_forms(round_, given, hidden):
    ideas = [entry.idea for entry in round_.entries if entry.idea_id not in hidden]
    in_round = {entry.idea_id for entry in round_.entries}
    idea_choices = [SelectChoice("", "Choose an idea")] + [
        SelectChoice(str(i.id), f"{i.reference}: {i.display_title}") for i in ideas
    ]
    member_choices = [SelectChoice("", "Choose a panel member")] + [
        SelectChoice(str(m.id), m.name) for m in round_.panel
    ]
    forms = {
        "assign_form": given.get("assign_form") or ManualAssignForm(formdata=None),
        "auto_form": given.get("auto_form") or AutoAssignForm(formdata=None),
        "add_form": given.get("add_form") or AddIdeasForm(formdata=None),
        "deadline_form": given.get("deadline_form") or DeadlineForm(formdata=None),
        "reopen_form": given.get("reopen_form") or ReopenForm(formdata=None),
        "conflict_form": given.get("conflict_form") or ConflictForm(formdata=None),
        "action_form": given.get("action_form") or ActionForm(formdata=None),
    }
    for name in ("assign_form", "conflict_form"):
        forms[name].idea.choices, forms[name].member.choices = idea_choices, member_choices
    forms["add_form"].ideas.choices = [
        SelectChoice(str(i.id), f"{i.reference}: {i.display_title}")
        for i in rounds.eligible_ideas(_may_manage())
        if i.id not in in_round
    ]
    return forms


def _act(round_id, form_name, form, change, done):
    """Validate, make one change to the round, commit once; or show why nothing changed."""
    round_ = db.get_or_404(ReviewRound, round_id)
    if form.validate_on_submit():
        try:
            message = change(round_, form)
        except REFUSED as error:
            db.session.rollback()
            round_ = db.session.get(ReviewRound, round_id)
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(message or done, "success")
            return redirect(url_for("reviews.round", round_id=round_id))
    return round(round_id, forms={form_name: form}, status=200)


def _pick(model, raw):
    record = db.session.get(model, int(raw)) if raw and str(raw).isdigit() else None
    if record is None:
        raise rounds.RoundError("Choose from the list")
    return record


@bp.route("/rounds/<int:round_id>/assign", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def assign(round_id):
    form = ManualAssignForm()
    form.idea.choices = form.member.choices = None

    def change(round_, f):
        idea, member = _manageable(_pick(Idea, f.idea.data)), _pick(User, f.member.data)
        rounds.assign_manually(round_, idea, member, current_user)
        return f"{member.name} will review {idea.reference}."

    form.idea.validate_choice = form.member.validate_choice = False
    return _act(round_id, "assign_form", form, change, "")


@bp.route("/rounds/<int:round_id>/auto-assign", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def auto_assign(round_id):
    def change(round_, f):
        result = rounds.auto_assign(
            round_,
            current_user,
            extra_load=f.extra_load.data or 0,
            leave_out=_unmanageable(round_.entries),
        )
        added = f"{len(result.pairs)} assignments made."
        return added if result.feasible else f"{added} {result.message}"

    return _act(round_id, "auto_form", AutoAssignForm(), change, "")


@bp.route("/rounds/<int:round_id>/ideas", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def add_ideas(round_id):
    form = AddIdeasForm()
    form.ideas.choices = None
    form.ideas.validate_choice = False

    def change(round_, f):
        ideas = [_manageable(_pick(Idea, raw)) for raw in f.ideas.data]
        added = rounds.add_ideas(round_, ideas, current_user)
        return f"{added} ideas added. Assign reviewers to them next."

    return _act(round_id, "add_form", form, change, "")


@bp.route("/rounds/<int:round_id>/assignments/<int:assignment_id>/remove", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def remove_assignment(round_id, assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    if assignment.round_id != round_id:
        abort(404)
    _manageable(assignment.idea)

    def change(round_, f):
        rounds.remove_assignment(assignment, current_user)
        return f"{assignment.user.name} no longer reviews {assignment.idea.reference}."

    return _act(round_id, "action_form", ActionForm(), change, "")


@bp.route("/rounds/<int:round_id>/reminders", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def remind(round_id):
    def change(round_, f):
        return f"Reminders sent to {rounds.send_reminders(round_, current_user)} members."

    return _act(round_id, "action_form", ActionForm(), change, "")


@bp.route("/rounds/<int:round_id>/deadline", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def deadline(round_id):
    def change(round_, f):
        rounds.extend_deadline(round_, current_user, f.deadline.data)
        return "The deadline has been changed and the panel told."

    return _act(round_id, "deadline_form", DeadlineForm(), change, "")


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def close(round_id):
    def change(round_, f):
        rounds.close_round(round_, current_user)
        return "The round is closed. Late reviews will be refused."

    return _act(round_id, "action_form", ActionForm(), change, "")


@bp.route("/rounds/<int:round_id>/reopen", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def reopen(round_id):
    def change(round_, f):
        rounds.reopen_round(round_, current_user, f.reason.data)
        return "The round is open again."

    return _act(round_id, "reopen_form", ReopenForm(), change, "")


@bp.route("/rounds/<int:round_id>/conflicts", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def conflict(round_id):
    form = ConflictForm()
    form.idea.validate_choice = form.member.validate_choice = False

    def change(round_, f):
        idea, member = _manageable(_pick(Idea, f.idea.data)), _pick(User, f.member.data)
        if f.action.data == "add":
            declare_conflict(member, idea, ConflictKind.OTHER, f.reason.data, actor=current_user)
            for a in round_.assignments:
                if (
                    a.idea_id == idea.id
                    and a.user_id == member.id
                    and (a.review is None or a.review.state is not ReviewState.SUBMITTED)
                ):
                    rounds.remove_assignment(a, current_user)
            return f"Conflict recorded: {member.name} will not review {idea.reference}."
        clear_conflict(member, idea, current_user, f.reason.data)
        return f"Conflicts cleared for {member.name} on {idea.reference}."

    return _act(round_id, "conflict_form", form, change, "")
