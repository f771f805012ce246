"""Inviting panel members by email: a single-use link that sets up an account with the
panel member role, or adds the role to an existing account once its owner signs in.

Only the SHA-256 digest of the link's token is stored, as for password reset links.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from portal import audit
from portal.auth import services
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.auth.tokens import digest, new_token
from portal.clock import utcnow
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import queue_mail
from portal.reviews.models import PanelInvitation
from portal.ui import format_datetime

INVITATION_LIFETIME = timedelta(days=14)


class InvitationError(ValueError):
    """An invitation the rules refuse; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def invite_panel_member(lead: User, name: str, email: str) -> PanelInvitation:
    """Record an invitation and queue its email; earlier unused links to the email stop working."""
    email = services.normalise_email(email)
    name = " ".join(name.split())
    existing = services.find_user_by_email(email)
    if existing is not None and existing.has_role(Role.PANEL_MEMBER):
        raise InvitationError(f"{email} already has an account with the panel member role", "email")
    if existing is not None and not existing.active:
        raise InvitationError(
            f"The account for {email} is deactivated. Ask an admin to reactivate it first", "email"
        )
    now = utcnow()
    db.session.execute(
        sa.update(PanelInvitation)
        .where(
            PanelInvitation.email == email,
            PanelInvitation.accepted_at.is_(None),
            PanelInvitation.expires_at > now,
        )
        .values(expires_at=now)
    )
    token = new_token()
    invitation = PanelInvitation(
        email=email,
        name=name,
        token_hash=digest(token),
        invited_by_id=lead.id,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_mail(
        email,
        "You are invited to join the review panel",
        _message(invitation, token, lead, existing is not None),
    )
    audit.record(lead, "panel.invited", invitation, email=email, existing_account=bool(existing))
    return invitation


def _message(invitation, token, lead, has_account) -> str:
    service = current_app.config["SERVICE_NAME"]
    link = absolute_url("reviews.accept_invitation", token=token)
    deadline = format_datetime(invitation.expires_at, "%-d %B %Y")
    how = (
        "You already have an account with this email address. Open the link, sign in with that "
        "account, and the panel member role will be added to it."
        if has_account
        else "Open the link to choose your organisation and a password."
    )
    return (
        f"Hello {invitation.name},\n\n{lead.name} has invited you to join the review panel of "
        f"{service}. Panel members score proposals for making care safer against a shared "
        f"rubric.\n\n{how} The link works once, until {deadline}:\n\n{link}\n\n"
        "If you were not expecting this invitation, you can ignore this email.\n"
    )


def usable_invitation(token: str) -> PanelInvitation | None:
    """The invitation for `token` if it is unused and unexpired, else None."""
    if not token or len(token) > 100:
        return None
    invitation = db.session.scalar(sa.select(PanelInvitation).filter_by(token_hash=digest(token)))
    if invitation is None or invitation.accepted_at is not None:
        return None
    if invitation.expires_at <= utcnow():
        return None
    return invitation


def _claim(invitation: PanelInvitation) -> None:
    """Mark the invitation used, atomically, so two requests cannot both use one link."""
    now = utcnow()
    claimed = db.session.execute(
        sa.update(PanelInvitation)
        .where(
            PanelInvitation.id == invitation.id,
            PanelInvitation.accepted_at.is_(None),
            PanelInvitation.expires_at > now,
        )
        .values(accepted_at=now)
    ).rowcount
    if claimed != 1:
        raise InvitationError("This invitation has expired or has already been used")


def accept_as_new_user(invitation: PanelInvitation, name: str, password: str, organisation):
    """Create the invited person's account with only the panel member role; return it."""
    _claim(invitation)
    user = services.create_user(
        invitation.email, name, password, organisation, roles=(Role.PANEL_MEMBER,)
    )
    for grant in user.role_grants:
        grant.granted_by_id = invitation.invited_by_id
    audit.record(user, "panel.invitation_accepted", invitation, new_account=True)
    return user


def accept_as_existing_user(invitation: PanelInvitation, user: User) -> bool:
    """Add the panel member role to the signed-in invitee; return whether it was added."""
    if user.email != invitation.email:
        raise InvitationError(f"This invitation is for {invitation.email}")
    _claim(invitation)
    added = not user.has_role(Role.PANEL_MEMBER)
    if added:
        user.role_grants.append(
            UserRole(
                role=Role.PANEL_MEMBER, granted_at=utcnow(), granted_by_id=invitation.invited_by_id
            )
        )
        inviter = (
            db.session.get(User, invitation.invited_by_id) if invitation.invited_by_id else None
        )
        audit.record(
            inviter, "role.granted", user, role=Role.PANEL_MEMBER.value, invitation=invitation.id
        )
    audit.record(user, "panel.invitation_accepted", invitation, new_account=False)
    db.session.flush()
    return added


def pending_invitations() -> list[PanelInvitation]:
    """Invitations not yet used whose links still work, newest first."""
    return db.session.scalars(
        sa.select(PanelInvitation)
        .where(PanelInvitation.accepted_at.is_(None), PanelInvitation.expires_at > utcnow())
        .order_by(PanelInvitation.created_at.desc(), PanelInvitation.id.desc())
    ).all()
