"""Panel members keep a profile; leads see the panel and invite people to join it by email.

Admins invite people to any role through the same flow: tests/portal/test_invitations.py."""

import re

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import Invitation
from portal.auth.roles import Role
from portal.auth.tokens import digest
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.reviews.models import PanelProfile
from tests.conftest import PASSWORD, fetch_user

NEW_PASSWORD = "lantern orchard copper meadow"
LINK = re.compile(r"http://localhost/invitations/(\S+)")


def profile_of(query, user):
    return query(lambda: db.session.get(PanelProfile, user.id))


def actions(query, *names):
    return query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)
        ).all()
    )


def invite(lead_client, query, email="grace@example.org", name="Grace Okafor"):
    """Invite someone as a lead; return the token from the emailed link."""
    response = lead_client.post("/panel/invite", data={"name": name, "email": email})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/panel/members"
    mail = query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage).filter_by(recipient=email.lower()).order_by(OutboxMessage.id)
        ).all()
    )[-1]
    return LINK.search(mail.body).group(1), mail


def new_account(organisation="", **extra):
    data = {
        "name": "Grace Okafor",
        "organisation": organisation or "not-listed",
        "organisation_name": "Grace's Carers Forum",
        "organisation_type": "patient_or_public",
        "password": NEW_PASSWORD,
    }
    return data | extra


# Profiles


def test_member_saves_and_reloads_their_profile(panel_client, query):
    assert panel_client.get("/panel/profile").status_code == 200
    response = panel_client.post(
        "/panel/profile",
        data={
            "workstreams": ["maternity_neonatal", "mental_health"],
            "care_settings": ["community", "maternity"],
            "is_patient_partner": "yes",
            "expertise": "  Carer for my son for 12 years.  ",
        },
    )
    assert response.status_code == 302
    profile = profile_of(query, panel_client.user)
    assert profile.workstreams == ["maternity_neonatal", "mental_health"]
    assert profile.care_settings == ["maternity", "community"]  # in the list's order
    assert profile.is_patient_partner is True
    assert profile.expertise == "Carer for my son for 12 years."
    html = panel_client.get("/panel/profile").get_data(as_text=True)
    assert re.search(r'value="mental_health"\s+checked', html)
    assert re.search(r'value="yes"\s+checked', html)
    assert "Carer for my son for 12 years." in html

    panel_client.post("/panel/profile", data={"is_patient_partner": "no"})
    profile = profile_of(query, panel_client.user)
    assert (profile.workstreams, profile.care_settings, profile.expertise) == ([], [], None)
    assert profile.is_patient_partner is False
    assert len(actions(query, "panel_profile.updated")) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose yes if you are joining as a patient or carer partner"),
        ({"is_patient_partner": "maybe"}, "Not a valid choice"),
        ({"is_patient_partner": "no", "expertise": "word " * 201}, "200 words or fewer"),
        ({"is_patient_partner": "no", "care_settings": ["space"]}, "not a valid choice"),
        ({"is_patient_partner": "no", "workstreams": ["retired_thing"]}, "not a valid choice"),
    ],
)
def test_bad_profiles_are_refused(panel_client, query, data, message):
    response = panel_client.post("/panel/profile", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert profile_of(query, panel_client.user) is None


def test_only_panel_members_have_a_profile(lead_client, innovator_client):
    assert lead_client.get("/panel/profile").status_code == 403
    assert innovator_client.post("/panel/profile", data={}).status_code == 403


def test_leads_see_the_panel_with_expertise_escaped(
    lead_client, client_for, create_organisation, query
):
    trust = create_organisation("Westshire Mental Health NHS Trust")
    member = client_for(Role.PANEL_MEMBER, name="Sam <b>Bold</b>", organisation=trust)
    member.post(
        "/panel/profile",
        data={
            "workstreams": ["mental_health"],
            "is_patient_partner": "yes",
            "expertise": "<script>alert(1)</script> peer support",
        },
    )
    client_for(Role.PANEL_MEMBER, name="Quiet Member")
    client_for(Role.INNOVATOR, name="Not On Panel")
    html = lead_client.get("/panel/members").get_data(as_text=True)
    assert "Westshire Mental Health NHS Trust" in html
    assert "Mental Health. &lt;script&gt;alert(1)&lt;/script&gt; peer support" in html
    assert "Sam &lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<script>alert" not in html and "<b>Bold" not in html
    assert "Quiet Member" in html and "No profile yet" in html
    assert "Not On Panel" not in html
    assert 'href="/panel/members"' in html  # the leads' "Panel" header link


def test_only_leads_see_the_panel_list(panel_client, innovator_client):
    assert panel_client.get("/panel/members").status_code == 403
    assert innovator_client.get("/panel/members").status_code == 403


# Invitations


def test_invited_person_sets_up_a_panel_account(lead_client, app, query):
    token, mail = invite(lead_client, query, email="Grace@Example.org")
    assert "invited you to join the Safety Pipeline review panel" in mail.body
    assert "choose your organisation and a password" in mail.body
    invitation = query(lambda: db.session.scalars(sa.select(Invitation)).one())
    assert invitation.token_hash == digest(token) and token not in invitation.token_hash
    assert invitation.email == "grace@example.org"
    assert (invitation.expires_at - invitation.created_at).days == 14
    assert "grace@example.org" in lead_client.get("/panel/members").get_data(as_text=True)

    visitor = app.test_client()
    page = visitor.get(f"/invitations/{token}").get_data(as_text=True)
    assert (
        "Set up your account" in page
        and "join the Safety Pipeline review panel" in page
        and 'value="Grace Okafor"' in page
    )
    weak = visitor.post(f"/invitations/{token}", data=new_account(password="password1234"))
    assert weak.status_code == 200 and "This password is too common" in weak.get_data(as_text=True)
    assert query(lambda: fetch_user("grace@example.org")) is None

    response = visitor.post(f"/invitations/{token}", data=new_account())
    assert response.status_code == 302 and response.headers["Location"] == "/panel/profile"
    assert visitor.get("/panel/profile").status_code == 200  # signed in
    user = query(lambda: fetch_user("grace@example.org"))
    assert user.role_set == {Role.PANEL_MEMBER}
    assert query(lambda: fetch_user("grace@example.org").organisation.name) == (
        "Grace's Carers Forum"
    )
    assert query(lambda: fetch_user("grace@example.org").role_grants[0].granted_by_id) == (
        lead_client.user.id
    )
    assert query(lambda: db.session.get(Invitation, invitation.id).accepted_at) is not None
    assert [e.action for e in actions(query, "user.invited", "user.invitation_accepted")] == [
        "user.invited",
        "user.invitation_accepted",
    ]

    again = app.test_client().get(f"/invitations/{token}")
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)
    reuse = app.test_client().post(f"/invitations/{token}", data=new_account())
    assert reuse.status_code == 404


def test_invited_person_can_choose_a_listed_organisation(
    lead_client, app, query, create_organisation
):
    trust = create_organisation("Eastshire Hospitals NHS Trust")
    token, _ = invite(lead_client, query)
    visitor = app.test_client()
    response = visitor.post(f"/invitations/{token}", data=new_account(organisation=str(trust.id)))
    assert response.status_code == 302
    assert query(lambda: fetch_user("grace@example.org").organisation_id) == trust.id


def test_expired_and_unknown_links_are_404(lead_client, app, query, clock):
    token, _ = invite(lead_client, query)
    clock.advance(days=13)
    assert app.test_client().get(f"/invitations/{token}").status_code == 200
    clock.advance(days=2)
    visitor = app.test_client()
    response = visitor.get(f"/invitations/{token}")
    assert response.status_code == 404
    assert "expired or has already been used" in response.get_data(as_text=True)
    assert visitor.post(f"/invitations/{token}", data=new_account()).status_code == 404
    assert query(lambda: fetch_user("grace@example.org")) is None
    assert visitor.get("/invitations/not-a-real-token").status_code == 404
    assert visitor.get("/invitations/" + "x" * 300).status_code == 404


def test_a_new_invitation_replaces_an_older_link(lead_client, app, query):
    first, _ = invite(lead_client, query)
    second, _ = invite(lead_client, query)
    visitor = app.test_client()
    assert visitor.get(f"/invitations/{first}").status_code == 404
    assert visitor.get(f"/invitations/{second}").status_code == 200


def test_existing_account_gets_the_panel_role_after_signing_in(
    lead_client, app, create_user, client_for, sign_in, query
):
    owner = create_user(email="ravi@example.org", name="Ravi Shah")
    token, mail = invite(lead_client, query, email="ravi@example.org", name="Ravi Shah")
    assert "You already have an account with this email address" in mail.body
    path = f"/invitations/{token}"

    anonymous = app.test_client()
    page = anonymous.get(path).get_data(as_text=True)
    assert "Sign in as ravi@example.org to join the panel" in page
    assert "Create a password" not in page
    assert anonymous.post(path).status_code == 200  # nothing to accept without signing in

    someone_else = client_for(Role.INNOVATOR)
    page = someone_else.get(path).get_data(as_text=True)
    assert f"You are signed in as {someone_else.user.email}" in page
    someone_else.post(path)
    assert query(lambda: fetch_user("ravi@example.org").role_set) == {Role.INNOVATOR}

    invitee = app.test_client()
    response = invitee.post(
        "/sign-in?next=" + path, data={"email": owner.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == path
    assert "Join the panel" in invitee.get(path).get_data(as_text=True)
    response = invitee.post(path)
    assert response.status_code == 302
    assert query(lambda: fetch_user("ravi@example.org").role_set) == {
        Role.INNOVATOR,
        Role.PANEL_MEMBER,
    }
    assert invitee.get("/panel/profile").status_code == 200
    granted = actions(query, "role.granted")
    assert len(granted) == 1 and granted[0].actor_id == lead_client.user.id
    assert granted[0].object_id == str(owner.id)
    assert invitee.post(path).status_code == 404  # used


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@example.org"}, "Enter the full name"),
        ({"name": "A", "email": "not an email"}, "Enter an email address in the correct format"),
        ({"name": "A", "email": "panel@example.org"}, "already has an account with the panel"),
        ({"name": "A", "email": "gone@example.org"}, "is deactivated"),
    ],
)
def test_bad_invitations_are_refused(lead_client, create_user, query, data, message):
    create_user(email="panel@example.org", roles=(Role.PANEL_MEMBER,))
    create_user(email="gone@example.org", active=False)
    response = lead_client.post("/panel/invite", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert query(lambda: db.session.scalars(sa.select(Invitation)).all()) == []
    assert query(lambda: db.session.scalars(sa.select(OutboxMessage)).all()) == []


def test_only_leads_can_invite(panel_client, innovator_client, query):
    for member in (panel_client, innovator_client):
        assert member.get("/panel/invite").status_code == 403
        data = {"name": "Eve", "email": "eve@example.org"}
        assert member.post("/panel/invite", data=data).status_code == 403
    assert query(lambda: db.session.scalars(sa.select(Invitation)).all()) == []


def test_html_in_an_invitation_is_shown_escaped(lead_client, app, query):
    token, _ = invite(lead_client, query, name="<img src=x onerror=alert(1)>")
    for html in (
        lead_client.get("/panel/members").get_data(as_text=True),
        app.test_client().get(f"/invitations/{token}").get_data(as_text=True),
    ):
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
