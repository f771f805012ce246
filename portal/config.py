"""Plain configuration defaults; `create_app` overlays environment variables and test config.

Nothing here reads the environment: see `portal.settings.from_environment`.
"""

from datetime import timedelta

# "development" (local, relaxed cookies, generated secret key) or "production".
ENV_NAME = "production"
SECRET_KEY = None
SQLALCHEMY_DATABASE_URI = None  # default: sqlite:///<instance>/portal.sqlite3
SQLALCHEMY_ENGINE_OPTIONS: dict = {}
SQLITE_BUSY_TIMEOUT_MS = 5000
# A write request that meets a lock runs again, whole, up to this many times in all; then 503.
WRITE_TRIES = 4
RETRY_SLEEP = None  # default time.sleep; tests set one that does not wait
# "auto": PostgreSQL's own full-text search when the database is PostgreSQL, else Whoosh;
# or "postgresql" / "whoosh" (portal.search.backend).
SEARCH_BACKEND = "auto"
SEARCH_INDEX_DIR = None  # default: <instance>/search-index (the Whoosh backend's)
# Where attachments were kept before their bytes moved into the database: read only by the
# migration that moves them (migrations/versions/20261204_attachment_bytes_in_the_database_*).
UPLOAD_DIR = None  # default: <instance>/uploads
# Background tasks (portal/background): the broker workers take them from. Default: a SQLite
# file in the instance folder (one machine); production: redis://host:6379/0.
TASK_BROKER_URL = None
TASK_QUEUE = "portal"  # every node of one deployment uses the same name
# On Redis, a task whose worker was killed is delivered again after this many seconds: more
# than the longest task takes (a rescoring of a national pool, minutes).
TASK_VISIBILITY_TIMEOUT = 1800
NHSUK_FRONTEND_DIR = None  # default: <project>/node_modules/nhsuk-frontend/dist/nhsuk
# "nhs": the NHS.UK stylesheet loads Frutiger from https://assets.nhs.uk, as published.
# "system": no @font-face at all, so pages ask no other host (the offline demo, the tests).
NHSUK_FONTS = "nhs"

# The address people reach the portal at (scheme, host, optional path): every absolute link,
# in emails and feeds, is built from it and never from a request's Host header. Required in
# production; development and tests fall back to DEVELOPMENT_PUBLIC_URL.
PUBLIC_URL = None
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"
# Host names requests may be addressed to besides PUBLIC_URL's (environment: TRUSTED_HOSTS;
# ".example.org" allows subdomains). Any other Host gets 400. Not Flask's TRUSTED_HOSTS: see
# portal/links.py.
ALLOWED_HOSTS: tuple[str, ...] = ()

# Responses compressed by Flask-Compress (zstd, Brotli or gzip, as the browser accepts): a
# 50-row pipeline page goes from 52 KiB to 9 KiB. Downloads that stream (attachments) and
# static files are sent as they are.
COMPRESS_MIMETYPES = ["text/html", "text/csv", "text/plain", "application/json"]
COMPRESS_STREAMS = False
COMPRESS_LEVEL = 3  # gzip's: a quarter of level 6's time for 10 % more bytes
# A whole request: one 10 MB attachment (the per-file limit, checked in the view) plus the
# multipart wrapping and the form's other fields. Anything larger is refused with 413 unread.
MAX_CONTENT_LENGTH = 10 * 1024 * 1024 + 512 * 1024
# How many reverse proxies sit in front of the app. Behind one (the usual TLS terminator), set
# 1 so the client's address (for sign-in throttling), the scheme and the host come from
# X-Forwarded-* (the host is still checked against ALLOWED_HOSTS; links use PUBLIC_URL).
TRUSTED_PROXIES = 0

SESSION_COOKIE_NAME = "sp_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
# Touch a session's last-seen time at most this often, so reads rarely write.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)

WTF_CSRF_TIME_LIMIT = 4 * 3600

SIGN_IN_MAX_FAILURES = 10
SIGN_IN_FAILURE_WINDOW = timedelta(minutes=15)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
# Roles that sign in with a security code from an authenticator app as well as a password
# (role names, such as ("panel_member", "programme_lead", "admin")). None: those three in
# production and nobody in development, so the demo's accounts sign in with a password.
# Anyone may turn security codes on from their account page.
MFA_REQUIRED_ROLES = None
PASSWORD_MIN_LENGTH = 12
# argon2id parameters (OWASP's first recommended set); tests use cheap ones.
ARGON2_PARAMS = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}

MAIL_SERVER = None  # unset: mail goes to the outbox table and the log only
MAIL_PORT = 587
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_USE_TLS = True
MAIL_DEFAULT_SENDER = "Safety Pipeline <no-reply@safety-pipeline.invalid>"

# Score snapshots are recomputed in the request that changed them while the pipeline holds at
# most this many open ideas (well under a second); beyond it `flask worker` recomputes them.
SNAPSHOT_INLINE_LIMIT = 400
# Scanned items are rescored for relevance in the request that triaged one while there are at
# most this many items (about a second); beyond it `flask worker` rescores them.
SCREENING_INLINE_LIMIT = 1000

# Horizon scanning. The scanners refuse feeds on loopback, private, link-local and metadata
# addresses; networks listed here (CIDRs, such as "127.0.0.0/8" in tests) are let through.
SCANNER_ALLOWED_NETWORKS: tuple[str, ...] = ()
SCANNER_TIMEOUT = 30.0  # seconds for a whole fetch; checking a feed on a page waits 10
# Feeds fetched from a mirror: {a feed's address: the address to fetch it from instead}; only
# those fetches may reach the mirror's network past the guard above.
FEED_MIRRORS: dict[str, str] = {}
# The offline demo: the base URL of `flask demo-feeds serve`. When set, the demo's commands
# (portal/cli.py) add the demo feeds' real addresses to FEED_MIRRORS as the app starts
# (scripts/run.sh sets it unless told not to).
DEMO_FEED_MIRROR = None

SERVICE_NAME = "Safety Pipeline"
CONTACT_EMAIL = "safety-pipeline@example.nhs.uk"

# The read API (/api/v1): calls each personal access token may make per window.
API_RATE_LIMIT = 120
API_RATE_WINDOW = timedelta(minutes=1)

# Single sign-on with OpenID Connect (portal/auth/sso.py): off while the issuer or client id is
# unset. See the README's "Single sign-on".
OIDC_ISSUER = None
OIDC_CLIENT_ID = None
OIDC_CLIENT_SECRET = None
OIDC_BUTTON_LABEL = "Sign in with your NHS account"
OIDC_EMAIL_VERIFIED_CLAIM = None  # a claim that is true only for a verified email address
OIDC_TRUST_AMR = False  # the provider's `amr` naming a second factor stands in for the portal's
OIDC_ORGANISATION_ISSUERS: tuple[str, ...] = ()  # issuers or Entra tenant ids (tid) trusted...
OIDC_ORGANISATION_DOMAINS: dict[str, str] = {}  # ...to match {email domain: organisation name}
