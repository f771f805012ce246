"""The commands that scan: `flask scan` (all due feeds, or one), `flask worker`, and the
"Scan now" button that only makes a feed due."""

import pytest

from portal.extensions import db
from portal.horizon import services
from portal.horizon.models import Feed, FeedFetch
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import add_feed, article, count, feed_state, fetch_log, scan


def test_flask_scan_scans_due_feeds_with_a_progress_bar_and_a_summary(
    app, runner, clock, feed_server, query
):
    add_feed(app, feed_server.route(Reply(rss([article(1), article(2)]))), "Journal one")
    add_feed(app, feed_server.route(Reply(rss([article(2), article(3)]))), "Journal two")
    broken = add_feed(app, feed_server.route(Reply(b"", status=500)), "Broken journal")

    result = runner.invoke(args=["scan"])

    assert result.exit_code == 0, result.output
    assert "Scanning 3 feeds" in result.output
    assert (
        "Failed: Broken journal: The server answered 500 (Internal Server Error)" in result.output
    )
    assert result.output.rstrip().endswith(
        "Scanned 3 feeds: 2 OK, 1 failed; 4 entries, 3 new items, 1 already known from other feeds."
    )
    assert feed_state(query, broken).consecutive_errors == 1

    result = runner.invoke(args=["scan"])  # nothing is due an hour early
    assert (result.exit_code, result.output) == (0, "No feeds are due.\n")


def test_flask_scan_feed_scans_one_feed_even_when_not_due(app, runner, clock, feed_server, query):
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(1)]))), "Journal one")
    other = add_feed(app, feed_server.route(Reply(rss([article(2)]))), "Journal two")
    scan(app)
    feed_server.reroute(feed_state(query, feed_id).url, Reply(rss([article(1), article(3)])))

    result = runner.invoke(args=["scan", "--feed", str(feed_id)])

    assert result.exit_code == 0, result.output
    assert "Scanning 1 feed" in result.output
    assert "Scanned 1 feed: 1 OK, 0 failed; 2 entries, 1 new items" in result.output
    assert len(fetch_log(query, other)) == 1  # the other feed was left alone


@pytest.mark.parametrize(
    ("paused", "message"),
    [(None, "Error: There is no feed with ID 987654."), (True, "is paused: resume it first.")],
)
def test_flask_scan_feed_refuses_a_missing_or_paused_feed(
    app, runner, clock, feed_server, query, create_user, paused, message
):
    feed_id = 987654
    if paused:
        feed_id = add_feed(app, feed_server.route(Reply(rss([article(1)]))))
        with app.test_request_context():
            services.pause_feed(db.session.get(Feed, feed_id), create_user())
            db.session.commit()
    result = runner.invoke(args=["scan", "--feed", str(feed_id)])
    assert result.exit_code == 1 and message in result.output
    assert count(query, FeedFetch) == 0


def test_the_worker_scans_due_feeds_and_scan_now_makes_a_feed_due(
    app, runner, lead_client, clock, feed_server, query
):
    url = feed_server.route(Reply(rss([article(1)])))
    feed_id = add_feed(app, url)

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "feeds scanned: 1, failed: 0, new items: 1" in result.output

    feed_server.reroute(url, Reply(rss([article(1), article(2)])))
    clock.advance(minutes=5)
    assert "feeds scanned: 0," in runner.invoke(args=["worker", "--once"]).output

    response = lead_client.post(f"/horizon/feeds/{feed_id}/scan")
    assert response.status_code == 302
    assert feed_state(query, feed_id).next_fetch_at == clock.now
    assert len(feed_server.hits(url)) == 1  # the page fetched nothing itself
    assert (
        "feeds scanned: 1, failed: 0, new items: 1"
        in runner.invoke(args=["worker", "--once"]).output
    )
