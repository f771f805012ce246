"""The admin blueprint with every route of the part registered on it."""

from portal.admin import task_views, views  # noqa: F401  (each registers its routes on bp)
from portal.admin.blueprint import bp

__all__ = ["bp"]
