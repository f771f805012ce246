"""Mail in the log: whole, as a warning, where nothing is sent; never a body where it is."""

import logging
import re

import pytest

from portal.mail import queue_mail, quiet_mail_log


def mail_records(caplog):
    return [r for r in caplog.records if r.name == "portal" and r.module == "mail"]


def test_in_development_an_email_is_a_warning_with_its_links(client, create_user, caplog):
    create_user(email="ada@example.org")
    with caplog.at_level(logging.WARNING):
        client.post("/password-reset", data={"email": "ada@example.org"})
    [record] = mail_records(caplog)
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert text.startswith("Email not sent (MAIL_SERVER is not set), shown here instead:")
    assert "To: ada@example.org\nSubject: Reset your password\n" in text
    assert re.search(r"^http://localhost/password-reset/\S+$", text, re.M)


@pytest.fixture
def mail_server(app):
    app.config["MAIL_SERVER"] = "smtp.example.invalid"  # nothing is delivered in this test
    yield
    app.config["MAIL_SERVER"] = None


def test_where_mail_is_delivered_the_log_names_only_recipient_and_subject(
    app, connection, mail_server, caplog
):
    with app.test_request_context(), caplog.at_level(logging.INFO):
        queue_mail("ada@example.org", "Reset your password", "http://localhost/secret-link")
    [record] = mail_records(caplog)
    assert record.levelno == logging.INFO
    assert record.getMessage() == "mail queued to ada@example.org: Reset your password"


def test_in_production_without_a_mail_server_no_body_is_logged(app, connection, caplog):
    app.config["ENV_NAME"], app.config["TESTING"] = "production", False
    try:
        with app.test_request_context():
            queue_mail("ada@example.org", "Reset your password", "http://localhost/secret-link")
    finally:
        app.config["ENV_NAME"], app.config["TESTING"] = "development", True
    [record] = mail_records(caplog)
    assert record.levelno == logging.WARNING and "secret-link" not in record.getMessage()


def test_the_demo_loads_its_emails_quietly(app, connection, caplog):
    with app.test_request_context(), caplog.at_level(logging.INFO), quiet_mail_log():
        queue_mail("ada@example.org", "Hello", "Body")
    assert [r.levelno for r in mail_records(caplog)] == [logging.INFO]
