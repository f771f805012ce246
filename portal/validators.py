"""Form validators shared across the portal."""

import re

from wtforms.validators import StopValidation, ValidationError

WORD = re.compile(r"\S+")


def count_words(text: str | None) -> int:
    return len(WORD.findall(text or ""))


class RequiredToComplete:
    """Required when completing a section, optional when saving a draft.

    A form made with `meta={"complete": False}` skips this check, so a half-finished section
    can be saved and come back to; everything else (lengths, choices) is still checked.
    """

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        empty = not field.data or (isinstance(field.data, str) and not field.data.strip())
        if empty:
            field.errors[:] = []
            if getattr(form.meta, "complete", True):
                raise StopValidation(self.message)
            raise StopValidation()


class MaxWords:
    def __init__(self, maximum: int, message: str):
        self.maximum = maximum
        self.message = message

    def __call__(self, form, field):
        if count_words(field.data) > self.maximum:
            raise ValidationError(self.message)


class MaxChars:
    """A maximum length, counted the way a person counts (surrounding spaces ignored)."""

    def __init__(self, maximum: int, message: str):
        self.maximum = maximum
        self.message = message

    def __call__(self, form, field):
        if field.data and len(field.data.strip()) > self.maximum:
            raise ValidationError(self.message)
