"""Demo data for trying the portal locally; `flask demo` loads it and is safe to run twice."""

from portal.auth.models import OrganisationType
from portal.auth.roles import Role
from portal.auth.services import create_user, find_or_create_organisation, find_user_by_email

DEMO_ORGANISATIONS = {
    "trust": ("Northshire Teaching Hospitals NHS Foundation Trust", OrganisationType.NHS_TRUST),
    "icb": ("NHS Northshire Integrated Care Board", OrganisationType.ICB),
    "psc": ("Northshire Patient Safety Collaborative", OrganisationType.OTHER),
    "company": ("Brightwell Digital Health Ltd", OrganisationType.COMPANY),
}

# role, email, name, organisation key, password (printed by `flask demo`)
DEMO_USERS = [
    (
        Role.INNOVATOR,
        "innovator@example.org",
        "Ifeoma Innovator",
        "trust",
        "demo-innovator-lantern-42",
    ),
    (Role.PANEL_MEMBER, "panel@example.org", "Priya Panel", "icb", "demo-panel-harbour-57"),
    (Role.PROGRAMME_LEAD, "lead@example.org", "Liam Lead", "psc", "demo-lead-meadow-83"),
    (Role.ADMIN, "admin@example.org", "Ada Admin", "psc", "demo-admin-compass-19"),
]


def load_demo():
    """Create the demo organisations and one user per role; return (role, email, password)."""
    organisations = {
        key: find_or_create_organisation(name, type_)
        for key, (name, type_) in DEMO_ORGANISATIONS.items()
    }
    accounts = []
    for role, email, name, org_key, password in DEMO_USERS:
        if find_user_by_email(email) is None:
            create_user(email, name, password, organisations[org_key], roles=[role])
        accounts.append((role.label, email, password))
    return accounts
