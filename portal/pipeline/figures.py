"""Dashboard sections (a heading, charts and the table of the same numbers) and the two trends.

Each trend is one column chart of all the ideas the lead may see, then one small chart per
workstream on a shared scale (so their heights compare), then a table: a row per month, a
column for all ideas and one per workstream.
"""

from dataclasses import dataclass, field

from markupsafe import Markup

from portal.pipeline.charts import Column, column_chart
from portal.pipeline.trends import NO_WORKSTREAM, Trend


@dataclass
class Figure:
    """A dashboard section: a heading, a chart and the table with the same numbers."""

    key: str
    heading: str
    intro: str
    chart: Markup | None
    head: list[str]
    rows: list[list[str]] = field(default_factory=list)
    empty: str = "There is nothing to show yet."
    small: list[tuple[str, Markup]] = field(default_factory=list)  # one chart per workstream
    small_intro: str = ""


def _month_label(month, trend: Trend) -> str:
    so_far = " (so far)" if month == trend.months[-1] else ""
    return f"{month:%B %Y}{so_far}"


def _columns(trend: Trend, items, value, text, short) -> list[Column]:
    """One column per month from its figure: `value` its height, `text` and `short` its words."""
    return [
        Column(
            label=f"{month:%b}",
            value=value(item),
            text=text(item),
            short=short(item),
            name=_month_label(month, trend),
            note=f"{month:%Y}" if n == 0 or month.month == 1 else "",
        )
        for n, (month, item) in enumerate(zip(trend.months, items, strict=True))
    ]


def _small_charts(key, title, description, trend: Trend, value, text, short):
    """One small chart per workstream, all drawn to the largest value among them."""
    scale = max((value(item) or 0 for _, items in trend.by_workstream for item in items), default=0)
    return [
        (
            label,
            column_chart(
                f"chart-{key}-{n}",
                f"{title}: {label}",
                description,
                _columns(trend, items, value, text, short),
                scale=scale or 1,
                small=True,
            ),
        )
        for n, (label, items) in enumerate(trend.by_workstream, start=1)
    ]


def _same(n):
    return n


def _count(n: int) -> str:
    return f"{n:,}"


def _ideas(n: int) -> str:
    return f"{n:,} {'idea' if n == 1 else 'ideas'}"


def submissions_figure(trend: Trend) -> Figure:
    """Ideas submitted per month, overall and by workstream."""
    title = "Ideas submitted per month"
    description = "Column chart of the ideas submitted in each of the last 12 months."
    total = sum(trend.overall)
    return Figure(
        "submitted",
        title,
        "How many ideas were submitted each month, over the last 12 months. The last month "
        "has only the ideas submitted so far.",
        column_chart(
            "chart-submitted",
            title,
            description,
            _columns(trend, trend.overall, _same, _ideas, _count),
        )
        if total
        else None,
        ["Month", "All ideas", *(label for label, _ in trend.by_workstream)],
        [
            [_month_label(month, trend), f"{n:,}", *(f"{vs[i]:,}" for _, vs in trend.by_workstream)]
            for i, (month, n) in enumerate(zip(trend.months, trend.overall, strict=True))
        ],
        "No ideas were submitted in the last 12 months.",
        _small_charts("submitted", title, description, trend, _same, _ideas, _count)
        if total
        else [],
        _small_intro(trend),
    )


def _days(median) -> str:
    if median is None:
        return "No decisions"
    return f"{median.days:.1f} days ({_ideas(median.count)} decided)"


def _short_days(median) -> str:
    return "–" if median is None else f"{median.days:.0f}"


def _cell(median) -> str:
    return "–" if median is None else f"{median.days:.1f} ({median.count:,})"


def decisions_figure(trend: Trend) -> Figure:
    """Median days from submission to first decision, per month of decision."""
    title = "Time to decision"
    description = (
        "Column chart of the median days from submission to decision, for the ideas decided "
        "in each of the last 12 months."
    )
    decided = any(m is not None for m in trend.overall)

    def days(median):
        return None if median is None else median.days

    return Figure(
        "time-to-decision",
        title,
        "For the ideas decided each month: the median number of days from submission to the "
        "first decision (taken forward at triage or after review, or not taken forward). In "
        "the table each cell is the median days, then how many ideas were decided; '–' "
        "means none were.",
        column_chart(
            "chart-time-to-decision",
            f"{title}: median days",
            description,
            _columns(trend, trend.overall, days, _days, _short_days),
        )
        if decided
        else None,
        ["Month decided", "All ideas", *(label for label, _ in trend.by_workstream)],
        [
            [_month_label(month, trend), _cell(m), *(_cell(vs[i]) for _, vs in trend.by_workstream)]
            for i, (month, m) in enumerate(zip(trend.months, trend.overall, strict=True))
        ],
        "No ideas were decided in the last 12 months.",
        _small_charts("time-to-decision", title, description, trend, days, _days, _short_days)
        if decided
        else [],
        _small_intro(trend),
    )


def _small_intro(trend: Trend) -> str:
    text = "Every workstream's chart has the same scale. An idea chosen for two workstreams "
    text += "counts in both."
    if any(label == NO_WORKSTREAM for label, _ in trend.by_workstream):
        text += f" '{NO_WORKSTREAM}' is ideas that name none."
    return text
