"""Outgoing mail: every message is written to the outbox table (and the log) first.

The `mail.deliver` task (`flask worker`) delivers queued messages over SMTP when MAIL_SERVER is
set. Without it, as in development, nothing is sent: each message is printed whole, links and
all, as a warning in the log (which `make run` shows in its terminal), so a newcomer can follow
a password-reset link, and stays in the outbox table. Where mail is delivered, or in production
without a mail server, the log names only the recipient and subject: a body may hold a sign-in
or reset link, which does not belong in a production log.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.database import UTCDateTime, now_utc
from portal.extensions import db

SENDING = timedelta(minutes=5)  # longer than an SMTP exchange may take (timeout 30 s)
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
    # A worker sending the message holds it until then, so no other worker sends it too.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
    """Send unsent messages over SMTP; return (sent, failed). Needs MAIL_SERVER.

    Each message is claimed by one conditional UPDATE and marked sent in its own commit, so
    workers running this at once never send a message twice. A worker killed between the
    SMTP server's acceptance and that commit leaves the claim to expire, and the message is
    sent again: delivery is at least once, never lost.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0, 0
    pending = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(_sendable(max_attempts, utcnow()))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = failed = 0
    for message_id in pending:
        message = _claim(message_id, max_attempts)
        if message is None:
            continue  # another worker took it
        try:
            _send_smtp(config, message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:1000]
            message.claimed_until = None
            failed += 1
        else:
            message.sent_at = utcnow()
            sent += 1
        db.session.commit()
    return sent, failed


def _sendable(max_attempts: int, now):
    return sa.and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < max_attempts,
        sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _claim(message_id: int, max_attempts: int) -> OutboxMessage | None:
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _sendable(max_attempts, now))
        .values(claimed_until=now + SENDING, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    return db.session.get(OutboxMessage, message_id) if claimed else None


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
