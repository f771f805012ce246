"""The demo's feeds: registered once at their real addresses, and served offline by the mirror."""

import threading

import pytest
import sqlalchemy as sa

from portal import config
from portal.auth.models import User
from portal.demo import load_demo_feeds
from portal.extensions import db
from portal.horizon import scanning, services
from portal.horizon.demo_feeds import DEMO_FEEDS, FIXTURES, make_mirror
from portal.horizon.models import Feed, ItemSource, ScannedItem
from portal.settings import from_environment
from scanners.records import FetchResult
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import add_feed, article, count, scan

DEMO_ENTRIES = 149  # in the nine fixture files
DEMO_ITEMS = 139  # once the same articles in several feeds are merged (two MHRA months stay two)


@pytest.fixture(scope="module")
def mirror():
    server = make_mirror("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def offline_demo(app, mirror, monkeypatch):
    """The run command's configuration: the mirror set, no network allowed past the guard."""
    monkeypatch.setitem(app.config, "DEMO_FEED_MIRROR", mirror)
    monkeypatch.setitem(app.config, "SCANNER_ALLOWED_NETWORKS", ())


def register_demo_feeds(app, create_user):
    from portal.auth.roles import Role

    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    with app.app_context():
        added = load_demo_feeds(db.session.get(User, lead.id))
        db.session.commit()
        return added


def test_demo_feeds_are_registered_once_at_their_real_addresses(
    app, connection, clock, create_user, query
):
    assert register_demo_feeds(app, create_user) == len(DEMO_FEEDS) == 9
    assert register_demo_feeds(app, create_user) == 0
    feeds = query(lambda: db.session.scalars(sa.select(Feed).order_by(Feed.id)).all())
    assert [(f.name, f.url) for f in feeds] == [(d.name, d.url) for d in DEMO_FEEDS]
    assert all(f.url.startswith("https://") and f.next_fetch_at == clock.now for f in feeds)
    assert all((FIXTURES / d.file).is_file() for d in DEMO_FEEDS)


def test_the_mirror_serves_the_demo_feeds_offline(
    app, connection, clock, create_user, query, offline_demo
):
    register_demo_feeds(app, create_user)

    summary = scan(app)

    assert [r.error for r in summary.results] == [None] * 9
    assert all(r.entries >= 15 for r in summary.results)
    assert summary.count("entries") == DEMO_ENTRIES
    assert summary.count("new_items") == DEMO_ITEMS
    assert count(query, ScannedItem) == DEMO_ITEMS and count(query, ItemSource) == DEMO_ENTRIES

    clock.advance(hours=1)
    again = scan(app)
    assert [r.not_modified for r in again.results] == [True] * 9  # the mirror honours ETags
    assert count(query, ScannedItem) == DEMO_ITEMS


def test_only_demo_feeds_may_reach_the_mirrors_address(
    app, connection, clock, feed_server, query, offline_demo
):
    other = add_feed(app, feed_server.route(Reply(rss([article(1)]))))

    result = scan(app, other)

    assert "127.0.0.1 is" in result.error and "which the scanner does not contact" in result.error
    assert count(query, ScannedItem) == 0
    with app.app_context():  # a lead's check of a demo address is served by the mirror too
        check = services.check_feed(DEMO_FEEDS[5].url)
    assert (check.ok, check.format, check.entry_count) == (True, "atom10", 16)


def test_the_scanner_settings_come_from_the_environment():
    environ = {
        "SCANNER_ALLOWED_NETWORKS": "127.0.0.1/32, 10.1.0.0/16,",
        "DEMO_FEED_MIRROR": "http://127.0.0.1:5081",
    }
    assert from_environment(environ) == {
        "SCANNER_ALLOWED_NETWORKS": ("127.0.0.1/32", "10.1.0.0/16"),
        "DEMO_FEED_MIRROR": "http://127.0.0.1:5081",
    }
    assert config.SCANNER_ALLOWED_NETWORKS == () and config.DEMO_FEED_MIRROR is None


def test_without_the_mirror_demo_feeds_go_to_their_real_addresses(app, monkeypatch):
    calls = []

    def fake_fetch(url, **options):
        calls.append((url, options["settings"].allowed_networks))
        return FetchResult(url=url, final_url=url, fetched_at=options["clock"](), status=304)

    monkeypatch.setattr(scanning, "fetch_feed", fake_fetch)
    monkeypatch.setitem(app.config, "DEMO_FEED_MIRROR", None)
    monkeypatch.setitem(app.config, "SCANNER_ALLOWED_NETWORKS", ())
    with app.app_context():
        scanning.fetch(DEMO_FEEDS[0].url)
        monkeypatch.setitem(app.config, "DEMO_FEED_MIRROR", "http://127.0.0.1:5081")
        scanning.fetch(DEMO_FEEDS[0].url)
        scanning.fetch("https://example.org/other.xml")
    assert calls == [
        (DEMO_FEEDS[0].url, ()),
        ("http://127.0.0.1:5081/pubmed-maternity-safety.xml", ("127.0.0.1/32",)),
        ("https://example.org/other.xml", ()),
    ]
