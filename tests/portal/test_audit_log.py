"""The audit log: filters by who, what, when and object; paginated; leads and admins only."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db


@pytest.fixture
def add_events(app, connection):
    """Factory: add audit events directly; each is (actor, action, type, id, at, marker)."""

    def add(*rows):
        with app.app_context():
            for actor, action, object_type, object_id, at, marker in rows:
                db.session.add(
                    AuditEvent(
                        actor_id=actor.id if actor else None,
                        action=action,
                        object_type=object_type,
                        object_id=object_id,
                        at=at,
                        details={"marker": marker},
                    )
                )
            db.session.commit()

    return add


@pytest.fixture
def trail(create_user, add_events):
    """Six events by two people on different days, objects and actions."""
    asha = create_user(name="Asha Patel", email="asha.patel@northshire.nhs.uk")
    ben = create_user(name="Ben Okafor", email="ben@example.org")
    day = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    add_events(
        (asha, "workstream.created", "workstreams", "7", day, "m-asha-created"),
        (asha, "workstream.updated", "workstreams", "7", day + timedelta(days=1), "m-asha-upd"),
        (ben, "workstream.updated", "workstreams", "8", day + timedelta(days=2), "m-ben-upd"),
        (ben, "role.granted", "users", "7", day + timedelta(days=3), "m-ben-role"),
        # 23:30 UTC on 20 June is 00:30 on 21 June in London (BST)
        (
            ben,
            "round.opened",
            "review_rounds",
            "3",
            datetime(2026, 6, 20, 23, 30, tzinfo=UTC),
            "m-late",
        ),
        (None, "scores.recomputed", "score_snapshots", None, day, "m-system"),
    )
    return asha, ben


MARKERS = ["m-asha-created", "m-asha-upd", "m-ben-upd", "m-ben-role", "m-late", "m-system"]


def shown(html):
    return [m for m in MARKERS if f"marker: {m}" in html]


def dates(prefix, day):
    return {f"{prefix}-day": day.day, f"{prefix}-month": day.month, f"{prefix}-year": day.year}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, MARKERS),
        ({"who": "asha"}, ["m-asha-created", "m-asha-upd"]),
        ({"who": "NORTHSHIRE.nhs"}, ["m-asha-created", "m-asha-upd"]),
        ({"who": "okafor"}, ["m-ben-upd", "m-ben-role", "m-late"]),
        ({"who": "%"}, []),  # wildcards are searched for literally
        ({"what": "workstream.updated"}, ["m-asha-upd", "m-ben-upd"]),
        ({"object_type": "workstreams"}, ["m-asha-created", "m-asha-upd", "m-ben-upd"]),
        ({"object_type": "workstreams", "object_id": "7"}, ["m-asha-created", "m-asha-upd"]),
        ({"object_id": "7"}, ["m-asha-created", "m-asha-upd", "m-ben-role"]),
        ({"who": "ben", "what": "workstream.updated"}, ["m-ben-upd"]),
        (
            dates("from_date", datetime(2026, 6, 11)),
            ["m-asha-upd", "m-ben-upd", "m-ben-role", "m-late"],
        ),
        (dates("to_date", datetime(2026, 6, 11)), ["m-asha-created", "m-asha-upd", "m-system"]),
        (
            {
                **dates("from_date", datetime(2026, 6, 12)),
                **dates("to_date", datetime(2026, 6, 13)),
            },
            ["m-ben-upd", "m-ben-role"],
        ),
        (dates("from_date", datetime(2026, 6, 21)), ["m-late"]),  # a London day, not UTC's
        (
            dates("to_date", datetime(2026, 6, 20)),
            ["m-asha-created", "m-asha-upd", "m-ben-upd", "m-ben-role", "m-system"],
        ),
    ],
)
def test_filters(lead_client, trail, args, expected):
    response = lead_client.get("/pipeline/audit", query_string=args)
    assert response.status_code == 200
    assert shown(response.get_data(as_text=True)) == [m for m in MARKERS if m in expected]


def test_newest_first_with_readable_labels_and_details_as_text(lead_client, trail):
    html = lead_client.get("/pipeline/audit", query_string={"who": "ben"}).get_data(as_text=True)
    positions = [html.index(f"marker: {m}") for m in ("m-late", "m-ben-role", "m-ben-upd")]
    assert positions == sorted(positions)
    assert "Role granted" in html  # AuditEvent.label
    assert "Ben Okafor (ben@example.org)" in html
    assert "21 June 2026 at 12:30am" in html  # shown in London time
    assert "Events 1 to 4 of 4, newest first" in html  # and his account being created


def test_what_lists_the_recorded_actions_by_label(lead_client, trail):
    html = lead_client.get("/pipeline/audit").get_data(as_text=True)
    assert '<option value="role.granted"' in html and ">Role granted</option>" in html
    assert '<option value="workstream.updated"' in html
    assert '<option value="review_rounds"' in html and ">Review rounds</option>" in html


def test_an_object_links_to_its_own_history(lead_client, trail):
    html = lead_client.get("/pipeline/audit").get_data(as_text=True)
    assert 'href="/pipeline/audit?object_type=workstreams&amp;object_id=8"' in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"from_date-day": "31", "from_date-month": "2", "from_date-year": "2026"},
            "From must be a real date",
        ),
        (
            {"to_date-day": "3", "to_date-month": "", "to_date-year": "2026"},
            "To must include a month",
        ),
        (
            {
                **dates("from_date", datetime(2026, 6, 12)),
                **dates("to_date", datetime(2026, 6, 11)),
            },
            "To must be the same as or after From",
        ),
        ({"what": "no.such_action"}, "Not a valid choice"),
        ({"who": "x" * 201}, "Who must be 200 characters or fewer"),
    ],
)
def test_bad_filters_show_an_error_summary(lead_client, trail, args, message):
    response = lead_client.get("/pipeline/audit", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert "Correct the filters to see events." in html
    assert shown(html) == []


def test_pages_of_fifty_keep_the_filters(lead_client, create_user, add_events):
    actor = create_user(name="Busy Lead")
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    add_events(
        *[
            (actor, "test.bulk", "ideas", str(n), start + timedelta(minutes=n), f"bulk-{n:03}")
            for n in range(120)
        ]
    )
    args = {"what": "test.bulk"}
    first = lead_client.get("/pipeline/audit", query_string=args).get_data(as_text=True)
    assert "Events 1 to 50 of 120, newest first" in first
    assert "bulk-119" in first and "bulk-070" in first and "bulk-069" not in first
    link = re.search(r'href="(/pipeline/audit\?[^"]*page=2[^"]*)"', first).group(1)
    assert "what=test.bulk" in link
    last = lead_client.get("/pipeline/audit", query_string={**args, "page": 3}).get_data(
        as_text=True
    )
    assert "Events 101 to 120 of 120, newest first" in last
    assert "bulk-019" in last and "bulk-000" in last and "bulk-020" not in last
    beyond = lead_client.get("/pipeline/audit", query_string={**args, "page": 9})
    assert beyond.status_code == 200 and "No events match these filters." in beyond.get_data(
        as_text=True
    )


def test_user_text_is_escaped(lead_client, create_user, add_events):
    actor = create_user(name="<i>Mallory</i>")
    add_events((actor, "test.<b>bold</b>", "ideas", "<x>", datetime.now(UTC), "<script>x()"))
    html = lead_client.get("/pipeline/audit").get_data(as_text=True)
    for raw in ("<i>Mallory</i>", "<b>bold</b>", "<script>x()", "<x>"):
        assert raw not in html
    assert "&lt;i&gt;Mallory&lt;/i&gt;" in html
    assert "marker: &lt;script&gt;x()" in html


def test_details_of_events_about_a_conflicted_idea_are_hidden(
    client_for, create_idea, create_user, create_organisation, add_events
):
    trust = create_organisation("Conflict Trust")
    idea = create_idea(owner=create_user(name="Owner", organisation=trust))
    lead = create_user(name="Helper", roles=(Role.PROGRAMME_LEAD,))
    now = datetime.now(UTC)
    add_events(
        (lead, "decision.made", "decisions", "1", now, "rank-3"),
        (lead, "test.note", "ideas", str(idea.id), now, "note-on-idea"),
    )
    with_conflict = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    without = client_for(Role.PROGRAMME_LEAD)
    # the decision names its idea in its details, as decisions do
    with with_conflict.application.app_context():
        event = db.session.scalar(sa.select(AuditEvent).filter_by(action="decision.made"))
        event.details = {"idea_id": idea.id, "rank": 3, "marker": "rank-3"}
        db.session.commit()
    html = with_conflict.get("/pipeline/audit").get_data(as_text=True)
    assert "marker: rank-3" not in html and "marker: note-on-idea" not in html
    # these two, and the idea's own "created" and "submitted" events
    assert html.count("Hidden: you have a conflict of interest with this idea") == 4
    html = without.get("/pipeline/audit").get_data(as_text=True)
    assert "marker: note-on-idea" in html and "rank: 3" in html
    assert "Hidden: you have a conflict" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.INNOVATOR, 403),
        (Role.PANEL_MEMBER, 403),
        (Role.ADMIN, 200),
        (Role.PROGRAMME_LEAD, 200),
    ],
)
def test_only_leads_and_admins_read_the_audit_log(client_for, role, status):
    assert client_for(role).get("/pipeline/audit").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/pipeline/audit")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_admin_home_links_to_the_full_audit_log(admin_client):
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert '<a href="/pipeline/audit">See the full audit log</a>' in html


def test_only_admins_see_where_people_signed_in_from(client_for, create_user, client):
    from portal.auth.roles import Role

    user = create_user(email="someone@example.org")
    client.post(
        "/sign-in",
        data={"email": user.email, "password": "correct horse battery staple"},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},
    )
    lead = client_for(Role.PROGRAMME_LEAD)
    admin = client_for(Role.ADMIN)
    assert "198.51.100.77" not in lead.get("/pipeline/audit").get_data(as_text=True)
    assert "198.51.100.77" in admin.get("/pipeline/audit").get_data(as_text=True)
