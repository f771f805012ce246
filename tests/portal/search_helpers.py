"""Helpers for the search tests: a per-test index directory, the backend, and running the
worker's turn."""

from portal.extensions import db

# Input that once made Whoosh's default parser run for minutes, or that parsers choke on.
BAD_INPUT = [
    "*",
    "*a*",
    "?",
    "title:[a TO z]",
    "year:[2000 TO 3000]",
    "year:abc",
    'sepsis "unbalanced',
    "((sepsis",
    "sepsis)))",
    "AND OR NOT",
    "sepsis AND",
    "+sepsis -care",
    "sepsis~2",
    "sepsis^100",
    "owner:1",
    "vocab:sepsis",
    "*:*",
    "x" * 100_000,
    "sepsis " * 5_000,
    "脓毒症 筛查",
    "сепсис",
    "\x00\x01 sepsis \u202e",
    "'single",
    "\\",
    "%_",
]


def use_search_dir(app, tmp_path):
    """Point the app at a fresh, empty index directory for one test (a fixture body)."""
    saved = app.config["SEARCH_INDEX_DIR"]
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "search-index")
    yield tmp_path / "search-index"
    app.config["SEARCH_INDEX_DIR"] = saved


def use_backend(app, name):
    """Make `name` ("whoosh" or "postgresql") answer searches for one test (a fixture body)."""
    saved = app.config["SEARCH_BACKEND"]
    app.config["SEARCH_BACKEND"] = name
    yield
    app.config["SEARCH_BACKEND"] = saved


def index_now(app):
    """Apply the queued updates as the worker would; return its count."""
    from portal.search.updates import apply_queued_updates

    with app.app_context():
        count = apply_queued_updates()
        db.session.commit()
        return count


def run_search(app, user, text="", **options):
    """Search as `user` (a detached user) inside a request context."""
    from portal.auth.models import User
    from portal.search.engine import search

    with app.test_request_context():
        return search(text, viewer=db.session.get(User, user.id), **options)
