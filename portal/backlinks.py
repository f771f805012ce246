"""Back links that say where a person came from: an explicit `back` parameter, checked.

A list that opens a page (the pipeline with its filters and page, triage) adds
`back=<its own path and query>` to its links, and the page it opens passes the parameter on to
its follow-on pages (the decision form), which return there when done. Only destinations a part
registered are followed: the path must match one of their routes on this site, and the link is
rebuilt from that route and the parsed query, so another host, a scheme, `//host`, an unknown
path or a mangled value is ignored and the page's own default used: never an open redirect.
The Referer header is not used: browsers strip it, and it cannot be checked the same way.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException

PARAMETER = "back"
MAX_LENGTH = 1000  # a pipeline URL with every filter set is about 200 characters
_destinations: dict[str, str] = {}


@dataclass(frozen=True)
class BackLink:
    href: str
    text: str


def back_destination(endpoint: str, text: str) -> None:
    """Register a page people may be sent back to, with its back link's text."""
    _destinations[endpoint] = text


def link_to(endpoint: str) -> BackLink:
    """The back link to a registered page, without parameters (a page's default)."""
    return BackLink(url_for(endpoint), _destinations[endpoint])


def came_from(value: str | None = None) -> BackLink | None:
    """Where the request's `back` parameter (or `value`) points, if it is a known page."""
    if value is None:
        value = request.args.get(PARAMETER)
    if not value or len(value) > MAX_LENGTH or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.fragment or not parts.path.startswith("/"):
        return None
    path, root = unquote(parts.path), request.script_root
    if root:
        if not path.startswith(root + "/"):
            return None
        path = path[len(root) :]
    adapter = current_app.url_map.bind("localhost", script_name=root or "/")
    try:
        endpoint, arguments = adapter.match(path, method="GET")
    except HTTPException:  # no such page, or a redirect (RequestRedirect) to one
        return None
    if endpoint not in _destinations:
        return None
    href = url_for(endpoint, **arguments)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if query:
        href += "?" + urlencode(query)
    return BackLink(href, _destinations[endpoint])


def back_href() -> str | None:
    """The checked `back` value to pass on to a follow-on page, or None."""
    found = came_from()
    return found.href if found else None
