"""The audit log search: its filter form and the query behind it.

Filters combine: who (part of a name or email address), what (one action), the object's type
and id, and a date range in Europe/London, both days included. Newest events come first.
"""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, ValidationError

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.clock import LONDON
from portal.extensions import db
from portal.fields import DatePartsField
from portal.forms import PortalForm
from portal.ideas.models import Idea
from portal.policy import conflicted_pairs

PAGE_SIZE = 50


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    who = StringField(
        "Who",
        validators=[Length(max=200, message="Who must be 200 characters or fewer")],
        description="Part of a name or email address",
    )
    what = SelectField("What happened", default="")
    object_type = SelectField("Type of object", default="")
    object_id = StringField(
        "Object ID",
        validators=[Length(max=40, message="Object ID must be 40 characters or fewer")],
        description="For example, 12",
    )
    from_date = DatePartsField("From", description="For example, 27 3 2026")
    to_date = DatePartsField("To", description="For example, 28 3 2026")

    def set_choices(self, actions, object_types):
        self.what.choices = [SelectChoice("", "Any action")] + [
            SelectChoice(action, label) for action, label in actions
        ]
        self.object_type.choices = [SelectChoice("", "Any type")] + [
            SelectChoice(kind, kind.replace("_", " ").capitalize()) for kind in object_types
        ]

    def validate_to_date(self, field):
        if field.data and self.from_date.data and field.data < self.from_date.data:
            raise ValidationError("To must be the same as or after From")

    @property
    def filters(self) -> dict:
        """The filters in use, as query-string arguments (for links to other pages)."""
        args = {
            name: (self[name].data or "").strip()
            for name in ("who", "what", "object_type", "object_id")
        }
        for name in ("from_date", "to_date"):
            args |= {f"{name}-{part}": self[name].raw_parts[part] for part in DatePartsField.PARTS}
        return {key: value for key, value in args.items() if value}


def action_choices() -> list[tuple[str, str]]:
    """Every action recorded so far with its label, sorted by label."""
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct()).all()
    return sorted(((a, AuditEvent(action=a).label) for a in actions), key=lambda c: c[1].lower())


def object_types() -> list[str]:
    return sorted(db.session.scalars(sa.select(AuditEvent.object_type).distinct()).all())


def search_events(form: AuditFilterForm, page: int):
    """One page of events matching the (validated) form, newest first."""
    query = (
        sa.select(AuditEvent)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .options(contains_eager(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    who = (form.who.data or "").strip().lower()
    if who:
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).contains(who, autoescape=True),
                sa.func.lower(User.email).contains(who, autoescape=True),
            )
        )
    if form.what.data:
        query = query.where(AuditEvent.action == form.what.data)
    if form.object_type.data:
        query = query.where(AuditEvent.object_type == form.object_type.data)
    if (form.object_id.data or "").strip():
        query = query.where(AuditEvent.object_id == form.object_id.data.strip())
    if form.from_date.data:
        query = query.where(AuditEvent.at >= _london_midnight(form.from_date.data))
    if form.to_date.data:
        query = query.where(AuditEvent.at < _london_midnight(form.to_date.data + timedelta(days=1)))
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def conflicted_events(viewer, events) -> set[int]:
    """Ids of the events about ideas `viewer` has a conflict with: their details are hidden.

    Details can carry an idea's rank or scores (a decision records the rank it was made at),
    and conflicts beat roles.
    """
    idea_of = {}
    for event in events:
        idea_id = (event.details or {}).get("idea_id")
        if idea_id is None and event.object_type == "ideas":
            idea_id = event.object_id
        if idea_id is not None and str(idea_id).isdigit():
            idea_of[event.id] = int(idea_id)
    if not idea_of:
        return set()
    ideas = db.session.scalars(sa.select(Idea).where(Idea.id.in_(set(idea_of.values())))).all()
    conflicted = {idea for _, idea in conflicted_pairs([viewer], ideas)}
    return {event_id for event_id, idea in idea_of.items() if idea in conflicted}


# Personal data in event details (where people signed in from, emails typed at sign-in):
# only admins, who investigate account security, see it.
PERSONAL_KEYS = frozenset({"ip", "email"})


def details_text(details, *, personal=False) -> str:
    """An event's details as one line of text: 'key: value; key: a, b'."""
    parts = []
    for key, value in sorted((details or {}).items()):
        if key in PERSONAL_KEYS and not personal:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _london_midnight(day) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
