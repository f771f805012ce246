"""The rank shown to a person: an idea's position among the ranked ideas that person may see.

Score snapshots carry each open idea's rank among all of them. Shown as it is, that rank
would give away where hidden ideas stand (a lead who sees rank 2 next to rank 4 knows a
conflicted idea is third), so every page, export and decision record shows the position
among the ideas the viewer may see the scores of, and counts only those.
"""

import bisect
from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import Idea
from portal.pipeline.models import ScoreSnapshot
from portal.policy.ideas import RULES, Can
from portal.policy.rules import as_clause


def open_ideas():
    """SQL: ideas that are in the pipeline (past draft, not closed)."""
    # NOT IN rather than IN: without ANALYZE statistics SQLite would pick the state index for
    # IN and then fetch every (wide) snapshot row by key, several times slower than a scan.
    return Idea.state.not_in([IdeaState.DRAFT, *CLOSED_STATES])


def ranked_clause(viewer):
    """SQL: the open ideas whose scores and rank `viewer` may see."""
    return sa.and_(open_ideas(), as_clause(RULES[Can.SEE_SCORES], viewer))


@dataclass(frozen=True)
class Ranks:
    """Turns stored ranks into the positions one viewer is shown."""

    hidden: tuple[int, ...]  # sorted stored ranks of the snapshots the viewer may not see
    shown: int  # how many ranked ideas the viewer sees

    def position(self, rank: int) -> int:
        return rank - bisect.bisect_left(self.hidden, rank)


def ranks_for(viewer) -> Ranks:
    """The viewer's view of the ranking, in two narrow queries."""
    snapshots = sa.select(ScoreSnapshot.rank).join(Idea, Idea.id == ScoreSnapshot.idea_id)
    visible = ranked_clause(viewer)
    shown = db.session.scalar(
        sa.select(sa.func.count()).select_from(snapshots.where(visible).subquery())
    )
    hidden = db.session.scalars(snapshots.where(sa.not_(visible)).order_by(ScoreSnapshot.rank))
    return Ranks(hidden=tuple(hidden), shown=shown or 0)
