"""The search blueprint with every route of the part registered on it."""

from portal.search import views  # noqa: F401  (each registers its routes on bp)
from portal.search.blueprint import bp

__all__ = ["bp"]
