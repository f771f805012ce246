"""Browser fixtures: one live server and one Chromium per test session, and an axe check.

The live server runs the real app (CSRF on) on 127.0.0.1 against a fresh, migrated SQLite
database holding the demo users, with the system fonts (NHSUK_FONTS), so no page asks the NHS
font host for anything. Pages may only reach that server: Chromium resolves no other host, so
nothing leaves the machine, and every request any page of any context makes is recorded: a test
during which a page asked for another host fails, even though the request got nowhere. Every
page also reports Content Security Policy violations, and a test during which any page met one
fails.
"""

import logging
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app
from portal.demo import load_demo
from portal.extensions import db
from tests.oidc_servers import ProviderProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Resolve no host but the live server's: nothing leaves the machine, and unlike a
    # catch-all page.route() this sends no request through Python.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
# Chromium logs a violation to the console itself; the event catches any it might not.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.effectiveDirective} blocked `
    + `${event.blockedURI || "inline code"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""
# Requests that name no host and never reach the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
HERE = Path(__file__).parent
LIVE = {}  # the live server's app, for tests that set up their own data (`live_app`)
RESPONSE = "tests.live_server.response"


def _keeping_response(app):
    """The app, leaving each response in its environ for `_Handler`."""

    def wrapped(environ, start_response):
        environ[RESPONSE] = response = app(environ, start_response)
        return response

    return wrapped


class _Handler(WSGIRequestHandler):
    """Werkzeug leaves the response open when the browser drops the connection (a navigation
    cancels a script still downloading), so a static file stayed open until garbage
    collection and its ResourceWarning failed whichever test was running then."""

    def connection_dropped(self, error, environ=None):
        response = (environ or {}).get(RESPONSE)
        if hasattr(response, "close"):
            response.close()


def pytest_collection_modifyitems(items):
    """Mark every test under tests/browser/ with `browser`."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def oidc_provider():
    """The OpenID provider process the live server's single sign-on uses (127.0.0.1)."""
    provider = ProviderProcess().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, oidc_provider):
    """Serve the app on a free port of 127.0.0.1 for the whole session; yield its base URL."""
    tmp = tmp_path_factory.mktemp("browser")
    # The port is known once the socket is bound; the app (whose PUBLIC_URL names it) after.
    server = make_server(
        "127.0.0.1",
        0,
        _keeping_response(lambda environ, start: LIVE["app"](environ, start)),
        threaded=True,
        request_handler=_Handler,
    )
    base = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "development",
            "SECRET_KEY": "browser-test",
            "PUBLIC_URL": base,
            "ALLOWED_HOSTS": ("127.0.0.1",),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'browser.sqlite3'}",
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "SEARCH_INDEX_DIR": str(tmp / "search-index"),
            "NHSUK_FONTS": "system",
            "TASK_BROKER_URL": "memory://",  # a resent task waits there; no worker runs
            "OIDC_ISSUER": oidc_provider.url,
            "OIDC_CLIENT_ID": "safety-pipeline",
            "OIDC_CLIENT_SECRET": "browser-test",
            "OIDC_EMAIL_VERIFIED_CLAIM": "email_verified",
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    # Werkzeug logs every request; keep failures readable.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    LIVE["app"] = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(live_server):
    """The live server's app: add data with `with live_app.app_context(): ...`."""
    return LIVE["app"]


def off_machine(url: str) -> bool:
    """Whether a request for `url` is for anywhere but the live server's host."""
    parts = urlsplit(url)
    return parts.scheme not in LOCAL_SCHEMES and parts.hostname != "127.0.0.1"


class _WatchedBrowser:
    """The browser, whose contexts' pages record CSP violations in `violations` and requests
    for any host but 127.0.0.1 in `off_machine`."""

    def __init__(self, browser):
        self._browser = browser
        self.violations = []
        self.off_machine = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.add_init_script(script=CSP_REPORTER)
        context.on("page", self._watch)
        # Fired as a request is made, before the host resolver refuses it.
        context.on("request", self._record)
        return context

    def _record(self, request):
        if off_machine(request.url):
            self.off_machine.append(request.url)

    def _watch(self, page):
        def seen(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                self.violations.append(f"{page.url}: {message.text}")

        page.on("console", seen)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_violations(browser):
    """Fail the test if any page it opened broke the Content Security Policy."""
    browser.violations.clear()
    yield
    if browser.violations:
        found = "\n".join(dict.fromkeys(browser.violations))
        pytest.fail(f"Content Security Policy violations:\n{found}", pytrace=False)


@pytest.fixture(autouse=True)
def nothing_leaves_the_machine(browser):
    """Fail the test if any page it opened asked for a host other than 127.0.0.1."""
    browser.off_machine.clear()
    yield
    if browser.off_machine:
        found = "\n".join(dict.fromkeys(browser.off_machine))
        pytest.fail(f"Pages asked for hosts other than 127.0.0.1:\n{found}", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole session, watched for CSP violations."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get install -y chromium`", pytrace=False)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield _WatchedBrowser(chromium)
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh page (own cookies) that can reach only the live server."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(5_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def check_accessibility():
    """Return check(page, state=""): assert axe finds no WCAG 2.2 AA violations.

    axe runs once per distinct page, keyed by URL path (no query string) plus `state`, so a
    journey may call it on every step without paying for repeat visits.
    """
    axe = Axe()
    checked = set()

    def check(page, state=""):
        key = urlsplit(page.url).path + state
        if key in checked:
            return
        checked.add(key)
        results = axe.run(page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        if violations:
            pytest.fail(f"axe found violations on {key}:\n{_describe(violations)}", pytrace=False)

    return check


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(
                "    "
                + ", ".join(" ".join(t) if isinstance(t, list) else t for t in node["target"])
            )
    return "\n".join(lines)
