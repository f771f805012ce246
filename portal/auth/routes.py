"""The auth blueprint with every route of the part registered on it."""

# each registers its routes on bp
from portal.auth import invitation_views, mfa_views, sso_views, token_views, views  # noqa: F401
from portal.auth.blueprint import bp

__all__ = ["bp"]
