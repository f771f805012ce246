"""`flask demo --scale N`: bulk synthetic data as consistent as the services make, loaded once."""

import re
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.auth.models import Organisation
from portal.clock import utcnow
from portal.demo.scale import MARK, ROUND_NAME
from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import Idea, IdeaVersion
from portal.ideas.reference import is_valid_reference
from portal.pipeline.disagreement import disagrees
from portal.pipeline.models import Decision, ScoreSnapshot, SnapshotDetails
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    Review,
    ReviewRound,
    ReviewState,
    RoundState,
)
from portal.reviews.rubric import current_rubric

S = IdeaState
AFTER_REVIEW = {S.SHORTLISTED, S.IN_PILOT, S.ADOPTED}


@pytest.fixture
def without_the_ordinary_demo(monkeypatch):
    """The ordinary demo has its own tests and takes seconds; here only the scale data counts."""
    monkeypatch.setattr("portal.demo.load_demo", lambda: [])


def scale_ideas():
    return db.session.scalars(
        sa.select(Idea)
        .join(Organisation, Organisation.id == Idea.organisation_id)
        .where(Organisation.name.endswith(MARK))
        .options(selectinload(Idea.events), selectinload(Idea.versions))
        .order_by(Idea.id)
    ).all()


def check_ideas():
    """Every idea reads as if the services had made it; return the count of each state."""
    ideas, now = scale_ideas(), utcnow()
    references = [idea.reference for idea in ideas]
    assert all(is_valid_reference(r) for r in references)
    assert len(set(references)) == len(ideas)
    for idea in ideas:
        [version] = idea.versions
        assert (version.number, idea.version_number) == (1, 1)
        assert version.content == idea.content()
        assert idea.created_at <= idea.submitted_at <= idea.updated_at <= now
        kinds = [e.kind for e in idea.events]
        assert kinds[:2] == ["created", "submitted"]
        moves = [e for e in idea.events if e.to_state is not None]
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_state is before.to_state and before.at <= after.at
        assert moves[-1].to_state is idea.state and moves[-1].at <= now
        assert (idea.open_question is not None) == (idea.state is S.INFORMATION_REQUESTED)
        assert idea.workstreams and idea.consent_to_share
        # the reference is numbered in the month the draft was started
        assert re.match(rf"PSI-{idea.created_at:%y%m}-", idea.reference)
    return Counter(idea.state for idea in ideas)


def check_reviews():
    """Reviewed ideas are in the closed round with three active assignments, each reviewed."""
    [round_] = db.session.scalars(sa.select(ReviewRound).filter_by(name=ROUND_NAME)).all()
    assert round_.state is RoundState.CLOSED and round_.rubric_id == current_rubric().id
    criteria = {c.id for c in current_rubric().criteria}
    entered = {e.idea_id for e in round_.entries}
    reviewed = [i for i in scale_ideas() if "review_started" in [e.kind for e in i.events]]
    assert entered == {i.id for i in reviewed}
    assert {i.id for i in scale_ideas() if i.state in AFTER_REVIEW | {S.IN_REVIEW}} <= entered
    for idea in reviewed:
        assignments = db.session.scalars(
            sa.select(Assignment).filter_by(round_id=round_.id, idea_id=idea.id)
        ).all()
        assert len(assignments) == 3
        for assignment in assignments:
            assert assignment.state is AssignmentState.ACTIVE
            review = assignment.review
            assert review.state is ReviewState.SUBMITTED and review.idea_version == 1
            assert assignment.assigned_at <= review.submitted_at <= round_.closed_at
            assert {s.criterion_id for s in review.scores} == criteria
            assert all((s.score is None) == s.cannot_score for s in review.scores)
    # the leads' decisions after the round, as portal.pipeline.decisions records them
    decisions = db.session.scalars(sa.select(Decision).order_by(Decision.decided_at)).all()
    decided = [e for i in reviewed for e in i.events if e.kind == "decided"]
    assert len(decided) == len(decisions) and {d.idea_id for d in decisions} <= entered
    first = {}
    for decision in decisions:
        first.setdefault(decision.idea_id, decision)
        assert (decision.workstream_id is not None) == (decision.to_state is S.ADOPTED)
    assert all(len(d.released_feedback) == 3 for d in first.values())
    assert all(d.released_feedback == [] for d in decisions if d not in first.values())
    return len(reviewed)


def test_scale_loads_consistent_data_once(runner, query, without_the_ordinary_demo, lead_client):
    result = runner.invoke(args=["demo", "--scale", "200"])
    assert result.exit_code == 0, result.output
    assert "Added 200 synthetic ideas" in result.output

    states = query(check_ideas)
    assert sum(states.values()) == 200
    assert states[S.IN_REVIEW] > 0 and states[S.SUBMITTED] > 0 and states[S.DECLINED] > 0
    n_reviewed = query(check_reviews)
    assert n_reviewed >= states[S.IN_REVIEW]
    snapshots = query(lambda: set(db.session.scalars(sa.select(ScoreSnapshot.idea_id))))
    open_ideas = query(lambda: {i.id for i in scale_ideas() if i.state not in CLOSED_STATES})
    assert snapshots == open_ideas  # one refresh scored every open idea
    scored = query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).where(ScoreSnapshot.sufficient.is_(True))
        )
    )
    assert scored == sum(states[s] for s in (S.IN_REVIEW, S.SHORTLISTED, S.IN_PILOT))
    # No split is planted in the scale data: the disagreement flag marks only false alarms,
    # about one idea in twenty at most (bench/disagreement.py: 11 of 756 reviewed, 1.5%).
    flags = query(
        lambda: [
            disagrees(details)
            for details in db.session.scalars(
                sa.select(SnapshotDetails.details)
                .join(ScoreSnapshot, ScoreSnapshot.idea_id == SnapshotDetails.idea_id)
                .where(ScoreSnapshot.n_reviews >= 2)
            )
        ]
    )
    print(f"\nDisagree flag on scale data: {sum(flags)} of {len(flags)} reviewed ideas")
    assert flags and sum(flags) / len(flags) < 0.1

    # the dashboard counts what was loaded
    html = lead_client.get("/pipeline/dashboard").get_data(as_text=True)
    assert f"{sum(states.values()):,} submitted ideas" in html
    for state, n in states.items():
        cell = r"\s*<td[^>]*>\s*(<span[^>]*>[^<]*</span>)?\s*"
        row = rf"{state.staff_label}\s*</th>{cell}{n:,}\s*</td>"
        assert re.search(row, html), state

    counts = {"ideas": 200, "versions": 200, "reviews": 3 * n_reviewed}
    again = runner.invoke(args=["demo", "--scale", "200"])
    assert again.exit_code == 0, again.output
    assert "already loaded: none added" in again.output
    assert (
        query(
            lambda: {
                "ideas": db.session.scalar(sa.select(sa.func.count(Idea.id))),
                "versions": db.session.scalar(sa.select(sa.func.count(IdeaVersion.id))),
                "reviews": db.session.scalar(sa.select(sa.func.count(Review.id))),
            }
        )
        == counts
    )
