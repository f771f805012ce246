"""The dashboard's monthly trends, from ideas with known dates: London months, first
decisions, workstreams and the policy."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, Workstream
from portal.pipeline import trends
from portal.pipeline.dashboard import Median
from portal.pipeline.trends import NO_WORKSTREAM, month_starts

S = IdeaState
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the test clock's start: months Apr 2025 - Mar 2026
MEDICINES, SYSTEM, MATERNITY = "medicines_safety", "system_safety", "maternity_neonatal"


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def dated(app, connection, clock, create_user):
    """Ideas submitted and decided at known instants; returns the owner of the first."""
    owner = create_user()
    made = iter(range(1, 100))

    def add(submitted, state=S.IN_REVIEW, workstreams=(), moves=(), owner_id=None):
        idea = Idea(
            reference=f"SP-TREND-{next(made):03d}",
            title="Dated idea",
            state=state,
            owner_id=owner_id,
            submitted_at=submitted,
            workstreams=db.session.scalars(
                sa.select(Workstream).where(Workstream.key.in_(workstreams))
            ).all(),
        )
        db.session.add(idea)
        db.session.flush()
        for at, to_state in moves:
            db.session.add(IdeaEvent(idea_id=idea.id, at=at, kind="moved", to_state=to_state))

    with app.app_context():
        # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time): July
        add(
            utc(2025, 6, 30, 23, 30),
            S.DECLINED,
            [MEDICINES],
            [(utc(2025, 7, 10, 23, 30), S.DECLINED)],
            owner.id,
        )
        # the first decision counts (20 days), not the pilot that followed
        add(
            utc(2025, 7, 5, 12),
            S.IN_PILOT,
            [MEDICINES, SYSTEM],
            [(utc(2025, 7, 25, 12), S.SHORTLISTED), (utc(2025, 9, 1), S.IN_PILOT)],
        )
        add(utc(2025, 7, 20), S.DECLINED, [], [(utc(2025, 8, 19), S.DECLINED)])  # 30 days
        add(utc(2026, 3, 1, 10), S.IN_TRIAGE, [SYSTEM], [(utc(2026, 3, 1, 11), S.IN_TRIAGE)])
        add(utc(2025, 3, 31, 22, 30), S.SUBMITTED, [MATERNITY])  # 23:30 on 31 March: too early
        add(utc(2025, 3, 31, 23, 30), S.SUBMITTED, [MATERNITY])  # 00:30 on 1 April: counted
        add(None, S.DRAFT, [MEDICINES])  # never counted
        db.session.commit()
    return owner


def months_of(values):
    """{first day of month: value} for the non-empty months."""
    return {m: v for m, v in zip(month_starts(NOW), values, strict=True) if v}


def test_month_starts_are_london_months_ending_with_this_one():
    assert month_starts(NOW)[0] == date(2025, 4, 1) and month_starts(NOW)[-1] == date(2026, 3, 1)
    assert month_starts(utc(2026, 6, 30, 23, 30), 2) == [date(2026, 6, 1), date(2026, 7, 1)]
    assert month_starts(utc(2027, 1, 15), 3) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]


def test_ideas_submitted_per_month_overall_and_by_workstream(dated, query, create_user):
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    found = query(lambda: trends.submissions_by_month(db.session.get(User, lead.id), NOW))
    assert months_of(found.overall) == {
        date(2025, 4, 1): 1,
        date(2025, 7, 1): 3,
        date(2026, 3, 1): 1,
    }
    by = {label: months_of(values) for label, values in found.by_workstream}
    assert by["Medicines Safety (MedSIP)"] == {date(2025, 7, 1): 2}
    assert by["System Safety (SSIP)"] == {date(2025, 7, 1): 1, date(2026, 3, 1): 1}
    assert by["Maternity and Neonatal (MatNeoSIP)"] == {date(2025, 4, 1): 1}
    assert by[NO_WORKSTREAM] == {date(2025, 7, 1): 1}
    assert by["Mental Health"] == {}  # active, so listed, with a zero each month
    assert [label for label, _ in found.by_workstream][-1] == NO_WORKSTREAM


def test_time_to_decision_per_month_of_the_first_decision(dated, query, create_user):
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    found = query(lambda: trends.time_to_decision_by_month(db.session.get(User, lead.id), NOW))
    assert months_of(found.overall) == {
        date(2025, 7, 1): Median(15.0, 2),  # 10 and 20 days
        date(2025, 8, 1): Median(30.0, 1),
    }
    by = {label: months_of(values) for label, values in found.by_workstream}
    assert by["Medicines Safety (MedSIP)"] == {date(2025, 7, 1): Median(15.0, 2)}
    assert by["System Safety (SSIP)"] == {date(2025, 7, 1): Median(20.0, 1)}
    assert by[NO_WORKSTREAM] == {date(2025, 8, 1): Median(30.0, 1)}
    assert by["Maternity and Neonatal (MatNeoSIP)"] == {}  # nothing decided
    assert found.overall[0] is None  # a month without decisions has no median


def test_only_ideas_the_viewer_may_see_count(dated, query):
    """The owner of one idea (seeing only their own) counts that one alone."""
    owner = dated
    submitted = query(lambda: trends.submissions_by_month(db.session.get(User, owner.id), NOW))
    decided = query(lambda: trends.time_to_decision_by_month(db.session.get(User, owner.id), NOW))
    assert months_of(submitted.overall) == {date(2025, 7, 1): 1}
    assert months_of(decided.overall) == {date(2025, 7, 1): Median(10.0, 1)}
    assert NO_WORKSTREAM not in dict(submitted.by_workstream)  # its only idea has one
