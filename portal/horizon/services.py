"""Leads' changes to feeds and items: add, check, edit, pause, resume, scan now, dismiss.

Services add and flush but never commit, and write the audit event. Checking a feed is the
one fetch a web request makes: a lead is waiting on the page, so it has a short timeout.
Scans themselves run in `flask scan` and the worker (`scanning.py`).
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.models import Feed, FeedFetch, ItemSource, ScannedItem, Tombstone
from portal.horizon.scanning import fetch, parse
from scanners.dedupe import tombstone_keys
from scanners.records import Entry

CHECK_TIMEOUT = 10.0  # seconds: the whole test fetch and parse, while the lead waits
MIN_CHECK_PARSE = 1.0  # seconds the parse gets however long the fetch took
PREVIEW_ENTRIES = 10
MAX_URL_LENGTH = 2000


class FeedError(ValueError):
    """A feed change that cannot be made; the message is shown to the lead."""


@dataclass
class FeedCheck:
    """What a test fetch of a feed found, shown before the feed is saved."""

    url: str
    error: str | None = None
    title: str | None = None
    format: str | None = None
    entry_count: int = 0
    entries: list[Entry] = field(default_factory=list)  # the first PREVIEW_ENTRIES
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a feed address, in words for the lead; None when it can."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        return f"The feed address must be {MAX_URL_LENGTH:,} characters or fewer"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return "Enter a feed address like https://www.example.org/feed.xml"
    if parts.scheme.lower() not in ("http", "https"):
        if parts.scheme and parts.netloc:
            return "The feed address must start with http:// or https://"
        return "Enter a feed address like https://www.example.org/feed.xml"
    if not parts.hostname or "." not in parts.hostname.strip("."):
        return "Enter a feed address like https://www.example.org/feed.xml"
    return None


def check_feed(url: str, feed: Feed | None = None) -> FeedCheck:
    """Fetch and parse `url` now, to show a lead what it holds before they save it (as a new
    feed, or as `feed`'s new address)."""
    url = url.strip()
    problem = url_problem(url) or _duplicate_problem(url, feed)
    if problem:
        return FeedCheck(url, error=problem)
    started = time.monotonic()
    result = fetch(url, total_timeout=CHECK_TIMEOUT)
    if not result.ok:
        return FeedCheck(url, error=result.error or "The feed could not be fetched.")
    # The parse gets what is left of the lead's wait (at least a second for a slow fetch).
    left = CHECK_TIMEOUT - (time.monotonic() - started)
    parsed = parse(result, url, timeout=max(left, MIN_CHECK_PARSE))
    if parsed.rejected:
        return FeedCheck(url, error=parsed.errors[0], problems=parsed.errors[1:])
    return FeedCheck(
        url,
        title=parsed.title,
        format=parsed.format,
        entry_count=len(parsed.entries),
        entries=parsed.entries[:PREVIEW_ENTRIES],
        problems=parsed.errors,
    )


def _duplicate_problem(url: str, feed: Feed | None = None) -> str | None:
    existing = db.session.scalar(sa.select(Feed).where(Feed.url == url))
    if existing is not None and existing is not feed:
        return f"This feed is already on the list, as '{existing.name}'"
    return None


def _refuse_duplicate_url(url: str, feed: Feed | None = None) -> None:
    problem = _duplicate_problem(url, feed)
    if problem:
        raise FeedError(problem)


def add_feed(user, values: dict, check: FeedCheck | None = None) -> Feed:
    """Add a feed from `values` (url, name, description, interval), due for its first scan."""
    url = values["url"].strip()
    _refuse_duplicate_url(url)
    name = (values.get("name") or "").strip() or (check.title if check else None) or url
    feed = Feed(
        name=name[:200],
        url=url,
        description=(values.get("description") or "").strip(),
        fetch_interval_minutes=values.get("interval") or 60,
        format=check.format if check else None,
        created_by_id=getattr(user, "id", None),
        created_at=utcnow(),
        next_fetch_at=utcnow(),
    )
    db.session.add(feed)
    db.session.flush()
    audit.record(user, "feed.added", feed, name=feed.name, url=feed.url)
    return feed


def update_feed(feed: Feed, user, values: dict) -> bool:
    """Change a feed's details; a new address starts afresh. Return whether anything changed."""
    url = values["url"].strip()
    changes = {}
    for name, value in (
        ("url", url),
        ("name", values["name"].strip()),
        ("description", (values.get("description") or "").strip()),
        ("fetch_interval_minutes", values["interval"]),
    ):
        if getattr(feed, name) != value:
            changes[name] = value
    if not changes:
        return False
    if "url" in changes:
        _refuse_duplicate_url(url, feed)
        # A different document: forget the old one's validators and failures.
        feed.etag = feed.last_modified = feed.last_error = None
        feed.consecutive_errors, feed.flagged, feed.next_fetch_at = 0, False, utcnow()
    if "fetch_interval_minutes" in changes and feed.next_fetch_at and not feed.flagged:
        feed.next_fetch_at = min(
            feed.next_fetch_at, utcnow() + timedelta(minutes=changes["fetch_interval_minutes"])
        )
    for name, value in changes.items():
        setattr(feed, name, value)
    audit.record(user, "feed.updated", feed, changed=sorted(changes))
    return True


def pause_feed(feed: Feed, user) -> None:
    """Stop scanning the feed until it is resumed."""
    feed.active = False
    feed.paused_reason = f"Paused by {user.name}."
    audit.record(user, "feed.paused", feed)


def resume_feed(feed: Feed, user) -> None:
    """Scan the feed again, starting now, with its failures forgotten."""
    feed.active = True
    feed.paused_reason = None
    feed.flagged = False
    feed.consecutive_errors = 0
    feed.next_fetch_at = utcnow()
    audit.record(user, "feed.resumed", feed)


def request_scan(feed: Feed, user) -> None:
    """Mark the feed due now: the worker fetches it on its next round."""
    feed.next_fetch_at = utcnow()
    audit.record(user, "feed.scan_requested", feed)


def dismiss_item(item: ScannedItem, user) -> list[str]:
    """Delete the item and tombstone its DOI, link and title so it never comes back."""
    keys = tombstone_keys(item.doi, item.link, item.title_key or None)
    known = set(db.session.scalars(sa.select(Tombstone.key).where(Tombstone.key.in_(keys))))
    now = utcnow()
    for key in keys:
        if key not in known:
            db.session.add(
                Tombstone(key=key, title=item.title, dismissed_by_id=user.id, dismissed_at=now)
            )
    audit.record(user, "scanned_item.dismissed", item, title=item.title, keys=keys)
    db.session.delete(item)
    db.session.flush()
    return keys


# Reading, for the pages


def item_counts(feed: Feed | None = None) -> dict[int, int]:
    """How many items each feed (or `feed`) brought in; an item in two feeds counts for both."""
    query = sa.select(ItemSource.feed_id, sa.func.count(sa.distinct(ItemSource.item_id)))
    if feed is not None:
        query = query.where(ItemSource.feed_id == feed.id)
    return dict(db.session.execute(query.group_by(ItemSource.feed_id)).all())


def newest_items(feed: Feed | None = None):
    """Items newest first, with their sources and feeds loaded; only `feed`'s when given."""
    query = sa.select(ScannedItem).options(
        selectinload(ScannedItem.sources).joinedload(ItemSource.feed)
    )
    if feed is not None:
        query = query.where(ScannedItem.sources.any(ItemSource.feed_id == feed.id))
    # newest found first; within one scan, newest published first
    order = (ScannedItem.first_seen_at.desc(), ScannedItem.published_at.desc(), ScannedItem.id)
    return query.order_by(*order)


def recent_fetches(feed: Feed, limit=10) -> list[FeedFetch]:
    query = sa.select(FeedFetch).where(FeedFetch.feed_id == feed.id)
    return list(
        db.session.scalars(query.order_by(FeedFetch.at.desc(), FeedFetch.id.desc()).limit(limit))
    )
