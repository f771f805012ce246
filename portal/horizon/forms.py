"""Forms for feeds, for promoting a scanned item or adding it to an idea as evidence, and the
small button forms on feed and item pages."""

from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from portal.fields import MultiCheckboxField
from portal.forms import PortalForm
from portal.horizon.services import url_problem
from portal.ideas.reference import is_valid_reference
from portal.validators import MaxChars

TITLE_CHARS = 150  # an idea's title column
ANOTHER_IDEA = "another"

INTERVALS = [
    SelectChoice("30", "Every 30 minutes"),
    SelectChoice("60", "Every hour"),
    SelectChoice("180", "Every 3 hours"),
    SelectChoice("360", "Every 6 hours"),
    SelectChoice("720", "Every 12 hours"),
    SelectChoice("1440", "Once a day"),
]


def feed_address(form, field):
    problem = url_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class FeedForm(PortalForm):
    url = StringField(
        "Feed address",
        validators=[DataRequired("Enter the feed's address"), feed_address],
        description="The address of the RSS or Atom feed, starting with https://. Look for a "
        "link called RSS, Atom or 'Subscribe' on the source's website.",
    )
    name = StringField(
        "Name",
        validators=[MaxChars(200, "Name must be 200 characters or fewer")],
        description="How the feed is listed. Leave it blank to use the feed's own title.",
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[MaxChars(1000, "Description must be 1,000 characters or fewer")],
        description="For example, the search terms behind a PubMed feed.",
    )
    interval = SelectField("How often to check it", choices=INTERVALS, default="60")

    def values(self) -> dict:
        return {
            "url": self.url.data.strip(),
            "name": (self.name.data or "").strip(),
            "description": self.description.data or "",
            "interval": int(self.interval.data),
        }


class EditFeedForm(FeedForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Enter a name for the feed"),
            MaxChars(200, "Name must be 200 characters or fewer"),
        ],
    )


class ActionForm(PortalForm):
    """A button that posts: pause, resume, scan now, dismiss (CSRF only)."""

    back = HiddenField()


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


class PromoteForm(PortalForm):
    """The new idea's title and workstreams, prefilled from the scanned item."""

    title = StringField(
        "Title of the idea",
        validators=[
            DataRequired("Enter a title for the idea"),
            MaxChars(TITLE_CHARS, f"Title must be {TITLE_CHARS} characters or fewer"),
        ],
        filters=[_stripped],
    )
    workstreams = MultiCheckboxField(
        "Which workstreams does it fit?",
        validators=[DataRequired("Choose at least one workstream")],
        description="Those the item is most likely relevant to are chosen for you.",
    )

    def __init__(self, *args, workstreams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workstreams.choices = [SelectChoice(w.key, w.label) for w in workstreams]


class EvidenceForm(PortalForm):
    """Which idea a scanned item is evidence for: a similar one offered, or any by reference."""

    idea = RadioField("Which idea is this item evidence for?", validate_choice=False)
    reference = StringField(
        "Reference of another idea",
        description="For example, PSI-2611-0004-7. You can find it at the top of the idea's "
        "page, or by searching.",
        filters=[_stripped],
    )

    def __init__(self, *args, suggested=(), **kwargs):
        """`suggested`: the (reference, label) of each idea offered as a choice."""
        super().__init__(*args, **kwargs)
        self.idea.choices = [SelectChoice(ref, label) for ref, label in suggested]
        if suggested:
            self.idea.choices.append(SelectChoice(ANOTHER_IDEA, "Another idea"))
        else:
            self.reference.label.text = "Reference of the idea"
        self.chosen: str | None = None  # the reference chosen, once valid

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        offered = {c.value for c in self.idea.choices} - {ANOTHER_IDEA}
        choice, typed = self.idea.data, (self.reference.data or "").upper()
        if choice in offered:
            if typed and typed != choice:
                self.reference.errors.append(
                    "Leave the reference empty, or choose ‘Another idea’ to use it"
                )
                return False
            self.chosen = choice
        elif choice not in (None, "", ANOTHER_IDEA):
            self.idea.errors.append("Choose one of the ideas listed, or ‘Another idea’")
            return False
        elif not typed:
            if offered and choice != ANOTHER_IDEA:
                self.idea.errors.append("Choose the idea this item is evidence for")
            else:
                self.reference.errors.append("Enter the reference of the idea")
            return False
        elif not is_valid_reference(typed):
            self.reference.errors.append(
                "Enter a reference in the form PSI-2611-0004-7, and check each digit"
            )
            return False
        else:
            self.chosen = typed
        return valid
