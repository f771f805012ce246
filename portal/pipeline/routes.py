"""The pipeline blueprint with every route of the part registered on it."""

from portal.backlinks import back_destination
from portal.pipeline import (  # noqa: F401  (each registers its routes on bp)
    audit_views,
    dashboard_views,
    decision_views,
    idea_panels,
    portfolio_views,
    ranking_views,
    workstream_views,
)
from portal.pipeline.blueprint import bp

back_destination("pipeline.ranked", "Back to pipeline")

__all__ = ["bp"]
