"""Leads list, add and edit workstreams."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Workstream
from portal.pipeline.blueprint import bp
from portal.pipeline.workstream_forms import WorkstreamForm
from portal.pipeline.workstreams import (
    WorkstreamError,
    all_workstreams,
    create_workstream,
    idea_counts,
    update_workstream,
)


@bp.route("/pipeline/workstreams")
@roles(Role.PROGRAMME_LEAD)
def workstreams():
    return render_template(
        "pipeline/workstreams.html",
        title="Workstreams",
        workstreams=all_workstreams(),
        counts=idea_counts(),
    )


@bp.route("/pipeline/workstreams/new", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def workstream_new():
    form = WorkstreamForm()
    if form.validate_on_submit():
        try:
            workstream = create_workstream(current_user, form.values())
        except WorkstreamError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Workstream '{workstream.label}' added.", "success")
            return redirect(url_for("pipeline.workstreams"))
    return render_template(
        "pipeline/workstream_edit.html", form=form, workstream=None, title="Add a workstream"
    )


@bp.route("/pipeline/workstreams/<int:workstream_id>/edit", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def workstream_edit(workstream_id):
    workstream = db.get_or_404(Workstream, workstream_id)
    form = WorkstreamForm(obj=workstream)
    if not form.is_submitted():
        form.active.data = "yes" if workstream.active else "no"
    if form.validate_on_submit():
        try:
            changed = update_workstream(workstream, current_user, form.values())
        except WorkstreamError as error:
            db.session.rollback()
            workstream = db.session.get(Workstream, workstream_id)
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_saved_message(workstream, changed), "success")
            return redirect(url_for("pipeline.workstreams"))
    return render_template(
        "pipeline/workstream_edit.html",
        form=form,
        workstream=workstream,
        title=f"Edit {workstream.name}",
    )


def _saved_message(workstream, changed) -> str:
    if not changed:
        return f"No change: '{workstream.label}' is as it was."
    return f"Workstream '{workstream.label}' saved."
