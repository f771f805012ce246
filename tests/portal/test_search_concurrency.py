"""Several processes applying queued index updates (and rebuilding) at once, on a real,
committed database: every document ends up indexed exactly once and no writer fails on
Whoosh's LockError. Each backend gets a fresh database, since these tests commit."""

import multiprocessing

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.search.models import SearchQueueEntry
from tests.conftest import BACKENDS, fresh_database, make_config
from tests.portal.horizon_helpers import add_items

WRITERS = 4


@pytest.fixture(params=BACKENDS)
def committed(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield app, url, tmp_path
        with app.app_context():
            db.engine.dispose()


def _write(url, tmp_path, job, start):
    """In a child process: a fresh app, then apply the queue (or rebuild) when released."""
    from portal.search.updates import apply_queued_updates, reindex

    app = create_app(make_config(url, tmp_path))
    with app.app_context():
        start.wait(timeout=30)
        for _ in range(3):  # a few rounds each, interleaving with the others
            (reindex if job == "reindex" else apply_queued_updates)()
            db.session.commit()
        db.engine.dispose()


def run_writers(url, tmp_path, jobs):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(jobs))
    procs = [ctx.Process(target=_write, args=(url, tmp_path, job, start)) for job in jobs]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    return [proc.exitcode for proc in procs]


def indexed_keys(app):
    from portal.search.index import open_index

    with app.app_context():
        ix = open_index()
        with ix.searcher() as searcher:
            return sorted(fields["doc_id"] for fields in searcher.all_stored_fields())


def test_concurrent_writers_index_every_document_exactly_once(committed):
    from portal.search.updates import apply_queued_updates

    app, url, tmp_path = committed
    first = add_items(app, [(f"Sepsis article {n}", "Care homes") for n in range(150)])
    with app.app_context():  # build the index, then queue more while it exists
        apply_queued_updates()
    later = add_items(app, [(f"Valproate article {n}", "Pregnancy") for n in range(150)])
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM scanned_items WHERE id = :id"), {"id": first[0]})
        db.session.execute(sa.insert(SearchQueueEntry).values(doc_type="item", doc_id=first[0]))
        db.session.commit()

    jobs = ["apply"] * (WRITERS - 1) + ["reindex"]  # queue appliers racing a rebuild
    assert run_writers(url, tmp_path, jobs) == [0] * len(jobs)

    keys = indexed_keys(app)
    assert len(keys) == len(set(keys))  # nothing twice
    assert keys == sorted(f"item:{i}" for i in first[1:] + later)  # nothing lost
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))) == 0
