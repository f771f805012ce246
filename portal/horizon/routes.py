"""The horizon blueprint with every route of the part registered on it."""

from portal.horizon import (  # noqa: F401  (register on bp)
    evidence_views,
    idea_panels,
    inbox_views,
    views,
)
from portal.horizon.blueprint import bp

__all__ = ["bp"]
