"""Scanners: fetch literature and safety feeds safely, parse, normalise and de-duplicate them.

A pure library: plain records out; it imports neither Flask nor SQLAlchemy.

    result = fetch_feed(url, etag=..., last_modified=...)       # never raises
    if result.ok and result.body is not None:
        parsed = parse_feed(result.body, feed_url=url, fetched_at=result.fetched_at,
                            headers=result.headers)              # never raises
        for entry in parsed.entries:
            item_id = index.match(entry)                         # a DuplicateIndex

parse_feed reads at most `max_entries` entries and runs feedparser in a child process within
`ParseLimits` (CPU seconds, memory, a wall-clock timeout): no document can hold its caller
for longer or make it bigger.
"""

from scanners.dedupe import (
    TITLE_SIMILARITY,
    DuplicateIndex,
    is_tombstoned,
    title_can_match,
    title_similarity,
    tombstone_keys,
    unique_per_feed,
)
from scanners.fetch import FetchSettings, fetch_feed
from scanners.guard import GuardedTransport, blocked_reason, system_resolver
from scanners.normalise import (
    canonical_url,
    clean_text,
    entry_from_feedparser,
    normalise_doi,
    title_key,
)
from scanners.parse import parse_feed
from scanners.records import ERROR_KINDS, Entry, FetchResult, ParsedFeed
from scanners.sandbox import ParseLimits

__all__ = [
    "ERROR_KINDS",
    "TITLE_SIMILARITY",
    "DuplicateIndex",
    "Entry",
    "FetchResult",
    "FetchSettings",
    "GuardedTransport",
    "ParseLimits",
    "ParsedFeed",
    "blocked_reason",
    "canonical_url",
    "clean_text",
    "entry_from_feedparser",
    "fetch_feed",
    "is_tombstoned",
    "normalise_doi",
    "parse_feed",
    "system_resolver",
    "title_can_match",
    "title_key",
    "title_similarity",
    "tombstone_keys",
    "unique_per_feed",
]
