"""Forms of the second factor: a security code, a recovery code, and a password to confirm."""

import re

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from portal.forms import PortalForm


def _compact(value):
    """People copy codes with spaces or hyphens ("123 456"): those are not part of them."""
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


class SecurityCodeForm(PortalForm):
    code = StringField(
        "Security code",
        filters=[_compact],
        validators=[
            DataRequired("Enter the security code"),
            Regexp(r"^[0-9]*$", message="The security code must only include numbers"),
            Length(min=6, max=6, message="The security code must be 6 numbers"),
        ],
    )


class RecoveryCodeForm(PortalForm):
    code = StringField(
        "Recovery code",
        filters=[_compact],
        validators=[
            DataRequired("Enter a recovery code"),
            Length(max=40, message="A recovery code is 10 letters and numbers"),
        ],
    )


class ConfirmPasswordForm(PortalForm):
    password = PasswordField("Your password", validators=[InputRequired("Enter your password")])
