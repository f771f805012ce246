"""Assertions on the security headers and on markup the Content Security Policy would block."""

import re

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self'",
    "font-src": "'self'",  # the tests' system fonts; test_fonts.py checks the NHS fonts' policy
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
FIXED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
NONCE = re.compile(r"'nonce-([^']+)'")
SCRIPT = re.compile(r"<script\b([^>]*)>")
SOURCE = re.compile(r'\bsrc="([^"]+)"')
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style\b", re.IGNORECASE)


def directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    pairs = (part.strip().partition(" ") for part in policy.split(";"))
    return {name: value for name, _, value in pairs}


def check_headers(response, *, cached=False):
    """Assert the headers every response carries; return the policy's script nonce, if any."""
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert ("no-store" in response.headers.get("Cache-Control", "")) is not cached
    found = directives(response)
    if "sandbox" in found:  # a download's own, stricter policy
        assert found["default-src"] == "'none'"
        return None
    for name, value in REQUIRED_DIRECTIVES.items():
        assert found[name] == value, (name, found)
    nonce = NONCE.search(found["script-src"])
    assert found["script-src"] == "'self'" + (f" 'nonce-{nonce.group(1)}'" if nonce else "")
    return nonce.group(1) if nonce else None


def check_page(response, url=""):
    """Assert a page's headers, that its one inline script runs by this response's nonce, and
    that it has no other inline code or style, nor scripts from elsewhere; return the nonce."""
    assert response.mimetype == "text/html", url
    nonce = check_headers(response)
    page = response.get_data(as_text=True)
    scripts = [(attributes, SOURCE.search(attributes)) for attributes in SCRIPT.findall(page)]
    inline = [attributes for attributes, source in scripts if not source]
    assert nonce and inline == [f' nonce="{nonce}"'], (url, inline)
    sources = [source.group(1) for _, source in scripts if source]
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), (url, sources)
    for forbidden in (INLINE_HANDLER, INLINE_STYLE, re.compile("javascript:")):
        found = forbidden.search(page)
        assert found is None, (url, found and found.group())
    return nonce
