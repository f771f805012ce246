"""Cursor pagination: a list's answer gives `next_cursor`, an opaque string the next call
sends back; absent (null) on the last page. A cursor holds where the page ended: the last id
for lists in id order, or the position and the data version for the ranked pipeline (whose
order moves when scores refresh, so a cursor from an older version is refused with 409)."""

import base64
import binascii
import json

import marshmallow as ma
from marshmallow import validate
from werkzeug.exceptions import Conflict, UnprocessableEntity

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CURSOR = r"^[A-Za-z0-9_-]{1,200}$"  # unpadded base64url, as `make_cursor` writes it


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"How many to return (1 to {MAX_LIMIT})"},
    )
    cursor = ma.fields.String(
        validate=validate.Regexp(CURSOR),
        metadata={
            "description": "The `next_cursor` of the page before; none for the first",
            "pattern": CURSOR,
        },
    )


def make_cursor(**where) -> str:
    raw = json.dumps(where, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str | None, **kinds) -> dict | None:
    """The fields of `cursor` (each checked against its type in `kinds`), None for no cursor;
    a cursor this API did not give is refused with 422."""
    if cursor is None:
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        fields = None
    if (
        not isinstance(fields, dict)
        or set(fields) != set(kinds)
        or not all(_fits(fields[k], t) for k, t in kinds.items())
    ):
        raise UnprocessableEntity("The cursor is not one this API gave: start without one")
    return fields


def _fits(value, kind) -> bool:
    """`value` is a `kind` (not a bool for int); a position or id is never negative."""
    if not isinstance(value, kind) or isinstance(value, bool):
        return False
    return not isinstance(value, int) or 0 <= value < 2**63


def stale() -> Conflict:
    return Conflict(
        "The pipeline's scores changed since this cursor was given: start again without one"
    )
