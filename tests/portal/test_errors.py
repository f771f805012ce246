"""Bad requests get NHS-styled pages with the right status, and never a stack trace."""

import sqlalchemy as sa

from portal import create_app
from portal.access import public
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import make_config


def assert_nhs_error_page(response, status, text):
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in html
    assert "nhsuk-header" in html and "nhsuk-footer" in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_unknown_url_is_404(client):
    assert_nhs_error_page(client.get("/no/such/page"), 404, "Page not found")


def test_wrong_method_is_405(client):
    assert_nhs_error_page(client.get("/sign-out"), 405, "not something this page can do")


def test_oversized_request_is_413_and_saves_nothing(app, client, query):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/register", data={"name": body, "email": "big@example.org"})
    assert_nhs_error_page(response, 413, "too large")
    assert query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(User))) == 0


def test_unexpected_error_is_a_500_page_without_details(tmp_path):
    app = create_app(make_config("sqlite://", tmp_path, PROPAGATE_EXCEPTIONS=False))

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert_nhs_error_page(response, 500, "problem with the service")
    assert "secret internals" not in response.get_data(as_text=True)
