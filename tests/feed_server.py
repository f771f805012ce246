"""A real HTTP server on 127.0.0.1 for feed tests, and small RSS and Atom documents to serve.

    server = FeedServer().start()
    url = server.route(Reply(rss([...]), etag='"v1"'))   # a new path; answers in turn
    server.reroute(url, Reply(status=500))              # change what it answers
    server.stop()

Each route answers its replies in turn and repeats the last. A reply with an ETag answers a
matching If-None-Match with 304. A hanging reply accepts the request and answers nothing, so
the fetcher's own timeout ends it (keep the timeout short in that test); a held reply answers
once the test sets its event. Nothing here ever
connects anywhere: it only listens on 127.0.0.1.
"""

import itertools
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HANG_LIMIT = 10  # seconds a hanging reply waits at most, so no thread outlives a stuck test


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = RSS_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    hang: bool = False
    hold: threading.Event | None = None  # answer only once this is set


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        server: FeedServer = self.server.owner
        path = urlsplit(self.path).path
        reply = server._next_reply(path, dict(self.headers.items()))
        if reply is None:
            return self._answer(404, b"Not found", {"Content-Type": "text/plain"})
        if reply.hang:
            server._release.wait(HANG_LIMIT)
            self.close_connection = True
            return None
        if reply.hold is not None:
            reply.hold.wait(HANG_LIMIT)
        headers = {"Content-Type": reply.content_type, **reply.headers}
        if reply.etag:
            headers["ETag"] = reply.etag
            if self.headers.get("If-None-Match") == reply.etag:
                return self._answer(304, b"", {"ETag": reply.etag})
        return self._answer(reply.status, reply.body, headers)

    def _answer(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class FeedServer:
    def __init__(self):
        self._routes: dict[str, list[Reply]] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, request headers)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> "FeedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._thread.join(timeout=5)
        self._httpd.server_close()

    def route(self, *replies: Reply, name: str = "feed") -> str:
        """Serve `replies` in turn at a new path; return its URL."""
        url = f"{self.base}/{name}-{next(self._counter)}.xml"
        self.reroute(url, *replies)
        return url

    def reroute(self, url: str, *replies: Reply) -> None:
        with self._lock:
            self._routes[urlsplit(url).path] = list(replies)

    def hits(self, url: str) -> list[dict[str, str]]:
        """The request headers of each request made to `url`."""
        path = urlsplit(url).path
        return [headers for p, headers in self.requests if p == path]

    def _next_reply(self, path, headers) -> Reply | None:
        with self._lock:
            self.requests.append((path, headers))
            replies = self._routes.get(path)
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]


def rss(entries, title="Test feed", link="https://example.org/") -> bytes:
    """An RSS 2.0 document; each entry a dict of title, link, guid, doi, date, summary,
    authors (any may be left out)."""
    items = []
    for e in entries:
        parts = [f"<title>{escape(e['title'])}</title>" if "title" in e else ""]
        if "link" in e:
            parts.append(f"<link>{escape(e['link'])}</link>")
        if "guid" in e:
            parts.append(f'<guid isPermaLink="false">{escape(e["guid"])}</guid>')
        if "doi" in e:
            parts.append(f"<dc:identifier>doi:{escape(e['doi'])}</dc:identifier>")
        if "date" in e:
            parts.append(f"<pubDate>{format_datetime(e['date'])}</pubDate>")
        if "summary" in e:
            parts.append(f"<description>{escape(e['summary'])}</description>")
        for author in e.get("authors", ()):
            parts.append(f"<dc:creator>{escape(author)}</dc:creator>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        "<description>Test</description>" + "".join(items) + "</channel></rss>"
    ).encode()


def atom(entries, title="Test Atom feed") -> bytes:
    """An Atom 1.0 document; entries as for `rss` (guid becomes the entry id)."""
    items = []
    for e in entries:
        parts = [f"<title>{escape(e.get('title', ''))}</title>"]
        parts.append(f"<id>{escape(e.get('guid', e.get('link', 'urn:x')))}</id>")
        if "link" in e:
            parts.append(f'<link rel="alternate" href="{escape(e["link"])}"/>')
        if "date" in e:
            parts.append(f"<updated>{e['date'].isoformat()}</updated>")
        if "summary" in e:
            parts.append(f'<summary type="html">{escape(e["summary"])}</summary>')
        items.append("<entry>" + "".join(parts) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test</id><updated>2026-03-01T00:00:00Z</updated>"
        + "".join(items)
        + "</feed>"
    ).encode()
