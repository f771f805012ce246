"""The demo's feeds: real sources at their real addresses, and an offline mirror of them.

`flask demo` registers `DEMO_FEEDS`. When `DEMO_FEED_MIRROR` is set (scripts/run.sh sets it
unless told to go online), `portal/cli.py` puts `mirror_addresses` into the `FEED_MIRRORS`
setting as the app starts, so fetches of exactly these addresses go instead to the mirror: a
small threaded HTTP server on 127.0.0.1 (`flask demo-feeds serve`) serving the realistic copies
kept in `feed_copies/`. Only those fetches may reach the mirror's address past the scanners'
guard against private addresses; every other feed is fetched from the internet as usual.
"""

import hashlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parent / "feed_copies"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RDF = "application/rdf+xml; charset=utf-8"
# PubMed makes an RSS address per saved search; see the README for each search's terms.
PUBMED_RSS = "https://pubmed.ncbi.nlm.nih.gov/rss/search/{}/?limit=50&utm_campaign=pubmed-2&fc={}"


@dataclass(frozen=True)
class DemoFeed:
    name: str
    url: str
    file: str  # in feed_copies/
    content_type: str
    description: str


DEMO_FEEDS = (
    DemoFeed(
        "PubMed: maternity safety",
        PUBMED_RSS.format("1qM7aT3nYbV0cXp4KzR8sWd2LfG6hJ9uE5oNiC1vBmQe", "20261002091500"),
        "pubmed-maternity-safety.xml",
        RSS,
        "PubMed search: (maternity OR obstetric* OR neonatal) AND (patient safety OR "
        "adverse event* OR harm), newest first.",
    ),
    DemoFeed(
        "PubMed: medication errors",
        PUBMED_RSS.format("1Zr4pKx8WcN2vL6qTb0sYh3jDf7gM5uA9eRoIw1nVtEk", "20261002091612"),
        "pubmed-medication-errors.xml",
        RSS,
        "PubMed search: medication errors[MeSH] OR (medication AND (error* OR incident*)), "
        "newest first.",
    ),
    DemoFeed(
        "PubMed: deterioration",
        PUBMED_RSS.format("1Hb2nRw6QeT9yJ3kXc5vLp8sMd0fZg4uA7oNiK1tBqWr", "20261002091730"),
        "pubmed-deterioration.xml",
        RSS,
        "PubMed search: (clinical deterioration OR early warning score* OR NEWS2 OR sepsis "
        "recognition) AND (hospital OR community), newest first.",
    ),
    DemoFeed(
        "PubMed: diagnostic error",
        PUBMED_RSS.format("1Tc5vQm0HwY8rN2kLb6xJp3sFd9gZe7uA4oRiM1nKtVs", "20261002091844"),
        "pubmed-diagnostic-error.xml",
        RSS,
        "PubMed search: diagnostic errors[MeSH] OR missed diagnos* OR delayed diagnos*, "
        "newest first.",
    ),
    DemoFeed(
        "NICE: published guidance",
        "https://www.nice.org.uk/rss/nicepdfs.xml",
        "nice-guidance.xml",
        RSS,
        "New and updated NICE guidelines, quality standards and technology appraisals.",
    ),
    DemoFeed(
        "MHRA Drug Safety Update",
        "https://www.gov.uk/drug-safety-update.atom",
        "mhra-drug-safety-update.atom",
        ATOM,
        "The MHRA's monthly bulletin of safety advice on medicines (a GOV.UK Atom feed).",
    ),
    DemoFeed(
        "HSSIB investigation reports",
        "https://www.hssib.org.uk/patient-safety-investigations/feed/",
        "hssib-reports.xml",
        RSS,
        "Reports of the Health Services Safety Investigations Body's national investigations.",
    ),
    DemoFeed(
        "BMJ Quality & Safety",
        "https://qualitysafety.bmj.com/rss/current.xml",
        "bmj-quality-safety.xml",
        RDF,
        "The journal's current issue and online-first papers.",
    ),
    DemoFeed(
        "medRxiv: health policy",
        "https://connect.medrxiv.org/medrxiv_xml.php?subject=Health_Policy",
        "medrxiv-health-policy.xml",
        RDF,
        "New preprints in medRxiv's health policy subject area (not peer reviewed).",
    ),
)
_BY_FILE = {feed.file: feed for feed in DEMO_FEEDS}


def mirror_addresses(mirror: str) -> dict[str, str]:
    """Map each demo feed's real address to its copy on the mirror at base URL `mirror`."""
    return {feed.url: f"{mirror.rstrip('/')}/{feed.file}" for feed in DEMO_FEEDS}


class MirrorHandler(BaseHTTPRequestHandler):
    """Serve the demo feed copies with an ETag, answering a matching If-None-Match with 304."""

    server_version = "DemoFeedMirror/1"

    def do_GET(self):
        feed = _BY_FILE.get(urlsplit(self.path).path.lstrip("/"))
        if feed is None:
            self.send_error(404, "Not a demo feed")
            return
        body = (FIXTURES / feed.file).read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", feed.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # quiet: the portal's own log says what was fetched
        pass


def make_mirror(host: str = "127.0.0.1", port: int = 5081) -> ThreadingHTTPServer:
    """Return the mirror server, bound but not yet serving (call serve_forever)."""
    server = ThreadingHTTPServer((host, port), MirrorHandler)
    server.daemon_threads = True
    return server
