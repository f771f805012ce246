"""The search blueprint, on which the part's view modules register their routes."""

from flask import Blueprint

bp = Blueprint("search", __name__)
