"""Score snapshots: recomputed on review submission, round close and rubric change."""

import time

import numpy as np
import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.pipeline.disagreement import AGREEMENT_RULE, disagrees
from portal.pipeline.models import ScoreSnapshot, SnapshotRequest
from portal.reviews import rounds
from portal.reviews.conflict_check import confirm_no_conflict
from portal.reviews.models import Assignment, ReviewRound
from portal.reviews.reviewing import ReviewAnswers, save_review


@pytest.fixture
def round_setup(create_assigned_round):
    """Three ideas in a round, three panel members (own organisations), everyone assigned."""
    return create_assigned_round("Snapshot round")


def review(app, round_id, idea_id, member_id, score, submit=True, recommendation="progress"):
    with app.test_request_context():
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(round_id=round_id, idea_id=idea_id, user_id=member_id)
        )
        criteria = assignment.round.rubric.criteria
        answers = ReviewAnswers(
            scores={c.id: str(score) for c in criteria},
            recommendation=recommendation,
            confidence="high",
        )
        save_review(assignment, assignment.user, answers, submit=submit)
        db.session.commit()


def snapshots(query):
    return query(
        lambda: {
            s.idea_id: (s.n_reviews, s.calibrated_score, s.rank, s.priority, s.details)
            for s in db.session.scalars(sa.select(ScoreSnapshot))
        }
    )


def test_submitting_a_review_updates_that_ideas_snapshot(app, round_setup, query):
    round_id, ideas, members, _ = round_setup
    assert snapshots(query) == {}
    review(app, round_id, ideas[0].id, members[0].id, 4, submit=False)
    assert snapshots(query) == {}  # a draft changes no scores
    review(app, round_id, ideas[0].id, members[0].id, 4)
    after = snapshots(query)
    assert set(after) == {i.id for i in ideas}  # every open idea has a snapshot
    n_reviews, calibrated, _, _, details = after[ideas[0].id]
    assert n_reviews == 1 and calibrated == pytest.approx(4.0)
    assert details["criteria"]["measurement"]["mean"] == 4.0
    assert after[ideas[1].id][0] == 0 and after[ideas[1].id][1] is None
    events = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "scores.recomputed")
        ).all()
    )
    assert events[-1]["reason"] == "review submitted"


def test_ranks_follow_the_calibrated_panel_scores_and_contributions_add_up(app, round_setup, query):
    round_id, ideas, members, _ = round_setup
    for idea, score in zip(ideas, (2, 5, 3), strict=True):
        for member in members:
            review(app, round_id, idea.id, member.id, score)
    snaps = snapshots(query)
    order = sorted(snaps, key=lambda idea_id: snaps[idea_id][2])
    assert order == [ideas[1].id, ideas[2].id, ideas[0].id]
    for idea, given in zip(ideas, (2, 5, 3), strict=True):
        assert snaps[idea.id][1] == pytest.approx(given)  # everyone agreed: no offsets
    for n_reviews, _calibrated, _rank, total, details in snaps.values():
        assert n_reviews == 3
        assert sum(details["contributions"].values()) == pytest.approx(total)


def test_split_reviews_are_flagged_against_the_usual_spread(app, round_setup, query):
    round_id, ideas, members, _ = round_setup
    given = {ideas[0].id: (1, 5, 5), ideas[1].id: (3, 3, 4), ideas[2].id: (4, 4, 3)}
    for idea_id, scores in given.items():
        for member, score in zip(members, scores, strict=True):
            review(app, round_id, idea_id, member.id, score)
    snaps = snapshots(query)
    details = snaps[ideas[0].id][4]
    assert details["agreement_rule"] == AGREEMENT_RULE
    safety = details["criteria"]["safety_impact"]
    assert safety["disagreement"] is True and safety["range"] == 4
    assert safety["spread"] == pytest.approx(np.std([1, 5, 5], ddof=1))
    assert 0.5 < safety["usual_spread"] < 1  # the other two ideas: one point apart
    assert details["overall"]["disagreement"] is True
    assert details["split_recommendation"] is False
    for idea in ideas[1:]:  # one point apart, as usual: no flag
        other = snaps[idea.id][4]
        assert not any(c["disagreement"] for c in other["criteria"].values())
        assert other["overall"]["disagreement"] is False
    # the flag the pipeline's table reads is the details' summed up
    flags = query(
        lambda: dict(
            db.session.execute(sa.select(ScoreSnapshot.idea_id, ScoreSnapshot.disagreement)).all()
        )
    )
    assert flags == {idea.id: disagrees(snaps[idea.id][4]) for idea in ideas}
    assert flags[ideas[0].id] is True


def test_a_snapshot_stored_under_the_earlier_rule_is_not_read_as_disagreeing():
    old = {"criteria": {"safety_impact": {"range": 2, "disagreement": True}}}
    assert disagrees(old) is False and disagrees({}) is False and disagrees(None) is False
    new = {**old, "overall": {"disagreement": False}, "agreement_rule": AGREEMENT_RULE}
    assert disagrees(new) is True


def test_a_split_recommendation_is_stored_apart_from_the_scores(app, round_setup, query):
    round_id, ideas, members, _ = round_setup
    verdicts = {
        ideas[0].id: ("progress", "progress_with_changes", "do_not_progress"),
        ideas[1].id: ("progress", "progress_with_changes", "progress"),
    }
    for idea_id, given in verdicts.items():
        for member, verdict in zip(members, given, strict=True):
            review(app, round_id, idea_id, member.id, 3, recommendation=verdict)
    review(app, round_id, ideas[2].id, members[0].id, 1, recommendation="do_not_progress")
    snaps = snapshots(query)
    split = {idea_id: snaps[idea_id][4]["split_recommendation"] for idea_id in snaps}
    assert split == {ideas[0].id: True, ideas[1].id: False, ideas[2].id: False}
    for _, _, _, _, details in snaps.values():  # agreed scores, or a single one: no flag
        assert not any(c["disagreement"] for c in details["criteria"].values())


def test_closing_a_round_recomputes(app, round_setup, query):
    round_id, ideas, members, lead = round_setup
    with app.test_request_context():
        rounds.close_round(db.session.get(ReviewRound, round_id), db.session.get(User, lead.id))
        db.session.commit()
    assert len(snapshots(query)) == 3
    reasons = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "scores.recomputed")
        ).all()
    )
    assert reasons[-1]["reason"] == "round closed: Snapshot round"


def test_submitting_through_the_review_page_updates_the_snapshot(
    app, round_setup, client, sign_in, query
):
    round_id, ideas, members, _ = round_setup
    with app.test_request_context():
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(
                round_id=round_id, idea_id=ideas[2].id, user_id=members[1].id
            )
        )
        confirm_no_conflict(assignment, assignment.user)
        db.session.commit()
        form = {
            "rubric": str(assignment.round.rubric_id),
            "idea_version": str(assignment.idea.version_number),
            "recommendation": "progress_with_changes",
            "confidence": "medium",
            "comments_for_innovator": "",
            "comments_for_panel": "",
            "submit_review": "1",
            **{f"score-{c.id}": "5" for c in assignment.round.rubric.criteria},
        }
        assignment_id = assignment.id
    sign_in(client, members[1])
    response = client.post(f"/reviews/{assignment_id}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert snapshots(query)[ideas[2].id][1] == pytest.approx(5.0)


def test_bulk_loads_can_defer_to_one_refresh(app, round_setup, query):
    from portal.pipeline.snapshots import deferred_snapshots

    round_id, ideas, members, lead = round_setup
    with app.test_request_context():
        with deferred_snapshots(None, "bulk load"):
            for member in members:
                assignment = db.session.scalar(
                    sa.select(Assignment).filter_by(
                        round_id=round_id, idea_id=ideas[0].id, user_id=member.id
                    )
                )
                criteria = assignment.round.rubric.criteria
                save_review(
                    assignment,
                    assignment.user,
                    ReviewAnswers(
                        scores={c.id: "3" for c in criteria},
                        recommendation="progress",
                        confidence="low",
                    ),
                    submit=True,
                )
        db.session.commit()
    reasons = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "scores.recomputed")
        ).all()
    )
    assert [r["reason"] for r in reasons] == ["bulk load"]
    assert snapshots(query)[ideas[0].id][0] == 3


def test_changing_rubric_weights_recomputes_the_ranking(app, round_setup, query):
    from portal.reviews.rubric import CriterionEdit, current_rubric, new_rubric_version

    round_id, ideas, members, lead = round_setup
    review(app, round_id, ideas[0].id, members[0].id, 4)
    with app.test_request_context():
        rubric = current_rubric()
        measurement = next(c for c in rubric.criteria if c.key == "measurement")
        edit = CriterionEdit(
            key=measurement.key,
            name=measurement.name,
            description=measurement.description,
            weight=3.0,
            anchors=dict(measurement.anchors),
        )
        new_rubric_version(db.session.get(User, lead.id), [edit], "Measurement matters more")
        db.session.commit()
    reasons = query(
        lambda: [
            d["reason"]
            for d in db.session.scalars(
                sa.select(AuditEvent.details).where(AuditEvent.action == "scores.recomputed")
            )
        ]
    )
    assert reasons[-1] == "rubric version 2"
    assert len(snapshots(query)) == 3


def sent_tasks(app, wait=1.0) -> list[str]:
    """The tasks on the test broker (memory://, one per process), waiting up to `wait`
    seconds for the first; all taken off it."""
    celery = app.extensions["celery"]
    names = []
    with celery.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.config["TASK_QUEUE"])
        while True:
            try:
                message = queue.get(timeout=wait if not names else 0.1)
            except queue.Empty:
                break
            names.append(message.headers["task"])
            message.ack()
        queue.close()
    return names


def test_a_large_pipeline_queues_the_recomputation_for_the_worker(
    app, round_setup, query, runner, lead_client, monkeypatch
):
    monkeypatch.setitem(app.config, "SNAPSHOT_INLINE_LIMIT", 2)  # three open ideas: "large"
    round_id, ideas, members, _ = round_setup
    sent_tasks(app, wait=0.1)  # earlier tests' messages off the shared memory broker
    review(app, round_id, ideas[0].id, members[0].id, 4)
    assert snapshots(query) == {}  # the review was saved at once; scores wait
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(SnapshotRequest.id)))) == 1
    # a worker is asked at once (other messages, such as mail, may go with it)
    assert sent_tasks(app).count("pipeline.refresh_snapshots") == 1
    page = lead_client.get("/pipeline").get_data(as_text=True)
    assert "Scores are being brought up to date" in page

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "scores recomputed: 3 open ideas" in result.output
    after = snapshots(query)
    assert set(after) == {i.id for i in ideas} and after[ideas[0].id][0] == 1
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(SnapshotRequest.id)))) == 0
    page = lead_client.get("/pipeline").get_data(as_text=True)
    assert "Scores are being brought up to date" not in page
    reasons = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.details).where(AuditEvent.action == "scores.recomputed")
        ).all()
    )
    assert reasons[-1]["reason"] == "review submitted"

    result = runner.invoke(args=["worker", "--once"])  # nothing queued: nothing recomputed
    assert "scores recomputed" not in result.output


def test_a_broker_that_cannot_take_the_message_leaves_the_refresh_to_the_schedule(
    app, round_setup, query, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "SNAPSHOT_INLINE_LIMIT", 2)
    celery = app.extensions["celery"]
    # nothing listens on port 1 of this machine: the connection is refused at once
    monkeypatch.setattr(celery.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery, "_pool", None)
    monkeypatch.setattr(celery.amqp, "_producer_pool", None)
    round_id, ideas, members, _ = round_setup
    started = time.monotonic()
    review(app, round_id, ideas[0].id, members[0].id, 4)
    assert time.monotonic() - started < 2  # the response does not wait for the broker
    assert query(lambda: db.session.scalar(sa.select(sa.func.count(SnapshotRequest.id)))) == 1
    deadline = time.monotonic() + 30  # the sender gives up in its own thread, after retries
    while "score refresh left to the schedule" not in caplog.text:
        assert time.monotonic() < deadline, "the failed send was not reported"
        time.sleep(0.1)
