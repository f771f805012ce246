"""The leads' ranked pipeline: columns, filters, sorting, paging, conflicts and 'what if'."""

import random
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaSource
from portal.pipeline import ranked_index, whatif
from portal.pipeline.filters import PipelineQuery
from portal.pipeline.models import ScoreSnapshot
from portal.pipeline.ranking import pipeline_rows
from portal.policy import conflicted_pairs
from portal.policy.relations import conflicted
from portal.reviews.conflicts import clear_conflict, declare_conflict
from portal.reviews.models import Assignment, Conflict, ConflictKind
from portal.reviews.reviewing import ReviewAnswers, save_review
from tests.portal.pipeline_data import ALL_COLUMNS, PipelineData, ranked_table


@pytest.fixture
def data(app, connection, clock):
    return PipelineData(app, clock)


def order(html):
    """Idea references in the order the table lists them (the title links)."""
    return re.findall(r'href="/ideas/(SP-TEST-\d+)(?:\?back=[^"]*)?"', html)


def page(client, query=""):
    response = client.get(f"/pipeline{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def test_ideas_are_listed_by_rank_with_every_column(lead_client, data, clock):
    data.add(
        "Second by rank",
        rank=2,
        score=3.2,
        interval=(2.5, 3.9),
        prob=0.12,
        source=IdeaSource.HORIZON_SCAN,
        workstreams=("medicines_safety",),
        in_stage_days=12,
        nearest=[("SP-TEST-0003", 0.9)],
    )
    data.add("First by rank", rank=1, score=3.8, interval=(3.2, 4.4), prob=0.453, disagreement=True)
    data.add("Third, too few reviews", rank=3, sufficient=False, n_reviews=1, prob=0.01)
    html = page(lead_client, ALL_COLUMNS)
    assert "<h1>Pipeline</h1>" in html
    assert order(html) == ["SP-TEST-0002", "SP-TEST-0001", "SP-TEST-0003"]
    first, second, third = ranked_table(html)
    assert first == {
        "Rank": "1",
        "Idea": "First by rank SP-TEST-0002",
        "Calibrated score": "3.8",
        "90% interval": "3.2–4.4",
        "Chance of top 10": "45%",
        "Agreement": "Disagree",  # further apart than usual
        "Stage": "In review",
        "Days in stage": "30",  # from submission
        "Workstreams": "None chosen",
        "Possible duplicate of": "None found",
        "Source": "Submitted",
    }
    assert second | {"Idea": ""} == {
        "Rank": "2",
        "Idea": "",
        "Calibrated score": "3.2",
        "90% interval": "2.5–3.9",
        "Chance of top 10": "12%",
        "Agreement": "Agree",
        "Stage": "In review",
        "Days in stage": "12",  # from its last move
        "Workstreams": "Medicines Safety",
        "Possible duplicate of": "SP-TEST-0003",
        "Source": "Horizon scan",
    }
    assert third["Calibrated score"] == "Not enough reviews"
    assert third["90% interval"] == third["Chance of top 10"] == "Not available"
    assert third["Agreement"] == "Not enough reviews"


def test_columns_can_be_hidden_and_the_choice_stays_in_every_link(lead_client, data):
    for n in range(1, 53):
        data.add(f"Idea {n}", rank=n, score=3.0, interval=(2.5, 3.5), prob=0.2)
    default = ranked_table(page(lead_client))[0]
    assert list(default) == [
        "Rank",
        "Idea",
        "Calibrated score",
        "90% interval",
        "Chance of top 10",
        "Agreement",
        "Stage",
        "Days in stage",
    ]
    html = page(lead_client, "?cols=&cols=source&cols=stage&stage=in_review&sort=days")
    assert list(ranked_table(html)[0]) == ["Rank", "Idea", "Calibrated score", "Stage", "Source"]
    # sorting, paging, filtering and the columns form itself keep the choice
    kept = "/pipeline?stage=in_review&amp;sort=days&amp;page=2&amp;cols=stage&amp;cols=source"
    assert f'href="{kept}"' in html
    assert 'type="checkbox" value="stage" checked' in html
    assert re.search(r'type="checkbox" value="days"\s*>', html)
    assert '<input type="hidden" name="cols" value="source">' in html  # in the filter form
    assert '<input type="hidden" name="sort" value="days">' in html  # in the columns form
    exports = re.findall(r'href="(/pipeline/export[^"]*)"', html)
    assert exports and all("cols" not in href for href in exports)
    none = ranked_table(page(lead_client, "?cols="))[0]
    assert list(none) == ["Rank", "Idea", "Calibrated score"]
    assert "90% interval" not in list(ranked_table(page(lead_client, "?view=raw"))[0])
    assert "A column name was not recognised" in page(lead_client, "?cols=stage&cols=owner")


def test_lead_home_is_the_pipeline_and_nav_points_to_it(lead_client):
    assert lead_client.get("/").headers["Location"] == "/pipeline"
    html = page(lead_client)
    assert 'href="/pipeline"' in html
    assert "There are no scored ideas in the pipeline yet" in html
    assert lead_client.get("/lead").status_code == 404


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
@pytest.mark.parametrize("path", ["/pipeline", "/pipeline/what-if", "/pipeline/export.csv"])
def test_other_roles_are_refused(client_for, role, path):
    assert client_for(role).get(path).status_code == 403


@pytest.fixture
def varied(app, data, create_organisation):
    """Four ideas that differ in every filterable way; returns the round id of one."""
    from portal.reviews.models import ReviewRound
    from portal.reviews.rubric import current_rubric

    with app.app_context():
        round_ = ReviewRound(
            name="Spring round",
            deadline_at=data.clock() + timedelta(days=5),
            rubric_id=current_rubric().id,
        )
        db.session.add(round_)
        db.session.commit()
        round_id = round_.id
    data.add(
        "Medicines in care homes",
        rank=1,
        workstreams=("medicines_safety",),
        care_settings=("care_homes",),
        populations=("core20",),
        round_id=round_id,
    )
    data.add(
        "Maternity escalation",
        rank=2,
        state=IdeaState.IN_TRIAGE,
        care_settings=("maternity",),
        clinical_areas=("maternity",),
    )
    data.add("Scanned paper", rank=3, source=IdeaSource.HORIZON_SCAN)
    data.add("Primary care", rank=4, state=IdeaState.SHORTLISTED, care_settings=("primary_care",))
    return round_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("workstream=medicines_safety", ["SP-TEST-0001"]),
        ("setting=maternity", ["SP-TEST-0002"]),
        ("setting=primary_care", ["SP-TEST-0004"]),
        ("stage=in_triage", ["SP-TEST-0002"]),
        ("stage=shortlisted", ["SP-TEST-0004"]),
        ("inequality=group:core20", ["SP-TEST-0001"]),
        ("inequality=area:maternity", ["SP-TEST-0002"]),
        ("source=horizon_scan", ["SP-TEST-0003"]),
        ("source=submission", ["SP-TEST-0001", "SP-TEST-0002", "SP-TEST-0004"]),
        ("setting=maternity&stage=in_review", []),
    ],
)
def test_each_filter_narrows_the_list(lead_client, varied, query, expected):
    html = page(lead_client, "?" + query)
    assert order(html) == expected
    if not expected:
        assert "No ideas match these filters" in html


def test_round_filter(lead_client, varied):
    assert order(page(lead_client, f"?round={varied}")) == ["SP-TEST-0001"]
    assert order(page(lead_client, f"?round={varied + 1000}")) == [
        f"SP-TEST-000{n}" for n in range(1, 5)
    ]  # an unknown round is ignored, not an empty page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["1", "2", "3", "4"]),
        ("?sort=rank&dir=desc", ["4", "3", "2", "1"]),
        ("?sort=score", ["3", "1", "4", "2"]),  # highest first; no score last
        ("?sort=score&dir=asc", ["4", "1", "3", "2"]),
        ("?sort=score&view=raw", ["4", "3", "1", "2"]),
        ("?sort=prob", ["3", "4", "1", "2"]),  # b has no score to go with its chance
        ("?sort=days", ["4", "2", "1", "3"]),  # longest in stage first
        ("?sort=days&dir=asc", ["3", "1", "2", "4"]),
        ("?sort=submitted", ["1", "2", "3", "4"]),  # newest first
        ("?sort=submitted&dir=asc", ["4", "3", "2", "1"]),
    ],
)
def test_sort_options(lead_client, data, query, expected):
    data.add("a", rank=1, score=3.5, raw=3.0, prob=None, in_stage_days=5, submitted_days_ago=10)
    data.add("b", rank=2, score=None, raw=None, prob=0.9, in_stage_days=9, submitted_days_ago=20)
    data.add("c", rank=3, score=4.0, raw=3.2, prob=0.5, in_stage_days=1, submitted_days_ago=30)
    data.add("d", rank=4, score=3.1, raw=4.5, prob=0.2, submitted_days_ago=40)  # 40 in stage
    assert order(page(lead_client, query)) == [f"SP-TEST-000{n}" for n in expected]


@pytest.mark.parametrize("query", ["?sort=score", "?sort=score&dir=asc", "?sort=prob"])
def test_ideas_without_enough_reviews_sort_last_by_score(lead_client, data, query):
    data.add("One review, high score", rank=2, score=4.9, prob=0.9, sufficient=False)
    data.add("Enough reviews", rank=1, score=2.0, prob=0.1)
    assert order(page(lead_client, query)) == ["SP-TEST-0002", "SP-TEST-0001"]


def test_raw_and_calibrated_views(lead_client, data):
    data.add("Calibrated apart from raw", rank=1, score=3.84, raw=2.61, interval=(3.1, 4.5))
    calibrated = page(lead_client)
    [row] = ranked_table(calibrated)
    assert (row["Calibrated score"], row["90% interval"]) == ("3.8", "3.1–4.5")
    assert "2.6" not in calibrated and "Show raw scores" in calibrated
    raw = page(lead_client, "?view=raw")
    [row] = ranked_table(raw)
    assert row["Raw score"] == "2.6" and "90% interval" not in row and "3.8" not in raw
    assert "Show calibrated scores" in raw


def test_pagination(lead_client, data):
    for n in range(1, 56):
        data.add(f"Idea {n}", rank=n)
    first = page(lead_client)
    assert len(order(first)) == 50 and order(first)[0] == "SP-TEST-0001"
    assert "nhsuk-pagination" in first and 'href="/pipeline?page=2"' in first
    second = page(lead_client, "?page=2")
    assert order(second) == [f"SP-TEST-{n:04d}" for n in range(51, 56)]
    assert order(page(lead_client, "?page=400")) == order(second)  # past the end: last page


@pytest.mark.parametrize(
    "query",
    [
        "?page=-1",
        "?page=abc",
        "?page=999999999999999999999999",
        "?sort=evil",
        "?dir=sideways",
        "?view=both",
        "?workstream=%3Cscript%3E",
        "?round=abc",
        "?round=99999999999999999999999",
        "?stage=draft",
        "?stage=declined",
        "?inequality=group:nope",
        "?inequality=core20",
        "?source=x",
        "?setting=%00",
        "?sort=score&dir=desc&page=2&view=raw&stage=in_review",
    ],
)
def test_bad_query_parameters_never_fail(lead_client, data, query):
    data.add("Still listed", rank=1)
    response = lead_client.get("/pipeline" + query)
    if "%00" in query:  # a control character is refused before any view (portal.cleaning)
        assert response.status_code == 400
        assert lead_client.get("/pipeline/export.csv" + query).status_code == 400
        return
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if query.startswith(("?page=-", "?page=abc", "?sort=evil", "?view", "?round=abc")):
        assert "was not recognised" in html
    assert lead_client.get("/pipeline/export.csv" + query).status_code == 200


def test_titles_are_escaped(lead_client, data):
    data.add('<script>alert("x")</script> & <b>bold</b>', rank=1)
    html = page(lead_client)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert" in html


# Conflicts of interest: a lead never sees the rank or scores of an idea they are conflicted on.


@pytest.fixture
def trust(create_organisation):
    return create_organisation("Eastmoor Hospitals NHS Trust")


def test_a_lead_does_not_see_ideas_from_their_own_organisation(
    client_for, data, trust, create_organisation
):
    elsewhere = create_organisation("Westfield Care Home")
    data.add("From elsewhere", rank=1, organisation=elsewhere)
    data.add("From the lead's trust", rank=2, organisation=trust)
    data.add("Also elsewhere", rank=3, organisation=elsewhere)
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    html = page(lead)
    assert order(html) == ["SP-TEST-0001", "SP-TEST-0003"]
    assert "1 idea is hidden because you have a conflict of interest" in html
    assert [row["Rank"] for row in ranked_table(html)] == ["1", "2"]  # no gap gives rank 2 away
    assert "From the lead&#39;s trust" not in html
    other = client_for(Role.PROGRAMME_LEAD)
    assert order(page(other)) == ["SP-TEST-0001", "SP-TEST-0002", "SP-TEST-0003"]


def test_declared_and_cleared_conflicts(app, client_for, data, trust, create_user):
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    declared = data.add("Declared conflict", rank=1)
    cleared = data.add("Same trust, cleared", rank=2, organisation=trust)
    data.add("The lead's own", rank=3, owner=lead.user)
    other_lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    with app.app_context():
        member = db.session.get(User, lead.user.id)
        declare_conflict(member, db.session.get(Idea, declared), ConflictKind.FINANCIAL, None)
        clear_conflict(
            member, db.session.get(Idea, cleared), db.session.get(User, other_lead.id), "Left"
        )
        db.session.commit()
    html = page(lead)
    assert order(html) == ["SP-TEST-0002"]
    assert "2 ideas are hidden" in html
    csv = lead.get("/pipeline/export.csv").get_data(as_text=True)
    assert "SP-TEST-0002" in csv and "SP-TEST-0001" not in csv and "SP-TEST-0003" not in csv


def _conflicts_by_hand(users, ideas) -> set[tuple[int, int]]:
    """The conflict rules, read from the records in Python: the oracle for the policy's SQL."""
    records = db.session.scalars(sa.select(Conflict)).all()
    pairs = set()
    for user in users:
        for idea in ideas:
            mine = [c for c in records if c.user_id == user.id and c.idea_id == idea.id]
            cleared = any(c.kind is ConflictKind.SAME_ORGANISATION and not c.active for c in mine)
            same_org = user.organisation_id is not None and (
                user.organisation_id == idea.organisation_id
            )
            declared = any(c.active and c.kind is not ConflictKind.SAME_ORGANISATION for c in mine)
            if idea.owner_id == user.id or (same_org and not cleared) or declared:
                pairs.add((user.id, idea.id))
    return pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_exclusion_agrees_with_conflicted_pairs(app, connection, create_organisation, seed):
    rng = random.Random(seed)
    with app.app_context():
        orgs = [None] + [create_organisation(f"Random Org {n}").id for n in range(3)]
        users = [
            User(
                email=f"r{n}@example.org",
                name=f"R {n}",
                password_hash="x",
                organisation_id=rng.choice(orgs),
            )
            for n in range(6)
        ]
        db.session.add_all(users)
        db.session.flush()
        ideas = [
            Idea(
                reference=f"SP-RAND-{n:03d}",
                title=f"Random {n}",
                state=IdeaState.IN_REVIEW,
                owner_id=rng.choice([None, *(u.id for u in users)]),
                organisation_id=rng.choice(orgs),
            )
            for n in range(30)
        ]
        db.session.add_all(ideas)
        db.session.flush()
        for user in users:
            for idea in ideas:
                for kind in ConflictKind:
                    if rng.random() < 0.12:
                        db.session.add(
                            Conflict(
                                user_id=user.id,
                                idea_id=idea.id,
                                kind=kind,
                                active=rng.random() < 0.5,
                            )
                        )
        db.session.flush()
        expected = _conflicts_by_hand(users, ideas)
        found = set()
        for user in users:
            hits = db.session.scalars(
                sa.select(Idea.id).where(Idea.id.in_([i.id for i in ideas]), conflicted(user))
            ).all()
            found |= {(user.id, idea_id) for idea_id in hits}
        assert found == expected  # one person at a time (literals)
        assert conflicted_pairs(users, ideas) == expected  # everyone at once (columns)
        assert 0 < len(expected) < len(users) * len(ideas)
        db.session.rollback()


# "What if" weights: re-rank in memory, write nothing.


def _review(app, round_id, idea_id, member_id, scores, others):
    with app.test_request_context():
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(round_id=round_id, idea_id=idea_id, user_id=member_id)
        )
        criteria = assignment.round.rubric.criteria
        answers = ReviewAnswers(
            scores={c.id: str(scores.get(c.key, others)) for c in criteria},
            recommendation="progress",
            confidence="high",
        )
        save_review(assignment, assignment.user, answers, submit=True)
        db.session.commit()


@pytest.fixture
def reviewed(app, create_assigned_round):
    """Three ideas reviewed for real: the second leads on safety impact, the first overall."""
    round_id, ideas, members, lead = create_assigned_round(
        "What-if round", n_members=2, reviews_per_idea=2, title="Reviewed idea"
    )
    given = [(2, 4), (5, 3), (1, 3)]  # (safety impact, every other criterion)
    for idea, (safety, others) in zip(ideas, given, strict=True):
        for member in members:
            _review(app, round_id, idea.id, member.id, {"safety_impact": safety}, others)
    return ideas, lead


def test_real_snapshots_render(lead_client, reviewed):
    ideas, _ = reviewed
    html = lead_client.get("/pipeline").get_data(as_text=True)
    for idea in ideas:
        assert idea.reference in html
    assert "Calibrated score" in html


@contextmanager
def recorded_writes(app):
    """Collect every INSERT, UPDATE or DELETE sent to the database inside the block."""
    statements = []

    def listen(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    with app.app_context():
        target = db.engine  # the test's connection, which every session here uses
    sa.event.listen(target, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        sa.event.remove(target, "before_cursor_execute", listen)


def test_what_if_moves_the_expected_idea_and_writes_nothing(app, lead_client, reviewed, query):
    ideas, _ = reviewed
    ranks = dict(
        query(
            lambda: db.session.execute(sa.select(ScoreSnapshot.idea_id, ScoreSnapshot.rank)).all()
        )
    )
    form = lead_client.get("/pipeline/what-if").get_data(as_text=True)
    assert 'name="w-safety_impact"' in form and 'name="p-panel"' in form
    assert "What would change" not in form

    weights = {"w-safety_impact": "100", "w-evidence": "0", "p-panel": "1"}
    with recorded_writes(app) as writes:
        html = lead_client.get("/pipeline/what-if", query_string=weights).get_data(as_text=True)
    assert writes == []
    with recorded_writes(app) as writes:  # the recorder does see writes
        lead_client.get("/pipeline/export.csv")
    assert any("audit_events" in w for w in writes)
    assert ranks == dict(
        query(
            lambda: db.session.execute(sa.select(ScoreSnapshot.idea_id, ScoreSnapshot.rank)).all()
        )
    )

    moved = ideas[1].reference  # best on safety impact, second overall
    assert sorted(ranks, key=ranks.get) == [ideas[0].id, ideas[1].id, ideas[2].id]
    table = html[html.index("What would change") :]
    assert re.findall(r'href="/ideas/([^"]+)"', table)[:2] == [moved, ideas[0].reference]
    assert re.search(rf"{moved}.*?Rank now </span>\s*2\s*<", table, re.S)
    assert re.search(rf"{moved}.*?Rank with these weights </span>\s*1\s*<", table, re.S)
    assert re.search(r"Change </span>\s*Up 1\s*<", table)
    assert re.search(r"Change </span>\s*Down 1\s*<", table)
    assert ideas[2].reference not in table  # last either way


def test_what_if_with_current_weights_moves_nobody(lead_client, reviewed):
    html = lead_client.get("/pipeline/what-if", query_string={"p-panel": "0.6"}).get_data(
        as_text=True
    )
    assert "No idea would move: all 3 ideas keep their rank" in html


@pytest.mark.parametrize(
    "weights",
    [
        {"w-safety_impact": "lots"},
        {"p-panel": "-1"},
        {"p-novelty": "nan"},
        {"w-evidence": "1e9"},
        {"p-panel": "0", "p-relevance": "0", "p-novelty": "0"},
    ],
)
def test_what_if_refuses_bad_weights_with_a_message(lead_client, reviewed, weights):
    response = lead_client.get("/pipeline/what-if", query_string=weights)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "What would change" not in html


def test_what_if_leaves_out_conflicted_ideas(app, client_for, reviewed):
    ideas, _ = reviewed
    lead = client_for(Role.PROGRAMME_LEAD)
    with app.app_context():
        member = db.session.get(User, lead.user.id)
        declare_conflict(member, db.session.get(Idea, ideas[1].id), ConflictKind.PERSONAL, None)
        db.session.commit()
    weights = {"w-safety_impact": "100", "w-evidence": "0", "p-panel": "1"}
    html = lead.get("/pipeline/what-if", query_string=weights).get_data(as_text=True)
    assert ideas[1].reference not in html
    assert "No idea would move: all 2 ideas keep their rank" in html


def test_what_if_places_are_the_pipeline_positions_the_lead_sees(
    app, client_for, data, trust, query
):
    data.add("Conflicted", rank=1, organisation=trust, score=2.0)
    data.add("Low", rank=2, score=2.5)
    data.add("High", rank=3, score=4.5)
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)

    def run():
        user = db.session.get(User, lead.user.id)
        weights = {"panel": 1.0, "relevance": 0.0, "novelty": 0.0}
        moves, ranked = whatif.what_if(user, {"safety_impact": 1.0}, weights)
        shown = {row.reference: row.position for row in pipeline_rows(user, PipelineQuery())}
        return moves, ranked, shown

    moves, ranked, shown = query(run)
    assert ranked == 2 and shown == {"SP-TEST-0002": 1, "SP-TEST-0003": 2}
    assert {m.reference: (m.before, m.after) for m in moves} == {
        "SP-TEST-0003": (2, 1),
        "SP-TEST-0002": (1, 2),
    }


def test_ranks_are_worked_out_once_per_data_version_and_follow_a_new_conflict(
    app, client_for, data, create_user, monkeypatch
):
    first = data.add("First", rank=1)
    data.add("Second", rank=2)
    data.add("Third", rank=3)
    lead = client_for(Role.PROGRAMME_LEAD)
    calls = []
    original = ranked_index.ranked_clause
    monkeypatch.setattr(
        ranked_index, "ranked_clause", lambda user: calls.append(user.id) or original(user)
    )
    page(lead, "?sort=title")
    page(lead, "?sort=title&dir=desc")  # another rendering, the same ranks
    assert len(calls) == 1
    with app.app_context():
        member = db.session.get(User, lead.user.id)
        declare_conflict(member, db.session.get(Idea, first), ConflictKind.FINANCIAL, None)
        db.session.commit()
    html = page(lead, "?sort=rank")
    assert len(calls) == 2
    assert order(html) == ["SP-TEST-0002", "SP-TEST-0003"]
    assert [row["Rank"] for row in ranked_table(html)] == ["1", "2"]
