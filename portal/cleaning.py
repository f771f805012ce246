"""Input text is cleaned once, here: control characters refused, invisible characters taken out.

PostgreSQL cannot store a NUL (psycopg raises DataError, a 500) and SQLite stores it silently,
so no control character reaches a query or a row. Forms refuse them field by field (see
`portal.forms`); addresses are refused whole, before any view runs. Bidi overrides and
isolates and zero-width spaces are taken out of names and titles, where they could make text
read differently from what it is; zero-width joiners and non-joiners stay, because some
scripts and emoji need them.
"""

import re

from flask import abort, request

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: Unicode category Cc
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t, \n and \r
INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides, and their pop
    "\u2066\u2067\u2068\u2069"  # bidi isolates, and their pop
    "\u200b\u2060\ufeff"  # zero-width space, word joiner, zero-width no-break space (BOM)
)
_REMOVE_INVISIBLE = str.maketrans("", "", INVISIBLE)
REFUSED = (
    "Remove the hidden control characters from this answer (copying and pasting can bring them in)"
)


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """Whether `text` holds a control character (multi-line text may hold tabs and breaks)."""
    return bool((CONTROL_IN_TEXT if multiline else CONTROL).search(text))


def strip_invisible(text):
    """`text` without bidi overrides, isolates and zero-width spaces; non-text unchanged."""
    return text.translate(_REMOVE_INVISIBLE) if isinstance(text, str) else text


def refuse_control_characters_in_address():
    """`before_request` hook: a control character in the path is 404, in the query 400."""
    if CONTROL.search(request.path):
        abort(404)
    for key, value in request.args.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(value):
            abort(400)


def init_app(app):
    app.before_request(refuse_control_characters_in_address)
