"""Forms for programme leads running review rounds."""

from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.fields import DatePartsField, FutureDate, MultiCheckboxField, WholeNumberField
from portal.forms import PortalForm
from portal.validators import MaxChars, MaxWords

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


def _deadline(label="Deadline"):
    return DatePartsField(
        label,
        validators=[
            InputRequired("Enter the deadline"),
            FutureDate("The deadline must be today or later"),
        ],
        description="Reviews close at 11:59pm on this day. For example, 27 3 2027",
    )


class RoundForm(PortalForm):
    name = StringField(
        "Round name",
        validators=[
            InputRequired("Enter a name for the round"),
            MaxChars(150, "Round name must be 150 characters or fewer"),
        ],
        description="For example, 'Spring 2027 medicines safety panel'",
    )
    deadline = _deadline()
    reviews_per_idea = WholeNumberField(
        "Reviews wanted for each idea",
        default=3,
        message="Reviews for each idea must be a number between 1 and 10",
        validators=[
            InputRequired("Enter how many reviews each idea needs"),
            NumberRange(1, 10, "Reviews for each idea must be between 1 and 10"),
        ],
    )
    blind = RadioField(
        "Hide innovators' names and organisations from reviewers?",
        choices=YES_NO,
        default="yes",
        validators=[InputRequired("Choose whether the round is blind")],
    )
    reveal_after_submit = RadioField(
        "Can reviewers see others' reviews after submitting their own?",
        choices=YES_NO,
        default="no",
        validators=[InputRequired("Choose whether reviewers see others' reviews")],
    )
    require_patient_partner = RadioField(
        "Must every idea have at least one patient or carer partner among its reviewers?",
        choices=YES_NO,
        default="yes",
        validators=[InputRequired("Choose whether each idea needs a patient or carer partner")],
    )
    ideas = MultiCheckboxField(
        "Ideas to review",
        validate_choice=True,
        description="Ideas being checked or already in review.",
    )
    panel = MultiCheckboxField(
        "Panel members", validators=[InputRequired("Choose at least one panel member")]
    )

    def set_choices(self, ideas, members):
        self.ideas.choices = [
            SelectChoice(str(i.id), f"{i.reference}: {i.display_title}") for i in ideas
        ]
        self.panel.choices = [SelectChoice(str(m.id), m.name) for m in members]


class AddIdeasForm(PortalForm):
    ideas = MultiCheckboxField(
        "Add ideas to this round", validators=[InputRequired("Choose at least one idea to add")]
    )


class ManualAssignForm(PortalForm):
    idea = SelectField("Idea", validators=[InputRequired("Choose an idea")])
    member = SelectField("Panel member", validators=[InputRequired("Choose a panel member")])


class AutoAssignForm(PortalForm):
    extra_load = WholeNumberField(
        "Extra reviews a member may take above the balanced load",
        default=0,
        message="Enter a number from 0 to 20",
        validators=[Optional(), NumberRange(0, 20, "Enter a number from 0 to 20")],
    )


class DeadlineForm(PortalForm):
    deadline = _deadline("New deadline")


class ReopenForm(PortalForm):
    reason = TextAreaField(
        "Why are you reopening the round?",
        validators=[
            InputRequired("Enter the reason for reopening the round"),
            MaxWords(200, "The reason must be 200 words or fewer"),
        ],
    )


class ConflictForm(PortalForm):
    idea = SelectField("Idea", validators=[InputRequired("Choose an idea")])
    member = SelectField("Panel member", validators=[InputRequired("Choose a panel member")])
    action = RadioField(
        "Conflict",
        choices=[
            SelectChoice("add", "Record a conflict (the member will not review this idea)"),
            SelectChoice("clear", "Clear conflicts, including the automatic same-organisation one"),
        ],
        validators=[InputRequired("Choose whether to record or clear a conflict")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[
            InputRequired("Enter the reason"),
            MaxWords(200, "The reason must be 200 words or fewer"),
        ],
    )


class ActionForm(PortalForm):
    """A button that only needs the CSRF token (close round, send reminders, remove)."""

    target = HiddenField()
