"""The ideas blueprint with every route of the part registered on it."""

from portal.ideas import attachment_views, triage_views, views  # noqa: F401  (each registers its routes on bp)
from portal.ideas.blueprint import bp

__all__ = ["bp"]
