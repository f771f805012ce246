"""Personal access tokens: made on the account page, shown once, stored hashed, listed with
their last use, revoked by their owner only; bad input keeps what was typed."""

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import AccessToken
from portal.auth.tokens import digest
from portal.extensions import db

NEW = {"token_name": "Power BI report", "scopes": ["pipeline:read", "ideas:read"], "days": "30"}


def make_token(client, **changes) -> str:
    response = client.post("/account/tokens/new", data=NEW | changes)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return re.search(r'value="(sp_pat_[^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_token_is_shown_once_and_only_its_hash_is_kept(lead_client, query, clock):
    secret = make_token(lead_client)
    token = query(lambda: db.session.scalars(sa.select(AccessToken)).one())
    assert token.token_hash == digest(secret) and secret not in repr(vars(token))
    assert token.scopes == "ideas:read pipeline:read"
    assert token.expires_at == clock() + timedelta(days=30)
    listing = lead_client.get("/account/tokens").get_data(as_text=True)
    assert "Power BI report" in listing and token.prefix in listing
    assert secret not in listing and "Never" in listing
    assert 'Revoke<span class="nhsuk-u-visually-hidden"> Power BI report</span>' in listing
    account = lead_client.get("/account").get_data(as_text=True)
    assert "1 token works" in account
    actions = query(lambda: db.session.scalars(sa.select(AuditEvent.action)).all())
    assert "access_token.created" in actions


def test_bad_input_is_explained_and_kept(innovator_client, query):
    response = innovator_client.post(
        "/account/tokens/new", data={"token_name": "Script", "scopes": [], "days": "9"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose what the token may read" in page
    assert "Choose when the token expires" in page
    assert 'value="Script"' in page
    response = innovator_client.post("/account/tokens/new", data=NEW | {"token_name": " "})
    assert "Enter a name for the token" in response.get_data(as_text=True)
    response = innovator_client.post("/account/tokens/new", data=NEW | {"scopes": ["admin"]})
    assert "Choose from the kinds of data listed" in response.get_data(as_text=True)
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(AccessToken.id)))) == 0


def test_only_its_owner_revokes_a_token(client_for, query):
    owner, other = client_for(), client_for()
    make_token(owner)
    token_id = query(lambda: db.session.scalar(sa.select(AccessToken.id)))
    form = owner.get("/account/tokens").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    data = {"csrf_token": csrf.group(1)} if csrf else {}
    assert other.post(f"/account/tokens/{token_id}/revoke", data=data).status_code == 404
    response = owner.post(f"/account/tokens/{token_id}/revoke", data=data)
    assert response.status_code == 302
    assert "is revoked" in owner.get("/account/tokens").get_data(as_text=True)
    assert query(lambda: db.session.get(AccessToken, token_id).revoked_at) is not None
    assert owner.post(f"/account/tokens/{token_id}/revoke", data=data).status_code == 404
