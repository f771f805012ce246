"""Full-text search over ideas and scanned literature (Whoosh behind a small adapter)."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from portal.search import views  # noqa: E402, F401  (registers the routes)
