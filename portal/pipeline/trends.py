"""Trends on the leads' dashboard: ideas submitted per month and time to decision, by workstream.

Months are calendar months in Europe/London. Their first instants are worked out here and
given to the database in UTC, so one CASE buckets every row into its month exactly, alike on
SQLite (which knows no time zones) and PostgreSQL, and each figure stays one GROUP BY. As
everywhere on the dashboard, only ideas the viewer may see count (`policy.clause(viewer,
Can.SEE)`), and an idea chosen for two workstreams counts in both.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa

from portal import policy
from portal.clock import LONDON
from portal.database import UTCDateTime
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, Workstream, idea_workstreams
from portal.pipeline.dashboard import days_between, medians
from portal.policy import Can

S = IdeaState
MONTHS = 12  # the current month (so far) and the eleven before it
# The moves that answer an innovator: taken forward, or not. Time to decision runs from
# submission to the first of them, whoever made it (a lead at triage or after review).
DECIDED = (S.SHORTLISTED, S.IN_PILOT, S.ADOPTED, S.DECLINED)
NO_WORKSTREAM = "No workstream chosen"


@dataclass(frozen=True)
class Trend:
    """One figure per month, oldest first, for all ideas and for each workstream."""

    months: list[date]  # the first day of each month
    overall: list
    by_workstream: list[tuple[str, list]]  # (workstream label, one figure per month)


def month_starts(now: datetime, n: int = MONTHS) -> list[date]:
    """The first days of the last `n` London months, oldest first, this month last."""
    today = now.astimezone(LONDON)
    index = today.year * 12 + today.month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(index - n + 1, index + 1)]


def _instant(day: date) -> datetime:
    """Midnight at the start of `day` in London, as a UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


def _month_of(column, months: list[date]):
    """The index in `months` of the month `column` falls in (rows before the first: NULL)."""
    bounds = [sa.literal(_instant(m), UTCDateTime()) for m in months]
    return sa.case(
        *((column >= bound, n) for n, bound in reversed(list(enumerate(bounds)))), else_=None
    )


def _workstreams(found_ids) -> list[tuple[int | None, str]]:
    """(id, label) of active workstreams and of any inactive one with figures, in order;
    then None for ideas with no workstream, if it has figures."""
    workstreams = db.session.scalars(sa.select(Workstream).order_by(Workstream.position))
    rows = [(w.id, w.label) for w in workstreams if w.active or w.id in found_ids]
    return rows + ([(None, NO_WORKSTREAM)] if None in found_ids else [])


def _trend(months, overall: dict, by_workstream: dict, empty) -> Trend:
    """Lay figures keyed by month index (and by (workstream id, month index)) out per month."""
    found_ids = {workstream for workstream, _ in by_workstream}
    return Trend(
        months=months,
        overall=[overall.get(n, empty) for n in range(len(months))],
        by_workstream=[
            (label, [by_workstream.get((w, n), empty) for n in range(len(months))])
            for w, label in _workstreams(found_ids)
        ],
    )


def _unlinked():
    return ~sa.exists().where(idea_workstreams.c.idea_id == Idea.id)


def submissions_by_month(viewer, now: datetime) -> Trend:
    """How many ideas the viewer may see were submitted in each month (counts)."""
    months = month_starts(now)
    month = _month_of(Idea.submitted_at, months).label("month")
    seen = (
        Idea.state != S.DRAFT,
        Idea.submitted_at >= _instant(months[0]),
        policy.clause(viewer, Can.SEE),
    )
    count = sa.func.count()
    overall = db.session.execute(sa.select(month, count).where(*seen).group_by(month))
    workstream = idea_workstreams.c.workstream_id
    linked = db.session.execute(
        sa.select(workstream, month, count)
        .join(Idea, Idea.id == idea_workstreams.c.idea_id)
        .where(*seen)
        .group_by(workstream, month)
    )
    unlinked = db.session.execute(sa.select(month, count).where(*seen, _unlinked()).group_by(month))
    by_workstream = {(w, n): c for w, n, c in linked} | {(None, n): c for n, c in unlinked}
    return _trend(months, dict(overall.all()), by_workstream, 0)


def time_to_decision_by_month(viewer, now: datetime) -> Trend:
    """Per month of decision: the median days from submission to an idea's first decision.

    A month with no decisions has None.
    """
    months = month_starts(now)
    first = (
        sa.select(IdeaEvent.idea_id, sa.func.min(IdeaEvent.at).label("at"))
        .where(IdeaEvent.to_state.in_(DECIDED))
        .group_by(IdeaEvent.idea_id)
        .subquery()
    )
    month = _month_of(first.c.at, months).label("key")
    value = days_between(Idea.submitted_at, first.c.at).label("value")
    seen = (
        Idea.submitted_at.is_not(None),
        first.c.at >= _instant(months[0]),
        policy.clause(viewer, Can.SEE),
    )

    def decided(*columns, extra=()):
        return (
            sa.select(*columns, month, value)
            .select_from(Idea)
            .join(first, first.c.idea_id == Idea.id)
            .where(*seen, *extra)
        )

    workstream = idea_workstreams.c.workstream_id.label("group")
    linked = decided(workstream).join(idea_workstreams, idea_workstreams.c.idea_id == Idea.id)
    by_workstream = medians(linked.subquery(), keys=("group", "key"))
    unlinked = medians(decided(extra=[_unlinked()]).subquery())
    by_workstream |= {(None, n): median for n, median in unlinked.items()}
    return _trend(months, medians(decided().subquery()), by_workstream, None)
