"""Absolute links from the configured public address (`PUBLIC_URL`), and the Host check.

Emails, invitations and the digest feed link back to the portal. Built from the request's Host
header, such a link points wherever the sender of the request says: anyone can ask for a
password reset for someone else with `Host: evil.example`. So every absolute link comes from
configuration, the same in web requests and in background work (worker, CLI), and requests
addressed to a host the portal does not serve are refused with 400 before anything runs.
"""

from urllib.parse import urlsplit

from flask import abort, current_app, request
from werkzeug.sansio.utils import host_is_trusted


def absolute_url(endpoint: str, **values) -> str:
    """Return the public address of `endpoint` (a full endpoint name), in a request or not."""
    app = current_app
    public = urlsplit(app.config["PUBLIC_URL"])
    adapter = app.url_map.bind(
        public.netloc, script_name=public.path or "/", url_scheme=public.scheme
    )
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def refuse_untrusted_host():
    """`before_request` hook: 400 unless the Host (after any trusted proxy) is one we serve."""
    if not host_is_trusted(request.host, current_app.config["ALLOWED_HOSTS"]):
        current_app.logger.warning("refused a request for host %r", request.host[:100])
        abort(400)


def init_app(app):
    """Check hosts first of all `before_request` hooks, and offer `absolute_url` to templates.

    Flask's own TRUSTED_HOSTS check fails while the request's URL adapter is being made, so the
    400 page (which builds links) could not be rendered: the check is a hook here instead.
    """
    app.before_request(refuse_untrusted_host)
    app.jinja_env.globals["absolute_url"] = absolute_url
