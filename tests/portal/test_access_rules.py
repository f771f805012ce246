"""Every endpoint declares who may see it, and undeclared or unauthorised access is refused."""

import pytest
from flask import Flask

from portal.access import AccessRule, enforce_access_rule, public
from portal.auth.roles import Role


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not isinstance(
            getattr(app.view_functions[rule.endpoint], "access_rule", None), AccessRule
        )
    ]
    assert undeclared == []


def test_an_endpoint_without_a_rule_is_refused():
    app = Flask(__name__)
    app.before_request(enforce_access_rule)
    app.add_url_rule("/open", "open", public(lambda: "open"))
    app.add_url_rule("/forgot", "forgot", lambda: "should never be seen")
    client = app.test_client()
    assert client.get("/open").status_code == 200
    assert client.get("/forgot").status_code == 403


SIGNED_IN_PAGES = [
    "/account",
    "/account/password",
    "/innovator",
    "/reviews",
    "/pipeline",
    "/admin/",
    "/admin/users",
]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_anonymous_post_to_a_signed_in_endpoint_is_401(client):
    response = client.post("/sign-out")
    assert response.status_code == 401
    assert "You need to sign in" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.INNOVATOR, {"/innovator"}),
        (Role.PANEL_MEMBER, {"/reviews"}),
        (Role.PROGRAMME_LEAD, {"/pipeline"}),
        (Role.ADMIN, {"/admin/", "/admin/users"}),
    ],
)
def test_role_pages_are_refused_to_other_roles(client_for, role, allowed):
    client = client_for(role)
    for path in ["/innovator", "/reviews", "/pipeline", "/admin/", "/admin/users"]:
        status = client.get(path).status_code
        assert status == (200 if path in allowed else 403), path


def test_forbidden_page_is_nhs_styled_without_a_stack_trace(innovator_client):
    response = innovator_client.get("/admin/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You do not have permission to see this page" in html
    assert "nhsuk-header" in html and "Traceback" not in html
