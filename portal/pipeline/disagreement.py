"""How reviewers' disagreement is stored in a score snapshot, and read back.

`scoring.disagreement_table` decides which ideas' reviewers disagree more than the panel
usually does; the snapshot keeps, per criterion and for the overall score, the gap, the
reviewers' spread, the panel's usual spread and the flag, under ``details["agreement_rule"]``.
Snapshots stored under an earlier rule (any gap of two points) are not read as disagreeing:
the migration that brought this rule in queued their recomputation.
"""

import numpy as np

from scoring import reviewers_disagree

AGREEMENT_RULE = 2  # 1: two points apart; 2: beyond the panel's usual spread


def as_values(array) -> list:
    """An array as (nested) lists of floats, NaN as None."""
    values = np.asarray(array, dtype=float)
    return np.where(np.isnan(values), None, values).tolist()


def current(details) -> bool:
    """Whether the snapshot's agreement figures follow the rule in force."""
    return (details or {}).get("agreement_rule") == AGREEMENT_RULE


def disagrees(details) -> bool:
    """Whether the snapshot flags its idea's reviewers as disagreeing more than usual."""
    if not current(details):
        return False
    return reviewers_disagree(
        [c.get("disagreement") for c in details.get("criteria", {}).values()],
        details.get("overall", {}).get("disagreement", False),
    )
