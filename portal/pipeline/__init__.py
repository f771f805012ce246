"""The leads' pipeline: ranked ideas, decisions, portfolio, dashboard, workstreams, exports.

Pages read score snapshots (`models.ScoreSnapshot`); only `snapshots.py` computes scores.
"""

from flask import Blueprint

bp = Blueprint("pipeline", __name__)

from portal.pipeline import (  # noqa: E402,F401  (each module registers its routes on bp)
    audit_views,
    dashboard_views,
    decision_views,
    portfolio_views,
    ranking_views,
    workstream_views,
)
