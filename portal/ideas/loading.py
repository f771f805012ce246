"""Load an idea for the current user, or answer 404 when they may not see it."""

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.extensions import db
from portal.ideas.models import Idea
from portal.policy import Can, may, owns


def load_idea(reference: str, lock: bool = False) -> Idea:
    """The idea with this reference, if the current user may see it; else 404.

    `lock` takes a row lock (PostgreSQL) so two clicks on one button act once.
    """
    query = sa.select(Idea).filter_by(reference=reference.upper())
    if lock:
        query = query.with_for_update()
    idea = db.session.scalar(query)
    if idea is None or not may(current_user, Can.SEE, idea):
        abort(404)  # not 403: do not reveal that someone else's idea exists
    return idea


def load_own_idea(reference: str, lock: bool = False) -> Idea:
    """The current user's own idea with this reference; else 404 (not theirs to know of)."""
    idea = load_idea(reference, lock=lock)
    if not owns(current_user, idea):
        abort(404)
    return idea
