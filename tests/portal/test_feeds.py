"""Leads and admins add, check, edit, pause and resume feeds, and read what scanning found."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed, ScannedItem, Tombstone
from tests.feed_server import ATOM_TYPE, Reply, atom, rss
from tests.portal.horizon_helpers import PUBLISHED, add_feed, article, count, feed_state, scan

NATO = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()
WEB_PAGE = b"<!DOCTYPE html><html><head><title>Journal</title></head><body><p>Hi</p></body></html>"


def feeds(query):
    return query(lambda: [(f.name, f.url) for f in db.session.scalars(sa.select(Feed))])


def events(query, action):
    return query(
        lambda: [
            (e.object_id, e.details)
            for e in db.session.scalars(sa.select(AuditEvent).filter_by(action=action))
        ]
    )


def page(response):
    return response.get_data(as_text=True)


def test_a_lead_checks_a_feed_and_sees_what_it_holds_before_saving(
    lead_client, clock, feed_server, query
):
    entries = [article(n, title=f"Entry title number {n:02d} " + "x" * n) for n in range(12)]
    url = feed_server.route(Reply(rss(entries, title="Journal of Safer Care")))

    response = lead_client.post("/horizon/feeds/new", data={"url": url, "check": "1"})

    html = page(response)
    assert response.status_code == 200
    assert "What the feed holds" in html and "Journal of Safer Care" in html
    assert "RSS 2.0" in html and "The first 10 entries" in html
    assert "Entry title number 09" in html and "Entry title number 10" not in html
    assert 'value="Journal of Safer Care"' in html  # the name is filled in from the feed
    assert "Save feed" in html
    assert feeds(query) == []  # checking saves nothing


def test_saving_a_checked_feed_adds_it_due_at_once(lead_client, clock, feed_server, query):
    url = feed_server.route(Reply(atom([article(1)], title="Safety Atom"), content_type=ATOM_TYPE))
    form = {"url": f"  {url} ", "name": "", "description": "Weekly alerts", "interval": "180"}

    response = lead_client.post("/horizon/feeds/new", data={**form, "save": "1"})

    assert response.status_code == 302
    [(name, stored_url)] = feeds(query)
    assert (name, stored_url) == ("Safety Atom", url)
    feed_id = int(response.headers["Location"].rsplit("/", 1)[1])
    feed = feed_state(query, feed_id)
    assert (feed.format, feed.fetch_interval_minutes, feed.description) == (
        "atom10",
        180,
        "Weekly alerts",
    )
    assert (feed.next_fetch_at, feed.created_by_id, feed.status.value) == (
        clock.now,
        lead_client.user.id,
        "new",
    )
    assert events(query, "feed.added") == [(str(feed_id), {"name": "Safety Atom", "url": url})]
    html = page(lead_client.get(response.headers["Location"]))
    assert "Feed &#39;Safety Atom&#39; added. The worker fetches it within a minute." in html
    assert "Not fetched yet" in html and "This feed has not been fetched yet." in html


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the feed&#39;s address"),
        ("ftp://ftp.example.org/feed.xml", "The feed address must start with http:// or https://"),
        ("javascript:alert(1)", "Enter a feed address like https://www.example.org/feed.xml"),
        ("not a web address", "Enter a feed address like https://www.example.org/feed.xml"),
        ("https://", "Enter a feed address like https://www.example.org/feed.xml"),
        (
            "https://example.org:port/feed",
            "Enter a feed address like https://www.example.org/feed.xml",
        ),
    ],
)
@pytest.mark.parametrize("button", ["check", "save"])
def test_bad_addresses_get_a_clear_message_and_nothing_is_saved(
    lead_client, query, feed_server, url, message, button
):
    response = lead_client.post(
        "/horizon/feeds/new", data={"url": url, "name": "Mine", "description": "Kept", button: "1"}
    )
    html = page(response)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert "Kept</textarea>" in html and 'value="Mine"' in html  # what was typed is kept
    assert feeds(query) == []


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(WEB_PAGE, content_type="text/html"), "This address returned a web page, not a feed"),
        (
            Reply(b"Not here", status=404, content_type="text/plain"),
            "was not found (404): check the address",
        ),
        (Reply(b"", content_type="application/rss+xml"), "returned an empty document, not a feed"),
    ],
)
def test_an_address_that_is_not_a_feed_is_refused_even_on_save(
    lead_client, query, feed_server, reply, message
):
    url = feed_server.route(reply)
    for button in ("check", "save"):
        response = lead_client.post("/horizon/feeds/new", data={"url": url, button: "1"})
        assert response.status_code == 200
        assert message in page(response)
    assert feeds(query) == []


def test_a_feed_already_on_the_list_is_refused(lead_client, app, feed_server, query):
    url = feed_server.route(Reply(rss([article(1)])))
    add_feed(app, url, "Journal one")
    hits = len(feed_server.hits(url))
    for button in ("check", "save"):
        response = lead_client.post("/horizon/feeds/new", data={"url": url, button: "1"})
        assert "This feed is already on the list, as &#39;Journal one&#39;" in page(response)
    assert len(feeds(query)) == 1
    assert len(feed_server.hits(url)) == hits  # refused before fetching


def test_the_feed_list_shows_status_fetches_and_items(app, lead_client, clock, feed_server, query):
    good = add_feed(app, feed_server.route(Reply(rss([article(1), article(2)]))), "Good journal")
    add_feed(app, feed_server.route(Reply(b"", status=500)), "Broken journal")
    add_feed(app, feed_server.route(Reply(rss([]))), "Waiting journal")
    scan(app, good)
    scan(app, good + 1)

    html = page(lead_client.get("/horizon/feeds"))

    assert "3 feeds" in html and "Add a feed" in html
    for text in (
        "Good journal",
        "Broken journal",
        "Waiting journal",
        "OK",
        "Failing",
        "Not fetched yet",
    ):
        assert text in html
    assert "2 March 2026 at 9:00am" in html  # last fetch, in UK time
    assert "2 March 2026 at 10:00am" in html  # next fetch an hour later

    detail = page(lead_client.get(f"/horizon/feeds/{good}"))
    assert "Recent fetches" in detail and "OK (HTTP 200)" in detail
    assert "Insulin prescribing mistakes after elective surgery" in detail
    assert 'DOI <a href="https://doi.org/10.5555/psj.2026.0001"' in detail
    assert "Found in:" in detail and "Dismiss" in detail


def test_scanned_text_is_shown_as_text_only(app, lead_client, clock, feed_server):
    hostile = article(
        1,
        title="<script>alert(1)</script>Evil <b>title</b>",
        summary='<p onclick="steal()">Summary</p><script>alert(2)</script>'
        '<a href="javascript:x()">x</a>',
        link="javascript:alert(3)",
    )
    scan(app, add_feed(app, feed_server.route(Reply(rss([hostile])))))
    html = page(lead_client.get("/horizon/items"))
    assert "alert(" not in html and "onclick" not in html and "javascript:" not in html
    assert "Evil title" in html


def test_edit_a_feed_and_a_new_address_is_checked_first(
    app, lead_client, clock, feed_server, query
):
    first = feed_server.route(Reply(rss([article(1)])))
    feed_id = add_feed(app, first, "Journal")
    scan(app, feed_id)
    form = {
        "url": first,
        "name": "Renamed journal",
        "description": "Now described",
        "interval": "1440",
    }

    response = lead_client.post(f"/horizon/feeds/{feed_id}/edit", data=form)
    assert response.status_code == 302
    feed = feed_state(query, feed_id)
    assert (feed.name, feed.description, feed.fetch_interval_minutes) == (
        "Renamed journal",
        "Now described",
        1440,
    )
    assert events(query, "feed.updated")[-1][1] == {
        "changed": ["description", "fetch_interval_minutes", "name"]
    }

    page_url = feed_server.route(Reply(WEB_PAGE, content_type="text/html"))
    response = lead_client.post(f"/horizon/feeds/{feed_id}/edit", data={**form, "url": page_url})
    assert response.status_code == 200 and "returned a web page, not a feed" in page(response)
    assert feed_state(query, feed_id).url == first  # nothing saved

    moved = feed_server.route(Reply(rss([article(2)])))
    lead_client.post(f"/horizon/feeds/{feed_id}/edit", data={**form, "url": moved})
    feed = feed_state(query, feed_id)
    assert (feed.url, feed.etag, feed.next_fetch_at) == (moved, None, clock.now)

    response = lead_client.post(
        f"/horizon/feeds/{feed_id}/edit", data={**form, "url": moved, "name": ""}
    )
    assert "Enter a name for the feed" in page(response)


def test_pause_and_resume_a_feed(app, admin_client, clock, feed_server, query):
    feed_id = add_feed(app, feed_server.route(Reply(b"", status=500)))
    for _ in range(3):
        scan(app, feed_id)

    admin_client.post(f"/horizon/feeds/{feed_id}/pause")
    feed = feed_state(query, feed_id)
    assert (feed.active, feed.paused_reason) == (False, f"Paused by {admin_client.user.name}.")
    html = page(admin_client.get(f"/horizon/feeds/{feed_id}"))
    assert f"Paused by {admin_client.user.name}." in html and "Resume feed" in html
    assert admin_client.post(f"/horizon/feeds/{feed_id}/scan").status_code == 409

    clock.advance(hours=1)
    admin_client.post(f"/horizon/feeds/{feed_id}/resume")
    feed = feed_state(query, feed_id)
    assert (feed.active, feed.flagged, feed.consecutive_errors) == (True, False, 0)
    assert feed.next_fetch_at == clock.now
    assert len(events(query, "feed.paused")) == len(events(query, "feed.resumed")) == 1


def test_items_are_listed_newest_first_a_page_at_a_time(app, lead_client, clock, feed_server):
    titles = [" ".join(NATO[(n + 7 * k) % 26] for k in range(5)).capitalize() for n in range(26)]
    entries = [
        article(100 + n, title=title, date=PUBLISHED + timedelta(hours=n))
        for n, title in enumerate(titles)
    ]
    scan(app, add_feed(app, feed_server.route(Reply(rss(entries[:20]))), "First"))
    clock.advance(hours=1)
    scan(app, add_feed(app, feed_server.route(Reply(rss(entries[20:]))), "Second"))

    html = page(lead_client.get("/horizon/items"))

    assert "Items 1 to 25 of 26." in html and "Page 2 of 2" in html
    # the later scan first; within a scan, the newest published first
    shown = sorted(titles[1:], key=html.index)
    assert shown == titles[25:19:-1] + titles[19:0:-1]
    second_page = page(lead_client.get("/horizon/items?page=2"))
    assert "Items 26 to 26 of 26." in second_page and titles[0] in second_page
    assert "There are no items on this page" in page(lead_client.get("/horizon/items?page=9"))


def test_a_lead_dismisses_an_item_and_it_is_tombstoned(app, lead_client, clock, feed_server, query):
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(1), article(2)]))))
    scan(app, feed_id)
    item_id = query(
        lambda: db.session.scalar(sa.select(ScannedItem.id).filter_by(doi="10.5555/psj.2026.0001"))
    )

    response = lead_client.post(
        f"/horizon/items/{item_id}/dismiss", data={"back": f"/horizon/feeds/{feed_id}"}
    )

    assert (
        response.status_code == 302 and response.headers["Location"] == f"/horizon/feeds/{feed_id}"
    )
    assert count(query, ScannedItem) == 1 and count(query, Tombstone) == 3
    [(object_id, details)] = events(query, "scanned_item.dismissed")
    assert object_id == str(item_id) and details["title"].startswith("Insulin prescribing")
    assert "will not come back from any feed" in page(lead_client.get(response.headers["Location"]))

    # a return address elsewhere is ignored
    other = query(lambda: db.session.scalar(sa.select(ScannedItem.id)))
    response = lead_client.post(
        f"/horizon/items/{other}/dismiss", data={"back": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/horizon/items"


# Access


PAGES = [
    "/horizon/feeds",
    "/horizon/feeds/new",
    "/horizon/items",
    "/horizon/feeds/{id}",
    "/horizon/feeds/{id}/edit",
]
POSTS = [
    "/horizon/feeds/new",
    "/horizon/feeds/{id}/edit",
    "/horizon/feeds/{id}/pause",
    "/horizon/feeds/{id}/resume",
    "/horizon/feeds/{id}/scan",
    "/horizon/items/{item}/dismiss",
]


@pytest.fixture
def scanned(app, clock, feed_server, query):
    feed_id = add_feed(app, feed_server.route(Reply(rss([article(1)]))))
    scan(app, feed_id)
    return {"id": feed_id, "item": query(lambda: db.session.scalar(sa.select(ScannedItem.id)))}


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER])
def test_innovators_and_panel_members_are_refused(client_for, scanned, query, role):
    client = client_for(role)
    for path in PAGES:
        assert client.get(path.format(**scanned)).status_code == 403, path
    for path in POSTS:
        assert (
            client.post(path.format(**scanned), data={"url": "https://x.example/f"}).status_code
            == 403
        ), path
    assert count(query, ScannedItem) == 1 and feed_state(query, scanned["id"]).active
    assert "Horizon scanning" not in page(client.get("/account"))


def test_admins_manage_feeds_but_only_leads_dismiss_items(
    admin_client, lead_client, scanned, query
):
    for path in PAGES:
        assert admin_client.get(path.format(**scanned)).status_code == 200, path
    assert "Dismiss" not in page(admin_client.get("/horizon/items"))
    assert admin_client.post(f"/horizon/items/{scanned['item']}/dismiss").status_code == 403
    assert count(query, ScannedItem) == 1
    assert "Dismiss" in page(lead_client.get("/horizon/items"))


def test_missing_feeds_and_items_are_404(lead_client, scanned):
    for path in ["/horizon/feeds/999999", "/horizon/feeds/999999/edit"]:
        assert lead_client.get(path).status_code == 404
    for path in [
        "/horizon/feeds/999999/pause",
        "/horizon/feeds/999999/scan",
        "/horizon/items/999999/dismiss",
    ]:
        assert lead_client.post(path).status_code == 404


def test_the_header_shows_horizon_scanning_once_to_a_lead_who_is_also_an_admin(client_for):
    client = client_for(Role.PROGRAMME_LEAD, Role.ADMIN)
    html = page(client.get("/horizon/items"))
    assert html.count(">Horizon scanning<") == 1
