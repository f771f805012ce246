"""Configuration comes from the environment, refuses unsafe production and hardens cookies."""

import re

import pytest

from portal import config as default_config
from portal import create_app
from portal.settings import (
    ENVIRONMENT_VARIABLES,
    ConfigurationError,
    fill_defaults,
    from_environment,
)
from tests.conftest import PASSWORD


@pytest.fixture
def clean_environment(monkeypatch):
    """Unset every variable the portal reads, so the host's environment cannot leak in."""
    for variable in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def defaults(**overrides):
    """Return the plain defaults from portal.config, as create_app starts from them."""
    values = {key: getattr(default_config, key) for key in dir(default_config) if key.isupper()}
    return {**values, **overrides}


def test_environment_variables_map_to_config_keys():
    environ = {
        "PORTAL_ENV": "development",
        "DATABASE_URL": "postgresql://portal@db.internal/portal",
        "SECRET_KEY": "s3cret",
        "SEARCH_INDEX_DIR": "/srv/index",
        "UPLOAD_DIR": "/srv/uploads",
        "MAIL_SERVER": "smtp.example.nhs.uk",
        "MAIL_PORT": "2525",
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "hunter2",
        "MAIL_USE_TLS": "false",
        "MAIL_DEFAULT_SENDER": "Pipeline <pipeline@example.nhs.uk>",
        "CONTACT_EMAIL": "team@example.nhs.uk",
        "TRUSTED_PROXIES": "1",
        "PUBLIC_URL": "https://pipeline.example.nhs.uk",
        "TRUSTED_HOSTS": "pipeline.internal, .example.nhs.uk",
        "UNRELATED": "ignored",
    }
    assert from_environment(environ) == {
        "ENV_NAME": "development",
        "SQLALCHEMY_DATABASE_URI": "postgresql://portal@db.internal/portal",
        "SECRET_KEY": "s3cret",
        "SEARCH_INDEX_DIR": "/srv/index",
        "UPLOAD_DIR": "/srv/uploads",
        "MAIL_SERVER": "smtp.example.nhs.uk",
        "MAIL_PORT": 2525,
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "hunter2",
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": "Pipeline <pipeline@example.nhs.uk>",
        "CONTACT_EMAIL": "team@example.nhs.uk",
        "TRUSTED_PROXIES": 1,
        "PUBLIC_URL": "https://pipeline.example.nhs.uk",
        "ALLOWED_HOSTS": ("pipeline.internal", ".example.nhs.uk"),
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
    ],
)
def test_mail_use_tls_is_read_as_a_boolean(raw, expected):
    assert from_environment({"MAIL_USE_TLS": raw}) == {"MAIL_USE_TLS": expected}


def test_empty_variables_are_ignored():
    assert from_environment({"SECRET_KEY": "", "MAIL_PORT": "", "DATABASE_URL": ""}) == {}


def test_create_app_reads_the_environment(clean_environment, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("PUBLIC_URL", "https://pipeline.example.nhs.uk/")
    monkeypatch.setenv("TRUSTED_HOSTS", "pipeline.internal")
    app = create_app(
        {"SEARCH_INDEX_DIR": str(tmp_path / "index"), "UPLOAD_DIR": str(tmp_path / "uploads")}
    )
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["PUBLIC_URL"] == "https://pipeline.example.nhs.uk"
    assert app.config["ALLOWED_HOSTS"] == ("pipeline.example.nhs.uk", "pipeline.internal")


@pytest.mark.parametrize("via_environment", [False, True])
def test_production_without_secret_key_is_refused(
    clean_environment, monkeypatch, tmp_path, via_environment
):
    test_config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    if via_environment:
        monkeypatch.setenv("PORTAL_ENV", "production")
    else:
        test_config["ENV_NAME"] = "production"
    with pytest.raises(ConfigurationError) as raised:
        create_app(test_config)
    message = str(raised.value)
    assert "SECRET_KEY is not set" in message
    assert "set the SECRET_KEY environment variable" in message
    assert "PORTAL_ENV=development" in message


@pytest.mark.parametrize("via_environment", [False, True])
def test_production_without_public_url_is_refused(
    clean_environment, monkeypatch, tmp_path, via_environment
):
    test_config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    if via_environment:
        monkeypatch.setenv("PORTAL_ENV", "production")
        monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    else:
        test_config |= {"ENV_NAME": "production", "SECRET_KEY": "a-production-secret"}
    with pytest.raises(ConfigurationError, match="PUBLIC_URL is not set") as raised:
        create_app(test_config)
    assert "https://safety-pipeline.example.nhs.uk" in str(raised.value)
    assert "never from a request's Host header" in str(raised.value)


@pytest.mark.parametrize(
    ("public_url", "hosts", "problem"),
    [
        ("pipeline.example.nhs.uk", (), "PUBLIC_URL 'pipeline.example.nhs.uk' is not a web"),
        ("ftp://pipeline.example.nhs.uk", (), "is not a web address"),
        ("https://pipeline.example.nhs.uk/?a=1", (), "no query"),
        ("https://pipeline.example.nhs.uk", ("https://other.example",), "without scheme"),
        ("https://pipeline.example.nhs.uk", ("other.example:8443",), "TRUSTED_HOSTS holds"),
    ],
)
def test_a_malformed_public_url_or_host_list_is_refused(tmp_path, public_url, hosts, problem):
    config = defaults(SECRET_KEY="k", PUBLIC_URL=public_url, ALLOWED_HOSTS=hosts)
    with pytest.raises(ConfigurationError, match=re.escape(problem)):
        fill_defaults(config, str(tmp_path))


def test_development_links_default_to_the_local_server(tmp_path):
    config = defaults(ENV_NAME="development")
    fill_defaults(config, str(tmp_path))
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert config["ALLOWED_HOSTS"] == ("127.0.0.1",)


def test_development_secret_key_is_generated_once_and_reused(tmp_path):
    instance = tmp_path / "instance"
    first = defaults(ENV_NAME="development")
    fill_defaults(first, str(instance))
    second = defaults(ENV_NAME="development")
    fill_defaults(second, str(instance))

    key_file = instance / "secret_key"
    assert len(first["SECRET_KEY"]) == 64  # 32 random bytes as hex
    assert second["SECRET_KEY"] == first["SECRET_KEY"] == key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600

    elsewhere = defaults(ENV_NAME="development")
    fill_defaults(elsewhere, str(tmp_path / "another-instance"))
    assert elsewhere["SECRET_KEY"] != first["SECRET_KEY"]


def test_a_given_secret_key_is_kept_and_nothing_is_written(tmp_path):
    config = defaults(ENV_NAME="development", SECRET_KEY="chosen")
    fill_defaults(config, str(tmp_path))
    assert config["SECRET_KEY"] == "chosen"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/portal", "postgresql+psycopg://u:p@db:5432/portal"),
        ("postgresql://u:p@db:5432/portal", "postgresql+psycopg://u:p@db:5432/portal"),
        ("postgresql+psycopg://u@db/portal", "postgresql+psycopg://u@db/portal"),
        ("sqlite:////srv/portal.sqlite3", "sqlite:////srv/portal.sqlite3"),
    ],
)
def test_database_urls_are_given_the_psycopg_driver(tmp_path, given, expected):
    config = defaults(SECRET_KEY="k", PUBLIC_URL="https://p.example", SQLALCHEMY_DATABASE_URI=given)
    fill_defaults(config, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


def test_defaults_live_in_the_instance_folder(tmp_path):
    config = defaults(SECRET_KEY="k", PUBLIC_URL="https://p.example")
    fill_defaults(config, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert config["SEARCH_INDEX_DIR"] == str(tmp_path / "search-index")
    assert config["UPLOAD_DIR"] == str(tmp_path / "uploads")


def test_production_cookies_are_secure_httponly_and_lax(clean_environment, tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "a-production-secret",
            "PUBLIC_URL": "https://pipeline.example.nhs.uk",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_cookies_are_httponly_and_lax_but_not_secure(tmp_path):
    config = defaults(ENV_NAME="development")
    fill_defaults(config, str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is False  # so http://localhost works
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sign_in_sets_an_httponly_lax_session_cookie(app, client, create_user):
    user = create_user()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    cookies = [
        c
        for c in response.headers.getlist("Set-Cookie")
        if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")
    ]
    assert len(cookies) == 1
    attributes = {
        part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]
    }
    assert "httponly" in attributes
    assert attributes["samesite"] == "SameSite=Lax"
    assert "secure" not in attributes  # the test app runs as development, over http
