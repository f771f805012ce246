"""Programme leads' triage: new ideas, the lead's idea page, versions and decisions."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import roles
from portal.auth.roles import HOME_ENDPOINTS, Role
from portal.backlinks import back_href, came_from, link_to
from portal.extensions import db
from portal.forms import PortalForm
from portal.horizon.models import ScannedItem
from portal.ideas import services
from portal.ideas.blueprint import bp
from portal.ideas.diffs import compare
from portal.ideas.forms import DeclineForm, QuestionForm
from portal.ideas.lifecycle import (
    TRIAGE_STATES,
    IdeaState,
    Mover,
    TransitionError,
    moves_from,
    triage_moves,
)
from portal.ideas.loading import load_idea
from portal.ideas.models import Idea, IdeaEvent, Workstream
from portal.ideas.panels import lead_panels
from portal.ideas.sections import SECTIONS
from portal.ideas.summary import LABELS, questions, section_rows
from portal.policy import is_conflicted, owns


@bp.route("/triage")
@roles(Role.PROGRAMME_LEAD)
def triage():
    """New ideas waiting for a lead, oldest first, and the ideas already in hand."""
    return render_template(
        "ideas/triage_list.html",
        new=_ideas_in(IdeaState.SUBMITTED),
        in_hand=_ideas_in(IdeaState.INFORMATION_REQUESTED, IdeaState.IN_TRIAGE),
        title="Triage",
    )


def _ideas_in(*states) -> list[Idea]:
    return db.session.scalars(
        sa.select(Idea)
        .where(Idea.state.in_(states))
        .options(selectinload(Idea.organisation))
        .order_by(Idea.submitted_at, Idea.id)
    ).all()


def lead_page(idea, form=None, status=200, **forms):
    """The idea page as a programme lead sees it, with the moves a lead may make now.

    Conflicts beat roles: a conflicted lead sees the idea but not its reviews, scores, rank or
    similar ideas, and makes no moves.
    """
    conflicted = is_conflicted(current_user, idea)  # their own idea included
    blocked = owns(current_user, idea) or conflicted
    moves = [] if blocked else moves_from(idea.state, Mover.LEAD)
    triage = [] if blocked else triage_moves(idea.state)
    events = db.session.scalars(
        sa.select(IdeaEvent)
        .where(IdeaEvent.idea_id == idea.id)
        .options(selectinload(IdeaEvent.actor))
        .order_by(IdeaEvent.at.desc(), IdeaEvent.id.desc())
    ).all()
    decline_form = forms.get("decline_form") or DeclineForm(formdata=None)
    if idea.owner_id is None:  # promoted literature: nobody outside the team reads the reason
        decline_form.reason.description = "Recorded with the decision for the programme team."
    return render_template(
        "ideas/lead_idea.html",
        idea=idea,
        title=idea.display_title,
        back=came_from() or _default_back(idea),
        form=form,
        groups=section_rows(idea, reader=True),
        events=events,
        attachments=[(a, _attachment_href(idea, a)) for a in idea.attachments],
        can_accept=IdeaState.IN_TRIAGE in triage,
        # literature promoted from horizon scanning has no innovator to ask
        can_ask=IdeaState.INFORMATION_REQUESTED in moves and idea.owner_id is not None,
        # from review on, declining is a stage-gate decision (scores recorded, feedback released)
        can_decline=IdeaState.DECLINED in triage,
        accept_form=forms.get("accept_form") or PortalForm(),
        question_form=forms.get("question_form") or QuestionForm(formdata=None),
        decline_form=decline_form,
        conflicted=conflicted,
        panels=lead_panels(idea, current_user),
        found_in=db.session.get(ScannedItem, idea.scanned_item_id)
        if idea.scanned_item_id
        else None,
    ), status


def _default_back(idea):
    """Without a `back` parameter: triage for an idea being triaged, else the lead's home."""
    return link_to(
        "ideas.triage" if idea.state in TRIAGE_STATES else HOME_ENDPOINTS[Role.PROGRAMME_LEAD]
    )


def _attachment_href(idea, attachment) -> str:
    return url_for(
        "ideas.download_attachment", reference=idea.reference, attachment_id=attachment.id
    )


@bp.route("/ideas/<reference>/triage/accept", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def accept(reference):
    return _decide(
        reference,
        "accept_form",
        PortalForm(),
        lambda idea, form: services.accept_into_triage(idea, current_user),
        "You accepted {} into triage.",
    )


@bp.route("/ideas/<reference>/triage/question", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def ask(reference):
    return _decide(
        reference,
        "question_form",
        QuestionForm(),
        lambda idea, form: services.ask_question(idea, current_user, form.question.data),
        "Your question about {} has been sent to the innovator.",
        field="question",
    )


@bp.route("/ideas/<reference>/triage/decline", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def decline(reference):
    return _decide(
        reference,
        "decline_form",
        DeclineForm(),
        lambda idea, form: services.decline_idea(idea, current_user, form.reason.data),
        "You declined {}. The innovator has been told why.",
        field="reason",
    )


def _decide(reference, form_name, form, change, done, field=None):
    """Validate, make one triage move, commit once; or show why nothing changed."""
    idea = load_idea(reference, lock=True)
    if owns(current_user, idea) or is_conflicted(current_user, idea):
        abort(403)  # conflicts beat roles: never on their own idea or a conflicted one
    status = 200
    if form.validate_on_submit():
        try:
            change(idea, form)
        except TransitionError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            status = 409
        except services.IdeaError as error:
            db.session.rollback()
            (form[field].errors if field else form.form_errors).append(str(error))
        else:
            db.session.commit()
            flash(done.format(idea.reference), "success")
            # back where the lead came from (the triage list), as after a stage-gate decision
            return redirect(back_href() or url_for("ideas.show", reference=idea.reference))
        idea = load_idea(reference)
    return lead_page(idea, form=form, status=status, **{form_name: form})


@bp.route("/ideas/<reference>/versions")
@roles(Role.PROGRAMME_LEAD)
def versions(reference):
    """Every version of an idea's text, and what changed from one to the next."""
    idea = load_idea(reference)
    asked, labels = _questions(), _choice_labels()
    history = []
    for earlier, version in zip([None, *idea.versions], idea.versions, strict=False):
        changes = compare(earlier.content, version.content, asked, labels) if earlier else None
        history.append((version, changes))
    chosen = _compared(idea, request.args.get("compare", ""))
    comparison = chosen and compare(chosen[0].content, chosen[1].content, asked, labels)
    return render_template(
        "ideas/versions.html",
        idea=idea,
        history=list(reversed(history)),
        chosen=chosen,
        comparison=comparison,
        title=f"Versions of {idea.display_title}",
    )


def _compared(idea, wanted: str):
    """The two versions named by ?compare=a,b (oldest first), or None."""
    by_number = {v.number: v for v in idea.versions}
    try:
        first, second = sorted(int(n) for n in wanted.split(","))
    except ValueError:
        return None
    if first == second or first not in by_number or second not in by_number:
        return None
    return by_number[first], by_number[second]


def _questions() -> dict[str, str]:
    """Each versioned field's label for leads, in the order of the form."""
    return {
        name: label
        for section in SECTIONS
        for name, label in questions(section, reader=True).items()
        if name != "consent_to_share"
    }


def _choice_labels() -> dict[str, dict]:
    workstreams = db.session.scalars(sa.select(Workstream)).all()  # retired ones too
    return {**LABELS, "workstreams": {w.key: w.label for w in workstreams}}
