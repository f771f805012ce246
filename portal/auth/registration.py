"""Self-registration that does not tell whether an email address already has an account.

A new address gets its account and a welcome email; a known one gets no account, and its owner
an email saying someone tried. Both answer the same page, both create the organisation typed
(the registration form lists organisations, so creating it in one case only would tell), and
both hash the password once, so the time taken tells nothing either.
"""

from flask import current_app

from portal import audit
from portal.auth import passwords
from portal.auth.models import Organisation
from portal.auth.roles import Role
from portal.auth.services import (
    AccountError,
    create_user,
    find_user_by_email,
    normalise_email,
)
from portal.links import absolute_url
from portal.mail import queue_mail


def register_innovator(email: str, name: str, password: str, organisation: Organisation) -> None:
    """Create an innovator account for a new address, or email the owner of a known one."""
    email = normalise_email(email)
    problem = passwords.password_problem(password, [email, name])
    if problem:  # checked first, so a weak password is refused alike for both
        raise AccountError(problem, "password")
    existing = find_user_by_email(email)
    if existing is None:
        user = create_user(
            email, name, password, organisation, roles=(Role.INNOVATOR,), check_password=False
        )
        queue_mail(user.email, "Your account has been created", _welcome(user.name))
        return
    passwords.hash_password(password)  # the work a new account costs, thrown away
    audit.record(None, "user.registration_for_existing_account", existing)
    if existing.active:
        queue_mail(
            existing.email,
            "Someone tried to create an account with your email address",
            _already_registered(existing.name),
        )


def _welcome(name: str) -> str:
    service = current_app.config["SERVICE_NAME"]
    return (
        f"Hello {name},\n\nYour {service} account has been created. Sign in with this email "
        f"address and the password you chose:\n\n{absolute_url('auth.sign_in')}\n\n"
        "If you did not create this account, someone else used your email address. Reset the "
        f"password to take the account over:\n\n{absolute_url('auth.request_reset')}\n\nand "
        f"tell us at {current_app.config['CONTACT_EMAIL']}.\n"
    )


def _already_registered(name: str) -> str:
    service = current_app.config["SERVICE_NAME"]
    return (
        f"Hello {name},\n\nSomeone tried to create a {service} account with this email "
        "address, but you already have one, so no new account was made.\n\nIf it was you, "
        f"sign in:\n\n{absolute_url('auth.sign_in')}\n\nIf you have forgotten your password, "
        f"reset it:\n\n{absolute_url('auth.request_reset')}\n\nIf it was not you, you can "
        "ignore this email: nothing has changed in your account.\n"
    )
