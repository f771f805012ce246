"""Leads add, edit and deactivate workstreams; every change is audited."""

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Idea, Workstream
from portal.ideas.sections import active_workstreams

GOOD = {
    "name": "Falls Prevention",
    "short_name": "FallsSIP",
    "description": "Fewer falls in hospital and care homes.",
    "aim": "Halve harmful falls in the region's care homes by 2028",
    "capacity": "3",
    "active": "yes",
}


def workstream(query, **filters):
    return query(lambda: db.session.scalar(sa.select(Workstream).filter_by(**filters)))


def events(query, action):
    return query(
        lambda: [
            (e.object_id, e.actor_id, e.details)
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]
    )


def test_lead_lists_workstreams_with_capacity_and_idea_counts(lead_client, create_idea):
    create_idea(workstreams=("medicines_safety",))
    html = lead_client.get("/pipeline/workstreams").get_data(as_text=True)
    assert "Medicines Safety (MedSIP)" in html
    assert "Halve severe harm from high-risk medicines across care transitions" in html
    assert "Add a workstream" in html


def test_lead_adds_a_workstream_with_a_key_from_its_name(lead_client, query):
    response = lead_client.post("/pipeline/workstreams/new", data=GOOD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/pipeline/workstreams")
    added = workstream(query, name="Falls Prevention")
    assert (added.key, added.short_name, added.capacity, added.active) == (
        "falls_prevention",
        "FallsSIP",
        3,
        True,
    )
    assert added.aim == GOOD["aim"]
    assert added.position > workstream(query, key="mental_health").position
    [(object_id, actor, details)] = events(query, "workstream.created")
    assert object_id == str(added.id) and actor == lead_client.user.id
    assert details == {
        "key": "falls_prevention",
        "name": "Falls Prevention",
        "capacity": 3,
        "active": True,
    }
    assert "Falls Prevention (FallsSIP)" in lead_client.get("/pipeline/workstreams").get_data(
        as_text=True
    )
    # the idea form offers it
    assert "falls_prevention" in query(lambda: [w.key for w in active_workstreams()])


def test_keys_stay_unique_when_names_slug_the_same(lead_client, query):
    lead_client.post("/pipeline/workstreams/new", data=GOOD)
    response = lead_client.post(
        "/pipeline/workstreams/new", data={**GOOD, "name": "Falls: prevention!"}
    )
    assert response.status_code == 302
    assert workstream(query, name="Falls: prevention!").key == "falls_prevention_2"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter a name for the workstream"),
        ("name", "   ", "Enter a name for the workstream"),
        ("name", "x" * 121, "Name must be 120 characters or fewer"),
        ("name", "medicines safety", "There is already a workstream with this name"),
        ("short_name", "x" * 21, "Short name must be 20 characters or fewer"),
        ("description", "  ", "Enter a description of the workstream"),
        ("aim", "", "Enter the workstream&#39;s aim"),
        ("capacity", "", "Enter how many change ideas the workstream can take on at once"),
        ("capacity", "three", "Capacity must be a whole number between 0 and 50"),
        ("capacity", "2.5", "Capacity must be a whole number between 0 and 50"),
        ("capacity", "51", "Capacity must be between 0 and 50"),
        ("capacity", "-1", "Capacity must be between 0 and 50"),
        ("active", "maybe", "Not a valid choice"),
    ],
)
def test_bad_input_shows_an_error_summary_and_saves_nothing(
    lead_client, query, field, value, message
):
    before = query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Workstream)))
    response = lead_client.post("/pipeline/workstreams/new", data={**GOOD, field: value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert f'href="#{field}"' in html
    assert "<title>Error: " in html
    after = query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Workstream)))
    assert after == before
    assert events(query, "workstream.created") == []


def test_capacity_zero_is_allowed(lead_client, query):
    lead_client.post("/pipeline/workstreams/new", data={**GOOD, "capacity": "0"})
    assert workstream(query, name="Falls Prevention").capacity == 0


def test_lead_edits_a_workstream_and_the_change_is_audited(lead_client, query):
    ws = workstream(query, key="medicines_safety")
    page = lead_client.get(f"/pipeline/workstreams/{ws.id}/edit").get_data(as_text=True)
    assert 'value="Medicines Safety"' in page and 'value="4"' in page
    assert 'value="yes" checked' in page
    response = lead_client.post(
        f"/pipeline/workstreams/{ws.id}/edit",
        data={
            "name": "Medicines Safety",
            "short_name": "MedSIP",
            "description": ws.description,
            "aim": "Halve severe harm from opioids by 2028",
            "capacity": "6",
            "active": "yes",
        },
    )
    assert response.status_code == 302
    edited = workstream(query, id=ws.id)
    assert (edited.key, edited.capacity, edited.aim) == (
        "medicines_safety",
        6,
        "Halve severe harm from opioids by 2028",
    )
    [(object_id, actor, details)] = events(query, "workstream.updated")
    assert object_id == str(ws.id) and actor == lead_client.user.id
    assert details == {"changed": ["aim", "capacity"], "capacity": "4 → 6"}


def test_saving_without_changes_records_nothing(lead_client, query):
    ws = workstream(query, key="system_safety")
    data = {
        "name": ws.name,
        "short_name": ws.short_name,
        "description": ws.description,
        "aim": ws.aim,
        "capacity": str(ws.capacity),
        "active": "yes",
    }
    response = lead_client.post(f"/pipeline/workstreams/{ws.id}/edit", data=data)
    assert response.status_code == 302
    assert events(query, "workstream.updated") == []
    flashed = lead_client.get("/pipeline/workstreams").get_data(as_text=True)
    assert "No change: &#39;System Safety (SSIP)&#39; is as it was." in flashed


def test_renaming_to_another_workstreams_name_is_refused(lead_client, query):
    ws = workstream(query, key="system_safety")
    response = lead_client.post(
        f"/pipeline/workstreams/{ws.id}/edit",
        data={**GOOD, "name": "Mental Health"},
    )
    assert response.status_code == 200
    assert "There is already a workstream with this name" in response.get_data(as_text=True)
    assert workstream(query, id=ws.id).name == "System Safety"


def test_deactivated_workstream_leaves_the_idea_form_but_keeps_its_ideas(
    lead_client, create_idea, query
):
    idea = create_idea(workstreams=("mental_health",))
    ws = workstream(query, key="mental_health")
    response = lead_client.post(
        f"/pipeline/workstreams/{ws.id}/edit",
        data={
            "name": ws.name,
            "short_name": "",
            "description": ws.description,
            "aim": ws.aim,
            "capacity": str(ws.capacity),
            "active": "no",
        },
    )
    assert response.status_code == 302
    assert "mental_health" not in query(lambda: [w.key for w in active_workstreams()])
    kept = query(lambda: [w.key for w in db.session.get(Idea, idea.id).workstreams])
    assert kept == ["mental_health"]
    [(_, _, details)] = events(query, "workstream.updated")
    assert details == {"changed": ["active"], "active": "active → inactive"}
    html = lead_client.get("/pipeline/workstreams").get_data(as_text=True)
    assert "Inactive" in html
    page = lead_client.get(f"/pipeline/workstreams/{ws.id}/edit").get_data(as_text=True)
    assert 'value="no" checked' in page


def test_user_text_is_escaped(lead_client):
    lead_client.post(
        "/pipeline/workstreams/new",
        data={**GOOD, "name": "<script>alert(1)</script>", "aim": "<b>aim</b>"},
    )
    html = lead_client.get("/pipeline/workstreams").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>aim</b>" not in html and "&lt;b&gt;aim&lt;/b&gt;" in html


def test_unknown_workstream_is_404(lead_client):
    assert lead_client.get("/pipeline/workstreams/999999/edit").status_code == 404


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
@pytest.mark.parametrize(
    "path", ["/pipeline/workstreams", "/pipeline/workstreams/new", "/pipeline/workstreams/1/edit"]
)
def test_only_leads_manage_workstreams(client_for, role, path, query):
    client = client_for(role)
    assert client.get(path).status_code == 403
    if path.endswith(("new", "edit")):
        assert client.post(path, data=GOOD).status_code == 403
    assert workstream(query, name="Falls Prevention") is None
