"""Jinja globals and filters shared by every template."""

from flask import current_app

from portal import backlinks, ui
from portal.auth.models import ORGANISATION_TYPE_LABELS
from portal.auth.roles import ROLE_LABELS, Role


def init_app(app):
    app.jinja_env.globals.update(
        field_params=ui.field_params,
        error_list=ui.error_list,
        navigation_items=ui.navigation_items,
        nhsuk_component=ui.component,
        came_from=backlinks.came_from,
        back_href=backlinks.back_href,
        ROLE_LABELS=ROLE_LABELS,
        Role=Role,
        ORGANISATION_TYPE_LABELS=ORGANISATION_TYPE_LABELS,
    )
    app.jinja_env.filters.update(
        datetime=ui.format_datetime,
        add_csrf_to_forms=ui.add_csrf_to_forms,
        bdi=ui.bdi,
    )
    app.context_processor(
        lambda: {
            "service_name": current_app.config["SERVICE_NAME"],
            "contact_email": current_app.config["CONTACT_EMAIL"],
        }
    )


def compile_templates(app) -> int:
    """Compile every template now (the portal's and the NHS.UK frontend's), before the first
    request: a worker's first render of the pipeline paid about 0.3 s for it, and under load
    the requests queued behind it waited too. Returns how many were compiled."""
    environment = app.jinja_env
    names = environment.list_templates(filter_func=lambda name: name.endswith((".html", ".jinja")))
    for name in names:
        environment.get_template(name)
    return len(names)
