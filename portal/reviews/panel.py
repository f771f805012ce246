"""Panel members' profiles (expertise, care settings, patient or carer partner) and the list."""

import sqlalchemy as sa

from portal import audit
from portal.auth.models import User, UserRole
from portal.auth.roles import Role
from portal.clock import utcnow
from portal.extensions import db
from portal.ideas.choices import CARE_SETTINGS
from portal.ideas.models import Workstream
from portal.ideas.sections import active_workstreams
from portal.reviews.models import PanelProfile


class ProfileError(ValueError):
    """A profile change the rules refuse; the message is shown to the member."""


def panel_profile(user) -> PanelProfile | None:
    return db.session.get(PanelProfile, user.id)


def save_panel_profile(
    user, *, workstreams, care_settings, is_patient_partner: bool, expertise: str | None
) -> PanelProfile:
    """Create or update `user`'s panel profile from checked choices and free text."""
    known_workstreams = [w.key for w in active_workstreams()]
    unknown = set(workstreams) - set(known_workstreams)
    if unknown:
        raise ProfileError("Choose workstreams from the list")
    if set(care_settings) - CARE_SETTINGS.keys():
        raise ProfileError("Choose care settings from the list")
    profile = panel_profile(user) or PanelProfile(user_id=user.id)
    # stored in the lists' own order, so the profile reads the same however it was ticked
    profile.workstreams = [key for key in known_workstreams if key in set(workstreams)]
    profile.care_settings = [key for key in CARE_SETTINGS if key in set(care_settings)]
    profile.is_patient_partner = bool(is_patient_partner)
    profile.expertise = (expertise or "").strip() or None
    profile.updated_at = utcnow()
    db.session.add(profile)
    audit.record(
        user,
        "panel_profile.updated",
        object_type="panel_profiles",
        object_id=user.id,
        workstreams=profile.workstreams,
        care_settings=profile.care_settings,
        is_patient_partner=profile.is_patient_partner,
    )
    return profile


def panel_members() -> list[tuple[User, PanelProfile | None]]:
    """Active users holding the panel member role, with their profiles, by name."""
    return db.session.execute(
        sa.select(User, PanelProfile)
        .outerjoin(PanelProfile, PanelProfile.user_id == User.id)
        .where(User.active, User.role_grants.any(UserRole.role == Role.PANEL_MEMBER))
        .order_by(User.name, User.id)
    ).all()


def workstream_labels() -> dict[str, str]:
    """Every workstream's label by key, retired ones too (old profiles may name them)."""
    return {w.key: w.label for w in db.session.scalars(sa.select(Workstream))}
