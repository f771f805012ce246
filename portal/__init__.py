"""Safety Pipeline portal: the Flask application factory."""

import os
from importlib import import_module

from jinja2 import ChainableUndefined, ChoiceLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as default_config
from portal.retry import PortalFlask
from portal.settings import fill_defaults, from_environment


def create_app(test_config=None):
    """Create the portal: configuration, then extensions, blueprints and commands."""
    # INSTANCE_PATH: each node of a deployment may keep its own folder (nothing there is shared).
    instance = os.environ.get("INSTANCE_PATH") or None
    app = PortalFlask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        static_folder=None,
    )
    app.config.from_object(default_config)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    fill_defaults(app.config, app.instance_path)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    # Before any extension touches app.jinja_env (see shared/NHSUK-FRONTEND.md).
    app.jinja_options = {"autoescape": True, "undefined": ChainableUndefined}
    app.jinja_loader = ChoiceLoader([app.jinja_loader, PackageLoader("nhsuk_frontend_jinja")])

    from portal import binding, cleaning, cli, errors, links, security_headers, templating

    links.init_app(app)  # first: its Host check runs before every other hook
    cleaning.init_app(app)  # next, so no other hook reads a control character
    binding.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    _register_blueprints(app)
    _register_tasks(app)
    cli.init_app(app)
    return app


# Each declares its tasks on import, in the order `flask worker --once` runs them: scans
# first, then what they and the web asked for, then mail and housekeeping.
TASK_MODULES = (
    "portal.horizon.tasks",
    "portal.pipeline.tasks",
    "portal.search.tasks",
    "portal.background.housekeeping",
)


def _register_tasks(app):
    from portal import background
    from portal.background import cli as background_cli

    for name in TASK_MODULES:
        import_module(name)
    background.init_app(app)
    background_cli.init_app(app)


def _register_blueprints(app):
    from portal.admin.routes import bp as admin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.horizon.routes import bp as horizon_bp
    from portal.ideas.routes import bp as ideas_bp
    from portal.pages.routes import bp as pages_bp
    from portal.pipeline.routes import bp as pipeline_bp
    from portal.reviews.routes import bp as reviews_bp
    from portal.search.routes import bp as search_bp

    blueprints = (pages_bp, auth_bp, admin_bp, ideas_bp, reviews_bp, pipeline_bp, horizon_bp)
    for bp in (*blueprints, search_bp):
        app.register_blueprint(bp)
    from portal import api
    from portal.auth import sso

    sso.init_app(app)
    api.init_app(app)
