"""Panels other parts add to the lead's idea page; the ideas part knows none of them.

A part registers, when its routes load, a function `panels(idea, viewer) -> dict` giving
ready HTML for some of the page's slots, in the page's order:

- `actions`: under the title and status, the page's main actions (a button or link each);
- `scores`: after the summary of who shared the idea;
- `reviews`: after the questions and answers, given the page's full width (for a wide table;
  the panel keeps its text to two thirds with a grid row of its own);
- `evidence`: after the reviews (similar ideas);
- `literature`: related scanned literature;
- `decisions`: before the triage decision.

Each function asks `portal.policy` itself what the viewer may see, and leaves out what they
may not. Several parts may fill one slot; they appear in the order they registered.
"""

from markupsafe import Markup

SLOTS = ("actions", "scores", "reviews", "evidence", "literature", "decisions")
_providers: list = []


def lead_panel(provide):
    """Register `provide(idea, viewer) -> {slot: html}` for the lead's idea page."""
    _providers.append(provide)
    return provide


def lead_panels(idea, viewer) -> dict[str, Markup]:
    """Every registered panel for this idea and viewer, joined per slot."""
    found: dict[str, list] = {slot: [] for slot in SLOTS}
    for provide in _providers:
        for slot, html in provide(idea, viewer).items():
            found[slot].append(html)
    return {slot: Markup("\n").join(parts) for slot, parts in found.items()}
