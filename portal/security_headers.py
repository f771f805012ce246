"""Security headers on every response: a strict Content Security Policy, HSTS in production,
no sniffing, no framing, a tight referrer and permissions policy, and no caching of anything
but shared static assets.

Pages load scripts and styles only from the portal itself. The one inline script, the NHS.UK
page template's `js-enabled` snippet, runs by a nonce made for each response (`csp_nonce()`
in templates; base.html hands it to the template as `cspNonce`). Fragments cached across
requests (portal/page_cache.py) hold no script, so no nonce is ever reused.

Fonts come from the portal and the hosts the served NHS.UK stylesheet names (none with
`NHSUK_FONTS = "system"`; see portal/frontend.py).

Headers a view has set itself are kept: downloads send a stricter policy of their own.
"""

import secrets
from urllib.parse import urlsplit

from flask import current_app, g

from portal import frontend

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


def init_app(app):
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(add_security_headers)


def csp_nonce() -> str:
    """This response's script nonce, made on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(font_hosts=(), nonce=None, form_targets=()) -> str:
    """The pages' policy: everything from the portal only, nothing framed, based or plugged in.
    `form_targets`: origins a form's answer may redirect to (the single sign-on provider's, for
    "Link your organisation's account", whose POST goes on to the provider)."""
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = [
        ("default-src", "'self'"),
        ("script-src", scripts),
        ("style-src", "'self'"),
        ("font-src", " ".join(("'self'", *font_hosts))),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("frame-ancestors", "'none'"),
        ("form-action", " ".join(["'self'", *form_targets])),
    ]
    return "; ".join(f"{name} {value}" for name, value in directives)


def _origins(url) -> tuple[str, ...]:
    parts = urlsplit(url or "")
    return (f"{parts.scheme}://{parts.netloc}",) if parts.scheme and parts.netloc else ()


def add_security_headers(response):
    """Add the headers the response does not already carry."""
    config = current_app.config
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        hosts = frontend.font_hosts(config["NHSUK_FRONTEND_DIR"], config["NHSUK_FONTS"])
        headers["Content-Security-Policy"] = content_security_policy(
            hosts, g.get("csp_nonce"), _origins(config.get("OIDC_ISSUER"))
        )
    for name, value in FIXED_HEADERS.items():
        headers.setdefault(name, value)
    if config["ENV_NAME"] == "production":
        headers.setdefault("Strict-Transport-Security", f"max-age={ONE_YEAR}; includeSubDomains")
    # Only what a view marked public (static assets: the same bytes for everyone) may be kept;
    # pages hold a person's data, a form token or this response's nonce.
    if not response.cache_control.public:
        response.cache_control.no_store = True
    return response
