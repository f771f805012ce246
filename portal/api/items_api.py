"""Horizon scanning for leads: scanned items with their relevance, and the week's digest."""

import sqlalchemy as sa
from flask_smorest import Blueprint

from portal.access import token
from portal.api import paging, schemas
from portal.api.links import link_maker
from portal.auth.access_tokens import Scope
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import digest as weekly
from portal.horizon.models import ItemStatus, ScannedItem
from portal.ideas.sections import active_workstreams

blp = Blueprint("api_items", __name__, description="Scanned items and the week's digest")


@blp.route("/items")
@token(Scope.ITEMS_READ, Role.PROGRAMME_LEAD)
@blp.etag
@blp.arguments(schemas.ItemArgs, location="query")
@blp.response(200, schemas.ItemPage)
def items(args):
    """Scanned items, newest first, with the screening model's relevance and each
    workstream's."""
    where = paging.read_cursor(args.get("cursor"), before=int)
    statement = sa.select(ScannedItem).order_by(ScannedItem.id.desc()).limit(args["limit"] + 1)
    if where is not None:
        statement = statement.where(ScannedItem.id < where["before"])
    if args.get("status"):
        statement = statement.where(ScannedItem.status == ItemStatus(args["status"]))
    found = db.session.scalars(statement).all()
    shown = found[: args["limit"]]
    names = {w.key: w.name for w in active_workstreams()}
    link = link_maker("horizon.item", "item_id", int)
    return {
        "items": [_item(item, names, link) for item in shown],
        "next_cursor": paging.make_cursor(before=shown[-1].id) if len(found) > len(shown) else None,
    }


@blp.route("/digest")
@token(Scope.ITEMS_READ, Role.PROGRAMME_LEAD)
@blp.etag
@blp.response(200, schemas.DigestSchema)
def digest():
    """The week's digest: for each active workstream, the most relevant items first seen in
    the last 7 days, as the digest page and feed show them."""
    found = weekly.weekly_digest()
    names = {section.workstream.key: section.workstream.name for section in found.sections}
    link = link_maker("horizon.item", "item_id", int)
    return {
        "since": found.since,
        "new_items": found.new_items,
        "sections": [
            {
                "workstream": section.workstream.name,
                "items": [_item(item, names, link) for item, _ in section.items],
            }
            for section in found.sections
        ],
    }


def _item(item: ScannedItem, names: dict[str, str], link) -> dict:
    topics = item.topic_relevance or {}
    return {
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "link": item.link,
        "doi": item.doi,
        "authors": [str(a) for a in item.authors or []],
        "published_at": item.published_at,
        "first_seen_at": item.first_seen_at,
        "status": item.status.value,
        "relevance": item.relevance,
        "topics": [
            {"workstream": names[key], "relevance": float(value)}
            for key, value in sorted(topics.items(), key=lambda kv: -kv[1])
            if key in names
        ],
        "url": link(item.id),
    }
