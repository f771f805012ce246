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


def cells(test) -> list:
    """The overall score's `scoring.SpreadTest` as stored figures, one dict per idea (None
    where not tested): the arrays converted to Python values once, not value by value."""
    ranges, spread, usual = (as_values(a) for a in (test.ranges, test.spread, test.usual_spread))
    flags = np.asarray(test.flags, dtype=bool).tolist()
    return [
        {"range": r, "spread": s, "usual_spread": u, "disagreement": f}
        for r, s, u, f in zip(ranges, spread, usual, flags, strict=True)
    ]


def criterion_cells(criteria, summary, test) -> list:
    """Per idea, each criterion's stored figures by key: its name, the panel's mean, count and
    cannot-score count (from a `scoring.Aggregate`), and its `scoring.SpreadTest` cell. Built
    in one pass over arrays converted once (a refresh writes hundreds of thousands)."""
    keys, names = [c.key for c in criteria], [c.name for c in criteria]
    columns = (
        as_values(summary.mean),
        summary.count.astype(int).tolist(),
        summary.n_cannot.astype(int).tolist(),
        *(as_values(a) for a in (test.ranges, test.spread, test.usual_spread)),
        np.asarray(test.flags, dtype=bool).tolist(),
    )
    return [
        {
            key: {
                "name": name,
                "mean": mean,
                "count": count,
                "cannot": cannot,
                "range": r,
                "spread": s,
                "usual_spread": u,
                "disagreement": f,
            }
            for key, name, mean, count, cannot, r, s, u, f in zip(keys, names, *row, strict=True)
        }
        for row in zip(*columns, strict=True)
    ]


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
