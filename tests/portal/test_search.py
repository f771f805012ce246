"""Search: finding ideas and scanned items, keeping the index right, and the page itself."""

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed, ItemSource, ScannedItem
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.search.labels import vocabulary
from portal.search.models import SearchQueueEntry
from portal.search.query import prepare
from tests.portal.horizon_helpers import add_items
from tests.portal.search_helpers import (
    BAD_INPUT,
    index_now,
    run_search,
    use_backend,
    use_search_dir,
)


@pytest.fixture(autouse=True)
def search_dir(app, tmp_path):
    yield from use_search_dir(app, tmp_path)


@pytest.fixture
def whoosh_backend(app):
    """The Whoosh index answers, even on PostgreSQL (its queue, worker and commands)."""
    yield from use_backend(app, "whoosh")


@pytest.fixture
def lead(create_user):
    return create_user(roles=(Role.PROGRAMME_LEAD,), name="Lena Lead")


def titles(results):
    return [hit.title for hit in results.hits]


def test_ideas_and_items_are_found_with_highlighted_snippets(app, create_idea, lead):
    create_idea(triage=True, title="Sepsis screening in care homes")
    add_items(app, [("Valproate pregnancy prevention audit", "Women taking valproate...")])
    index_now(app)

    found = run_search(app, lead, "sepsis")
    assert titles(found) == ["Sepsis screening in care homes"]
    assert "<mark>sepsis</mark>" in found.hits[0].snippet
    assert found.hits[0].url.endswith(f"/ideas/{found.hits[0].url.rsplit('/', 1)[-1]}")
    assert titles(run_search(app, lead, "valproate")) == ["Valproate pregnancy prevention audit"]
    # stemming: "screened" finds "screening"
    assert titles(run_search(app, lead, "screened")) == ["Sepsis screening in care homes"]


def test_stop_words_in_a_query_are_ignored_in_every_field(app, create_idea, lead):
    create_idea(triage=True, title="Handover of critically ill patients")
    index_now(app)

    found = run_search(app, lead, "handover of critically ill patients")
    assert titles(found) == ["Handover of critically ill patients"] and not found.from_database
    assert run_search(app, lead, "the of and").total == 0


def test_snippets_are_escaped_except_for_the_marks(app, create_idea, lead):
    create_idea(
        triage=True,
        title="Escaping",
        summary="Sepsis <script>alert(1)</script> sepsis \x02x & 1 < 2",
    )
    index_now(app)

    snippet = str(run_search(app, lead, "sepsis").hits[0].snippet)
    assert "<script" not in snippet and "&amp; 1 &lt; 2" in snippet  # escaped, never dropped
    assert "<mark>sepsis</mark>" in snippet and "\x02" not in snippet


def test_facets_field_queries_filters_and_paging(app, create_idea, lead):
    create_idea(triage=True, title="Maternity idea", workstreams=("maternity_neonatal",))
    create_idea(triage=True, title="Medicines idea", workstreams=("medicines_safety",))
    add_items(app, [(f"Sepsis item {n}", "Sepsis in care homes") for n in range(12)])
    index_now(app)

    found = run_search(app, lead, "workstream:maternity")
    assert titles(found) == ["Maternity idea"]
    everything = run_search(app, lead, "sepsis")
    assert dict(everything.facets["type"]) == {"idea": 2, "item": 12}
    assert dict(everything.facets["workstream"]) == {"maternity_neonatal": 1, "medicines_safety": 1}
    assert dict(everything.facets["source"])["Journal feed"] == 12
    assert everything.total == 14 and everything.pages == 2 and len(everything.hits) == 10
    assert len(run_search(app, lead, "sepsis", page=2).hits) == 4
    only_ideas = run_search(app, lead, "sepsis", filters={"type": "idea"})
    assert sorted(titles(only_ideas)) == ["Maternity idea", "Medicines idea"]
    by_stream = run_search(app, lead, "sepsis", filters={"workstream": "medicines_safety"})
    assert titles(by_stream) == ["Medicines idea"]
    year = everything.facets["year"][0][0]
    assert run_search(app, lead, "sepsis", filters={"year": year}).total == 14
    assert run_search(app, lead, "sepsis", filters={"year": "1999"}).total == 0
    assert run_search(app, lead, "sepsis", filters={"year": "abc"}).total == 14
    past_the_end = run_search(app, lead, "sepsis", page=99)
    assert past_the_end.page == 2 and len(past_the_end.hits) == 4


def test_an_item_counts_under_the_feed_that_brought_it_first(app, lead):
    [item_id] = add_items(app, [("Sepsis item", "Sepsis in care homes")])
    with app.app_context():
        item = db.session.get(ScannedItem, item_id)
        later = Feed(name="Later feed", url="https://example.org/later")
        item.sources.append(ItemSource(feed=later, entry_key="later:1"))
        db.session.commit()
    index_now(app)

    assert dict(run_search(app, lead, "sepsis").facets["source"]) == {"Journal feed": 1}
    chosen = run_search(app, lead, "sepsis", filters={"source": "Journal feed"})
    assert titles(chosen) == ["Sepsis item"]
    assert run_search(app, lead, "sepsis", filters={"source": "Later feed"}).total == 0
    with app.app_context():
        db.session.scalar(sa.select(Feed).where(Feed.name == "Journal feed")).name = "Renamed"
        db.session.commit()
    index_now(app)
    assert dict(run_search(app, lead, "sepsis").facets["source"]) == {"Renamed": 1}


def test_field_queries_take_the_labels_on_the_page(app, create_idea, lead):
    create_idea(triage=True, title="Sepsis triaged", workstreams=("maternity_neonatal",))
    create_idea(title="Sepsis submitted")
    add_items(app, [("Sepsis item", "Sepsis in care homes")])
    index_now(app)

    for stage in ("in_triage", '"in triage"', "in-triage", '"Being checked"', "being checked"):
        assert titles(run_search(app, lead, f"stage:{stage} sepsis")) == ["Sepsis triaged"]
    maternity = run_search(app, lead, 'workstream:"Maternity and Neonatal"')
    assert titles(maternity) == ["Sepsis triaged"]
    assert titles(run_search(app, lead, "type:scanned literature sepsis")) == ["Sepsis item"]
    assert titles(run_search(app, lead, "source:journal feed")) == ["Sepsis item"]
    assert titles(run_search(app, lead, "stage:not-screened")) == ["Sepsis item"]
    unknown = run_search(app, lead, "stage:pending sepsis")
    assert unknown.total == 0 and unknown.notices == ("No stage is called ‘pending’.",)


def test_the_page_says_what_was_cut_or_ignored(app, create_idea, client, sign_in, lead):
    create_idea(triage=True, title="Sepsis screening")
    index_now(app)
    sign_in(client, lead)

    page = client.get("/search?q=sepsis*").get_data(as_text=True)
    notices = page[page.index('id="search-notices"') : page.index('id="search-count"')]
    assert "Wildcards (* and ?) are not supported, so they were ignored." in notices
    assert "1 result for ‘sepsis*’" in page and "Sepsis screening" in page
    page = client.get("/search", query_string={"q": "sepsis " + "x" * 300}).get_data(as_text=True)
    assert "only its first 200 characters were used" in page
    page = client.get("/search?q=sepsis").get_data(as_text=True)
    assert 'id="search-notices"' not in page


def test_did_you_mean(app, create_idea, lead):
    create_idea(triage=True, title="Sepsis screening in care homes")
    index_now(app)

    assert run_search(app, lead, "sepsiss").suggestion == "sepsis"
    assert run_search(app, lead, "sepsis").suggestion is None
    # the suggestion keeps the query's fields and phrases, as typed, and finds the idea
    typed = 'stage:"In triage" workstream:medicines "Sepsiss screening" screning'
    suggestion = run_search(app, lead, typed).suggestion
    assert suggestion == 'stage:"In triage" workstream:medicines "Sepsis screening" screening'
    assert titles(run_search(app, lead, suggestion)) == ["Sepsis screening in care homes"]
    assert run_search(app, lead, "stage:declined sepsiss").suggestion == "stage:declined sepsis"


def test_every_stage_is_read_by_either_name_or_its_code(app):
    with app.app_context():
        names = vocabulary()
    for state in IdeaState:
        for name in (state.value, state.staff_label, state.label):
            assert prepare(f'stage:"{name}"', names).searched == f"stage:{state.value}", name


def test_staff_read_the_programme_stage_names_and_innovators_their_own(
    app, create_idea, create_user, client_for, sign_in, client
):
    owner = create_user(name="Owner")
    create_idea(owner=owner, triage=True, title="Sepsis triaged")
    index_now(app)

    lead_page = client_for(Role.PROGRAMME_LEAD).get("/search?q=sepsis").get_data(as_text=True)
    assert "· In triage" in lead_page and "In triage <span" in lead_page  # result and facet
    assert "Being checked" not in lead_page
    sign_in(client, owner)
    own_page = client.get("/search?q=sepsis").get_data(as_text=True)
    assert "· Being checked" in own_page and "Being checked <span" in own_page
    assert "In triage" not in own_page


def test_innovators_find_only_their_own_ideas_and_nothing_leaks(
    app, create_idea, create_user, lead
):
    mine = create_user(name="Me")
    other = create_user(name="Other")
    create_idea(owner=mine, title="My sepsis idea")
    create_idea(owner=mine, submit=False, title="My sepsis draft")
    create_idea(owner=other, title="Secret sepsis idea", summary="zanzibarquux protocol")
    add_items(app, [("Public sepsis article", "Care homes")])
    index_now(app)

    found = run_search(app, mine, "sepsis")
    assert sorted(titles(found)) == ["My sepsis draft", "My sepsis idea", "Public sepsis article"]
    assert dict(found.facets["type"]) == {"idea": 2, "item": 1}
    assert found.total == 3
    for text in ("zanzibarquux", "zanzibarqux", "protocol", "secret"):
        leaked = run_search(app, mine, text)
        assert leaked.hits == [] and leaked.total == 0 and leaked.suggestion is None, text
        assert all(not counts for counts in leaked.facets.values()), text
    # the owner finds it, and gets the suggestion; a lead does not see drafts
    assert titles(run_search(app, other, "zanzibarquux")) == ["Secret sepsis idea"]
    assert run_search(app, other, "zanzibarqux").suggestion == "zanzibarquux"
    assert "My sepsis draft" not in titles(run_search(app, lead, "sepsis"))


def test_leads_do_not_find_ideas_they_are_conflicted_on(
    app, create_idea, create_user, create_organisation
):
    trust = create_organisation("Conflicted Trust")
    owner = create_user(organisation=trust)
    lead = create_user(roles=(Role.PROGRAMME_LEAD,), organisation=trust)
    create_idea(owner=owner, triage=True, title="Same trust sepsis idea", summary="quokkaword")
    create_idea(triage=True, title="Other sepsis idea")
    index_now(app)

    found = run_search(app, lead, "sepsis")
    assert titles(found) == ["Other sepsis idea"]
    assert dict(found.facets["type"]) == {"idea": 1}
    assert run_search(app, lead, "quokkaword").total == 0
    assert run_search(app, lead, "quokkawrd").suggestion is None


def test_panel_members_find_only_open_unconflicted_assignments(app, create_idea, create_user):
    from datetime import date, timedelta

    from portal.reviews import rounds
    from portal.reviews.conflict_check import confirm_no_conflict
    from portal.reviews.models import Assignment

    ideas = [create_idea(triage=True, title=f"Panel sepsis idea {n}") for n in range(3)]
    unassigned = create_idea(triage=True, title="Unassigned sepsis idea")
    member = create_user(roles=(Role.PANEL_MEMBER,))
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    with app.test_request_context():
        round_ = rounds.open_round(
            db.session.get(User, lead.id),
            name="Open round",
            deadline=date.today() + timedelta(days=10),
            ideas=[db.session.get(Idea, i.id) for i in ideas],
            panel=[db.session.get(User, member.id)],
            reviews_per_idea=1,
            blind=False,
        )
        assert rounds.auto_assign(round_, db.session.get(User, lead.id)).feasible
        assignments = db.session.scalars(sa.select(Assignment).order_by(Assignment.id)).all()
        for assignment in assignments[:2]:  # the third one's conflict check is unanswered
            confirm_no_conflict(assignment, db.session.get(User, member.id))
        db.session.commit()
    index_now(app)

    found = titles(run_search(app, member, "sepsis"))
    assert sorted(found) == ["Panel sepsis idea 0", "Panel sepsis idea 1"]
    assert unassigned.title not in found


@pytest.mark.usefixtures("whoosh_backend")
def test_changes_are_queued_with_the_transaction_and_applied_by_the_worker(
    app, create_idea, lead, query
):
    idea = create_idea(triage=True, title="Original sepsis title")
    index_now(app)
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id)))) == 0

    with app.app_context():
        db.session.get(Idea, idea.id).title = "Renamed haemorrhage title"
        db.session.rollback()  # nothing queued for a change that never happened
        assert db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))) == 0
        db.session.get(Idea, idea.id).title = "Renamed haemorrhage title"
        db.session.commit()
        queued = db.session.execute(sa.select(SearchQueueEntry.doc_type, SearchQueueEntry.doc_id))
        assert queued.all() == [("idea", idea.id)]
    assert index_now(app) == 1
    assert titles(run_search(app, lead, "haemorrhage")) == ["Renamed haemorrhage title"]
    assert run_search(app, lead, "original").total == 0


def test_withdrawn_and_dismissed_never_appear_even_before_the_worker_runs(app, create_idea, lead):
    from portal.horizon.models import ScannedItem
    from portal.horizon.services import dismiss_item
    from portal.ideas.services import withdraw_idea

    idea = create_idea(triage=True, title="Withdrawn sepsis idea")
    [item_id] = add_items(app, [("Dismissed sepsis article", "Care homes")])
    index_now(app)
    assert run_search(app, lead, "sepsis").total == 2

    with app.test_request_context():
        withdraw_idea(db.session.get(Idea, idea.id), db.session.get(Idea, idea.id).owner, None)
        dismiss_item(db.session.get(ScannedItem, item_id), db.session.get(User, lead.id))
        db.session.commit()
    stale = run_search(app, lead, "sepsis")  # the worker has not run yet
    assert stale.hits == [] and stale.total == 0
    assert all(not counts for counts in stale.facets.values())
    index_now(app)
    assert run_search(app, lead, "sepsis").total == 0


@pytest.mark.parametrize("text", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_odd_input_never_raises(app, create_idea, lead, client, sign_in, text):
    create_idea(triage=True, title="Sepsis screening")
    index_now(app)

    run_search(app, lead, text)
    sign_in(client, lead)
    refused = any(ch < " " for ch in text)  # control characters: 400 before any view
    response = client.get("/search", query_string={"q": text[:5000]})
    assert response.status_code == (400 if refused else 200)


@pytest.mark.usefixtures("whoosh_backend")
def test_a_missing_or_corrupt_index_falls_back_to_the_database(
    app, create_idea, lead, client, sign_in, search_dir
):
    create_idea(triage=True, title="Sepsis screening in care homes")
    found = run_search(app, lead, "sepsis care")  # no index has been built yet
    assert found.from_database and titles(found) == ["Sepsis screening in care homes"]

    index_now(app)
    assert not run_search(app, lead, "sepsis").from_database
    for path in search_dir.glob("gen-*/*"):
        path.write_bytes(b"garbage")
    found = run_search(app, lead, "sepsis")
    assert found.from_database and titles(found) == ["Sepsis screening in care homes"]
    sign_in(client, lead)
    page = client.get("/search?q=sepsis").get_data(as_text=True)
    assert "index is being rebuilt" in page and "Sepsis screening in care homes" in page
    index_now(app)  # the worker rebuilds an unreadable index
    assert not run_search(app, lead, "sepsis").from_database


@pytest.mark.usefixtures("whoosh_backend")
def test_reindex_and_check_commands(app, create_idea, lead, runner, search_dir):
    from whoosh.index import open_dir

    from portal.search.index import current_dir

    idea = create_idea(triage=True, title="Sepsis screening")
    add_items(app, [("Sepsis article", "Care homes")])
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 2 documents" in result.output
    with app.app_context():
        first = current_dir()
    runner.invoke(args=["search", "reindex"])
    runner.invoke(args=["search", "reindex"])
    with app.app_context():
        third = current_dir()
    # each swapped in; the one before kept for searches opening it, older ones removed
    assert third != first and not first.exists()
    assert len(list(search_dir.glob("gen-*"))) == 2
    second = third

    writer = open_dir(str(second)).writer()
    writer.delete_by_term("doc_id", f"idea:{idea.id}")
    writer.add_document(doc_id="item:999999", type="item", title="Ghost")
    writer.commit()
    result = runner.invoke(args=["search", "check", "--no-repair"])
    assert f"Missing from the index: 1 (idea:{idea.id})" in result.output
    assert "not the database: 1 (item:999999)" in result.output
    result = runner.invoke(args=["search", "check"])
    assert "Repaired 2 documents" in result.output
    assert "matches the database" in runner.invoke(args=["search", "check"]).output


def test_the_page_and_the_header_box(app, create_idea, client, sign_in, lead):
    create_idea(triage=True, title="Sepsis screening", workstreams=("maternity_neonatal",))
    index_now(app)

    assert 'id="search-field"' not in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/search?q=sepsis").status_code == 302  # signed in only
    sign_in(client, lead)
    page = client.get("/search?q=sepsiss").get_data(as_text=True)
    assert 'id="search-field"' in page
    assert "Did you mean" in page and "/search?q=sepsis" in page
    page = client.get("/search?q=sepsis").get_data(as_text=True)
    assert "<mark>Sepsis</mark>" in page or "<mark>sepsis</mark>" in page
    assert "/search?q=sepsis&amp;workstream=maternity_neonatal" in page
    filtered = client.get("/search?q=sepsis&workstream=maternity_neonatal&page=x")
    assert filtered.status_code == 200 and "Remove workstream" in filtered.get_data(as_text=True)


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_search(client_for, role):
    assert client_for(role).get("/search?q=anything").status_code == 200


@pytest.mark.usefixtures("whoosh_backend")
def test_scanned_and_bulk_inserted_items_are_queued_and_indexed(app, lead, feed_server):
    from portal.database import now_utc
    from portal.horizon.models import ScannedItem
    from tests.feed_server import Reply, rss
    from tests.portal.horizon_helpers import add_feed, article, scan

    index_now(app)
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(n) for n in range(3)]))))
    assert scan(app, feed_id).ok
    with app.app_context():  # a bulk insert the events cannot name: the worker checks
        db.session.execute(
            sa.insert(ScannedItem.__table__),
            [{"title": "Bulk quokka item", "summary": "", "published_at": now_utc()}],
        )
        db.session.commit()
        kinds = set(db.session.scalars(sa.select(SearchQueueEntry.doc_type)))
        assert kinds == {"item", "check"}
    index_now(app)
    assert run_search(app, lead, "quokka").total == 1
    assert run_search(app, lead, "multicentre audit").total == 3
