"""The pipeline for leads: the ranked ideas (the page's filters, scores, intervals and flags),
decisions, and workstreams."""

import sqlalchemy as sa
from flask_smorest import Blueprint
from werkzeug.exceptions import UnprocessableEntity

from portal import page_cache, policy
from portal.access import api_user, token
from portal.api import paging, schemas
from portal.api.links import link_maker
from portal.auth.access_tokens import Scope
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Workstream
from portal.pipeline import ranked_index
from portal.pipeline.filters import FILTERS, filter_choices, parse_query
from portal.pipeline.models import Decision
from portal.pipeline.ranked_index import PIPELINE_DATA
from portal.pipeline.ranking import pipeline_slice
from portal.policy import Can

blp = Blueprint("api_pipeline", __name__, description="The ranked pipeline, decisions, workstreams")


@blp.route("/pipeline")
@token(Scope.PIPELINE_READ, Role.PROGRAMME_LEAD)
@blp.etag
@blp.arguments(schemas.PipelineArgs, location="query")
@blp.response(200, schemas.PipelinePage)
def pipeline(args):
    """The ranked pipeline, as the pipeline page shows it to you, with its filters and sorts.

    Only programme leads may read it; ideas you are conflicted on are left out (`hidden`)."""
    version = page_cache.current_token(PIPELINE_DATA)
    index = ranked_index.current(version)
    query = parse_query(_filter_args(args), index.kept("filter choices", filter_choices))
    if query.ignored:
        raise UnprocessableEntity("; ".join(query.ignored))
    where = paging.read_cursor(args.get("cursor"), at=int, version=str)
    if where is not None and where["version"] != version:
        raise paging.stale()
    start = where["at"] if where else 0
    rows, total, hidden = pipeline_slice(api_user(), query, start, args["limit"], index)
    end = start + len(rows)
    link = link_maker("ideas.show", "reference")
    return {
        "items": [_pipeline_row(row, link) for row in rows],
        "total": total,
        "hidden": hidden,
        "data_version": version,
        "next_cursor": paging.make_cursor(at=end, version=version) if end < total else None,
    }


def _filter_args(args) -> dict:
    found = {name: str(args[name]) for name in FILTERS if args.get(name)}
    found["sort"] = args["sort"]
    if args.get("dir"):
        found["dir"] = args["dir"]
    return found


def _pipeline_row(row, link) -> dict:
    return {
        "position": row.position,
        "reference": row.reference,
        "title": row.display_title,
        "state": row.state.value,
        "stage": row.stage,
        "source": row.source.value,
        "workstreams": row.workstreams,
        "submitted_at": row.submitted_at,
        "days_in_stage": row.days_in_stage,
        "n_reviews": row.n_reviews,
        "scored": row.scored,
        "raw_score": row.raw_score,
        "calibrated_score": row.calibrated_score,
        "interval_low": row.interval_low,
        "interval_high": row.interval_high,
        "prob_top_k": row.prob_top_k,
        "top_k": row.top_k,
        "priority": row.priority,
        "disagreement": row.disagreement,
        "duplicates": row.duplicates,
        "url": link(row.reference),
    }


@blp.route("/decisions")
@token(Scope.PIPELINE_READ, Role.PROGRAMME_LEAD)
@blp.etag
@blp.arguments(paging.PageArgs, location="query")
@blp.response(200, schemas.DecisionPage)
def decisions(args):
    """Decisions on ideas you may see the decisions of, newest first."""
    user = api_user()
    where = paging.read_cursor(args.get("cursor"), before=int)
    statement = (
        sa.select(Decision)
        .join(Decision.idea)
        .where(policy.clause(user, Can.SEE_DECISIONS))
        .order_by(Decision.id.desc())
        .limit(args["limit"] + 1)
        .options(sa.orm.selectinload(Decision.workstream), sa.orm.contains_eager(Decision.idea))
    )
    if where is not None:
        statement = statement.where(Decision.id < where["before"])
    found = db.session.scalars(statement).all()
    shown = found[: args["limit"]]
    return {
        "items": [decision_row(d, user) for d in shown],
        "next_cursor": paging.make_cursor(before=shown[-1].id) if len(found) > len(shown) else None,
    }


def decision_row(decision: Decision, user) -> dict:
    """A decision as `user` may read it: where it came from only for leads."""
    lead = user.has_role(Role.PROGRAMME_LEAD)
    return {
        "id": decision.id,
        "reference": decision.idea.reference,
        "from_state": decision.from_state.value if lead else None,
        "to_state": decision.to_state.value,
        "to_stage": decision.to_state.staff_label if lead else decision.to_state.label,
        "workstream": decision.workstream.name if decision.workstream else None,
        "rationale": decision.rationale,
        "decided_at": decision.decided_at,
        "reopened_at": decision.reopened_at,
    }


@blp.route("/workstreams")
@token(Scope.PIPELINE_READ, Role.PROGRAMME_LEAD)
@blp.etag
@blp.response(200, schemas.WorkstreamList)
def workstreams():
    """Every workstream, active or not, in the order the portal lists them."""
    found = db.session.scalars(sa.select(Workstream).order_by(Workstream.position, Workstream.id))
    return {
        "items": [
            {
                "key": w.key,
                "name": w.name,
                "short_name": w.short_name,
                "description": w.description or "",
                "aim": w.aim,
                "capacity": w.capacity,
                "active": w.active,
            }
            for w in found
        ]
    }


__all__ = ["blp", "decision_row"]
