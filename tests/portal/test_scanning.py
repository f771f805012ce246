"""Scanning feeds from a real server on 127.0.0.1: storing, de-duplicating, failing, backing off."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.horizon import services
from portal.horizon.models import Feed, FeedFetch, ItemSource, ScannedItem, Tombstone
from portal.horizon.scanning import GONE_REASON
from portal.horizon.storing import KnownItems, store_entries
from scanners.parse import parse_feed
from tests.feed_server import ATOM_TYPE, Reply, atom, rss
from tests.portal.horizon_helpers import (
    PUBLISHED,
    add_feed,
    article,
    count,
    feed_state,
    fetch_log,
    first_feeds,
    items,
    scan,
)


def test_scan_stores_normalised_items_with_their_sources(
    app, connection, clock, feed_server, query
):
    url = feed_server.route(Reply(rss([article(1), article(2)]), etag='"v1"'))
    feed_id = add_feed(app, url)

    result = scan(app, feed_id)

    assert (result.ok, result.entries, result.new_items, result.duplicates) == (True, 2, 2, 0)

    def stored():
        item = db.session.scalar(sa.select(ScannedItem).filter_by(doi="10.5555/psj.2026.0001"))
        [source] = item.sources
        return item, source

    item, source = query(stored)
    assert item.title == "Insulin prescribing mistakes after elective surgery: a multicentre audit"
    assert item.summary == "Background: study 1. Methods: audit of handovers."
    assert item.link == "https://journal.example.org/articles/1"  # tracking parameters gone
    assert item.authors == ["Author 1A", "Author 1B"]
    assert (item.published_at, item.published_guessed) == (PUBLISHED, False)
    assert (item.first_seen_at, item.status) == (clock.now, "new")
    assert (source.feed_id, source.entry_key, source.seen_at) == (
        feed_id,
        "guid:journal:1",
        clock.now,
    )

    feed = feed_state(query, feed_id)
    assert (feed.status.value, feed.last_status, feed.etag, feed.format) == (
        "ok",
        200,
        '"v1"',
        "rss20",
    )
    assert (feed.last_fetch_at, feed.last_success_at) == (clock.now, clock.now)
    assert feed.next_fetch_at == clock.now + timedelta(minutes=60)
    assert feed.claimed_until is None
    assert fetch_log(query, feed_id) == [(200, None, 2, 2, 0)]


def test_a_second_scan_of_an_unchanged_feed_stores_nothing(
    app, connection, clock, feed_server, query
):
    conditional = feed_server.route(Reply(rss([article(1), article(2)]), etag='"v1"'))
    plain = feed_server.route(Reply(atom([article(3), article(4)]), content_type=ATOM_TYPE))
    feed_ids = [add_feed(app, conditional, "Conditional"), add_feed(app, plain, "Plain")]
    for feed_id in feed_ids:
        scan(app, feed_id)
    clock.advance(hours=2)

    again = [scan(app, feed_id) for feed_id in feed_ids]

    assert [(r.ok, r.not_modified, r.new_items) for r in again] == [
        (True, True, 0),
        (True, False, 0),
    ]
    assert feed_server.hits(conditional)[-1]["If-None-Match"] == '"v1"'
    assert fetch_log(query, feed_ids[0])[-1] == (304, None, 0, 0, 0)
    assert fetch_log(query, feed_ids[1])[-1] == (200, None, 2, 0, 0)
    assert count(query, ScannedItem) == 4 and count(query, ItemSource) == 4
    assert feed_state(query, feed_ids[0]).etag == '"v1"'  # kept after the 304


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(  # the same DOI, whatever else differs
            article(1),
            article(
                1,
                title="A completely different title in the other feed",
                link="https://b.example/1",
                guid="b1",
            ),
            id="doi",
        ),
        pytest.param(  # no DOI: the same link once tracking and fragment are gone
            article(2, doi=None),
            article(
                2,
                doi=None,
                title="Another title here for the same page",
                guid="b2",
                link="https://journal.example.org/articles/2?utm_campaign=x#abstract",
            ),
            id="url",
        ),
        pytest.param(  # no DOI, different links: near-identical titles
            article(4, doi=None),
            article(
                4,
                doi=None,
                link="https://elsewhere.example/4",
                guid="b4",
                title="Medicines reconciliation failure at hospital discharge: multicentre audit.",
            ),
            id="title",
        ),
    ],
)
def test_one_article_in_two_feeds_is_one_item_with_two_sources(
    app, connection, clock, feed_server, query, first, second
):
    first, second = ({k: v for k, v in e.items() if v is not None} for e in (first, second))
    feed_a = add_feed(app, feed_server.route(Reply(rss([first]))), "A")
    feed_b = add_feed(app, feed_server.route(Reply(rss([second]))), "B")

    results = [scan(app, feed_a), scan(app, feed_b)]

    assert [(r.new_items, r.duplicates) for r in results] == [(1, 0), (0, 1)]
    [(title, _doi, sources)] = items(query)
    assert title == first["title"] and sources == [feed_a, feed_b]
    assert first_feeds(query) == [feed_a]  # its source, for search, is the first feed


def test_duplicates_within_one_feed_and_one_batch_are_merged(
    app, connection, clock, feed_server, query
):
    entries = [
        article(1),
        article(1, guid="journal:1-again"),  # another key, the same DOI
        article(2),
        article(2),  # a repeated GUID: parse keeps the first
    ]
    feed_id = add_feed(app, feed_server.route(Reply(rss(entries))))

    result = scan(app, feed_id)

    assert (result.entries, result.new_items, result.duplicates) == (3, 2, 1)
    assert [sources for _t, _d, sources in items(query)] == [[feed_id, feed_id], [feed_id]]
    [(_status, _error, *_), *_] = fetch_log(query, feed_id)
    problems = query(lambda: db.session.scalar(sa.select(FeedFetch.problems)))
    assert any("only the first was kept" in p for p in problems)


def test_a_dismissed_item_never_comes_back(app, connection, clock, feed_server, query, create_user):
    lead = create_user()
    url = feed_server.route(Reply(rss([article(1), article(2)])))
    feed_id = add_feed(app, url)
    scan(app, feed_id)

    def dismiss():
        from portal.auth.models import User

        item = db.session.scalar(sa.select(ScannedItem).filter_by(doi="10.5555/psj.2026.0001"))
        keys = services.dismiss_item(item, db.session.get(User, lead.id))
        db.session.commit()
        return keys

    keys = query(dismiss)
    assert keys == [
        "doi:10.5555/psj.2026.0001",
        "url:https://journal.example.org/articles/1",
        "title:insulin prescribing mistakes after elective surgery a multicentre audit",
    ]
    assert count(query, Tombstone) == 3
    # The same feed again (its source row went with the item) and another feed carrying it
    # under a new key: neither brings it back.
    other = add_feed(app, feed_server.route(Reply(rss([article(1, guid="other:1")]))), "Other")
    clock.advance(hours=2)
    assert scan(app, feed_id).new_items == 0
    assert scan(app, other).new_items == 0
    assert [doi for _t, doi, _s in items(query)] == ["10.5555/psj.2026.0002"]


def test_three_failures_in_a_row_flag_the_feed_and_back_off(
    app, connection, clock, feed_server, query
):
    url = feed_server.route(Reply(b"oops", status=500, content_type="text/plain"))
    feed_id = add_feed(app, url)
    waits = []
    for _ in range(9):
        before = clock.now
        scan(app, feed_id)
        feed = feed_state(query, feed_id)
        waits.append((feed.consecutive_errors, feed.flagged, feed.next_fetch_at - before))
        clock.now = feed.next_fetch_at

    hour = timedelta(hours=1)
    assert waits == [
        (1, False, hour),
        (2, False, hour),
        (3, True, 2 * hour),
        (4, True, 4 * hour),
        (5, True, 8 * hour),
        (6, True, 16 * hour),
        (7, True, 24 * hour),  # never more than a day
        (8, True, 24 * hour),
        (9, True, 24 * hour),
    ]
    assert feed.status.value == "flagged"
    assert feed.last_error.startswith("The server answered 500 (Internal Server Error)")
    assert feed.last_status == 500

    feed_server.reroute(url, Reply(rss([article(1)])))
    scan(app, feed_id)
    feed = feed_state(query, feed_id)
    assert (feed.consecutive_errors, feed.flagged, feed.last_error) == (0, False, None)
    assert feed.status.value == "ok" and feed.next_fetch_at == clock.now + hour


def test_a_410_pauses_the_feed_with_a_reason(app, connection, clock, feed_server, query):
    feed_id = add_feed(
        app, feed_server.route(Reply(b"gone", status=410, content_type="text/plain"))
    )

    result = scan(app, feed_id)

    feed = feed_state(query, feed_id)
    assert result.error.startswith("The server says the feed at")
    assert (feed.active, feed.paused_reason, feed.status.value) == (False, GONE_REASON, "paused")
    assert scan(app).results == []  # a paused feed is never due


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [
        (503, "7200", timedelta(hours=2)),
        (429, "http-date", timedelta(hours=5)),
        (503, str(3 * 24 * 3600), timedelta(hours=24)),  # a day at most
    ],
)
def test_retry_after_is_honoured(
    app, connection, clock, feed_server, query, status, retry_after, wait
):
    if retry_after == "http-date":
        retry_after = format_datetime(clock.now + timedelta(hours=5), usegmt=True)
    reply = Reply(
        b"busy", status=status, content_type="text/plain", headers={"Retry-After": retry_after}
    )
    feed_id = add_feed(app, feed_server.route(reply))

    scan(app, feed_id)

    feed = feed_state(query, feed_id)
    assert feed.next_fetch_at == clock.now + wait
    assert feed.consecutive_errors == 1 and "try again later" in feed.last_error


def test_a_500_and_a_timeout_are_recorded_and_other_feeds_carry_on(
    app, connection, clock, feed_server, query, monkeypatch
):
    monkeypatch.setitem(app.config, "SCANNER_TIMEOUT", 0.3)
    good = feed_server.route(Reply(rss([article(1), article(2)])))
    broken = feed_server.route(Reply(b"", status=500))
    slow = feed_server.route(Reply(hang=True))
    ids = [
        add_feed(app, url, name)
        for url, name in ((broken, "Broken"), (slow, "Slow"), (good, "Good"))
    ]

    summary = scan(app)

    assert [(r.feed_id, r.ok) for r in summary.results] == [
        (ids[0], False),
        (ids[1], False),
        (ids[2], True),
    ]
    assert "took longer than 0.3 s" in feed_state(query, ids[1]).last_error
    assert feed_state(query, ids[0]).last_status == 500
    assert fetch_log(query, ids[1]) == [(None, feed_state(query, ids[1]).last_error, 0, 0, 0)]
    assert count(query, ScannedItem) == 2

    # Mended, the failed feeds store their entries once; the good one stores nothing again.
    feed_server.reroute(broken, Reply(rss([article(1), article(3)])))
    feed_server.reroute(slow, Reply(rss([article(2), article(4)])))
    clock.advance(hours=1)
    summary = scan(app)
    assert [(r.ok, r.new_items, r.duplicates) for r in summary.results] == [
        (True, 1, 1),
        (True, 1, 1),
        (True, 0, 0),
    ]
    assert count(query, ScannedItem) == 4 and count(query, ItemSource) == 6


def test_the_last_line_of_defence_stores_each_entry_once(
    app, connection, clock, feed_server, query
):
    """Entries another scan stored meanwhile clash on the unique keys; each is then stored alone."""
    feed_a = add_feed(app, feed_server.route(Reply(rss([article(1), article(2)]))), "A")
    feed_b = add_feed(app, feed_server.route(Reply(rss([article(3)]))), "B")
    scan(app, feed_a)
    entries = parse_feed(
        rss([article(1, guid="b:1"), article(2, guid="b:2"), article(5)]),
        feed_url="https://b.example/feed",
        fetched_at=clock.now,
    ).entries

    def store_with_a_stale_index():
        known = KnownItems()
        known.refresh()
        known.index = type(known.index)()  # forget everything: the bulk insert will clash
        feed = db.session.get(Feed, feed_b)
        stored = store_entries(feed, entries, known, clock.now)
        db.session.commit()
        return stored

    stored = query(store_with_a_stale_index)
    assert (stored.new_items, stored.duplicates) == (1, 2)
    assert [sources for _t, _d, sources in items(query)] == [
        [feed_a, feed_b],
        [feed_a, feed_b],
        [feed_b],
    ]
    assert first_feeds(query) == [feed_a, feed_a, feed_b]


def test_a_claimed_feed_is_not_scanned_again(app, connection, clock, feed_server, query):
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(1)]))))

    def claim():
        db.session.execute(sa.update(Feed).values(claimed_until=clock.now + timedelta(minutes=5)))
        db.session.commit()

    query(claim)
    assert scan(app, feed_id).skipped
    assert scan(app).results[0].skipped
    assert count(query, ScannedItem) == 0
    clock.advance(minutes=6)  # a crashed scan's claim runs out
    assert scan(app, feed_id).new_items == 1


def test_entries_without_dates_use_the_fetch_time_and_say_so(
    app, connection, clock, feed_server, query
):
    entry = {"title": "An undated safety bulletin with no link or id at all"}
    feed_id = add_feed(app, feed_server.route(Reply(rss([entry]))))
    scan(app, feed_id)
    item = query(lambda: db.session.scalar(sa.select(ScannedItem)))
    assert (item.published_at, item.published_guessed, item.link, item.doi) == (
        clock.now,
        True,
        None,
        None,
    )


def test_scanning_uses_no_clock_but_the_apps(app, connection, clock, feed_server, query):
    clock.now = datetime(2030, 1, 1, tzinfo=UTC)
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(1)]))))
    scan(app, feed_id)
    assert (
        fetch_log(query, feed_id)
        and query(lambda: db.session.scalar(sa.select(FeedFetch.at))) == clock.now
    )
