"""Impossible dates (month 13, day 45, hour 99 …) are stored as guessed, like the year 9999."""

import pytest

from scanners import parse_feed
from scanners.dates import impossible_date

from .conftest import NOW

IMPOSSIBLE = [
    "2024-13-45T99:99:99Z",
    "2023-02-29",
    "2024-06-31T10:00:00Z",
    "2024-12-31T25:00:00Z",
    "2024-06-01T10:60:00+01:00",
    "2024-06-01T10:00:00+25:00",
    "20241345",
    "2024-400",
    "2024-W60-1",
]
POSSIBLE = [
    "2024-02-29T10:00:00Z",
    "2024-12-31T23:59:60Z",
    "2024-06-01T10:00:00.123+01:00",
    "2024-123",
    "2024-W23-2",
    "2024-06",
    "Mon, 02 Mar 2026 08:30:00 +0100",
]


@pytest.mark.parametrize(
    ("text", "impossible"), [(t, True) for t in IMPOSSIBLE] + [(t, False) for t in POSSIBLE]
)
def test_impossible_date(text, impossible):
    assert impossible_date(text) is impossible


def test_an_impossible_date_is_the_fetch_time_marked_guessed_and_the_next_date_is_used():
    items = "".join(
        f"<item><guid>{n}</guid><title>Alert {n}</title><pubDate>{text}</pubDate></item>"
        for n, text in enumerate(IMPOSSIBLE)
    )
    fallback = (
        "<entry><id>a</id><title>Alert</title><published>2024-13-45T99:99:99Z</published>"
        "<updated>2026-02-27T10:00:00Z</updated></entry>"
    )
    rss = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()
    atom = f"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>{fallback}</feed>".encode()

    guessed = parse_feed(rss, feed_url="https://f.example/", fetched_at=NOW).entries
    (updated,) = parse_feed(atom, feed_url="https://f.example/", fetched_at=NOW).entries

    assert [(e.published_at, e.published_guessed) for e in guessed] == [(NOW, True)] * len(
        IMPOSSIBLE
    )
    assert updated.published_at.isoformat() == "2026-02-27T10:00:00+00:00"
    assert not updated.published_guessed
