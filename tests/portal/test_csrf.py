"""With CSRF on, as in production: forms need a valid token; a bad one saves nothing."""

import re

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db

STRONG = "violet tractor harbour mosaic"


@pytest.fixture
def csrf_client(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    yield client
    app.config["WTF_CSRF_ENABLED"] = False


def token_from(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def registration(token=None):
    data = {
        "name": "Nadia Nurse",
        "email": "nadia@example.org",
        "organisation": "not-listed",
        "organisation_name": "Westshire Trust",
        "organisation_type": "nhs_trust",
        "password": STRONG,
    }
    if token is not None:
        data["csrf_token"] = token
    return data


def users(query):
    return query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(User)))


def test_form_with_a_valid_token_works(csrf_client, query):
    token = token_from(csrf_client, "/register")
    response = csrf_client.post("/register", data=registration(token))
    assert response.status_code == 302
    assert users(query) == 1


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_missing_or_forged_token_is_400_and_saves_nothing(csrf_client, query, token):
    csrf_client.get("/register")
    response = csrf_client.post("/register", data=registration(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was saved or changed" in html and "nhsuk-header" in html
    assert users(query) == 0


def test_token_from_an_old_session_is_refused(app, csrf_client, query):
    token = token_from(csrf_client, "/register")
    csrf_client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    response = csrf_client.post("/register", data=registration(token))
    assert response.status_code == 400
    assert users(query) == 0


def test_sign_out_needs_the_token(app, csrf_client, create_user):
    create_user(email="ada@example.org")
    token = token_from(csrf_client, "/sign-in")
    csrf_client.post(
        "/sign-in",
        data={
            "email": "ada@example.org",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert csrf_client.post("/sign-out").status_code == 400
    assert csrf_client.get("/innovator").status_code == 200  # still signed in
    header_token = re.search(
        r'name="csrf_token" value="([^"]+)"', csrf_client.get("/innovator").get_data(as_text=True)
    ).group(1)
    assert csrf_client.post("/sign-out", data={"csrf_token": header_token}).status_code == 302
    assert csrf_client.get("/innovator").status_code == 302
