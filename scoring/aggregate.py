"""Aggregate panel scores per idea and criterion, and weigh them into one total per idea.

Scores arrive in long format, one row per (review, criterion), so missing data needs no
placeholder: a criterion a reviewer left blank is a NaN row or no row at all, and a criterion
they could not score is a row marked in ``cannot``. Both are excluded from every statistic;
``cannot score`` rows are also counted, so the panel can see which criteria an idea left
reviewers unable to judge.

The weighted total of an idea is the mean of its criterion means weighted by the rubric
weights, renormalised over the criteria that received at least one score::

    total_i = sum_c w_c * mean_ic / sum_c w_c      (sums over weighted criteria scored for i)

so a criterion nobody scored neither drags the total toward zero nor is silently treated as
average: it drops out, and the idea is flagged as not ``sufficient`` (any weighted criterion
with fewer than ``min_reviews`` scores), so a ranking can place it apart from complete ideas.
Both rules, and the 1-5 scale, are defined in `scoring.panel`.
"""

from dataclasses import dataclass

import numpy as np

from scoring.panel import (
    MIN_REVIEWS,
    SCORE_MAX,
    SCORE_MIN,
    check_weights,
    sufficient_reviews,
    weighted_total,
)

__all__ = ["Aggregate", "aggregate", "weighted_review_scores"]


@dataclass(frozen=True, eq=False)
class Aggregate:
    """Per-idea and per-criterion summaries from `aggregate`; plain data, arrays read-only.

    Arrays of shape (n_ideas, n_criteria) are NaN where the cell has no score (``count`` 0),
    and ``std`` is also NaN where it has a single score.

    Attributes
    ----------
    mean, median : ndarray of float, shape (n_ideas, n_criteria)
        Mean and median of the scores in each cell.
    count : ndarray of int, shape (n_ideas, n_criteria)
        Scores used in each cell (missing and ``cannot score`` rows excluded).
    n_cannot : ndarray of int, shape (n_ideas, n_criteria)
        Rows marked ``cannot score`` in each cell.
    range : ndarray of float, shape (n_ideas, n_criteria)
        Spread as highest minus lowest score.
    std : ndarray of float, shape (n_ideas, n_criteria)
        Spread as the sample standard deviation (``ddof=1``).
    weights : ndarray of float, shape (n_criteria,)
        The rubric weights normalised to sum to 1.
    weighted_total : ndarray of float, shape (n_ideas,)
        Weighted mean of the criterion means, with the weights renormalised over the weighted
        criteria the idea has scores for; NaN when it has none.
    weight_coverage : ndarray of float, shape (n_ideas,)
        Share of the total weight carried by the criteria behind ``weighted_total`` (1 when
        every weighted criterion has at least one score).
    n_reviews : ndarray of int, shape (n_ideas,)
        Distinct reviews with at least one usable score when ``review`` was given; otherwise
        the largest ``count`` over the idea's weighted criteria.
    sufficient : ndarray of bool, shape (n_ideas,)
        True when every weighted criterion has at least ``min_reviews`` scores.
    min_reviews : int
        The threshold used for ``sufficient``.
    """

    mean: np.ndarray
    median: np.ndarray
    count: np.ndarray
    n_cannot: np.ndarray
    range: np.ndarray
    std: np.ndarray
    weights: np.ndarray
    weighted_total: np.ndarray
    weight_coverage: np.ndarray
    n_reviews: np.ndarray
    sufficient: np.ndarray
    min_reviews: int


def aggregate(
    scores,
    idea,
    criterion,
    *,
    n_ideas,
    n_criteria,
    weights,
    cannot=None,
    review=None,
    min_reviews=MIN_REVIEWS,
):
    """Summarise scores per idea and criterion and weigh them into a total per idea.

    Parameters
    ----------
    scores : array_like of float, shape (n_rows,)
        One score from 1 to 5 per row; NaN for a missing score.
    idea, criterion : array_like of int, shape (n_rows,)
        Idea index in ``[0, n_ideas)`` and criterion index in ``[0, n_criteria)`` of each row.
    n_ideas, n_criteria : int
        Number of ideas and criteria; ideas without rows get NaN summaries.
    weights : array_like of float, shape (n_criteria,)
        Rubric weights, >= 0 and not all 0; normalised to sum to 1. A criterion of weight 0
        is summarised but takes no part in the total or in ``sufficient``.
    cannot : array_like of bool, shape (n_rows,), optional
        Rows marked ``cannot score``; their score must be NaN. They are excluded from the
        statistics and counted in ``n_cannot``.
    review : array_like of int, shape (n_rows,), optional
        Review index of each row, used to count distinct reviews per idea.
    min_reviews : int, default=MIN_REVIEWS
        Scores each weighted criterion needs for the idea to count as ``sufficient``.

    Returns
    -------
    Aggregate
        The summaries, weighted totals and sufficiency flags.

    Raises
    ------
    ValueError
        If a score is infinite or outside [1, 5], a ``cannot score`` row carries a score, an
        index or size is out of range, lengths differ, or the weights are negative, non-finite
        or all zero.
    """
    for name, value in (("n_ideas", n_ideas), ("n_criteria", n_criteria)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0")
    scores = _vector(scores, float, "scores")
    n = scores.size
    idea = _index(idea, n, n_ideas, "idea")
    criterion = _index(criterion, n, n_criteria, "criterion")
    w = check_weights(weights, n_criteria)
    cannot = np.zeros(n, bool) if cannot is None else _vector(cannot, bool, "cannot", n)
    _check_scores(scores, cannot)

    cells = n_ideas * n_criteria
    cell = idea * n_criteria + criterion
    used = ~np.isnan(scores)
    n_cannot = np.bincount(cell[cannot], minlength=cells)
    x, cell = scores[used], cell[used]
    count = np.bincount(cell, minlength=cells)
    has = count > 0
    safe = np.where(has, count, 1)
    mean = np.where(has, np.bincount(cell, x, cells) / safe, np.nan)
    sq = np.bincount(cell, (x - mean[cell]) ** 2, cells)
    std = np.where(count > 1, np.sqrt(sq / np.maximum(count - 1, 1)), np.nan)

    # Sort by cell, then score: each cell's scores are one sorted run starting at `start`.
    # Empty cells point at a trailing NaN so that no index runs off the end.
    xs = np.append(x[np.lexsort((x, cell))], np.nan)
    start = np.where(has, np.cumsum(count) - count, x.size)
    median = np.where(has, (xs[start + (safe - 1) // 2] + xs[start + safe // 2]) / 2, np.nan)
    spread = np.where(has, xs[np.where(has, start + count - 1, x.size)] - xs[start], np.nan)

    shape = (n_ideas, n_criteria)
    mean, median, spread, std = (a.reshape(shape) for a in (mean, median, spread, std))
    count, n_cannot = count.reshape(shape), n_cannot.reshape(shape)
    sufficient = sufficient_reviews(count, weights, min_reviews)
    total, coverage = weighted_total(mean, weights)
    if review is None:
        n_reviews = np.where(w > 0, count, 0).max(axis=1, initial=0)
    else:
        review = _index(review, n, None, "review")[used].astype(np.int64)
        span = int(review.max(initial=0)) + 1
        pairs = np.unique(idea[used].astype(np.int64) * span + review)
        n_reviews = np.bincount(pairs // span, minlength=n_ideas)
    return Aggregate(
        *(_frozen(a) for a in (mean, median, count, n_cannot, spread, std, w, total, coverage)),
        n_reviews=_frozen(n_reviews),
        sufficient=_frozen(sufficient),
        min_reviews=int(min_reviews),
    )


def weighted_review_scores(scores, review, criterion, *, n_reviews, weights, cannot=None):
    """Weigh each review's criterion scores into one overall score per review.

    The weights are renormalised over the weighted criteria the review scored, as in
    `aggregate`; the result is what `ReviewerCalibrator` takes as its per-review scores.

    Parameters
    ----------
    scores : array_like of float, shape (n_rows,)
        One score from 1 to 5 per row; NaN for a missing score.
    review, criterion : array_like of int, shape (n_rows,)
        Review index in ``[0, n_reviews)`` and criterion index of each row.
    n_reviews : int
        Number of reviews.
    weights : array_like of float, shape (n_criteria,)
        Rubric weights, >= 0 and not all 0.
    cannot : array_like of bool, shape (n_rows,), optional
        Rows marked ``cannot score`` (score NaN); excluded.

    Returns
    -------
    ndarray of float, shape (n_reviews,)
        Overall score per review, NaN for a review with no usable weighted score.

    Raises
    ------
    ValueError
        On the same invalid input as `aggregate`.
    """
    scores = _vector(scores, float, "scores")
    n = scores.size
    if np.ndim(weights) != 1:
        raise ValueError(f"weights must be 1-D, got shape {np.shape(weights)}")
    w = check_weights(weights, len(weights))
    review = _index(review, n, n_reviews, "review")
    criterion = _index(criterion, n, w.size, "criterion")
    cannot = np.zeros(n, bool) if cannot is None else _vector(cannot, bool, "cannot", n)
    _check_scores(scores, cannot)
    used = ~np.isnan(scores) & (w[criterion] > 0)
    wr = w[criterion[used]]
    weight = np.bincount(review[used], wr, n_reviews)
    total = np.bincount(review[used], wr * scores[used], n_reviews)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


def _vector(values, dtype, name, n=None):
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if n is not None and a.size != n:
        raise ValueError(f"{name} has {a.size} rows, expected {n} (one per score)")
    if dtype is bool and a.dtype != bool:
        raise ValueError(f"{name} must be boolean")
    return a.astype(dtype, copy=False)


def _index(values, n, size, name):
    a = np.asarray(values)
    if a.ndim != 1 or a.size != n:
        raise ValueError(f"{name} must be 1-D with {n} rows (one per score), got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must hold integer indices")
    a = a.astype(np.intp, copy=False)
    if a.size and (a.min() < 0 or (size is not None and a.max() >= size)):
        bound = "" if size is None else f" and < {size}"
        raise ValueError(f"{name} indices must be >= 0{bound}")
    return a


def _check_scores(scores, cannot):
    if np.isinf(scores).any():
        raise ValueError("scores contain infinite values")
    if (cannot & ~np.isnan(scores)).any():
        row = int(np.flatnonzero(cannot & ~np.isnan(scores))[0])
        raise ValueError(f"row {row} is marked 'cannot score' but carries a score")
    bad = (scores < SCORE_MIN) | (scores > SCORE_MAX)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"scores must lie in [{SCORE_MIN:g}, {SCORE_MAX:g}]; row {row} is {scores[row]:g}"
        )


def _frozen(a):
    a = np.array(a)
    a.flags.writeable = False
    return a
