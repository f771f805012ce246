"""The leads' ranked pipeline (their home page), its 'what if' weights and its exports."""

from flask import Response, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice, SelectField

from portal import audit, page_cache
from portal.access import roles
from portal.auth.roles import Role
from portal.clock import london, utcnow
from portal.database import write_intent
from portal.extensions import db
from portal.forms import PortalForm
from portal.pipeline import exports, whatif
from portal.pipeline.blueprint import bp
from portal.pipeline.filters import (
    COLUMNS,
    FILTERS,
    SORTS,
    SOURCE_LABELS,
    filter_choices,
    parse_query,
)
from portal.pipeline.ranking import PIPELINE_DATA, pipeline_page, pipeline_rows
from portal.pipeline.snapshots import refresh_pending
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


class FilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    workstream = SelectField("Workstream", validate_choice=False)
    setting = SelectField("Care setting", validate_choice=False)
    stage = SelectField("Stage", validate_choice=False)
    round = SelectField("Review round", validate_choice=False)
    inequality = SelectField("Inequalities addressed", validate_choice=False)
    source = SelectField("Source", validate_choice=False)
    sort = SelectField(
        "Sort by", choices=[SelectChoice(k, label) for k, (label, _) in SORTS.items()]
    )


def _filter_form(query, allowed):
    form = FilterForm(formdata=None)
    for name in FILTERS:
        field = form[name]
        field.choices = [
            SelectChoice("", ANY[name]),
            *(SelectChoice(value, label) for value, label in allowed[name]),
        ]
        field.data = str(query.args().get(name, ""))
    form.sort.data = query.sort
    return form


def hidden_fields(query, only=None, without=()) -> list[tuple[str, str]]:
    """(name, value) pairs that carry the query through a GET form, lists repeated.

    `only` names the arguments to carry (default: all), `without` those the form sets itself.
    """
    pairs = []
    for name, value in query.args().items():
        if (only is None or name in only) and name not in without:
            pairs += [(name, str(item)) for item in (value if isinstance(value, list) else [value])]
    return pairs


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
    key = (
        page_cache.current_token(PIPELINE_DATA),
        current_user.id,
        current_user.organisation_id,
        london(utcnow()).date(),
        tuple(sorted(request.args.items(multi=True))),
    )
    cache = page_cache.for_app(current_app, "pipeline")
    body = cache.get(key)
    if body is None:
        body = Markup(_ranked_body())
        cache.put(key, body)
    return render_template("pipeline/ranked.html", title="Pipeline", body=body)


def _ranked_body():
    allowed = filter_choices()
    query = parse_query(request.args, allowed)
    page = pipeline_page(current_user, query)

    def link(endpoint="pipeline.ranked", **changes):
        return url_for(endpoint, **query.args(**changes))

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
        refreshing=refresh_pending(),
        query=query,
        page=page,
        filter_form=_filter_form(query, allowed),
        filtered=any(getattr(query, name) for name in FILTERS),
        link=link,
        sortable=sortable,
        columns=COLUMNS,
        hidden_fields=hidden_fields,
        source_labels=SOURCE_LABELS,
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
