"""How the coded values of the search fields read to people, both ways.

The results page shows each facet value by its label (`value_label`); the query reader
(`portal.search.query.prepare`) takes those labels back, with the codes and a few other
names people use, through `vocabulary`. One table serves both, so a label shown on the page
can always be typed into the box. A stage has two names (`portal.ideas.lifecycle`): staff
read the programme's, an innovator their own, and the box takes both from anyone.
"""

from collections import defaultdict

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed, ItemStatus
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Workstream
from portal.search.query import Vocabulary, label_key

TYPE_LABELS = {"idea": "Ideas", "item": "Scanned literature"}
SOURCE_LABELS = {"submission": "Shared by an innovator", "horizon_scan": "Horizon scanning"}
# What else people call them: the singular, and a few short names (codes such as in_review
# match "in review" anyway).
OTHER_NAMES = {
    "stage": {
        "information_requested": ("question asked",),
        "in_pilot": ("pilot", "piloted"),
    },
    "type": {
        "idea": ("idea",),
        "item": ("item", "items", "literature", "scanned item", "scanned items"),
    },
    "source": {
        "submission": ("innovator", "submitted", "shared"),
        "horizon_scan": ("horizon scan", "scanning", "found by horizon scanning"),
    },
}


def for_staff(viewer) -> bool:
    """Whether `viewer` reads the programme's names for stages (anyone but a plain innovator)."""
    return any(viewer.has_role(role) for role in Role if role is not Role.INNOVATOR)


def stage_label(state: IdeaState, staff: bool) -> str:
    return state.staff_label if staff else state.label


def value_label(workstreams: dict[str, str], staff: bool, facet: str, value: str) -> str:
    """How a facet value reads on the page (`workstreams`: names by key; `staff`: whether the
    reader reads the programme's stage names)."""
    if facet == "type":
        return TYPE_LABELS.get(value, value)
    if facet == "stage":
        if value in IdeaState._value2member_map_:
            return stage_label(IdeaState(value), staff)
        if value in ItemStatus._value2member_map_:
            return ItemStatus(value).label
    if facet == "source":
        return SOURCE_LABELS.get(value, value)
    if facet == "workstream":
        return workstreams.get(value, value)
    return value


def workstream_names() -> dict[str, str]:
    return dict(db.session.execute(sa.select(Workstream.key, Workstream.name)).all())


def vocabulary() -> Vocabulary:
    """Per labelled field, every label, code and other name (as `label_key`s) to its codes."""
    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(field, code, *labels):
        for label in (code, *labels):
            if label:
                names[field][label_key(label)].add(code)

    for state in IdeaState:
        others = OTHER_NAMES["stage"].get(state.value, ())
        add("stage", state.value, state.staff_label, state.label, *others)
    for status in ItemStatus:
        add("stage", status.value, status.label)
    for code, label in TYPE_LABELS.items():
        add("type", code, label, *OTHER_NAMES["type"][code])
    for code, label in SOURCE_LABELS.items():
        add("source", code, label, *OTHER_NAMES["source"][code])
    for (feed,) in db.session.execute(sa.select(Feed.name)):
        add("source", feed)  # a scanned item's source is the feed that brought it
    for workstream in db.session.scalars(sa.select(Workstream)):
        add("workstream", workstream.key, workstream.name, workstream.short_name, workstream.label)
    return {
        field: {key: tuple(sorted(codes)) for key, codes in labels.items()}
        for field, labels in names.items()
    }
