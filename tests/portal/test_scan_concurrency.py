"""Concurrent scans on a real, committed database: every feed is scanned once, every item
stored once. Each backend gets a fresh database, since these tests commit."""

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import sqlalchemy as sa

from portal.extensions import db
from portal.horizon.models import FeedFetch, ItemSource, ScannedItem
from portal.horizon.scanning import scan_due_feeds, scan_feed
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import add_feed, article

SCANNERS = 4


def run_together(app, work, n=SCANNERS):
    """Run `work()` in `n` threads released at once, each in its own app context."""
    start = threading.Barrier(n, timeout=10)

    def run(_):
        with app.app_context():
            start.wait()
            return work()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def totals(app):
    with app.app_context():
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (ScannedItem, ItemSource, FeedFetch)
        ]
        dois = db.session.scalars(sa.select(ScannedItem.doi)).all()
        return counts, len(dois) == len(set(dois))


def test_concurrent_scans_of_overlapping_feeds_store_each_item_once(committed_app, feed_server):
    # Six feeds whose entries overlap by DOI: 18 entries, 8 distinct articles.
    urls = [
        feed_server.route(Reply(rss([article(n), article(n + 1), article(n + 2)])))
        for n in range(6)
    ]
    feed_ids = [add_feed(committed_app, url, f"Feed {n}") for n, url in enumerate(urls)]

    summaries = run_together(committed_app, scan_due_feeds)

    results = [r for s in summaries for r in s.results]
    scanned = sorted(r.feed_id for r in results if not r.skipped)
    assert scanned == feed_ids  # each feed exactly once, by one of the scanners
    assert all(r.ok for r in results if not r.skipped)
    assert totals(committed_app) == ([8, 18, 6], True)


def test_the_same_feed_scanned_at_once_is_fetched_once(committed_app, feed_server):
    # The server holds its answer until the other scans have tried, so they overlap for sure.
    hold = threading.Event()
    url = feed_server.route(Reply(rss([article(n) for n in range(10)]), hold=hold))
    feed_id = add_feed(committed_app, url)

    def scan():
        with committed_app.app_context():
            return scan_feed(feed_id, force=True)

    results = []
    with ThreadPoolExecutor(max_workers=SCANNERS) as pool:
        try:
            for future in as_completed([pool.submit(scan) for _ in range(SCANNERS)], timeout=30):
                results.append(future.result())
                if len(results) == SCANNERS - 1:
                    hold.set()
        finally:
            hold.set()

    assert [r.skipped for r in results] == [True] * (SCANNERS - 1) + [False]
    assert len(feed_server.hits(url)) == 1
    assert totals(committed_app) == ([10, 10, 1], True)
