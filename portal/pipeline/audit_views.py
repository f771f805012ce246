"""The audit log: every recorded event, filtered by who, what, when and which object."""

from functools import partial

from flask import render_template, request
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.pipeline.audit_log import (
    AuditFilterForm,
    action_choices,
    conflicted_events,
    details_text,
    object_types,
    search_events,
)
from portal.pipeline.blueprint import bp


@bp.route("/pipeline/audit")
@roles(Role.PROGRAMME_LEAD, Role.ADMIN)
def audit():
    form = AuditFilterForm(request.args)
    form.set_choices(action_choices(), object_types())
    found, hidden = None, set()
    if form.validate():
        found = search_events(form, page=max(1, request.args.get("page", 1, type=int)))
        hidden = conflicted_events(current_user, found.items)
    return render_template(
        "pipeline/audit.html",
        title="Audit log",
        form=form,
        found=found,
        hidden=hidden,
        filters=form.filters,
        details_text=partial(details_text, personal=current_user.has_role(Role.ADMIN)),
    )
