"""Stage-gate decisions: moving ideas on with a reason, score snapshots, feedback, reopening."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import (
    REOPENS,
    IdeaState,
    Mover,
    TransitionError,
    check_reopen,
)
from portal.ideas.models import Idea, Workstream
from portal.pipeline import decisions
from portal.reviews import rounds
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import ConflictKind
from tests.portal.decision_helpers import (
    ESCAPED,
    PANEL_SECRET,
    SCRIPT,
    decisions_of,
    event_count,
    innovator_comment,
    lead_session,
    mail_to,
    make_reviewed,
    move,
    snapshot_of,
    state_of,
    submit_review,
)

S = IdeaState
RELEASED = [innovator_comment(0, m) for m in range(3)]


@pytest.fixture
def reviewed(app, create_idea, create_user, create_organisation):
    return make_reviewed(app, create_idea, create_user, create_organisation)


@pytest.fixture
def lead(app, sign_in, reviewed):
    return lead_session(app, sign_in, reviewed.lead)


def decide(client, idea, target, rationale="The panel's case is strong.", **extra):
    data = {"target": target, "rationale": rationale, "release_feedback": "y", **extra}
    return client.post(f"/ideas/{idea.reference}/decide", data=data)


def decision_mails(query, idea, owner):
    subject = f"Your idea {idea.reference}: decision"
    return [m for m in mail_to(query, owner.email) if m.subject == subject]


def audit_actions(query, action):
    return query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
    )


def owner_client(app, sign_in, owner):
    client = app.test_client()
    sign_in(client, owner)
    return client


def test_a_lead_moves_an_idea_through_every_stage(lead, reviewed, query):
    idea = reviewed.ideas[0]
    for target, extra in (
        ("shortlisted", {}),
        ("in_pilot", {}),
        ("adopted", {"workstream": "medicines_safety"}),
    ):
        response = decide(lead, idea, target, f"Ready to be {target}.", **extra)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"] == f"/ideas/{idea.reference}#decisions"
        assert state_of(query, idea) is S(target)
    rows = decisions_of(query, idea)
    assert [(d.from_state, d.to_state) for d in rows] == [
        (S.IN_REVIEW, S.SHORTLISTED),
        (S.SHORTLISTED, S.IN_PILOT),
        (S.IN_PILOT, S.ADOPTED),
    ]
    medsip = query(
        lambda: db.session.scalar(sa.select(Workstream.id).filter_by(key="medicines_safety"))
    )
    assert [d.workstream_id for d in rows] == [None, None, medsip]
    assert {d.decided_by_id for d in rows} == {reviewed.lead.id}
    assert rows[-1].rationale == "Ready to be adopted."
    html = lead.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "From 'In pilot' to 'Adopted': Medicines Safety (MedSIP)" in html
    assert "Decision made" in html  # the timeline


def test_triage_and_review_moves_are_decisions_too(app, client_for, create_idea, query):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = create_idea()
    assert decide(lead, idea, "in_triage", "Fits MedSIP.").status_code == 302
    assert decide(lead, idea, "in_review", "Send it to the panel.").status_code == 302
    assert state_of(query, idea) is S.IN_REVIEW
    rows = decisions_of(query, idea)
    assert [d.to_state for d in rows] == [S.IN_TRIAGE, S.IN_REVIEW]
    assert rows[0].scores == {}  # nothing had been scored yet
    assert rows[0].released_feedback == []


def test_decline_with_a_reason_tells_the_innovator(app, sign_in, lead, reviewed, query):
    idea, owner = reviewed.ideas[1], reviewed.owners[1]
    reason = "Another trust is already piloting the same change."
    assert decide(lead, idea, "declined", reason).status_code == 302
    assert "The innovator has been told." in lead.get("/pipeline").get_data(as_text=True)
    assert state_of(query, idea) is S.DECLINED
    (mail,) = decision_mails(query, idea, owner)
    assert reason in mail.body and "Decision: Not taken forward." in mail.body
    assert f"/ideas/{idea.reference}" in mail.body
    for page in (f"/ideas/{idea.reference}", "/innovator"):
        html = owner_client(app, sign_in, owner).get(page).get_data(as_text=True)
        assert reason in html and "Not taken forward" in html, page


@pytest.mark.parametrize(
    ("rationale", "message"),
    [
        ("", "Enter the reason for your decision"),
        ("   ", "Enter the reason for your decision"),
        ("word " * 501, "Your reason must be 500 words or fewer"),
    ],
)
def test_a_reason_is_required(lead, reviewed, query, rationale, message):
    idea = reviewed.ideas[0]
    response = decide(lead, idea, "shortlisted", rationale)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html and 'href="#rationale"' in html
    assert state_of(query, idea) is S.IN_REVIEW
    assert decisions_of(query, idea) == []


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("adopted", 409, "This idea is with the review panel, so it cannot be adopted now."),
        ("in_triage", 409, "so it cannot be accepted for checking now"),
        ("information_requested", 200, "To ask the innovator a question"),
        ("withdrawn", 409, "Only the person who shared it"),
        ("nonsense", 200, "Choose what happens to the idea"),
    ],
)
def test_an_illegal_target_is_refused_and_changes_nothing(
    lead, reviewed, query, target, status, message
):
    idea, owner = reviewed.ideas[0], reviewed.owners[0]
    events, mails = event_count(query, idea), len(mail_to(query, owner.email))
    response = decide(lead, idea, target, workstream="medicines_safety")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "There is a problem" in html and message in html
    assert state_of(query, idea) is S.IN_REVIEW
    assert decisions_of(query, idea) == []
    assert event_count(query, idea) == events
    assert len(mail_to(query, owner.email)) == mails


def test_adopting_needs_a_workstream(app, lead, reviewed, query):
    idea = reviewed.ideas[0]
    move(app, idea, S.SHORTLISTED, reviewed.lead)
    move(app, idea, S.IN_PILOT, reviewed.lead)
    response = decide(lead, idea, "adopted", "It worked in the pilot.")
    html = response.get_data(as_text=True)
    assert "Choose the workstream that adopts the idea" in html and 'href="#workstream"' in html
    assert state_of(query, idea) is S.IN_PILOT
    assert decide(lead, idea, "adopted", "It worked.", workstream="nope").status_code == 200
    assert state_of(query, idea) is S.IN_PILOT


def test_the_decide_page_offers_the_moves_and_shows_the_comments_first(lead, reviewed):
    idea = reviewed.ideas[0]
    html = lead.get(f"/ideas/{idea.reference}/decide").get_data(as_text=True)
    assert 'value="shortlisted"' in html and "Shortlist it" in html
    assert 'value="declined"' in html and "Do not take it forward" in html
    assert 'value="information_requested"' not in html and 'value="adopted"' not in html
    for m in range(3):
        assert f"idea 0 note {m} &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html
    assert PANEL_SECRET not in html and "Reviewer Person" not in html
    assert "Release the reviewers&#39; comments for the innovator with this decision" in html
    assert 'name="release_feedback" type="checkbox" value="y" checked' in html


def test_a_decision_snapshots_the_scores_and_rank_then_recomputes(lead, reviewed, query):
    idea = reviewed.ideas[0]
    before = snapshot_of(query, idea)
    assert before is not None and before.n_reviews == 3
    assert decide(lead, idea, "declined", "Not a priority this year.").status_code == 302
    (decision,) = decisions_of(query, idea)
    scores = decision.scores
    assert scores["rank"] == before.rank and scores["ranked_ideas"] == 3
    assert scores["calibrated_score"] == pytest.approx(before.calibrated_score)
    assert scores["interval_low"] == pytest.approx(before.interval_low)
    assert scores["interval_high"] == pytest.approx(before.interval_high)
    assert scores["prob_top_k"] == pytest.approx(before.prob_top_k)
    assert scores["priority"] == pytest.approx(before.priority)
    assert scores["n_reviews"] == 3 and scores["sufficient"] is True
    assert datetime.fromisoformat(scores["computed_at"]) == before.computed_at
    assert snapshot_of(query, idea) is None  # declined ideas are no longer ranked
    others = [snapshot_of(query, i).rank for i in reviewed.ideas[1:]]
    assert sorted(others) == [1, 2]
    assert audit_actions(query, "scores.recomputed")[-1].details["reason"] == "decision"
    (made,) = audit_actions(query, "decision.made")
    assert made.object_id == str(decision.id) and made.actor_id == reviewed.lead.id
    assert made.details["to_state"] == "declined" and made.details["rank"] == before.rank


def test_feedback_for_the_innovator_is_released_and_emailed(app, sign_in, lead, reviewed, query):
    idea, owner = reviewed.ideas[0], reviewed.owners[0]
    assert decide(lead, idea, "shortlisted", "A clear safety case.").status_code == 302
    (decision,) = decisions_of(query, idea)
    assert [f["text"] for f in decision.released_feedback] == RELEASED
    (mail,) = decision_mails(query, idea, owner)
    assert "A clear safety case." in mail.body and "Decision: Shortlisted." in mail.body
    for text in RELEASED:
        assert text in mail.body
    assert PANEL_SECRET not in mail.body and "Reviewer Person" not in mail.body
    assert "Criterion comment" not in mail.body
    innovator = owner_client(app, sign_in, owner)
    for page in (f"/ideas/{idea.reference}", "/innovator"):
        html = innovator.get(page).get_data(as_text=True)
        assert "A clear safety case." in html, page
        for m in range(3):
            assert f"idea 0 note {m} &lt;b&gt;bold&lt;/b&gt;" in html, page
        assert PANEL_SECRET not in html and "Reviewer Person" not in html, page
        assert "Criterion comment" not in html and "Lead Person" not in html, page


def test_feedback_can_be_held_back_and_is_never_released_twice(lead, reviewed, query):
    idea, owner = reviewed.ideas[0], reviewed.owners[0]
    response = lead.post(
        f"/ideas/{idea.reference}/decide",
        data={"target": "shortlisted", "rationale": "Shortlisted for now."},  # box unticked
    )
    assert response.status_code == 302
    assert decisions_of(query, idea)[0].released_feedback == []
    (mail,) = decision_mails(query, idea, owner)
    assert "For the innovator" not in mail.body
    assert decide(lead, idea, "in_pilot", "Pilot it in two trusts.").status_code == 302
    assert [f["text"] for f in decisions_of(query, idea)[1].released_feedback] == RELEASED
    decide(lead, idea, "adopted", "Adopt it.", workstream="medicines_safety")
    assert decisions_of(query, idea)[2].released_feedback == []


def test_reopening_a_decision_returns_the_idea_and_is_audited(app, sign_in, lead, reviewed, query):
    idea, owner = reviewed.ideas[0], reviewed.owners[0]
    decide(lead, idea, "declined", "Out of scope.")
    (decision,) = decisions_of(query, idea)
    empty = lead.post(f"/decisions/{decision.id}/reopen", data={"reopen_reason": ""})
    assert empty.status_code == 200
    assert "Enter the reason for reopening the decision" in empty.get_data(as_text=True)
    assert state_of(query, idea) is S.DECLINED

    reason = "Declined by mistake: the panel supported it."
    response = lead.post(f"/decisions/{decision.id}/reopen", data={"reopen_reason": reason})
    assert response.status_code == 302
    assert state_of(query, idea) is S.IN_REVIEW
    (decision,) = decisions_of(query, idea)
    assert decision.reopened_at is not None and decision.reopened_by_id == reviewed.lead.id
    assert decision.reopen_reason == reason
    (audited,) = audit_actions(query, "decision.reopened")
    assert audited.object_id == str(decision.id) and audited.details["reason"] == reason
    assert audited.details["to_state"] == "in_review"
    (mail,) = [m for m in mail_to(query, owner.email) if m.subject.endswith("decision reopened")]
    assert reason in mail.body
    assert snapshot_of(query, idea) is not None  # open again, so ranked again

    again = lead.post(f"/decisions/{decision.id}/reopen", data={"reopen_reason": "Again"})
    assert again.status_code == 409
    assert "already been reopened" in again.get_data(as_text=True)
    html = lead.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "Reopened" in html and reason in html
    html = owner_client(app, sign_in, owner).get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "This decision was reopened" in html and reason in html


def test_an_adoption_can_be_reopened_but_not_an_overtaken_decision(app, lead, reviewed, query):
    idea = reviewed.ideas[0]
    decide(lead, idea, "shortlisted", "Strong.")
    decide(lead, idea, "in_pilot", "Pilot.")
    decide(lead, idea, "adopted", "Adopt.", workstream="medicines_safety")
    first, _, adopted = decisions_of(query, idea)
    stale = lead.post(f"/decisions/{first.id}/reopen", data={"reopen_reason": "Rethink"})
    assert stale.status_code == 409 and "moved on" in stale.get_data(as_text=True)
    response = lead.post(f"/decisions/{adopted.id}/reopen", data={"reopen_reason": "No capacity"})
    assert response.status_code == 302
    assert state_of(query, idea) is S.IN_PILOT


def test_the_reopen_table_is_lead_only_and_reverses_lead_moves():
    assert (S.DECLINED, S.IN_REVIEW) in REOPENS and (S.ADOPTED, S.IN_PILOT) in REOPENS
    # a question is answered, not reopened: only a decline sends an idea back to waiting
    assert {now for now, back in REOPENS if back is S.INFORMATION_REQUESTED} == {S.DECLINED}
    assert not any(now is S.WITHDRAWN for now, _ in REOPENS)  # the innovator's own choice
    check_reopen(S.SHORTLISTED, S.IN_REVIEW, Mover.LEAD)
    with pytest.raises(TransitionError, match="Only a programme lead"):
        check_reopen(S.DECLINED, S.IN_REVIEW, Mover.OWNER)
    with pytest.raises(TransitionError, match="so no decision can be reopened"):
        check_reopen(S.ADOPTED, S.IN_REVIEW, Mover.LEAD)


def bulk(client, ideas, target="shortlisted", rationale="The strongest three.", **extra):
    ids = [str(i.id) for i in ideas]
    data = {"ideas": ids, "shown": ids, "target": target, "rationale": rationale}
    return client.post("/pipeline/decide", data={**data, "decide": "1", **extra})


def test_bulk_decisions_are_all_or_nothing(app, lead, reviewed, query):
    first, second, third = reviewed.ideas
    move(app, third, S.SHORTLISTED, reviewed.lead)
    response = bulk(lead, reviewed.ideas, release_feedback="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nothing was changed: 1 of the 3 ideas cannot be moved to &#39;shortlisted&#39;" in html
    assert f"{third.reference}: This idea has been shortlisted, so it cannot be" in html
    assert [state_of(query, i) for i in reviewed.ideas] == [S.IN_REVIEW, S.IN_REVIEW, S.SHORTLISTED]
    assert all(decisions_of(query, i) == [] for i in reviewed.ideas)
    assert not decision_mails(query, first, reviewed.owners[0])

    refreshes = len(audit_actions(query, "scores.recomputed"))
    response = bulk(lead, [first, second], release_feedback="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert state_of(query, first) is S.SHORTLISTED and state_of(query, second) is S.SHORTLISTED
    (one,), (two,) = decisions_of(query, first), decisions_of(query, second)
    assert one.batch and one.batch == two.batch
    assert one.rationale == two.rationale == "The strongest three."
    assert [f["text"] for f in one.released_feedback] == RELEASED
    assert len(audit_actions(query, "scores.recomputed")) == refreshes + 1  # once per batch
    assert decision_mails(query, first, reviewed.owners[0])
    assert decision_mails(query, second, reviewed.owners[1])


def test_bulk_needs_ideas_a_target_and_a_reason(lead, reviewed, query):
    response = bulk(lead, [], rationale="")
    html = response.get_data(as_text=True)
    assert "Enter the reason for your decision" in html
    response = bulk(lead, [])
    assert "Choose at least one idea" in response.get_data(as_text=True)
    assert all(state_of(query, i) is S.IN_REVIEW for i in reviewed.ideas)


def test_the_pipeline_posts_ticked_ideas_to_the_bulk_page(lead, reviewed):
    chosen = reviewed.ideas[:2]
    response = lead.post("/pipeline/decide", data={"ideas": [str(i.id) for i in chosen]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" not in html
    for idea in chosen:
        assert f'value="{idea.id}" checked' in html
    assert f'value="{reviewed.ideas[2].id}"' not in html
    assert f"{chosen[0].reference}: 3 comments" in html  # what would be released
    assert 'name="release_feedback" type="checkbox" value="y" checked' in html
    listed = lead.get("/pipeline/decide").get_data(as_text=True)  # ideas in review, by default
    assert all(i.reference in listed for i in reviewed.ideas)


@pytest.fixture
def conflicted_lead(app, sign_in, create_user, create_organisation, reviewed):
    """A lead from the same organisation as the first idea's innovator."""
    user = create_user(
        roles=(Role.PROGRAMME_LEAD,), organisation=create_organisation("Innovator Trust 0")
    )
    return lead_session(app, sign_in, user)


def test_a_conflicted_lead_cannot_decide_or_reopen(lead, conflicted_lead, reviewed, query):
    idea, other = reviewed.ideas[0], reviewed.ideas[1]
    assert conflicted_lead.get(f"/ideas/{idea.reference}/decide").status_code == 403
    assert decide(conflicted_lead, idea, "declined", "Mine to decide").status_code == 403
    assert state_of(query, idea) is S.IN_REVIEW
    decide(lead, idea, "shortlisted", "Decided by a lead without a conflict.")
    (decision,) = decisions_of(query, idea)
    response = conflicted_lead.post(f"/decisions/{decision.id}/reopen", data={"reopen_reason": "X"})
    assert response.status_code == 403
    assert state_of(query, idea) is S.SHORTLISTED
    response = bulk(conflicted_lead, [other, idea], target="declined", release_feedback="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"{idea.reference}: you have a conflict of interest with it" in html
    assert state_of(query, other) is S.IN_REVIEW
    page = conflicted_lead.post("/pipeline/decide", data={"ideas": [str(idea.id)]})
    assert "You have a conflict of interest with this idea" in page.get_data(as_text=True)


def test_a_declared_conflict_also_stops_a_lead(app, client_for, reviewed, query):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = reviewed.ideas[2]
    with app.test_request_context():
        declare_conflict(
            db.session.get(User, lead.user.id),
            db.session.get(Idea, idea.id),
            ConflictKind.FINANCIAL,
            "I advise the company",
        )
        db.session.commit()
    assert lead.get(f"/ideas/{idea.reference}/decide").status_code == 403
    assert decide(lead, idea, "declined").status_code == 403
    assert state_of(query, idea) is S.IN_REVIEW


def test_a_lead_cannot_decide_on_their_own_idea(client_for, create_idea, query):
    lead = client_for(Role.PROGRAMME_LEAD, Role.INNOVATOR)
    own = create_idea(owner=lead.user, triage=True)
    assert lead.get(f"/ideas/{own.reference}/decide").status_code == 403
    assert decide(lead, own, "in_review").status_code == 403
    assert state_of(query, own) is S.IN_TRIAGE


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
def test_decisions_are_for_programme_leads_only(client_for, reviewed, role):
    other = client_for(role)
    idea = reviewed.ideas[0]
    assert other.get(f"/ideas/{idea.reference}/decide").status_code == 403
    assert decide(other, idea, "declined").status_code == 403
    assert other.get("/pipeline/decide").status_code == 403
    assert other.post("/decisions/1/reopen", data={"reopen_reason": "x"}).status_code == 403


def test_decision_text_is_escaped_everywhere(app, sign_in, lead, reviewed, query):
    idea, owner = reviewed.ideas[0], reviewed.owners[0]
    decide(lead, idea, "declined", f"Reason {SCRIPT}")
    (decision,) = decisions_of(query, idea)
    innovator = owner_client(app, sign_in, owner)
    pages = [
        (lead, f"/ideas/{idea.reference}"),
        (lead, f"/decisions/{decision.id}/reopen"),
        (innovator, f"/ideas/{idea.reference}"),
        (innovator, "/innovator"),
    ]
    for client, path in pages:
        html = client.get(path).get_data(as_text=True)
        assert SCRIPT not in html, path
        assert ESCAPED in html, path


def test_services_refuse_a_conflicted_lead_and_an_empty_batch(app, reviewed, create_user):
    with app.test_request_context():
        idea = db.session.get(Idea, reviewed.ideas[0].id)
        owner = db.session.get(User, reviewed.owners[0].id)
        with pytest.raises(decisions.DecisionError, match="conflict of interest"):
            decisions.decide(idea, owner, S.DECLINED, "My own idea")
        lead = db.session.get(User, reviewed.lead.id)
        with pytest.raises(decisions.DecisionError, match="Choose at least one idea"):
            decisions.decide_many([], lead, S.DECLINED, "Nothing")
        assert idea.state is S.IN_REVIEW


def test_only_the_latest_rounds_comments_are_released(app, lead, reviewed, query):
    idea = reviewed.ideas[0]
    with app.test_request_context():
        lead_user = db.session.get(User, reviewed.lead.id)
        second = rounds.open_round(
            lead_user,
            name="Second look",
            deadline=date.today() + timedelta(days=5),
            ideas=[db.session.get(Idea, idea.id)],
            panel=[db.session.get(User, reviewed.members[1].id)],
            reviews_per_idea=1,
        )
        rounds.assign_manually(
            second,
            db.session.get(Idea, idea.id),
            db.session.get(User, reviewed.members[1].id),
            lead_user,
        )
        db.session.commit()
        second_id = second.id
    submit_review(app, second_id, idea.id, reviewed.members[1].id, 5, 0, 7)
    html = lead.get(f"/ideas/{idea.reference}/decide").get_data(as_text=True)
    assert "idea 0 note 7" in html and "idea 0 note 1 " not in html
    decide(lead, idea, "shortlisted", "The second look was convincing.")
    (decision,) = decisions_of(query, idea)
    assert [f["text"] for f in decision.released_feedback] == [innovator_comment(0, 7)]
    page = lead.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "<bdi>Second look</bdi> (the scores above come from this round)" in page
    assert "<bdi>Spring panel</bdi> (an earlier round)" in page
    assert "Decline the idea" not in page  # from review on, declining is a decision
