"""Add a scanned item to an idea already in the pipeline as evidence, or take it off again."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import policy
from portal.access import roles
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import evidence, promote
from portal.horizon.blueprint import bp
from portal.horizon.forms import ActionForm, EvidenceForm
from portal.horizon.models import ScannedItem
from portal.horizon.triage import TriageError
from portal.policy import Can


@bp.route("/horizon/items/<int:item_id>/evidence", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def item_evidence(item_id):
    shown = db.get_or_404(ScannedItem, item_id)
    similar = promote.similar_ideas(shown, current_user)
    suggested = [
        (idea.reference, f"{idea.reference}: {idea.display_title}") for idea, _similarity in similar
    ]
    form = EvidenceForm(suggested=suggested)
    status = 200
    if form.validate_on_submit():
        idea = evidence.idea_by_reference(form.chosen, current_user)
        if idea is None:  # not there, or not theirs to know of: the same answer
            form.reference.errors.append(f"No idea you can see has the reference {form.chosen}")
            status = 400
        else:
            try:
                evidence.add_evidence(shown, idea, current_user)
            except TriageError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
                shown, status = db.get_or_404(ScannedItem, item_id), 409
            else:
                db.session.commit()
                flash(
                    f"'{shown.title or 'Untitled item'}' is now evidence for {idea.reference}.",
                    "success",
                )
                return redirect(
                    url_for("ideas.show", reference=idea.reference, _anchor="evidence-items")
                )
    elif form.errors:
        status = 400
    return render_template(
        "horizon/evidence.html",
        title=f"Add {shown.title or 'Untitled item'} as evidence",
        item=shown,
        similar=similar,
        words=promote.similarity_words,
        links=evidence.supported_ideas(shown, current_user),
        form=form,
    ), status


@bp.route("/horizon/items/<int:item_id>/evidence/<reference>/remove", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def item_evidence_remove(item_id, reference):
    link = evidence.evidence_link(item_id, reference)
    if link is None or not policy.may(current_user, Can.SEE, link.idea):
        abort(404)
    if not policy.may(current_user, Can.DECIDE, link.idea):
        abort(403)  # a conflict of interest: another lead may change its evidence
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    reference, title = link.idea.reference, link.item.title or "Untitled item"
    evidence.remove_evidence(link, current_user)
    db.session.commit()
    flash(f"'{title}' is no longer evidence for {reference}.", "success")
    return redirect(url_for("ideas.show", reference=reference, _anchor="related-literature"))
