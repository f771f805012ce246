"""The horizon blueprint with every route of the part registered on it."""

from portal.horizon import inbox_views, views  # noqa: F401  (each registers its routes on bp)
from portal.horizon.blueprint import bp

__all__ = ["bp"]
