"""The pipeline blueprint with every route of the part registered on it."""

from portal.pipeline import (  # noqa: F401  (each registers its routes on bp)
    audit_views,
    dashboard_views,
    decision_views,
    portfolio_views,
    ranking_views,
    workstream_views,
)
from portal.pipeline.blueprint import bp

__all__ = ["bp"]
