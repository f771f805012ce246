"""Single sign-on through a real OpenID provider process (oidc-provider-mock on 127.0.0.1), and
the ID token checks against tokens the tests sign themselves (`tests/oidc_servers.py`)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from joserfc.jwk import RSAKey

from portal import create_app
from portal.auth import services
from portal.auth.models import ExternalIdentity, User, UserSession
from portal.auth.roles import Role
from portal.extensions import db
from tests.conftest import PASSWORD, FakeClock, joined_connection, make_config
from tests.oidc_servers import ProviderProcess, SigningProvider, free_port

CLIENT = {"OIDC_CLIENT_ID": "safety-pipeline", "OIDC_CLIENT_SECRET": "s3cret"}


@pytest.fixture(scope="module")
def provider():
    process = ProviderProcess().start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def signer():
    server = SigningProvider().start()
    yield server
    server.stop()


def _app(database_url, tmp_path_factory, **config):
    return create_app(make_config(database_url, tmp_path_factory.mktemp("sso"), **config))


@pytest.fixture(scope="module")
def sso_app(app, database_url, tmp_path_factory, provider):
    """An app signing in through the provider process (`app` has migrated the database)."""
    made = _app(
        database_url,
        tmp_path_factory,
        OIDC_ISSUER=provider.url,
        OIDC_EMAIL_VERIFIED_CLAIM="email_verified",
        OIDC_ORGANISATION_ISSUERS=(provider.url,),
        OIDC_ORGANISATION_DOMAINS={"northshire.nhs.uk": "Northshire Teaching Hospitals"},
        **CLIENT,
    )
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def signed_app(app, database_url, tmp_path_factory, signer):
    made = _app(database_url, tmp_path_factory, OIDC_ISSUER=signer.url, **CLIENT)
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture
def sso(sso_app):
    with joined_connection(sso_app):
        yield sso_app


def add_user(app, email, roles=(Role.PROGRAMME_LEAD,)):
    with app.app_context():
        user = services.create_user(
            email, "Lena Lead", PASSWORD, None, roles=roles, check_password=False
        )
        db.session.commit()
        return user.id


def sign_in_through(provider, client, sub, next_path=None):
    """The whole journey: to the provider, its form, and back; the portal's last answer."""
    start = client.get("/sign-in/sso" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302 and start.location.startswith(provider.url)
    return client.get(_local(provider.authorize(start.location, sub)))


def _local(url) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def in_db(app, fn):
    with app.app_context():
        return fn()


def test_an_existing_lead_with_a_verified_email_is_recognised_and_signs_out(sso, provider):
    lead_id = add_user(sso, "lena@northshire.nhs.uk")
    provider.user("lena-sub", email="lena@northshire.nhs.uk", email_verified=True, name="Lena")
    client = sso.test_client()
    answer = sign_in_through(provider, client, "lena-sub")
    assert answer.status_code == 302 and answer.location == "/pipeline"
    assert client.get("/pipeline").status_code == 200
    identity = in_db(sso, lambda: db.session.scalars(sa.select(ExternalIdentity)).one())
    assert (identity.user_id, identity.issuer, identity.subject) == (
        lead_id,
        provider.url,
        "lena-sub",
    )
    out = client.post("/sign-out")
    assert out.location == "/signed-out"
    page = client.get("/signed-out").get_data(as_text=True)
    assert f"{provider.url}/oauth2/end_session?" in page and "id_token_hint=" in page
    assert client.get("/pipeline").status_code == 302  # signed out here
    # the next time, the identity alone is enough (the email could have changed)
    provider.user("lena-sub", email="lena.l@northshire.nhs.uk", email_verified=False)
    assert sign_in_through(provider, client, "lena-sub").location == "/pipeline"


def test_a_new_person_lands_as_an_innovator_of_their_trust(sso, provider):
    provider.user("new-sub", email="Nia@Northshire.nhs.uk", name="Nia Nurse")
    client = sso.test_client()
    answer = sign_in_through(provider, client, "new-sub")
    assert answer.location == "/innovator"

    def made():
        user = db.session.scalar(sa.select(User).filter_by(email="nia@northshire.nhs.uk"))
        return user.name, user.role_set, user.organisation.name

    assert in_db(sso, made) == ("Nia Nurse", {Role.INNOVATOR}, "Northshire Teaching Hospitals")


def test_an_unverified_email_never_takes_over_an_account_but_its_owner_may_link(sso, provider):
    add_user(sso, "ben@example.org", roles=(Role.INNOVATOR,))
    provider.user("ben-sub", email="ben@example.org", email_verified=False)
    client = sso.test_client()
    refused = sign_in_through(provider, client, "ben-sub")
    assert refused.status_code == 400
    assert "Sign in with its password, then link" in refused.get_data(as_text=True)
    count = in_db(sso, lambda: db.session.scalar(sa.select(sa.func.count(ExternalIdentity.id))))
    assert count == 0
    # the account's owner signs in with the password and links it from the account page
    assert client.post("/sign-in", data={"email": "ben@example.org", "password": PASSWORD})
    start = client.post("/account/sso/link")
    assert start.status_code == 302
    linked = client.get(_local(provider.authorize(start.location, "ben-sub")))
    assert linked.location == "/account"
    client.post("/sign-out")
    assert sign_in_through(provider, client, "ben-sub").location == "/innovator"


def test_a_replayed_state_and_a_wrong_nonce_are_refused(sso, provider):
    add_user(sso, "lena@example.org")
    provider.user("lena-sub", email="lena@example.org", email_verified=True)
    client = sso.test_client()
    start = client.get("/sign-in/sso")
    back = _local(provider.authorize(start.location, "lena-sub"))
    assert client.get(back).status_code == 302
    replayed = client.get(back)
    assert replayed.status_code == 400 and "did not work" in replayed.get_data(as_text=True)
    # a nonce the portal never sent comes back in the ID token
    other = sso.test_client()
    start = other.get("/sign-in/sso")
    parts = urlsplit(start.location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"nonce": "not-the-nonce"}
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    refused = other.get(_local(provider.authorize(tampered, "lena-sub")))
    assert refused.status_code == 400
    assert other.get("/pipeline").status_code == 302  # nobody signed in


def test_a_trusted_provider_second_factor_stands_in_for_security_codes(sso, provider):
    sso.config["MFA_REQUIRED_ROLES"] = frozenset({Role.PROGRAMME_LEAD})
    try:
        add_user(sso, "lena@example.org")
        provider.user("lena-sub", email="lena@example.org", email_verified=True, amr=["mfa"])
        client = sso.test_client()
        # not trusted: the portal's own security code still follows
        assert sign_in_through(provider, client, "lena-sub").location.startswith(
            "/sign-in/security-code"
        )
        sso.config["OIDC_TRUST_AMR"] = True
        client = sso.test_client()
        assert sign_in_through(provider, client, "lena-sub").location == "/pipeline"
        assert client.get("/pipeline").status_code == 200
        # a password sign-in of the same lead still needs the code
        other = sso.test_client()
        other.post("/sign-in", data={"email": "lena@example.org", "password": PASSWORD})
        assert other.get("/pipeline").status_code == 302
    finally:
        sso.config["MFA_REQUIRED_ROLES"] = frozenset()
        sso.config["OIDC_TRUST_AMR"] = False


# ID tokens signed by the tests: the provider process cannot be made to send these.


@pytest.fixture
def signed(signed_app):
    clock = FakeClock(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))
    signed_app.config["CLOCK"] = clock
    with joined_connection(signed_app):
        yield signed_app, clock
    signed_app.config.pop("CLOCK")


def _claims(signer, nonce, now, **changes):
    at = int(now.timestamp())
    claims = {
        "iss": signer.url,
        "sub": "signed-sub",
        "aud": "safety-pipeline",
        "iat": at,
        "exp": at + 300,
        "nonce": nonce,
        "email": "sam@example.org",
        "email_verified": True,
    }
    return claims | changes


def _callback(app, signer, make_token):
    client = app.test_client()
    start = client.get("/sign-in/sso")
    query = parse_qs(urlsplit(start.location).query)
    signer.next_id_token = make_token(query["nonce"][0])
    return client.get(
        "/sign-in/sso/callback?" + urlencode({"code": "c", "state": query["state"][0]})
    )


@pytest.mark.parametrize(
    "case",
    [
        "good",
        "wrong issuer",
        "wrong audience",
        "expired",
        "bad signature",
        "not yet issued",
    ],
)
def test_id_tokens_are_checked(signed, signer, case):
    app, clock = signed
    now = clock()

    def make(nonce):
        if case == "wrong issuer":
            return signer.sign(_claims(signer, nonce, now, iss="http://127.0.0.1:9/other"))
        if case == "wrong audience":
            return signer.sign(_claims(signer, nonce, now, aud="another-client"))
        if case == "expired":  # signed an hour ago for five minutes
            return signer.sign(_claims(signer, nonce, now - timedelta(hours=1)))
        if case == "not yet issued":
            return signer.sign(_claims(signer, nonce, now + timedelta(hours=1)))
        if case == "bad signature":
            return signer.sign(_claims(signer, nonce, now), key=RSAKey.generate_key(2048))
        return signer.sign(_claims(signer, nonce, now))

    answer = _callback(app, signer, make)
    if case == "good":
        assert answer.status_code == 302 and answer.location == "/innovator"
    else:
        assert answer.status_code == 400, case
        assert "did not work" in answer.get_data(as_text=True)
        count = in_db(app, lambda: db.session.scalar(sa.select(sa.func.count(UserSession.id))))
        assert count == 0


def test_the_clock_decides_expiry(signed, signer):
    """Tokens issued at the same moment for five minutes: accepted then, refused once the
    portal's clock has moved ten minutes on (each sign-in needs its own nonce, so each its own
    token; nothing sleeps)."""
    app, clock = signed
    issued = clock()

    def make(nonce):
        return signer.sign(_claims(signer, nonce, issued))

    assert _callback(app, signer, make).status_code == 302
    clock.advance(minutes=10)
    assert _callback(app, signer, make).status_code == 400


def test_a_provider_that_does_not_answer_gets_a_clear_page(app, database_url, tmp_path_factory):
    silent = _app(
        database_url, tmp_path_factory, OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", **CLIENT
    )
    with joined_connection(silent):
        answer = silent.test_client().get("/sign-in/sso")
    assert answer.status_code == 503
    assert "did not answer" in answer.get_data(as_text=True)
    with silent.app_context():
        db.engine.dispose()


def test_the_configured_issuer_counts_not_the_one_discovery_names(
    app, database_url, tmp_path_factory, signer
):
    """A discovery document naming another issuer does not make that issuer's tokens good."""
    signer.claimed_issuer = "http://127.0.0.1:9/other"
    fresh = _app(database_url, tmp_path_factory, OIDC_ISSUER=signer.url, **CLIENT)
    try:
        with joined_connection(fresh):
            answer = _callback(
                fresh,
                signer,
                lambda nonce: signer.sign(
                    _claims(signer, nonce, datetime.now(UTC), iss=signer.claimed_issuer)
                ),
            )
        assert answer.status_code == 400
    finally:
        signer.claimed_issuer = None
        with fresh.app_context():
            db.engine.dispose()
