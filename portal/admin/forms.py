"""Admin forms: a user's roles, whether the account is active, resetting security codes."""

from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, Length

from portal.auth.roles import ROLE_LABELS
from portal.fields import MultiCheckboxField
from portal.forms import PortalForm


class UserRolesForm(PortalForm):
    roles = MultiCheckboxField(
        "Roles", choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )


class UserActiveForm(PortalForm):
    active = HiddenField(validators=[AnyOf(["yes", "no"], message="Choose an action")])


class ResetSecondFactorForm(PortalForm):
    """Nothing to fill in: the form carries the CSRF token of the reset button."""


class ResendTaskForm(PortalForm):
    """Nothing to fill in: the form carries the CSRF token of the "Send again" button."""


class UserSearchForm(PortalForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(
        "Search by name, email or organisation",
        validators=[Length(max=200, message="Search must be 200 characters or fewer")],
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice("", "Any role")]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        default="",
        validate_choice=False,
        validators=[
            AnyOf(["", *(role.value for role in ROLE_LABELS)], "Select a role from the list")
        ],
    )
