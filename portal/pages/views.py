"""The landing page, information pages and front-end assets."""

from io import BytesIO
from pathlib import Path

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    send_file,
    send_from_directory,
    url_for,
)
from flask_login import current_user

from portal import frontend
from portal.access import public
from portal.auth.roles import home_url_for
from portal.pages.blueprint import bp

INFORMATION_PAGES = {
    "privacy": "Privacy notice",
    "accessibility": "Accessibility statement",
    "cookies": "Cookies",
    "contact": "Contact us",
}


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    return render_template("pages/index.html")


@bp.route("/<any(privacy, accessibility, cookies, contact):page>")
@public
def information(page):
    return render_template(f"pages/{page}.html", title=INFORMATION_PAGES[page])


@bp.route("/assets/<path:filename>")
@public
def nhsuk_assets(filename):
    """The NHS.UK frontend's images and manifest (its CSS expects them at /assets)."""
    return send_from_directory(_frontend_dir() / "assets", filename, max_age=86400)


BUNDLE_FILES = ", ".join(
    f"'nhsuk-frontend.min.{ext}'" for ext in ("css", "js", "css.map", "js.map")
)


@bp.route(f"/nhsuk/<any({BUNDLE_FILES}):filename>")
@public
def nhsuk_bundle(filename):
    return send_from_directory(_frontend_dir(), filename, max_age=3600)


@bp.route("/nhsuk/nhsuk-frontend-system-fonts.min.css")
@public
def nhsuk_system_fonts():
    """The NHS.UK stylesheet without its @font-face rules (NHSUK_FONTS = "system")."""
    try:
        css, etag, modified = frontend.system_fonts_css(str(_frontend_dir()))
    except OSError:
        abort(404)
    return send_file(
        BytesIO(css),
        mimetype="text/css",
        etag=etag,
        last_modified=modified,
        max_age=3600,
    )


@bp.app_template_global()
def nhsuk_stylesheet_url() -> str:
    """The NHS.UK stylesheet for the configured fonts (see portal/frontend.py)."""
    if current_app.config["NHSUK_FONTS"] == "system":
        return url_for("pages.nhsuk_system_fonts")
    return url_for("pages.nhsuk_bundle", filename=frontend.PUBLISHED_CSS)


@bp.route("/static/<path:filename>")
@public
def static(filename):
    return send_from_directory(Path(current_app.root_path) / "static", filename, max_age=3600)


def _frontend_dir() -> Path:
    path = Path(current_app.config["NHSUK_FRONTEND_DIR"])
    if not path.is_dir():
        current_app.logger.error("NHS.UK frontend not installed at %s: run npm ci", path)
        abort(404)
    return path
