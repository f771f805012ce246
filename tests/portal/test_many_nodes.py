"""Many nodes on one PostgreSQL and one Redis: two gunicorn web nodes and two `flask worker`s,
each with its own instance folder, and workers killed with `kill -9` mid-task.

Each test starts real processes on 127.0.0.1; the database is made once for the module. The
workers redeliver a killed worker's task after `nodes.VISIBILITY_TIMEOUT` seconds.
"""

import fcntl
import threading
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.auth import services as auth_services
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed, FeedFetch, ItemSource
from portal.search.index import open_index
from portal.search.queue import SearchQueueEntry
from portal.search.updates import apply_queued_updates
from tests.conftest import PASSWORD, make_config, postgres_database
from tests.feed_server import Reply, rss
from tests.portal import nodes
from tests.portal.horizon_helpers import add_feed, add_items, article
from tests.portal.idea_answers import ANSWERS
from tests.portal.test_attachments import PNG

pytestmark = pytest.mark.postgresql
# A PNG's signature and header, then 300 KiB: more than one stored chunk (256 KiB).
PICTURE = PNG + bytes(range(256)) * 1200


class Cluster:
    """The shared services, an app in this process to seed and read the database, and the
    processes started so far (stopped at the end)."""

    def __init__(self, base: Path, database_url: str, redis_url: str):
        self.base, self.database_url, self.redis_url = base, database_url, redis_url
        self.queue = nodes.new_queue()
        self.processes: list[nodes.Process] = []
        self.apps = []
        self.app = self.make_app()

    def make_app(self, **overrides):
        config = make_config(
            self.database_url,
            self.base,
            TASK_BROKER_URL=self.redis_url,
            TASK_QUEUE=self.queue,
            **overrides,
        )
        app = create_app(config)
        self.apps.append(app)
        return app

    def close(self):
        for app in self.apps:
            with app.app_context():
                for engine in db.engines.values():
                    engine.dispose()

    def env(self, name, **extra):
        return nodes.node_environment(
            self.database_url, self.redis_url, self.queue, self.base / name, **extra
        )

    def worker(self, name, wait=True, **extra) -> nodes.Process:
        process = nodes.start_worker(self.env(name, **extra), self.base / f"{name}.log", wait)
        self.processes.append(process)
        return process

    def web(self, name, wait=True) -> str:
        process, url = nodes.start_web(self.env(name), self.base / f"{name}.log", wait)
        self.processes.append(process)
        return url

    def enqueue(self, app, name, *args):
        app.extensions["celery"].tasks[name].apply_async(args)

    def read(self, function, app=None):
        with (app or self.app).app_context():
            try:
                return function()
            finally:
                db.session.remove()

    def stop(self):
        while self.processes:
            self.processes.pop().stop()


@pytest.fixture
def cluster(shared_cluster):
    """The module's cluster, with every process a test started stopped after it."""
    yield shared_cluster
    shared_cluster.stop()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory):
    base = tmp_path_factory.mktemp("nodes")
    database_url, drop = postgres_database()
    redis_server = nodes.RedisServer()
    cluster = Cluster(base, database_url, redis_server.url)
    with cluster.app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
    yield cluster
    cluster.stop()
    cluster.close()
    redis_server.stop()
    drop()


def feed_outcome(cluster, feed_id):
    def load():
        feed = db.session.get(Feed, feed_id)
        items = db.session.scalar(
            sa.select(sa.func.count()).select_from(ItemSource).filter_by(feed_id=feed_id)
        )
        fetches = db.session.scalar(
            sa.select(sa.func.count()).select_from(FeedFetch).filter_by(feed_id=feed_id)
        )
        return feed.last_fetch_at, feed.claimed_until, feed.claimed_by, items, fetches

    return cluster.read(load)


def test_a_scan_whose_worker_is_killed_is_delivered_again_and_stores_each_item_once(
    cluster, feed_server
):
    release = threading.Event()
    body = rss([article(n) for n in range(1, 4)])
    url = feed_server.route(Reply(body, hold=release), Reply(body))
    feed_id = add_feed(cluster.app, url, name="Killed mid-scan")
    first = cluster.worker("scan-worker-1")
    cluster.enqueue(cluster.app, "horizon.scan_feed", feed_id)
    nodes.wait_for(lambda: feed_server.hits(url), 20, what="the first worker's fetch")
    first.kill9()  # holding the feed's claim, its items not yet stored
    release.set()
    assert feed_outcome(cluster, feed_id)[0] is None

    cluster.worker("scan-worker-2")
    nodes.wait_for(lambda: feed_outcome(cluster, feed_id)[0], 30, what="the scan to finish")
    fetched_at, claimed_until, claimed_by, items, fetches = feed_outcome(cluster, feed_id)
    assert (claimed_until, claimed_by) == (None, None)
    assert (items, fetches) == (3, 1)  # each item once; one scan recorded
    assert len(feed_server.hits(url)) == 2  # the killed fetch, then the redelivered one


def test_an_index_update_whose_worker_is_killed_is_applied_whole_by_another(cluster):
    index_dir = cluster.base / "shared-search-index"  # Whoosh: one machine's workers only
    whoosh = {"SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(index_dir)}
    app = cluster.make_app(**whoosh)
    cluster.read(apply_queued_updates, app)  # build the index of what is there first
    before = cluster.read(lambda: open_index().doc_count(), app)
    pairs = [(f"Handover audit {n} on ward safety", f"Study {n} of handovers.") for n in range(800)]
    add_items(app, pairs, feed_name="Index kill feed")
    queued = cluster.read(
        lambda: db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))), app
    )
    assert queued >= 800

    first = cluster.worker("index-worker-1", **whoosh)
    cluster.enqueue(app, "search.update_index")

    def writing():
        with open(index_dir / "writer.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    nodes.wait_for(writing, 20, interval=0.01, what="the first worker to start writing")
    first.kill9()
    assert cluster.read(
        lambda: db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))), app
    )

    cluster.worker("index-worker-2", **whoosh)
    nodes.wait_for(
        lambda: cluster.read(
            lambda: not db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))), app
        ),
        30,
        what="the queue to be applied",
    )
    found = cluster.read(lambda: open_index().doc_count(), app)
    assert found == before + 800  # every queued document, once


def sign_in(client, email):
    token = nodes.csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.text
    return nodes.csrf_token(client, "/account")


def test_two_web_nodes_and_two_workers_share_sessions_search_files_and_scans(cluster, feed_server):
    web = [cluster.web(f"web-{n}", wait=False) for n in (1, 2)]
    workers = [cluster.worker(f"worker-{n}", wait=False) for n in (1, 2)]
    for url in web:
        nodes.web_ready(url)
    for worker in workers:
        nodes.worker_ready(worker)

    def user(email, role):
        def create():
            auth_services.create_user(
                email, email, PASSWORD, None, roles=(role,), check_password=False
            )
            db.session.commit()

        cluster.read(create)
        return email

    innovator = user("innovator@nodes.example.org", Role.INNOVATOR)
    lead = user("lead@nodes.example.org", Role.PROGRAMME_LEAD)

    one = httpx.Client(base_url=web[0], timeout=30)
    token = sign_in(one, innovator)
    # a session made on node 1 is honoured by node 2
    two = httpx.Client(base_url=web[1], timeout=30, cookies=one.cookies)
    assert two.get("/account").status_code == 200 and innovator in two.get("/account").text

    started = one.post("/ideas/new", data={"start_token": "many-nodes", "csrf_token": token})
    assert started.status_code == 302
    reference = started.headers["Location"].rsplit("/", 1)[1]
    for key, data in ANSWERS.items():
        saved = one.post(f"/ideas/{reference}/sections/{key}", data={**data, "csrf_token": token})
        assert saved.status_code == 302, (key, saved.text[:500])
    upload = one.post(
        f"/ideas/{reference}/attachments",
        data={"csrf_token": token},
        files={"file": ("pathway.png", PICTURE, "image/png")},
    )
    assert upload.status_code == 302, upload.text[:500]
    assert one.post(f"/ideas/{reference}/submit", data={"csrf_token": token}).status_code == 302

    # the attachment uploaded on node 1 downloads from node 2
    page = two.get(f"/ideas/{reference}/attachments").text
    link = nodes.re.search(rf"/ideas/{reference}/attachments/(\d+)", page)
    assert link, page[:2000]
    download = two.get(link.group(0))
    assert download.status_code == 200
    assert download.content == PICTURE

    # the idea submitted through node 1 is found by search through node 2
    searcher = httpx.Client(base_url=web[1], timeout=30)
    sign_in(searcher, lead)
    found = searcher.get("/search", params={"q": "sepsis district nurses"})
    assert found.status_code == 200 and reference in found.text

    # a scan runs once, though two schedulers' ticks reach two workers
    url = feed_server.route(Reply(rss([article(n) for n in range(10, 14)])))
    feed_id = add_feed(cluster.app, url, name="Scanned once")
    for _ in range(2):
        cluster.enqueue(cluster.app, "horizon.scan_due_feeds")
    nodes.wait_for(lambda: feed_outcome(cluster, feed_id)[0], 30, what="the scan")

    def settled():  # both ticks handled, and every scan they sent finished
        logs = "".join(w.output() for w in workers)

        def count(name, outcome):
            return len(nodes.re.findall(rf"Task {name}\[[^\]]+\] {outcome}", logs))

        ticks, scans = "horizon.scan_due_feeds", "horizon.scan_feed"
        return count(ticks, "succeeded") == 2 and 1 <= count(scans, "succeeded") == count(
            scans, "received"
        )

    nodes.wait_for(settled, 30, what="both workers to settle")
    assert len(feed_server.hits(url)) == 1
    assert feed_outcome(cluster, feed_id)[3:] == (4, 1)
