"""Public pages, each role's home page, error pages and the NHS.UK assets."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from portal.pages import views  # noqa: E402,F401
