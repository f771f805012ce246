"""The API's wiring: flask-smorest's `Api` on the one app, its blueprints under /api/v1, and
its errors answered as problem details."""

import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from portal import errors
from portal.api import ideas_api, items_api, pipeline_api, problems, reference

API_PREFIX = "/api/v1"
DESCRIPTION = """Read the Safety Pipeline as yourself from another tool (Power BI, Excel, a
script). Make a personal access token on your account page, choose what it may read, and send
it with every call: `Authorization: Bearer <token>`. A call answers with what your own pages
show you, no more. Lists come a page at a time: pass each answer's `next_cursor` back as
`cursor`. Every answer has an ETag; send it back as `If-None-Match` to get 304 when nothing
changed. Errors are problem details (RFC 9457). Each token may make a limited number of calls a
minute (429 with Retry-After beyond it)."""


class PortalApi(Api):
    """flask-smorest's Api, whose errors are the portal's: problem details under the API's
    path only (its own handler would answer every page of the portal in JSON)."""

    ERROR_SCHEMA = problems.ProblemSchema

    def _register_error_handlers(self):
        errors.answer_errors_under(self._app, API_PREFIX + "/", problems.render)

    def _register_pagination_header(self):
        """Nothing: lists page by cursor (`paging.py`), not by flask-smorest's page numbers."""

    def _register_responses(self):
        """As flask-smorest's, but every error answer is problem+json, and the contract says so."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def init_app(app):
    app.config.setdefault("API_TITLE", "Safety Pipeline API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{"token": []}],
            "components": {
                "securitySchemes": {
                    "token": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal access token from your account page",
                    }
                }
            },
        },
    )
    api = PortalApi(app)
    for blueprint in (pipeline_api.blp, ideas_api.blp, items_api.blp):
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(reference.bp)
    app.extensions["portal_api"] = api


__all__ = ["API_PREFIX", "PortalApi", "init_app"]
