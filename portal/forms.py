"""The forms every portal form inherits: each field's text is cleaned here, once.

Binding a field (WTForms' `Meta.bind_field`) puts a check first in its validators: a posted
value holding a control character is refused with a form error on that field, so the value
reaches neither the other validators nor the database (text areas may hold tabs and line
breaks). Single-line names and titles (a field called `name` or `title`, or ending in `_name`
or `_title`) also lose bidi overrides, isolates and zero-width spaces before anything else
reads them. `validate` then sweeps every field, nested ones included, so a sub-form that skips
its own validation (a retired rubric criterion) still refuses a control character.
"""

from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.fields import FieldList, FormField
from wtforms.validators import StopValidation
from wtforms.widgets import TextArea

from portal.cleaning import REFUSED, has_control_characters, strip_invisible


def is_name_or_title(field) -> bool:
    """Whether `field` holds a single-line name or title, shown inline in sentences."""
    name = field.short_name
    return (
        isinstance(field, StringField)
        and not isinstance(field.widget, TextArea)
        and (name in ("name", "title") or name.endswith(("_name", "_title")))
    )


def holds_control_characters(field) -> bool:
    """Whether any value posted for `field` holds a control character it may not hold."""
    multiline = isinstance(field.widget, TextArea)
    return any(
        isinstance(value, str) and has_control_characters(value, multiline)
        for value in field.raw_data or ()
    )


def refuse_control_characters(form, field):
    if holds_control_characters(field):
        raise StopValidation(REFUSED)


def leaf_fields(fields):
    """The fields that hold values, inside any sub-forms and lists of them."""
    for field in fields:
        if isinstance(field, FormField):
            yield from leaf_fields(field.form)
        elif isinstance(field, FieldList):
            yield from leaf_fields(field.entries)
        else:
            yield field


class CleaningMeta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        if not isinstance(field, FormField | FieldList):
            field.validators = [refuse_control_characters, *field.validators]
            if is_name_or_title(field):
                field.filters = (strip_invisible, *field.filters)
        return field


def _sweep(form, valid: bool) -> bool:
    for field in leaf_fields(form):
        if holds_control_characters(field) and REFUSED not in field.errors:
            field.errors = [REFUSED, *field.errors]
            valid = False
    return valid


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF token included) whose text is cleaned."""

    class Meta(CleaningMeta, FlaskForm.Meta):
        pass

    def validate(self, extra_validators=None):
        return _sweep(self, super().validate(extra_validators))


class PortalSubform(Form):
    """A form nested in a `PortalForm` (through `FormField`), cleaned the same way."""

    class Meta(CleaningMeta, Form.Meta):
        pass
