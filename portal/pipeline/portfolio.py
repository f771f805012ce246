"""The leads' portfolio: a driver diagram per workstream and a capacity-aware shortlist.

Reads score snapshots and hands plain arrays to `scoring.select_portfolio`; nothing here
changes state. Ideas the viewing lead is conflicted on are left out of both, so neither their
place nor their scores can be read from the page.
"""

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import Idea
from portal.ideas.sections import active_workstreams
from portal.pipeline.models import Decision, ScoreSnapshot
from portal.policy import conflicted_pairs
from portal.reviews.models import Criterion, Review, ReviewScore, ReviewState
from portal.reviews.rubric import current_rubric
from scoring import select_portfolio, top_k, unit_score

CHANGE_IDEA_STATES = (IdeaState.SHORTLISTED, IdeaState.IN_PILOT, IdeaState.ADOPTED)
STRONG_MEAN = 4.0  # a criterion mean at which an idea sits under that primary driver


@dataclass
class Driver:
    criterion: object  # None for "Other"
    ideas: list = field(default_factory=list)


@dataclass
class DriverDiagram:
    workstream: object
    drivers: list  # the enablers, in rubric order
    other: Driver  # change ideas strong in no enabler (or not yet scored)

    @property
    def n_ideas(self) -> int:
        return len({i.id for d in (*self.drivers, self.other) for i in d.ideas})


@dataclass
class Pick:
    idea: object
    priority: float
    workstream: object = None  # where the capacity-aware shortlist places it
    in_portfolio: bool = False
    in_top_k: bool = False
    reasons: list = field(default_factory=list)


@dataclass
class Shortlist:
    portfolio: list  # Picks in the capacity-aware shortlist, by priority
    plain: list  # Picks in the plain top-k, by priority
    places: list  # (workstream, capacity, chosen)
    message: str
    n_candidates: int

    @property
    def differs(self) -> bool:
        return {p.idea.id for p in self.portfolio} != {p.idea.id for p in self.plain}


def enablers():
    """The current rubric's enabler criteria: the primary drivers."""
    rubric = current_rubric()
    return [c for c in rubric.criteria if c.is_enabler] if rubric else []


def snapshot_means(snapshot) -> dict[str, float]:
    """Per criterion key, the panel's mean score as the snapshot recorded it."""
    criteria = (snapshot.details or {}).get("criteria") or {}
    return {
        key: float(values["mean"])
        for key, values in criteria.items()
        if isinstance(values, dict) and values.get("mean") is not None
    }


def review_means(idea_ids) -> dict[int, dict[str, float]]:
    """Per idea, per criterion key, the mean score of its latest round's submitted reviews.

    For change ideas without a snapshot: adopted ideas are closed, and snapshots cover open
    ideas only.
    """
    rows = db.session.execute(
        sa.select(Review.idea_id, Review.round_id, Criterion.key, ReviewScore.score)
        .join(ReviewScore, ReviewScore.review_id == Review.id)
        .join(Criterion, Criterion.id == ReviewScore.criterion_id)
        .where(
            Review.idea_id.in_(idea_ids),
            Review.state == ReviewState.SUBMITTED,
            ReviewScore.score.is_not(None),
        )
    ).all()
    latest = {}
    for idea_id, round_id, _, _ in rows:
        latest[idea_id] = max(latest.get(idea_id, round_id), round_id)
    scores: dict[int, dict[str, list]] = {}
    for idea_id, round_id, key, score in rows:
        if round_id == latest[idea_id]:
            scores.setdefault(idea_id, {}).setdefault(key, []).append(score)
    return {
        idea_id: {key: sum(values) / len(values) for key, values in by_key.items()}
        for idea_id, by_key in scores.items()
    }


def _standing_decisions(idea_ids) -> dict:
    """Each idea's latest decision that was not reopened."""
    decisions = db.session.scalars(
        sa.select(Decision)
        .where(Decision.idea_id.in_(idea_ids), Decision.reopened_at.is_(None))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    return {d.idea_id: d for d in decisions}  # the last one wins


def _visible(viewer, ideas) -> list:
    hidden = conflicted_pairs([viewer], ideas) if ideas else set()
    return [i for i in ideas if (viewer.id, i.id) not in hidden]


def driver_diagrams(viewer) -> list[DriverDiagram]:
    """One diagram per active workstream: aim, enablers, and the change ideas under each."""
    workstreams = active_workstreams()
    drivers = enablers()
    ideas = _visible(
        viewer,
        db.session.scalars(
            sa.select(Idea).where(Idea.state.in_(CHANGE_IDEA_STATES)).order_by(Idea.reference)
        ).all(),
    )
    ids = [i.id for i in ideas]
    snapshots = {
        s.idea_id: s
        for s in db.session.scalars(sa.select(ScoreSnapshot).where(ScoreSnapshot.idea_id.in_(ids)))
    }
    decisions = _standing_decisions(ids)
    from_reviews = review_means([i for i in ids if i not in snapshots])
    diagrams = {
        w.id: DriverDiagram(w, [Driver(c) for c in drivers], Driver(None)) for w in workstreams
    }
    for idea in ideas:
        decision = decisions.get(idea.id)
        if decision is not None and decision.workstream_id is not None:
            homes = [decision.workstream_id]  # adopted into this one workstream
        else:
            homes = [w.id for w in idea.workstreams]
        snapshot = snapshots.get(idea.id)
        means = snapshot_means(snapshot) if snapshot else from_reviews.get(idea.id, {})
        for home in homes:
            diagram = diagrams.get(home)
            if diagram is None:  # an inactive workstream
                continue
            strong = [d for d in diagram.drivers if means.get(d.criterion.key, 0) >= STRONG_MEAN]
            for driver in strong or [diagram.other]:
                driver.ideas.append(idea)
    for diagram in diagrams.values():  # the furthest along first: adopted, piloted, shortlisted
        for driver in (*diagram.drivers, diagram.other):
            driver.ideas.sort(key=lambda i: (-CHANGE_IDEA_STATES.index(i.state), i.reference))
    return [diagrams[w.id] for w in workstreams]


def capacity_shortlist(viewer) -> Shortlist:
    """The capacity-aware shortlist from `select_portfolio`, beside the plain top-k."""
    workstreams = active_workstreams()
    column = {w.id: n for n, w in enumerate(workstreams)}
    drivers = enablers()
    rows = db.session.execute(
        sa.select(Idea, ScoreSnapshot)
        .join(ScoreSnapshot, ScoreSnapshot.idea_id == Idea.id)
        .where(
            Idea.state != IdeaState.DRAFT,
            Idea.state.not_in(CLOSED_STATES),
            ScoreSnapshot.sufficient,
        )
        .order_by(ScoreSnapshot.rank, Idea.id)  # ties go to the better-ranked idea
    ).all()
    visible = {i.id for i in _visible(viewer, [idea for idea, _ in rows])}
    rows = [
        (idea, snap)
        for idea, snap in rows
        if idea.id in visible and any(w.id in column for w in idea.workstreams)
    ]
    n = len(rows)
    fits = np.zeros((n, len(workstreams)), dtype=bool)
    strength = np.zeros((n, len(drivers)))
    for i, (idea, snap) in enumerate(rows):
        for w in idea.workstreams:
            if w.id in column:
                fits[i, column[w.id]] = True
        means = snapshot_means(snap)
        for e, criterion in enumerate(drivers):
            if criterion.key in means:
                strength[i, e] = unit_score(means[criterion.key])
    value = np.clip(np.array([snap.priority for _, snap in rows], dtype=float), 0, 1)
    fair = np.array([bool(idea.populations or idea.clinical_areas) for idea, _ in rows], bool)
    capacity = [w.capacity or 0 for w in workstreams]
    result = select_portfolio(
        value,
        fits,
        capacity,
        enabler_strength=strength,
        inequality=fair,
    )
    chosen = np.flatnonzero(result.selected)
    plain = top_k(value, chosen.size)
    picks = [Pick(idea, float(value[i])) for i, (idea, _) in enumerate(rows)]
    for i in chosen:
        picks[i].in_portfolio = True
        picks[i].workstream = workstreams[result.workstream[i]]
    for i in plain:
        picks[i].in_top_k = True
    _explain_differences(picks, result, fits, strength >= 0.6, drivers, workstreams)
    by_priority = sorted(chosen, key=lambda i: (-value[i], i))
    return Shortlist(
        portfolio=[picks[i] for i in by_priority],
        plain=[picks[i] for i in plain],
        places=list(zip(workstreams, capacity, result.counts.tolist(), strict=True)),
        message=_message(result, n, workstreams),
        n_candidates=n,
    )


def _explain_differences(picks, result, fits, strong, drivers, workstreams):
    """Give each idea in only one of the two lists the reason it is there."""
    full = result.counts >= result.capacity
    for i, pick in enumerate(picks):
        if pick.in_portfolio and not pick.in_top_k:
            w = result.workstream[i]
            others = (result.workstream == w) & (np.arange(len(picks)) != i)
            alone = np.flatnonzero(strong[i] & ~strong[others].any(axis=0))
            if alone.size:
                names = ", ".join(drivers[e].name for e in alone)
                pick.reasons.append(f"The only idea in {workstreams[w].label} strong in: {names}")
            if result.inequality[i]:
                pick.reasons.append("Addresses health inequalities")
            if not pick.reasons:
                pick.reasons.append("Fits a workstream with spare capacity")
        elif pick.in_top_k and not pick.in_portfolio:
            mine = np.flatnonzero(fits[i])
            if full[mine].all():
                names = ", ".join(workstreams[w].label for w in mine)
                pick.reasons.append(f"No room: {names} already at capacity")
            else:
                pick.reasons.append("Left out for ideas covering more enablers or inequalities")


def _message(result, n, workstreams) -> str:
    if not workstreams:
        return "There are no active workstreams."
    if n == 0:
        return "No open idea with enough panel reviews fits an active workstream yet."
    if not result.capacity.any():
        return "Every active workstream has a capacity of 0, so no idea can be shortlisted."
    chosen = int(result.selected.sum())
    text = (
        f"{chosen} of {n} {'idea' if n == 1 else 'ideas'} chosen for "
        f"{int(result.capacity.sum())} places."
    )
    used = result.counts > 0
    if result.covered.size and used.any():
        n_used = int(used.sum())
        text += (
            f" Between them they cover {int(result.covered.sum())} of the "
            f"{int(result.covered[used].size)} primary drivers of the {n_used} "
            f"{'workstream' if n_used == 1 else 'workstreams'} they go to."
        )
    return text
