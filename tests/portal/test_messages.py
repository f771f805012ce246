"""An innovator's messages: the programme team's questions and decisions, to them alone."""

import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.pipeline import decisions
from portal.pipeline.models import Decision

QUESTION = "How many district nurses would use the prompt each week?"


def ask(idea, lead):
    services.ask_question(idea, lead, QUESTION)


def act(app, reference, lead_id, do):
    """Run `do(idea, lead)` as the services would in a request, and commit."""
    with app.test_request_context():
        idea = db.session.scalar(sa.select(Idea).filter_by(reference=reference))
        do(idea, db.session.get(User, lead_id))
        db.session.commit()


def test_a_leads_question_is_a_message_with_a_link_to_answer_it_for_its_innovator_only(
    app, clock, innovator_client, client_for, lead_client, create_idea
):
    idea = create_idea(owner=innovator_client.user, triage=True)
    clock.advance(minutes=5)  # asked after it was received
    act(app, idea.reference, lead_client.user.id, ask)
    page = innovator_client.get("/messages").get_data(as_text=True)
    assert 'href="/messages"' in page  # in the header, for innovators
    assert "1 question is waiting for your answer" in page and QUESTION in page
    assert f'href="/ideas/{idea.reference}#question"' in page and "Waiting for your answer" in page
    assert 'id="question"' in innovator_client.get(f"/ideas/{idea.reference}").get_data(
        as_text=True
    )

    other = client_for(Role.INNOVATOR).get("/messages").get_data(as_text=True)
    assert QUESTION not in other and idea.reference not in other
    assert "You have no messages yet" in other
    assert lead_client.get("/messages").status_code == 403
    assert 'href="/messages"' not in lead_client.get("/account").get_data(as_text=True)
    assert app.test_client().get("/messages").headers["Location"].startswith("/sign-in")

    innovator_client.post(f"/ideas/{idea.reference}/answer", data={"answer": "About 40."})
    answered = innovator_client.get("/messages").get_data(as_text=True)
    assert "You answered on 2 March 2026" in answered and "Waiting for your answer" not in answered


def test_a_decision_its_released_comments_and_its_reopening_are_messages(
    app, innovator_client, lead_client, create_idea
):
    idea = create_idea(owner=innovator_client.user, triage=True)

    def decline(i, lead):
        decision = decisions.decide(i, lead, IdeaState.DECLINED, "Out of scope.")
        decision.released_feedback = [{"review_id": 1, "text": "A clear, well-argued idea."}]

    act(app, idea.reference, lead_client.user.id, decline)

    def reopen(i, lead):
        decision = db.session.scalar(sa.select(Decision).filter_by(idea_id=i.id))
        decisions.reopen_decision(decision, lead, "We read it again.")

    act(app, idea.reference, lead_client.user.id, reopen)
    page = innovator_client.get("/messages").get_data(as_text=True)
    assert page.index("A decision has been reopened") < page.index("Out of scope.")  # newest first
    for text in (
        "Decision: Not taken forward",
        "Out of scope.",
        "Comments from the review panel",
        "A clear, well-argued idea.",
        "A decision has been reopened",
        "We read it again.",
    ):
        assert text in page, text
