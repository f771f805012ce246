"""Panel review: the rubric, panel members' profiles and invitations, rounds and reviews."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from portal.reviews import panel_views, review_views, round_views, rubric_views  # noqa: E402,F401
