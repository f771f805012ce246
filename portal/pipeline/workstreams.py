"""Leads add and edit workstreams: name, aim, capacity and whether ideas can still choose them.

A deactivated workstream leaves the idea form's choices (`active_workstreams`) but keeps its
ideas. A new workstream's key is made from its name once and never changes.
"""

import re

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.extensions import db
from portal.ideas.models import Workstream, idea_workstreams
from portal.keys import new_key

FIELDS = ("name", "short_name", "description", "aim", "capacity", "active")
SHOWN_IN_AUDIT = ("name", "short_name", "capacity", "active")  # short enough to show old → new
KEY_MAX = 40


class WorkstreamError(ValueError):
    """A change the workstream rules refuse; the message is shown to the lead."""


def all_workstreams():
    return db.session.scalars(
        sa.select(Workstream).order_by(Workstream.position, Workstream.id)
    ).all()


def idea_counts() -> dict[int, int]:
    """Ideas linked to each workstream, whatever their state."""
    link = idea_workstreams.c
    return dict(
        db.session.execute(
            sa.select(link.workstream_id, sa.func.count()).group_by(link.workstream_id)
        ).all()
    )


def create_workstream(lead, values: dict) -> Workstream:
    """Add a workstream with a key made from its name; audit it."""
    values = _clean(values)
    _check_name_free(values["name"])
    used = set(db.session.scalars(sa.select(Workstream.key)))
    last = db.session.scalar(sa.select(sa.func.max(Workstream.position)))
    workstream = Workstream(
        key=new_key(values["name"], used, "workstream", KEY_MAX), position=(last or 0) + 1, **values
    )
    try:
        with db.session.begin_nested():  # another lead may take the same key meanwhile
            db.session.add(workstream)
    except IntegrityError:
        raise WorkstreamError(
            "Another workstream with this name was added at the same time. Check the list of "
            "workstreams before adding it again"
        ) from None
    audit.record(
        lead,
        "workstream.created",
        workstream,
        key=workstream.key,
        name=workstream.name,
        capacity=workstream.capacity,
        active=workstream.active,
    )
    return workstream


def update_workstream(workstream: Workstream, lead, values: dict) -> list[str]:
    """Apply the lead's edit; audit and return the names of the fields that changed."""
    values = _clean(values)
    _check_name_free(values["name"], workstream)
    changed = [name for name in FIELDS if getattr(workstream, name) != values[name]]
    if not changed:
        return []
    before = {name: getattr(workstream, name) for name in changed}
    for name in changed:
        setattr(workstream, name, values[name])
    db.session.flush()
    audit.record(
        lead,
        "workstream.updated",
        workstream,
        changed=changed,
        **{
            name: f"{_shown(before[name])} → {_shown(values[name])}"
            for name in changed
            if name in SHOWN_IN_AUDIT
        },
    )
    return changed


def _clean(values: dict) -> dict:
    text = {
        name: re.sub(r"\s+", " ", values.get(name) or "").strip() for name in ("name", "short_name")
    }
    return {
        "name": text["name"],
        "short_name": text["short_name"] or None,
        "description": (values.get("description") or "").replace("\r\n", "\n").strip(),
        "aim": (values.get("aim") or "").replace("\r\n", "\n").strip() or None,
        "capacity": int(values["capacity"]),
        "active": bool(values["active"]),
    }


def _check_name_free(name: str, workstream: Workstream | None = None) -> None:
    query = sa.select(Workstream.id).where(sa.func.lower(Workstream.name) == name.lower())
    if workstream is not None:
        query = query.where(Workstream.id != workstream.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise WorkstreamError("There is already a workstream with this name")


def _shown(value) -> str:
    if isinstance(value, bool):
        return "active" if value else "inactive"
    return "none" if value is None else str(value)
