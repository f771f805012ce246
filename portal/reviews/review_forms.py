"""The panel member's forms: the conflict check, declining, and the review form as posted.

The review form is parsed by hand (its fields depend on the round's rubric) and strictly: a
field sent twice, a changed hidden field or an unknown field refuses the whole form, and a
criterion id from another rubric passes through to `save_review`, which refuses it. A control
character is refused on its field, as every other form does (`portal.forms`).
"""

import re

from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.cleaning import REFUSED, has_control_characters
from portal.forms import PortalForm
from portal.reviews.models import ConflictKind
from portal.reviews.reviewing import ReviewAnswers, ReviewError

RECOMMENDATIONS = [
    ("progress", "Progress"),
    ("progress_with_changes", "Progress with changes"),
    ("do_not_progress", "Do not progress"),
]
CONFIDENCES = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
COMMENT_FIELDS = ("comments_for_", "comment-")  # multi-line: tabs and line breaks allowed
TEXT_FIELDS = ("recommendation", "confidence", "comments_for_innovator", "comments_for_panel")
FORM_FIELDS = {"csrf_token", "rubric", "idea_version", "save_draft", "submit_review", *TEXT_FIELDS}
PER_CRITERION = re.compile(r"(score|comment)-([0-9]{1,9})")
DECLARABLE = [k for k in ConflictKind if k is not ConflictKind.SAME_ORGANISATION]
TAMPERED = "The form was changed, so nothing was saved. Reload the page and try again."


class StaleForm(ReviewError):
    """The review was posted from a page that no longer matches what is saved."""


# In a blind round the member is not told who shared the idea or where they work, so they
# are asked about what they can know: whether they recognise it, or think they know who shared it.
BLIND_CONFLICT_LABELS = {
    ConflictKind.COLLABORATOR: "I recognise the idea: I may have worked on it, or a related "
    "idea, with the person who shared it",
    ConflictKind.LINE_MANAGEMENT: "I think it was shared by someone I manage, or who manages me",
    ConflictKind.FINANCIAL: ConflictKind.FINANCIAL.label,
    ConflictKind.PERSONAL: "I think it was shared by someone I know personally",
    ConflictKind.OTHER: "Another reason, or I recognise the idea but do not know who shared it",
}


class ConflictForm(PortalForm):
    """Yes or no; a 'yes' says what the conflict is (revealed by 'Yes' on the page)."""

    has_conflict = RadioField(
        "Do you have a conflict of interest with this idea?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[
            InputRequired(
                "Select yes if you have a conflict of interest with this idea, or no if you do not"
            )
        ],
    )
    kind = RadioField(
        "What is the conflict?",
        choices=[SelectChoice(k.value, k.label) for k in DECLARABLE],
        validate_choice=False,
    )
    detail = TextAreaField(
        "Tell us about the conflict",
        description="You must say what it is if you chose 'Another reason'.",
        validators=[Length(max=2000, message="Details must be 2,000 characters or fewer")],
    )

    def __init__(self, *args, blind=False, **kwargs):
        super().__init__(*args, **kwargs)
        if blind:
            self.kind.choices = [
                SelectChoice(k.value, BLIND_CONFLICT_LABELS[k]) for k in DECLARABLE
            ]

    def validate_kind(self, field):
        if self.has_conflict.data == "yes" and field.data not in {k.value for k in DECLARABLE}:
            raise ValidationError("Select what the conflict is")

    def validate_detail(self, field):
        # the same rule `declare_conflict` keeps, checked here so the page says it by the field
        if (
            self.has_conflict.data == "yes"
            and self.kind.data == ConflictKind.OTHER.value
            and not (field.data or "").strip()
        ):
            raise ValidationError("Describe the conflict of interest")


class DeclineForm(PortalForm):
    reason = TextAreaField(
        "Why can you not review this idea?",
        validators=[
            InputRequired("Enter the reason you cannot review this idea"),
            Length(max=2000, message="Your reason must be 2,000 characters or fewer"),
        ],
        description="The programme team will read this and ask someone else to review it.",
    )


def answers_from(formdata, assignment) -> ReviewAnswers:
    """The posted review, refusing a form that was changed; unknown criteria pass through
    to `save_review`, which refuses them."""
    idea = assignment.idea
    if any(len(formdata.getlist(name)) > 1 for name in formdata):
        raise ReviewError(TAMPERED)
    if formdata.get("rubric") != str(assignment.round.rubric_id):
        raise ReviewError(TAMPERED)
    if not re.fullmatch(r"[0-9]{1,9}", formdata.get("idea_version", "")):
        raise ReviewError(TAMPERED)
    if int(formdata["idea_version"]) != idea.version_number:
        raise StaleForm(
            f"The innovator changed this idea while you were reviewing it (it is "
            f"now version {idea.version_number}). Nothing was saved: read the "
            "idea again, check your answers below, then save again."
        )
    refused = {
        name: REFUSED
        for name, value in formdata.items()
        if has_control_characters(value, multiline=name.startswith(COMMENT_FIELDS))
    }
    if refused:
        raise ReviewError("There is a problem with your review", refused)
    answers = ReviewAnswers(**{name: formdata.get(name) for name in TEXT_FIELDS})
    for name, value in formdata.items():
        match = PER_CRITERION.fullmatch(name)
        if match:
            target = answers.scores if match[1] == "score" else answers.comments
            target[int(match[2])] = value
        elif name not in FORM_FIELDS:
            raise ReviewError(TAMPERED)
    return answers
