"""The core's own scheduled tasks: deliver queued mail, prune expired sign-in records."""

from flask import current_app

from portal.auth.sessions import prune_sessions
from portal.auth.throttle import prune_attempts
from portal.background.registry import task
from portal.extensions import db
from portal.mail import deliver_outbox


@task("mail.deliver", every=5)
def deliver_mail() -> str:
    """Each message is claimed before it is sent, so two workers never send one twice."""
    sent, failed = deliver_outbox()
    if sent or failed:
        current_app.logger.info("mail sent %d, failed %d", sent, failed)
    return f"mail sent: {sent}, failed: {failed}"


@task("auth.prune", every=3600)
def prune_sign_in_records() -> None:
    pruned = prune_attempts() + prune_sessions()
    db.session.commit()
    if pruned:
        current_app.logger.info("%d expired sign-in records pruned", pruned)
