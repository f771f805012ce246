"""The ranked table's body rows as HTML, built in Python.

Fifty rows of ten cells through Jinja cost about 0.8 ms of a page rendered afresh (each
attribute and test goes through the sandbox's lookups); built here they cost a quarter of
that. The head, caption and everything around the rows stay in
`templates/pipeline/_ranked_table.html`. Every value from the data is escaped; the only
markup is this module's own.
"""

from markupsafe import Markup, escape

NOT_AVAILABLE = '<span class="nhsuk-u-visually-hidden">Not available</span>'
NONE_FOUND = '<span class="nhsuk-u-visually-hidden">None found</span>'
AGREEMENT = {
    "disagree": '<strong class="nhsuk-tag nhsuk-tag--orange">Disagree</strong>',
    "agree": "Agree",
    "unknown": '<span class="nhsuk-u-visually-hidden">Not enough reviews</span>',
}


def table_rows(rows, shown, raw: bool, idea_link, source_labels) -> Markup:
    """`<tr>` elements for the ranked table: the optional columns in `shown` (in table
    order), raw or calibrated scores, each title linking to `idea_link(reference)`."""
    return Markup("".join(_row(row, shown, raw, idea_link, source_labels) for row in rows))


def _row(row, shown, raw, idea_link, source_labels) -> str:
    title = escape(row.display_title)
    reference = escape(row.reference)
    cells = [
        f'\n<tr><td class="app-num">{row.position}</td><th scope="row">'
        f'<a href="{escape(idea_link(row.reference))}">{title}</a> <span>{reference}</span></th>\n'
        f'<td class="app-num">{_score(row, raw)}</td>'
    ]
    for column in shown:
        cells.append(_CELLS[column](row, raw, source_labels))
    cells.append("</tr>")
    return "".join(cells)


def _score(row, raw) -> str:
    if not row.scored or (raw and row.raw_score is None):
        return '<span class="app-note">Not enough reviews</span>'
    return f"{row.raw_score if raw else row.calibrated_score:.1f}"


def _interval(row, raw, _labels) -> str:
    if raw:
        return ""  # the interval belongs to the calibrated score
    if row.scored and row.interval_low is not None and row.interval_high is not None:
        return f'<td class="app-num">{row.interval_low:.1f}–{row.interval_high:.1f}</td>'
    return f'<td class="app-num">{NOT_AVAILABLE}</td>'


def _chance(row, _raw, _labels) -> str:
    if row.scored and row.prob_top_k is not None:
        return f'<td class="app-num">{row.prob_top_k * 100:.0f}%</td>'
    return f'<td class="app-num">{NOT_AVAILABLE}</td>'


def _agreement(row, _raw, _labels) -> str:
    if row.disagreement:
        return f"<td>{AGREEMENT['disagree']}</td>"
    return f"<td>{AGREEMENT['agree' if row.n_reviews >= 2 else 'unknown']}</td>"


def _stage(row, _raw, _labels) -> str:
    return f"<td>{escape(row.stage)}</td>"


def _days(row, _raw, _labels) -> str:
    days = row.days_in_stage if row.days_in_stage is not None else "Not known"
    return f'<td class="app-num">{days}</td>'


def _workstreams(row, _raw, _labels) -> str:
    return f"<td>{escape(', '.join(row.workstreams) or 'None chosen')}</td>"


def _duplicates(row, _raw, _labels) -> str:
    found = "<br>".join(str(escape(reference)) for reference in row.duplicates)
    return f'<td class="app-refs">{found or NONE_FOUND}</td>'


def _source(row, _raw, labels) -> str:
    return f"<td>{escape(labels[row.source])}</td>"


_CELLS = {
    "interval": _interval,
    "chance": _chance,
    "agreement": _agreement,
    "stage": _stage,
    "days": _days,
    "workstreams": _workstreams,
    "duplicates": _duplicates,
    "source": _source,
}
