"""Password reset by emailed link: same answer for any email, single use, one hour."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.mail import OutboxMessage
from tests.conftest import PASSWORD

NEW = "lantern pebble orchard mosaic"


def outbox(query):
    return query(
        lambda: [
            (m.recipient, m.subject, m.body)
            for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]
    )


def reset_link(query):
    ((_, _, body),) = outbox(query)
    return re.search(r"http://localhost(/password-reset/\S+)", body).group(1)


def test_known_and_unknown_emails_get_the_same_answer(client, create_user, query):
    create_user(email="ada@example.org")
    known = client.post("/password-reset", data={"email": "ADA@example.org"})
    unknown = client.post("/password-reset", data={"email": "nobody@example.org"})

    def strip(response):
        html = response.get_data(as_text=True)
        html = re.sub(r'nonce="[^"]+"', 'nonce="N"', html)  # a new script nonce every response
        return html.replace("ADA@example.org", "X").replace("nobody@example.org", "X")

    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert "Check your email" in strip(known)
    assert [(to, subject) for to, subject, _ in outbox(query)] == [
        ("ada@example.org", "Reset your password")
    ]


def test_reset_link_sets_a_new_password_once_and_ends_all_sessions(
    app, client, create_user, sign_in, query
):
    user = create_user(email="ada@example.org")
    elsewhere = app.test_client()
    sign_in(elsewhere, user)
    client.post("/password-reset", data={"email": "ada@example.org"})
    link = reset_link(query)

    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": NEW})
    assert response.headers["Location"] == "/sign-in"
    assert elsewhere.get("/innovator").status_code == 302  # signed out everywhere
    sign_in(client, "ada@example.org", NEW)

    again = client.post(link, data={"password": "another fresh passphrase here"})
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)


def test_reset_link_expires_after_an_hour(client, create_user, clock, sign_in, query):
    create_user(email="ada@example.org")
    client.post("/password-reset", data={"email": "ada@example.org"})
    link = reset_link(query)
    clock.advance(minutes=59)
    assert client.get(link).status_code == 200
    clock.advance(minutes=1)
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW}).status_code == 404
    sign_in(client, "ada@example.org", PASSWORD)  # the old password still works


def test_weak_new_password_is_refused_and_link_still_works(client, create_user, query):
    create_user(email="ada@example.org", name="Ada Lovelace")
    client.post("/password-reset", data={"email": "ada@example.org"})
    link = reset_link(query)
    weak = client.post(link, data={"password": "adalovelace123"})
    assert "too easy to guess" in weak.get_data(as_text=True)
    assert client.post(link, data={"password": NEW}).status_code == 302


def test_bogus_tokens_are_404(client):
    assert client.get("/password-reset/not-a-real-token").status_code == 404
    assert client.get("/password-reset/" + "x" * 500).status_code == 404


def test_deactivated_accounts_get_no_reset_mail(client, create_user, query):
    create_user(email="gone@example.org", active=False)
    response = client.post("/password-reset", data={"email": "gone@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert outbox(query) == []
