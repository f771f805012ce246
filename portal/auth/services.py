"""Account services: registration, signing in and out, passwords, roles and organisations.

Services add and flush but never commit; the view or command that calls them commits once.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.auth import mfa, passwords, sessions, throttle
from portal.auth.models import (
    Organisation,
    OrganisationType,
    PasswordResetToken,
    User,
    UserRole,
)
from portal.auth.roles import Role
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import queue_mail


class AccountError(ValueError):
    """A request the account rules refuse; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def organisation_key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).filter_by(email=normalise_email(email)))


def find_or_create_organisation(name: str, type_: OrganisationType, actor=None) -> Organisation:
    """Return the organisation called `name` (however cased), creating it if new."""
    clean = re.sub(r"\s+", " ", name).strip()
    if not clean:
        raise AccountError("Enter the name of your organisation", "organisation_name")
    key = organisation_key(clean)
    lookup = sa.select(Organisation).filter_by(name_key=key)
    existing = db.session.scalar(lookup)
    if existing is not None:
        return existing
    organisation = Organisation(name=clean, name_key=key, type=type_)
    try:
        with db.session.begin_nested():  # another request may add the same one meanwhile
            db.session.add(organisation)
    except IntegrityError:
        return db.session.scalars(lookup).one()
    audit.record(actor, "organisation.created", organisation, name=clean, type=type_.value)
    return organisation


def chosen_organisation(choice: str, name: str, type_value: str, not_listed: str) -> Organisation:
    """The organisation picked on an account form: a listed one by id, or the one typed in
    (found or created) when the choice is `not_listed`."""
    if choice == not_listed:
        return find_or_create_organisation(name, OrganisationType(type_value))
    return db.session.get(Organisation, int(choice))


def create_user(
    email: str,
    name: str,
    password: str,
    organisation: Organisation | None,
    roles=(Role.INNOVATOR,),
    actor=None,
    check_password: bool = True,
) -> User:
    """Create an active user with `roles`; refuse a duplicate email or a weak password."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(
            "An account with this email address already exists. Sign in, or reset your "
            "password if you have forgotten it",
            "email",
        )
    if check_password:
        problem = passwords.password_problem(password, [email, name])
        if problem:
            raise AccountError(problem, "password")
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation,
        password_hash=passwords.hash_password(password),
        created_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    for role in roles:
        user.role_grants.append(UserRole(role=role, granted_at=utcnow(), granted_by_id=None))
    audit.record(actor or user, "user.registered", user, roles=sorted(r.value for r in roles))
    return user


@dataclass
class SignInResult:
    user: User | None = None
    retry_after: int | None = None
    # the password was right; a security code (or setting up an app) comes next
    second_factor_pending: bool = False


def sign_in(email: str, password: str, ip_address: str) -> SignInResult:
    """Check the credentials under throttling; on success start a server-side session (one
    waiting for the second factor when the user has or needs one)."""
    email = normalise_email(email)
    wait = throttle.retry_after(email, ip_address)
    if wait is not None:
        return SignInResult(retry_after=wait)
    user = find_user_by_email(email)
    if user is None:
        passwords.burn_verification_time(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and user.active
    if not ok:
        throttle.record_attempt(email, ip_address, succeeded=False)
        audit.record(
            None,
            "user.sign_in_failed",
            object_type="users",
            object_id=getattr(user, "id", None),
            email=email,
            ip=ip_address,
        )
        return SignInResult()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    throttle.clear_failures(email)
    throttle.record_attempt(email, ip_address, succeeded=True)
    if mfa.needs_second_factor(user):
        sessions.start_session(user, second_factor_pending=True)
        return SignInResult(user=user, second_factor_pending=True)
    open_session(user, ip_address)
    return SignInResult(user=user)


def open_session(user: User, ip_address: str) -> None:
    """Start a server-side session for `user` (after a sign-in or a registration)."""
    user.last_sign_in_at = utcnow()
    sessions.start_session(user)
    audit.record(user, "user.signed_in", user, ip=ip_address)


def sign_out(user: User) -> None:
    sessions.revoke_current_session()
    audit.record(user, "user.signed_out", user)


def change_password(user: User, current: str, new: str) -> None:
    """Change the password, end the user's other sessions and renew this one's token (a
    copy of the old cookie stops working)."""
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("Your current password is not correct", "current_password")
    problem = passwords.password_problem(new, [user.email, user.name])
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = passwords.hash_password(new)
    ended = sessions.revoke_all_sessions(user, keep=sessions.current_session_record())
    sessions.renew_session(user)
    audit.record(user, "user.password_changed", user, other_sessions_ended=ended)


def request_password_reset(email: str) -> None:
    """Email a single-use reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = new_token()
    now = utcnow()
    db.session.add(
        PasswordResetToken(
            token_hash=digest(token),
            user=user,
            created_at=now,
            expires_at=now + current_app.config["PASSWORD_RESET_LIFETIME"],
        )
    )
    link = absolute_url("auth.reset_password", token=token)
    queue_mail(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone asked to reset the password for your "
        f"{current_app.config['SERVICE_NAME']} account. To choose a new password, open this "
        f"link within one hour:\n\n{link}\n\nThe link works once. If you did not ask for this, "
        "you can ignore this email: your password has not changed.\n",
    )
    audit.record(None, "user.password_reset_requested", user)


def usable_reset_token(token: str) -> PasswordResetToken | None:
    record = db.session.scalar(sa.select(PasswordResetToken).filter_by(token_hash=digest(token)))
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    if not record.user.active:
        return None
    return record


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset link; the link is spent and all sessions end."""
    record = usable_reset_token(token)
    if record is None:
        raise AccountError("This password reset link has expired or has already been used")
    user = record.user
    problem = passwords.password_problem(new, [user.email, user.name])
    if problem:
        raise AccountError(problem, "password")
    user.password_hash = passwords.hash_password(new)
    record.used_at = utcnow()
    ended = sessions.revoke_all_sessions(user)
    audit.record(user, "user.password_reset", user, sessions_ended=ended)
    return user


def set_roles(user: User, wanted: set[Role], actor: User) -> tuple[set[Role], set[Role]]:
    """Grant and revoke so `user` holds exactly `wanted`; return (granted, revoked)."""
    held = set(user.role_set)
    if user.id == actor.id and Role.ADMIN in held and Role.ADMIN not in wanted:
        raise AccountError("You cannot remove your own admin role", "roles")
    granted, revoked = wanted - held, held - wanted
    for grant in list(user.role_grants):
        if grant.role in revoked:
            user.role_grants.remove(grant)
            audit.record(actor, "role.revoked", user, role=grant.role.value)
    for role in sorted(granted):
        user.role_grants.append(UserRole(role=role, granted_at=utcnow(), granted_by_id=actor.id))
        audit.record(actor, "role.granted", user, role=role.value)
    db.session.flush()
    return granted, revoked


def set_active(user: User, active: bool, actor: User) -> None:
    """Activate or deactivate `user`; deactivation ends all their sessions."""
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account", "active")
    if user.active == active:
        return
    user.active = active
    ended = 0 if active else sessions.revoke_all_sessions(user)
    audit.record(
        actor, "user.activated" if active else "user.deactivated", user, sessions_ended=ended
    )
