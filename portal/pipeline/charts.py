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
