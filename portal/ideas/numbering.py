"""Claiming reference sequence numbers: each is given out once, even if its idea is deleted.

A counter row per period remembers the last number given out. Claiming one updates that row,
which PostgreSQL locks and SQLite serialises with every other write, so two requests never
claim the same number; a clash with a number taken some other way (the demo's bulk loader
numbers its ideas itself) is caught by the caller, which claims again.
"""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.ideas.models import Idea, ReferenceCounter
from portal.ideas.reference import sequence_of

counters = ReferenceCounter.__table__


def claim_sequence(period: str) -> int:
    """The next sequence number of `period`, never given out before; the caller's transaction
    holds the claim, so a rolled-back request gives its number back."""
    taken = db.session.scalars(
        sa.select(Idea.reference).where(Idea.reference.like(f"PSI-{period}-%"))
    ).all()
    highest = max((sequence_of(r) for r in taken), default=0)
    claimed = db.session.execute(_bump(period, highest)).scalar()
    if claimed is not None:
        return claimed
    try:
        with db.session.begin_nested():
            db.session.execute(sa.insert(counters).values(period=period, last_sequence=highest + 1))
    except IntegrityError:  # another request started the period's counter meanwhile
        return db.session.execute(_bump(period, highest)).scalar_one()
    return highest + 1


def _bump(period: str, highest: int):
    last = counters.c.last_sequence
    return (
        sa.update(counters)
        .where(counters.c.period == period)
        .values(last_sequence=sa.case((last > highest, last), else_=highest) + 1)
        .returning(last)
    )
