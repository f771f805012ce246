"""Binding the extensions to an app: the models, SQLite tuning, sessions, access check and
compression.

Apart from `extensions.py` (which every model imports, so it must import none of them).
"""

from portal import models  # noqa: F401  (every model registers on the metadata)
from portal.access import enforce_access_rule
from portal.auth.sessions import load_user
from portal.database import configure_postgresql, configure_sqlite
from portal.extensions import compress, csrf, db, login_manager, migrate
from portal.settings import PROJECT_ROOT


def init_app(app):
    """Bind the extensions, the SQLite tuning, sessions and the access check to `app`."""
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # server-side sessions do this job
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif db.engine.dialect.name == "postgresql":
            configure_postgresql(db.engine)
    app.before_request(enforce_access_rule)
