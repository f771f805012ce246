"""NHS-styled error pages with the right status and never a stack trace.

A part that answers in another format under a path of its own (the API's problem JSON) says
so with `answer_errors_under(prefix, render)`, so errors there, "not found" included, reach
its renderer without this module knowing the part.
"""

from flask import current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

TITLES = {
    400: "Sorry, there is a problem with your request",
    401: "You need to sign in",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that is not something this page can do",
    413: "The file or form you sent is too large",
    429: "Too many tries",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is busy",
}


def render_error(code, **context):
    """The NHS-styled error page for `code`, as a (body, status) response."""
    db.session.rollback()  # an error never saves a half-done change
    template = (
        f"errors/{code}.html" if code in (400, 403, 404, 413, 429, 503) else "errors/generic.html"
    )
    return render_template(
        template, code=code, title=TITLES.get(code, TITLES[500]), **context
    ), code


def answer_errors_under(app, prefix: str, render) -> None:
    """Errors for paths starting with `prefix` are answered by `render(error)`."""
    app.extensions.setdefault("error_renderers", {})[prefix] = render


def _renderer():
    for prefix, render in current_app.extensions.get("error_renderers", {}).items():
        if request.path.startswith(prefix):
            return render
    return None


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, csrf=True, reason=error.description)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if (render := _renderer()) is not None:
            db.session.rollback()  # an error never saves a half-done change
            return render(error)
        response = render_error(error.code or 500)
        if error.code == 429 and getattr(error, "retry_after", None):
            return (*response, {"Retry-After": str(error.retry_after)})
        return response
