"""Self-registration: an innovator account in a chosen or new organisation, or clear errors."""

import re
import threading
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.audit import AuditEvent
from portal.auth import passwords
from portal.auth.models import Organisation, OrganisationType, User
from portal.auth.roles import Role
from portal.auth.services import find_or_create_organisation
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.conftest import fetch_user, fresh_database, make_config

STRONG = "violet tractor harbour mosaic"
NONCE = re.compile(r'nonce(?:-|=")[A-Za-z0-9_-]+')


def form(**overrides):
    data = {
        "name": "Nadia Nurse",
        "email": "Nadia.Nurse@Example.NHS.uk",
        "organisation": "not-listed",
        "organisation_name": "  Westshire   Community Trust ",
        "organisation_type": "nhs_trust",
        "password": STRONG,
    }
    return data | overrides


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def outbox(query, recipient):
    return query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage).filter_by(recipient=recipient).order_by(OutboxMessage.id)
        ).all()
    )


def test_registering_creates_an_innovator_who_then_signs_in(client, query):
    response = client.post("/register", data=form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-your-email"
    page = client.get("/register/check-your-email").get_data(as_text=True)
    assert "Check your email" in page and "nadia.nurse@example.nhs.uk" in page
    assert client.get("/innovator").status_code == 302  # not signed in: both answers match

    def check():
        user = fetch_user("nadia.nurse@example.nhs.uk")
        assert user.role_set == {Role.INNOVATOR}
        assert user.organisation.name == "Westshire Community Trust"
        assert user.password_hash.startswith("$argon2id$")
        assert user.last_sign_in_at is None
        actions = set(
            db.session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))
            )
        )
        assert "user.registered" in actions

    query(check)
    [mail] = outbox(query, "nadia.nurse@example.nhs.uk")
    assert mail.subject == "Your account has been created"
    assert "http://localhost/sign-in" in mail.body
    client.post("/sign-in", data={"email": "nadia.nurse@example.nhs.uk", "password": STRONG})
    assert "Your ideas" in client.get("/innovator").get_data(as_text=True)


def test_registering_into_an_existing_organisation(client, create_organisation, query):
    trust = create_organisation()
    client.post("/register", data=form(organisation=str(trust.id), organisation_name=""))
    assert query(lambda: fetch_user("nadia.nurse@example.nhs.uk").organisation_id) == trust.id


def test_a_new_organisation_typed_differently_is_not_duplicated(client, create_organisation, query):
    trust = create_organisation("Westshire Community Trust")
    client.post("/register", data=form(organisation_name="WESTSHIRE community   trust"))
    assert query(lambda: fetch_user("nadia.nurse@example.nhs.uk").organisation_id) == trust.id
    assert query(lambda: count(Organisation)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter your email address"),
        ({"name": ""}, "Enter your full name"),
        ({"password": "short pass"}, "at least 12 characters"),
        ({"password": "password1234"}, "too common"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "too easy to guess"),
        ({"password": "nadianurse2026"}, "too easy to guess"),
        ({"organisation": ""}, "Choose your organisation"),
        ({"organisation": "99999"}, "Choose your organisation from the list"),
        ({"organisation_name": ""}, "Enter the name of your organisation"),
        ({"organisation_type": "castle"}, "Choose the type of your organisation"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, query, overrides, message):
    response = client.post("/register", data=form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert "<title>Error:" in html
    assert query(lambda: (count(User), count(Organisation))) == (0, 0)
    # what the user typed is kept, except the password
    if overrides.get("name", "x"):
        assert 'value="Nadia Nurse"' in html
    assert STRONG not in html


def test_a_known_address_gets_the_same_answer_and_its_owner_an_email(
    app, create_user, query, monkeypatch
):
    known = create_user(email="known@example.org", name="Kim Known")
    hashed = []
    real_hash = passwords.hash_password
    monkeypatch.setattr(passwords, "hash_password", lambda p: hashed.append(p) or real_hash(p))

    def register(email, organisation_name):
        client = app.test_client()
        response = client.post(
            "/register", data=form(email=email, organisation_name=organisation_name)
        )
        page = client.get(response.headers.get("Location", "/register"))
        headers = {k: v for k, v in response.headers.items() if k != "Set-Cookie"}
        body = page.get_data(as_text=True).replace(email.lower(), "EMAIL")
        # a new script nonce every response, in the policy header and the page's one script
        headers, body = NONCE.sub("N", str(headers)), NONCE.sub("N", body)
        return response.status_code, headers, response.data, page.status_code, body

    new = register("Nadia.Nurse@Example.NHS.uk", "New Case Trust")
    again = register("KNOWN@example.org", "Known Case Trust")
    assert again == new
    assert hashed == [STRONG, STRONG]  # the same hashing work whether or not it is kept

    assert query(lambda: fetch_user("known@example.org").name) == "Kim Known"
    assert query(lambda: fetch_user("known@example.org").password_hash) == known.password_hash
    assert query(lambda: count(User)) == 2
    names = query(lambda: set(db.session.scalars(sa.select(Organisation.name))))
    assert names == {"New Case Trust", "Known Case Trust"}  # the form's list tells nothing
    [mail] = outbox(query, "known@example.org")
    assert mail.subject == "Someone tried to create an account with your email address"
    assert "Hello Kim Known" in mail.body and "no new account was made" in mail.body
    assert "http://localhost/sign-in" in mail.body
    assert "http://localhost/password-reset" in mail.body
    assert [m.subject for m in outbox(query, "nadia.nurse@example.nhs.uk")] == [
        "Your account has been created"
    ]


def test_signed_in_users_are_sent_home_from_register(innovator_client):
    assert innovator_client.get("/register").headers["Location"] == "/innovator"


def test_racing_registrations_adding_one_organisation_share_it(tmp_path):
    """On PostgreSQL, B inserts the organisation A has inserted but not yet committed."""
    with fresh_database("postgresql", tmp_path) as url:
        racing = create_app(make_config(url, tmp_path))
        with racing.app_context():
            upgrade()
        a_flushed, ids = threading.Event(), {}

        def second():
            with racing.app_context():
                a_flushed.wait(timeout=10)
                ids["b"] = find_or_create_organisation("Racing Trust", OrganisationType.OTHER).id
                db.session.commit()

        b = threading.Thread(target=second)
        b.start()
        with racing.app_context():
            ids["a"] = find_or_create_organisation("Racing Trust", OrganisationType.OTHER).id
            a_flushed.set()
            waiting = sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            deadline = time.monotonic() + 10
            with db.engine.connect() as watcher:  # B's insert queues behind A's row
                while not watcher.execute(waiting).scalar() and time.monotonic() < deadline:
                    watcher.rollback()
                    time.sleep(0.01)
            db.session.commit()
        b.join(timeout=30)
        assert ids["a"] == ids["b"]
        with racing.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1
            db.session.remove()
            db.engine.dispose()
