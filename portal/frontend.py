"""The NHS.UK frontend's stylesheet in the configured font mode, and the hosts it loads fonts from.

The published stylesheet's @font-face rules load Frutiger from the NHS font host
(https://assets.nhs.uk): the font is licensed to NHS services and is not in the npm package.
`NHSUK_FONTS = "nhs"` (the default) serves that stylesheet as published. `"system"` serves a
copy without its @font-face rules, so a page asks no other host for anything: text falls back
to the stylesheet's own font stack (Arial, else the system's sans-serif). The offline demo and
the tests use it, because a browser that cannot reach the font host waits for it on every page.

The Content Security Policy's font-src allows exactly the hosts the served stylesheet names.
"""

import hashlib
import re
from functools import lru_cache
from pathlib import Path

FONT_MODES = ("nhs", "system")
PUBLISHED_CSS = "nhsuk-frontend.min.css"
_FONT_FACE = re.compile(r"@font-face\s*{[^}]*}")
_REMOTE_URL = re.compile(r"url\(\s*['\"]?(https://[^/'\")\s]+)/")
# The published source map describes the published file, not the copy without fonts.
_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/\s*$")


def check_font_mode(value) -> str:
    """The font mode `value` names (any case), or ValueError saying which modes there are."""
    mode = str(value or "").strip().lower()
    if mode not in FONT_MODES:
        raise ValueError(
            f"NHSUK_FONTS is {value!r}: use nhs (the NHS fonts, from https://assets.nhs.uk) or "
            "system (the fonts on the reader's machine, so no page asks another host for them)."
        )
    return mode


def font_hosts(frontend_dir: str, mode: str) -> tuple[str, ...]:
    """The origins the stylesheet served in `mode` loads fonts from (its @font-face rules)."""
    if mode == "system":
        return ()
    return _published_font_hosts(frontend_dir)


@lru_cache(maxsize=8)
def _published_font_hosts(frontend_dir: str) -> tuple[str, ...]:
    try:
        css = (Path(frontend_dir) / PUBLISHED_CSS).read_text(encoding="utf-8")
    except OSError:
        return ()  # not installed: the page has no NHS.UK styles, so loads no fonts either
    rules = " ".join(_FONT_FACE.findall(css))
    return tuple(sorted(set(_REMOTE_URL.findall(rules))))


def system_fonts_css(frontend_dir: str) -> tuple[bytes, str, float]:
    """The published stylesheet without @font-face rules: (bytes, etag, modified time).

    Raises OSError when the frontend is not installed.
    """
    path = Path(frontend_dir) / PUBLISHED_CSS
    modified = path.stat().st_mtime
    return (*_strip_fonts(str(path), modified), modified)


@lru_cache(maxsize=4)
def _strip_fonts(path: str, _modified: float) -> tuple[bytes, str]:
    css = Path(path).read_text(encoding="utf-8")
    body = _SOURCE_MAP.sub("", _FONT_FACE.sub("", css)).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]
