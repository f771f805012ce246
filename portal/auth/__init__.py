"""Accounts: registration, signing in and out, passwords, roles and organisations."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import views  # noqa: E402,F401  (routes register on bp)
