"""Parse a fetched feed document into plain records: a pure function of bytes that never raises.

feedparser does the parsing, always from bytes (given a string it may open a local path or
fetch a URL with no timeout). Before it runs, a gate refuses documents that declare entities
or carry an internal DTD subset: feedparser keeps "safe" internal entities and expands them,
so one 10 KB entity referenced thousands of times takes hundreds of megabytes. The gate looks
at exactly the bytes feedparser will parse, by calling feedparser's own encoding conversion
and DOCTYPE handling first, so a declared encoding (UTF-16, UTF-7, EBCDIC …) cannot hide a
declaration from it.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from xml.parsers import expat

import feedparser
from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from scanners.dedupe import unique_per_feed
from scanners.normalise import canonical_url, clean_text, entry_from_feedparser
from scanners.records import ParsedFeed

MAX_ENTRIES = 500
MAX_ENTRY_ERRORS = 10  # one sentence per bad entry, up to this many
# Headers feedparser reads from a response: encoding, base URI for relative links, language.
_PASSED_HEADERS = ("content-type", "content-location", "content-language")
_FIRST_ELEMENT = re.compile(rb"<\w")
_ROOT_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE([^>]*)", re.IGNORECASE)
_HTML_ROOTS = {"html", "head", "body"}

ENTITY_REFUSAL = (
    "This feed declares its own XML entities or an internal DTD, which the scanner refuses "
    "because they can be used to exhaust memory."
)
WEB_PAGE_REFUSAL = (
    "This address returned a web page, not a feed: look on the page for its RSS or Atom link."
)
NOT_A_FEED = "This address did not return an RSS or Atom feed that could be read."


class _Refuse(Exception):
    pass


class _RootReached(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse_entity(*_args) -> None:
    raise _Refuse


def _check_doctype(_name, _system_id, _public_id, has_internal_subset) -> None:
    if has_internal_subset:
        raise _Refuse


def _reach_root(name, _attributes) -> None:
    raise _RootReached(name)


def _read_prolog(data: bytes) -> tuple[bool, str | None]:
    """Run expat over the prolog only, to the root element: (no declarations, root name)."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _check_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.StartElementHandler = _reach_root
    try:
        parser.Parse(data, True)
    except _Refuse:
        return False, None
    except _RootReached as root:
        return True, root.name
    except expat.ExpatError:
        # A broken prolog makes feedparser's strict parser fail at the same point, before any
        # declaration after it could take effect; its loose parser uses only `entities`.
        pass
    match = _ROOT_NAME.search(data)
    return True, match.group(1).decode("ascii") if match else None


def gate(body: bytes, headers: Mapping[str, str]) -> str | None:
    """Return a refusal sentence when the document must not reach feedparser, else None."""
    data = convert_to_utf8(dict(headers), body, {})
    head_end = _FIRST_ELEMENT.search(data)
    head = data[: head_end.start()] if head_end else data
    if _ENTITY_DECLARATION.search(head) or any(b"[" in d for d in _DOCTYPE.findall(head)):
        return ENTITY_REFUSAL
    _version, prepared, entities = replace_doctype(data)
    safe, root = _read_prolog(prepared)
    if entities or not safe:
        return ENTITY_REFUSAL
    if root and root.rsplit(":", 1)[-1].lower() in _HTML_ROOTS:
        return WEB_PAGE_REFUSAL
    return None


def _feedparser_headers(headers: Mapping[str, str] | None, feed_url: str) -> dict[str, str]:
    given = {k.lower(): v for k, v in (headers or {}).items()}
    passed = {name: given[name] for name in _PASSED_HEADERS if given.get(name)}
    # Without a Content-Type, feedparser would read undeclared documents as ISO-8859-1 once any
    # other header is present; application/xml keeps the XML rule (declaration, else UTF-8).
    passed.setdefault("content-type", "application/xml")
    passed.setdefault("content-location", feed_url)
    return passed


def _bozo_sentence(exc: BaseException | None) -> str | None:
    if exc is None:
        return None
    name = type(exc).__name__
    if name == "NonXMLContentType":
        return None  # servers often label feeds text/html or text/plain; it parses the same
    if name == "CharacterEncodingOverride":
        return f"The feed's character encoding was mislabelled ({exc}); it was read anyway."
    if name == "CharacterEncodingUnknown":
        return "The feed's character encoding could not be worked out; some text may be garbled."
    where = ""
    line = getattr(exc, "getLineNumber", None)
    if callable(line):
        where = f" at line {line()}"
    message = getattr(exc, "getMessage", None)
    detail = message() if callable(message) else str(exc)
    return (
        f"The feed is not well-formed XML{where} ({detail}); the entries that could be read "
        "were kept."
    )


def parse_feed(
    body: bytes,
    *,
    feed_url: str,
    fetched_at: datetime,
    headers: Mapping[str, str] | None = None,
    max_entries: int = MAX_ENTRIES,
) -> ParsedFeed:
    """Parse feed bytes into a `ParsedFeed`; problems become sentences in `errors`."""
    result = ParsedFeed(feed_url=feed_url)
    if not body or not body.strip():
        result.rejected = True
        result.errors.append("This address returned an empty document, not a feed.")
        return result
    fp_headers = _feedparser_headers(headers, feed_url)
    try:
        refusal = gate(body, fp_headers)
        if refusal is None:
            # Every text field is reduced to plain text by nh3 afterwards, so feedparser's own
            # HTML sanitising and relative-URI rewriting of content would be wasted work
            # (a third of its parse time); entry links are still resolved against the feed.
            parsed = feedparser.parse(
                body,
                response_headers=fp_headers,
                sanitize_html=False,
                resolve_relative_uris=False,
            )
    except Exception as exc:  # a bug in a parser must not abort the scan run
        refusal = f"The feed could not be read ({type(exc).__name__})."
    if refusal:
        result.rejected = True
        result.errors.append(refusal)
        return result

    raw_entries = parsed.get("entries") or []
    result.format = parsed.get("version") or None
    if not result.format and not raw_entries:
        result.rejected = True
        content_type = fp_headers.get("content-type", "").lower()
        result.errors.append(WEB_PAGE_REFUSAL if "html" in content_type else NOT_A_FEED)
        return result
    if parsed.get("bozo"):
        sentence = _bozo_sentence(parsed.get("bozo_exception"))
        if sentence:
            result.errors.append(sentence)

    channel = parsed.get("feed") or {}
    result.title = clean_text(channel.get("title")) or None
    result.link = canonical_url(channel.get("link"))
    if len(raw_entries) > max_entries:
        result.errors.append(
            f"The feed held {len(raw_entries)} entries; only the first {max_entries} were read."
        )
        raw_entries = raw_entries[:max_entries]

    entries = []
    failed = []
    for number, raw in enumerate(raw_entries, start=1):
        try:
            entries.append(entry_from_feedparser(raw, feed_url=feed_url, fetched_at=fetched_at))
        except Exception as exc:  # one bad entry must not lose the others
            failed.append(f"Entry {number} could not be read ({type(exc).__name__}): skipped.")
    result.errors.extend(failed[:MAX_ENTRY_ERRORS])
    if len(failed) > MAX_ENTRY_ERRORS:
        result.errors.append(f"{len(failed) - MAX_ENTRY_ERRORS} more entries were skipped.")
    result.entries, notes = unique_per_feed(entries)
    result.errors.extend(notes)
    return result
