"""The five leaks found before the access rules had one home, each shut by `portal.policy`.

A conflicted lead below is a panel member given the lead role, in the same organisation as an
idea, so conflicted on it automatically; each test failed before the policy.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import policy
from portal.audit import AuditEvent
from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Idea
from portal.pipeline.decisions import decide
from portal.pipeline.models import Decision
from portal.policy import Can
from portal.reviews.conflict_check import confirm_no_conflict
from portal.reviews.models import Assignment, Conflict, ConflictKind, ReviewRound
from tests.portal.horizon_helpers import add_items
from tests.portal.pipeline_data import PipelineData, ranked_table

TRUST = "Northshire Community Health NHS Trust"  # the organisation of create_idea's innovator


@pytest.fixture
def conflicted_lead(client_for, create_organisation):
    trust = create_organisation(TRUST)
    return client_for(Role.PANEL_MEMBER, Role.PROGRAMME_LEAD, organisation=trust)


@pytest.fixture
def round_with_conflict(create_assigned_round):
    round_id, ideas, members, _lead = create_assigned_round("Spring round", n_ideas=2)
    return round_id, ideas, members


def _assignments(app, idea_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Assignment.user_id).where(Assignment.idea_id == idea_id)
        ).all()


def test_a_conflicted_lead_cannot_assign_reviewers_or_clear_conflicts(
    app, conflicted_lead, round_with_conflict, create_user
):
    round_id, ideas, members = round_with_conflict
    idea = ideas[0]
    newcomer = create_user(roles=(Role.PANEL_MEMBER,), name="New Reviewer")
    before = _assignments(app, idea.id)
    response = conflicted_lead.post(
        f"/rounds/{round_id}/assign", data={"idea": idea.id, "member": newcomer.id}
    )
    assert response.status_code == 403
    assert _assignments(app, idea.id) == before

    with app.app_context():
        member = db.session.get(User, members[0].id)
        db.session.add(Conflict(user_id=member.id, idea_id=idea.id, kind=ConflictKind.FINANCIAL))
        db.session.commit()
    response = conflicted_lead.post(
        f"/rounds/{round_id}/conflicts",
        data={"idea": idea.id, "member": members[0].id, "action": "clear", "reason": "No"},
    )
    assert response.status_code == 403
    with app.app_context():
        kept = db.session.scalar(
            sa.select(Conflict).filter_by(user_id=members[0].id, idea_id=idea.id)
        )
        assert kept.active


def test_a_conflicted_lead_does_not_see_who_reviews_a_conflicted_idea(
    conflicted_lead, client_for, round_with_conflict
):
    round_id, ideas, members = round_with_conflict
    html = conflicted_lead.get(f"/rounds/{round_id}").get_data(as_text=True)
    row = html[html.index(f"{ideas[0].reference}: ") :]
    row = row[: row.index("</tr>")]  # the idea is listed, its reviews are not
    assert "Not shown: you have a conflict of interest with this idea" in row
    assert not any(m.name in row for m in members)
    assert f'<option value="{ideas[0].id}"' not in html  # not offered to assign either
    html = client_for(Role.PROGRAMME_LEAD).get(f"/rounds/{round_id}").get_data(as_text=True)
    row = html[html.index(f"{ideas[0].reference}: ") :]
    assert all(m.name in row[: row.index("</tr>")] for m in members)  # another lead sees them


def test_duplicates_in_the_pipeline_name_no_conflicted_idea(
    app, connection, clock, client_for, create_organisation
):
    trust = create_organisation(TRUST)
    data = PipelineData(app, clock)
    data.add("Conflicted twin", rank=2, organisation=trust)
    data.add("Open idea", rank=1, nearest=[("SP-TEST-0001", 0.95)])
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    html = lead.get("/pipeline?cols=duplicates").get_data(as_text=True)
    assert "SP-TEST-0002" in html and "SP-TEST-0001" not in html
    assert [row["Possible duplicate of"] for row in ranked_table(html)] == ["None found"]
    csv = lead.get("/pipeline/export.csv").get_data(as_text=True)
    assert "SP-TEST-0001" not in csv
    other = client_for(Role.PROGRAMME_LEAD).get("/pipeline?cols=duplicates")
    assert ranked_table(other.get_data(as_text=True))[0]["Possible duplicate of"] == "SP-TEST-0001"


def test_an_admin_sees_no_ideas_under_related_ideas(
    app, connection, clock, admin_client, client_for, create_idea
):
    title = "Sepsis screening prompts for district nurses visiting patients at home"
    [item_id] = add_items(
        app,
        [(title, "A sepsis screening prompt reminded community nurses to screen for sepsis.")],
        published=clock.now - timedelta(days=2),
        seen=clock.now,
    )
    idea = create_idea(triage=True)
    page = f"/horizon/items/{item_id}"
    assert idea.reference in client_for(Role.PROGRAMME_LEAD).get(page).get_data(as_text=True)
    html = admin_client.get(page).get_data(as_text=True)
    assert admin_client.get(f"/ideas/{idea.reference}").status_code == 404
    assert idea.reference not in html and idea.title not in html


def test_ranks_shown_and_recorded_count_only_the_ideas_the_lead_may_see(
    app, connection, clock, client_for, create_organisation
):
    trust = create_organisation(TRUST)
    data = PipelineData(app, clock)
    data.add("First, conflicted", rank=1, organisation=trust)
    second = data.add("Second", rank=2)
    data.add("Third", rank=3)
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    with app.app_context():
        reference = db.session.get(Idea, second).reference
    html = lead.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "1 of 2 open ideas" in html
    with app.test_request_context():
        idea = db.session.get(Idea, second)
        decide(idea, db.session.get(User, lead.user.id), idea.state.__class__.SHORTLISTED, "Go")
        db.session.commit()
        scores = db.session.scalar(sa.select(Decision.scores).filter_by(idea_id=second))
    assert (scores["rank"], scores["ranked_ideas"], scores["rank_of_seen"]) == (1, 2, True)


def test_a_conflict_check_answer_does_not_live_in_the_audit_trail(app, create_assigned_round):
    round_id, ideas, members, _lead = create_assigned_round("Open round", n_ideas=1)
    with app.test_request_context():
        member = db.session.get(User, members[0].id)
        idea = db.session.get(Idea, ideas[0].id)
        db.session.get(ReviewRound, round_id).blind = False  # reviewers read the idea page
        assert not policy.may(member, Can.SEE, idea)  # not before answering
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(user_id=member.id, idea_id=idea.id)
        )
        confirm_no_conflict(assignment, member)
        db.session.commit()
        assert policy.may(member, Can.SEE, idea)
        # archiving (or renaming) audit rows changes nobody's access
        db.session.execute(sa.delete(AuditEvent))
        db.session.commit()
        assert policy.may(member, Can.SEE, idea)
        assert assignment.conflict_checked_at is not None
