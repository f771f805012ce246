"""Scan feeds: claim one, fetch it, parse, store what is new, and schedule the next fetch.

A scan claims its feed with one conditional UPDATE (`claimed_until`), so two `flask scan`
processes, or a scan and the worker, never fetch one feed at once. The network fetch and the
parse happen outside any database transaction; what they found is stored in one short
transaction (see `storing.py`). Failures are recorded on the feed and never stop the scan of
other feeds: after `FAILURES_BEFORE_BACKOFF` in a row the feed is flagged and its next fetch
backs off exponentially, up to a day; a 410 pauses it; a Retry-After is honoured.
"""

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.models import FAILURES_BEFORE_BACKOFF, Feed, FeedFetch
from portal.horizon.storing import KnownItems, store_entries
from scanners.fetch import FetchSettings, fetch_feed
from scanners.parse import parse_feed
from scanners.records import FetchResult, ParsedFeed
from scanners.sandbox import ParseLimits

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)  # longer than a whole fetch may take (30 s) plus storing
MAX_BACKOFF = timedelta(hours=24)
GONE_REASON = "The feed's server says it has gone for good (HTTP 410). Check the address."


@dataclass
class ScanResult:
    """What scanning one feed did."""

    feed_id: int
    name: str = ""
    skipped: bool = False  # another scan held the feed, or it was no longer due
    error: str | None = None
    not_modified: bool = False
    entries: int = 0
    new_items: int = 0
    duplicates: int = 0

    @property
    def ok(self) -> bool:
        return not self.skipped and self.error is None


@dataclass
class ScanSummary:
    results: list[ScanResult] = field(default_factory=list)

    def count(self, attribute: str) -> int:
        return sum(getattr(r, attribute) for r in self.results)

    @property
    def failed(self) -> list[ScanResult]:
        return [r for r in self.results if r.error]

    def describe(self) -> str:
        """One line for the command line and the worker's log."""
        scanned = [r for r in self.results if not r.skipped]
        skipped = len(self.results) - len(scanned)
        return (
            f"Scanned {len(scanned)} feed{'s' if len(scanned) != 1 else ''}: "
            f"{len(scanned) - len(self.failed)} OK, {len(self.failed)} failed"
            + (f", {skipped} skipped (another scan had them)" if skipped else "")
            + f"; {self.count('entries')} entries, {self.count('new_items')} new items, "
            f"{self.count('duplicates')} already known from other feeds."
        )


def fetch(url: str, *, etag=None, last_modified=None, total_timeout=None) -> FetchResult:
    """Fetch `url` with the portal's settings, from its mirror if `FEED_MIRRORS` names one."""
    config = current_app.config
    networks = tuple(config["SCANNER_ALLOWED_NETWORKS"])
    target = config["FEED_MIRRORS"].get(url)
    if target:
        # Only the mirror's own address is let through the guard, and only for its feeds.
        networks += (_network_of(target),)
    settings = FetchSettings(
        total_timeout=total_timeout or config["SCANNER_TIMEOUT"],
        allowed_networks=networks,
    )
    return fetch_feed(
        target or url,
        etag=etag,
        last_modified=last_modified,
        settings=settings,
        clock=utcnow,
    )


def _network_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    try:
        return str(ipaddress.ip_network(host))
    except ValueError:  # a name such as localhost
        return "127.0.0.0/8"


def parse(result: FetchResult, feed_url: str, *, timeout: float | None = None) -> ParsedFeed:
    """Parse what `fetch` returned; feedparser runs within the scanners' limits (a few seconds
    of CPU, 512 MB), and within `timeout` seconds when one is given."""
    limits = ParseLimits() if timeout is None else ParseLimits(timeout=timeout)
    return parse_feed(
        result.body or b"",
        feed_url=feed_url,
        fetched_at=result.fetched_at,
        headers=result.headers,
        limits=limits,
    )


def due_feed_ids() -> list[int]:
    """Active feeds whose next fetch is due, longest waiting first."""
    now = utcnow()
    query = (
        sa.select(Feed.id)
        .where(Feed.active, sa.or_(Feed.next_fetch_at.is_(None), Feed.next_fetch_at <= now))
        .order_by(Feed.next_fetch_at.is_not(None), Feed.next_fetch_at, Feed.id)
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def scan_due_feeds() -> ScanSummary:
    """Scan every feed that is due."""
    return scan_feeds(due_feed_ids())


def scan_feeds(feed_ids, *, force=False) -> ScanSummary:
    """Scan each feed in turn; one feed's failure never stops the others."""
    known = KnownItems()  # loaded once for the whole run, topped up as it goes
    summary = ScanSummary()
    for feed_id in feed_ids:
        try:
            result = scan_feed(feed_id, known, force=force)
        except Exception as error:  # a bug must not leave the other feeds unscanned
            db.session.rollback()
            log.exception("scanning feed %s failed", feed_id)
            result = ScanResult(feed_id, error=f"The scan stopped unexpectedly: {error}")
            _release_after_crash(feed_id, result.error)
        summary.results.append(result)
    return summary


def scan_feed(
    feed_id: int, known: KnownItems | None = None, *, force=False, token: str | None = None
) -> ScanResult:
    """Claim, fetch, parse and store one feed; `force` scans it even when it is not due.
    `token` names the claim: a scan holding the same token (a task delivered again after its
    worker died) takes the feed even while that claim lasts."""
    claim = claim_feed(feed_id, force=force, token=token)
    if claim is None:
        return ScanResult(feed_id, skipped=True)
    job = ScanResult(feed_id, name=claim.name)
    # No transaction (nor SQLite's write lock) is held over the network or the parse.
    result = fetch(claim.url, etag=claim.etag, last_modified=claim.last_modified)
    parsed = parse(result, claim.url) if result.ok and not result.not_modified else None

    feed = db.session.get(Feed, feed_id)
    log_entry = FeedFetch(feed_id=feed_id, at=result.fetched_at, status=result.status)
    if parsed is not None and not parsed.rejected:
        known = known or KnownItems()
        stored = store_entries(feed, parsed.entries, known, result.fetched_at)
        job.entries, job.new_items, job.duplicates = (
            len(parsed.entries),
            stored.new_items,
            stored.duplicates,
        )
        log_entry.problems = parsed.errors + stored.notes
        feed.format = parsed.format or feed.format
    elif parsed is not None:  # a web page or a refused document, not a feed
        job.error = parsed.errors[0] if parsed.errors else "The address did not give a feed."
        log_entry.problems = parsed.errors
    elif not result.ok:
        job.error = result.error or "The feed could not be fetched."
    job.not_modified = result.not_modified
    log_entry.error = job.error
    log_entry.entries_seen, log_entry.new_items = job.entries, job.new_items
    log_entry.duplicates = job.duplicates
    db.session.add(log_entry)
    schedule(feed, result, job.error)
    db.session.commit()
    return job


def claim_feed(feed_id: int, *, force=False, token: str | None = None):
    """Take the feed for this scan unless another scan holds it (or, unforced, it is not due);
    return its name, url, etag and last_modified, or None when it was not taken."""
    now = utcnow()
    free = [Feed.claimed_until.is_(None), Feed.claimed_until < now]
    if token is not None:
        free.append(Feed.claimed_by == token)
    conditions = [Feed.id == feed_id, sa.or_(*free)]
    if not force:
        conditions += [
            Feed.active,
            sa.or_(Feed.next_fetch_at.is_(None), Feed.next_fetch_at <= now),
        ]
    claimed = db.session.execute(
        sa.update(Feed)
        .where(*conditions)
        .values(claimed_until=now + CLAIM, claimed_by=token)
        .returning(Feed.name, Feed.url, Feed.etag, Feed.last_modified),
        execution_options={"synchronize_session": False},
    ).all()  # one row when this scan took the feed, none when it did not
    db.session.commit()
    return claimed[0] if claimed else None


def schedule(feed: Feed, result: FetchResult, error: str | None) -> None:
    """Record the outcome on the feed, release its claim and set when to fetch it next."""
    now = utcnow()
    feed.claimed_until = feed.claimed_by = None
    feed.last_fetch_at = now
    feed.last_status = result.status
    interval = timedelta(minutes=feed.fetch_interval_minutes)
    if error is None:
        if not result.not_modified:
            feed.etag, feed.last_modified = result.etag, result.last_modified
        feed.last_success_at = now
        feed.last_error = None
        feed.consecutive_errors = 0
        feed.flagged = False
        feed.next_fetch_at = now + interval
        return
    feed.last_error = error
    feed.consecutive_errors += 1
    if result.gone:
        feed.active = False
        feed.paused_reason = GONE_REASON
    if feed.consecutive_errors >= FAILURES_BEFORE_BACKOFF:
        feed.flagged = True
        # 3 failures in a row: twice the interval, then 4, 8 … times, never more than a day.
        interval = min(interval * 2 ** (feed.consecutive_errors - 2), MAX_BACKOFF)
    feed.next_fetch_at = now + interval
    if result.retry_after is not None:
        feed.next_fetch_at = min(max(result.retry_after, now), now + MAX_BACKOFF)


def _release_after_crash(feed_id: int, error: str) -> None:
    """Record an unexpected failure and free the feed, so its next scan need not wait."""
    try:
        feed = db.session.get(Feed, feed_id)
        if feed is not None:
            db.session.add(FeedFetch(feed_id=feed_id, at=utcnow(), error=error))
            schedule(
                feed, FetchResult(url=feed.url, final_url=feed.url, fetched_at=utcnow()), error
            )
            db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the failed scan of feed %s", feed_id)
