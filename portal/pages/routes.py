"""The pages blueprint with every route of the part registered on it."""

from portal.pages import views  # noqa: F401  (each registers its routes on bp)
from portal.pages.blueprint import bp

__all__ = ["bp"]
