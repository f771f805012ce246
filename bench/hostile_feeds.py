"""Time and measure parsing of hostile feeds: what one document can cost a scan or a web request.

Each case is a document no bigger than the 15 MB download cap, parsed by `parse_feed` in a
fresh process (so peak memory is that case's own). "check" and "check-bare-amp" serve the
tiny-entries documents on a free 127.0.0.1 port and run the portal's "Check feed"
(`services.check_feed`, what a lead's web request runs) on a fresh SQLite database. For each
case it prints the wall time, the peak RSS of the calling process, the CPU seconds and peak
RSS of the sandboxed parser child (when the code has one), and what the result said. A case
still running after --timeout seconds is stopped and reported so.

Run: ``python bench/hostile_feeds.py [--timeout 300] [--case NAME ...]``. To measure older
code, put its checkout first: ``PYTHONPATH=/path/to/old/checkout python bench/hostile_feeds.py``.
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)

CAP = 15 * 1024 * 1024
HEAD = b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>T</title>"
TAIL = b"</channel></rss>"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ITEM = b"<item><title>x</title>"
END_ITEM = b"</description></item>"


def tiny_entries(extra_at_end=b""):
    item = b"<item><title>x</title></item>"
    count = (CAP - len(HEAD) - len(TAIL) - len(extra_at_end)) // len(item)
    return HEAD + item * count + extra_at_end + TAIL


def filled(piece, before=b"", after=b"<item><title>x</title></item>"):
    """The channel filled to the cap with `piece`, between `before` and `after`."""
    count = (CAP - len(HEAD) - len(TAIL) - len(before) - len(after)) // len(piece)
    return HEAD + before + piece * count + after + TAIL


def attributes():
    names = b"".join(b"a%d='' " % i for i in range(1_300_000))
    return HEAD + ITEM + b"<category " + names + b"/></item>" + TAIL


def billion_laughs():
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    dtd = "<!DOCTYPE rss [\n" + "\n".join(levels) + "\n]>\n"
    return (dtd + "<rss version='2.0'><channel><title>&l9;</title></channel></rss>").encode()


CASES = {
    "tiny-entries": ("15 MB of <item><title>x</title></item>", tiny_entries),
    "tiny-entries-bare-amp": (
        "the same, one bare & at the end (strict parse fails last: loose parse of it all)",
        lambda: tiny_entries(b"<title>Fish & chips</title>"),
    ),
    "empty-elements": ("3.7 million <x/> in the channel", lambda: filled(b"<x/>")),
    "empty-elements-bare-amp": (
        "the same after a bare & (feedparser's loose parser)",
        lambda: filled(b"<x/>", before=b"<title>Fish & chips</title>"),
    ),
    "categories": (
        "650,000 <category> in one item",
        lambda: filled(b"<category>c</category>", before=ITEM, after=b"</item>"),
    ),
    "attributes": ("1.3 million attributes on one element", attributes),
    "references": (
        "3 million &amp; in one description",
        lambda: filled(b"&amp;", before=ITEM + b"<description>", after=END_ITEM),
    ),
    "long-text": (
        "one 15 MB description",
        lambda: filled(b"word ", before=ITEM + b"<description>", after=END_ITEM),
    ),
    "billion-laughs": ("nested entities, 10^9 'lol's", billion_laughs),
}


def watch_child():
    """Wrap the sandbox call (when there is one) to learn what the parser child used."""
    import scanners.parse

    seen = {}
    run_limited = getattr(scanners.parse, "run_limited", None)
    if run_limited is None:
        return seen
    from scanners.sandbox import with_usage

    def measured(function, *args, limits):
        value, rss, cpu = run_limited(with_usage, function, *args, limits=limits)
        seen.update(child_rss=rss, child_cpu=cpu)
        return value

    scanners.parse.run_limited = measured
    return seen


def run_case(name):
    from scanners import parse_feed

    document = CASES[name][1]()
    seen = watch_child()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    parsed = parse_feed(
        document,
        feed_url="https://feeds.example/hostile",
        fetched_at=NOW,
        headers={"content-type": "application/rss+xml"},
    )
    wall = time.perf_counter() - started
    return dict(
        seen,
        wall=wall,
        entries=len(parsed.entries),
        said=parsed.errors[:2],
        baseline=baseline,
        peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = self.server.document
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


CHECKS = {"check": "tiny-entries", "check-bare-amp": "tiny-entries-bare-amp"}


def run_check(name):
    """'Check feed' as a lead's web request makes it, on one of the cases."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.horizon import services

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.document = CASES[CHECKS[name]][1]()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    directory = tempfile.mkdtemp(prefix="hostile-bench-")
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/portal.sqlite3",
                "SECRET_KEY": "hostile-bench",
                "ENV_NAME": "development",
                "SCANNER_ALLOWED_NETWORKS": ("127.0.0.1/32",),
            }
        )
        with app.app_context():
            upgrade()
            seen = watch_child()
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
            started = time.perf_counter()
            check = services.check_feed(url)
            wall = time.perf_counter() - started
        return dict(
            seen,
            wall=wall,
            entries=check.entry_count,
            said=[check.error] if check.error else check.problems[:2],
            baseline=baseline,
            peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        )
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        shutil.rmtree(directory, ignore_errors=True)


def report(name, outcome, timeout):
    if outcome is None:
        print(f"{name:22} stopped after {timeout:g} s (still parsing)")
        return
    mb = 2**20
    child = ""
    if "child_rss" in outcome:
        child = (
            f" | parser child {outcome['child_cpu']:.1f} s CPU, {outcome['child_rss'] / mb:.0f} MB"
        )
    print(
        f"{name:22} {outcome['wall']:6.1f} s | caller peak {outcome['peak'] / mb:5.0f} MB "
        f"(before the parse {outcome['baseline'] / mb:.0f} MB){child} | "
        f"{outcome['entries']} entries | {' / '.join(s[:90] for s in outcome['said'])}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--case", action="append", choices=[*CASES, *CHECKS])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one case in this process
    args = parser.parse_args()
    if args.one:
        outcome = run_check(args.one) if args.one in CHECKS else run_case(args.one)
        print(json.dumps(outcome))
        return
    for name in args.case or [*CASES, *CHECKS]:
        about = CASES[name][0] if name in CASES else f"Check feed on {CHECKS[name]}"
        print(f"# {name}: {about}")
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", name],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=True,
            )
            outcome = json.loads(done.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            outcome = None
        report(name, outcome, args.timeout)


if __name__ == "__main__":
    main()
