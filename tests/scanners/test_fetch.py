"""fetch_feed against a real server on 127.0.0.1: statuses, redirects, caps and time limits."""

import gzip
import socket
import threading
import zlib
from datetime import timedelta

import pytest

from scanners import FetchSettings, fetch_feed, parse_feed

from .conftest import LOOPBACK, NOW, send

SETTINGS = FetchSettings(allowed_networks=LOOPBACK)
MB = 1024 * 1024


def fetch(url, settings=SETTINGS, **options):
    return fetch_feed(url, settings=settings, clock=lambda: NOW, **options)


@pytest.mark.parametrize(
    ("fixture", "version", "first_title"),
    [
        ("mhra_dsu.rss091.xml", "rss091n", "Valproate: new safety and educational materials"),
        ("bmjqs_etoc.rss10.xml", "rss10", "Failure to rescue after deterioration"),
        ("pubmed_medication_errors.rss20.xml", "rss20", "Electronic prescribing and medication"),
        ("nice_guidance.atom.xml", "atom10", "Sepsis: recognition, diagnosis"),
    ],
)
def test_fetches_and_parses_each_feed_format(server, fixture, version, first_title):
    url = server.feed("/feed", fixture)

    result = fetch(url)
    parsed = parse_feed(
        result.body, feed_url=url, fetched_at=result.fetched_at, headers=result.headers
    )

    assert result.ok and result.status == 200 and result.final_url == url
    assert result.fetched_at == NOW
    assert parsed.format == version and not parsed.rejected
    assert parsed.entries[0].title.startswith(first_title)
    assert parsed.errors == []


def test_sends_a_clear_user_agent_and_asks_for_feeds(server):
    url = server.feed("/feed", "pubmed_medication_errors.rss20.xml")

    fetch(url)

    (headers,) = server.hits("/feed")
    assert headers["user-agent"].startswith("SafetyPipeline/0.1 (+horizon scanning")
    assert "application/rss+xml" in headers["accept"]
    assert "application/atom+xml" in headers["accept"]
    assert "if-none-match" not in headers and "if-modified-since" not in headers


def test_conditional_get_sends_validators_and_handles_304(server):
    etag, modified = '"dsu-2026-03"', "Mon, 02 Mar 2026 06:00:00 GMT"

    def conditional(handler):
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, {"ETag": etag})
        else:
            send(handler, 200, {"ETag": etag, "Last-Modified": modified}, b"<rss/>")

    url = server.route("/feed", conditional)

    first = fetch(url)
    second = fetch(url, etag=first.etag, last_modified=first.last_modified)

    assert (first.status, first.etag, first.last_modified) == (200, etag, modified)
    assert second.not_modified and second.ok and second.body is None
    assert (second.status, second.etag, second.last_modified) == (304, etag, modified)
    sent = server.hits("/feed")[1]
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == modified


def test_follows_up_to_five_redirects_and_reports_the_final_url(server):
    final = server.feed("/final", "nice_guidance.atom.xml")
    for hop in range(5, 0, -1):
        target = final if hop == 5 else server.url(f"/hop{hop + 1}")
        server.redirect(f"/hop{hop}", target, status=301 if hop % 2 else 307)

    result = fetch(server.url("/hop1"))

    assert result.ok and result.status == 200 and result.final_url == final
    assert result.url == server.url("/hop1")


def test_more_than_five_redirects_is_an_error(server):
    for hop in range(1, 8):
        server.redirect(f"/hop{hop}", server.url(f"/hop{hop + 1}"))
    server.feed("/hop8", "nice_guidance.atom.xml")

    result = fetch(server.url("/hop1"))

    assert result.error_kind == "redirects" and result.body is None
    assert "more than 5 times" in result.error
    assert server.hits("/hop7") == [] and server.hits("/hop8") == []


def test_a_redirect_loop_is_an_error(server):
    server.redirect("/a", server.path("/b"))  # relative Location headers work too
    server.redirect("/b", server.url("/a"))

    result = fetch(server.url("/a"))

    assert result.error_kind == "redirects" and "loop" in result.error
    assert len(server.hits("/a")) == 1 and len(server.hits("/b")) == 1


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://ftp.example.org/feed.xml", "javascript:alert(1)"],
)
def test_a_redirect_to_another_scheme_is_refused(server, location):
    url = server.redirect("/feed", location)

    result = fetch(url)

    assert result.error_kind == "redirects"
    assert "only http and https" in result.error


@pytest.mark.parametrize(
    "url",
    ["ftp://ftp.example.org/feed.xml", "file:///etc/passwd", "gopher://x/", "not a url", ""],
)
def test_only_http_and_https_are_fetched(url, connections):
    result = fetch(url)

    assert result.error_kind == "scheme" and result.body is None
    assert connections == []


@pytest.mark.parametrize(("status", "gone"), [(500, False), (404, False), (410, True)])
def test_http_errors_are_results_not_exceptions(server, status, gone):
    url = server.respond("/feed", status, body=b"<html>error page</html>")

    result = fetch(url)

    assert not result.ok and result.error_kind == "http" and result.status == status
    assert result.gone is gone and result.body is None
    assert str(status) in result.error


def test_410_says_the_feed_is_gone(server):
    result = fetch(server.respond("/feed", 410))

    assert result.gone and "gone for good" in result.error


def test_429_retry_after_in_seconds_uses_the_clock(server):
    url = server.respond("/feed", 429, {"Retry-After": "120"})

    result = fetch(url)

    assert result.error_kind == "http" and result.status == 429
    assert result.retry_after == NOW + timedelta(seconds=120)


def test_503_retry_after_as_an_http_date(server):
    url = server.respond("/feed", 503, {"Retry-After": "Mon, 02 Mar 2026 10:30:00 GMT"})

    result = fetch(url)

    assert result.retry_after == NOW + timedelta(minutes=90)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("soon", None), ("Sun, 01 Mar 2026 09:00:00 GMT", NOW), ("", None)],
)
def test_unusable_or_past_retry_after(server, value, expected):
    url = server.respond("/feed", 429, {"Retry-After": value} if value else {})

    assert fetch(url).retry_after == expected


def test_gzip_and_deflate_bodies_are_decoded(server):
    body = b"<rss version='2.0'><channel><title>Drug Safety Update</title></channel></rss>"
    gz = server.respond("/gz", headers={"Content-Encoding": "gzip"}, body=gzip.compress(body))
    raw = zlib.compressobj(wbits=-15)  # raw deflate, as some servers send it
    deflated = raw.compress(body) + raw.flush()
    df = server.respond("/df", headers={"Content-Encoding": "deflate"}, body=deflated)
    zl = server.respond("/zl", headers={"Content-Encoding": "deflate"}, body=zlib.compress(body))

    assert fetch(gz).body == fetch(df).body == fetch(zl).body == body


def _endless(size, piece=64 * 1024):
    chunk = b"<!-- " + b"x" * (piece - 9) + b" -->"
    return lambda: (chunk for _ in range(size // piece))


def test_a_50_mb_body_stops_at_the_15_mb_cap_without_reading_the_rest(server):
    served = server.stream("/huge", _endless(50 * MB))

    result = fetch(served["url"], settings=FetchSettings(allowed_networks=LOOPBACK))

    assert result.error_kind == "too_large" and result.body is None
    assert "15 MB" in result.error
    assert served["done"].wait(5)
    assert served["sent"] < 30 * MB  # what socket buffers held beyond the cap, no more


def test_a_declared_length_over_the_cap_is_refused_before_reading(server):
    url = server.respond("/big", body=b"x" * 2048)

    result = fetch(url, settings=FetchSettings(allowed_networks=LOOPBACK, max_bytes=1024))

    assert result.error_kind == "too_large" and result.status == 200


def _gzip_bomb(compressed_size):
    """Gzip of zeros, about 1,000:1: a header, then one repeated full-flush block."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MB)
    head = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    block = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    assert squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH) == block
    burst = block * 64  # written 64 blocks at a time
    return lambda: (head, *(burst for _ in range(compressed_size // len(burst))))


def test_a_gzip_bomb_is_refused_without_inflating_it(server):
    bomb = _gzip_bomb(10 * MB)  # 10 MB on the wire, about 10 GB inflated
    served = server.stream("/bomb", bomb, {"Content-Encoding": "gzip"})

    result = fetch(served["url"])

    assert result.error_kind == "too_large" and "inflates to more than 15 MB" in result.error
    assert served["done"].wait(5)
    assert served["sent"] < 10 * MB


def test_a_server_that_never_answers_times_out(server):
    stalled = threading.Event()

    def stall(handler):
        stalled.set()
        server.released.wait(10)

    url = server.route("/stall", stall)

    result = fetch(url, settings=FetchSettings(allowed_networks=LOOPBACK, total_timeout=0.3))

    assert stalled.is_set()
    assert result.error_kind == "timeout" and "0.3 s" in result.error


def test_a_slow_drip_hits_the_whole_fetch_deadline(server):
    # Each byte arrives well within any read timeout; only the total deadline stops it.
    def drip():
        while not server.released.wait(0.02):
            yield b" "

    served = server.stream("/drip", drip)

    result = fetch(
        served["url"], settings=FetchSettings(allowed_networks=LOOPBACK, total_timeout=0.3)
    )

    assert result.error_kind == "timeout" and result.body is None


def test_a_refused_connection_is_a_connection_error(feed_server):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now

    result = fetch(f"http://127.0.0.1:{port}/feed")

    assert result.error_kind == "connection" and result.status is None


def test_a_mistyped_allowed_network_fails_when_the_settings_are_made():
    with pytest.raises(ValueError):
        FetchSettings(allowed_networks=("127.0.0.0/33",))
