"""Security headers on every response: a strict Content Security Policy, HSTS in production,
no sniffing, no framing, a tight referrer and permissions policy, and no caching of anything
but shared static assets.

Pages load scripts and styles only from the portal itself. The one inline script, the NHS.UK
page template's `js-enabled` snippet, runs by a nonce made for each response (`csp_nonce()`
in templates; base.html hands it to the template as `cspNonce`). Fragments cached across
requests (portal/page_cache.py) hold no script, so no nonce is ever reused.

Headers a view has set itself are kept: downloads send a stricter policy of their own.
"""

import re
import secrets
from functools import lru_cache
from pathlib import Path

from flask import current_app, g

ONE_YEAR = 365 * 24 * 3600
# Features the portal never uses, denied to every page and anything it might embed.
DENIED_FEATURES = (
    "accelerometer",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
NHSUK_CSS = "nhsuk-frontend.min.css"
_FONT_FACE = re.compile(r"@font-face\s*{[^}]*}")
_REMOTE_URL = re.compile(r"url\(\s*['\"]?(https://[^/'\")\s]+)/")


def init_app(app):
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)


def csp_nonce() -> str:
    """This response's script nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(font_hosts=(), nonce=None) -> str:
    """The pages' policy: everything from the portal only, nothing framed, based or plugged in."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = [
        ("default-src", "'self'"),
        ("script-src", scripts),
        ("style-src", "'self'"),
        ("font-src", " ".join(("'self'", *font_hosts))),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("frame-ancestors", "'none'"),
        ("form-action", "'self'"),
    ]
    return "; ".join(f"{name} {value}" for name, value in directives)


@lru_cache(maxsize=8)
def font_hosts(frontend_dir: str) -> tuple[str, ...]:
    """The origins the NHS.UK stylesheet loads its fonts from (its @font-face rules).

    The published stylesheet loads Frutiger from the NHS font host; one built without fonts,
    or with fonts served by the portal, names no host, and then the policy allows none.
    """
    try:
        css = (Path(frontend_dir) / NHSUK_CSS).read_text(encoding="utf-8")
    except OSError:
        return ()  # not installed: the page has no NHS.UK styles, so loads no fonts either
    rules = " ".join(_FONT_FACE.findall(css))
    return tuple(sorted(set(_REMOTE_URL.findall(rules))))


def add_security_headers(response):
    """Add the headers the response does not already carry."""
    config = current_app.config
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        hosts = font_hosts(config["NHSUK_FRONTEND_DIR"])
        headers["Content-Security-Policy"] = content_security_policy(hosts, g.get("csp_nonce"))
    for name, value in FIXED_HEADERS.items():
        headers.setdefault(name, value)
    if config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", f"max-age={ONE_YEAR}; includeSubDomains")
    # Only what a view marked public (static assets: the same bytes for everyone) may be kept;
    # pages hold a person's data, a form token or this response's nonce.
    if not response.cache_control.public:
        response.cache_control.no_store = True
    return response
