"""The form leads use to add or edit a workstream."""

from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from portal.fields import WholeNumberField
from portal.forms import PortalForm
from portal.validators import MaxChars

CAPACITY_MAX = 50


class WorkstreamForm(PortalForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter a name for the workstream"),
            MaxChars(120, "Name must be 120 characters or fewer"),
        ],
    )
    short_name = StringField(
        "Short name (optional)",
        validators=[MaxChars(20, "Short name must be 20 characters or fewer")],
        description="Shown in brackets after the name. For example, MatNeo",
    )
    description = TextAreaField(
        "Description",
        validators=[
            DataRequired("Enter a description of the workstream"),
            MaxChars(2000, "Description must be 2,000 characters or fewer"),
        ],
        description="Innovators read this when choosing workstreams for their idea.",
    )
    aim = TextAreaField(
        "Aim",
        validators=[
            DataRequired("Enter the workstream's aim"),
            MaxChars(500, "Aim must be 500 characters or fewer"),
        ],
        description="The aim at the head of the workstream's driver diagram. For example, "
        "'Halve severe harm from high-risk medicines across care transitions by 2028'",
    )
    capacity = WholeNumberField(
        "Capacity",
        message=f"Capacity must be a whole number between 0 and {CAPACITY_MAX}",
        validators=[
            InputRequired("Enter how many change ideas the workstream can take on at once"),
            NumberRange(0, CAPACITY_MAX, f"Capacity must be between 0 and {CAPACITY_MAX}"),
        ],
        description="How many change ideas the workstream can take on at once, from 0 to "
        f"{CAPACITY_MAX}.",
    )
    active = RadioField(
        "Can innovators choose this workstream for new ideas?",
        choices=[SelectChoice("yes", "Yes, it is active"), SelectChoice("no", "No, deactivate it")],
        default="yes",
        validators=[InputRequired("Choose whether the workstream is active")],
        description="A deactivated workstream keeps its ideas but is no longer offered on the "
        "idea form.",
    )

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "short_name": self.short_name.data,
            "description": self.description.data,
            "aim": self.aim.data,
            "capacity": self.capacity.data,
            "active": self.active.data == "yes",
        }
