"""The idea form, one WTForms class per section (one topic per page), and lead forms.

Each section's form also gives, in `reader_labels`, what its questions are called where someone
other than the innovator reads the answers (reviewers, leads): a neutral name, not the question
put to the innovator ("Title", not "Give your idea a short title").
"""

from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.fields import MultiCheckboxField
from portal.forms import PortalForm
from portal.ideas import choices
from portal.validators import MaxChars, MaxWords, RequiredToComplete

NO_PATIENT_DETAILS = "Do not include names or anything else that could identify a patient."


def _choices(mapping):
    return [SelectChoice(value, label) for value, label in mapping.items()]


def text_area(label, required_message=None, words=300, hint=None, noun="Your answer"):
    validators = [RequiredToComplete(required_message)] if required_message else [Optional()]
    validators.append(MaxWords(words, f"{noun} must be {words} words or fewer"))
    return TextAreaField(
        label, validators=validators, description=hint or "", render_kw={"max_words": words}
    )


class AboutForm(PortalForm):
    reader_labels = {
        "title": "Title",
        "summary": "Summary",
    }
    title = StringField(
        "Give your idea a short title",
        validators=[
            RequiredToComplete("Enter a title for your idea"),
            MaxChars(150, "Title must be 150 characters or fewer"),
        ],
        description="For example, 'Sepsis screening prompts for community nurses'",
    )
    summary = text_area(
        "Summarise your idea",
        "Enter a summary of your idea",
        words=150,
        hint="In plain English, what is it and what difference will it make? Up to 150 words.",
        noun="Your summary",
    )


class ProblemForm(PortalForm):
    reader_labels = {
        "problem_harm": "The harm that happens, or could happen",
        "problem_who": "Who is harmed",
        "problem_frequency": "How often it happens",
        "problem_evidence": "How the innovator knows",
    }
    problem_harm = text_area(
        "What harm happens, or could happen?", "Describe the harm your idea is about"
    )
    problem_who = text_area(
        "Who is harmed?",
        "Say who is harmed",
        hint="For example, patients on a ward, people at home, staff.",
    )
    problem_frequency = text_area(
        "How often does it happen?",
        "Say how often it happens",
        hint="An estimate is fine, for example 'about once a month'.",
    )
    problem_evidence = text_area(
        "How do you know?",
        "Say how you know about the problem",
        hint="For example, incident reports, audit data, complaints, your own experience.",
    )


class ChangeForm(PortalForm):
    reader_labels = {
        "proposed_change": "The idea",
        "development_stage": "How far it has got",
        "evidence": "Evidence so far",
    }
    proposed_change = text_area(
        "What is your idea?",
        "Describe your idea",
        words=500,
        hint="What would change, and how would it make care safer?",
        noun="Your description of the idea",
    )
    development_stage = RadioField(
        "How far has your idea got?",
        choices=_choices(choices.DEVELOPMENT_STAGES),
        validators=[RequiredToComplete("Choose how far your idea has got")],
    )
    evidence = text_area(
        "What evidence do you have so far? (optional)",
        words=500,
        hint="For example, results of a pilot, published studies, feedback from patients.",
    )


class FitForm(PortalForm):
    reader_labels = {
        "care_settings": "Care settings",
        "workstreams": "Programme workstreams",
    }
    care_settings = MultiCheckboxField(
        "Which care settings is it for?",
        choices=_choices(choices.CARE_SETTINGS),
        validators=[RequiredToComplete("Choose at least one care setting")],
        description="Select all that apply.",
    )
    workstreams = MultiCheckboxField(
        "Which programme workstreams does it fit?",
        validators=[RequiredToComplete("Choose at least one workstream")],
        description="Select all that apply.",
    )

    def __init__(self, *args, workstreams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workstreams.choices = [SelectChoice(w.key, w.label) for w in workstreams]


class BenefitForm(PortalForm):
    reader_labels = {
        "populations": "Groups who would benefit most",
        "clinical_areas": "Core20PLUS5 clinical areas",
        "inequalities": "How it would reduce health inequalities",
    }
    populations = MultiCheckboxField(
        "Which groups would benefit most? (optional)",
        choices=_choices(choices.CORE20PLUS5_GROUPS),
        description="These are the Core20PLUS5 groups. Select all that apply.",
    )
    clinical_areas = MultiCheckboxField(
        "Which Core20PLUS5 clinical areas does it touch? (optional)",
        choices=_choices(choices.CLINICAL_AREAS),
        description="Select all that apply.",
    )
    inequalities = text_area(
        "How would your idea reduce health inequalities?",
        "Say how your idea would reduce health inequalities",
        hint="Who is less safe now, and how would your idea help them?",
    )


class InvolvementForm(PortalForm):
    reader_labels = {
        "involvement_level": "How patients and carers have been involved",
        "involvement_detail": "More about their involvement",
    }
    involvement_level = RadioField(
        "How have patients and carers been involved so far?",
        choices=_choices(choices.INVOLVEMENT_LEVELS),
        validators=[RequiredToComplete("Choose how patients and carers have been involved")],
    )
    involvement_detail = text_area(
        "Tell us more (optional)",
        hint="Who was involved, how, and what changed as a result.",
    )


class MeasuresForm(PortalForm):
    reader_labels = {
        "outcome_measures": "Outcome measures",
        "process_measures": "Process measures",
        "balancing_measures": "Balancing measures",
    }
    outcome_measures = text_area(
        "Outcome measures",
        "Enter at least one outcome measure",
        words=200,
        hint="How would you know care is safer? For example, 'falls with harm per 1,000 bed days'.",
        noun="Your outcome measures",
    )
    process_measures = text_area(
        "Process measures",
        "Enter at least one process measure",
        words=200,
        hint="How would you know the change is being done? For example, "
        "'% of patients with a falls risk assessment within 6 hours'.",
        noun="Your process measures",
    )
    balancing_measures = text_area(
        "Balancing measures",
        "Enter at least one balancing measure",
        words=200,
        hint="What could get worse elsewhere? For example, 'time nurses spend on paperwork'.",
        noun="Your balancing measures",
    )


class ResourcesForm(PortalForm):
    reader_labels = {
        "resources_needed": "What would be needed",
    }
    resources_needed = text_area(
        "What would you need to make it happen?",
        "Say what you would need",
        hint="For example, staff time, funding, equipment, data, training, a partner trust.",
    )


class AboutYouForm(PortalForm):
    reader_labels = {
        "innovator_role": "The innovator's job title or role",
        "consent_to_share": "Consent to share with the programme team and panel",
    }
    innovator_role = StringField(
        "Your job title or role",
        validators=[
            RequiredToComplete("Enter your job title or role"),
            MaxChars(200, "Job title or role must be 200 characters or fewer"),
        ],
        description="For example, 'ward sister', 'patient', 'carer' or 'product manager'.",
    )
    consent_to_share = BooleanField(
        "I agree that my idea can be shared with the programme team and the independent "
        "review panel",
        validators=[RequiredToComplete("Confirm that your idea can be shared with the panel")],
    )


class AnswerForm(PortalForm):
    answer = TextAreaField(
        "Your answer",
        validators=[
            InputRequired("Enter your answer"),
            MaxWords(500, "Your answer must be 500 words or fewer"),
        ],
        render_kw={"max_words": 500},
    )


class WithdrawForm(PortalForm):
    reason = TextAreaField(
        "Why are you withdrawing your idea? (optional)",
        validators=[Optional(), MaxWords(300, "Your reason must be 300 words or fewer")],
    )


class QuestionForm(PortalForm):
    question = TextAreaField(
        "Your question for the innovator",
        validators=[
            InputRequired("Enter your question"),
            MaxWords(300, "Your question must be 300 words or fewer"),
        ],
    )


class DeclineForm(PortalForm):
    reason = TextAreaField(
        "Why is this idea not being taken forward?",
        validators=[
            InputRequired("Enter the reason for declining"),
            MaxWords(300, "The reason must be 300 words or fewer"),
        ],
        description="The innovator will see this reason.",
    )
