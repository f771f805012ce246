"""Forms for adding and editing feeds, and the small button forms on feed and item pages."""

from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from portal.forms import PortalForm
from portal.horizon.services import url_problem
from portal.validators import MaxChars

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
