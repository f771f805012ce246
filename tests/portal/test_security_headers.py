"""Security headers on every kind of response: pages, downloads, static files, feeds, errors."""

from flask import Response

from portal import page_cache
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.security_headers import _origins, add_security_headers, content_security_policy
from tests.portal import security_checks
from tests.portal.pipeline_data import PipelineData
from tests.portal.security_checks import HSTS, check_headers


def check_page(response):
    """A development page's checks: HSTS is for production only."""
    assert "Strict-Transport-Security" not in response.headers
    return security_checks.check_page(response)


def test_an_anonymous_page_and_a_signed_in_page(client, innovator_client):
    first, second = check_page(client.get("/")), check_page(client.get("/"))
    assert first != second  # a fresh nonce for every response
    check_page(client.get("/sign-in"))
    check_page(innovator_client.get("/innovator"))


def test_error_pages(client, innovator_client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    check_page(response)
    response = innovator_client.get("/pipeline")
    assert response.status_code == 403
    check_page(response)


STATIC = (
    "/static/portal.js",
    "/assets/images/favicon.svg",
    "/nhsuk/nhsuk-frontend.min.css",
    "/nhsuk/nhsuk-frontend-system-fonts.min.css",
)


def test_static_files_keep_their_caching(client):
    for path in STATIC:
        response = client.get(path)
        assert response.status_code == 200, path
        check_headers(response, cached=True)
        assert response.cache_control.public and response.cache_control.max_age > 0
        response.close()


def test_a_download_and_the_atom_feed(app, lead_client):
    export = lead_client.get("/pipeline/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    check_headers(export)
    with app.app_context():
        db.session.get(User, lead_client.user.id).digest_token = "a-private-digest-token"
        db.session.commit()
    feed = app.test_client().get("/horizon/digest/a-private-digest-token.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    check_headers(feed)  # private to the lead, though asked for without signing in


def test_a_views_own_stricter_headers_are_kept(app):
    own = {
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    with app.test_request_context("/"):
        response = add_security_headers(Response(b"%PDF-", headers=own))
    assert {name: response.headers[name] for name in own} == own
    check_headers(response)


def test_the_cached_pipeline_table_holds_no_script_and_pages_fresh_nonces(app, client_for, clock):
    cache = page_cache.for_app(app, "pipeline")
    cache.clear()
    data = PipelineData(app, clock)
    data.add("Sepsis screening in care homes", rank=1)
    lead = client_for(Role.PROGRAMME_LEAD)
    first, second = lead.get("/pipeline"), lead.get("/pipeline")
    assert check_page(first) != check_page(second)
    [fragment] = [body for _at, body in cache._entries.values()]
    assert "Sepsis screening in care homes" in fragment
    assert "<script" not in fragment and "nonce" not in fragment


def test_production_adds_hsts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    response = client.get("/")
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_forms_may_go_on_to_the_single_sign_on_provider_only():
    policy = content_security_policy(form_targets=_origins("https://login.example.org/t/v2.0"))
    assert "form-action 'self' https://login.example.org;" in policy + ";"
    assert "form-action 'self';" in content_security_policy(form_targets=_origins(None)) + ";"
