"""'Check feed' on a hostile feed: the page answers at once with a clear message, because
feedparser reads only the first 500 entries, in a child process within limits."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.horizon.models import Feed
from tests.feed_server import Reply, rss


@pytest.mark.parametrize("bare_ampersand", [False, True], ids=["well-formed", "bare-ampersand"])
def test_checking_a_feed_of_50000_entries_reads_the_first_500_and_says_so(
    lead_client, feed_server, query, handed_over, bare_ampersand
):
    body = rss([{"title": f"Alert {n}", "guid": f"alert:{n}"} for n in range(50_000)])
    if bare_ampersand:  # feedparser's loose parser, which used to read all 50,000 again
        body = body.replace(b"<title>Alert 3</title>", b"<title>Fish & chips</title>")
    url = feed_server.route(Reply(body))

    response = lead_client.post("/horizon/feeds/new", data={"url": url, "check": "1"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "What the feed holds" in html
    assert "The feed held 50,000 entries; only the first 500 were read." in html
    assert ("not well-formed XML" in html) is bare_ampersand
    [document] = handed_over
    assert document.count(b"<item>") == 500
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(Feed.id)))) == 0
