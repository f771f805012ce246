"""The search page: one box, results with highlighted snippets, facets and paging."""

from functools import partial

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user

from portal.access import signed_in
from portal.extensions import db
from portal.search.blueprint import bp
from portal.search.engine import FACETS, search

FACET_LABELS = {
    "type": "Type",
    "workstream": "Workstream",
    "stage": "Stage",
    "source": "Source",
    "year": "Year",
}


@bp.route("/search")
@signed_in
def results():
    filters = {name: request.args.get(name, "") for name in FACETS}
    page = request.args.get("page", "1")
    found = search(
        request.args.get("q", ""),
        viewer=current_user,
        filters=filters,
        page=int(page) if page.isdigit() else 1,
    )
    return render_template(
        "search/results.html",
        title="Search",
        found=found,
        facet_labels=FACET_LABELS,
        value_label=partial(_value_label, _workstream_names()),
        search_url=_search_url,
    )


def _search_url(found, page=None, **changes) -> str:
    """This search's address with some filters (or the query) changed; page 1 unless given."""
    args = {"q": found.query, **found.filters, **changes}
    if page and page > 1:
        args["page"] = page
    return url_for("search.results", **{k: v for k, v in args.items() if v})


def _value_label(workstreams: dict[str, str], facet: str, value: str) -> str:
    """How a facet value reads on the page."""
    from portal.horizon.models import ItemStatus
    from portal.ideas.lifecycle import IdeaState

    if facet == "type":
        return {"idea": "Ideas", "item": "Scanned literature"}.get(value, value)
    if facet == "stage":
        for states in (IdeaState, ItemStatus):
            if value in states._value2member_map_:
                return states(value).label
    if facet == "source":
        return {"submission": "Shared by an innovator", "horizon_scan": "Horizon scanning"}.get(
            value, value
        )
    if facet == "workstream":
        return workstreams.get(value, value)
    return value


def _workstream_names() -> dict[str, str]:
    from portal.ideas.models import Workstream

    return dict(db.session.execute(sa.select(Workstream.key, Workstream.name)).all())
