"""The portfolio page: driver diagrams per workstream and the capacity-aware shortlist."""

from flask import render_template
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.pipeline.blueprint import bp
from portal.pipeline.driver_diagram import SHOWN, driver_diagram_svg
from portal.pipeline.portfolio import STRONG_MEAN, capacity_shortlist, driver_diagrams


@bp.route("/pipeline/portfolio")
@roles(Role.PROGRAMME_LEAD)
def portfolio():
    diagrams = driver_diagrams(current_user)
    return render_template(
        "pipeline/portfolio.html",
        title="Portfolio",
        diagrams=[(d, driver_diagram_svg(f"diagram-{d.workstream.id}", d)) for d in diagrams],
        shortlist=capacity_shortlist(current_user),
        strong_mean=STRONG_MEAN,
        shown=SHOWN,
    )
