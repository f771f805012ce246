"""How sure is a ranking? Intervals, chances of making the top k, and weight sensitivity.

With three reviews an idea has only ten distinct bootstrap resamples, so its uncertainty comes
from the fitted calibration model instead: all reviews share one residual variance sigma^2
(`ReviewerCalibrator.residual_variance_`), so an idea with n reviews has standard error
sigma / sqrt(n), and its interval uses Student's t with the model's residual degrees of freedom.
The chance that an idea is in the top k is simulated from those normal errors, and weight
sensitivity asks how far each idea's rank moves when one rubric weight changes by +/-25%.
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["WeightSensitivity", "prob_top_k", "score_intervals", "weight_sensitivity"]

_CHUNK = 1 << 21  # normal draws held in memory at once (16 MB of float64)
_TIE = 10  # decimals to which totals are rounded before ranking, so rounding noise is a tie


def score_intervals(centre, residual_variance, n_reviews, *, level=0.9, dof=None):
    """Return each idea's two-sided interval from the pooled residual variance.

    The interval is ``centre +/- q * sqrt(residual_variance / n_reviews)`` where q is the
    ``(1 + level) / 2`` quantile of Student's t with ``dof`` degrees of freedom, or of the
    normal distribution when ``dof`` is None.

    Parameters
    ----------
    centre : array_like of float, shape (n_ideas,)
        Each idea's estimated score, such as `ReviewerCalibrator.idea_effects_`; NaN allowed.
    residual_variance : float
        Pooled residual variance of one review's score, >= 0.
    n_reviews : array_like of float, shape (n_ideas,)
        Reviews behind each estimate (an effective number may be fractional), >= 0.
    level : float, default=0.9
        Coverage probability, in (0, 1).
    dof : float, optional
        Residual degrees of freedom of the model (`ReviewerCalibrator.dof_`), > 0.

    Returns
    -------
    lower, upper : ndarray of float, shape (n_ideas,)
        Interval ends; NaN for ideas with no reviews or a NaN centre.

    Raises
    ------
    ValueError
        If the shapes differ or a parameter is out of range.
    """
    centre = np.asarray(centre, dtype=float)
    n = np.asarray(n_reviews, dtype=float)
    if centre.ndim != 1 or n.shape != centre.shape:
        raise ValueError("centre and n_reviews must be 1-D arrays of the same length")
    if np.isinf(centre).any():
        raise ValueError("centre contains infinite values")
    if not (np.isfinite(n).all() and (n >= 0).all()):
        raise ValueError("n_reviews must be finite and >= 0")
    var = float(residual_variance)
    if not (np.isfinite(var) and var >= 0):
        raise ValueError("residual_variance must be finite and >= 0")
    if not 0 < level < 1:
        raise ValueError("level must lie strictly between 0 and 1")
    p = (1 + level) / 2
    if dof is None:
        q = stats.norm.ppf(p)
    elif np.isfinite(dof) and dof > 0:
        q = stats.t.ppf(p, dof)
    else:
        raise ValueError("dof must be finite and > 0")
    half = q * np.sqrt(var / np.where(n > 0, n, np.nan))
    return centre - half, centre + half


def prob_top_k(centre, std_error, k, *, n_draws=2000, seed=0):
    """Estimate each idea's probability of being among the k highest, by simulation.

    Each draw samples every idea's score from ``Normal(centre, std_error)`` independently
    and marks the k highest; the probability is the share of draws that mark the idea.
    Ideas with a NaN centre or standard error take no part and get probability 0. Ideas so
    far below the field that they could not reach the top k within 8 standard errors (either
    side) are given 0 without being drawn: their probability is below (k + 1) * 1e-15.

    Parameters
    ----------
    centre, std_error : array_like of float, shape (n_ideas,)
        Estimated score and its standard error (>= 0) for each idea.
    k : int
        Size of the top group, >= 0; capped at the number of ideas taking part.
    n_draws : int, default=2000
        Number of simulated panels; the estimate's standard error is at most
        ``0.5 / sqrt(n_draws)``.
    seed : int, default=0
        Seed for `numpy.random.default_rng`; the same inputs and seed give the same result.

    Returns
    -------
    ndarray of float, shape (n_ideas,)
        Probabilities in [0, 1]; they sum to ``min(k, ideas taking part)``.

    Raises
    ------
    ValueError
        If the shapes differ, a value is infinite, a standard error is negative, or ``k`` or
        ``n_draws`` is not a valid integer.
    """
    centre = np.asarray(centre, dtype=float)
    se = np.asarray(std_error, dtype=float)
    if centre.ndim != 1 or se.shape != centre.shape:
        raise ValueError("centre and std_error must be 1-D arrays of the same length")
    if np.isinf(centre).any() or np.isinf(se).any():
        raise ValueError("centre and std_error must not be infinite")
    if (se < 0).any():
        raise ValueError("std_error must be >= 0")
    for name, value, least in (("k", k, 0), ("n_draws", n_draws, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}")
    prob = np.zeros(centre.size)
    ok = np.flatnonzero(~(np.isnan(centre) | np.isnan(se)))
    k = min(int(k), ok.size)
    if k == 0:
        return prob
    if k == ok.size:
        prob[ok] = 1.0
        return prob
    # The k-th highest lower bound is a bar no idea under it (at its upper bound) can clear.
    lower, upper = centre[ok] - 8 * se[ok], centre[ok] + 8 * se[ok]
    bar = np.partition(lower, ok.size - k)[ok.size - k]
    ok = ok[upper >= bar]
    mu, sd = centre[ok], se[ok]
    rng = np.random.default_rng(seed)
    hits = np.zeros(ok.size, dtype=np.int64)
    rows = max(1, _CHUNK // ok.size)
    for start in range(0, n_draws, rows):
        m = min(rows, n_draws - start)
        draws = rng.standard_normal((m, ok.size))
        draws *= sd
        draws += mu
        top = np.argpartition(draws, ok.size - k, axis=1)[:, ok.size - k :]
        hits += np.bincount(top.ravel(), minlength=ok.size)
    prob[ok] = hits / n_draws
    return prob


@dataclass(frozen=True, eq=False)
class WeightSensitivity:
    """How far each idea's rank moves under one-at-a-time weight changes.

    Ideas with a NaN mean on a weighted criterion are not ranked; their entries are -1.

    Attributes
    ----------
    rank : ndarray of int, shape (n_ideas,)
        Rank under the given weights, 1 for the highest total; ties share the best rank.
    max_shift : ndarray of int, shape (n_ideas,)
        Largest absolute rank change over every single-weight change.
    criterion : ndarray of int, shape (n_ideas,)
        Criterion whose change causes ``max_shift`` (the first, if several do); -1 when the
        rank never moves.
    direction : ndarray of int, shape (n_ideas,)
        +1 if raising that weight causes it, -1 if lowering it, 0 when the rank never moves.
    ranked : ndarray of bool, shape (n_ideas,)
        Ideas with complete data, the ones ranked.
    """

    rank: np.ndarray
    max_shift: np.ndarray
    criterion: np.ndarray
    direction: np.ndarray
    ranked: np.ndarray


def weight_sensitivity(criterion_means, weights, *, change=0.25):
    """Find how far each idea's rank moves when any one weight changes by +/- ``change``.

    For each criterion c and sign, weight c is multiplied by ``1 + change`` or ``1 - change``,
    the weighted totals are recomputed (weights renormalised) and the ideas re-ranked; an
    idea's shift is the largest absolute change of its rank over those ``2 * n_criteria``
    scenarios. Totals equal to 10 decimal places are ties and share the best rank, so
    floating-point noise never counts as movement.

    Parameters
    ----------
    criterion_means : array_like of float, shape (n_ideas, n_criteria)
        Each idea's mean score per criterion, such as `Aggregate.mean`; NaN where missing.
    weights : array_like of float, shape (n_criteria,)
        Rubric weights, >= 0 and not all zero.
    change : float, default=0.25
        Relative change applied to one weight at a time, in [0, 1].

    Returns
    -------
    WeightSensitivity
        Base ranks, largest shifts and what causes them.

    Raises
    ------
    ValueError
        If the shapes disagree, a value is infinite, or the weights or change are invalid.
    """
    means = np.asarray(criterion_means, dtype=float)
    w = np.asarray(weights, dtype=float)
    if means.ndim != 2 or w.shape != (means.shape[1],):
        raise ValueError("criterion_means must be (n_ideas, n_criteria) and weights (n_criteria,)")
    if np.isinf(means).any():
        raise ValueError("criterion_means contains infinite values")
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError("weights must be finite, >= 0 and not all zero")
    if not (np.isfinite(change) and 0 <= change <= 1):
        raise ValueError("change must lie in [0, 1]")
    n_ideas, n_criteria = means.shape
    weighted = w > 0
    ranked = ~np.isnan(means[:, weighted]).any(axis=1)
    # Column 0 is the base case; columns 1 + 2c and 2 + 2c raise and lower weight c.
    scenarios = np.tile(w[:, None], 1 + 2 * n_criteria)
    cols = np.arange(n_criteria)
    scenarios[cols, 1 + 2 * cols] *= 1 + change
    scenarios[cols, 2 + 2 * cols] *= 1 - change
    scenarios /= scenarios.sum(axis=0)
    totals = np.round(np.nan_to_num(means[ranked]) @ scenarios, _TIE)
    ranks = stats.rankdata(-totals, method="min", axis=0).astype(np.int64)
    shift = np.abs(ranks[:, 1:] - ranks[:, :1])
    worst = shift.argmax(axis=1)
    moved = shift.max(axis=1, initial=0) > 0
    out = {name: np.full(n_ideas, -1, dtype=np.int64) for name in ("rank", "shift", "crit")}
    out["dir"] = np.zeros(n_ideas, dtype=np.int64)
    out["rank"][ranked] = ranks[:, 0]
    out["shift"][ranked] = shift.max(axis=1, initial=0)
    out["crit"][ranked] = np.where(moved, worst // 2, -1)
    out["dir"][ranked] = np.where(moved, np.where(worst % 2 == 0, 1, -1), 0)
    for a in out.values():
        a.flags.writeable = False
    ranked.flags.writeable = False
    return WeightSensitivity(out["rank"], out["shift"], out["crit"], out["dir"], ranked)
