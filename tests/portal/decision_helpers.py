"""Shared set-up for the decision and lead idea page tests: ideas reviewed by a panel."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, Mover
from portal.ideas.models import Idea, IdeaEvent
from portal.ideas.services import move_idea
from portal.mail import OutboxMessage
from portal.pipeline.models import Decision, ScoreSnapshot
from portal.reviews import rounds
from portal.reviews.models import Assignment
from portal.reviews.reviewing import ReviewAnswers, save_review

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Reviewer 0 is generous: above the others on every idea (two points on idea 1).
SCORES = {0: (4, 3, 3), 1: (5, 3, 3), 2: (2, 1, 1)}
PANEL_SECRET = "PANEL ONLY: the budget line looks padded"


def innovator_comment(idea_n, member_n):
    return f"For the innovator: idea {idea_n} note {member_n} <b>bold</b>"


@dataclass
class Reviewed:
    ideas: list  # detached Idea rows (id, reference, owner_id ...)
    members: list
    lead: object
    round_id: int
    owners: list


def make_reviewed(app, create_idea, create_user, create_organisation) -> Reviewed:
    """Three ideas in review, each reviewed by the same three panel members, in one round.

    Each test module wraps this in its own `reviewed` fixture.
    """
    owners, ideas = [], []
    for n, title in enumerate(
        (
            "Sepsis screening prompts for community nurses",
            "Double checks for insulin in care homes",
            "Falls huddles on older people's wards",
        )
    ):
        owner = create_user(
            name=f"Innovator {n}", organisation=create_organisation(f"Innovator Trust {n}")
        )
        owners.append(owner)
        ideas.append(create_idea(owner=owner, triage=True, title=title))
    members = [
        create_user(
            roles=(Role.PANEL_MEMBER,),
            name=f"Reviewer Person{n}",
            organisation=create_organisation(f"Reviewer Org {n}"),
        )
        for n in range(3)
    ]
    lead = create_user(roles=(Role.PROGRAMME_LEAD,), name="Lead Person")
    with app.test_request_context():
        round_ = rounds.open_round(
            db.session.get(User, lead.id),
            name="Spring panel",
            deadline=date.today() + timedelta(days=10),
            ideas=[db.session.get(Idea, i.id) for i in ideas],
            panel=[db.session.get(User, m.id) for m in members],
            reviews_per_idea=3,
        )
        assert rounds.auto_assign(round_, db.session.get(User, lead.id)).feasible
        db.session.commit()
        round_id = round_.id
    for n, idea in enumerate(ideas):
        for m, member in enumerate(members):
            submit_review(app, round_id, idea.id, member.id, SCORES[n][m], n, m)
    return Reviewed(ideas, members, lead, round_id, owners)


def submit_review(app, round_id, idea_id, member_id, score, idea_n, member_n):
    with app.test_request_context():
        assignment = db.session.scalar(
            sa.select(Assignment).filter_by(round_id=round_id, idea_id=idea_id, user_id=member_id)
        )
        criteria = assignment.round.rubric.criteria
        scores = {c.id: str(score) for c in criteria}
        if member_n == 2:  # the last reviewer cannot score measurement
            measurement = next(c for c in criteria if c.key == "measurement")
            scores[measurement.id] = "cannot"
        answers = ReviewAnswers(
            scores=scores,
            comments={criteria[0].id: f"Criterion comment {idea_n}-{member_n}"},
            recommendation="progress" if score >= 3 else "do_not_progress",
            confidence="high",
            comments_for_innovator=innovator_comment(idea_n, member_n),
            comments_for_panel=PANEL_SECRET,
        )
        save_review(assignment, assignment.user, answers, submit=True)
        db.session.commit()


def move(app, idea, target, lead):
    """Move an idea directly (set-up for later stages)."""
    with app.test_request_context():
        move_idea(
            db.session.get(Idea, idea.id),
            target,
            db.session.get(User, lead.id),
            Mover.LEAD,
            "set_up",
        )
        db.session.commit()


def state_of(query, idea) -> IdeaState:
    return query(lambda: db.session.get(Idea, idea.id).state)


def decisions_of(query, idea) -> list[Decision]:
    def load():
        rows = db.session.scalars(
            sa.select(Decision).where(Decision.idea_id == idea.id).order_by(Decision.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows

    return query(load)


def snapshot_of(query, idea):
    def load():
        snapshot = db.session.get(ScoreSnapshot, idea.id)
        if snapshot is not None:
            db.session.expunge(snapshot)
        return snapshot

    return query(load)


def mail_to(query, email) -> list[OutboxMessage]:
    return query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id)
        ).all()
    )


def event_count(query, idea) -> int:
    return query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).select_from(IdeaEvent).filter_by(idea_id=idea.id)
        )
    )


def lead_session(app, sign_in, lead):
    client = app.test_client()
    sign_in(client, lead)
    client.user = lead
    return client
