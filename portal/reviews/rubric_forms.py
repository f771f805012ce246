"""The rubric edit form: every criterion on one page, an optional new one, and a note."""

import re

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation

from portal.forms import PortalForm, PortalSubform
from portal.reviews.rubric import (
    ANCHOR_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    NOTE_MAX,
    SCORE_POINTS,
    WEIGHT_MAX,
    CriterionEdit,
)
from portal.validators import MaxChars

NUMBER = re.compile(r"^\d{1,3}(\.\d{1,3})?$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class Required:
    """Required, counting only spaces as empty (InputRequired would accept them)."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not (field.data or "").strip():
            field.errors[:] = []
            raise StopValidation(self.message)


def check_weight(form, field):
    text = field.data or ""
    if not text:
        raise StopValidation("Enter a weight, for example 1")
    if text.startswith("-") and NUMBER.match(text[1:]):
        raise StopValidation("Weight must be 0 or more")
    if not NUMBER.match(text):
        raise StopValidation("Weight must be a number, like 1 or 0.5")
    if float(text) > WEIGHT_MAX:
        raise StopValidation(f"Weight must be {WEIGHT_MAX} or less")


def _anchor(point):
    return StringField(
        f"What a score of {point} means",
        filters=[_strip],
        validators=[
            Required(f"Enter what a score of {point} means"),
            MaxChars(
                ANCHOR_MAX,
                f"What a score of {point} means must be {ANCHOR_MAX} characters or fewer",
            ),
        ],
    )


class CriterionForm(PortalSubform):
    key = HiddenField(filters=[_strip])
    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            Required("Enter a name"),
            MaxChars(NAME_MAX, f"Name must be {NAME_MAX} characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Description",
        filters=[_strip],
        validators=[
            Required("Enter a description"),
            MaxChars(DESCRIPTION_MAX, f"Description must be {DESCRIPTION_MAX} characters or fewer"),
        ],
    )
    weight = StringField(
        "Weight",
        filters=[_strip],
        validators=[check_weight],
        description="A number, 0 or more",
    )
    anchor_1 = _anchor(1)
    anchor_2 = _anchor(2)
    anchor_3 = _anchor(3)
    anchor_4 = _anchor(4)
    anchor_5 = _anchor(5)
    retire = BooleanField(
        "Retire this criterion",
        description="It will not be in the new version. Reviews that used it keep it.",
    )

    @property
    def anchors(self):
        return [self[f"anchor_{point}"] for point in SCORE_POINTS]

    def validate(self, extra_validators=None):
        if self.retire.data:  # a retired criterion's other fields no longer matter
            return True
        return super().validate(extra_validators)

    def to_edit(self) -> CriterionEdit:
        return CriterionEdit(
            key=self.key.data or "",  # never None: only the "new" entry adds a criterion
            name=self.name.data,
            description=self.description.data,
            weight=float(self.weight.data) if NUMBER.match(self.weight.data or "") else 0.0,
            anchors={point: self[f"anchor_{point}"].data for point in SCORE_POINTS},
            retire=self.retire.data,
        )


class NewCriterionForm(CriterionForm):
    key = None
    retire = None

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in self)

    def validate(self, extra_validators=None):
        if self.is_blank():
            return True
        return Form.validate(self, extra_validators)

    def to_edit(self) -> CriterionEdit | None:
        if self.is_blank():
            return None
        return CriterionEdit(
            key=None,
            name=self.name.data,
            description=self.description.data,
            weight=float(self.weight.data),
            anchors={point: self[f"anchor_{point}"].data for point in SCORE_POINTS},
        )


class RubricEditForm(PortalForm):
    base_version = HiddenField()
    criteria = FieldList(FormField(CriterionForm), max_entries=100)
    new = FormField(NewCriterionForm)
    note = TextAreaField(
        "What changed and why",
        filters=[_strip],
        validators=[
            Required("Say what changed and why"),
            MaxChars(NOTE_MAX, f"What changed and why must be {NOTE_MAX} characters or fewer"),
        ],
        description="This is kept with the new version, so people can see why the rubric changed.",
    )

    def edits(self) -> list[CriterionEdit]:
        edits = [entry.form.to_edit() for entry in self.criteria]
        new = self.new.form.to_edit()
        return edits + ([new] if new else [])

    def base(self) -> int | None:
        return int(self.base_version.data) if (self.base_version.data or "").isdigit() else None


def form_data(rubric) -> dict:
    """The edit form's starting values: the rubric as it is."""
    return {
        "base_version": str(rubric.version),
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "description": c.description,
                "weight": f"{c.weight:g}",
                **{f"anchor_{point}": c.anchors.get(point, "") for point in SCORE_POINTS},
            }
            for c in rubric.criteria
        ],
    }


def error_items(form, names) -> list[dict]:
    """Error summary entries for the nested form, each naming its criterion."""
    items = []
    for entry in form.criteria:
        label = names.get(entry.form.key.data) or "A criterion"
        items += _field_items(entry.form, label)
    items += _field_items(form.new.form, "New criterion")
    if form.note.errors:
        items.append({"text": form.note.errors[0], "href": f"#{form.note.id}"})
    items += [{"text": message} for message in form.form_errors]
    return items


def _field_items(subform, label):
    return [
        {"text": f"{label}: {field.errors[0]}", "href": f"#{field.id}"}
        for field in subform
        if field.errors
    ]
