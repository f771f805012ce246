"""Outgoing mail: every message is written to the outbox table (and the log) first.

`flask worker` delivers queued messages over SMTP when MAIL_SERVER is set. Without it, as in
development, nothing is sent: each message is printed whole, links and all, as a warning in the
log (which `make run` shows in its terminal), so a newcomer can follow a password-reset link,
and stays in the outbox table. Where mail is delivered, or in production without a mail server,
the log names only the recipient and subject: a body may hold a sign-in or reset link, which
does not belong in a production log.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.database import UTCDateTime, now_utc
from portal.extensions import db

_quiet: ContextVar[bool] = ContextVar("quiet_mail_log", default=False)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def queue_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Queue a plain-text message; it is sent after the transaction commits."""
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, created_at=utcnow())
    db.session.add(message)
    _log(message)
    return message


def _log(message: OutboxMessage) -> None:
    config, logger = current_app.config, current_app.logger
    if config.get("MAIL_SERVER"):
        logger.info("mail queued to %s: %s", message.recipient, message.subject)
    elif config["ENV_NAME"] == "development" or config.get("TESTING"):
        logger.log(
            logging.INFO if _quiet.get() else logging.WARNING,
            "Email not sent (MAIL_SERVER is not set), shown here instead:\n"
            "To: %s\nSubject: %s\n\n%s",
            message.recipient,
            message.subject,
            message.body,
        )
    else:
        logger.warning(
            "mail to %s not sent, as MAIL_SERVER is not set (it waits in outbox_messages): %s",
            message.recipient,
            message.subject,
        )


@contextmanager
def quiet_mail_log() -> Iterator[None]:
    """Log the mail queued inside at INFO, not WARNING (the demo's many invented emails)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def deliver_outbox(limit: int = 50, max_attempts: int = 5) -> tuple[int, int]:
    """Send unsent messages over SMTP; return (sent, failed). Needs MAIL_SERVER."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0, 0
    pending = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < max_attempts)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message in pending:
        message.attempts += 1
        try:
            _send_smtp(config, message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:1000]
            failed += 1
        else:
            message.sent_at = utcnow()
            sent += 1
    return sent, failed


def _send_smtp(config, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
