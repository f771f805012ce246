"""The panel's scale and the rules every score built from it follows, each defined once.

Reviewers score each criterion from `SCORE_MIN` (1) to `SCORE_MAX` (5). An idea's weighted
total is the mean of its criterion means weighted by the rubric weights, renormalised over
the weighted criteria it has scores for (`weighted_total`); it is sufficient to rank among
complete ideas once every weighted criterion has `MIN_REVIEWS` scores (`sufficient_reviews`);
and a score on the 1-5 scale becomes a part of a priority on [0, 1] through `unit_score`.
`scoring.aggregate`, `scoring.priority` and `scoring.reweighting` all use these, and so does
any caller that shows or re-derives them.
"""

import numpy as np

__all__ = [
    "MIN_REVIEWS",
    "SCORE_MAX",
    "SCORE_MIN",
    "check_weights",
    "sufficient_reviews",
    "unit_score",
    "weighted_total",
]

SCORE_MIN, SCORE_MAX = 1.0, 5.0
MIN_REVIEWS = 2  # scores each weighted criterion needs before an idea ranks among complete ones


def check_weights(weights, n_criteria):
    """Return rubric weights normalised to sum to 1, after checking them.

    Parameters
    ----------
    weights : array_like of float, shape (n_criteria,)
        One weight per criterion, >= 0 and not all zero.
    n_criteria : int
        The number of criteria the weights must cover.

    Returns
    -------
    ndarray of float, shape (n_criteria,)
        The weights divided by their sum.

    Raises
    ------
    ValueError
        If the shape is wrong, or a weight is NaN, infinite or negative, or all are zero.
    """
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_criteria,):
        raise ValueError(f"weights must have shape ({n_criteria},), got {w.shape}")
    if not np.isfinite(w).all():
        raise ValueError("weights contain NaN or infinite values")
    if (w < 0).any():
        raise ValueError("weights must be >= 0")
    if w.sum() <= 0:
        raise ValueError("weights are all zero; at least one criterion must carry weight")
    return w / w.sum()


def weighted_total(criterion_means, weights):
    """Weigh each idea's criterion means into one total, over the criteria it has scores for.

    Parameters
    ----------
    criterion_means : array_like of float, shape (n_ideas, n_criteria)
        Mean score per idea and criterion; NaN where the idea has no score on it.
    weights : array_like of float, shape (n_criteria,)
        Rubric weights, >= 0 and not all zero; normalised to sum to 1.

    Returns
    -------
    total : ndarray of float, shape (n_ideas,)
        ``sum_c w_c * mean_ic / sum_c w_c`` over the weighted criteria scored for the idea;
        NaN when it has none.
    coverage : ndarray of float, shape (n_ideas,)
        Share of the total weight carried by the criteria behind ``total``.

    Raises
    ------
    ValueError
        If the means are not 2-D or hold infinite values, or the weights are invalid.
    """
    means = np.asarray(criterion_means, dtype=float)
    if means.ndim != 2:
        raise ValueError(f"criterion_means must be 2-D (n_ideas, n_criteria), got {means.shape}")
    if np.isinf(means).any():
        raise ValueError("criterion_means contain infinite values")
    w = check_weights(weights, means.shape[1])
    present = ~np.isnan(means) & (w > 0)
    coverage = present @ w
    total = np.where(present, np.nan_to_num(means), 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.where(coverage > 0, total / coverage, np.nan)
    return total, coverage


def sufficient_reviews(criterion_counts, weights, min_reviews=MIN_REVIEWS):
    """Return which ideas have at least `min_reviews` scores on every weighted criterion.

    Parameters
    ----------
    criterion_counts : array_like of int, shape (n_ideas, n_criteria)
        Scores used per idea and criterion (missing and "cannot score" left out).
    weights : array_like of float, shape (n_criteria,)
        Rubric weights; a criterion of weight 0 needs no scores.
    min_reviews : int, default=MIN_REVIEWS
        Scores each weighted criterion needs.

    Returns
    -------
    ndarray of bool, shape (n_ideas,)
        True for the ideas fit to rank among the complete ones.

    Raises
    ------
    ValueError
        If the counts are not 2-D, the weights are invalid, or `min_reviews` is not an
        integer >= 1.
    """
    if isinstance(min_reviews, bool) or not isinstance(min_reviews, int | np.integer):
        raise ValueError("min_reviews must be an integer")
    if min_reviews < 1:
        raise ValueError("min_reviews must be >= 1")
    counts = np.asarray(criterion_counts)
    if counts.ndim != 2:
        raise ValueError(f"criterion_counts must be 2-D (n_ideas, n_criteria), got {counts.shape}")
    weighted = check_weights(weights, counts.shape[1]) > 0
    return (counts[:, weighted] >= min_reviews).all(axis=1)


def unit_score(score):
    """Map scores on the panel's 1-5 scale onto [0, 1]: 1 becomes 0 and 5 becomes 1.

    Parameters
    ----------
    score : float or array_like of float
        Scores such as a calibrated panel score or a criterion mean. Values a little past
        either end (calibration can carry a score there) are clipped; NaN stays NaN.

    Returns
    -------
    float or ndarray of float
        ``clip((score - 1) / 4, 0, 1)``, a float for a single score.
    """
    mapped = np.clip((np.asarray(score, dtype=float) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN), 0, 1)
    return float(mapped) if mapped.ndim == 0 else mapped
