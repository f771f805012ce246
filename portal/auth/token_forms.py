"""The form for making a personal access token (revoking one is a `ButtonForm`)."""

from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.auth.access_tokens import LIFETIMES_DAYS, Scope
from portal.fields import MultiCheckboxField
from portal.forms import PortalForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NewTokenForm(PortalForm):
    token_name = StringField(
        "Token name",
        filters=[_strip],
        validators=[
            InputRequired("Enter a name for the token"),
            Length(max=100, message="Token name must be 100 characters or fewer"),
        ],
    )
    scopes = MultiCheckboxField(
        "What may it read?",
        choices=[SelectChoice(scope.value, scope.label) for scope in Scope],
        validate_choice=False,
    )
    days = RadioField(
        "When does it expire?",
        choices=[SelectChoice(str(days), f"In {days} days") for days in LIFETIMES_DAYS],
        default="90",
        validate_choice=False,
    )

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError("Choose what the token may read")
        if not set(field.data) <= {scope.value for scope in Scope}:
            raise ValidationError("Choose from the kinds of data listed")

    def validate_days(self, field):
        if field.data not in {str(days) for days in LIFETIMES_DAYS}:
            raise ValidationError("Choose when the token expires")
