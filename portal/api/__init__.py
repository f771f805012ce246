"""The read API, /api/v1: the pipeline, ideas, decisions, workstreams, scanned items and the
digest, for other tools (Power BI, Excel, national returns) holding a personal access token.

It is a part like the others, above them all: it reads their models and services and asks the
one policy (`portal.policy`) about the token's owner, so it never answers with more than that
person's pages show. The OpenAPI document is generated from the code by flask-smorest
(marshmallow schemas, `setup.py`), served at /api/v1/openapi.json with a reference page drawn
from it on the portal's own templates (`reference.py`). Lists page by an opaque cursor; every
answer carries an ETag; errors are RFC 9457 problem details (`problems.py`).
"""

from portal.api.setup import API_PREFIX, init_app

__all__ = ["API_PREFIX", "init_app"]
