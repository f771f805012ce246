"""Panel forms: a member's profile."""

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.fields import MultiCheckboxField
from portal.forms import PortalForm
from portal.ideas.choices import CARE_SETTINGS
from portal.validators import MaxChars, MaxWords

EXPERTISE_WORDS = 200


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PanelProfileForm(PortalForm):
    workstreams = MultiCheckboxField(
        "Which programme workstreams do you know well? (optional)",
        description="Select all that apply. We use this to match you with proposals.",
    )
    care_settings = MultiCheckboxField(
        "Which care settings do you know well? (optional)",
        choices=[SelectChoice(value, label) for value, label in CARE_SETTINGS.items()],
        description="As a member of staff, a patient or a carer. Select all that apply.",
    )
    is_patient_partner = RadioField(
        "Are you joining the panel as a patient or carer partner?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired("Choose yes if you are joining as a patient or carer partner")],
        description="Patient and carer partners bring lived experience of care. A review round "
        "can ask for at least one of them to review every proposal.",
    )
    expertise = TextAreaField(
        "Your expertise (optional)",
        filters=[_strip],
        validators=[
            Optional(),
            MaxWords(EXPERTISE_WORDS, f"Your expertise must be {EXPERTISE_WORDS} words or fewer"),
            MaxChars(2000, "Your expertise must be 2,000 characters or fewer"),
        ],
        description="For example, your profession or specialty, improvement or research "
        "experience, or your experience as a patient or carer. Up to 200 words.",
        render_kw={"max_words": EXPERTISE_WORDS},
    )

    def __init__(self, *args, workstreams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workstreams.choices = [SelectChoice(w.key, w.label) for w in workstreams]
