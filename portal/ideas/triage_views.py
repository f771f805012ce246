"""Programme leads' triage: new ideas, the lead's idea page, versions and decisions."""

from flask import render_template


def lead_page(idea):
    """The idea page as a programme lead sees it."""
    return render_template("ideas/lead_idea.html", idea=idea, title=idea.display_title)
