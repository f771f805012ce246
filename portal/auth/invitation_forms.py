"""Invitation forms: inviting someone to a role, and the invitee's account set-up."""

from wtforms import EmailField, RadioField, SelectChoice, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from portal.auth.forms import RegisterForm
from portal.forms import PortalForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InviteForm(PortalForm):
    name = StringField(
        "Full name",
        filters=[_strip],
        validators=[
            InputRequired("Enter the full name of the person you are inviting"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[_strip],
        validators=[
            InputRequired("Enter their email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )
    # The choices are the roles the page offers; the service checks the inviter may invite
    # to the one chosen, whatever was posted.
    role = RadioField("Which role are you inviting them to?", validate_choice=False)

    def __init__(self, roles, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, role.label) for role in roles]
        if len(roles) == 1 and not self.role.data:  # a page for one role does not ask
            self.role.data = roles[0].value

    def validate_role(self, field):
        if not field.data:
            raise ValidationError("Select the role you are inviting them to")
        if field.data not in {choice.value for choice in self.role.choices}:
            raise ValidationError("Select one of the roles listed")


class InvitationAccountForm(RegisterForm):
    """Registration without the email address: the invitation says whose account it is."""

    email = None


class AcceptForm(PortalForm):
    """Accept an invitation with an existing account (only the CSRF token)."""
