"""The pipeline's panels on the lead's idea page: the decision button, scores, reviews,
similar ideas, decisions.

A lead conflicted on the idea gets the decision history without scores, and nothing else.
"""

from flask import render_template
from markupsafe import Markup

from portal.ideas.panels import lead_panel
from portal.pipeline.decision_forms import ReopenForm
from portal.pipeline.evidence import idea_evidence


@lead_panel
def pipeline_panels(idea, viewer) -> dict[str, Markup]:
    """Scores, reviews and similar ideas for a lead who may see them; the decisions."""
    evidence = idea_evidence(idea, viewer)

    def html(template, **context):
        # stripped, so a panel with nothing to show is empty and its slot can be left out
        return Markup(render_template(template, idea=idea, evidence=evidence, **context).strip())

    panels = {
        "actions": html("pipeline/_idea_actions.html"),
        "decisions": html("pipeline/_idea_decisions.html", reopen_form=ReopenForm(formdata=None)),
    }
    if not evidence["conflicted"]:
        panels["scores"] = html("pipeline/_idea_scores.html")
        panels["reviews"] = html("pipeline/_idea_reviews.html")
        panels["evidence"] = html("pipeline/_idea_similar.html")
    return panels
