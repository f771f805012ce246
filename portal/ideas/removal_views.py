"""Taking an idea back: withdrawing a submitted idea, deleting a draft.

A draft has not been shared with anyone, so it is deleted (after a confirmation page); a
submitted idea is withdrawn and keeps its history. Each page says which applies, in words,
when the other one was asked for.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.extensions import db
from portal.forms import PortalForm
from portal.ideas import drafts, services
from portal.ideas.blueprint import bp
from portal.ideas.forms import WithdrawForm
from portal.ideas.lifecycle import IdeaState, Mover, TransitionError, moves_from, refusal
from portal.ideas.loading import load_own_idea
from portal.ideas.sections import SectionStatus, statuses

REFUSED = (services.IdeaError, TransitionError)
DRAFT_NOT_WITHDRAWN = (
    "This idea has not been submitted yet, so nobody else has seen it and there is nothing to "
    "withdraw. If you no longer want it, you can delete the draft."
)


@bp.route("/ideas/<reference>/withdraw", methods=["GET", "POST"])
@roles(Role.INNOVATOR)
def withdraw(reference):
    idea = load_own_idea(reference, lock=request.method == "POST")
    form = WithdrawForm()
    refused = withdrawal_refused(idea)
    if refused is None and form.validate_on_submit():
        try:
            services.withdraw_idea(idea, current_user, form.reason.data)
        except REFUSED as error:
            db.session.rollback()
            form.reason.errors = [str(error)]
        else:
            db.session.commit()
            flash("Your idea has been withdrawn.", "success")
            return redirect(url_for("ideas.show", reference=idea.reference))
    status = 409 if refused and request.method == "POST" else 200
    return render_template(
        "ideas/withdraw.html",
        idea=idea,
        form=form,
        refused=refused,
        title="Withdraw your idea",
    ), status


def withdrawal_refused(idea) -> str | None:
    """Why the owner cannot withdraw `idea` now, in words; None if they can."""
    if idea.state is IdeaState.DRAFT:
        return DRAFT_NOT_WITHDRAWN
    if IdeaState.WITHDRAWN not in moves_from(idea.state, Mover.OWNER):
        return refusal(idea.state, IdeaState.WITHDRAWN)
    return None


@bp.route("/ideas/<reference>/delete", methods=["GET", "POST"])
@roles(Role.INNOVATOR)
def delete_draft(reference):
    idea = load_own_idea(reference, lock=request.method == "POST")
    form = PortalForm()
    refused = drafts.deletion_refused(idea, current_user)
    if refused is None and form.validate_on_submit():
        title = idea.display_title
        drafts.delete_draft(idea, current_user)
        db.session.commit()
        flash(f"Your draft '{title}' has been deleted.", "success")
        return redirect(url_for("ideas.my_ideas"))
    status = 409 if refused and request.method == "POST" else 200
    started = statuses(idea).values()
    return render_template(
        "ideas/delete_draft.html",
        idea=idea,
        form=form,
        refused=refused,
        can_withdraw=withdrawal_refused(idea) is None,
        answered=sum(status is not SectionStatus.NOT_STARTED for status in started),
        sections=len(started),
        title="Delete your draft" if refused is None else "You cannot delete this idea",
    ), status
