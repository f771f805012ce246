"""Which search backend answers: PostgreSQL's own full-text search, or the Whoosh index.

``SEARCH_BACKEND`` is "auto" (the default: PostgreSQL when the database is PostgreSQL, else
Whoosh), "postgresql" or "whoosh". Only the Whoosh backend needs the queue and the worker.
"""

from flask import current_app

from portal.extensions import db

BACKENDS = ("auto", "postgresql", "whoosh")


def search_backend() -> str:
    """ "postgresql" or "whoosh", for the current app."""
    chosen = current_app.config.get("SEARCH_BACKEND") or "auto"
    if chosen not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    if chosen == "auto":
        return "postgresql" if db.engine.dialect.name == "postgresql" else "whoosh"
    if chosen == "postgresql" and db.engine.dialect.name != "postgresql":
        raise ValueError("SEARCH_BACKEND=postgresql needs a PostgreSQL DATABASE_URL")
    return chosen


def uses_index() -> bool:
    """Whether changes must reach the Whoosh index through the queue and the worker."""
    return search_backend() == "whoosh"
