"""An earlier sign that screening can stop: a long run of items that were not relevant.

`scoring.stopping` gives the guarantee: a hypergeometric test that stops only when it is
95% certain that 95% of the relevant items have been found. It treats the most recent items
as a random sample of what is left, which a model's ranking is not (the unscreened items
are poorer in relevant items than the last screened ones), so it asks for far more screening
than is usually needed: on the virus review it said stop after 63% of the records, when 95%
recall had been reached after about 27%.

This estimate is the heuristic screeners use in practice (ASReview ships it as
`NConsecutiveIrrelevant`): stop once the last ``ceil(share * n_total)`` screened items (10%
of the pool), and at least ``minimum`` of them, were all not relevant, and at least one
relevant item has been found. It promises no confidence of its own; what it promises is
what it did in simulation.
`bench/screening.py --pseudo` calibrates ``share`` on pseudo-reviews (topics cut from the
shared reviews, with the topic's own words deleted) and reports it on the two real reviews;
`CALIBRATION` holds those figures, for the words shown beside the estimate.
"""

import math
from dataclasses import dataclass

import numpy as np

from scoring.stopping import _check as check_screened

__all__ = ["CALIBRATION", "RUN_MINIMUM", "RUN_SHARE", "EarlyStop", "irrelevant_run"]

RUN_SHARE = 0.10  # of the pool: chosen in bench/screening.py --pseudo (see CALIBRATION)
RUN_MINIMUM = 50  # however small the pool, no fewer misses in a row than this


@dataclass(frozen=True)
class Calibration:
    """What the estimate did in simulation: how often it stopped with 95% recall reached,
    the mean recall there, and how much of the pool had been screened by then."""

    runs: int
    reviews: int
    reached: float  # share of runs at >= 95% recall when it said stop
    recall: float  # mean recall when it said stop
    screened: float  # mean share of the pool screened when it said stop


# `bench/screening.py CSV --pseudo --seeds 2` on nudging.csv and virus.csv (2026-12-05, the
# sixth round's model): ten pseudo-reviews, twenty runs. At 10% of the pool: 95% recall reached
# in 6 of 10 runs on the nudging ones and 8 of 10 on the virus ones, mean recall 92.3% and
# 98.1%, after 33.9% and 42.6% of the records (the guarantee: 82.2% and 65.6%). At 5% it
# reached 95% recall in 11 of 20 runs (mean recall 90.8%), at 7.5% in 14 of 20 (94.1%): 10% is
# the least share whose mean recall reaches 95%. The pseudo-reviews are harder than the real
# ones (some topics' records are scattered: vaccination's WSS@95 is 16), so on the shared
# reviews it does better.
CALIBRATION = Calibration(runs=20, reviews=10, reached=0.70, recall=0.95, screened=0.38)


@dataclass(frozen=True)
class EarlyStop:
    """Result of `irrelevant_run`.

    Attributes
    ----------
    stop : bool
        The run of items that were not relevant is long enough (and something relevant has
        been found).
    run : int
        Items screened most recently, in a row, that were not relevant.
    needed : int
        The run that says stop for this pool.
    relevant_found : int
        Relevant items found so far.
    """

    stop: bool
    run: int
    needed: int
    relevant_found: int

    @property
    def to_go(self):
        """Further items, all not relevant, before this estimate says stop."""
        return max(0, self.needed - self.run)


def irrelevant_run(labels, n_total, *, share=RUN_SHARE, minimum=RUN_MINIMUM):
    """Say whether the most recent run of not-relevant items is long enough to stop.

    Parameters
    ----------
    labels : array_like of {0, 1}, shape (n_screened,)
        Labels in screening order (1 = relevant).
    n_total : int
        Items in the pool, screened or not.
    share : float, default=RUN_SHARE
        The run needed, as a share of the pool, in (0, 1].
    minimum : int, default=RUN_MINIMUM
        The run needed at least, however small the pool.

    Returns
    -------
    EarlyStop
    """
    array = check_screened(labels, n_total)
    if not (isinstance(share, int | float) and 0.0 < share <= 1.0):
        raise ValueError(f"share must be a number in (0, 1], got {share!r}")
    if isinstance(minimum, bool) or not isinstance(minimum, int | np.integer) or minimum < 1:
        raise ValueError(f"minimum must be a positive integer, got {minimum!r}")
    hits = np.flatnonzero(array == 1)
    run = int(array.size - 1 - hits[-1]) if hits.size else int(array.size)
    needed = int(min(n_total, max(minimum, math.ceil(share * n_total))))
    found = int(hits.size)
    everything = array.size == n_total and n_total > 0
    return EarlyStop(
        stop=bool(found and (run >= needed or everything)),
        run=run,
        needed=needed,
        relevant_found=found,
    )
