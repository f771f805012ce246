"""The lead's idea page: scores, reviews with agreement and calibration, similar ideas and
decisions; and what a conflicted lead does not see."""

import re

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Idea
from portal.pipeline.models import ScoreSnapshot
from portal.pipeline.snapshots import refresh_snapshots
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import ConflictKind, Review
from tests.portal.decision_helpers import (
    PANEL_SECRET,
    decisions_of,
    lead_session,
    make_reviewed,
    snapshot_of,
)


@pytest.fixture
def reviewed(app, create_idea, create_user, create_organisation):
    return make_reviewed(app, create_idea, create_user, create_organisation)


@pytest.fixture
def lead(app, sign_in, reviewed):
    return lead_session(app, sign_in, reviewed.lead)


def page(client, idea):
    response = client.get(f"/ideas/{idea.reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text_of(html):
    """The page's text with tags removed and spaces collapsed, for reading numbers."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_scores_come_from_the_snapshot_with_an_explanation_that_adds_up(lead, reviewed, query):
    idea = reviewed.ideas[1]
    snapshot = snapshot_of(query, idea)
    html = page(lead, idea)
    text = text_of(html)
    assert f"Rank {snapshot.rank} of 3 open ideas" in text
    assert f"Calibrated panel score {snapshot.calibrated_score:.2f} out of 5" in text
    assert f"90% interval: {snapshot.interval_low:.2f} to {snapshot.interval_high:.2f}" in text
    assert f"Raw panel score {snapshot.raw_score:.2f} out of 5" in text
    assert f"Chance of being in the top 3 {round(snapshot.prob_top_k * 100)}%" in text
    assert "3 submitted: enough to rank" in text
    assert "Sensitivity to the weights" in text
    assert f"How the priority of {snapshot.priority:.3f} adds up" in text
    parts = snapshot.details["contributions"]
    assert sum(parts.values()) == pytest.approx(snapshot.priority)
    for label, key in (
        ("Panel score (calibrated)", "panel"),
        ("Relevance to the workstreams", "relevance"),
        ("Novelty (unlike other ideas)", "novelty"),
    ):
        assert re.search(rf"{re.escape(label)} [0-9.]+ [0-9.]+ {parts[key]:.3f}", text), label
    assert "How the priority is worked out" in html
    panel = f"panel {parts['panel']:.4f} (calibrated score {snapshot.calibrated_score:.2f} of 5"
    assert f"priority {snapshot.priority:.4f} = {panel}" in text


def test_each_review_is_shown_in_full_with_names(lead, reviewed):
    html = page(lead, reviewed.ideas[0])
    text = text_of(html)
    for n in range(3):
        assert f"Review by <bdi>Reviewer Person{n}</bdi>" in html
        assert f"idea 0 note {n} &lt;b&gt;bold&lt;/b&gt;" in html
        assert f"Criterion comment 0-{n}" in html
    assert "<b>bold</b>" not in html
    assert PANEL_SECRET in html  # leads read the panel-only comments
    assert "Comments for the panel only" in html and "Comments for the innovator" in html
    assert "Cannot score" in html  # the third reviewer could not score measurement
    assert "Recommendation Progress" in text and "Confidence High" in text
    assert "4 – Large reduction in harm or in serious harm" in html
    assert "<bdi>Spring panel</bdi> (the scores above come from this round)" in html


def test_agreement_and_calibration_are_shown_per_criterion_and_review(lead, reviewed, query):
    idea = reviewed.ideas[1]  # scored 5, 3, 3: the first reviewer is 2 points apart, but
    html = page(lead, idea)  # the same reviewer is a point or two above the others on each idea
    text = text_of(html)
    assert "Agreement on each criterion" in html
    assert (
        "Patient safety impact Scores given 5, 3, 3 Mean 3.67 Spread 1.15 Usual spread 0.67"
        " Agreement Wider, but could be chance" in text
    )
    assert "Overall score Scores given 5.00, 3.00, 3.00 Mean 3.67 Spread 1.15" in text
    assert "Measurement Scores given 5, 3, Cannot score Mean 4.00" in text
    assert "(1 could not score)" in text
    assert "Reviewers disagree more than usual" not in text
    assert (
        "Reviewers disagree on a criterion when their scores are at least 2 points apart (1 on"
        " the overall score) and further apart than the panel's usual spread" in text
    )
    assert "or more points apart" not in text
    details = snapshot_of(query, idea).details["reviews"]
    assert len(details) == 3
    generous = max(details.values(), key=lambda d: d["offset"])
    assert generous["offset"] > 0
    assert generous["calibrated"] == pytest.approx(generous["overall"] - generous["offset"])
    assert (
        f"{generous['overall']:.2f} as given; {generous['calibrated']:.2f} after calibration."
        in text
    )
    assert "more generously than the panel on average" in text
    assert "more strictly than the panel on average" in text

    def store_under_the_earlier_rule():  # as snapshots stored before this rule read
        snapshot = db.session.get(ScoreSnapshot, idea.id)
        earlier = {
            k: v for k, v in snapshot.details.items() if k not in ("agreement_rule", "overall")
        }
        earlier["criteria"]["safety_impact"]["disagreement"] = True
        snapshot.kept.details = earlier
        db.session.commit()

    query(store_under_the_earlier_rule)
    text = text_of(page(lead, idea))
    assert "Patient safety impact Scores given 5, 3, 3 Mean 3.67 Spread 1.15" in text
    assert "Agreement Being worked out again" in text and "Reviewers disagree" not in text
    assert "being worked out again under a new rule" in text


def test_snapshots_store_each_reviews_calibration_effect(reviewed, query):
    def load():
        reviews = {r.id: r for r in db.session.scalars(sa.select(Review))}
        offsets = {}
        for snapshot in db.session.scalars(sa.select(ScoreSnapshot)):
            for review_id, effect in snapshot.details["reviews"].items():
                review = reviews[int(review_id)]
                assert review.idea_id == snapshot.idea_id
                offsets.setdefault(review.reviewer_id, set()).add(round(effect["offset"], 9))
        return offsets

    offsets = query(load)
    assert len(offsets) == 3 and all(len(v) == 1 for v in offsets.values())  # one per reviewer
    first = next(iter(offsets[reviewed.members[0].id]))
    assert first > 0 and first == max(next(iter(v)) for v in offsets.values())


def test_similar_ideas_are_linked_with_their_similarity(lead, reviewed, query):
    idea = reviewed.ideas[0]
    nearest = snapshot_of(query, idea).details["nearest"]
    html = page(lead, idea)
    assert "Similar ideas" in html
    for item in nearest:
        if item["similarity"] > 0:
            assert f'href="/ideas/{item["reference"]}"' in html
            assert f"{round(item['similarity'] * 100)}% similar" in html


def test_decision_history_shows_the_scores_then_and_a_reopen_form(lead, reviewed, query):
    idea = reviewed.ideas[0]
    before = snapshot_of(query, idea)
    html = page(lead, idea)
    assert f'href="/ideas/{idea.reference}/decide"' in html and "Make a decision" in html
    assert "No stage-gate decisions have been made on this idea." in html
    lead.post(
        f"/ideas/{idea.reference}/decide",
        data={"target": "declined", "rationale": "Not this year.", "release_feedback": "y"},
    )
    (decision,) = decisions_of(query, idea)
    text = text_of(page(lead, idea))
    assert "From 'In review' to 'Not taken forward'" in text
    assert "by Lead Person" in text and "Not this year." in text
    assert f"Rank then {before.rank} of 3" in text
    assert f"Calibrated score then {before.calibrated_score:.2f} out of 5" in text
    assert "3 reviewer comments released to the innovator" in text
    html = page(lead, idea)
    assert f'action="/decisions/{decision.id}/reopen"' in html
    assert "Scores are kept for open ideas only" in html
    assert 'href="/ideas/' + idea.reference + '/decide"' not in html  # nothing left to decide


def test_an_idea_without_reviews_says_so(client_for, create_idea):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = create_idea(triage=True)
    html = page(lead, idea)
    assert "There are no scores yet" in html
    assert "No reviews have been submitted yet." in html
    assert "Make a decision" in html
    assert "The harm that happens, or could happen" in html  # the idea's answers are still there


def test_the_innovators_role_is_shown_once_among_their_answers(client_for, create_idea):
    lead = client_for(Role.PROGRAMME_LEAD)
    text = text_of(page(lead, create_idea(innovator_role="Community matron")))
    assert text.count("Community matron") == 1
    assert "job title or role Community matron" in text  # under 'About the innovator'
    assert "Their role" not in text


def test_an_idea_short_of_reviews_says_what_it_needs_to_rank(app, client_for, create_idea):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = create_idea(triage=True)
    with app.test_request_context():
        refresh_snapshots(db.session.get(User, lead.user.id), "test")
        db.session.commit()
    text = text_of(page(lead, idea))
    assert "0 submitted: not enough to rank yet" in text
    assert (
        "Not enough reviews yet: it ranks after every idea with at least 2 scores on each "
        "criterion." in text
    )


def assert_nothing_scored_is_shown(html):
    assert "You have a conflict of interest" in html
    for hidden in (
        "Review by",
        "Reviewer Person",
        PANEL_SECRET,
        "For the innovator",
        "Calibrated panel score",
        "Rank ",
        "Agreement on each criterion",
        'id="similar"',
        'id="scores"',
        "Rank then",
        "/decide",
        "/reopen",
        "Accept into triage",
        "Decline the idea",
    ):
        assert hidden not in html, hidden


def test_a_lead_from_the_same_organisation_sees_no_reviews_or_scores(
    app, sign_in, lead, create_user, create_organisation, reviewed
):
    idea = reviewed.ideas[0]
    lead.post(
        f"/ideas/{idea.reference}/decide",
        data={"target": "shortlisted", "rationale": "Strong.", "release_feedback": "y"},
    )
    colleague = create_user(
        roles=(Role.PROGRAMME_LEAD,), organisation=create_organisation("Innovator Trust 0")
    )
    html = page(lead_session(app, sign_in, colleague), idea)
    assert_nothing_scored_is_shown(html)
    assert "Sepsis screening prompts for community nurses" in html  # the idea itself is shown
    assert "From 'In review' to 'Shortlisted'" in html  # decisions, without scores
    other = page(lead_session(app, sign_in, colleague), reviewed.ideas[1])
    assert "Review by <bdi>Reviewer Person0</bdi>" in other  # no conflict with the other ideas


def test_a_lead_with_a_declared_conflict_sees_no_reviews_or_scores(app, client_for, reviewed):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = reviewed.ideas[1]
    with app.test_request_context():
        declare_conflict(
            db.session.get(User, lead.user.id),
            db.session.get(Idea, idea.id),
            ConflictKind.PERSONAL,
            None,
        )
        db.session.commit()
    assert_nothing_scored_is_shown(page(lead, idea))


def test_a_conflicted_lead_cannot_triage_either(client_for, create_idea, create_organisation):
    trust = create_organisation("Northshire Community Health NHS Trust")
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    idea = create_idea()  # shared from the same trust
    html = page(lead, idea)
    assert "Accept into triage" not in html
    assert "You cannot make triage decisions on this idea" in html
    assert lead.post(f"/ideas/{idea.reference}/triage/accept").status_code == 403
