"""Who must have a second factor (staff in production, nobody in development), and what admins
and account holders can do with it: an audited reset, new recovery codes, turning it off."""

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import RecoveryCode, TotpFactor, UserSession
from portal.auth.roles import Role
from portal.extensions import db
from portal.settings import STAFF_ROLES, ConfigurationError, fill_defaults
from tests.conftest import PASSWORD
from tests.portal.mfa_helpers import (
    code_at,
    give_authenticator,
    post_code,
    post_password,
    secret_of,
)
from tests.portal.test_config import defaults

STAFF = (Role.PANEL_MEMBER, Role.PROGRAMME_LEAD, Role.ADMIN)


@pytest.fixture
def staff_need_codes(app, monkeypatch):
    """Run the test with production's rule: panel members, leads and admins need codes."""
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", STAFF_ROLES)


@pytest.mark.parametrize(
    ("env", "given", "expected"),
    [
        ("production", None, set(STAFF)),
        ("development", None, set()),
        ("production", ("none",), set()),
        ("development", ("programme_lead", " admin"), {Role.PROGRAMME_LEAD, Role.ADMIN}),
        ("production", "innovator,panel_member", {Role.INNOVATOR, Role.PANEL_MEMBER}),
    ],
)
def test_staff_need_codes_in_production_and_nobody_in_development(tmp_path, env, given, expected):
    config = defaults(ENV_NAME=env, SECRET_KEY="k", MFA_REQUIRED_ROLES=given)
    config["PUBLIC_URL"] = "https://pipeline.example.nhs.uk"
    fill_defaults(config, str(tmp_path))
    assert config["MFA_REQUIRED_ROLES"] == expected


def test_an_unknown_role_is_refused_at_start(tmp_path):
    config = defaults(SECRET_KEY="k", MFA_REQUIRED_ROLES=("programme_lead", "lead"))
    config["PUBLIC_URL"] = "https://pipeline.example.nhs.uk"
    with pytest.raises(ConfigurationError, match="MFA_REQUIRED_ROLES names unknown roles: lead"):
        fill_defaults(config, str(tmp_path))


def test_the_test_app_is_like_development_so_staff_sign_in_with_a_password(app, client_for):
    assert app.config["MFA_REQUIRED_ROLES"] == frozenset()
    assert client_for(Role.PROGRAMME_LEAD).get("/pipeline").status_code == 200


def test_staff_without_an_app_set_one_up_before_anything_else(
    app, client, create_user, query, clock, staff_need_codes
):
    user = create_user(roles=(Role.PANEL_MEMBER,))
    response = post_password(client, user, PASSWORD, next_path="/account")
    assert response.headers["Location"] == "/sign-in/security-code?next=/account"
    to_set_up = client.get(response.headers["Location"])
    assert to_set_up.headers["Location"] == "/sign-in/set-up-authenticator-app?next=/account"
    assert client.get("/account").status_code == 302  # nothing else first
    page = client.get(to_set_up.headers["Location"]).get_data(as_text=True)
    assert "you need a security code from an authenticator app" in page

    secret = secret_of(query, user)
    shown = post_code(
        client, code_at(secret, clock.now), path="/sign-in/set-up-authenticator-app?next=/account"
    )
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    html = shown.get_data(as_text=True)
    assert "Save your recovery codes" in html and 'href="/account"' in html
    assert client.get("/account").status_code == 200  # signed in now
    assert "Turn off" not in client.get("/account").get_data(as_text=True)
    assert client.get("/account/authenticator-app/turn-off").headers["Location"] == "/account"


def test_a_role_granted_mid_session_sends_its_holder_to_set_up(
    app, admin_client, client_for, query, clock, staff_need_codes
):
    give_authenticator(app, admin_client.user, clock)  # the admin signed in before the rule
    innovator = client_for(Role.INNOVATOR)  # innovators need no codes
    assert innovator.get("/innovator").status_code == 200
    admin_client.post(
        f"/admin/users/{innovator.user.id}",
        data={"roles-roles": ["innovator", "programme_lead"], "roles-submit": "1"},
    )
    held = innovator.get("/pipeline")
    assert held.headers["Location"] == "/sign-in/set-up-authenticator-app?next=/pipeline"
    assert innovator.get("/innovator").status_code == 302
    assert innovator.post("/ideas/new").status_code == 401
    innovator.get("/sign-in/set-up-authenticator-app")
    secret = secret_of(query, innovator.user)
    post_code(innovator, code_at(secret, clock.now), path="/sign-in/set-up-authenticator-app")
    assert innovator.get("/pipeline").status_code == 200


def test_admin_resets_a_users_security_codes_audited_and_signs_them_out(
    app, admin_client, client_for, query, clock
):
    member = client_for(Role.PANEL_MEMBER)
    give_authenticator(app, member.user, clock)
    page = admin_client.get(f"/admin/users/{member.user.id}").get_data(as_text=True)
    assert "set up an authenticator app on" in page and "Reset security codes" in page

    assert member.post(f"/admin/users/{member.user.id}/security-codes").status_code == 403
    response = admin_client.post(f"/admin/users/{member.user.id}/security-codes")
    assert response.headers["Location"] == f"/admin/users/{member.user.id}"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "security codes are reset and they are signed out everywhere" in page
    assert "has not set up an authenticator app" in page

    def remaining():
        return (
            db.session.get(TotpFactor, member.user.id),
            db.session.scalars(
                sa.select(RecoveryCode).where(RecoveryCode.user_id == member.user.id)
            ).all(),
        )

    assert query(remaining) == (None, [])
    assert member.get("/reviews").status_code == 302  # signed out everywhere
    event = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user.mfa_reset")
        ).one()
    )
    assert (event.actor_id, event.object_id) == (admin_client.user.id, str(member.user.id))
    assert event.details == {"sessions_ended": 1}
    assert event.label == "Security codes reset by an admin"


def test_an_admin_cannot_reset_their_own_codes(app, admin_client, query, clock):
    admin = admin_client.user
    give_authenticator(app, admin, clock)
    assert "Reset security codes" not in admin_client.get(f"/admin/users/{admin.id}").get_data(
        as_text=True
    )
    response = admin_client.post(f"/admin/users/{admin.id}/security-codes")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot reset your own security codes" in page
    assert query(lambda: db.session.get(TotpFactor, admin.id)) is not None


def test_new_recovery_codes_replace_the_old_ones(app, client, create_user, clock):
    user = create_user()
    _secret, old = give_authenticator(app, user, clock)
    post_password(client, user, PASSWORD)
    post_code(client, old[1], path="/sign-in/recovery-code")
    wrong = client.post("/account/recovery-codes", data={"password": "not my password"})
    assert "Your password is not correct" in wrong.get_data(as_text=True)
    response = client.post("/account/recovery-codes", data={"password": PASSWORD})
    assert response.headers["Cache-Control"] == "no-store"
    assert "Save your recovery codes" in response.get_data(as_text=True)
    client.post("/sign-out")

    post_password(client, user, PASSWORD)
    refused = post_code(client, old[0], path="/sign-in/recovery-code")
    assert "The recovery code is not correct" in refused.get_data(as_text=True)


def test_an_innovator_can_turn_codes_off_with_their_password(
    app, client, create_user, sign_in, query, clock
):
    user = create_user()
    sign_in(client, user)
    give_authenticator(app, user, clock)
    assert client.get("/account/authenticator-app/turn-off").status_code == 200
    client.post("/account/authenticator-app/turn-off", data={"password": PASSWORD})
    assert "Security codes are turned off" in client.get("/account").get_data(as_text=True)
    client.post("/sign-out")
    assert post_password(client, user, PASSWORD).headers["Location"] == "/innovator"
    sessions = query(lambda: db.session.scalars(sa.select(UserSession.second_factor_pending)).all())
    assert sessions == [False, False]


def test_a_command_resets_the_codes_of_an_admin_who_lost_them(
    app, runner, create_user, query, clock
):
    admin = create_user(email="only.admin@example.org", roles=(Role.ADMIN,))
    give_authenticator(app, admin, clock)
    result = runner.invoke(args=["users", "reset-security-codes", "only.admin@example.org"])
    assert result.exit_code == 0, result.output
    assert query(lambda: db.session.get(TotpFactor, admin.id)) is None
    event = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "user.mfa_reset")
        ).one()
    )
    assert (event.actor_id, event.object_id) == (None, str(admin.id))
    again = runner.invoke(args=["users", "reset-security-codes", "only.admin@example.org"])
    assert again.exit_code == 1 and "has no security codes to reset" in again.output
