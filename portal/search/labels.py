"""How the coded values of the search fields read to people, both ways.

The results page shows each facet value by its label (`value_label`); the query reader
(`portal.search.query.prepare`) takes those labels back, with the codes and a few other
names people use, through `vocabulary`. One table serves both, so a label shown on the page
can always be typed into the box.
"""

from collections import defaultdict

import sqlalchemy as sa

from portal.extensions import db
from portal.horizon.models import Feed, ItemStatus
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Workstream
from portal.search.query import Vocabulary, label_key

TYPE_LABELS = {"idea": "Ideas", "item": "Scanned literature"}
SOURCE_LABELS = {"submission": "Shared by an innovator", "horizon_scan": "Horizon scanning"}
# What else people call them: the singular, and the names leads see on the pipeline page
# (`portal.pipeline.filters`, which search may not import; codes such as in_review match
# "in review" anyway).
OTHER_NAMES = {
    "stage": {
        "information_requested": ("waiting for the innovator", "question asked"),
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


def value_label(workstreams: dict[str, str], facet: str, value: str) -> str:
    """How a facet value reads on the page (`workstreams`: names by key)."""
    if facet == "type":
        return TYPE_LABELS.get(value, value)
    if facet == "stage":
        for states in (IdeaState, ItemStatus):
            if value in states._value2member_map_:
                return states(value).label
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

    for state in (*IdeaState, *ItemStatus):
        add("stage", state.value, state.label, *OTHER_NAMES["stage"].get(state.value, ()))
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
