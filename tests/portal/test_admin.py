"""Admins grant and revoke roles and deactivate accounts, with an audit trail."""

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from tests.conftest import fetch_user


def audit_actions(query, user_id):
    return query(
        lambda: sorted(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.object_type == "users", AuditEvent.object_id == str(user_id)
                )
            )
        )
    )


def test_users_page_lists_and_searches(admin_client, create_user, create_organisation):
    trust = create_organisation("Eastshire Hospitals NHS Trust")
    create_user(email="priya@example.org", name="Priya Patel", organisation=trust)
    create_user(email="liam@example.org", name="Liam Lee", roles=(Role.PROGRAMME_LEAD,))
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert "Priya Patel" in html and "Liam Lee" in html
    html = admin_client.get("/admin/users?q=eastshire").get_data(as_text=True)
    assert "Priya Patel" in html and "Liam Lee" not in html
    html = admin_client.get("/admin/users?role=programme_lead").get_data(as_text=True)
    assert "Liam Lee" in html and "Priya Patel" not in html


def test_admin_grants_and_revokes_roles(admin_client, create_user, client_for, query):
    target = create_user(email="priya@example.org", name="Priya Patel")
    response = admin_client.post(
        f"/admin/users/{target.id}",
        data={"roles-roles": ["panel_member", "programme_lead"], "roles-submit": "1"},
    )
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "granted Panel member, Programme lead; revoked Innovator" in page
    assert query(lambda: fetch_user("priya@example.org").role_set) == {
        Role.PANEL_MEMBER,
        Role.PROGRAMME_LEAD,
    }
    assert audit_actions(query, target.id) == [
        "role.granted",
        "role.granted",
        "role.revoked",
        "user.registered",
    ]
    grants = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "role.granted")
        ).all()
    )
    assert {g.actor_id for g in grants} == {admin_client.user.id}


def test_role_change_takes_effect_on_the_users_next_request(admin_client, client_for):
    panel = client_for(Role.PANEL_MEMBER)
    assert panel.get("/pipeline").status_code == 403
    admin_client.post(
        f"/admin/users/{panel.user.id}",
        data={"roles-roles": ["panel_member", "programme_lead"], "roles-submit": "1"},
    )
    assert panel.get("/pipeline").status_code == 200


def test_admin_cannot_remove_their_own_admin_role(admin_client, query):
    me = admin_client.user
    response = admin_client.post(
        f"/admin/users/{me.id}", data={"roles-roles": ["innovator"], "roles-submit": "1"}
    )
    assert response.status_code == 200
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)
    assert query(lambda: fetch_user(me.email).role_set) == {Role.ADMIN}


def test_unknown_role_is_refused(admin_client, create_user, query):
    target = create_user(email="priya@example.org")
    response = admin_client.post(
        f"/admin/users/{target.id}", data={"roles-roles": ["emperor"], "roles-submit": "1"}
    )
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    assert query(lambda: fetch_user("priya@example.org").role_set) == {Role.INNOVATOR}


def test_deactivation_signs_the_user_out_everywhere(admin_client, client_for, sign_in, app, query):
    victim = client_for(Role.INNOVATOR)
    assert victim.get("/innovator").status_code == 200
    response = admin_client.post(
        f"/admin/users/{victim.user.id}", data={"active-active": "no", "active-submit": "1"}
    )
    assert response.status_code == 302
    assert victim.get("/innovator").status_code == 302
    fresh = app.test_client()
    assert (
        fresh.post(
            "/sign-in",
            data={"email": victim.user.email, "password": "correct horse battery staple"},
        ).status_code
        == 200
    )  # refused
    admin_client.post(
        f"/admin/users/{victim.user.id}", data={"active-active": "yes", "active-submit": "1"}
    )
    sign_in(fresh, victim.user)
    assert "user.deactivated" in audit_actions(query, victim.user.id)
    assert "user.activated" in audit_actions(query, victim.user.id)


def test_admin_cannot_deactivate_themselves(admin_client, query):
    response = admin_client.post(
        f"/admin/users/{admin_client.user.id}", data={"active-active": "no", "active-submit": "1"}
    )
    assert "You cannot deactivate your own account" in response.get_data(as_text=True)
    assert query(lambda: fetch_user(admin_client.user.email).active) is True


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_non_admins_cannot_change_roles(lead_client, create_user, query):
    target = create_user(email="priya@example.org")
    response = lead_client.post(
        f"/admin/users/{target.id}", data={"roles-roles": ["admin"], "roles-submit": "1"}
    )
    assert response.status_code == 403
    assert query(lambda: fetch_user("priya@example.org").role_set) == {Role.INNOVATOR}
