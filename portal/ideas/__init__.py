"""Ideas: the innovator's form journey, attachments, the lifecycle and the leads' triage."""

from flask import Blueprint

bp = Blueprint("ideas", __name__)

from portal.ideas import attachment_views, summary, triage_views, views  # noqa: E402,F401

bp.add_app_template_filter(summary.section_rows, "idea_answer_rows")
