"""Inviting people by email to a role: a single-use link that sets up an account with that
role, or adds the role to an existing account once its owner signs in.

One service for everyone who invites. Who may invite whom is `INVITERS`: programme leads build
the review panel, admins add people in any role. The service checks it whatever a form sent.
Only the SHA-256 digest of the link's token is stored, as for password reset links.
"""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.auth import services
from portal.auth.models import Invitation, User, UserRole
from portal.auth.roles import Role
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import queue_mail
from portal.ui import format_datetime

INVITATION_LIFETIME = timedelta(days=14)
# The roles each role may invite people to.
INVITERS = {
    Role.PROGRAMME_LEAD: frozenset({Role.PANEL_MEMBER}),
    Role.ADMIN: frozenset(Role),
}


@dataclass(frozen=True)
class Offer:
    """What an invitation to a role offers, in the words of its email and pages."""

    joining: str  # "{service}" stands for the service's name
    short: str  # after "Sign in as … to": what accepting does
    about: str


OFFERS = {
    Role.INNOVATOR: Offer(
        "share ideas for safer care with {service}",
        "join as an innovator",
        "Innovators share ideas for making care safer and follow them through review.",
    ),
    Role.PANEL_MEMBER: Offer(
        "join the {service} review panel",
        "join the panel",
        "Panel members score proposals for making care safer against a shared rubric.",
    ),
    Role.PROGRAMME_LEAD: Offer(
        "join {service} as a programme lead",
        "join as a programme lead",
        "Programme leads triage the ideas people share, run review rounds and decide which "
        "ideas go forward.",
    ),
    Role.ADMIN: Offer(
        "join {service} as an admin",
        "join as an admin",
        "Admins manage people's accounts and roles and read the audit trail.",
    ),
}


class InvitationError(ValueError):
    """An invitation the rules refuse; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def invitable_roles(inviter: User) -> tuple[Role, ...]:
    """The roles `inviter` may invite people to, in the order roles are listed."""
    allowed = set().union(*(INVITERS.get(role, ()) for role in inviter.role_set))
    return tuple(role for role in Role if role in allowed)


def joining(role: Role) -> str:
    """What the invitation asks the invitee to do, such as "join the … review panel"."""
    return OFFERS[role].joining.format(service=current_app.config["SERVICE_NAME"])


def invite(inviter: User, name: str, email: str, role: Role) -> Invitation:
    """Record an invitation to `role` and queue its email; earlier unused links to the email
    stop working."""
    if role not in invitable_roles(inviter):
        current_app.logger.warning(
            "Refused: user %s may not invite people as %s", inviter.id, role.value
        )
        raise InvitationError(f"You cannot invite people as {_a(role)}", "role")
    email = services.normalise_email(email)
    name = " ".join(name.split())
    existing = services.find_user_by_email(email)
    if existing is not None and existing.has_role(role):
        raise InvitationError(
            f"{email} already has an account with the {role.label.lower()} role", "email"
        )
    if existing is not None and not existing.active:
        raise InvitationError(
            f"The account for {email} is deactivated. Ask an admin to reactivate it first", "email"
        )
    now = utcnow()
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.email == email, Invitation.accepted_at.is_(None), Invitation.expires_at > now
        )
        .values(expires_at=now)
    )
    token = new_token()
    invitation = Invitation(
        email=email,
        name=name,
        role=role,
        token_hash=digest(token),
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(
        email,
        f"You are invited to {joining(role)}",
        _message(invitation, token, inviter, existing is not None),
    )
    audit.record(
        inviter,
        "user.invited",
        invitation,
        email=email,
        role=role.value,
        existing_account=existing is not None,
    )
    return invitation


def _a(role: Role) -> str:
    label = role.label.lower()
    return ("an " if label[0] in "aeiou" else "a ") + label


def _message(invitation, token, inviter, has_account) -> str:
    link = absolute_url("auth.accept_invitation", token=token)
    deadline = format_datetime(invitation.expires_at, "%-d %B %Y")
    how = (
        "You already have an account with this email address. Open the link, sign in with that "
        f"account, and the {invitation.role.label.lower()} role will be added to it."
        if has_account
        else "Open the link to choose your organisation and a password."
    )
    return (
        f"Hello {invitation.name},\n\n{inviter.name} has invited you to "
        f"{joining(invitation.role)}. {OFFERS[invitation.role].about}\n\n"
        f"{how} The link works once, until {deadline}:\n\n{link}\n\n"
        "If you were not expecting this invitation, you can ignore this email.\n"
    )


def usable_invitation(token: str) -> Invitation | None:
    """The invitation for `token` if it is unused and unexpired, and its sender may still
    invite people to its role (an admin who lost the role, or left, grants nothing); else None."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(sa.select(Invitation).filter_by(token_hash=digest(token)))
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.expires_at <= utcnow():
        return None
    inviter = invitation.invited_by
    if inviter is None or not inviter.active or invitation.role not in invitable_roles(inviter):
        return None
    return invitation


def _claim(invitation: Invitation) -> None:
    """Mark the invitation used, atomically, so two requests cannot both use one link."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now)
    ).rowcount
    if claimed != 1:
        raise InvitationError("This invitation has expired or has already been used")


def accept_as_new_user(invitation: Invitation, name: str, password: str, organisation) -> User:
    """Create the invited person's account with only the role invited to; return it."""
    _claim(invitation)
    user = services.create_user(
        invitation.email, name, password, organisation, roles=(invitation.role,)
    )
    for grant in user.role_grants:
        grant.granted_by_id = invitation.invited_by_id
    audit.record(user, "user.invitation_accepted", invitation, new_account=True)
    return user


def accept_as_existing_user(invitation: Invitation, user: User) -> bool:
    """Add the invited role to the signed-in invitee; return whether it was added."""
    if user.email != invitation.email:
        raise InvitationError(f"This invitation is for {invitation.email}")
    _claim(invitation)
    added = not user.has_role(invitation.role)
    if added:
        user.role_grants.append(
            UserRole(
                role=invitation.role, granted_at=utcnow(), granted_by_id=invitation.invited_by_id
            )
        )
        audit.record(
            invitation.invited_by,
            "role.granted",
            user,
            role=invitation.role.value,
            invitation=invitation.id,
        )
    audit.record(user, "user.invitation_accepted", invitation, new_account=False)
    db.session.flush()
    return added


def pending_invitations(role: Role | None = None) -> list[Invitation]:
    """Invitations (to `role`, if given) not yet used whose links still work, newest first."""
    query = sa.select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()
    )
    if role is not None:
        query = query.where(Invitation.role == role)
    return db.session.scalars(
        query.order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()
