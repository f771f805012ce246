"""The gate before feedparser: refuse entity attacks and web pages, let small entities through.

feedparser keeps "safe" internal entities and expands them, so one 10 KB entity referenced
thousands of times takes hundreds of megabytes, and its strict parser (expat) reads whatever
internal DTD subset it is given. The gate looks at exactly the bytes feedparser will parse, by
calling feedparser's own encoding conversion and DOCTYPE handling first, so a declared encoding
(UTF-16, UTF-7, EBCDIC …) cannot hide a declaration from it.

An internal subset may hold only a few small general entities whose values are plain text
(`<!ENTITY org "NHS England">`): such a value cannot refer to another entity, so nothing
nests, and the text all their references add together is capped. Anything else in a subset
(parameter or external entities, values with markup or references, element or attribute
declarations) is refused, as are entities that would add too much text. The gate writes the
entities it admits out into the text itself and drops the DTD, because feedparser keeps or
drops a declaration depending on where its line starts, and would then read `&org;` as
undefined.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.parsers import expat
from xml.sax.saxutils import escape

from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from scanners.bound import long_tag_at

MAX_ENTITIES = 16
MAX_ENTITY_VALUE = 200  # characters in one entity's value
MAX_ENTITY_EXPANSION = 256 * 1024  # bytes that all references together may add

_FIRST_ELEMENT = re.compile(rb"<\w")
_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ANY_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SMALL_ENTITY = re.compile(
    rb"<!ENTITY\s+([A-Za-z_][\w.-]*)\s+(?:\"([^\"&<%%]{0,%d})\"|'([^'&<%%]{0,%d})')\s*>"
    % (MAX_ENTITY_VALUE, MAX_ENTITY_VALUE)
)
_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_HTML_ROOTS = {"html", "head", "body"}

ENTITY_REFUSAL = (
    "This feed declares XML entities or DTD rules that could be used to exhaust memory "
    "(large, nested, external or used very many times), which the scanner refuses."
)
WEB_PAGE_REFUSAL = (
    "This address returned a web page, not a feed: look on the page for its RSS or Atom link."
)


@dataclass(frozen=True)
class Document:
    """A feed document as feedparser will see it, before any parser has run."""

    data: bytes  # UTF-8, with feedparser's DOCTYPE replacement applied
    head: bytes  # the converted bytes before the first element, as the server sent them
    version: str | None  # "rss091n" when the DOCTYPE names Netscape's RSS 0.91
    entities: dict[str, str]  # the entities feedparser's loose parser would expand
    encoding_problem: Exception | None  # what feedparser found wrong with the declared encoding
    tag_limit: int  # where the first over-long start tag begins, else len(data)


@dataclass(frozen=True)
class Admission:
    """The gate's answer: a refusal sentence, or None and (when the document declared small
    entities) the document with them written out and its DTD dropped."""

    refusal: str | None = None
    data: bytes | None = None


def prepare(body: bytes, headers: Mapping[str, str]) -> Document:
    """Convert `body` exactly as feedparser will, and note what the gate and bound need."""
    found: dict = {}
    converted = convert_to_utf8(dict(headers), body, found)
    head_end = _FIRST_ELEMENT.search(converted)
    head = converted[: head_end.start()] if head_end else converted
    version, data, entities = replace_doctype(converted)
    return Document(
        data=data,
        head=head,
        version=version,
        entities=entities,
        encoding_problem=found.get("bozo_exception"),
        tag_limit=long_tag_at(data),
    )


class _Refuse(Exception):
    pass


class _RootReached(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Prolog:
    """expat over the prolog only, to the root element: the entities it declares, or refusal."""

    def __init__(self) -> None:
        self.entities: dict[str, str] = {}
        self.root_at: int | None = None
        parser = expat.ParserCreate()
        parser.EntityDeclHandler = self.entity
        parser.UnparsedEntityDeclHandler = self.refuse
        parser.ElementDeclHandler = self.refuse
        parser.AttlistDeclHandler = self.refuse
        parser.NotationDeclHandler = self.refuse
        parser.StartElementHandler = self.root
        self.parser = parser

    def entity(self, name, is_parameter, value, _base, system_id, public_id, notation) -> None:
        if is_parameter or value is None or system_id or public_id or notation:
            raise _Refuse
        if len(value) > MAX_ENTITY_VALUE or any(c in value for c in "&<%"):
            raise _Refuse
        self.entities[name] = value
        if len(self.entities) > MAX_ENTITIES:
            raise _Refuse

    def refuse(self, *_args) -> None:
        raise _Refuse

    def root(self, name, _attributes) -> None:
        self.root_at = self.parser.CurrentByteIndex
        raise _RootReached(name)

    def read(self, data: bytes) -> str | None:
        """Return the root element's name; raise _Refuse for a declaration the gate refuses."""
        try:
            self.parser.Parse(data, True)
        except _RootReached as root:
            return root.name
        except expat.ExpatError:
            # A broken prolog makes feedparser's strict parser fail at the same point, before
            # any declaration after it could take effect; its loose parser uses only
            # `entities`, which the gate checks separately.
            pass
        match = _ROOT_NAME.search(data)
        if match:
            self.root_at = match.start()
        return match.group(1).decode("ascii") if match else None


def _declared(head: bytes) -> dict[str, str] | None:
    """The entities the server declared, if all are small and plain text, else None."""
    small = _SMALL_ENTITY.findall(head)
    if len(small) > MAX_ENTITIES or len(_ANY_ENTITY.findall(head)) != len(small):
        return None
    for subset in _DOCTYPE_SUBSET.findall(head):
        rest = _COMMENT.sub(b"", _SMALL_ENTITY.sub(b"", subset))
        if rest.strip():
            return None
    return {name.decode(): (double or single).decode() for name, double, single in small}


def _written_out(data: bytes, entities: Mapping[str, str], root_at: int) -> bytes:
    """`data` with each reference to `entities` replaced by its text, and no internal DTD."""
    prolog = _SMALL_ENTITY.sub(b"", _DOCTYPE_SUBSET.sub(b"", data[:root_at]))
    texts = {
        f"&{name};".encode(): escape(value, {'"': "&quot;", "'": "&apos;"}).encode()
        for name, value in entities.items()
    }
    reference = re.compile(b"|".join(re.escape(r) for r in texts))
    return prolog + reference.sub(lambda m: texts[m.group(0)], data[root_at:])


def _expansion(data: bytes, entities: Mapping[str, str]) -> int:
    """The bytes that every reference to `entities` in `data` would add."""
    return sum(
        len(value.encode()) * data.count(b"&" + name.encode() + b";")
        for name, value in entities.items()
    )


def gate(document: Document) -> Admission:
    """Refuse the document when it must not reach feedparser; write out small entities."""
    declared = _declared(document.head)
    loose = document.entities
    if declared is None or len(loose) > MAX_ENTITIES:
        return Admission(ENTITY_REFUSAL)
    if any(len(v) > MAX_ENTITY_VALUE or any(c in v for c in "&<%") for v in loose.values()):
        return Admission(ENTITY_REFUSAL)
    prolog = _Prolog()
    try:
        root = prolog.read(memoryview(document.data)[: document.tag_limit])
    except _Refuse:
        return Admission(ENTITY_REFUSAL)
    entities = {**declared, **loose, **prolog.entities}
    if len(entities) > MAX_ENTITIES or _expansion(document.data, entities) > MAX_ENTITY_EXPANSION:
        return Admission(ENTITY_REFUSAL)
    if root and root.rsplit(":", 1)[-1].lower() in _HTML_ROOTS:
        return Admission(WEB_PAGE_REFUSAL)
    if entities and prolog.root_at is not None:
        return Admission(data=_written_out(document.data, entities, prolog.root_at))
    return Admission()
