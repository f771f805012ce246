"""Where each user lands after signing in."""

from flask import url_for

from portal.auth.roles import HOME_ENDPOINTS, HOME_ORDER


def home_url_for(user) -> str:
    """The home page of the user's most senior role (programme lead first)."""
    for role in HOME_ORDER:
        if user.has_role(role):
            return url_for(HOME_ENDPOINTS[role])
    return url_for("auth.account")
