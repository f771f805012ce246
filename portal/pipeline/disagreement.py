"""How reviewers' disagreement is stored in a score snapshot, and read back.

`scoring.disagreement_table` decides which ideas' reviewers disagree more than the panel
usually does; the snapshot keeps, per criterion and for the overall score, the gap, the
reviewers' spread, the panel's usual spread and the flag, under ``details["agreement_rule"]``.
Snapshots stored under an earlier rule (any gap of two points) are not read as disagreeing:
the migration that brought this rule in queued their recomputation.
"""

import math

from scoring import reviewers_disagree

AGREEMENT_RULE = 2  # 1: two points apart; 2: beyond the panel's usual spread


def cell(test, *index) -> dict:
    """One tested cell of a `scoring.SpreadTest` as stored figures (None for not tested)."""
    return {
        "range": _number(test.ranges[index]),
        "spread": _number(test.spread[index]),
        "usual_spread": _number(test.usual_spread[index]),
        "disagreement": bool(test.flags[index]),
    }


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


def _number(value):
    value = float(value)
    return None if math.isnan(value) else value
