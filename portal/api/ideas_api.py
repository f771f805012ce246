"""Ideas: those you may see, a page at a time, and one idea's summary with its decisions."""

import sqlalchemy as sa
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal import policy
from portal.access import api_user, token
from portal.api import paging, schemas
from portal.api.links import link_maker
from portal.api.pipeline_api import decision_row
from portal.auth.access_tokens import Scope
from portal.extensions import db
from portal.ideas.models import Idea
from portal.pipeline.models import Decision
from portal.policy import Can

blp = Blueprint("api_ideas", __name__, description="Ideas you may see")


@blp.route("/ideas")
@token(Scope.IDEAS_READ)
@blp.etag
@blp.arguments(paging.PageArgs, location="query")
@blp.response(200, schemas.IdeaPage)
def ideas(args):
    """The ideas you may see, oldest first: your own (drafts too), and as a lead every
    submitted idea; a panel member sees those of rounds they read openly."""
    user = api_user()
    where = paging.read_cursor(args.get("cursor"), after=int)
    statement = (
        sa.select(Idea)
        .where(policy.clause(user, Can.SEE))
        .order_by(Idea.id)
        .limit(args["limit"] + 1)
        .options(selectinload(Idea.workstreams))
    )
    if where is not None:
        statement = statement.where(Idea.id > where["after"])
    found = db.session.scalars(statement).all()
    shown = found[: args["limit"]]
    link = link_maker("ideas.show", "reference")
    return {
        "items": [_summary(idea, user, link) for idea in shown],
        "next_cursor": paging.make_cursor(after=shown[-1].id) if len(found) > len(shown) else None,
    }


REFERENCE = {
    "in": "path",
    "name": "reference",
    "required": True,
    "description": "The idea's reference number",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,24}$", "example": "PSI-2603-0001-7"},
}


@blp.route("/ideas/<reference>", parameters=[REFERENCE])
@token(Scope.IDEAS_READ)
@blp.etag
@blp.response(200, schemas.IdeaDetail)
def idea(reference):
    """One idea you may see, with its decisions where you may see them (its innovator, and
    leads), newest first. Another person's idea is 404, as if it did not exist."""
    user = api_user()
    found = db.session.scalar(sa.select(Idea).where(Idea.reference == reference.upper()[:24]))
    if found is None or not policy.may(user, Can.SEE, found):
        raise NotFound()
    history = Decision.history_of(found) if policy.may(user, Can.SEE_DECISIONS, found) else []
    link = link_maker("ideas.show", "reference")
    return _summary(found, user, link) | {"decisions": [decision_row(d, user) for d in history]}


def _summary(idea: Idea, user, link) -> dict:
    owner = policy.owns(user, idea)
    return {
        "reference": idea.reference,
        "title": idea.display_title,
        "state": idea.state.value,
        "stage": idea.state.label if owner else idea.state.staff_label,
        "source": idea.source.value,
        "summary": idea.summary,
        "workstreams": [w.name for w in idea.workstreams],
        "submitted_at": idea.submitted_at,
        "updated_at": idea.updated_at,
        "url": link(idea.reference),
    }
