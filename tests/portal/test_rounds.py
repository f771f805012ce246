"""Leads run review rounds: open, assign by hand and by optimiser, chase, close, reopen."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.mail import OutboxMessage
from portal.reviews import rounds
from portal.reviews.models import Assignment, AssignmentState, PanelProfile, ReviewRound

SOON = date.today() + timedelta(days=14)


def deadline_fields(day, prefix="deadline"):
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


@pytest.fixture
def panel(create_user, create_organisation, app):
    """Six panel members in three organisations; the last two are patient partners."""
    members = []
    for n in range(6):
        org = create_organisation(f"Panel Organisation {n % 3}")
        member = create_user(name=f"Panel Member {n}", roles=(Role.PANEL_MEMBER,), organisation=org)
        members.append(member)
        with app.app_context():
            db.session.add(
                PanelProfile(
                    user_id=member.id,
                    is_patient_partner=n >= 4,
                    workstreams=["medicines_safety"] if n % 2 else [],
                    care_settings=[],
                )
            )
            db.session.commit()
    return members


@pytest.fixture
def ideas(create_idea):
    return [create_idea(triage=True, title=f"Idea number {n}") for n in range(4)]


def open_by_form(lead_client, chosen, members, **overrides):
    data = {
        "name": "Spring panel",
        **deadline_fields(SOON),
        "reviews_per_idea": "3",
        "blind": "yes",
        "reveal_after_submit": "no",
        "require_patient_partner": "yes",
        "ideas": [str(i.id) for i in chosen],
        "panel": [str(m.id) for m in members],
        **overrides,
    }
    return lead_client.post("/rounds/new", data=data)


def the_round(query):
    return query(lambda: db.session.scalars(sa.select(ReviewRound)).one().id)


def active(query, round_id):
    return query(
        lambda: [
            (a.idea_id, a.user_id)
            for a in db.session.scalars(
                sa.select(Assignment).filter_by(round_id=round_id, state=AssignmentState.ACTIVE)
            )
        ]
    )


def test_opening_a_round_moves_ideas_into_review_and_tells_innovators(
    lead_client, ideas, panel, query
):
    response = open_by_form(lead_client, ideas, panel)
    assert response.status_code == 302
    round_id = the_round(query)
    assert response.headers["Location"] == f"/rounds/{round_id}"
    states = query(lambda: {i.state for i in db.session.scalars(sa.select(Idea))})
    assert states == {IdeaState.IN_REVIEW}
    subjects = query(lambda: db.session.scalars(sa.select(OutboxMessage.subject)).all())
    assert sum("is being reviewed" in s for s in subjects) == 4
    page = lead_client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "0 of 12 reviews submitted" in page and "Ideas short of reviewers" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter a name for the round"),
        ({"deadline-day": "31", "deadline-month": "2"}, "Deadline must be a real date"),
        ({"deadline-year": ""}, "Deadline must include a year"),
        (deadline_fields(date.today() - timedelta(days=1)), "The deadline must be today or later"),
        ({"reviews_per_idea": "0"}, "between 1 and 10"),
        ({"reviews_per_idea": "three"}, "between 1 and 10"),
        ({"panel": []}, "Choose at least one panel member"),
        ({"ideas": ["999999"]}, "a valid choice"),
    ],
)
def test_bad_round_input_is_refused_and_opens_nothing(
    lead_client, ideas, panel, query, overrides, message
):
    response = open_by_form(lead_client, ideas, panel, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html, html[-2000:]
    assert message in html
    assert (
        query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(ReviewRound))) == 0
    )


def test_auto_assign_covers_every_idea_within_the_rules(lead_client, ideas, panel, query):
    open_by_form(lead_client, ideas, panel)
    round_id = the_round(query)
    response = lead_client.post(f"/rounds/{round_id}/auto-assign", data={"extra_load": "0"})
    assert response.status_code == 302
    pairs = active(query, round_id)
    assert len(pairs) == 12 and len(set(pairs)) == 12
    partners = {m.id for m in panel[4:]}
    for idea in ideas:
        reviewers = {u for i, u in pairs if i == idea.id}
        assert len(reviewers) == 3 and reviewers & partners
    loads = [sum(1 for _, u in pairs if u == m.id) for m in panel]
    assert max(loads) <= 3  # ceil(12 / 6) + 1
    assignment_mail = query(
        lambda: db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.subject.like("New review assignment%"))
        )
    )
    assert assignment_mail == len({u for _, u in pairs})
    page = lead_client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Ideas short of reviewers" not in page and "3 assigned" in page


def test_automatic_assignment_never_gives_a_member_their_own_organisations_idea(
    lead_client, create_idea, create_organisation, create_user, panel, query, app
):
    org = create_organisation("Panel Organisation 0")
    insider = create_user(name="Insider Innovator", organisation=org)
    idea = create_idea(owner=insider, triage=True)
    open_by_form(lead_client, [idea], panel, require_patient_partner="no")
    round_id = the_round(query)
    lead_client.post(f"/rounds/{round_id}/auto-assign")
    reviewers = {u for _, u in active(query, round_id)}
    same_org = {m.id for n, m in enumerate(panel) if n % 3 == 0}
    assert len(reviewers) == 3 and not reviewers & same_org
    manual = lead_client.post(
        f"/rounds/{round_id}/assign", data={"idea": str(idea.id), "member": str(panel[0].id)}
    )
    assert "has a conflict of interest" in manual.get_data(as_text=True)


def test_infeasible_partner_rule_is_explained(lead_client, ideas, panel, query):
    open_by_form(lead_client, ideas, panel[:4])  # no patient partners on this panel
    round_id = the_round(query)
    response = lead_client.post(f"/rounds/{round_id}/auto-assign")
    message = lead_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "patient" in message.lower() and "partner" in message.lower()


def test_declined_assignment_is_topped_up_keeping_the_rest(app, lead_client, ideas, panel, query):
    open_by_form(lead_client, ideas, panel)
    round_id = the_round(query)
    lead_client.post(f"/rounds/{round_id}/auto-assign")
    before = set(active(query, round_id))
    idea_id, member_id = sorted(before)[0]
    with app.test_request_context():
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(round_id=round_id, idea_id=idea_id, user_id=member_id)
        )
        rounds.decline_assignment(assignment, db.session.get(User, member_id), "On leave")
        db.session.commit()
    lead_client.post(f"/rounds/{round_id}/auto-assign", data={"extra_load": "1"})
    after = set(active(query, round_id))
    assert before - after == {(idea_id, member_id)}
    added = after - before
    assert len(added) == 1 and next(iter(added))[0] == idea_id
    assert next(iter(added))[1] != member_id
    page = lead_client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "declined" in page and "On leave" in page


def test_close_reopen_reminders_and_deadline(lead_client, ideas, panel, query):
    open_by_form(lead_client, ideas, panel)
    round_id = the_round(query)
    lead_client.post(f"/rounds/{round_id}/auto-assign")
    reminded = lead_client.post(f"/rounds/{round_id}/reminders")
    assert "Reminders sent to" in lead_client.get(reminded.headers["Location"]).get_data(
        as_text=True
    )
    later = SOON + timedelta(days=7)
    assert (
        lead_client.post(f"/rounds/{round_id}/deadline", data=deadline_fields(later)).status_code
        == 302
    )
    assert query(lambda: db.session.get(ReviewRound, round_id).deadline_at.date()) == later
    assert lead_client.post(f"/rounds/{round_id}/close").status_code == 302
    again = lead_client.post(f"/rounds/{round_id}/close")
    assert "This round is closed" in again.get_data(as_text=True)
    assign = lead_client.post(f"/rounds/{round_id}/auto-assign")
    assert "This round is closed" in assign.get_data(as_text=True)
    no_reason = lead_client.post(f"/rounds/{round_id}/reopen", data={"reason": ""})
    assert "Enter the reason for reopening" in no_reason.get_data(as_text=True)
    lead_client.post(f"/rounds/{round_id}/reopen", data={"reason": "Two reviews were late."})
    assert query(lambda: db.session.get(ReviewRound, round_id).is_open)


def test_rolling_round_takes_more_ideas(lead_client, ideas, panel, create_idea, query):
    open_by_form(lead_client, ideas[:2], panel)
    round_id = the_round(query)
    later = create_idea(triage=True, title="A late idea")
    lead_client.post(f"/rounds/{round_id}/ideas", data={"ideas": [str(later.id)]})
    page = lead_client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "A late idea" in page
    assert query(lambda: db.session.get(Idea, later.id).state) is IdeaState.IN_REVIEW


def test_drafts_and_declined_ideas_cannot_enter_a_round(
    app, lead_client, create_idea, panel, query
):
    draft = create_idea(submit=False)
    with app.test_request_context():
        lead = db.session.get(User, lead_client.user.id)
        with pytest.raises(rounds.RoundError, match="only ideas being checked"):
            rounds.open_round(
                lead, name="x", deadline=SOON, panel=[], ideas=[db.session.get(Idea, draft.id)]
            )
        db.session.rollback()


@pytest.mark.parametrize("role", [Role.PANEL_MEMBER, Role.INNOVATOR, Role.ADMIN])
def test_round_pages_are_for_leads_only(client_for, role):
    client = client_for(role)
    assert client.get("/rounds").status_code == 403
    assert client.get("/rounds/new").status_code == 403
    assert client.post("/rounds/1/close").status_code == 403


def test_unknown_round_is_404(lead_client):
    assert lead_client.get("/rounds/999999").status_code == 404


def test_cannot_score_is_shown_to_the_lead_who_can_ask_the_innovator(
    app, lead_client, ideas, panel, query
):
    from portal.reviews.models import Review
    from portal.reviews.reviewing import ReviewAnswers, save_review

    open_by_form(
        lead_client, ideas[:1], panel[:3], require_patient_partner="no", reviews_per_idea="1"
    )
    round_id = the_round(query)
    lead_client.post(f"/rounds/{round_id}/auto-assign")
    with app.test_request_context():
        assignment = db.session.scalars(sa.select(Assignment).filter_by(round_id=round_id)).one()
        criteria = assignment.round.rubric.criteria
        answers = ReviewAnswers(
            scores={c.id: "cannot" if c.key == "measurement" else "3" for c in criteria},
            recommendation="progress_with_changes",
            confidence="medium",
        )
        save_review(assignment, assignment.user, answers, submit=True)
        db.session.commit()
    assert query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Review))) == 1
    page = lead_client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Reviewers need more information" in page and "Measurement" in page
    asked = lead_client.post(
        f"/ideas/{ideas[0].reference}/triage/question",
        data={"question": "How will you measure falls?"},
    )
    assert asked.status_code == 302
    assert query(lambda: db.session.get(Idea, ideas[0].id).state) is (
        IdeaState.INFORMATION_REQUESTED
    )


def test_the_deadline_boxes_post_the_names_the_form_reads(lead_client, ideas, panel):
    html = lead_client.get("/rounds/new").get_data(as_text=True)
    for part in ("day", "month", "year"):
        assert f'name="deadline-{part}"' in html and f'id="deadline-{part}"' in html
