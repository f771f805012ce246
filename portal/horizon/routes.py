"""The horizon blueprint with every route of the part registered on it."""

from portal.horizon import idea_panels, inbox_views, views  # noqa: F401  (register on bp)
from portal.horizon.blueprint import bp

__all__ = ["bp"]
