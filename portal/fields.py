"""Form fields the NHS.UK design system needs that WTForms does not have."""

from datetime import date

from wtforms import Field, IntegerField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


class DatePartsField(Field):
    """A date typed as day, month and year boxes (the NHS.UK date input pattern).

    Posts `<name>-day`, `<name>-month`, `<name>-year`; `data` is a `date` or None.
    """

    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.raw_parts = {part: "" for part in self.PARTS}

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.raw_data = []
        self.data = data if isinstance(data, date) else None
        if self.data is not None:
            self.raw_parts = {
                "day": str(data.day),
                "month": str(data.month),
                "year": str(data.year),
            }
        if formdata is None:
            return
        raw = {p: (formdata.get(f"{self.name}-{p}") or "").strip() for p in self.PARTS}
        if not any(raw.values()) and not any(f"{self.name}-{p}" in formdata for p in self.PARTS):
            return
        self.raw_parts = raw
        self.raw_data = ["-".join(raw[p] for p in self.PARTS)] if any(raw.values()) else []
        self.data = None
        if not any(raw.values()):
            return
        missing = [p for p in self.PARTS if not raw[p]]
        if missing:
            self.process_errors.append(f"{self.label.text} must include a {missing[0]}")
            return
        try:
            self.data = date(int(raw["year"]), int(raw["month"]), int(raw["day"]))
        except ValueError:
            self.process_errors.append(f"{self.label.text} must be a real date")
            return
        if self.data.year < 2000 or self.data.year > 2100:
            self.data = None
            self.process_errors.append(f"{self.label.text} must be a real date")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (the NHS.UK checkboxes pattern)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FutureDate:
    def __init__(self, message, today=None):
        self.message = message
        self.today = today

    def __call__(self, form, field):
        from portal.clock import london, utcnow

        if field.data is not None and field.data < london(utcnow()).date():
            raise ValidationError(self.message)


class WholeNumberField(IntegerField):
    """An integer field whose 'not a number' message is written for people."""

    def __init__(self, label=None, validators=None, message="Enter a whole number", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0].strip())
                return
            except ValueError:
                self.data = None
                raise ValueError(self.message) from None
        self.data = None
