"""The read API: tokens admitted, narrowed, counted and audited; answers as the pages give
them, a page at a time; ETags; problem details; the contract and its reference page."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.api import paging
from portal.audit import AuditEvent
from portal.auth import access_tokens
from portal.auth.access_tokens import Scope
from portal.auth.models import AccessToken
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaSource
from portal.pipeline.models import Decision
from tests.portal.pipeline_data import PipelineData

PROBLEM = "application/problem+json"


@pytest.fixture
def data(app, connection, clock):
    return PipelineData(app, clock)


def problem(response, status) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["type"] == "about:blank" and body["title"]
    return body["detail"]


def test_calls_without_a_working_token_are_refused(client, token_for, clock, query):
    assert "Send a personal access token" in problem(client.get("/api/v1/ideas"), 401)
    assert client.get("/api/v1/ideas").headers["WWW-Authenticate"].startswith("Bearer")
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert "Send a personal access token" in problem(
        client.get("/api/v1/ideas", headers=basic), 401
    )
    unknown = {"Authorization": "Bearer sp_pat_not-a-token"}
    assert "not recognised" in problem(client.get("/api/v1/ideas", headers=unknown), 401)
    user, headers = token_for()
    assert client.get("/api/v1/ideas", headers=headers).status_code == 200
    clock.advance(days=30)
    assert "expired" in problem(client.get("/api/v1/ideas", headers=headers), 401)
    user, headers = token_for()
    with client.application.app_context():
        token = db.session.scalars(
            sa.select(AccessToken).where(AccessToken.user_id == user.id)
        ).one()
        access_tokens.revoke(token.user, token)
        db.session.commit()
    assert "revoked" in problem(client.get("/api/v1/ideas", headers=headers), 401)
    user, headers = token_for(active=False)
    assert "deactivated" in problem(client.get("/api/v1/ideas", headers=headers), 401)


def test_scopes_and_roles_narrow_a_token(client, token_for):
    _, ideas_only = token_for(Role.PROGRAMME_LEAD, scopes=[Scope.IDEAS_READ])
    assert "pipeline:read" in problem(client.get("/api/v1/pipeline", headers=ideas_only), 403)
    assert "items:read" in problem(client.get("/api/v1/items", headers=ideas_only), 403)
    assert client.get("/api/v1/ideas", headers=ideas_only).status_code == 200
    _, innovator = token_for(Role.INNOVATOR)
    for path in ("/api/v1/pipeline", "/api/v1/decisions", "/api/v1/workstreams", "/api/v1/items"):
        assert "programme leads" in problem(client.get(path, headers=innovator), 403)
    # a browser's session does not stand in for a token
    assert problem(client.get("/api/v1/ideas"), 401)


def test_each_call_is_counted_stamped_audited_and_rate_limited(
    app, client, token_for, clock, query, monkeypatch
):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 2)
    user, headers = token_for()
    assert client.get("/api/v1/ideas?limit=5", headers=headers).status_code == 200
    assert client.get("/api/v1/ideas", headers=headers).status_code == 200
    refused = client.get("/api/v1/ideas", headers=headers)
    assert "try again in" in problem(refused, 429)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    clock.advance(minutes=1)
    assert client.get("/api/v1/ideas", headers=headers).status_code == 200

    def trail():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
        ).all()
        return [(e.action, e.details.get("path")) for e in events if e.action.startswith("api.")]

    assert query(trail) == [
        ("api.called", "/api/v1/ideas?limit=5"),
        ("api.called", "/api/v1/ideas"),
        ("api.rate_limited", "/api/v1/ideas"),
        ("api.called", "/api/v1/ideas"),
    ]
    used = query(lambda: db.session.scalars(sa.select(AccessToken)).one().last_used_at)
    assert used == clock()


def walk(client, path, headers) -> list[dict]:
    """Every item of a list, following its cursors."""
    items, cursor = [], None
    joiner = "&" if "?" in path else "?"
    for _ in range(50):
        answer = client.get(path + (f"{joiner}cursor={cursor}" if cursor else ""), headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        items += answer.get_json()["items"]
        cursor = answer.get_json()["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursors never ended")


def test_the_pipeline_reads_as_the_page_shows_it(client, token_for, data, create_organisation):
    trust = create_organisation("Eastmoor Hospitals NHS Trust")
    data.add("First", rank=1, score=3.8, interval=(3.2, 4.4), prob=0.45, disagreement=True)
    data.add("Second", rank=2, source=IdeaSource.HORIZON_SCAN)
    data.add("Same trust as the lead", rank=3, organisation=trust)
    data.add("Fourth", rank=4, workstreams=("medicines_safety",))
    _, headers = token_for(Role.PROGRAMME_LEAD, organisation=trust)
    rows = walk(client, "/api/v1/pipeline?limit=2", headers)
    assert [(r["position"], r["reference"]) for r in rows] == [
        (1, "SP-TEST-0001"),
        (2, "SP-TEST-0002"),
        (3, "SP-TEST-0004"),
    ]
    first = rows[0]
    assert (first["calibrated_score"], first["interval_low"], first["interval_high"]) == (
        3.8,
        3.2,
        4.4,
    )
    assert first["prob_top_k"] == 0.45 and first["disagreement"] is True
    assert first["url"].endswith("/ideas/SP-TEST-0001")
    page = client.get("/api/v1/pipeline", headers=headers).get_json()
    assert (page["total"], page["hidden"]) == (3, 1)
    scanned = client.get("/api/v1/pipeline?source=horizon_scan", headers=headers).get_json()
    assert [r["reference"] for r in scanned["items"]] == ["SP-TEST-0002"]
    stream = client.get("/api/v1/pipeline?workstream=medicines_safety", headers=headers)
    assert [r["reference"] for r in stream.get_json()["items"]] == ["SP-TEST-0004"]
    backwards = client.get("/api/v1/pipeline?sort=rank&dir=desc", headers=headers).get_json()
    assert [r["reference"] for r in backwards["items"]][0] == "SP-TEST-0004"
    assert "workstream filter" in problem(
        client.get("/api/v1/pipeline?workstream=nowhere", headers=headers), 422
    )
    assert problem(client.get("/api/v1/pipeline?limit=0", headers=headers), 422)
    assert client.get("/api/v1/pipeline?limit=0", headers=headers).get_json()["errors"]["limit"]
    assert "cursor" in problem(client.get("/api/v1/pipeline?cursor=xyz", headers=headers), 422)
    version = client.get("/api/v1/pipeline", headers=headers).get_json()["data_version"]
    crafted = paging.make_cursor(at=-2, version=version)
    assert "cursor" in problem(
        client.get(f"/api/v1/pipeline?cursor={crafted}", headers=headers), 422
    )
    cursor = client.get("/api/v1/pipeline?limit=1", headers=headers).get_json()["next_cursor"]
    data.add("Arrives between pages", rank=5)
    stale = client.get(f"/api/v1/pipeline?cursor={cursor}", headers=headers)
    assert "start again" in problem(stale, 409)


def test_ideas_are_what_their_reader_may_see(app, client, token_for, create_idea, query):
    asha, asha_headers = token_for()
    _, other_headers = token_for()
    _, lead_headers = token_for(Role.PROGRAMME_LEAD)
    mine = create_idea(owner=asha)
    draft = create_idea(owner=asha, submit=False)
    with app.app_context():
        idea = db.session.get(Idea, mine.id)
        db.session.add(
            Decision(
                idea_id=idea.id,
                from_state=IdeaState.IN_TRIAGE,
                to_state=IdeaState.DECLINED,
                rationale="Already covered by the medicines workstream's pilot.",
                decided_at=idea.submitted_at + timedelta(days=3),
            )
        )
        db.session.commit()
    own = walk(client, "/api/v1/ideas?limit=1", asha_headers)
    assert [i["reference"] for i in own] == [mine.reference, draft.reference]
    detail = client.get(f"/api/v1/ideas/{mine.reference}", headers=asha_headers).get_json()
    assert [d["rationale"] for d in detail["decisions"]] == [
        "Already covered by the medicines workstream's pilot."
    ]
    assert detail["decisions"][0]["from_state"] is None  # where it came from is for leads
    assert walk(client, "/api/v1/ideas", other_headers) == []
    for reference in (mine.reference, draft.reference, "SP-NOWHERE"):
        answer = client.get(f"/api/v1/ideas/{reference}", headers=other_headers)
        assert "nothing you may see" in problem(answer, 404)
    assert [i["reference"] for i in walk(client, "/api/v1/ideas", lead_headers)] == [mine.reference]
    lead_view = client.get(f"/api/v1/ideas/{mine.reference}", headers=lead_headers).get_json()
    assert lead_view["decisions"][0]["from_state"] == "in_triage"
    decisions = client.get("/api/v1/decisions", headers=lead_headers).get_json()["items"]
    assert [d["reference"] for d in decisions] == [mine.reference]
    assert problem(client.get(f"/api/v1/ideas/{draft.reference}", headers=lead_headers), 404)


def test_answers_carry_etags_and_an_unchanged_answer_is_304(client, token_for, create_idea):
    asha, headers = token_for()
    create_idea(owner=asha)
    first = client.get("/api/v1/ideas", headers=headers)
    tag = first.headers["ETag"]
    again = client.get("/api/v1/ideas", headers=headers | {"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    create_idea(owner=asha)
    changed = client.get("/api/v1/ideas", headers=headers | {"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_the_contract_covers_every_route_and_the_reference_page_draws_it(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_") and not rule.endpoint.startswith("api_reference")
    }
    assert set(spec["paths"]) == routes
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    page = client.get("/api/v1/reference")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    for path in routes:
        assert f"GET {path}" in html
    assert "items[].calibrated_score" in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/' in tag or "nonce=" in tag for tag in scripts)  # its own
