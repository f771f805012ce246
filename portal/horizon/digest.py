"""The week's digest: the top new items per workstream, by stored topic relevance."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.models import ItemStatus, ScannedItem
from portal.ideas.models import Workstream
from portal.ideas.sections import active_workstreams

PER_WORKSTREAM = 5
FLOOR = 0.25  # below this an item is unlikely to be relevant to the workstream
WEEK = timedelta(days=7)


@dataclass
class DigestSection:
    workstream: Workstream
    items: list[tuple[ScannedItem, float]]


@dataclass
class Digest:
    since: object
    sections: list[DigestSection]
    new_items: int


def weekly_digest() -> Digest:
    """Items first seen in the last 7 days (not marked not relevant), the top 5 for each
    active workstream."""
    since = utcnow() - WEEK
    items = db.session.scalars(
        sa.select(ScannedItem)
        .where(
            ScannedItem.first_seen_at >= since,
            ScannedItem.status != ItemStatus.NOT_RELEVANT,
        )
        .order_by(ScannedItem.id)
    ).all()
    sections = []
    for workstream in active_workstreams():
        scored = [(item, (item.topic_relevance or {}).get(workstream.key, 0.0)) for item in items]
        top = sorted((pair for pair in scored if pair[1] >= FLOOR), key=lambda p: (-p[1], p[0].id))[
            :PER_WORKSTREAM
        ]
        sections.append(DigestSection(workstream, top))
    return Digest(since, sections, len(items))
