"""The leads' ranked pipeline (their home page), its 'what if' weights and its exports."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import Response, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from portal import audit, page_cache
from portal.access import roles
from portal.auth.roles import Role
from portal.clock import london, utcnow
from portal.database import write_intent
from portal.extensions import db
from portal.pipeline import exports, ranked_index, whatif
from portal.pipeline.blueprint import bp
from portal.pipeline.filters import (
    COLUMNS,
    FILTERS,
    SORTS,
    SOURCE_LABELS,
    filter_choices,
    parse_query,
)
from portal.pipeline.ranked_index import PIPELINE_DATA
from portal.pipeline.ranking import pipeline_page, pipeline_rows
from portal.pipeline.snapshots import refresh_pending
from portal.pipeline.table_rows import table_rows
from portal.reviews.rubric import current_rubric

ANY = {
    "workstream": "Any workstream",
    "setting": "Any care setting",
    "stage": "Any stage",
    "round": "Any review round",
    "inequality": "Any group or clinical area",
    "source": "Submitted or horizon scan",
}
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
WHAT_IF_SHOWN = 100
# what werkzeug leaves unquoted in a query string and in a path segment (url.spec.whatwg.org)
URL_SAFE, PATH_SAFE = "!$'()*,/:;?@", "!$&'()*+,/:;=@"


LABELS = {
    "workstream": "Workstream",
    "setting": "Care setting",
    "stage": "Stage",
    "round": "Review round",
    "inequality": "Inequalities addressed",
    "source": "Source",
    "sort": "Sort by",
}
SORT_CHOICES = [(key, label) for key, (label, _) in SORTS.items()]


@dataclass(frozen=True)
class Select:
    """One select of the filter form, as _filters.html writes it (a GET form that changes
    nothing and is read by `parse_query`, so it needs no form class)."""

    name: str
    label: str
    choices: list[tuple[str, str]]  # (value, label)
    selected: str


def _filter_selects(query, allowed) -> dict[str, Select]:
    args = query.args()
    selects = {
        name: Select(name, LABELS[name], [("", ANY[name]), *allowed[name]], str(args.get(name, "")))
        for name in FILTERS
    }
    selects["sort"] = Select("sort", LABELS["sort"], SORT_CHOICES, query.sort)
    return selects


def hidden_fields(query, only=None, without=()) -> list[tuple[str, str]]:
    """(name, value) pairs that carry the query through a GET form, lists repeated.

    `only` names the arguments to carry (default: all), `without` those the form sets itself.
    """
    pairs = []
    for name, value in query.args().items():
        if (only is None or name in only) and name not in without:
            pairs += [(name, str(item)) for item in (value if isinstance(value, list) else [value])]
    return pairs


def with_query(path: str, args: dict) -> str:
    """`path` with `args` as its query string, encoded as `url_for` does (lists repeated);
    building the pipeline's own links so saves url_for's ~60 us a link."""
    if not args:
        return path
    pairs = [
        (name, item)
        for name, value in args.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    return f"{path}?{urlencode(pairs, safe=URL_SAFE)}"


def idea_links(back: str):
    """A function giving an idea page's address with `back` (`url_for` once, not per row)."""
    marker = "REFERENCE"  # letters only: url_for writes it as it is, before the query
    pattern = url_for("ideas.show", reference=marker, back=back)
    before, after = pattern.split(marker, 1)
    return lambda reference: f"{before}{quote(reference, safe=PATH_SAFE)}{after}"


def pagination(current: int, pages: int, link) -> dict | None:
    """Parameters for the NHS.UK pagination component: first, last and neighbours."""
    if pages <= 1:
        return None
    shown = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(page=number), "current": number == current})
        previous = number
    return {
        "items": items,
        "previous": {"href": link(page=current - 1)} if current > 1 else None,
        "next": {"href": link(page=current + 1)} if current < pages else None,
    }


@bp.route("/pipeline")
@roles(Role.PROGRAMME_LEAD)
def ranked():
    # The table is the same for this lead until the data changes (a new data version) or the
    # day turns (days in stage), so it is rendered once and reused: the page stays fast for
    # thousands of ideas. The token is read first; data read after it is never older.
    token = page_cache.current_token(PIPELINE_DATA)
    key = (
        token,
        current_user.id,
        current_user.organisation_id,
        london(utcnow()).date(),
        tuple(sorted(request.args.items(multi=True))),
    )
    cache = page_cache.for_app(current_app, "pipeline")
    body = cache.get(key)
    if body is None:
        body = Markup(_ranked_body(ranked_index.current(token)))
        cache.put(key, body)
    return render_template("pipeline/ranked.html", title="Pipeline", body=body)


def _ranked_body(index):
    allowed = index.kept("filter choices", filter_choices)
    query = parse_query(request.args, allowed)
    page = pipeline_page(current_user, query, index)
    here = url_for("pipeline.ranked")

    def link(endpoint="pipeline.ranked", **changes):
        args = query.args(**changes)
        if endpoint == "pipeline.ranked":
            return with_query(here, args)
        return url_for(endpoint, **args)

    def sortable(label, key, format=None):
        """A column heading that sorts by `key`, or reverses the sort when it already does."""
        header = {"text": label, "format": format, "sort": "none"}
        if query.sort != key:
            return header | {"href": link(sort=key, dir=None, page=None)}
        flipped = "desc" if query.direction == "asc" else "asc"
        return header | {
            "href": link(sort=key, dir=flipped, page=None),
            "sort": "ascending" if query.direction == "asc" else "descending",
        }

    return render_template(
        "pipeline/_ranked_body.html",
        refreshing=index.kept("refresh pending", refresh_pending),
        query=query,
        page=page,
        filter_form=_filter_selects(query, allowed),
        filtered=any(getattr(query, name) for name in FILTERS),
        link=link,
        idea_link=idea_links(link()),
        sortable=sortable,
        columns=COLUMNS,
        hidden_fields=hidden_fields,
        source_labels=SOURCE_LABELS,
        table_rows=table_rows,
        pagination=pagination(page.page, page.pages, link),
    )


@bp.route("/pipeline/what-if")
@roles(Role.PROGRAMME_LEAD)
def what_if():
    rubric = current_rubric()
    criteria = list(rubric.criteria) if rubric else []
    form = whatif.what_if_form(criteria, request.args)
    moves = ranked_count = None
    if request.args and form.validate():
        moves, ranked_count = whatif.what_if(
            current_user,
            {f.name[2:]: f.weight for f in form.criterion_fields()},
            {f.name[2:]: f.weight for f in form.component_fields()},
        )
    return render_template(
        "pipeline/what_if.html",
        title="What if the weights changed",
        form=form,
        moves=moves[:WHAT_IF_SHOWN] if moves else moves,
        moved=len(moves or []),
        ranked_count=ranked_count,
    )


@bp.route("/pipeline/export.<any(csv, xlsx):kind>")
@roles(Role.PROGRAMME_LEAD)
def export(kind):
    query = parse_query(request.args, filter_choices())
    rows = pipeline_rows(current_user, query)
    data = exports.to_csv(rows) if kind == "csv" else exports.to_xlsx(rows)
    filters = query.args(page=None, cols=None)
    db.session.commit()  # end the read; the audit write takes the write lock up front
    with write_intent():
        audit.record(
            current_user,
            "pipeline.exported",
            object_type="pipeline",
            format=kind,
            rows=len(rows),
            filters=filters,
        )
        db.session.commit()
    filename = f"pipeline-{london(utcnow()):%Y-%m-%d}.{kind}"
    return Response(
        data,
        content_type=EXPORT_TYPES[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
