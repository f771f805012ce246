"""Safe parsing of what people type into the search box.

Whoosh's default parser lets one query run for minutes (`*`, `*a*`, `field:[a TO z]`, very
long input). Here the wildcard, range, "every" and boost plugins are removed, input is capped
at `MAX_QUERY_CHARS` and `MAX_TERMS`, only the public fields may be named, and any input the
parser refuses falls back to its plain words. Parsing never raises.
"""

import re
import unicodedata

from whoosh import qparser
from whoosh.query import NullQuery

MAX_QUERY_CHARS = 200
MAX_TERMS = 24
DEFAULT_FIELDS = ("title", "body", "authors", "reference", "doi", "organisation", "workstream")
FIELD_NAMES = {
    "title": "title",
    "summary": "body",
    "body": "body",
    "author": "authors",
    "authors": "authors",
    "doi": "doi",
    "reference": "reference",
    "ref": "reference",
    "organisation": "organisation",
    "workstream": "workstream",
    "workstreams": "workstream",
    "source": "source",
    "stage": "stage",
    "year": "year",
    "type": "type",
}
_UNSAFE_PLUGINS = (
    qparser.WildcardPlugin,
    qparser.RangePlugin,
    qparser.EveryPlugin,
    qparser.BoostPlugin,
    qparser.FuzzyTermPlugin,
    qparser.RegexPlugin,
    qparser.PlusMinusPlugin,
    qparser.GtLtPlugin,
)
_FIELD = re.compile(r"(\w+):")
_WORD = re.compile(r"\w+", re.UNICODE)


def clean(text: str | None) -> str:
    """The query as searched: printable characters only, at most `MAX_QUERY_CHARS`."""
    text = "".join(
        ch if unicodedata.category(ch)[0] not in "CZ" else " " for ch in (text or "")[:2000]
    )
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def words(text: str) -> list[str]:
    """The plain words of a query (for the fallback and for spelling suggestions)."""
    found = [w for w in _WORD.findall(text) if w.upper() not in ("AND", "OR", "NOT", "ANDNOT")]
    return [w for w in found if not FIELD_NAMES.get(w.lower()) or f"{w}:" not in text][:MAX_TERMS]


def make_parser(schema) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(list(DEFAULT_FIELDS), schema, group=qparser.AndGroup)
    for plugin in _UNSAFE_PLUGINS:
        parser.remove_plugin_class(plugin)
    return parser


def _public_fields(text: str) -> str:
    # `owner:12` or `vocab:x` must not reach the parser; known names map to index fields.
    def swap(match):
        name = FIELD_NAMES.get(match.group(1).lower())
        return f"{name}:" if name else f"{match.group(1)} "

    return _FIELD.sub(swap, text)


def parse(text: str, schema):
    """A Whoosh query for `text` (already `clean`ed); NullQuery when nothing is searchable."""
    parser = make_parser(schema)
    try:
        query = parser.parse(_public_fields(text))
        if query is not NullQuery and len(list(_leaves(query))) <= MAX_TERMS:
            return query
    except Exception:  # odd input must never become an error page: use its plain words
        pass
    plain = " ".join(w.lower() for w in words(text))
    if not plain:
        return NullQuery
    try:
        return parser.parse(plain)
    except Exception:
        return NullQuery


def _leaves(query):
    return [query] if query.is_leaf() else query.leaves()
