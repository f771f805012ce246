"""Organisations, users, their roles, invitations, server-side sessions, sign-in attempts,
reset tokens, and second factors (authenticator apps and recovery codes)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.roles import Role
from portal.database import UTCDateTime, enum_column, now_utc
from portal.extensions import db


class OrganisationType(enum.StrEnum):
    NHS_TRUST = "nhs_trust"
    ICB = "icb"
    PRIMARY_CARE = "primary_care"
    CARE_HOME = "care_home"
    AMBULANCE = "ambulance"
    UNIVERSITY = "university"
    COMPANY = "company"
    CHARITY = "charity"
    PATIENT_OR_PUBLIC = "patient_or_public"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.NHS_TRUST: "NHS trust",
    OrganisationType.ICB: "Integrated care board (ICB)",
    OrganisationType.PRIMARY_CARE: "Primary care (for example, a GP practice)",
    OrganisationType.CARE_HOME: "Care home",
    OrganisationType.AMBULANCE: "Ambulance service",
    OrganisationType.UNIVERSITY: "University or research institute",
    OrganisationType.COMPANY: "Company",
    OrganisationType.CHARITY: "Charity or voluntary organisation",
    OrganisationType.PATIENT_OR_PUBLIC: "Patient or member of the public",
    OrganisationType.OTHER: "Other",
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # lower-cased, whitespace-folded name: one record per organisation, however it is typed
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[OrganisationType] = mapped_column(enum_column(OrganisationType))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Horizon scanning: the inbox's keyboard shortcuts (on unless turned off, WCAG 2.1.4)
    # and the secret of the user's private digest feed address.
    keyboard_shortcuts: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    digest_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, role: Role) -> bool:
        return role in self.role_set


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class Invitation(db.Model):
    """An emailed single-use link to set up an account with `role`, or to add the role to an
    existing account once its owner signs in. Only the SHA-256 of the link's token is kept."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invited_by: Mapped[User | None] = relationship()


class UserSession(db.Model):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    # The password was right but the second factor is still to come: such a session signs
    # nobody in; it may only reach the security code and set-up pages (portal/access.py).
    second_factor_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Signed in through single sign-on: the provider's ID token (offered back to it at sign-out,
    # to end that session too), and whether a provider trusted for it (OIDC_TRUST_AMR)
    # asserted a second factor, which then stands in for the portal's own.
    id_token: Mapped[str | None] = mapped_column(sa.Text)
    provider_second_factor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    user: Mapped[User] = relationship()


class SignInAttempt(db.Model):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (sa.Index("ix_sign_in_attempts_ip_address_at", "ip_address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip_address: Mapped[str] = mapped_column(sa.String(45))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    succeeded: Mapped[bool]
    # What was checked: "password", or "second_factor" (a security or recovery code). Each
    # has its own count, so a right password never wipes the failed codes.
    factor: Mapped[str] = mapped_column(
        sa.String(20), default="password", server_default="password"
    )


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TotpFactor(db.Model):
    """A user's authenticator app: the shared secret of its time-based one-time codes.

    Until `confirmed_at` is set the user is still setting it up, and it signs nobody in.
    """

    __tablename__ = "totp_factors"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64))  # base32, as authenticator apps take it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: no code of that step or an earlier
    # one is accepted again, so a code seen over someone's shoulder cannot be replayed.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(db.Model):
    """A single-use code for signing in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessToken(db.Model):
    """A personal access token: what another tool (Power BI, a script) shows the API to act as
    its owner, within its scopes, until it expires or is revoked. Only its SHA-256 is kept;
    the token itself is shown once, when made. Its 256 random bits make a slow hash pointless.
    """

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # the token's first characters, so its owner can tell which one a tool holds
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[str] = mapped_column(sa.String(200))  # space-separated, as in OAuth
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(sa.String(45))
    # The rate limit's fixed window: its start (whole seconds since the epoch) and the calls
    # counted in it, updated in one statement so every worker on every node shares the count.
    window_start: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    window_calls: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class ExternalIdentity(db.Model):
    """An account at an OpenID provider that signs in as a user here: keyed by the provider's
    issuer and the subject it gives the person, never by the email address (Entra ID's email
    claim is neither verified nor fixed)."""

    __tablename__ = "external_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(254))  # as the provider last gave it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
