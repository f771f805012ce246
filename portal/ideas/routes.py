"""The ideas blueprint with every route of the part registered on it."""

from portal.backlinks import back_destination
from portal.ideas import (  # noqa: F401  (each registers its routes on bp)
    attachment_views,
    message_views,
    removal_views,
    summary,
    triage_views,
    views,
)
from portal.ideas.blueprint import bp

bp.add_app_template_filter(summary.section_rows, "idea_answer_rows")
back_destination("ideas.triage", "Back to triage")

__all__ = ["bp"]
