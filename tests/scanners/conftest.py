"""A real HTTP server on 127.0.0.1 for the scanner tests, and guards that prove no connection.

One threaded server serves the whole session; each test registers its routes under its own
path prefix through the `server` fixture, so tests never see each other's requests. Routes
are small functions of the request handler: fixed responses, fixture files, redirects,
streams that stop when the client hangs up, and stalls that wait on an event (released when
the test ends) rather than sleeping.
"""

import ipaddress
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LOOPBACK = ("127.0.0.0/8",)

Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection; streams end at close

    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = self.path.split("?", 1)[0]
        self.server.feed_server.record(path, self.headers)
        route = self.server.feed_server.routes.get(path)
        try:
            if route is None:
                send(self, 404, body=b"not here")
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as the size caps mean it should

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


def send(handler, status=200, headers=None, body=b""):
    """Write a whole response with a Content-Length."""
    handler.send_response(status)
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class FeedServer:
    """The session's server: routes by exact path, and a log of the requests it received."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.feed_server = self
        self.port = self.httpd.server_address[1]
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()

    def record(self, path, headers) -> None:
        with self._lock:
            self.requests.append((path, {k.lower(): v for k, v in headers.items()}))


class Site:
    """One test's view of the server: its own path prefix, routes and request log."""

    def __init__(self, server: FeedServer) -> None:
        self._server = server
        self.prefix = f"/{uuid.uuid4().hex[:12]}"
        self.port = server.port
        self.released = threading.Event()  # set at teardown: stalled routes give up

    def path(self, path: str) -> str:
        return self.prefix + path

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{self.prefix}{path}"

    def route(self, path: str, handler: Route) -> str:
        self._server.routes[self.path(path)] = handler
        return self.url(path)

    def respond(self, path, status=200, headers=None, body=b"") -> str:
        return self.route(path, lambda h: send(h, status, headers, body))

    def feed(self, path, fixture, content_type="application/rss+xml; charset=utf-8") -> str:
        body = (FEEDS / fixture).read_bytes()
        return self.respond(path, headers={"Content-Type": content_type}, body=body)

    def redirect(self, path, location, status=302) -> str:
        return self.respond(path, status, {"Location": location})

    def stream(self, path, chunks: Callable[[], Iterable[bytes]], headers=None) -> dict:
        """Serve chunks until they end or the client hangs up; report what was sent."""
        report = {"sent": 0, "done": threading.Event()}

        def handler(h):
            h.send_response(200)
            for name, value in (headers or {"Content-Type": "application/rss+xml"}).items():
                h.send_header(name, value)
            h.end_headers()
            try:
                for chunk in chunks():
                    h.wfile.write(chunk)
                    report["sent"] += len(chunk)
                    if self.released.is_set():
                        break
            finally:
                report["done"].set()

        report["url"] = self.route(path, handler)
        return report

    def hits(self, path: str) -> list[dict[str, str]]:
        """Return the headers of each request the server received for this path."""
        full = self.path(path)
        return [headers for seen, headers in self._server.requests if seen == full]


@pytest.fixture(scope="session")
def feed_server():
    server = FeedServer()
    thread = threading.Thread(
        target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def server(feed_server):
    site = Site(feed_server)
    yield site
    site.released.set()
    for path in [p for p in feed_server.routes if p.startswith(site.prefix)]:
        del feed_server.routes[path]


@pytest.fixture
def clock():
    return lambda: NOW


@pytest.fixture
def connections(monkeypatch):
    """Record every outgoing TCP connection; refuse (without opening) any not to loopback.

    A test can then prove a refused address was never contacted: `connections` lists the
    (host, port) of every attempt, and nothing but 127.0.0.1 can be reached at all.
    """
    attempts: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        attempts.append((address[0], address[1]))
        try:
            loopback = ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise AssertionError(f"the test tried to connect to {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


@pytest.fixture
def no_system_dns(monkeypatch):
    """Fail any host-name lookup through the system: only the fake resolver may answer."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "system DNS is off in this test") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


class FakeResolver:
    """Maps names to addresses; answers may change from one lookup to the next."""

    def __init__(self, answers: dict[str, list[list[str]] | list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.answers[host]
        if answer and isinstance(answer[0], list):
            # A sequence of answers: one per lookup, the last repeated (DNS rebinding).
            seen = self.lookups.count(host)
            return answer[min(seen, len(answer)) - 1]
        return answer


@pytest.fixture
def fake_resolver():
    return FakeResolver
