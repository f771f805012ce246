"""Read configuration from environment variables (called by `create_app`, never at import)."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from portal.auth.roles import Role
from portal.frontend import check_font_mode

# name of variable -> config key; documented in the README's configuration table.
ENVIRONMENT_VARIABLES = {
    "PORTAL_ENV": "ENV_NAME",
    "SECRET_KEY": "SECRET_KEY",
    "PUBLIC_URL": "PUBLIC_URL",
    "TRUSTED_HOSTS": "ALLOWED_HOSTS",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SEARCH_BACKEND": "SEARCH_BACKEND",
    "SEARCH_INDEX_DIR": "SEARCH_INDEX_DIR",
    "UPLOAD_DIR": "UPLOAD_DIR",
    "TASK_BROKER_URL": "TASK_BROKER_URL",
    "TASK_QUEUE": "TASK_QUEUE",
    "TASK_VISIBILITY_TIMEOUT": "TASK_VISIBILITY_TIMEOUT",
    "NHSUK_FRONTEND_DIR": "NHSUK_FRONTEND_DIR",
    "NHSUK_FONTS": "NHSUK_FONTS",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_USERNAME": "MAIL_USERNAME",
    "MAIL_PASSWORD": "MAIL_PASSWORD",
    "MAIL_USE_TLS": "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER": "MAIL_DEFAULT_SENDER",
    "CONTACT_EMAIL": "CONTACT_EMAIL",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "SCANNER_ALLOWED_NETWORKS": "SCANNER_ALLOWED_NETWORKS",
    "DEMO_FEED_MIRROR": "DEMO_FEED_MIRROR",
    "MFA_REQUIRED_ROLES": "MFA_REQUIRED_ROLES",
    "OIDC_ISSUER": "OIDC_ISSUER",
    "OIDC_CLIENT_ID": "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
    "OIDC_BUTTON_LABEL": "OIDC_BUTTON_LABEL",
    "OIDC_EMAIL_VERIFIED_CLAIM": "OIDC_EMAIL_VERIFIED_CLAIM",
    "OIDC_TRUST_AMR": "OIDC_TRUST_AMR",
    "OIDC_ORGANISATION_ISSUERS": "OIDC_ORGANISATION_ISSUERS",
    "OIDC_ORGANISATION_DOMAINS": "OIDC_ORGANISATION_DOMAINS",
}
_INTEGERS = {"MAIL_PORT", "TRUSTED_PROXIES", "TASK_VISIBILITY_TIMEOUT"}
_BOOLEANS = {"MAIL_USE_TLS", "OIDC_TRUST_AMR"}
_LISTS = {  # comma-separated
    "SCANNER_ALLOWED_NETWORKS",
    "ALLOWED_HOSTS",
    "MFA_REQUIRED_ROLES",
    "OIDC_ORGANISATION_ISSUERS",
}
_MAPPINGS = {"OIDC_ORGANISATION_DOMAINS"}  # "key=value;key=value" (names may hold commas)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Who needs a second factor in production unless MFA_REQUIRED_ROLES says otherwise.
STAFF_ROLES = frozenset({Role.PANEL_MEMBER, Role.PROGRAMME_LEAD, Role.ADMIN})


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely."""


def from_environment(environ=None) -> dict:
    """Return the config values set through environment variables."""
    environ = os.environ if environ is None else environ
    values = {}
    for variable, key in ENVIRONMENT_VARIABLES.items():
        if variable not in environ or environ[variable] == "":
            continue
        raw = environ[variable]
        if key in _INTEGERS:
            values[key] = int(raw)
        elif key in _BOOLEANS:
            values[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif key in _LISTS:
            values[key] = tuple(part.strip() for part in raw.split(",") if part.strip())
        elif key in _MAPPINGS:
            pairs = (part.split("=", 1) for part in raw.split(";") if "=" in part)
            values[key] = {k.strip().lower(): v.strip() for k, v in pairs if k.strip()}
        else:
            values[key] = raw
    return values


def fill_defaults(config, instance_path: str) -> None:
    """Fill the defaults that depend on the instance folder, and check production safety."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    elif uri.startswith("postgres://"):  # Heroku-style URLs name no driver
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgres://") :]
    elif uri.startswith("postgresql://"):
        config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://") :]
    config["SEARCH_INDEX_DIR"] = config.get("SEARCH_INDEX_DIR") or str(instance / "search-index")
    config["UPLOAD_DIR"] = config.get("UPLOAD_DIR") or str(instance / "uploads")
    config["TASK_BROKER_URL"] = config.get("TASK_BROKER_URL") or (
        f"sqla+sqlite:///{instance / 'tasks.sqlite3'}"
    )
    config["NHSUK_FRONTEND_DIR"] = config.get("NHSUK_FRONTEND_DIR") or str(
        PROJECT_ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
    )
    try:
        config["NHSUK_FONTS"] = check_font_mode(config.get("NHSUK_FONTS"))
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    config["MFA_REQUIRED_ROLES"] = _mfa_roles(config.get("MFA_REQUIRED_ROLES"), config["ENV_NAME"])
    development = config["ENV_NAME"] == "development" or config.get("TESTING")
    if development:
        config["SESSION_COOKIE_SECURE"] = config.get("TESTING_SECURE_COOKIES", False)
    if not config.get("SECRET_KEY"):
        if not development:
            raise ConfigurationError(
                "SECRET_KEY is not set. In production, set the SECRET_KEY environment variable "
                "to a long random value (for example: python -c 'import secrets; "
                "print(secrets.token_hex(32))'), or set PORTAL_ENV=development for local use."
            )
        config["SECRET_KEY"] = _local_secret_key(instance)
    _check_public_url(config, development)


def _check_public_url(config, development) -> None:
    """Require PUBLIC_URL in production; trust its host besides those TRUSTED_HOSTS lists."""
    url = config.get("PUBLIC_URL")
    if not url:
        if not development:
            raise ConfigurationError(
                "PUBLIC_URL is not set. In production, set it to the address people use to "
                "reach the portal (for example https://safety-pipeline.example.nhs.uk): links "
                "in emails and feeds are built from it, never from a request's Host header. "
                "Or set PORTAL_ENV=development for local use."
            )
        url = config["DEVELOPMENT_PUBLIC_URL"]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigurationError(
            f"PUBLIC_URL {url!r} is not a web address such as https://pipeline.example.nhs.uk "
            "(an optional path is allowed; no query)."
        )
    config["PUBLIC_URL"] = url.rstrip("/")
    hosts = [parts.hostname, *(h.strip().lower() for h in config.get("ALLOWED_HOSTS") or ())]
    for host in hosts:
        if not host or "/" in host or host.count(":") == 1:
            raise ConfigurationError(
                f"TRUSTED_HOSTS holds {host!r}: list host names without scheme or port, such "
                "as pipeline.example.nhs.uk,localhost (a leading dot allows subdomains)."
            )
    config["ALLOWED_HOSTS"] = tuple(dict.fromkeys(hosts))


def _mfa_roles(names, env_name: str) -> frozenset[Role]:
    """The roles that must sign in with a second factor ("none" names no role)."""
    if names is None:
        return frozenset() if env_name == "development" else STAFF_ROLES
    if isinstance(names, str):
        names = names.split(",")
    names = {str(name).strip() for name in names} - {"none", ""}
    unknown = names - {role.value for role in Role}
    if unknown:
        raise ConfigurationError(
            f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(sorted(unknown))}. Use a "
            f"comma-separated list of {', '.join(role.value for role in Role)}, or none."
        )
    return frozenset(Role(name) for name in names)


def _local_secret_key(instance: Path) -> str:
    """Return the development secret key, generating it into the instance folder once."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
