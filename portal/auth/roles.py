"""The roles a user may hold, and where each role's home page is."""

import enum

from flask import url_for


class Role(enum.StrEnum):
    INNOVATOR = "innovator"
    PANEL_MEMBER = "panel_member"
    PROGRAMME_LEAD = "programme_lead"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.INNOVATOR: "Innovator",
    Role.PANEL_MEMBER: "Panel member",
    Role.PROGRAMME_LEAD: "Programme lead",
    Role.ADMIN: "Admin",
}

# The home a user lands on after signing in: the first role they hold in this order.
HOME_ORDER = (Role.PROGRAMME_LEAD, Role.PANEL_MEMBER, Role.ADMIN, Role.INNOVATOR)
HOME_ENDPOINTS = {
    Role.INNOVATOR: "ideas.my_ideas",
    Role.PANEL_MEMBER: "reviews.queue",
    Role.PROGRAMME_LEAD: "pipeline.ranked",
    Role.ADMIN: "admin.home",
}

# Where someone lands on taking up a role by invitation, when not that role's home: a new
# panel member fills in their panel profile first.
WELCOME_ENDPOINTS = {Role.PANEL_MEMBER: "reviews.panel_profile"}


def home_url_for(user) -> str:
    """The home page of the user's most senior role (programme lead first)."""
    for role in HOME_ORDER:
        if user.has_role(role):
            return url_for(HOME_ENDPOINTS[role])
    return url_for("auth.account")


def welcome_url_for(user, role: Role) -> str:
    """The page for `user` on taking up `role`: its welcome page, else their home page."""
    if role in WELCOME_ENDPOINTS:
        return url_for(WELCOME_ENDPOINTS[role])
    return home_url_for(user)
