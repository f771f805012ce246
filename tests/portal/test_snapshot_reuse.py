"""A refresh reuses what no review, decision or weight change can move (text neighbours,
workstream relevance) and still gives exactly what a full recomputation gives."""

import random

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.pipeline import decisions, snapshots
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails
from portal.reviews.rubric import CriterionEdit, current_rubric, new_rubric_version
from tests.portal.test_snapshots import review

MOVED = ("computed_at", "reason")  # when and why, not what


@pytest.fixture
def fits(monkeypatch):
    """How often the text models were fitted: a reuse fits none."""
    counted = {"neighbours": 0, "relevance": 0}
    for name, model in (("neighbours", "NearDuplicateFinder"), ("relevance", "TopicRelevance")):
        original = getattr(snapshots, model).fit

        def fit(self, *args, _name=name, _original=original, **kwargs):
            counted[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(getattr(snapshots, model), "fit", fit)
    return counted


def recomputed(app, *, from_scratch: bool) -> dict:
    """Every snapshot as stored by a refresh, by idea: one reusing what is stored (kept), or
    one with nothing stored (rolled back after it is read)."""
    with app.app_context():
        if from_scratch:
            db.session.execute(sa.delete(ScoreSnapshot))
            db.session.execute(sa.delete(SnapshotDetails))
            snapshots.forget_reusable()
        snapshots.refresh_snapshots(None, "compared", inline=True)
        columns = [c.key for c in ScoreSnapshot.__table__.columns if c.key not in MOVED]
        stored = {
            s.idea_id: {**{c: getattr(s, c) for c in columns}, "details": s.details}
            for s in db.session.scalars(sa.select(ScoreSnapshot))
        }
        if from_scratch:
            db.session.rollback()
        else:
            db.session.commit()
    return stored


def assert_same(reused: dict, full: dict):
    assert reused.keys() == full.keys()
    for idea_id, row in full.items():
        for name, value in row.items():
            if isinstance(value, float):
                assert reused[idea_id][name] == pytest.approx(value, abs=1e-9, rel=0), name
            else:
                assert reused[idea_id][name] == value, name


def change_weight(app, lead_id, rng):
    with app.test_request_context():
        rubric = current_rubric()
        criterion = rng.choice(list(rubric.criteria))
        weight = rng.choice([w for w in (0.5, 1.0, 2.0, 3.0) if w != criterion.weight])
        edits = [
            CriterionEdit(
                key=c.key,
                name=c.name,
                description=c.description,
                weight=weight if c is criterion else c.weight,
                anchors=dict(c.anchors),
            )
            for c in rubric.criteria
        ]
        new_rubric_version(db.session.get(User, lead_id), edits, "Weights tried")
        db.session.commit()


def retire(app, lead_id, key):
    with app.test_request_context():
        rubric = current_rubric()
        edits = [
            CriterionEdit(c.key, c.name, c.description, c.weight, dict(c.anchors), c.key == key)
            for c in rubric.criteria
        ]
        new_rubric_version(db.session.get(User, lead_id), edits, f"{key} retired")
        db.session.commit()


def shortlist(app, lead_id, idea_id):
    with app.test_request_context():
        idea = db.session.get(Idea, idea_id)
        lead = db.session.get(User, lead_id)
        decisions.decide(idea, lead, IdeaState.SHORTLISTED, "The panel's case is strong.")
        db.session.commit()


def test_reused_results_match_a_full_recomputation_after_random_changes(
    app, create_assigned_round, fits
):
    round_id, ideas, members, lead = create_assigned_round("Reuse round", n_ideas=4)
    rng = random.Random(19)
    pending = [(idea.id, member.id) for idea in ideas for member in members]
    rng.shuffle(pending)
    review(app, round_id, *pending.pop(), 3)  # the first snapshots: fitted from nothing
    steps = ["review"] * 6 + ["weights"] * 2 + ["decision", "retire"]
    rng.shuffle(steps)
    for step in steps:
        fits["neighbours"] = fits["relevance"] = 0
        if step == "review":
            review(app, round_id, *pending.pop(), rng.randint(1, 5))
        elif step == "weights":
            change_weight(app, lead.id, rng)
        elif step == "retire":
            retire(app, lead.id, "measurement")
        else:
            shortlist(app, lead.id, ideas[rng.randrange(len(ideas))].id)
        assert fits == {"neighbours": 0, "relevance": 0}, step  # the refresh reused them
        assert_same(recomputed(app, from_scratch=False), recomputed(app, from_scratch=True))
    assert fits["neighbours"] > 0 and fits["relevance"] > 0  # the full recomputations fitted


def test_a_decision_that_changes_what_relevance_learns_from_refits_it(
    app, create_assigned_round, fits
):
    round_id, ideas, members, lead = create_assigned_round("Refit round", n_ideas=3)
    review(app, round_id, ideas[0].id, members[0].id, 4)
    fits["relevance"] = 0
    with app.test_request_context():
        idea = db.session.get(Idea, ideas[1].id)
        decisions.decide(idea, db.session.get(User, lead.id), IdeaState.DECLINED, "Out of scope.")
        db.session.commit()
    assert fits["relevance"] == 1


def test_a_retired_criterion_leaves_the_scores(app, create_assigned_round, query):
    round_id, ideas, members, lead = create_assigned_round("Retire round", n_ideas=3)
    review(app, round_id, ideas[0].id, members[0].id, 4)
    before = query(lambda: db.session.get(ScoreSnapshot, ideas[0].id).details["criteria"])
    retire(app, lead.id, "measurement")
    after = query(lambda: db.session.get(ScoreSnapshot, ideas[0].id).details["criteria"])
    assert "measurement" in before and "measurement" not in after
    assert set(before) - set(after) == {"measurement"}
    assert all(after[key]["count"] == 1 for key in after)


def test_a_worker_reuses_what_it_computed_without_reading_the_snapshots_back(
    app, create_assigned_round, fits, monkeypatch
):
    round_id, ideas, members, _lead = create_assigned_round("Memory round", n_ideas=3)
    review(app, round_id, ideas[0].id, members[0].id, 3)
    first = recomputed(app, from_scratch=False)
    fits["neighbours"] = fits["relevance"] = 0

    def unread():
        raise AssertionError("the stored snapshots were read back")

    monkeypatch.setattr(snapshots, "_previous", unread)
    review(app, round_id, ideas[1].id, members[1].id, 4)  # reuses what this process computed
    assert fits == {"neighbours": 0, "relevance": 0}
    monkeypatch.undo()
    assert_same(recomputed(app, from_scratch=False), recomputed(app, from_scratch=True))
    assert first.keys() == recomputed(app, from_scratch=False).keys()


def test_a_refresh_writes_only_the_details_that_changed(app, create_assigned_round):
    round_id, ideas, members, lead = create_assigned_round("Digest round", n_ideas=3)
    review(app, round_id, ideas[0].id, members[0].id, 4)
    with app.app_context():
        computed = snapshots.compute_snapshots("again")
        assert computed.own.store() == 0  # nothing changed since the review's refresh
        kept = db.session.get(SnapshotDetails, ideas[1].id)
        expected = kept.details
        kept.details, kept.digest = {"stale": True}, 1
        db.session.flush()
        assert computed.own.store() == 1  # that one, rebuilt from its figures
        db.session.expire_all()
        assert db.session.get(SnapshotDetails, ideas[1].id).details == expected
        db.session.commit()
    shortlist(app, lead.id, ideas[2].id)  # still open: kept
    with app.test_request_context():
        idea = db.session.get(Idea, ideas[2].id)
        decisions.decide(idea, db.session.get(User, lead.id), IdeaState.DECLINED, "Out of scope.")
        db.session.commit()
        assert db.session.get(SnapshotDetails, ideas[2].id) is None  # closed: dropped
        assert db.session.get(SnapshotDetails, ideas[1].id) is not None
