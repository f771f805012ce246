"""The audit trail: who did what to which object, and when.

Services call `record(...)` in the same transaction as the change they describe, so an event
exists exactly when its change was committed.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.database import UTCDateTime, now_utc
from portal.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])

    @property
    def label(self) -> str:
        """The action in words, for people reading the trail."""
        return ACTION_LABELS.get(self.action, self.action.replace("_", " ").replace(".", ": "))


ACTION_LABELS = {
    "user.registered": "Account created",
    "user.registration_for_existing_account": "Registration tried with this account's email",
    "user.signed_in": "Signed in",
    "user.signed_out": "Signed out",
    "user.sign_in_failed": "Sign-in failed",
    "user.password_changed": "Password changed",
    "user.password_reset_requested": "Password reset requested",
    "user.password_reset": "Password reset",
    "user.activated": "Account reactivated",
    "user.deactivated": "Account deactivated",
    "user.mfa_set_up": "Security codes set up",
    "user.mfa_turned_off": "Security codes turned off",
    "user.mfa_reset": "Security codes reset by an admin",
    "user.recovery_codes_replaced": "New recovery codes made",
    "user.second_factor_failed": "Security code not accepted",
    "user.invited": "Invitation sent",
    "user.invitation_accepted": "Invitation accepted",
    "user.sso_linked": "Organisation's account linked for signing in",
    "user.sso_linked_by_verified_email": "Organisation's account linked by its verified email",
    "user.registered_by_sso": "Organisation's account linked to a new account",
    "user.sso_unlinked": "Organisation's account unlinked",
    "access_token.created": "Personal access token made",
    "access_token.revoked": "Personal access token revoked",
    "api.called": "API called",
    "api.rate_limited": "API call refused: too many calls",
    "panel.invited": "Invitation to the panel sent",  # before invitations covered every role
    "panel.invitation_accepted": "Invitation to the panel accepted",
    "role.granted": "Role granted",
    "role.revoked": "Role revoked",
    "organisation.created": "Organisation added",
    "pipeline.exported": "Pipeline exported",
    "decision.made": "Decision made",
    "decision.reopened": "Decision reopened",
    "workstream.created": "Workstream added",
    "workstream.updated": "Workstream changed",
    "conflict.none_declared": "No conflict of interest declared",
    "conflict.declared": "Conflict of interest declared",
    "conflict.cleared": "Conflict of interest cleared",
    "feed.added": "Feed added",
    "feed.updated": "Feed changed",
    "feed.paused": "Feed paused",
    "feed.resumed": "Feed resumed",
    "feed.scan_requested": "Feed scan requested",
    "scanned_item.dismissed": "Scanned item dismissed",
    "scanned_item.added_as_evidence": "Scanned item added to an idea as evidence",
    "scanned_item.evidence_removed": "Scanned item removed from an idea's evidence",
}


def record(actor, action: str, obj=None, *, object_type=None, object_id=None, **details):
    """Add an audit event for `action` by `actor` (a User or None) on `obj`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id if object_id is None else object_id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "system",
        object_id=None if object_id is None else str(object_id),
        at=utcnow(),
        details=details,
    )
    db.session.add(event)
    return event
