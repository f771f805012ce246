"""The reviews blueprint with every route of the part registered on it."""

from portal.reviews import panel_views, review_views, round_views, rubric_views  # noqa: F401  (each registers its routes on bp)
from portal.reviews.blueprint import bp

__all__ = ["bp"]
