"""Account forms; error messages follow the NHS.UK style ("Enter ...", "Choose ...")."""

from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from portal.auth.models import ORGANISATION_TYPE_LABELS
from portal.forms import PortalForm

NOT_LISTED = "not-listed"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label="Email address"):
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            InputRequired("Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )


class RegisterForm(PortalForm):
    name = StringField(
        "Full name",
        filters=[_strip],
        validators=[
            InputRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = _email_field()
    organisation = SelectField("Your organisation", validate_choice=False)
    organisation_name = StringField(
        "Name of your organisation",
        validators=[Length(max=200, message="Organisation name must be 200 characters or fewer")],
    )
    organisation_type = SelectField(
        "Type of organisation",
        choices=[SelectChoice("", "Choose a type")]
        + [SelectChoice(t.value, label) for t, label in ORGANISATION_TYPE_LABELS.items()],
        validate_choice=False,
    )
    password = PasswordField("Create a password", validators=[InputRequired("Enter a password")])

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = (
            [SelectChoice("", "Choose your organisation")]
            + [SelectChoice(str(o.id), o.name) for o in organisations]
            + [SelectChoice(NOT_LISTED, "My organisation is not listed")]
        )
        self._organisation_ids = {str(o.id) for o in organisations}

    def validate_organisation(self, field):
        if not field.data:
            raise ValidationError(
                "Choose your organisation, or choose 'My organisation is not listed'"
            )
        if field.data != NOT_LISTED and field.data not in self._organisation_ids:
            raise ValidationError("Choose your organisation from the list")

    def validate_organisation_name(self, field):
        if self.organisation.data == NOT_LISTED and not (field.data or "").strip():
            raise ValidationError("Enter the name of your organisation")

    def validate_organisation_type(self, field):
        if self.organisation.data != NOT_LISTED:
            return
        if field.data not in {t.value for t in ORGANISATION_TYPE_LABELS}:
            raise ValidationError("Choose the type of your organisation")


class SignInForm(PortalForm):
    email = _email_field()
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )
    new_password = PasswordField("New password", validators=[InputRequired("Enter a new password")])


class ResetRequestForm(PortalForm):
    email = _email_field()


class ResetPasswordForm(PortalForm):
    password = PasswordField("New password", validators=[InputRequired("Enter a new password")])


class ButtonForm(PortalForm):
    """Nothing to fill in: the CSRF token of a button that changes something (revoke a token,
    link or unlink an organisation's account)."""
