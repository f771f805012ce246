"""The ideas blueprint, on which the part's view modules register their routes."""

from flask import Blueprint

bp = Blueprint("ideas", __name__)
