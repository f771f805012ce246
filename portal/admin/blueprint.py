"""The admin blueprint, on which the part's view modules register their routes."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
