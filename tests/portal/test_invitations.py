"""Admins invite people to any role through the leads' invitation flow; the users list filters
by role and pages. (Leads inviting panel members, and accepting: tests/portal/test_panel.py.)"""

import logging
import re

import pytest
import sqlalchemy as sa

from portal.admin import views as admin_views
from portal.audit import AuditEvent
from portal.auth import invitations
from portal.auth.models import Invitation, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.conftest import PASSWORD, fetch_user

LINK = re.compile(r"http://localhost(/invitations/\S+)")
NEW_ACCOUNT = {
    "name": "Grace Okafor",
    "organisation": "not-listed",
    "organisation_name": "Grace's Carers Forum",
    "organisation_type": "patient_or_public",
    "password": "lantern orchard copper meadow",
}


def sent_to(query, email) -> OutboxMessage:
    return query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage).filter_by(recipient=email).order_by(OutboxMessage.id.desc())
        ).first()
    )


def nothing_sent(query) -> bool:
    return query(
        lambda: (
            db.session.scalars(sa.select(Invitation)).all() == []
            and db.session.scalars(sa.select(OutboxMessage)).all() == []
        )
    )


def admin_invite(admin_client, role, email="grace@example.org"):
    data = {"name": "Grace Okafor", "email": email, "role": role}
    return admin_client.post("/admin/users/invite", data=data)


@pytest.mark.parametrize(
    ("role", "joining", "lands_on"),
    [
        (Role.INNOVATOR, "share ideas for safer care with", "/innovator"),
        (Role.PANEL_MEMBER, "review panel", "/panel/profile"),
        (Role.PROGRAMME_LEAD, "as a programme lead", "/pipeline"),
        (Role.ADMIN, "as an admin", "/admin/"),
    ],
)
def test_admin_invites_each_role(admin_client, app, query, role, joining, lands_on):
    response = admin_invite(admin_client, role.value)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    listed = admin_client.get("/admin/users").get_data(as_text=True)
    assert "We have emailed an invitation to grace@example.org" in listed
    assert "Invitations not yet accepted" in listed and role.label in listed
    mail = sent_to(query, "grace@example.org")
    assert joining in mail.subject and joining in mail.body
    [event] = query(
        lambda: db.session.scalars(sa.select(AuditEvent).filter_by(action="user.invited")).all()
    )
    assert event.actor_id == admin_client.user.id and event.details["role"] == role.value

    invitee = app.test_client()
    path = LINK.search(mail.body).group(1)
    assert joining in invitee.get(path).get_data(as_text=True)
    response = invitee.post(path, data=NEW_ACCOUNT)
    assert response.status_code == 302 and response.headers["Location"] == lands_on
    assert invitee.get(lands_on).status_code == 200  # signed in, with the role
    user = query(lambda: fetch_user("grace@example.org"))
    assert user.role_set == {role}
    granted_by = query(lambda: fetch_user("grace@example.org").role_grants[0].granted_by_id)
    assert granted_by == admin_client.user.id


def test_admin_must_choose_a_role(admin_client, query):
    page = admin_client.get("/admin/users/invite").get_data(as_text=True)
    for role in Role:
        assert f'value="{role.value}"' in page
    response = admin_client.post(
        "/admin/users/invite", data={"name": "Grace", "email": "grace@example.org"}
    )
    assert "Select the role you are inviting them to" in response.get_data(as_text=True)
    assert nothing_sent(query)


def test_an_existing_account_gets_the_invited_role_after_signing_in(
    admin_client, app, create_user, query
):
    owner = create_user(email="ravi@example.org")
    admin_invite(admin_client, "programme_lead", email="ravi@example.org")
    path = LINK.search(sent_to(query, "ravi@example.org").body).group(1)
    invitee = app.test_client()
    invitee.post("/sign-in", data={"email": owner.email, "password": PASSWORD})
    page = invitee.get(path).get_data(as_text=True)
    assert "we will add the programme lead role to it" in page
    response = invitee.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/pipeline"
    assert query(lambda: fetch_user("ravi@example.org").role_set) == {
        Role.INNOVATOR,
        Role.PROGRAMME_LEAD,
    }


def test_a_lead_invites_panel_members_only(lead_client, app, query, caplog):
    page = lead_client.get("/panel/invite").get_data(as_text=True)
    assert 'name="role"' not in page  # the page is for one role
    tampered = {"name": "Eve", "email": "eve@example.org", "role": "admin"}
    response = lead_client.post("/panel/invite", data=tampered)
    assert response.status_code == 200
    assert "Select one of the roles listed" in response.get_data(as_text=True)
    assert lead_client.post("/admin/users/invite", data=tampered).status_code == 403
    assert nothing_sent(query)
    # The service refuses it too, whatever page asked.
    with app.test_request_context(), caplog.at_level(logging.WARNING):
        lead = db.session.get(User, lead_client.user.id)
        assert invitations.invitable_roles(lead) == (Role.PANEL_MEMBER,)
        with pytest.raises(invitations.InvitationError, match="cannot invite people as an admin"):
            invitations.invite(lead, "Eve", "eve@example.org", Role.ADMIN)
    assert f"user {lead_client.user.id} may not invite people as admin" in caplog.text


def test_only_admins_reach_the_admin_invite_page(panel_client, innovator_client):
    for client in (panel_client, innovator_client):
        assert client.get("/admin/users/invite").status_code == 403


def test_a_link_sent_before_invitations_moved_still_works(client):
    response = client.get("/panel/invitations/some-token")
    assert response.status_code == 302 and response.headers["Location"] == "/invitations/some-token"


# The users list


def names_on(html) -> list[str]:
    return re.findall(r'<a class="nhsuk-link" href="/admin/users/\d+">([^<]+)</a>', html)


def test_users_list_filters_by_role_and_search_together(admin_client, create_user):
    create_user(name="Ann Lead", roles=(Role.PROGRAMME_LEAD,))
    create_user(name="Ann Panel", roles=(Role.PANEL_MEMBER,))
    create_user(name="Bob Lead", roles=(Role.PROGRAMME_LEAD,))
    html = admin_client.get("/admin/users?role=programme_lead&q=ann").get_data(as_text=True)
    assert names_on(html) == ["Ann Lead"]
    assert "1 programme lead" in html
    assert '<option value="programme_lead" selected' in html
    html = admin_client.get("/admin/users?role=programme_lead").get_data(as_text=True)
    assert names_on(html) == ["Ann Lead", "Bob Lead"] and "2 programme leads" in html


def test_a_role_that_is_not_one_is_refused_with_a_message(admin_client, create_user):
    create_user(name="Ann Lead", roles=(Role.PROGRAMME_LEAD,))
    response = admin_client.get("/admin/users?role=superuser")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Select a role from the list" in html
    assert "Ann Lead" in names_on(html)  # unfiltered


def test_users_list_pages_keep_the_filters(admin_client, create_user, monkeypatch):
    monkeypatch.setattr(admin_views, "PAGE_SIZE", 2)
    for name in ("Ann", "Bea", "Cal", "Dee", "Eve"):
        create_user(name=f"{name} Innovator")
    create_user(name="Zed Lead", roles=(Role.PROGRAMME_LEAD,))
    first = admin_client.get("/admin/users?role=innovator").get_data(as_text=True)
    assert names_on(first) == ["Ann Innovator", "Bea Innovator"]
    assert "Innovators 1 to 2 of 5" in first
    assert 'href="/admin/users?page=2&amp;role=innovator"' in first and "Page 2 of 3" in first
    last = admin_client.get("/admin/users?role=innovator&page=3").get_data(as_text=True)
    assert names_on(last) == ["Eve Innovator"] and "Innovators 5 to 5 of 5" in last
    assert 'href="/admin/users?page=2&amp;role=innovator"' in last and "Next" not in last
    # Past the end, or not a page number: the nearest page there is.
    assert names_on(admin_client.get("/admin/users?role=innovator&page=99").text) == [
        "Eve Innovator"
    ]
    for page in ("0", "-3", "two"):
        html = admin_client.get(f"/admin/users?role=innovator&page={page}").text
        assert names_on(html) == ["Ann Innovator", "Bea Innovator"]


def test_an_invitation_stops_working_when_its_sender_may_no_longer_send_it(
    admin_client, client_for, app, query
):
    admin_invite(admin_client, "admin")
    path = LINK.search(sent_to(query, "grace@example.org").body).group(1)
    assert app.test_client().get(path).status_code == 200
    other_admin = client_for(Role.ADMIN)
    other_admin.post(
        f"/admin/users/{admin_client.user.id}",
        data={"roles-roles": ["innovator"], "roles-submit": "1"},
    )
    response = app.test_client().post(path, data=NEW_ACCOUNT)
    assert response.status_code == 404
    assert "the sender losing the right to invite" in response.get_data(as_text=True)
    assert query(lambda: fetch_user("grace@example.org")) is None
