"""Horizontal bar charts drawn on the server as inline SVG: no JavaScript, every label escaped.

To assistive technology a chart is one image (role="img"), named by its <title> and described
by its <desc>, which also lists every value; pages follow each chart with a table of the same
numbers. Bars use NHS colours that each contrast at least 4.5:1 with the page (white or NHS
pale grey), and the segments of a stacked bar are parted by a white gap, so no two colours need
to contrast with each other.
"""

from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 720
VALUE_SPACE = 190  # right of the longest bar, for its value label
ROW = 52  # a label line above a bar
BAR = 22
FONT = 15
CHAR = 0.56 * FONT  # a generous average width of an Arial character
MAX_LABEL = 80  # longer labels are shortened in the chart; tables show them whole
TEXT = "#212b32"  # NHS black
# NHS blue, dark blue, green, dark grey, dark pink, purple: each >= 4.5:1 on #f0f4f5 and white
COLOURS = ("#005eb8", "#003087", "#007f3b", "#4c6272", "#7c2855", "#330072")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, one value per series (stacked left to right), the text at its end."""

    label: str
    values: tuple[float, ...]
    text: str


def bar_chart(chart_id: str, title: str, description: str, bars, series=()) -> Markup:
    """Draw `bars` as a horizontal bar chart; `series` names the segments of stacked bars."""
    bars = list(bars)
    top = _legend_height(series)
    height = top + len(bars) * ROW + 8
    scale = max((sum(b.values) for b in bars), default=0) or 1
    span = WIDTH - VALUE_SPACE
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
            'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" width="100%" '
            'focusable="false" font-family="Frutiger W01, Arial, Helvetica, sans-serif" '
            'font-size="{3}">'
        ).format(chart_id, WIDTH, height, FONT),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, _describe(description, bars)),
    ]
    parts += _legend(series)
    for n, bar in enumerate(bars):
        y = top + n * ROW
        parts.append(
            Markup('<text class="app-chart__label" x="0" y="{}" fill="{}">{}</text>').format(
                y + FONT, TEXT, _shorten(bar.label)
            )
        )
        x, bar_y = 0.0, y + FONT + 6
        for s, value in enumerate(bar.values):
            width = span * value / scale
            if width > 0:
                parts.append(
                    Markup(
                        '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}" '
                        'stroke="#ffffff" stroke-width="{}"/>'
                    ).format(x, bar_y, width, BAR, COLOURS[s % len(COLOURS)], 2 if series else 0)
                )
            x += width
        parts.append(
            Markup('<text class="app-chart__value" x="{:.1f}" y="{}" fill="{}">{}</text>').format(
                x + 8, bar_y + BAR - 6, TEXT, bar.text
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _describe(description, bars) -> str:
    values = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return f"{description} {values}." if values else description


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _legend_layout(series):
    """(x, row) of each legend entry, wrapping to a new row when the line is full."""
    x, row, places = 0.0, 0, []
    for name in series:
        width = 22 + len(name) * CHAR + 24
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        places.append((x, row))
        x += width
    return places


def _legend_height(series) -> int:
    places = _legend_layout(series)
    return (max(row for _, row in places) + 1) * 28 + 12 if places else 0


def _legend(series):
    for s, (name, (x, row)) in enumerate(zip(series, _legend_layout(series), strict=True)):
        y = row * 28
        yield Markup('<rect x="{:.1f}" y="{}" width="16" height="16" fill="{}"/>').format(
            x, y + 2, COLOURS[s % len(COLOURS)]
        )
        yield Markup('<text x="{:.1f}" y="{}" fill="{}">{}</text>').format(
            x + 22, y + 15, TEXT, name
        )


@dataclass(frozen=True)
class Column:
    """One column of a column chart: a short axis label, its value (None: no data) and the
    value in words; `name` is the label in full, both for the description."""

    label: str
    value: float | None
    text: str
    name: str = ""
    note: str = ""  # a second axis line under the label, such as the year
    short: str = ""  # the value as written above the bar, if not `text`


def column_chart(
    chart_id: str, title: str, description: str, columns, *, scale=None, small=False
) -> Markup:
    """Draw `columns` as vertical bars on a shared baseline, each value written above its bar.

    `scale` is the value of a full-height bar (default: the largest value), so small charts
    drawn side by side can share one; `small` draws a narrower chart with fewer axis labels.
    """
    columns = list(columns)
    width, plot = (360, 100) if small else (WIDTH, 150)
    top, bottom = FONT + 10, 2 * FONT + 14
    height = top + plot + bottom
    scale = scale or max((c.value or 0 for c in columns), default=0) or 1
    slot = width / max(len(columns), 1)
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart app-chart--columns{4}" '
            'role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
            'width="100%" focusable="false" '
            'font-family="Frutiger W01, Arial, Helvetica, sans-serif" font-size="{3}">'
        ).format(chart_id, width, height, FONT, " app-chart--small" if small else ""),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(
            chart_id, _describe_columns(description, columns)
        ),
        Markup('<line x1="0" y1="{0}" x2="{1}" y2="{0}" stroke="{2}" stroke-width="1"/>').format(
            top + plot, width, TEXT
        ),
    ]
    for n, column in enumerate(columns):
        centre = slot * (n + 0.5)
        size = plot * (column.value or 0) / scale
        if size > 0:
            bar = Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>')
            parts.append(
                bar.format(centre - slot * 0.35, top + plot - size, slot * 0.7, size, COLOURS[0])
            )
        parts.append(
            Markup(
                '<text class="app-chart__value" x="{:.1f}" y="{:.1f}" fill="{}" '
                'text-anchor="middle">{}</text>'
            ).format(centre, top + plot - size - 6, TEXT, column.short or column.text)
        )
        # a small chart labels every other month, always including the last
        if not small or (len(columns) - 1 - n) % 2 == 0:
            parts.append(
                Markup(
                    '<text class="app-chart__label" x="{:.1f}" y="{}" fill="{}" '
                    'text-anchor="middle">{}</text>'
                ).format(centre, top + plot + FONT + 6, TEXT, column.label)
            )
        if column.note and not small:  # the small charts sit under a full one with the years
            parts.append(
                Markup('<text x="{:.1f}" y="{}" fill="{}" text-anchor="middle">{}</text>').format(
                    centre, top + plot + 2 * FONT + 10, TEXT, column.note
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _describe_columns(description, columns) -> str:
    values = "; ".join(f"{c.name or c.label}: {c.text}" for c in columns)
    return f"{description} {values}." if values else description
