"""Fixtures for the portal tests that fetch feeds or call the API (the shared ones are in
tests/conftest.py)."""

import pytest

from portal.auth import access_tokens
from portal.auth.access_tokens import Scope
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from tests.feed_server import FeedServer


@pytest.fixture(scope="session")
def feed_server():
    """One real HTTP server on 127.0.0.1 for the session; each test routes its own paths."""
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def token_for(app, create_user, clock):
    """Factory: a new user holding `roles`, and the Authorization header of their new token."""

    def make(*roles, scopes=tuple(Scope), days=30, **user_options):
        user = create_user(roles=roles or (Role.INNOVATOR,), **user_options)
        with app.app_context():
            _, secret = access_tokens.create(db.session.get(User, user.id), "Test", scopes, days)
            db.session.commit()
        return user, {"Authorization": f"Bearer {secret}"}

    return make
