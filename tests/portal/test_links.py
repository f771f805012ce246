"""Absolute links come from PUBLIC_URL, never the request's Host; other hosts get 400."""

import re
from pathlib import Path

import feedparser
import pytest
import sqlalchemy as sa

from portal.auth.models import PasswordResetToken
from portal.auth.services import request_password_reset
from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.ideas.sections import active_workstreams
from portal.links import absolute_url
from portal.mail import OutboxMessage
from tests.conftest import fetch_user
from tests.portal.horizon_helpers import add_items

PUBLIC = "https://pipeline.example.nhs.uk/safety"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def public_url(app, monkeypatch):
    """A public address unlike the test client's Host, reached through a path prefix."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)
    monkeypatch.setitem(
        app.config, "ALLOWED_HOSTS", ("localhost", "pipeline.example.nhs.uk", "alias.example.org")
    )
    return PUBLIC


def outbox(query, recipient):
    return query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage.body).filter_by(recipient=recipient).order_by(OutboxMessage.id)
        ).all()
    )


def links_in(text):
    return re.findall(r"https?://\S+", text)


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:5000", "localhost.evil"])
def test_a_poisoned_host_gets_400_and_nothing_is_queued(client, create_user, query, host):
    create_user(email="ada@example.org")
    response = client.post(
        "/password-reset", data={"email": "ada@example.org"}, headers={"Host": host}
    )
    assert response.status_code == 400
    assert "nothing was saved or changed" in response.get_data(as_text=True)
    assert outbox(query, "ada@example.org") == []
    assert query(lambda: db.session.scalars(sa.select(PasswordResetToken)).all()) == []


def test_the_reset_link_starts_with_public_url_whichever_trusted_host_asked(
    client, create_user, query, public_url
):
    create_user(email="ada@example.org")
    response = client.post(
        "/password-reset", data={"email": "ada@example.org"}, headers={"Host": "alias.example.org"}
    )
    assert response.status_code == 200
    [body] = outbox(query, "ada@example.org")
    [link] = links_in(body)
    assert link.startswith(f"{PUBLIC}/password-reset/"), link


def test_an_invitation_links_to_public_url(lead_client, query, public_url):
    response = lead_client.post(
        "/panel/invite", data={"name": "Grace Okafor", "email": "grace@example.org"}
    )
    assert response.status_code == 302
    [body] = outbox(query, "grace@example.org")
    [link] = links_in(body)
    assert link.startswith(f"{PUBLIC}/invitations/"), link


def test_the_digest_page_and_feed_link_to_public_url(
    app, lead_client, client, clock, query, public_url
):
    [item_id] = add_items(app, [("Handover errors", "Handover errors on wards.")], seen=clock.now)
    with app.app_context():
        item = db.session.get(ScannedItem, item_id)
        item.topic_relevance = {w.key: 0.9 for w in active_workstreams()}
        db.session.commit()
    lead_client.post("/horizon/digest/token")
    page = lead_client.get("/horizon/digest").get_data(as_text=True)
    token = query(lambda: fetch_user(lead_client.user.email).digest_token)
    feed = client.get(f"/horizon/digest/{token}.atom")
    assert f'href="{PUBLIC}/horizon/digest/{token}.atom"' in page
    parsed = feedparser.parse(feed.data)
    assert parsed.entries and not parsed.bozo
    links = [link.href for link in parsed.feed.links] + [parsed.feed.id]
    links += [entry.link for entry in parsed.entries] + [entry.id for entry in parsed.entries]
    assert all(link.startswith(PUBLIC + "/") for link in links), links
    assert f"{PUBLIC}/horizon/items/{item_id}" in links


def test_links_built_without_a_request_use_public_url(app, create_user, query, public_url):
    create_user(email="ada@example.org")
    with app.app_context():  # as in the worker or a CLI command: no request at all
        request_password_reset("ada@example.org")
        db.session.commit()
        assert absolute_url("reviews.queue") == f"{PUBLIC}/reviews"
    [body] = outbox(query, "ada@example.org")
    assert links_in(body)[0].startswith(f"{PUBLIC}/password-reset/")


def test_no_link_is_built_from_the_request():
    """url_for(..., _external=True) uses the request's Host: links go through absolute_url."""
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "portal").rglob("*"))
        if path.suffix in {".py", ".html", ".atom", ".txt"} and path.name != "links.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "_external" in line or "request.host" in line or "url_root" in line
    ]
    assert offenders == []
