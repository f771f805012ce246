"""The rubric: versions of scored criteria. Editing makes a new version; old rows never change.

Rounds and reviews point at the rubric version they used, so a lead's edit can never rewrite
a past review. A criterion's `key` stays the same across versions (it is how scores of the
"same" criterion are compared between versions); a retired key is never reused.
"""

import math
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit, signals
from portal.clock import utcnow
from portal.extensions import db
from portal.keys import new_key
from portal.reviews.models import Criterion, Rubric

SCORE_POINTS = ("1", "2", "3", "4", "5")
NAME_MAX = 120
DESCRIPTION_MAX = 1000
ANCHOR_MAX = 200
NOTE_MAX = 2000
WEIGHT_MAX = 100
KEY_MAX = 40


class RubricError(ValueError):
    """An edit the rubric rules refuse; the message is shown to the lead."""


@dataclass
class CriterionEdit:
    """A lead's wanted state of one criterion; `key` None means a new criterion."""

    key: str | None
    name: str
    description: str
    weight: float
    anchors: dict[str, str] = field(default_factory=dict)
    retire: bool = False


def current_rubric() -> Rubric | None:
    """The rubric with the highest version: the one new rounds use."""
    return Rubric.latest()


def rubric_version(version: int) -> Rubric | None:
    return db.session.scalar(sa.select(Rubric).filter_by(version=version))


def rubric_history() -> list:
    """(version, created_at, note) of every version, newest first, without their criteria."""
    return db.session.execute(
        sa.select(Rubric.version, Rubric.created_at, Rubric.note).order_by(Rubric.version.desc())
    ).all()


def weight_shares(criteria) -> dict[str, float]:
    """Each criterion's weight as a percentage of the total weight."""
    total = sum(c.weight for c in criteria)
    return {c.key: (100 * c.weight / total if total else 0.0) for c in criteria}


def new_rubric_version(lead, edits, note: str, base_version: int | None = None) -> Rubric:
    """Save the current rubric with `edits` applied as the next version; return it.

    Every criterion of the current version is copied; an edit replaces its name, description,
    weight and anchors, or retires it (it is not copied). Edits without a key add criteria.
    `base_version` is the version the lead was editing: if another lead has saved since, the
    edit is refused rather than silently undoing theirs.
    """
    base = current_rubric()
    if base is None:
        raise RubricError("There is no rubric to edit")
    if base_version is not None and base_version != base.version:
        raise _stale(base.version)
    note = (note or "").strip()
    if not note:
        raise RubricError("Say what changed and why")
    if len(note) > NOTE_MAX:
        raise RubricError(f"What changed and why must be {NOTE_MAX} characters or fewer")

    by_key = {c.key: c for c in base.criteria}
    wanted, added = {}, []
    for edit in edits:
        if edit.key is None:
            added.append(edit)
        elif edit.key not in by_key or edit.key in wanted:
            raise RubricError(
                "The form did not match the current rubric, so nothing was saved. "
                "Reload the page and make your changes again"
            )
        else:
            wanted[edit.key] = edit

    rubric = Rubric(version=base.version + 1, created_by_id=lead.id, note=note, created_at=utcnow())
    changed, retired = [], []
    for old in base.criteria:
        edit = wanted.get(old.key)
        if edit is not None and edit.retire:
            retired.append(old.key)
            continue
        values = _clean(edit) if edit is not None else _values_of(old)
        if values != _values_of(old):
            changed.append(old.key)
        rubric.criteria.append(
            Criterion(
                key=old.key, is_enabler=old.is_enabler, position=len(rubric.criteria), **values
            )
        )
    used_keys = set(db.session.scalars(sa.select(Criterion.key).distinct()))
    added_keys = []
    for edit in added:
        values = _clean(edit)
        key = new_key(values["name"], used_keys, "criterion", KEY_MAX)
        used_keys.add(key)
        added_keys.append(key)
        rubric.criteria.append(
            Criterion(key=key, is_enabler=False, position=len(rubric.criteria), **values)
        )
    _check_whole(rubric.criteria)
    if not (changed or retired or added):
        raise RubricError(
            f"You have not changed any criteria: the rubric is the same as version {base.version}"
        )
    try:
        with db.session.begin_nested():  # another lead may save the same version number meanwhile
            db.session.add(rubric)
    except IntegrityError:
        raise _stale(base.version + 1) from None
    audit.record(
        lead,
        "rubric.version_created",
        rubric,
        version=rubric.version,
        based_on=base.version,
        changed=changed,
        added=added_keys,
        retired=retired,
        note=note,
    )
    signals.scores_changed.send(lead, reason=f"rubric version {rubric.version}")
    return rubric


def _stale(version: int) -> RubricError:
    return RubricError(
        f"Someone else saved a new version of the rubric (version {version}) while you were "
        "editing, so your changes were not saved. Read that version, then make your changes again"
    )


def _values_of(criterion: Criterion) -> dict:
    return {
        "name": criterion.name,
        "description": criterion.description,
        "weight": float(criterion.weight),
        "anchors": {point: criterion.anchors[point] for point in SCORE_POINTS},
    }


def _clean(edit: CriterionEdit) -> dict:
    """Check one criterion's values and return them tidied, or raise RubricError."""
    name = _one_line(edit.name)
    label = name or "A new criterion"
    if not name:
        raise RubricError("Enter a name for every criterion")
    if len(name) > NAME_MAX:
        raise RubricError(f"{label}: name must be {NAME_MAX} characters or fewer")
    description = (edit.description or "").replace("\r\n", "\n").strip()
    if not description:
        raise RubricError(f"{label}: enter a description")
    if len(description) > DESCRIPTION_MAX:
        raise RubricError(f"{label}: description must be {DESCRIPTION_MAX} characters or fewer")
    weight = edit.weight
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
        raise RubricError(f"{label}: weight must be a number")
    if weight < 0:
        raise RubricError(f"{label}: weight must be 0 or more")
    if weight > WEIGHT_MAX:
        raise RubricError(f"{label}: weight must be {WEIGHT_MAX} or less")
    anchors = {}
    for point in SCORE_POINTS:
        text = _one_line((edit.anchors or {}).get(point))
        if not text:
            raise RubricError(f"{label}: enter what a score of {point} means")
        if len(text) > ANCHOR_MAX:
            raise RubricError(
                f"{label}: what a score of {point} means must be {ANCHOR_MAX} characters or fewer"
            )
        anchors[point] = text
    return {"name": name, "description": description, "weight": float(weight), "anchors": anchors}


def _check_whole(criteria) -> None:
    if not criteria:
        raise RubricError("The rubric must keep at least one criterion")
    if not any(c.weight > 0 for c in criteria):
        raise RubricError("At least one criterion must have a weight greater than 0")
    names = [c.name.casefold() for c in criteria]
    for name in names:
        if names.count(name) > 1:
            raise RubricError("Two criteria cannot have the same name")


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
