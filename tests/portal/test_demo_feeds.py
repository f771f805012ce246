"""The demo's feeds: registered once at their real addresses, and served offline by the mirror."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import config, create_app
from portal.auth.models import User
from portal.demo import load_demo_feeds
from portal.demo.feeds import DEMO_FEEDS, FIXTURES, make_mirror, mirror_addresses
from portal.extensions import db
from portal.horizon import scanning, services
from portal.horizon.models import Feed, ItemSource, ScannedItem
from portal.settings import from_environment
from scanners.records import FetchResult
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import add_feed, article, count, scan

DEMO_ENTRIES = 149  # in the nine fixture files
DEMO_ITEMS = 139  # once the same articles in several feeds are merged (two MHRA months stay two)
ROOT = Path(__file__).resolve().parents[2]


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
    """The run command's configuration: the demo feeds mirrored, no network past the guard."""
    monkeypatch.setitem(app.config, "FEED_MIRRORS", mirror_addresses(mirror))
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
    assert config.FEED_MIRRORS == {}


def app_settings(tmp_path, **overrides):
    """Settings for an app of its own, beside the session's."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.sqlite3'}",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        **overrides,
    }


def test_the_app_mirrors_exactly_the_demo_feeds_when_the_variable_is_set(monkeypatch, tmp_path):
    other = {"https://example.org/feed.xml": "http://127.0.0.2/feed.xml"}
    settings = app_settings(tmp_path, FEED_MIRRORS=other)
    monkeypatch.setenv("DEMO_FEED_MIRROR", "http://127.0.0.1:5081/")

    mirrors = create_app(settings).config["FEED_MIRRORS"]

    assert set(mirrors) == {feed.url for feed in DEMO_FEEDS} | set(other)
    assert mirrors[DEMO_FEEDS[0].url] == "http://127.0.0.1:5081/pubmed-maternity-safety.xml"
    assert mirrors[DEMO_FEEDS[5].url] == "http://127.0.0.1:5081/mhra-drug-safety-update.atom"
    assert len({mirrors[feed.url] for feed in DEMO_FEEDS}) == 9
    assert mirrors["https://example.org/feed.xml"] == "http://127.0.0.2/feed.xml"
    monkeypatch.delenv("DEMO_FEED_MIRROR")
    assert create_app(settings).config["FEED_MIRRORS"] == other


def test_without_the_mirror_the_app_loads_no_demo_code(tmp_path):
    script = (
        "import json, sys; from portal import create_app; "
        "create_app(json.loads(sys.argv[1])); print(json.dumps(sorted(sys.modules)))"
    )
    environ = {k: v for k, v in os.environ.items() if k != "DEMO_FEED_MIRROR"}
    completed = subprocess.run(
        [sys.executable, "-c", script, json.dumps(app_settings(tmp_path))],
        cwd=ROOT,
        env={**environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    loaded = json.loads(completed.stdout)
    assert "portal.horizon.scanning" in loaded and "portal.cli" in loaded
    assert [name for name in loaded if name.startswith("portal.demo")] == []


def test_without_the_mirror_demo_feeds_go_to_their_real_addresses(app, monkeypatch):
    calls = []

    def fake_fetch(url, **options):
        calls.append((url, options["settings"].allowed_networks))
        return FetchResult(url=url, final_url=url, fetched_at=options["clock"](), status=304)

    monkeypatch.setattr(scanning, "fetch_feed", fake_fetch)
    monkeypatch.setitem(app.config, "FEED_MIRRORS", {})
    monkeypatch.setitem(app.config, "SCANNER_ALLOWED_NETWORKS", ())
    with app.app_context():
        scanning.fetch(DEMO_FEEDS[0].url)
        mirrors = mirror_addresses("http://127.0.0.1:5081")
        monkeypatch.setitem(app.config, "FEED_MIRRORS", mirrors)
        scanning.fetch(DEMO_FEEDS[0].url)
        scanning.fetch("https://example.org/other.xml")
    assert calls == [
        (DEMO_FEEDS[0].url, ()),
        ("http://127.0.0.1:5081/pubmed-maternity-safety.xml", ("127.0.0.1/32",)),
        ("https://example.org/other.xml", ()),
    ]


def test_demo_feeds_serve_runs_the_mirror_until_interrupted(runner, monkeypatch):
    class Server:
        server_address = ("127.0.0.1", 5099)
        closed = False

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            self.closed = True

    made = []
    monkeypatch.setattr(
        "portal.demo.feeds.make_mirror", lambda host, port: made.append((host, port)) or server
    )
    server = Server()

    result = runner.invoke(args=["demo-feeds", "serve", "--port", "5099"])

    assert result.exit_code == 0, result.output
    assert result.output == "Serving the demo feeds on http://127.0.0.1:5099\n"
    assert made == [("127.0.0.1", 5099)] and server.closed
