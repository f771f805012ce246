"""The innovator's journey: landing page, draft form, check answers, submit, My ideas."""

import secrets

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField

from portal.access import public, roles, signed_in
from portal.auth.roles import Role
from portal.extensions import db
from portal.forms import PortalForm
from portal.ideas import drafts, services
from portal.ideas.blueprint import bp
from portal.ideas.forms import AnswerForm
from portal.ideas.lifecycle import IdeaState, Mover, TransitionError, moves_from
from portal.ideas.loading import load_idea, load_own_idea
from portal.ideas.models import Idea
from portal.ideas.sections import (
    SECTIONS,
    SECTIONS_BY_KEY,
    SectionStatus,
    active_workstreams,
    answers_from,
    build_form,
    missing_sections,
    statuses,
)
from portal.ideas.summary import section_rows
from portal.ideas.triage_views import lead_page
from portal.pipeline.models import Decision
from portal.policy import Can, may, owns

REFUSED = (services.IdeaError, TransitionError)


class StartForm(PortalForm):
    start_token = HiddenField()


def start_form() -> StartForm:
    form = StartForm()
    form.start_token.data = secrets.token_urlsafe(24)
    return form


@bp.route("/share-an-idea")
@public
def landing():
    return render_template(
        "ideas/landing.html",
        workstreams=active_workstreams(),
        start=start_form(),
        title="Share your idea",
    )


@bp.route("/ideas/new", methods=["POST"])
@roles(Role.INNOVATOR)
def new():
    form = StartForm()
    if not form.validate_on_submit() or not form.start_token.data:
        abort(400)
    try:
        idea = drafts.start_draft(current_user, form.start_token.data[:64])
    except services.IdeaError as error:
        flash(str(error), "error")
        return redirect(url_for("ideas.landing"))
    db.session.commit()
    return redirect(url_for("ideas.show", reference=idea.reference))


@bp.route("/innovator")
@roles(Role.INNOVATOR)
def my_ideas():
    ideas = db.session.scalars(
        sa.select(Idea)
        .where(Idea.owner_id == current_user.id)
        .order_by(Idea.updated_at.desc(), Idea.id.desc())
    ).all()
    waiting = [i for i in ideas if i.state is IdeaState.INFORMATION_REQUESTED]
    return render_template(
        "ideas/my_ideas.html",
        ideas=ideas,
        waiting=waiting,
        decisions=Decision.standing(ideas),
        start=start_form(),
        title="Your ideas",
    )


@bp.route("/ideas/<reference>")
@signed_in
def show(reference):
    idea = load_idea(reference)
    if not owns(current_user, idea):
        if not current_user.has_role(Role.PROGRAMME_LEAD):  # reviewers read review pages
            abort(404)
        return lead_page(idea)
    if idea.state is IdeaState.DRAFT:
        return render_template(
            "ideas/task_list.html",
            idea=idea,
            sections=SECTIONS,
            statuses=statuses(idea),
            title=idea.display_title,
        )
    return _owner_page(idea)


def _owner_page(idea, answer_form=None, status=200):
    return render_template(
        "ideas/owner_idea.html",
        idea=idea,
        sections=SECTIONS,
        title=idea.display_title,
        answer_form=answer_form or AnswerForm(),
        events=[e for e in reversed(idea.events) if e.visible_to_innovator],
        can_withdraw=IdeaState.WITHDRAWN in moves_from(idea.state, Mover.OWNER),
        editable=may(current_user, Can.EDIT, idea),
        statuses=statuses(idea),
        decisions=Decision.history_of(idea),
    ), status


def _editable_idea(reference) -> Idea:
    return load_own_idea(reference, lock=request.method == "POST")


@bp.route("/ideas/<reference>/sections/<key>", methods=["GET", "POST"])
@roles(Role.INNOVATOR)
def section(reference, key):
    idea = _editable_idea(reference)
    current = SECTIONS_BY_KEY.get(key) or abort(404)
    if not may(current_user, Can.EDIT, idea):
        flash(services.not_editable_message(idea), "error")
        return redirect(url_for("ideas.show", reference=idea.reference))
    complete = "save-draft" not in request.form
    form = build_form(current, idea, complete=complete)
    if form.validate_on_submit():
        services.save_answers(idea, current_user, answers_from(form))
        db.session.commit()
        return redirect(_after_saving(idea, current, complete))
    position = SECTIONS.index(current)
    return render_template(
        "ideas/section.html",
        idea=idea,
        section=current,
        form=form,
        number=position + 1,
        total=len(SECTIONS),
        title=current.title,
    )


def _after_saving(idea, current, complete) -> str:
    if idea.state is not IdeaState.DRAFT:
        flash("Your changes have been saved.", "success")
        return url_for("ideas.show", reference=idea.reference)
    if not complete:
        flash(
            f"Your answers to '{current.title}' have been saved. You can come back to them "
            "at any time.",
            "success",
        )
        return url_for("ideas.show", reference=idea.reference)
    position = SECTIONS.index(current)
    if position + 1 < len(SECTIONS):
        following = SECTIONS[position + 1]
        if statuses(idea)[following.key] is not SectionStatus.COMPLETED:
            return url_for("ideas.section", reference=idea.reference, key=following.key)
    return url_for("ideas.check", reference=idea.reference)


@bp.route("/ideas/<reference>/check")
@roles(Role.INNOVATOR)
def check(reference):
    idea = _editable_idea(reference)
    if idea.state is not IdeaState.DRAFT:
        return redirect(url_for("ideas.show", reference=idea.reference))
    return render_template(
        "ideas/check.html",
        idea=idea,
        title="Check your answers",
        rows=section_rows(idea, change_links=True),
        missing=missing_sections(idea),
        submit_form=PortalForm(),
    )


@bp.route("/ideas/<reference>/submit", methods=["POST"])
@roles(Role.INNOVATOR)
def submit(reference):
    idea = _editable_idea(reference)
    if idea.state is not IdeaState.DRAFT:  # a second click: it is already in
        return redirect(url_for("ideas.confirmation", reference=idea.reference))
    if not PortalForm().validate_on_submit():
        abort(400)
    try:
        services.submit_idea(idea, current_user, missing_sections(idea))
    except REFUSED as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("ideas.check", reference=reference))
    db.session.commit()
    return redirect(url_for("ideas.confirmation", reference=idea.reference))


@bp.route("/ideas/<reference>/confirmation")
@roles(Role.INNOVATOR)
def confirmation(reference):
    idea = _editable_idea(reference)
    if idea.state is IdeaState.DRAFT:
        return redirect(url_for("ideas.check", reference=idea.reference))
    return render_template("ideas/confirmation.html", idea=idea, title="Idea submitted")


@bp.route("/ideas/<reference>/answer", methods=["POST"])
@roles(Role.INNOVATOR)
def answer(reference):
    idea = _editable_idea(reference)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.answer_question(idea, current_user, form.answer.data)
        except REFUSED as error:
            db.session.rollback()
            form.answer.errors = [str(error)]
        else:
            db.session.commit()
            flash("Thank you. Your answer has been sent to the programme team.", "success")
            return redirect(url_for("ideas.show", reference=idea.reference))
    return _owner_page(idea, answer_form=form, status=200)
