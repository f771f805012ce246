"""When a lead may stop screening the inbox: the guarantee and the earlier estimate.

Both read the leads' decisions in the order they were made. The guarantee is
`scoring.stopping_rule` (95% certain that 95% of the relevant items are found); the estimate is
`scoring.irrelevant_run` (a long enough run of items that were not relevant), which says stop
sooner and promises only what it did in simulation (`scoring.stopping_estimate.CALIBRATION`).
"""

from typing import NamedTuple

import sqlalchemy as sa

from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.horizon.triage import DECIDED, RELEVANT
from scoring import EarlyStop, StoppingResult, irrelevant_run, stopping_rule
from scoring.stopping_estimate import CALIBRATION, Calibration


class StoppingSigns(NamedTuple):
    """What the inbox's stopping panel shows."""

    guarantee: StoppingResult
    early: EarlyStop
    calibration: Calibration = CALIBRATION


def stopping_signs():
    """Both signs over the decisions so far, or None while nothing has been decided."""
    decided = db.session.scalars(
        sa.select(ScannedItem.status)
        .where(ScannedItem.status.in_(DECIDED))
        .order_by(ScannedItem.triaged_at, ScannedItem.id)
    ).all()
    if not decided:
        return None
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ScannedItem))
    labels = [1 if status in RELEVANT else 0 for status in decided]
    return StoppingSigns(stopping_rule(labels, total), irrelevant_run(labels, total))
