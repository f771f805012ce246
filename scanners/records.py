"""The plain records the scanners produce: what a fetch returned and what a feed held.

These are the contract between the library and the portal: the portal stores `Entry` records
and the fetch outcome on its feed rows; nothing here knows about Flask or a database.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch. A failed fetch is a result with `error` set, never a raise."""

    url: str  # as requested
    final_url: str  # after redirects (== url when none)
    fetched_at: datetime  # UTC, from the injectable clock
    status: int | None = None  # HTTP status of the last response; None when none came
    body: bytes | None = None  # decoded of any Content-Encoding; None on 304 or error
    headers: dict[str, str] = field(default_factory=dict)  # last response, lower-case names
    etag: str | None = None  # to send back as If-None-Match next time
    last_modified: str | None = None  # to send back as If-Modified-Since next time
    not_modified: bool = False  # 304: nothing new, keep the stored validators
    gone: bool = False  # 410: the feed is gone for good (the portal pauses it)
    retry_after: datetime | None = None  # UTC, from Retry-After on a 429 or 503
    error_kind: str | None = None  # see ERROR_KINDS
    error: str | None = None  # one plain sentence a lead can act on

    @property
    def ok(self) -> bool:
        return self.error_kind is None


# error_kind values: what went wrong, for the portal's status and backoff
ERROR_KINDS = (
    "scheme",  # not http or https
    "blocked_address",  # resolved to loopback, private, link-local, multicast or metadata
    "dns",  # the name did not resolve
    "connection",  # refused, reset, TLS failure
    "timeout",  # connect over 10 s or whole fetch over 30 s
    "too_large",  # body (or its decompressed size) over the cap
    "redirects",  # more than 5 hops, a loop, or a hop to a refused URL
    "http",  # 4xx / 5xx other than 304 (status says which)
)


@dataclass(frozen=True)
class Entry:
    """One normalised feed entry."""

    feed_url: str  # the feed it came from (the source)
    key: str  # stable and unique within its feed: "guid:…", else "link:…", else "title:…|date"
    title: str  # clean text ("" when the entry had none)
    summary: str  # clean text: tags stripped by a sanitiser, entities decoded, spaces collapsed
    link: str | None  # canonical http(s) URL (no fragment, no utm_* and similar), else None
    authors: tuple[str, ...]
    published_at: datetime  # UTC
    published_guessed: bool  # True when the feed gave no usable date: published_at = fetch time
    doi: str | None  # lower-case "10.x/…"
    pmid: str | None  # digits only
    title_key: str  # normalised title used for near-duplicate matching across feeds


@dataclass
class ParsedFeed:
    """What one feed document held. Problems are listed in `errors`; parsing never raises."""

    feed_url: str
    title: str | None = None
    link: str | None = None
    format: str | None = None  # feedparser's version: "rss20", "rss091u", "rss10", "atom10" …
    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one sentence each (bozo, bad entries, cap)
    rejected: bool = False  # True when the whole document was refused (entities, not a feed)
