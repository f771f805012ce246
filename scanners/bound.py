"""Bound a feed document before feedparser reads it: stop at the entry cap and a markup budget.

feedparser makes Python objects for every element, attribute, line and entity reference of the
whole document; the scanner used to keep the first 500 entries only afterwards, so 540,000 tiny
entries cost 28 s and 550 MB, and 3.7 million empty elements two minutes. Here expat (C; the
gate has already refused every entity but a few small ones) reads the document first, counting
entries and markup, and the document is cut before the first entry over the cap, before the
element where the markup budget runs out, before an element with more attributes than a feed
needs (feedparser's strict parser looks each attribute up in a list: 20,000 on one element take
9 s) and before a start tag longer than the gate's limit. The elements still open at the cut
are closed, so feedparser reads a well-formed document that simply ends there.

A document that is not well-formed is read by feedparser's loose parser once its strict parser
has failed; from expat's error onwards the entry tags and markup are counted with regular
expressions instead, and the document is cut at a tag (the loose parser needs no closing tags).
"""

import re
from dataclasses import dataclass
from itertools import islice
from xml.parsers import expat

MAX_MARKUP = 100_000  # elements, attributes, lines and references feedparser handles one by one
MAX_ATTRIBUTES = 64  # on one element, not counting namespace declarations
MAX_TAG_BYTES = 256 * 1024  # a start tag longer than this ends the read (expat's copy is big)
ENTRY_NAMES = frozenset({"item", "entry"})

_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)(?=[\s/>])", re.IGNORECASE)
_LOOSE_MARKUP = re.compile(rb"[<&=\n]")  # tags, references, attributes, lines
_LONG_TAG = re.compile(rb"<[A-Za-z_][^<>]{%d}" % MAX_TAG_BYTES)


@dataclass(frozen=True)
class Bounded:
    """What to give feedparser: `data` is the document cut and closed, or None when uncut."""

    data: bytes | None = None
    reason: str | None = None  # "entries", "markup", "attributes" or "tag" when cut
    entries: int = 0  # entry start tags seen; in the whole document when cut at the cap


class _Cut(Exception):
    def __init__(self, at: int, reason: str, still_open: int) -> None:
        super().__init__(reason)
        self.at, self.reason, self.still_open = at, reason, still_open


def _plain(names: list[str]) -> int:
    # feedparser's strict parser takes namespace declarations apart; the rest reach its list.
    return sum(1 for name in names if name != "xmlns" and not name.startswith("xmlns:"))


class _Reader:
    """Counts entries and markup as expat reads; raises _Cut where the document must end."""

    def __init__(self, max_entries: int, max_markup: int) -> None:
        self.max_entries, self.max_markup = max_entries, max_markup
        self.entries = self.markup = 0
        self.open: list[tuple[str, int]] = []  # (name as written, where its start tag begins)
        parser = expat.ParserCreate()  # no namespace processing: names stay as written
        parser.ordered_attributes = True
        parser.buffer_text = True  # few text calls here; feedparser's own are counted below
        parser.buffer_size = 64 * 1024
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        self.parser = parser

    def start(self, name: str, attributes: list[str]) -> None:
        at = self.parser.CurrentByteIndex
        if len(attributes) > 2 * MAX_ATTRIBUTES and _plain(attributes[::2]) > MAX_ATTRIBUTES:
            raise _Cut(at, "attributes", len(self.open))
        if name.rsplit(":", 1)[-1].lower() in ENTRY_NAMES:
            if self.entries == self.max_entries:
                raise _Cut(at, "entries", len(self.open))
            self.entries += 1
        self.markup += 1 + len(attributes) // 2
        if self.markup > self.max_markup:
            raise _Cut(at, "markup", len(self.open))
        self.open.append((name, at))

    def end(self, _name: str) -> None:
        self.markup += 1
        self.open.pop()

    def text(self, data: str) -> None:
        # feedparser's strict parser is called once per line and once per reference.
        self.markup += data.count("\n") + data.count("&") + data.count("<")
        if self.markup > self.max_markup and len(self.open) > 1:
            # Text is reported late, at the next tag; the element holding it goes whole.
            raise _Cut(self.open[-1][1], "markup", len(self.open) - 1)


def long_tag_at(data: bytes | memoryview) -> int:
    """Where the first start tag longer than MAX_TAG_BYTES begins, else len(data)."""
    found = _LONG_TAG.search(data)
    return found.start() if found else len(data)


def bound(
    data: bytes, *, max_entries: int, max_markup: int | None = None, tag_limit: int | None = None
) -> Bounded:
    """Count the entries in `data` and cut it where feedparser should stop (see the module)."""
    end = long_tag_at(data) if tag_limit is None else tag_limit
    reader = _Reader(max_entries, MAX_MARKUP if max_markup is None else max_markup)
    try:
        reader.parser.Parse(memoryview(data)[:end], end == len(data))
    except _Cut as cut:
        closing = "".join(f"</{name}>" for name, _at in reversed(reader.open[: cut.still_open]))
        entries = reader.entries
        if cut.reason == "entries":
            entries += _count_entries(data, cut.at)
        return Bounded(data[: cut.at] + closing.encode(), cut.reason, entries)
    except expat.ExpatError:
        return _bound_loose(data, reader, reader.parser.ErrorByteIndex, end)
    if end < len(data):
        closing = "".join(f"</{name}>" for name, _at in reversed(reader.open))
        return Bounded(
            data[:end] + closing.encode(), "tag", reader.entries + _count_entries(data, end)
        )
    return Bounded(entries=reader.entries)


def _count_entries(data: bytes, start: int) -> int:
    return sum(1 for _ in _ENTRY_TAG.finditer(data, start))


def _bound_loose(data: bytes, reader: _Reader, error_at: int, end: int) -> Bounded:
    """Cut a document that is not well-formed, counting on from where expat stopped."""
    error_at = max(error_at, 0)
    at, reason = end, "tag" if end < len(data) else None
    left = reader.max_entries - reader.entries
    over = next(islice(_ENTRY_TAG.finditer(data, error_at, end), left, None), None)
    if over:
        at, reason = over.start(), "entries"
    budget = max(reader.max_markup - reader.markup, 0)
    spent = next(islice(_LOOSE_MARKUP.finditer(data, error_at, at), budget, None), None)
    if spent:
        tag = data.rfind(b"<", error_at, spent.start() + 1)
        at, reason = (tag if tag >= 0 else spent.start()), "markup"
    entries = reader.entries + _count_entries(data, error_at)
    if reason is None:
        return Bounded(entries=entries)
    return Bounded(data[:at], reason, entries)
