"""Forms for stage-gate decisions: one idea, several ideas, and reopening a decision.

Choices are checked by the decision service, not here, so a refused target gets the lifecycle's
own explanation rather than 'Not a valid choice'.
"""

from wtforms import BooleanField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired

from portal.fields import MultiCheckboxField
from portal.forms import PortalForm
from portal.ideas.lifecycle import IdeaState
from portal.pipeline.decisions import MAX_WORDS
from portal.validators import MaxWords

S = IdeaState
TARGET_LABELS = {
    S.IN_TRIAGE: "Accept it for checking",
    S.IN_REVIEW: "Send it to the review panel",
    S.SHORTLISTED: "Shortlist it",
    S.IN_PILOT: "Pilot it",
    S.ADOPTED: "Adopt it into a workstream",
    S.DECLINED: "Do not take it forward",
}


def _reason(label, missing, hint):
    return TextAreaField(
        label,
        validators=[
            InputRequired(missing),
            MaxWords(MAX_WORDS, f"Your reason must be {MAX_WORDS} words or fewer"),
        ],
        description=hint,
        render_kw={"max_words": MAX_WORDS},
    )


class DecideForm(PortalForm):
    target = RadioField(
        "What have you decided?",
        validators=[InputRequired("Choose what happens to the idea")],
        validate_choice=False,
    )
    workstream = SelectField("Which workstream adopts it?", validate_choice=False)
    rationale = _reason(
        "Why?",
        "Enter the reason for your decision",
        "The innovator will see this reason, in the email and on their idea's page. "
        f"Up to {MAX_WORDS} words.",
    )
    release_feedback = BooleanField(
        "Release the reviewers' comments for the innovator with this decision", default=True
    )

    def offer(self, targets, workstreams):
        """Set the choices: the targets allowed now and the workstreams that may adopt."""
        self.target.choices = [SelectChoice(t.value, TARGET_LABELS[t]) for t in targets]
        self.workstream.choices = [SelectChoice("", "Choose a workstream")] + [
            SelectChoice(w.key, w.label) for w in workstreams
        ]
        return self

    def chosen_target(self) -> IdeaState | None:
        try:
            return IdeaState(self.target.data)
        except ValueError:
            return None


class BulkDecideForm(DecideForm):
    ideas = MultiCheckboxField("Ideas", validate_choice=False)


class ReopenForm(PortalForm):
    reopen_reason = _reason(
        "Why are you reopening this decision?",
        "Enter the reason for reopening the decision",
        "The idea goes back to where it was before the decision. The innovator will see "
        "this reason.",
    )
