"""What people type into the search box: read once, for every search backend, then parsed.

`prepare` turns the typed text into the query every backend searches, and says what it did:

- input is cleaned and cut to `MAX_QUERY_CHARS` (a notice says so);
- only the public fields may be named, under the names people use (`author:`, `ref:`); any
  other `name:` is searched as words (with a notice);
- a field with coded values (stage, type, source, workstream) takes the labels people see,
  as well as the codes: `stage:"in review"`, `stage:in-review`, the innovator's name for it
  "With the review panel" and `stage:in_review` all become `stage:in_review`, from a
  vocabulary the caller gives (`portal.search.labels.vocabulary`); an unknown value of an
  exact field gets a notice;
- syntax that would be slow or is not supported (wildcards, ranges, comparisons, boosts,
  fuzzy matching) is taken out, each with a notice, and `-word` becomes `NOT word`.

The result (`Prepared.searched`) uses only words, phrases, AND, OR, NOT, brackets and
`field:value` with index field names and codes: a backend parses nothing else. `parse` makes
the Whoosh query of it; the wildcard, range, "every" and boost plugins are removed anyway,
the query is capped at `MAX_TERMS` words, and any input the parser refuses falls back to its
plain words. Neither ever raises. `respell` writes a "Did you mean" query: what was typed,
with only its misspelt words changed.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from whoosh import qparser
from whoosh.analysis import STOP_WORDS
from whoosh.query import NullQuery, Term

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
# Fields holding one exact code per document: a value no label or code names finds nothing.
EXACT_FIELDS = {"stage": "stage", "type": "type", "source": "source"}
LABELLED_FIELDS = (*EXACT_FIELDS, "workstream")
FIELDS_HELP = (
    "title, summary, author, doi, reference, organisation, workstream, source, stage, year and type"
)
LONGEST_LABEL = 6  # words an unquoted label may run to (`stage:with the review panel`)
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
_FIELD_VALUE = re.compile(r"\w+:(?:\"[^\"]*\"?|'[^']*'?|\([^)]*\)?|[^\s()]*)")
_TOKEN = re.compile(
    r"(?P<paren>[()])"
    r"|(?P<field>\w+):(?P<value>\"[^\"]*\"?|'[^']*'?|[^\s()\"]*)"
    r"|(?P<phrase>\"[^\"]*\"?)"
    r"|(?P<word>[^\s()\"]+)"
)
_RANGE = re.compile(r"(?:\w+:)?[\[{][^\]}]*\bTO\b[^\]}]*[\]}]?|\w+:[<>]=?\S*")
_WILDCARD = re.compile(r"\*|\?(?=\w)")
_BOOST_FUZZY = re.compile(r"[\^~][\d.]*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT"})
QUOTES = "\"'"

Vocabulary = Mapping[str, Mapping[str, tuple[str, ...]]]  # field -> label_key -> codes

NOTICES = {
    "cut": f"Your search was too long, so only its first {MAX_QUERY_CHARS} characters were used.",
    "terms": f"Only the first {MAX_TERMS} words of your search were used.",
    "wildcard": "Wildcards (* and ?) are not supported, so they were ignored. A word finds its "
    "other forms anyway: screen also finds screening.",
    "range": "Ranges and comparisons, such as year:[2020 TO 2024] or year:>2020, are not "
    "supported, so they were left out. Search for one year at a time, such as year:2024.",
    "boost": "The ^ and ~ were ignored: boosting and fuzzy matching are not supported.",
}


@dataclass(frozen=True)
class Prepared:
    """A query read for searching: as shown in the box, as searched, and what changed."""

    text: str  # what the person typed, cleaned and cut: shown in the search box
    searched: str  # in the backends' own terms: index field names, codes, supported syntax
    notices: tuple[str, ...] = ()


def clean(text: str | None) -> str:
    """The query as searched: printable characters only, at most `MAX_QUERY_CHARS`."""
    return _printable(text)[:MAX_QUERY_CHARS]


def _printable(text: str | None) -> str:
    text = "".join(
        ch if unicodedata.category(ch)[0] not in "CZ" else " " for ch in (text or "")[:2000]
    )
    return " ".join(text.split())


def label_key(text: str) -> str:
    """A label or code as matched: case, hyphens, underscores and spacing do not count."""
    text = unicodedata.normalize("NFKC", text).casefold().strip(" \"'.,;:!?")
    return " ".join(re.sub(r"[\s_\-‐–—]+", " ", text).split())


def prepare(raw: str | None, vocabulary: Vocabulary | None = None) -> Prepared:
    """Read what was typed: the query to search, and notices of whatever was changed."""
    whole = _printable(raw)
    text = whole[:MAX_QUERY_CHARS]
    notices = ["cut"] if len(whole) > MAX_QUERY_CHARS else []
    searched = _RANGE.sub(" ", text)
    if searched != text:
        notices.append("range")
    tokens = list(_TOKEN.finditer(searched))
    out: list[str] = []
    n = 0
    while n < len(tokens):
        token = tokens[n]
        n += 1
        if token["paren"]:
            out.append(token["paren"])
        elif token["phrase"]:
            out.append(token["phrase"])
        elif token["field"]:
            n = _field(token, tokens, n, out, notices, vocabulary or {})
        else:
            _word(token["word"], out, notices)
    if len(words(" ".join(out), limit=None)) > MAX_TERMS:
        notices.append("terms")
    return Prepared(text, " ".join(out), tuple(_messages(notices)))


def _messages(notices) -> list[str]:
    seen = []
    for notice in notices:
        message = NOTICES.get(notice, notice)
        if message not in seen:
            seen.append(message)
    return seen


def _word(word: str, out: list[str], notices: list[str]) -> None:
    if word in _OPERATORS:
        out.append(word)
        return
    negate = word.startswith("-") and len(word) > 1
    word = _plain(word.lstrip("+-") if negate or word.startswith("+") else word, notices)
    if word:
        out.extend(("NOT", word) if negate else (word,))


def _plain(value: str, notices: list[str]) -> str:
    """The value without wildcards, boosts and fuzzy marks (each noticed)."""
    if _WILDCARD.search(value):
        notices.append("wildcard")
        value = _WILDCARD.sub("", value)
    if _BOOST_FUZZY.search(value):
        notices.append("boost")
        value = _BOOST_FUZZY.sub("", value)
    return value


def _field(token, tokens, n, out, notices, vocabulary) -> int:
    """Write one `name:value` (a label's words may follow it); return the next token's place."""
    name, value = token["field"], token["value"]
    field = FIELD_NAMES.get(name.lower())
    if field is None:
        if not value.startswith("/") and not name.isdigit():  # a web address, or 10:30
            notices.append(f"‘{name}:’ was searched as a word: you can search by {FIELDS_HELP}.")
        _word(name, out, notices)
        if value[:1] in ('"', "'"):
            out.append(value)
        elif value:
            _word(value, out, notices)
        return n
    if not value:  # `stage:(a OR b)`: the group that follows is searched as typed
        if n < len(tokens) and tokens[n]["paren"] == "(":
            out.append(f"{field}:(")
            return n + 1
        return n  # a name with nothing after it
    quoted = value[0] in "\"'"
    if not quoted:
        value = _plain(value, notices)
        if not value:  # `stage:*`: nothing is left to look for
            return n
    if field in LABELLED_FIELDS and field in vocabulary:
        labels = vocabulary[field]
        if not quoted:  # the longest run of following words that is a label
            following = [value]
            for later in tokens[n : n + LONGEST_LABEL - 1]:
                if not later["word"] or later["word"] in _OPERATORS:
                    break
                following.append(later["word"])
            for size in range(len(following), 0, -1):
                codes = labels.get(label_key(" ".join(following[:size])))
                if codes:
                    out.append(_codes(field, codes))
                    return n + size - 1
        codes = labels.get(label_key(value))
        if codes:
            out.append(_codes(field, codes))
            return n
        if field in EXACT_FIELDS:
            notices.append(f"No {field} is called ‘{value.strip(QUOTES)}’.")
    if field == "year" and not value.strip(QUOTES).isdigit():
        notices.append("A year is a number, such as year:2024.")
    out.append(f"{field}:{value}")
    return n


def _codes(field: str, codes: tuple[str, ...]) -> str:
    terms = [f'{field}:"{code}"' if " " in code else f"{field}:{code}" for code in codes]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def words(text: str, limit: int | None = MAX_TERMS) -> list[str]:
    """The plain words of a query (for the fallback and for spelling suggestions)."""
    found = [w for w in _WORD.findall(text) if w.upper() not in _OPERATORS]
    found = [w for w in found if not FIELD_NAMES.get(w.lower()) or f"{w}:" not in text]
    return found[:limit] if limit else found


def free_words(text: str) -> list[str]:
    """The words of a query outside `field:value` parts (spelling suggestions respell only
    these: a code such as in_review is no misspelling)."""
    return words(_FIELD_VALUE.sub(" ", text))


def respell(text: str, respellings: Mapping[str, str]) -> str:
    """`text` with each word outside `field:value` parts (`free_words`) respelled as
    `respellings` (lower-case word -> respelling) says; fields, quotes, brackets and operators
    stay as typed, so the suggested query searches the same fields."""

    def swap(match):
        word = match.group()
        new = respellings.get(word.lower())
        if new is None or word in _OPERATORS:
            return word
        return new.capitalize() if word.istitle() else new

    parts, at = [], 0
    for field in _FIELD_VALUE.finditer(text):
        parts += [_WORD.sub(swap, text[at : field.start()]), field.group()]
        at = field.end()
    return "".join([*parts, _WORD.sub(swap, text[at:])])


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
    """A Whoosh query for `text` (`Prepared.searched`); NullQuery when nothing is searchable."""
    parser = make_parser(schema)
    try:
        if len(words(text, limit=None)) <= MAX_TERMS:
            query = _without_stop_words(parser.parse(_public_fields(text)))
            if query is not NullQuery and _terms(query) <= MAX_TERMS * len(DEFAULT_FIELDS):
                return query
    except Exception:  # odd input must never become an error page: use its plain words
        pass
    plain = " ".join(w.lower() for w in words(text))
    if not plain:
        return NullQuery
    try:
        return _without_stop_words(parser.parse(plain))
    except Exception:
        return NullQuery


def _without_stop_words(query):
    # The text fields' analysers drop stop words, but the exact fields (a reference, a DOI)
    # keep them, so "handover of patients" would ask for a reference or DOI that is "of".
    def drop(node):
        if type(node) is Term and isinstance(node.text, str) and node.text in STOP_WORDS:
            return NullQuery
        return node

    return query.accept(drop).normalize()


def _terms(query) -> int:
    return 1 if query.is_leaf() else sum(1 for _ in query.leaves())
