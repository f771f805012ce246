"""Parse a fetched feed document into plain records: a pure function of bytes that never raises.

feedparser does the parsing, always from bytes (given a string it may open a local path or
fetch a URL with no timeout), and never on the whole of whatever a server sent:

1. the gate (gate.py) refuses entity attacks and web pages, on the bytes feedparser will see;
2. the document is cut at the entry cap and a markup budget (bound.py), so feedparser reads
   at most the first 500 entries rather than parsing 500,000 and dropping all but 500;
3. feedparser runs in a child process with CPU, memory and time limits (sandbox.py), a
   backstop for any shape of document that is costly in ways the cut does not foresee.

Entries are then normalised here, in the caller's process.
"""

from collections.abc import Mapping
from datetime import datetime

import feedparser

from scanners.bound import bound
from scanners.dedupe import unique_per_feed
from scanners.gate import ENTITY_REFUSAL, WEB_PAGE_REFUSAL, gate, prepare
from scanners.normalise import (
    FEEDPARSER_FIELDS,
    canonical_url,
    clean_text,
    entry_from_feedparser,
)
from scanners.records import ParsedFeed
from scanners.sandbox import LimitExceeded, ParseLimits, run_limited

__all__ = ["ENTITY_REFUSAL", "MAX_ENTRIES", "NOT_A_FEED", "WEB_PAGE_REFUSAL", "parse_feed"]

MAX_ENTRIES = 500
MAX_ENTRY_ERRORS = 10  # one sentence per bad entry, up to this many
MAX_TEXT = 100_000  # characters of an entry's title, summary or content that are read
# Headers feedparser reads from a response: encoding, base URI for relative links, language.
_PASSED_HEADERS = ("content-type", "content-location", "content-language")
# A cut document is UTF-8 already, its declaration rewritten by feedparser's conversion.
_CUT_TYPE = "application/xml; charset=utf-8"

NOT_A_FEED = "This address did not return an RSS or Atom feed that could be read."
TOO_COMPLEX = (
    "The feed holds more markup than the scanner reads (a very large or deeply nested "
    "document), so reading stopped part way: {read} read."
)
OVER_LIMIT = {
    "time": (
        "The feed took too long to read, so none of it was read: it may be broken, or built "
        "to exhaust the scanner."
    ),
    "memory": (
        "The feed needed too much memory to read (over {megabytes} MB), so none of it was "
        "read: it may be broken, or built to exhaust the scanner."
    ),
    "stopped": (
        "Reading the feed was stopped at the scanner's limits ({limits.cpu_seconds} s of "
        "processing, {megabytes} MB), so none of it was read: it may be broken, or built to "
        "exhaust the scanner."
    ),
}


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


def _slim(raw: Mapping) -> dict:
    """The fields normalise reads, long texts cut: what comes back from the sandbox."""
    entry = {k: v for k, v in dict.items(raw) if k in FEEDPARSER_FIELDS}
    for name in ("title", "summary"):
        if isinstance(entry.get(name), str):
            entry[name] = entry[name][:MAX_TEXT]
    if isinstance(entry.get("content"), list):
        entry["content"] = [
            {**part, "value": part["value"][:MAX_TEXT]}
            if isinstance(part, Mapping) and isinstance(part.get("value"), str)
            else part
            for part in entry["content"]
        ]
    return entry


def read_with_feedparser(data: bytes, headers: dict[str, str], max_entries: int) -> dict:
    """Run feedparser over `data` (in the sandbox) and return what the scanner reads of it."""
    # Every text field is reduced to plain text by nh3 afterwards, so feedparser's own HTML
    # sanitising and relative-URI rewriting of content would be wasted work (a third of its
    # parse time); entry links are still resolved against the feed.
    parsed = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    channel = parsed.get("feed") or {}
    entries = parsed.get("entries") or []
    return {
        "version": parsed.get("version") or None,
        "problem": _bozo_sentence(parsed.get("bozo_exception")) if parsed.get("bozo") else None,
        "title": title[:MAX_TEXT] if isinstance(title := channel.get("title"), str) else None,
        "link": channel.get("link"),
        "count": len(entries),
        "entries": [_slim(raw) for raw in entries[:max_entries]],
    }


def _parse_bounded(body, fp_headers, max_entries, limits) -> dict | str:
    """Gate, cut and parse `body` in the sandbox: what feedparser read, or a refusal sentence."""
    document = prepare(body, fp_headers)
    admission = gate(document)
    if admission.refusal:
        return admission.refusal
    written_out = admission.data  # the document with its small entities written out
    if written_out is None:
        cut = bound(document.data, max_entries=max_entries, tag_limit=document.tag_limit)
    else:
        cut = bound(written_out, max_entries=max_entries)
    if cut.data is None and written_out is None:
        reading = run_limited(read_with_feedparser, body, fp_headers, max_entries, limits=limits)
    else:
        data = written_out if cut.data is None else cut.data
        headers = {**fp_headers, "content-type": _CUT_TYPE}
        reading = run_limited(read_with_feedparser, data, headers, max_entries, limits=limits)
        # feedparser reads these bytes as plain UTF-8: what it would have said of the
        # original encoding, and of a Netscape DOCTYPE, is said here instead.
        reading["problem"] = reading["problem"] or _bozo_sentence(document.encoding_problem)
        reading["version"] = document.version or reading["version"]
    reading["cut"] = cut
    return reading


def _read(body, fp_headers, max_entries, limits, result: ParsedFeed) -> dict | None:
    """What feedparser read of `body`; on refusal, mark `result` rejected and return None."""
    try:
        reading = _parse_bounded(body, fp_headers, max_entries, limits)
    except LimitExceeded as exceeded:
        megabytes = limits.memory_bytes // (1024 * 1024)
        template = OVER_LIMIT.get(exceeded.kind, "The feed could not be read ({kind}).")
        reading = template.format(limits=limits, megabytes=megabytes, kind=exceeded.detail)
    except Exception as exc:  # a bug in a parser must not abort the scan run
        reading = f"The feed could not be read ({type(exc).__name__})."
    if isinstance(reading, str):
        result.rejected = True
        result.errors.append(reading)
        return None
    return reading


def _cap_note(reading: dict, max_entries: int) -> str | None:
    cut = reading["cut"]
    if cut.reason == "entries" or reading["count"] > max_entries:
        held = max(cut.entries, reading["count"])
        return f"The feed held {held:,} entries; only the first {max_entries} were read."
    if cut.reason:
        kept = len(reading["entries"])
        read = "no entries" if not kept else "1 entry" if kept == 1 else f"{kept:,} entries"
        return TOO_COMPLEX.format(read=read)
    return None


def parse_feed(
    body: bytes,
    *,
    feed_url: str,
    fetched_at: datetime,
    headers: Mapping[str, str] | None = None,
    max_entries: int = MAX_ENTRIES,
    limits: ParseLimits = ParseLimits(),  # noqa: B008 - frozen, so sharing is safe
) -> ParsedFeed:
    """Parse feed bytes into a `ParsedFeed`; problems become sentences in `errors`."""
    result = ParsedFeed(feed_url=feed_url)
    if not body or not body.strip():
        result.rejected = True
        result.errors.append("This address returned an empty document, not a feed.")
        return result
    fp_headers = _feedparser_headers(headers, feed_url)
    reading = _read(body, fp_headers, max_entries, limits, result)
    if reading is None:
        return result

    raw_entries = reading["entries"]
    result.format = reading["version"]
    if not result.format and not raw_entries:
        result.rejected = True
        content_type = fp_headers.get("content-type", "").lower()
        result.errors.append(WEB_PAGE_REFUSAL if "html" in content_type else NOT_A_FEED)
        return result
    if reading["problem"]:
        result.errors.append(reading["problem"])

    result.title = clean_text(reading["title"]) or None
    result.link = canonical_url(reading["link"])
    note = _cap_note(reading, max_entries)
    if note:
        result.errors.append(note)

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
