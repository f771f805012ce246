"""The search page: one box, results with highlighted snippets, facets and paging."""

from functools import partial

from flask import render_template, request, url_for
from flask_login import current_user

from portal.access import signed_in
from portal.search.blueprint import bp
from portal.search.engine import FACETS, search
from portal.search.labels import for_staff, value_label, workstream_names

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
        value_label=partial(value_label, workstream_names(), for_staff(current_user)),
        search_url=_search_url,
    )


def _search_url(found, page=None, **changes) -> str:
    """This search's address with some filters (or the query) changed; page 1 unless given."""
    args = {"q": found.query, **found.filters, **changes}
    if page and page > 1:
        args["page"] = page
    return url_for("search.results", **{k: v for k, v in args.items() if v})
