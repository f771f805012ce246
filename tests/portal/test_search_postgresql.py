"""Search answered by PostgreSQL itself: columns that never drift, ranking, phrases, the setting.

The behavioural suite (test_search.py) runs against this backend too, whenever the tests run on
PostgreSQL; these are what only this backend promises.
"""

import pytest
import sqlalchemy as sa

from portal.auth.models import Organisation
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import ItemStatus, ScannedItem
from portal.ideas.models import Idea
from portal.search import postgres
from portal.search.backend import search_backend
from portal.search.models import SearchQueueEntry
from tests.portal.horizon_helpers import PUBLISHED, add_items
from tests.portal.search_helpers import run_search


@pytest.fixture
def lead(create_user):
    return create_user(roles=(Role.PROGRAMME_LEAD,), name="Lena Lead")


def titles(results):
    return [hit.title for hit in results.hits]


@pytest.mark.postgresql
def test_any_change_is_found_at_once_with_no_queue_and_no_worker(app, create_idea, lead):
    idea = create_idea(triage=True, title="Sepsis screening in care homes")
    assert titles(run_search(app, lead, "sepsis")) == ["Sepsis screening in care homes"]
    with app.app_context():
        # bulk SQL, past the ORM's change capture: the database regenerates the column itself
        db.session.execute(
            sa.update(Idea).where(Idea.id == idea.id).values(title="Quokka falls audit")
        )
        db.session.execute(
            sa.update(Organisation)
            .where(Organisation.id == idea.organisation_id)
            .values(name="Wallaby Valley Trust")
        )
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(SearchQueueEntry.id))) == 0
    assert titles(run_search(app, lead, "quokka")) == ["Quokka falls audit"]
    assert run_search(app, lead, "title:sepsis").total == 0
    assert titles(run_search(app, lead, "organisation:wallaby")) == ["Quokka falls audit"]
    assert titles(run_search(app, lead, "falls audits")) == ["Quokka falls audit"]  # stemmed


@pytest.mark.postgresql
def test_title_words_rank_first_and_phrases_keep_their_order(app, create_idea, lead):
    create_idea(triage=True, title="Falls at night", summary="Sepsis is mentioned in passing.")
    create_idea(triage=True, title="Sepsis in care homes", summary="Screening for sepsis.")
    add_items(app, [("Homes of care", "Staff in homes where care is given for sepsis")])

    assert titles(run_search(app, lead, "sepsis"))[0] == "Sepsis in care homes"
    assert titles(run_search(app, lead, '"care homes"')) == ["Sepsis in care homes"]
    assert titles(run_search(app, lead, '"homes of care"')) == ["Homes of care"]
    assert titles(run_search(app, lead, "sepsis NOT falls"))[0] == "Sepsis in care homes"
    assert "Falls at night" not in titles(run_search(app, lead, "sepsis NOT falls"))
    assert run_search(app, lead, "the of and").total == 0  # stop words only: nothing to find


@pytest.mark.postgresql
def test_the_word_list_for_suggestions_follows_inserts_and_text_changes(app, lead):
    """Words are added once per INSERT statement (however many rows) and when text changes."""

    def words():
        return set(db.session.scalars(sa.text("SELECT word FROM search_words")))

    with app.app_context():
        db.session.execute(
            sa.insert(ScannedItem).returning(ScannedItem.id),  # one multi-row INSERT
            [
                {"title": f"Quokka study {n}", "summary": "Wallaby", "published_at": PUBLISHED}
                for n in range(3)
            ],
        )
        db.session.commit()
        assert {"quokka", "study", "wallaby"} <= words()
        item = db.session.scalars(sa.select(ScannedItem)).first()
        item.status = ItemStatus.RELEVANT  # no text changed: the update trigger does not fire
        db.session.commit()
        item.summary = "Numbat sightings"
        db.session.commit()
        assert {"numbat", "sightings"} <= words()
    assert run_search(app, lead, "numbbat").suggestion == "numbat"


def test_the_backend_follows_the_database_unless_set(app):
    with app.app_context():
        expected = "postgresql" if db.engine.dialect.name == "postgresql" else "whoosh"
        assert search_backend() == expected
        saved = app.config["SEARCH_BACKEND"]
        try:
            app.config["SEARCH_BACKEND"] = "whoosh"
            assert search_backend() == "whoosh"
            app.config["SEARCH_BACKEND"] = "elastic"
            with pytest.raises(ValueError, match="SEARCH_BACKEND must be one of"):
                search_backend()
            if expected == "whoosh":
                app.config["SEARCH_BACKEND"] = "postgresql"
                with pytest.raises(ValueError, match="needs a PostgreSQL DATABASE_URL"):
                    search_backend()
        finally:
            app.config["SEARCH_BACKEND"] = saved


@pytest.mark.postgresql
def test_words_close_together_rank_first_among_many_matches(app, lead, monkeypatch):
    filler = " ".join(f"filler{n}" for n in range(40))
    pairs = [(f"Audit {n}: early review", f"{filler} warning {filler} score") for n in range(30)]
    pairs.append(("Children's early warning score", "A paediatric early warning score."))
    add_items(app, pairs)
    # A shortlist longer than the matches, and one shorter than a page: either way the total
    # counts every match, the page is full, and the best match leads it.
    for shortlist in (200, 3):
        monkeypatch.setattr(postgres, "SHORTLIST", shortlist)
        found = run_search(app, lead, "early warning score")
        assert found.total == 31
        assert titles(found)[0] == "Children's early warning score"
        assert len(found.hits) == 10


def test_one_word_in_several_fields_is_one_lexeme_with_its_weights():
    merged = postgres._weights_merged(["'sepsi':A", "'sepsi':B", "'sepsis':C", "'o''brien':C"])
    assert merged == ["'sepsi':AB", "'sepsis':C", "'o''brien':C"]
    assert postgres._weights_merged(["'a':A & 'b':B", "'c':A"]) == ["'c':A", "'a':A & 'b':B"]
