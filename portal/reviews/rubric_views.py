"""Rubric pages: read the current or an earlier version; leads save a new version."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.reviews.blueprint import bp
from portal.reviews.rubric import (
    RubricError,
    current_rubric,
    new_rubric_version,
    rubric_history,
    rubric_version,
    weight_shares,
)
from portal.reviews.rubric_forms import RubricEditForm, error_items, form_data


@bp.route("/rubric")
@roles(Role.PROGRAMME_LEAD, Role.PANEL_MEMBER)
def rubric():
    shown = current_rubric()
    if shown is None:
        abort(404)
    return _show(shown, latest=shown.version)


@bp.route("/rubric/<int:version>")
@roles(Role.PROGRAMME_LEAD, Role.PANEL_MEMBER)
def rubric_at(version):
    shown = rubric_version(version)
    if shown is None:
        abort(404)
    return _show(shown, latest=current_rubric().version)


def _show(shown, latest):
    author = db.session.get(User, shown.created_by_id) if shown.created_by_id else None
    return render_template(
        "reviews/rubric.html",
        rubric=shown,
        latest=latest,
        author=author,
        shares=weight_shares(shown.criteria),
        history=rubric_history(),
    )


@bp.route("/rubric/edit", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def edit_rubric():
    base = current_rubric()
    if base is None:
        abort(404)
    form = RubricEditForm(data=form_data(base))
    if form.validate_on_submit():
        try:
            saved = new_rubric_version(
                current_user._get_current_object(), form.edits(), form.note.data, form.base()
            )
        except RubricError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Version {saved.version} of the rubric is saved and is now in use.", "success")
            return redirect(url_for("reviews.rubric"))
    names = {c.key: c.name for c in base.criteria}
    enablers = {c.key for c in base.criteria if c.is_enabler}
    return render_template(
        "reviews/rubric_edit.html",
        form=form,
        base=base,
        names=names,
        enablers=enablers,
        errors=error_items(form, names),
    )
