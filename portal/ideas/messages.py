"""An innovator's messages: what the programme team has told them about their ideas.

Each message is read from the record it tells of, rather than from a copy of the email, so
the list can never disagree with the idea: a lead's question (`IdeaQuestion`, open or
answered), each decision (`Decision`, with the panel's comments released with it) and a
decision's reopening. Each was also emailed to the idea's innovator (`services.ask_question`,
`portal.pipeline.decisions`). The automatic receipt for a submitted idea is not listed (it
says nothing the "Your ideas" page does not, and would outnumber the messages that ask for
something), nor are account emails (welcome, password reset).

The recipient is the idea's owner, and only ideas the reader owns are read, so a person sees
their own messages and nobody else's.
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.ideas.models import Idea, IdeaQuestion
from portal.pipeline.models import Decision

QUESTION, DECISION, REOPENED = "question", "decision", "reopened"


@dataclass(frozen=True)
class Message:
    """One message to an innovator about one of their ideas."""

    kind: str  # QUESTION, DECISION or REOPENED
    at: datetime
    idea: Idea
    text: str = ""  # the question, or the lead's reason
    question: IdeaQuestion | None = None
    decision: Decision | None = None
    feedback: list = field(default_factory=list)  # the panel's comments released with it

    @property
    def waiting(self) -> bool:
        """Whether the message still asks for something: an unanswered question."""
        return self.question is not None and self.question.answered_at is None


def messages_for(user) -> list[Message]:
    """Every message `user` has been sent about ideas they own, newest first."""
    mine = Idea.owner_id == user.id
    questions = db.session.scalars(
        sa.select(IdeaQuestion)
        .join(IdeaQuestion.idea)
        .where(mine)
        .options(selectinload(IdeaQuestion.idea))
    )
    messages = [Message(QUESTION, q.asked_at, q.idea, q.question, question=q) for q in questions]
    decisions = db.session.scalars(
        sa.select(Decision).join(Decision.idea).where(mine).options(selectinload(Decision.idea))
    ).all()
    for d in decisions:
        released = d.released_feedback or []
        messages.append(
            Message(DECISION, d.decided_at, d.idea, d.rationale, decision=d, feedback=released)
        )
        if d.reopened_at is not None:
            messages.append(Message(REOPENED, d.reopened_at, d.idea, d.reopen_reason, decision=d))
    # at the same moment (as on a test's or the demo's clock), what happened later in the
    # idea's life comes first
    order = {QUESTION: 0, DECISION: 1, REOPENED: 2}
    return sorted(messages, key=lambda m: (m.at, order[m.kind]), reverse=True)
