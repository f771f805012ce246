"""The pipeline's filters and sort orders, asked of SQL once per data version and kept.

A page used to count and sort every snapshot in SQL (20 of the 36 ms a page rendered afresh
took at 5,000 ideas). What a filter picks out and how a sort orders the snapshots is the same
for every lead until the data changes, so each worker asks SQL once per data version
(`page_cache`): which snapshots a filter value matches, in what order a sort puts all of them,
and, per viewer, which ones the policy lets them see ranked. A page is then a few array
operations on those answers, and only its 50 rows are read from the database. Every answer
is read after the data version's token, so none is older than the data the token stands for.
"""

import threading

import numpy as np
import sqlalchemy as sa
from flask import current_app

from portal import page_cache
from portal.database import integer_rows
from portal.extensions import db
from portal.ideas.models import Idea, IdeaEvent, Workstream, idea_workstreams
from portal.pipeline.filters import FILTERS, PipelineQuery
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails, SnapshotRequest
from portal.policy import Ranks, open_ideas, ranked_clause
from portal.reviews.models import Conflict, ReviewRound

PIPELINE_DATA = "pipeline"  # the data version of everything the pipeline page shows


page_cache.watch(
    PIPELINE_DATA,
    [
        Idea.__table__,
        IdeaEvent.__table__,
        idea_workstreams,
        Workstream.__table__,
        ScoreSnapshot.__table__,
        SnapshotDetails.__table__,
        SnapshotRequest.__table__,
        Conflict.__table__,
        ReviewRound.__table__,
    ],
)


VIEWERS_KEPT = 256  # viewers' visible sets kept per worker (a few KB each at 50,000 ideas)


def snapshots(*columns):
    """SQL: `columns` of each score snapshot joined to its idea."""
    return (
        sa.select(*columns).select_from(ScoreSnapshot).join(Idea, Idea.id == ScoreSnapshot.idea_id)
    )


def _json_list_has(column, key):
    # The JSON lists hold fixed keys from choices.py, stored quoted: a substring test on the
    # text is exact, and works alike on SQLite and PostgreSQL.
    return sa.cast(column, sa.Text).contains(f'"{key}"', autoescape=True)


def _workstream_ideas(key: str):
    """SQL: the ids of the ideas in the workstream `key`."""
    chosen = sa.select(idea_workstreams.c.idea_id).join(Workstream)
    return chosen.where(Workstream.key == key)


def filter_condition(name: str, value):
    """SQL: the snapshots the filter `name` set to `value` keeps."""
    if name == "workstream":
        return Idea.id.in_(_workstream_ideas(value))
    if name == "setting":
        return _json_list_has(Idea.care_settings, value)
    if name == "stage":
        return Idea.state == value
    if name == "round":
        return ScoreSnapshot.round_id == value
    if name == "inequality":
        kind, key = value.split(":", 1)
        return _json_list_has(Idea.populations if kind == "group" else Idea.clinical_areas, key)
    if name == "source":
        return Idea.source == value
    raise ValueError(f"no filter called {name!r}")


def _kept_ids(name: str, value):
    """SQL: the ids of the ideas the filter keeps, each read from the one table it needs
    (joined to the snapshots, SQLite read every idea's whole row for every filter)."""
    if name == "workstream":
        return _workstream_ideas(value)
    if name == "round":
        return sa.select(ScoreSnapshot.idea_id).where(ScoreSnapshot.round_id == value)
    return sa.select(Idea.id).where(filter_condition(name, value))


def entered_stage_sql():
    """SQL: when the idea entered its current stage (its last move there), else was submitted."""
    last_move = (
        sa.select(sa.func.max(IdeaEvent.at))
        .where(IdeaEvent.idea_id == Idea.id, IdeaEvent.to_state == Idea.state)
        .scalar_subquery()
    )
    return sa.func.coalesce(last_move, Idea.submitted_at)


def stage_entries():
    """SQL subquery: each idea's last move into the stage it is in now (idea_id, at)."""
    return (
        sa.select(IdeaEvent.idea_id, sa.func.max(IdeaEvent.at).label("at"))
        .join(Idea, sa.and_(Idea.id == IdeaEvent.idea_id, Idea.state == IdeaEvent.to_state))
        .group_by(IdeaEvent.idea_id)
        .subquery()
    )


def ordering(sort: str, direction: str, view: str, entered=None) -> list:
    """SQL ORDER BY terms for a sort, missing values last, then by rank and idea. `entered`:
    when each idea entered its stage, if the statement has it (default: `entered_stage_sql`)."""
    descending = direction == "desc"
    if sort == "rank":
        return [ScoreSnapshot.rank.desc() if descending else ScoreSnapshot.rank, Idea.id]
    if sort == "days":  # more days in stage means an earlier entry
        column = entered if entered is not None else entered_stage_sql()
        descending = not descending
    else:
        column = {
            "score": ScoreSnapshot.raw_score if view == "raw" else ScoreSnapshot.calibrated_score,
            "prob": ScoreSnapshot.prob_top_k,
            "submitted": Idea.submitted_at,
        }[sort]
    missing = column.is_(None)
    if sort in ("score", "prob"):  # shown as "Not enough reviews": sort with the missing
        missing = sa.or_(
            missing, ScoreSnapshot.calibrated_score.is_(None), ScoreSnapshot.sufficient.is_(False)
        )
    # missing values last whichever the direction, then in rank order among themselves
    # (NULLs alone would sort first on PostgreSQL and last on SQLite)
    value = sa.case((missing, sa.null()), else_=column)
    missing_last = sa.case((missing, 1), else_=0)
    return [
        missing_last,
        value.desc() if descending else value.asc(),
        ScoreSnapshot.rank,
        Idea.id,
    ]


class Viewer:
    """What one viewer may see of the ranking: a flag per snapshot, and their ranks."""

    def __init__(self, visible: np.ndarray, opened: np.ndarray, ranks: np.ndarray):
        self.visible = visible
        self.hidden = int(np.count_nonzero(opened & ~visible))  # open ideas they cannot see
        hidden_ranks = np.sort(ranks[~visible]).tolist()
        self.ranks = Ranks(hidden=tuple(hidden_ranks), shown=int(np.count_nonzero(visible)))


class RankedIndex:
    """Every score snapshot of one data version, with SQL's answers kept as arrays."""

    def __init__(self, token: str):
        self.token = token
        # read apart, each from its own table's index: joined, SQLite read every idea's whole
        # row (0.12 s at 50,000 ideas; apart, 0.03 s)
        rows = integer_rows(db.session, sa.select(ScoreSnapshot.idea_id, ScoreSnapshot.rank))
        rows = rows[np.argsort(rows[:, 0])]
        self.ids, self.ranks = rows[:, 0], rows[:, 1]
        self.opened = np.isin(
            self.ids, integer_rows(db.session, sa.select(Idea.id).where(open_ideas()))[:, 0]
        )
        self._kept: dict = {}
        self._lock = threading.Lock()

    def _flags(self, statement) -> np.ndarray:
        """A flag per snapshot: whether its idea is among those `statement` selects."""
        return np.isin(self.ids, integer_rows(db.session, statement)[:, 0])

    def _positions(self, idea_ids: np.ndarray) -> np.ndarray:
        """Where each of `idea_ids` sits in the index (ids are sorted); any not there dropped."""
        found = np.searchsorted(self.ids, idea_ids)
        there = found < len(self.ids)
        there[there] = self.ids[found[there]] == idea_ids[there]
        return found[there]

    def kept(self, key, compute):
        """`compute()`, called once for this data version and `key`."""
        with self._lock:
            found = self._kept.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._kept[key] = found
        return found

    def matching(self, name: str, value) -> np.ndarray:
        """Flags of the snapshots the filter `name` set to `value` keeps."""
        return self.kept(
            ("filter", name, value),
            lambda: self._flags(_kept_ids(name, value)),
        )

    def order(self, sort: str, direction: str, view: str) -> np.ndarray:
        """Positions of every snapshot in the sort's order."""
        if sort != "score":
            view = "calibrated"  # only the score sort reads the view

        def compute():
            if sort == "rank":  # ORDER BY rank, idea id: integers, sorted here exactly
                ranks = -self.ranks if direction == "desc" else self.ranks
                return np.lexsort((self.ids, ranks))
            statement, entered = snapshots(ScoreSnapshot.idea_id), None
            if sort == "days":  # joined once, not looked up per idea: 0.36 s to 25 ms on PostgreSQL
                moves = stage_entries()
                statement = statement.outerjoin(moves, moves.c.idea_id == Idea.id)
                entered = sa.func.coalesce(moves.c.at, Idea.submitted_at)
            # each idea with its place: SQL's order, read as one string (in any order)
            place = sa.func.row_number().over(order_by=ordering(sort, direction, view, entered))
            placed = integer_rows(db.session, statement.add_columns(place))
            return self._positions(placed[np.argsort(placed[:, 1]), 0])

        return self.kept(("order", sort, direction, view), compute)

    def viewer(self, user) -> Viewer:
        """What `user` may see ranked, by the policy's clause."""
        cache = page_cache.for_app(current_app, "pipeline_viewers", max_entries=VIEWERS_KEPT)
        key = (self.token, user.id, user.organisation_id)
        found = cache.get(key)
        if found is None:
            seen = sa.select(Idea.id).where(ranked_clause(user))  # the ideas table alone
            found = Viewer(self._flags(seen), self.opened, self.ranks)
            cache.put(key, found)
        return found

    def select(self, viewer: Viewer, query: PipelineQuery) -> np.ndarray:
        """The idea ids the viewer sees for this query, in its order."""
        keep = viewer.visible
        for name in FILTERS:
            value = getattr(query, name)
            if value:
                keep = keep & self.matching(name, value)
        order = self.order(query.sort, query.direction, query.view)
        return self.ids[order[keep[order]]]


def current(token: str | None = None) -> RankedIndex:
    """This worker's index for the data version `token` (default: the current one), read now
    if it has none."""
    if token is None:
        token = page_cache.current_token(PIPELINE_DATA)
    cache = page_cache.for_app(current_app, "pipeline_index", max_entries=1)
    found = cache.get(token)
    if found is None:
        found = RankedIndex(token)
        cache.put(token, found)
    return found
