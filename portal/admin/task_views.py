"""Admin page: background tasks that failed for good, each with a button to send it again."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import roles
from portal.admin.blueprint import bp
from portal.admin.forms import ResendTaskForm
from portal.audit import record
from portal.auth.roles import Role
from portal.background import failures
from portal.extensions import db


@bp.route("/tasks")
@roles(Role.ADMIN)
def failed_tasks():
    return render_template("admin/tasks.html", failed=failures.recent(100), form=ResendTaskForm())


@bp.route("/tasks/<int:failure_id>/resend", methods=["POST"])
@roles(Role.ADMIN)
def resend_task(failure_id):
    failure = db.get_or_404(failures.TaskFailure, failure_id)
    if ResendTaskForm().validate_on_submit():
        failures.resend(failure)
        record(current_user, "task.resent", failure, task=failure.task)
        db.session.commit()
        flash(f"{failure.task} is queued again.", "success")
    return redirect(url_for("admin.failed_tasks"))
