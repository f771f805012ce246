"""Keeping the index right: the reused searcher, stale content, renames, and an older index."""

import pytest
import sqlalchemy as sa

from portal.auth.models import Organisation
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed
from portal.ideas.models import Idea
from portal.search.models import SearchQueueEntry
from tests.portal.horizon_helpers import add_items
from tests.portal.search_helpers import index_now, run_search, use_backend, use_search_dir


@pytest.fixture(autouse=True)
def search_dir(app, tmp_path):
    yield from use_search_dir(app, tmp_path)


@pytest.fixture(autouse=True)
def whoosh_backend(app):
    """The Whoosh index's upkeep: its queue, worker and checks, even on PostgreSQL."""
    yield from use_backend(app, "whoosh")


@pytest.fixture
def lead(create_user):
    return create_user(roles=(Role.PROGRAMME_LEAD,), name="Lena Lead")


def titles(results):
    return [hit.title for hit in results.hits]


def queued(app):
    with app.app_context():
        return set(
            db.session.execute(sa.select(SearchQueueEntry.doc_type, SearchQueueEntry.doc_id))
        )


def test_the_reused_searcher_sees_the_workers_update(app, create_idea, lead):
    from portal.search.engine import _VIEWS

    idea = create_idea(triage=True, title="Original sepsis title")
    index_now(app)
    assert titles(run_search(app, lead, "sepsis")) == ["Original sepsis title"]
    first = _VIEWS.view
    assert titles(run_search(app, lead, "original")) == ["Original sepsis title"]
    assert _VIEWS.view is first  # unchanged index: the same searcher and arrays

    with app.app_context():
        db.session.get(Idea, idea.id).title = "Renamed valproate title"
        db.session.commit()
    index_now(app)
    assert titles(run_search(app, lead, "valproate")) == ["Renamed valproate title"]
    assert run_search(app, lead, "original").total == 0
    assert _VIEWS.view is not first and first.searcher.is_closed


def test_check_finds_and_repairs_stale_content(app, create_idea, lead, runner):
    idea = create_idea(triage=True, title="Original sepsis title")
    add_items(app, [("Sepsis article", "Care homes")])
    index_now(app)
    with app.app_context():  # edited while the worker was down, and its queue row lost
        db.session.get(Idea, idea.id).title = "Edited haemorrhage title"
        db.session.commit()
        db.session.execute(sa.delete(SearchQueueEntry))
        db.session.commit()

    result = runner.invoke(args=["search", "check", "--no-repair"])
    assert f"Stale in the index: 1 (idea:{idea.id})" in result.output
    assert "Missing from the index: 0" in result.output
    assert run_search(app, lead, "haemorrhage").total == 0
    assert "Repaired 1 documents" in runner.invoke(args=["search", "check"]).output
    assert titles(run_search(app, lead, "haemorrhage")) == ["Edited haemorrhage title"]
    assert "matches the database" in runner.invoke(args=["search", "check"]).output


def test_renaming_an_organisation_feed_or_workstream_requeues_what_shows_it(
    app, create_idea, create_user, create_organisation, lead
):
    from portal.ideas.models import Workstream

    trust = create_organisation("Northshire Trust")
    idea = create_idea(
        owner=create_user(organisation=trust), triage=True, workstreams=("maternity_neonatal",)
    )
    [item_id] = add_items(app, [("Sepsis article", "Care homes")], feed_name="Old feed")
    index_now(app)
    assert queued(app) == set()

    with app.app_context():
        feed = db.session.scalar(sa.select(Feed).where(Feed.name == "Old feed"))
        feed.last_status = 200  # not shown in search: nothing queued
        db.session.commit()
        assert queued(app) == set()
        db.session.get(Organisation, trust.id).name = "Quokkashire Trust"
        feed.name = "Wombat Journal"
        db.session.commit()
    assert queued(app) == {("idea", idea.id), ("item", item_id)}
    index_now(app)
    assert [h.id for h in run_search(app, lead, "organisation:quokkashire").hits] == [idea.id]
    sources = dict(run_search(app, lead, "sepsis").facets["source"])
    assert sources.get("Wombat Journal") == 1 and "Old feed" not in sources

    with app.app_context():
        stream = db.session.scalar(
            sa.select(Workstream).where(Workstream.key == "maternity_neonatal")
        )
        stream.name = "Numbatcare"
        db.session.commit()
    assert queued(app) == {("idea", idea.id)}
    index_now(app)
    assert [h.id for h in run_search(app, lead, "workstream:numbatcare").hits] == [idea.id]


def test_an_index_without_the_phrase_fields_is_rebuilt_by_the_worker(
    app, create_idea, lead, search_dir
):
    from whoosh.index import create_in

    from portal.search.index import make_schema

    create_idea(triage=True, title="Early warning score for sepsis")
    older = make_schema()
    for name in ("title_pairs", "body_pairs", "digest"):
        older.remove(name)
    (search_dir / "gen-old").mkdir(parents=True)
    create_in(str(search_dir / "gen-old"), older).writer().commit()
    (search_dir / "CURRENT").write_text("gen-old")

    index_now(app)
    assert (search_dir / "CURRENT").read_text() != "gen-old"
    assert titles(run_search(app, lead, '"early warning"')) == ["Early warning score for sepsis"]
    assert run_search(app, lead, '"warning early"').total == 0
