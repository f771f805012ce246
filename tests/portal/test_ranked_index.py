"""The pipeline's kept filters and sort orders give what SQL gives, page for page."""

import random

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaSource
from portal.pipeline import ranked_index
from portal.pipeline.filters import FILTERS, SORTS, VIEWS, PipelineQuery
from portal.pipeline.models import ScoreSnapshot
from portal.policy import ranked_clause, ranks_for
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import ConflictKind
from tests.portal.pipeline_data import PipelineData

STATES = [IdeaState.IN_REVIEW, IdeaState.IN_TRIAGE, IdeaState.SHORTLISTED, IdeaState.ADOPTED]
VALUES = {
    "workstream": ["medicines_safety", "maternity_neonatal"],
    "setting": ["care_homes", "maternity", "primary_care"],
    "stage": [IdeaState.IN_REVIEW, IdeaState.IN_TRIAGE, IdeaState.SHORTLISTED],
    "inequality": ["group:core20", "area:maternity"],
    "source": [IdeaSource.SUBMISSION, IdeaSource.HORIZON_SCAN],
}


def _by_sql(user, query: PipelineQuery) -> list[int]:
    """The ids the page lists, asked of SQL in one statement (the oracle)."""
    conditions = [
        ranked_index.filter_condition(name, getattr(query, name))
        for name in FILTERS
        if getattr(query, name)
    ]
    return list(
        db.session.scalars(
            ranked_index.snapshots(ScoreSnapshot.idea_id)
            .where(ranked_clause(user), *conditions)
            .order_by(*ranked_index.ordering(query.sort, query.direction, query.view))
        )
    )


def _random_query(rng) -> PipelineQuery:
    query = PipelineQuery(sort=rng.choice(list(SORTS)), view=rng.choice(VIEWS))
    query.direction = rng.choice(["asc", "desc"])
    for name in rng.sample(list(VALUES), rng.randint(0, 2)):
        setattr(query, name, rng.choice(VALUES[name]))
    return query


def _add_ideas(data, rng, count, trust) -> list[int]:
    return [
        data.add(
            f"Idea {n}",
            rank=rng.randint(1, count),  # ties in rank, as a half-finished refresh can leave
            state=rng.choice(STATES),
            source=rng.choice(list(IdeaSource)),
            organisation=trust if rng.random() < 0.15 else None,
            workstreams=rng.sample(VALUES["workstream"], rng.randint(0, 2)),
            care_settings=rng.sample(VALUES["setting"], rng.randint(0, 2)),
            populations=["core20"] if rng.random() < 0.3 else [],
            clinical_areas=["maternity"] if rng.random() < 0.3 else [],
            submitted_days_ago=rng.choice([3, 10, 10, 40]),
            in_stage_days=rng.choice([None, 1, 5, 5]),
            score=rng.choice([None, 2.5, 3.0, 3.0, 4.2]),
            raw=rng.choice([None, 2.0, 3.5]),
            prob=rng.choice([None, 0.1, 0.5, 0.5]),
            sufficient=rng.random() < 0.8,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_pages_from_the_index_match_sql_before_and_after_a_change(
    app, connection, clock, create_user, create_organisation, seed
):
    rng = random.Random(seed)
    trust = create_organisation("Eastmoor Hospitals NHS Trust")
    lead = create_user(roles=(Role.PROGRAMME_LEAD,), organisation=trust)
    other = create_user(roles=(Role.PROGRAMME_LEAD,))
    data = PipelineData(app, clock)
    first, second, *_ = _add_ideas(data, rng, 40, trust)

    def check(queries):
        with app.test_request_context():
            index = ranked_index.current()
            for user_id in (lead.id, other.id):
                user = db.session.get(User, user_id)
                viewer = index.viewer(user)
                assert viewer.ranks == ranks_for(user)
                for query in queries:
                    assert index.select(viewer, query).tolist() == _by_sql(user, query), query
            return index

    queries = [_random_query(rng) for _ in range(40)]
    before = check(queries)
    with app.app_context():  # a conflict declared, an idea closed, new ideas
        member = db.session.get(User, other.id)
        declare_conflict(member, db.session.get(Idea, first), ConflictKind.FINANCIAL, None)
        closed = sa.update(Idea).where(Idea.id == second).values(state=IdeaState.WITHDRAWN)
        db.session.execute(closed)
        db.session.commit()
    _add_ideas(data, rng, 5, trust)
    after = check(queries)
    assert after is not before  # a new data version, read afresh
