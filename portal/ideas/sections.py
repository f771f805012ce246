"""The sections of the idea form, in order, and how complete each one is."""

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from wtforms.fields.core import UnboundField

from portal.extensions import db
from portal.ideas import forms
from portal.ideas.models import Workstream


class SectionStatus(enum.StrEnum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    form_class: type
    intro: str = ""
    reader_title: str = ""  # the heading where others read the answers; `title` if empty

    def heading(self, reader=False) -> str:
        """The section's heading: the innovator's own, or a neutral one for other readers."""
        return (self.reader_title or self.title) if reader else self.title

    @property
    def fields(self) -> list[str]:
        """The section's field names, in the order the form declares them."""
        return [
            name for name, value in vars(self.form_class).items() if isinstance(value, UnboundField)
        ]


SECTIONS = [
    Section("about", "About your idea", forms.AboutForm, reader_title="About the idea"),
    Section(
        "problem",
        "The safety problem",
        forms.ProblemForm,
        "Tell us about the patient safety problem your idea would help with.",
    ),
    Section(
        "change", "Your idea and evidence", forms.ChangeForm, reader_title="The idea and evidence"
    ),
    Section("fit", "Where it fits", forms.FitForm),
    Section(
        "benefit",
        "Who benefits and health inequalities",
        forms.BenefitForm,
        "The programme gives priority to ideas that make care safer for the people who "
        "are least well served now.",
    ),
    Section("involvement", "Patient and carer involvement", forms.InvolvementForm),
    Section(
        "measures",
        "Measuring improvement",
        forms.MeasuresForm,
        "Using the Model for Improvement, tell us how you would know a change is an improvement.",
    ),
    Section(
        "resources", "What you would need", forms.ResourcesForm, reader_title="What would be needed"
    ),
    Section(
        "about_you",
        "About you and consent",
        forms.AboutYouForm,
        reader_title="About the innovator and consent",
    ),
]
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def active_workstreams():
    return db.session.scalars(
        sa.select(Workstream).where(Workstream.active).order_by(Workstream.position)
    ).all()


def build_form(section: Section, idea, from_request=True, complete=True):
    """The section's form: from the posted request when there is one, else from the idea."""
    kwargs = {"obj": idea, "meta": {"complete": complete}}
    if not from_request:
        kwargs.update(formdata=None, meta={"complete": complete, "csrf": False})
    if section.form_class is forms.FitForm:
        kwargs["workstreams"] = active_workstreams()
    form = section.form_class(**kwargs)
    if "workstreams" in form and not (from_request and form.is_submitted()):
        form.workstreams.data = [w.key for w in idea.workstreams]
    return form


def answers_from(form) -> dict:
    """The form's values as model attributes (workstream keys become Workstream rows)."""
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    if "workstreams" in values:
        keys = set(values["workstreams"] or [])
        values["workstreams"] = [w for w in active_workstreams() if w.key in keys]
    if "consent_to_share" in values:
        values["consent_to_share"] = bool(values["consent_to_share"])
    for name in ("care_settings", "populations", "clinical_areas"):
        if name in values:
            values[name] = list(values[name] or [])
    return values


def status_of(section: Section, idea) -> SectionStatus:
    form = build_form(section, idea, from_request=False)
    if form.validate():
        return SectionStatus.COMPLETED
    if any(_has_value(getattr(idea, name)) for name in section.fields):
        return SectionStatus.IN_PROGRESS
    return SectionStatus.NOT_STARTED


def _has_value(value) -> bool:
    return bool(value) and value is not False


def statuses(idea) -> dict[str, SectionStatus]:
    return {section.key: status_of(section, idea) for section in SECTIONS}


def missing_sections(idea) -> list[str]:
    return [s.title for s in SECTIONS if status_of(s, idea) is not SectionStatus.COMPLETED]
