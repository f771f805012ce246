"""The pipeline page's fragment cache: reused while nothing changes, never stale after a change."""

import re

import pytest
import sqlalchemy as sa

from portal import page_cache
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, Workstream
from portal.pipeline.ranked_index import PIPELINE_DATA
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import ConflictKind
from tests.portal.pipeline_data import PipelineData, ranked_table


@pytest.fixture
def data(app, connection, clock):
    return PipelineData(app, clock)


def token(app):
    with app.app_context():
        return page_cache.current_token(PIPELINE_DATA)


def titles(client, query=""):
    html = client.get(f"/pipeline{query}").get_data(as_text=True)
    return re.findall(r'href="/ideas/SP-TEST-\d+(?:\?back=[^"]*)?"[^>]*>([^<]+)<', html)


def change(app, fn):
    with app.app_context():
        fn()
        db.session.commit()


def test_the_token_changes_with_watched_tables_only(app, data):
    idea_id = data.add("First", rank=1)
    before = token(app)
    change(app, lambda: db.session.add(AuditEvent(action="x.y", object_type="x")))
    assert token(app) == before  # the audit trail is not on the page
    change(app, lambda: setattr(db.session.get(Idea, idea_id), "title", "Renamed"))
    after_orm = token(app)
    assert after_orm != before
    change(app, lambda: db.session.execute(sa.update(Idea).values(title="Bulk renamed")))
    assert token(app) != after_orm


def test_a_rolled_back_change_keeps_the_token(app, data):
    idea_id = data.add("First", rank=1)
    before = token(app)
    with app.app_context():
        db.session.get(Idea, idea_id).title = "Never saved"
        db.session.flush()
        db.session.rollback()
        db.session.add(AuditEvent(action="x.y", object_type="x"))
        db.session.commit()  # the rolled-back flush must not bump the next commit
    assert token(app) == before


def test_a_cached_page_is_reused_until_the_data_changes(app, lead_client, data):
    idea_id = data.add("Sepsis screening in care homes", rank=1)
    data.add("Valproate pathway", rank=2)
    assert titles(lead_client) == ["Sepsis screening in care homes", "Valproate pathway"]
    cache = page_cache.for_app(app, "pipeline")
    cached = dict(cache._entries)
    assert titles(lead_client) == ["Sepsis screening in care homes", "Valproate pathway"]
    assert dict(cache._entries).keys() == cached.keys()  # served from the cache
    change(app, lambda: setattr(db.session.get(Idea, idea_id), "state", IdeaState.DECLINED))
    assert titles(lead_client) == ["Valproate pathway"]


def test_a_new_conflict_hides_the_idea_at_once(app, client_for, data):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea_id = data.add("Conflicted later", rank=1)
    assert titles(lead) == ["Conflicted later"]

    def declare():
        user, idea = db.session.get(User, lead.user.id), db.session.get(Idea, idea_id)
        declare_conflict(user, idea, ConflictKind.FINANCIAL, "Shares")

    change(app, declare)
    assert titles(lead) == []


def test_an_ideas_workstreams_changing_shows(app, lead_client, data):
    idea_id = data.add("Moved between workstreams", rank=1)
    assert titles(lead_client, "?workstream=maternity_neonatal") == []

    def choose():
        workstream = db.session.scalar(sa.select(Workstream).filter_by(key="maternity_neonatal"))
        idea = db.session.get(Idea, idea_id)
        idea.workstreams.append(workstream)
        db.session.flush()

    change(app, choose)
    assert titles(lead_client, "?workstream=maternity_neonatal") == ["Moved between workstreams"]


def test_days_in_stage_move_on_with_the_date(app, lead_client, data, clock):
    data.add("Waiting", rank=1, in_stage_days=3)
    [row] = ranked_table(lead_client.get("/pipeline").get_data(as_text=True))
    assert row["Days in stage"] == "3"
    clock.advance(days=2)
    [row] = ranked_table(lead_client.get("/pipeline").get_data(as_text=True))
    assert row["Days in stage"] == "5"


def test_leads_never_share_a_cached_page(app, client_for, data, create_organisation):
    trust = create_organisation("Northgate NHS Trust")
    data.add("From Northgate", rank=1, organisation=trust)
    outsider = client_for(Role.PROGRAMME_LEAD)
    insider = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    assert titles(outsider) == ["From Northgate"]
    assert titles(insider) == []  # same data version, different lead: their own render
