"""Errors as RFC 9457 problem details (application/problem+json), for every path under the API.

`type` is "about:blank", so `title` is the status's own phrase; `detail` says what went wrong
for this call, and `errors` holds the fields a query's validation refused.
"""

import http

import marshmallow as ma
from flask import jsonify, request

PROBLEM_TYPE = "application/problem+json"


class ProblemSchema(ma.Schema):
    """What every error answer holds (documented in the contract; answers are built below)."""

    type = ma.fields.String(metadata={"description": 'Always "about:blank"'})
    title = ma.fields.String(metadata={"description": "The HTTP status's phrase"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong, for this call"})
    instance = ma.fields.String(metadata={"description": "The path called"})
    errors = ma.fields.Dict(
        metadata={"description": "Query parameters refused, each with its messages"}
    )


def render(error):
    """The problem answer for an HTTP error (a werkzeug HTTPException)."""
    status = error.code or 500
    body = {
        "type": "about:blank",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": _detail(error, status),
        "instance": request.path,
    }
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # webargs: the query parameters that did not validate
        messages = data["messages"]
        body["errors"] = messages.get("query", messages) if isinstance(messages, dict) else {}
    response = jsonify(body)
    response.status_code = status
    response.content_type = PROBLEM_TYPE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if status == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _detail(error, status) -> str:
    if status == 404 and error.description == _default(error):
        return "There is nothing at this address, or nothing you may see"
    if status == 422 and "messages" in (getattr(error, "data", None) or {}):
        return "A query parameter was not recognised: see errors"
    if status >= 500:
        return "Something went wrong on our side; it has been logged"
    return error.description or http.HTTPStatus(status).description


def _default(error) -> str:
    return type(error).description
