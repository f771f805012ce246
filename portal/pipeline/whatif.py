"""'What if' weights: re-rank the pipeline in memory from the snapshots, saving nothing.

The stored snapshots keep each idea's per-criterion means and counts; `scoring.reweighted_ranks`
re-ranks the ideas the lead can see under the new weights (keeping each reviewer's calibration
offset without refitting it) and `scoring.rank_moves` picks out the ideas that move. With the
current weights every idea stays where it is.
"""

import math
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from wtforms import StringField
from wtforms.validators import ValidationError

from portal.extensions import db
from portal.forms import PortalForm
from portal.ideas.models import Idea
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails
from portal.policy import ranked_clause, ranks_for
from portal.reviews.rubric import WEIGHT_MAX
from scoring import PRIORITY_COMPONENTS, PRIORITY_WEIGHTS, rank_moves, reweighted_ranks

COMPONENT_LABELS = {
    "panel": "Panel score",
    "relevance": "Relevance to the workstreams",
    "novelty": "Novelty",
}


def _check_weight(form, field):
    try:
        value = float(field.data)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= WEIGHT_MAX):
        raise ValidationError(
            f"Enter a weight for {field.label.text.lower()} from 0 to {WEIGHT_MAX}"
        )
    field.weight = value


class WhatIfForm(PortalForm):
    class Meta:
        csrf = False  # a GET form that saves nothing

    def criterion_fields(self):
        return [f for f in self if f.name.startswith("w-")]

    def component_fields(self):
        return [f for f in self if f.name.startswith("p-")]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for group, what in (
            (self.criterion_fields(), "criterion"),
            (self.component_fields(), "priority"),
        ):
            if ok and group and not any(f.weight > 0 for f in group):
                self.form_errors.append(f"Give at least one {what} weight a value above 0")
                ok = False
        return ok


def what_if_form(criteria, formdata):
    """A form with one weight per rubric criterion and per priority component."""

    class Form(WhatIfForm):
        pass

    for c in criteria:
        setattr(
            Form,
            f"w-{c.key}",
            StringField(
                c.name,
                default=_plain(c.weight),
                description=f"Now {_plain(c.weight)}",
                validators=[_check_weight],
            ),
        )
    for name in PRIORITY_COMPONENTS:
        setattr(
            Form,
            f"p-{name}",
            StringField(
                COMPONENT_LABELS[name],
                default=_plain(PRIORITY_WEIGHTS[name]),
                description=f"Now {_plain(PRIORITY_WEIGHTS[name])}",
                validators=[_check_weight],
            ),
        )
    return Form(formdata=formdata)


def _plain(number) -> str:
    return f"{number:g}"


@dataclass
class Move:
    reference: str
    title: str
    before: int
    after: int

    @property
    def places(self) -> int:
        """Places gained (positive) or lost (negative)."""
        return self.before - self.after


def _snapshots(user):
    return db.session.execute(
        sa.select(
            ScoreSnapshot.idea_id,
            ScoreSnapshot.rank,
            Idea.reference,
            Idea.title,
            ScoreSnapshot.raw_score,
            ScoreSnapshot.calibrated_score,
            ScoreSnapshot.relevance,
            ScoreSnapshot.novelty,
            # only the per-criterion part of the details: decoding all of it for thousands
            # of ideas would be most of the work
            SnapshotDetails.details["criteria"].label("criteria"),
        )
        .join(Idea, Idea.id == ScoreSnapshot.idea_id)
        .outerjoin(SnapshotDetails, SnapshotDetails.idea_id == ScoreSnapshot.idea_id)
        .where(ranked_clause(user))
        .order_by(ScoreSnapshot.rank)
    ).all()


def rerank(rows, criterion_weights: dict, component_weights: dict) -> np.ndarray:
    """New ranks (1 = first) of `rows`, snapshot rows in their current order."""
    if not rows:
        return np.zeros(0, dtype=int)
    keys = list(criterion_weights)
    cells = [[(r.criteria or {}).get(k) or {} for k in keys] for r in rows]
    shape = (len(rows), len(keys))
    return reweighted_ranks(
        np.array([[c.get("mean") for c in row] for row in cells], dtype=float).reshape(shape),
        np.array([[c.get("count", 0) for c in row] for row in cells], dtype=int).reshape(shape),
        np.array([r.raw_score for r in rows], dtype=float),
        np.array([r.calibrated_score for r in rows], dtype=float),
        np.array([r.relevance for r in rows], dtype=float),
        np.array([r.novelty for r in rows], dtype=float),
        np.array([r.idea_id for r in rows]),
        weights=[criterion_weights[k] for k in keys],
        priority_weights=component_weights,
    )


def what_if(user, criterion_weights: dict, component_weights: dict) -> tuple[list[Move], int]:
    """Ideas that move under the new weights, biggest moves first, and how many were ranked."""
    rows = _snapshots(user)
    ranks = ranks_for(user)  # the positions the pipeline shows this lead
    before = np.array([ranks.position(r.rank) for r in rows], dtype=int)
    after = rerank(rows, criterion_weights, component_weights)
    moves = [
        Move(rows[i].reference, rows[i].title or "Untitled idea", int(before[i]), int(after[i]))
        for i in rank_moves(before, after)
    ]
    return moves, len(rows)
