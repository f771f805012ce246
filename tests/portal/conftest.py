"""Fixtures for the portal tests that fetch feeds (the shared ones are in tests/conftest.py)."""

import pytest

from tests.feed_server import FeedServer


@pytest.fixture(scope="session")
def feed_server():
    """One real HTTP server on 127.0.0.1 for the session; each test routes its own paths."""
    server = FeedServer().start()
    yield server
    server.stop()
