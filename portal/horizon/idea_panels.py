"""Horizon scanning's panel on the lead's idea page: the literature most like the idea."""

from flask import render_template
from markupsafe import Markup

from portal.horizon.promote import related_items, similarity_words
from portal.ideas.panels import lead_panel


@lead_panel
def literature_panel(idea, viewer) -> dict[str, Markup]:
    """Related literature (everyone signed in may read scanned items)."""
    html = render_template(
        "horizon/_idea_literature.html",
        literature=related_items(idea),
        similarity_words=similarity_words,
    )
    return {"literature": Markup(html)}
