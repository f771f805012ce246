"""The figures on the leads' dashboard, each one aggregate query (GROUP BY) in the database.

Medians are computed in SQL too, with window functions that SQLite and PostgreSQL share, so
no page loads thousands of ideas to count them.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal import policy
from portal.auth.models import Organisation, OrganisationType
from portal.database import UTCDateTime
from portal.extensions import db
from portal.ideas import choices
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, Workstream, idea_workstreams
from portal.policy import Can
from portal.reviews.models import Assignment, Review, ReviewRound, ReviewState

S = IdeaState
STAGES = [s for s in IdeaState if s is not S.DRAFT]
OPEN_STAGES = [s for s in STAGES if s.is_open]
# An idea "succeeds" once a lead takes it forward after review.
SUCCESS = (S.SHORTLISTED, S.IN_PILOT, S.ADOPTED)
NONE_STATED = "none_stated"
INEQUALITY_LABELS = choices.CORE20PLUS5_GROUPS | choices.CLINICAL_AREAS


class days_between(FunctionElement):
    """Days (fractional) from the first datetime to the second, on SQLite or PostgreSQL."""

    type = sa.Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@dataclass(frozen=True)
class Median:
    days: float
    count: int


@dataclass(frozen=True)
class Outcome:
    """Of the ideas in one group: how many were submitted and how many succeeded."""

    submitted: int
    succeeded: int

    @property
    def rate(self) -> float | None:
        return self.succeeded / self.submitted if self.submitted else None


def _submitted(viewer):
    """The ideas counted for `viewer`: those the policy lets them see (never drafts)."""
    return sa.and_(Idea.state != S.DRAFT, policy.clause(viewer, Can.SEE))


def _succeeded():
    return sa.func.coalesce(sa.func.sum(sa.case((Idea.state.in_(SUCCESS), 1), else_=0)), 0)


def ideas_by_stage(viewer) -> dict[IdeaState, int]:
    """How many submitted ideas are at each stage now (every stage, zeros included)."""
    rows = db.session.execute(
        sa.select(Idea.state, sa.func.count()).where(_submitted(viewer)).group_by(Idea.state)
    )
    found = dict(rows.all())
    return {stage: found.get(stage, 0) for stage in STAGES}


def ideas_by_workstream(viewer) -> list[tuple[str, dict[IdeaState, int]]]:
    """Per workstream (then ideas with none), how many of its ideas are at each stage.

    An idea chosen for two workstreams counts in both.
    """
    counts: dict[int | None, dict] = {}
    linked = db.session.execute(
        sa.select(idea_workstreams.c.workstream_id, Idea.state, sa.func.count())
        .join(Idea, Idea.id == idea_workstreams.c.idea_id)
        .where(_submitted(viewer))
        .group_by(idea_workstreams.c.workstream_id, Idea.state)
    )
    for workstream_id, state, n in linked:
        counts.setdefault(workstream_id, {})[state] = n
    unlinked = db.session.execute(
        sa.select(Idea.state, sa.func.count())
        .where(_submitted(viewer), ~sa.exists().where(idea_workstreams.c.idea_id == Idea.id))
        .group_by(Idea.state)
    )
    for state, n in unlinked:
        counts.setdefault(None, {})[state] = n
    workstreams = db.session.scalars(sa.select(Workstream).order_by(Workstream.position))
    rows = [(w.label, counts.get(w.id, {})) for w in workstreams if w.active or w.id in counts]
    if None in counts:
        rows.append(("No workstream chosen", counts[None]))
    return [(label, {stage: found.get(stage, 0) for stage in STAGES}) for label, found in rows]


def medians(rows, keys=("key",)) -> dict:
    """Median and count of `rows.c.value` per key (a subquery's columns), in the database.

    With several `keys` the result is keyed by tuples of their values.
    """
    by = [rows.c[name] for name in keys]
    ranked = sa.select(
        *by,
        rows.c.value,
        sa.func.row_number().over(partition_by=by, order_by=rows.c.value).label("place"),
        sa.func.count().over(partition_by=by).label("n"),
    ).subquery()
    middle = sa.or_(
        ranked.c.place == (ranked.c.n + 1) // 2, ranked.c.place == (ranked.c.n + 2) // 2
    )
    grouped = [ranked.c[name] for name in keys]
    query = (
        sa.select(*grouped, sa.func.avg(ranked.c.value), sa.func.max(ranked.c.n))
        .where(middle)
        .group_by(*grouped)
    )
    found = {}
    for *key, days, n in db.session.execute(query):
        found[tuple(key) if len(keys) > 1 else key[0]] = Median(float(days), int(n))
    return found


def days_in_stage(viewer, now) -> dict[IdeaState, Median]:
    """Per open stage: the median days its ideas have been there, since their last move."""
    entered = (
        sa.select(IdeaEvent.idea_id, sa.func.max(IdeaEvent.at).label("at"))
        .join(Idea, Idea.id == IdeaEvent.idea_id)
        .where(IdeaEvent.to_state == Idea.state)
        .group_by(IdeaEvent.idea_id)
        .subquery()
    )
    since = sa.func.coalesce(entered.c.at, Idea.submitted_at, Idea.created_at)
    rows = (
        sa.select(
            Idea.state.label("key"),
            days_between(since, sa.literal(now, UTCDateTime())).label("value"),
        )
        .outerjoin(entered, entered.c.idea_id == Idea.id)
        .where(Idea.state.in_(OPEN_STAGES), policy.clause(viewer, Can.SEE))
        .subquery()
    )
    found = medians(rows)
    return {stage: found[stage] for stage in OPEN_STAGES if stage in found}


def review_turnaround() -> list[tuple[str, Median]]:
    """Per round, oldest first: median days from assignment to the submitted review."""
    rows = (
        sa.select(
            Review.round_id.label("key"),
            days_between(Assignment.assigned_at, Review.submitted_at).label("value"),
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Review.state == ReviewState.SUBMITTED, Review.submitted_at.is_not(None))
        .subquery()
    )
    found = medians(rows)
    rounds = db.session.execute(
        sa.select(ReviewRound.id, ReviewRound.name)
        .where(ReviewRound.id.in_(list(found)))
        .order_by(ReviewRound.created_at, ReviewRound.id)
    )
    return [(name, found[round_id]) for round_id, name in rounds]


def outcomes_by_organisation_type(viewer) -> list[tuple[OrganisationType | None, Outcome]]:
    """Submitted and successful ideas per type of the innovator's organisation.

    None is ideas with no organisation (for example, those found by horizon scanning).
    """
    rows = db.session.execute(
        sa.select(Organisation.type, sa.func.count(Idea.id), _succeeded())
        .select_from(Idea)
        .outerjoin(Organisation, Organisation.id == Idea.organisation_id)
        .where(_submitted(viewer))
        .group_by(Organisation.type)
    )
    found = {type_: Outcome(int(n), int(won)) for type_, n, won in rows}
    order = [*OrganisationType, None]
    return [(type_, found[type_]) for type_ in order if type_ in found]


def top_organisations(viewer, limit: int = 10) -> list[tuple[str, OrganisationType, Outcome]]:
    """The organisations that submitted most ideas, with how many succeeded."""
    rows = db.session.execute(
        sa.select(Organisation.name, Organisation.type, sa.func.count(Idea.id), _succeeded())
        .join(Idea, Idea.organisation_id == Organisation.id)
        .where(_submitted(viewer))
        .group_by(Organisation.id, Organisation.name, Organisation.type)
        .order_by(sa.func.count(Idea.id).desc(), Organisation.name)
        .limit(limit)
    )
    return [(name, type_, Outcome(int(n), int(won))) for name, type_, n, won in rows]


def outcomes_by_inequality(viewer) -> list[tuple[str, Outcome]]:
    """Submitted and successful ideas per Core20PLUS5 group and clinical area they address.

    An idea naming several counts under each; NONE_STATED is ideas that name none.
    """
    found: dict[str, Outcome] = {}
    for column in (Idea.populations, Idea.clinical_areas):
        elements = _json_elements(column)
        rows = db.session.execute(
            sa.select(elements.c.value, sa.func.count(), _succeeded())
            .select_from(Idea)
            .join(elements, sa.true())
            .where(_submitted(viewer))
            .group_by(elements.c.value)
        )
        for key, n, won in rows:
            previous = found.get(key, Outcome(0, 0))
            found[key] = Outcome(previous.submitted + int(n), previous.succeeded + int(won))
    n, won = db.session.execute(
        sa.select(sa.func.count(), _succeeded()).where(
            _submitted(viewer),
            sa.func.json_array_length(Idea.populations) == 0,
            sa.func.json_array_length(Idea.clinical_areas) == 0,
        )
    ).one()
    known = [key for key in INEQUALITY_LABELS if key in found]
    unknown = sorted(key for key in found if key not in INEQUALITY_LABELS)
    rows = [(key, found[key]) for key in known + unknown]
    return rows + [(NONE_STATED, Outcome(int(n), int(won)))]


def _json_elements(column):
    """The elements of a JSON array column as rows with a text column `value`."""
    if db.session.get_bind().dialect.name == "postgresql":
        function = sa.func.json_array_elements_text(column)
    else:
        function = sa.func.json_each(column)
    return function.table_valued("value")
