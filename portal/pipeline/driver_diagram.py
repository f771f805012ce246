"""A workstream's driver diagram drawn as inline SVG: aim → primary drivers → change ideas.

The aim sits on the left, joined to one box per primary driver (the rubric's enablers, then
"Other"); each driver is joined to a box naming its first few change ideas and how many more
there are. To assistive technology the drawing is one image (role="img") named by its <title>
and summarised by its <desc>; the page lists every driver and change idea beside it, with
links. Text is wrapped here (SVG does not wrap), every label escaped, and the colours are NHS
ones that contrast at least 4.5:1 with what is behind them.
"""

import textwrap

from markupsafe import Markup

from portal.pipeline.charts import CHAR, FONT, TEXT

WIDTH = 960
LINE, PAD, GAP = 20, 12, 12  # a line of text, a box's inner margin, the space between rows
AIM = (0, 200)  # x and width of each column
DRIVER = (240, 260)
IDEAS = (540, 420)
SHOWN = 3  # change ideas named under each driver in the drawing; the list names them all
# NHS blue, dark grey (text, 6:1 on white) and mid grey (lines and boxes, 3:1 on the page)
BLUE, GREY, BORDER = "#005eb8", "#4c6272", "#768692"


def _lines(text: str, width: int, most: int) -> list[str]:
    """`text` wrapped to a box `width` px wide, at most `most` lines (the last one ends "…"
    if the text goes on); words are never cut."""
    chars = max(8, int((width - 2 * PAD) / CHAR))
    lines = textwrap.wrap(text, chars) or [""]
    if len(lines) > most:
        rest = " ".join(lines[most - 1 :])
        lines = lines[: most - 1] + [textwrap.shorten(rest, chars, placeholder=" …")]
    return lines


def _text(x, y, lines, fill=TEXT, weight=None) -> Markup:
    bold = Markup(' font-weight="{}"').format(weight) if weight else Markup("")
    spans = Markup("").join(
        Markup('<tspan x="{}" dy="{}">{}</tspan>').format(x, 0 if n == 0 else LINE, line)
        for n, line in enumerate(lines)
    )
    return Markup('<text x="{}" y="{}" fill="{}"{}>{}</text>').format(x, y, fill, bold, spans)


def _box(x, y, width, height, fill, stroke, dashed=False) -> Markup:
    dash = Markup(' stroke-dasharray="6 4"') if dashed else Markup("")
    return Markup(
        '<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{}" stroke="{}" '
        'stroke-width="2"{}/>'
    ).format(x, y, width, height, fill, stroke, dash)


def _idea_lines(driver) -> list[str]:
    ideas = driver.ideas
    if not ideas:
        return ["No change ideas yet"]
    lines = [_lines(idea.display_title, IDEAS[1], most=1)[0] for idea in ideas[:SHOWN]]
    if len(ideas) > SHOWN:
        lines.append(f"and {len(ideas) - SHOWN} more")
    return lines


def _name(driver) -> str:
    return driver.criterion.name if driver.criterion else "Other"


def _count(n: int) -> str:
    return f"{n} change {'idea' if n == 1 else 'ideas'}"


def describe(diagram) -> str:
    """The drawing in words, for its <desc>."""
    aim = diagram.workstream.aim or "no aim set yet"
    drivers = "; ".join(
        f"{_name(d)}: {_count(len(d.ideas))}" for d in (*diagram.drivers, diagram.other)
    )
    return (
        f"Aim: {aim}. It has {len(diagram.drivers)} primary drivers and Other, each joined to "
        f"its change ideas: {drivers}. The list after the diagram names every change idea."
    )


def driver_diagram_svg(chart_id: str, diagram) -> Markup:
    """Draw `diagram` (a portfolio.DriverDiagram) as an accessible SVG image."""
    rows, y = [], 0
    for driver in (*diagram.drivers, diagram.other):
        name = _lines(_name(driver), DRIVER[1], most=3)
        ideas = _idea_lines(driver)
        height = max(len(name) + 1, len(ideas)) * LINE + 2 * PAD
        rows.append((driver, name, ideas, y, height))
        y += height + GAP
    total = max(y - GAP, 0)
    aim_lines = ["Aim", *_lines(diagram.workstream.aim or "No aim set yet", AIM[1], most=12)]
    aim_height = len(aim_lines) * LINE + 2 * PAD
    aim_y = max(0, (total - aim_height) / 2)
    height = max(total, aim_height)
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-driver-diagram" role="img" '
            'aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2:.0f}" width="100%" '
            'focusable="false" font-family="Frutiger W01, Arial, Helvetica, sans-serif" '
            'font-size="{3}">'
        ).format(chart_id, WIDTH, height, FONT),
        Markup('<title id="{}-title">{}</title>').format(
            chart_id, f"Driver diagram: {diagram.workstream.label}"
        ),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, describe(diagram)),
        _box(AIM[0] + 1, aim_y + 1, AIM[1] - 2, aim_height - 2, BLUE, BLUE),
        _text(AIM[0] + PAD, aim_y + PAD + FONT, aim_lines[:1], "#ffffff", 600),
        _text(AIM[0] + PAD, aim_y + PAD + FONT + LINE, aim_lines[1:], "#ffffff"),
    ]
    join_x = (AIM[0] + AIM[1] + DRIVER[0]) / 2
    aim_mid = aim_y + aim_height / 2
    for driver, name, ideas, top, row_height in rows:
        mid = top + row_height / 2
        other = driver.criterion is None
        parts += [
            Markup(
                '<path d="M{} {:.1f} H{} V{:.1f} H{}" fill="none" stroke="{}" stroke-width="2"/>'
            ).format(AIM[1], aim_mid, join_x, mid, DRIVER[0], GREY),
            Markup('<path d="M{} {:.1f} H{}" stroke="{}" stroke-width="2"/>').format(
                DRIVER[0] + DRIVER[1], mid, IDEAS[0], GREY
            ),
            _box(
                DRIVER[0] + 1,
                top + 1,
                DRIVER[1] - 2,
                row_height - 2,
                "#ffffff",
                GREY if other else BLUE,
                dashed=other,
            ),
            _text(DRIVER[0] + PAD, top + PAD + FONT, name, weight=600),
            _text(
                DRIVER[0] + PAD,
                top + PAD + FONT + len(name) * LINE,
                [_count(len(driver.ideas))],
                GREY,
            ),
            _box(IDEAS[0] + 1, top + 1, IDEAS[1] - 2, row_height - 2, "#ffffff", BORDER),
            _text(IDEAS[0] + PAD, top + PAD + FONT, ideas, GREY if not driver.ideas else TEXT),
        ]
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
