"""Horizon scanning's panel on the lead's idea page: the scanned items leads added to the idea
as evidence, and the literature most like it."""

from flask import render_template
from markupsafe import Markup

from portal import policy
from portal.horizon.evidence import evidence_for
from portal.horizon.forms import ActionForm
from portal.horizon.promote import related_items, similarity_words
from portal.ideas.panels import lead_panel
from portal.policy import Can


@lead_panel
def literature_panel(idea, viewer) -> dict[str, Markup]:
    """Evidence and related literature (everyone signed in may read scanned items); only a
    lead who may decide on the idea may remove its evidence."""
    links = evidence_for(idea)
    added = {link.item_id for link in links}
    html = render_template(
        "horizon/_idea_literature.html",
        idea=idea,
        links=links,
        literature=[(i, s) for i, s in related_items(idea) if i.id not in added],
        similarity_words=similarity_words,
        can_change=policy.may(viewer, Can.DECIDE, idea),
        form=ActionForm(),
    )
    return {"literature": Markup(html)}
