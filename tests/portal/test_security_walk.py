"""Production mode: every page the demo's people reach by following links carries the security
headers, and its markup is clean under the policy (no inline script but the nonced one, no
inline styles or event handlers).

One demo is loaded per database into a transaction rolled back at the end. Each demo account
signs in and walks breadth first from its home page along same-origin links, visiting at most
PER_ENDPOINT addresses of each route and MAX_PAGES addresses in all, so the walk sees every
kind of page it can reach without reading every idea.
"""

import html
import re
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal.demo import DEMO_USERS, load_demo
from portal.extensions import db
from tests.conftest import joined_connection
from tests.portal.security_checks import HSTS, check_headers, check_page

MAX_PAGES = 60
PER_ENDPOINT = 2
ASSETS = ("/static/", "/assets/", "/nhsuk/")
LINK = re.compile(r"<a\b[^>]*?\bhref=\"([^\"]+)\"")


@pytest.fixture(scope="module")
def production(app):
    """The app in production mode, holding the demo until the module ends.

    The headers read ENV_NAME on each request, so the session's app (its templates already
    compiled) serves as a production app once the setting says so.
    """
    saved = app.config["ENV_NAME"]
    app.config["ENV_NAME"] = "production"
    try:
        with joined_connection(app):
            with app.app_context():
                load_demo()
                db.session.commit()
            yield app
    finally:
        app.config["ENV_NAME"] = saved


def local_links(page: str):
    for href in LINK.findall(page):
        parts = urlsplit(html.unescape(href))
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, or mailto:
        if not parts.path.startswith(ASSETS):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def walk(app, client, start=("/",)):
    """Visit pages breadth first from `start`; return {url: status}."""
    routes = app.url_map.bind("localhost")
    queue, seen, per_route, visited = deque(start), set(start), Counter(), {}
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        visited[url] = response.status_code
        check_headers(response)
        assert response.headers.get("Strict-Transport-Security") == HSTS, url
        if response.status_code in (302, 303):
            found = local_links(f'<a href="{response.headers["Location"]}">')
        elif response.mimetype == "text/html":
            check_page(response, url)
            found = local_links(response.get_data(as_text=True))
        else:
            continue  # a download or a feed: headers only
        for link in found:
            try:
                route = routes.match(urlsplit(link).path, method="GET")[0]
            except (NotFound, MethodNotAllowed):
                route = None
            if link not in seen and per_route[route] < PER_ENDPOINT:
                seen.add(link)
                per_route[route] += 1
                queue.append(link)
    return visited


def test_anonymous_pages_carry_the_headers(production):
    visited = walk(production, production.test_client())
    assert set(visited.values()) == {200}, visited
    assert {"/sign-in", "/register", "/privacy"} <= visited.keys()


@pytest.mark.parametrize("account", DEMO_USERS, ids=[role.value for role, *_ in DEMO_USERS])
def test_each_demo_account_walks_pages_that_carry_the_headers(production, account):
    role, email, _name, _organisation, password = account
    client = production.test_client()
    signed_in = client.post("/sign-in", data={"email": email, "password": password})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    visited = walk(production, client, start=("/", "/search?q=sepsis"))
    pages = [url for url, status in visited.items() if status == 200]
    assert len(pages) >= 10, (role, visited)
    refused = {url: status for url, status in visited.items() if status >= 400}
    assert refused == {}, (role, refused)
