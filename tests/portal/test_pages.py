"""Public pages, role home pages and front-end assets render as NHS.UK pages."""

import pytest

from portal import page_cache
from portal.auth.roles import Role

INFORMATION_PAGES = ["/privacy", "/accessibility", "/cookies", "/contact"]


@pytest.mark.parametrize(
    "path", ["/", "/sign-in", "/register", "/password-reset", *INFORMATION_PAGES]
)
def test_public_pages_render_with_nhs_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="nhsuk-header' in html
    assert "<title>" in html and "– Safety Pipeline – NHS</title>" in html
    assert "Innovation Pipeline" not in html  # one product name, the README's
    assert 'href="#maincontent"' in html  # skip link
    assert "app-phase-banner" in html
    for page in INFORMATION_PAGES:
        assert f'href="{page}"' in html  # footer links


@pytest.mark.parametrize(
    ("role", "path", "heading", "nav"),
    [
        (Role.INNOVATOR, "/innovator", "Your ideas", "Your ideas"),
        (Role.PANEL_MEMBER, "/reviews", "Your reviews", "Reviews"),
        (Role.PROGRAMME_LEAD, "/pipeline", "Pipeline", "Pipeline"),
        (Role.ADMIN, "/admin/", "Admin", "Admin"),
    ],
)
def test_each_role_lands_on_its_home_page(client_for, role, path, heading, nav):
    client = client_for(role)
    landing = client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"] == path
    html = client.get(path).get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html
    assert f">{nav}<" in html or f">{nav}</strong>" in html


def test_navigation_shows_only_the_users_roles(client_for):
    client = client_for(Role.INNOVATOR, Role.PANEL_MEMBER)
    html = client.get("/reviews").get_data(as_text=True)
    assert 'href="/innovator"' in html and 'href="/reviews"' in html
    assert 'href="/pipeline"' not in html and 'href="/admin/"' not in html


def test_sign_out_button_in_header_carries_a_csrf_field(app, innovator_client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = innovator_client.get("/innovator").get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    form_start = html.index('action="/sign-out"')
    assert 'name="csrf_token"' in html[form_start : form_start + 400]


def test_the_header_is_rendered_once_per_user_and_section_then_reused(app, client_for):
    headers = page_cache.for_app(app, "nhsuk-header")
    headers.clear()
    ada = client_for(Role.PROGRAMME_LEAD, name="Ada Lead")

    def header(client, path):
        html = client.get(path).get_data(as_text=True)
        return html[html.index("<header") : html.index("</header>")]

    first = header(ada, "/pipeline")
    assert header(ada, "/pipeline") == first and len(headers) == 1  # reused
    assert "Ada Lead" in first
    portfolio = header(ada, "/pipeline/portfolio")  # another navigation item is current
    assert portfolio != first and len(headers) == 2
    bea = client_for(Role.PROGRAMME_LEAD, name="Bea Lead")
    theirs = header(bea, "/pipeline")
    assert "Bea Lead" in theirs and "Ada Lead" not in theirs and len(headers) == 3
    app.config["WTF_CSRF_ENABLED"] = True
    try:  # the sign-out form's token is each session's own, added after the cached part
        tokens = {
            header(c, "/pipeline").split('name="csrf_token" value="')[1][:20] for c in (ada, bea)
        }
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert len(tokens) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/assets/images/favicon.svg",
        "/nhsuk/nhsuk-frontend.min.css",
        "/nhsuk/nhsuk-frontend.min.js",
        "/static/portal.css",
    ],
)
def test_frontend_assets_are_served(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
        assert len(response.data) > 100


def test_unknown_asset_is_404(client):
    assert client.get("/assets/../../pyproject.toml").status_code == 404
    assert client.get("/nhsuk/index.js").status_code == 404
