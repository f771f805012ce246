"""'What if' weights: re-rank ideas under other weights from their stored scores alone.

A lead trying other criterion or priority weights wants the new order at once, without
refitting the reviewer calibration across every review. `reweighted_ranks` takes what a
ranking already stored per idea: the criterion means and counts, the weighted mean
(``raw_score``) and the calibrated score. Under the new criterion weights the weighted mean
is worked out again (`scoring.panel.weighted_total`) and the calibrated score moves by the
same amount, which keeps each reviewer's calibration offset as it was fitted. `priority` and
`rank_ideas` then rank the ideas as the stored ranking was made, sufficient ideas
(`scoring.panel.sufficient_reviews`) first. With the weights the stored scores came from,
no idea moves. `rank_moves` lists the ideas that did move, the biggest moves first.
"""

import numpy as np

from scoring.panel import MIN_REVIEWS, sufficient_reviews, weighted_total
from scoring.priority import PRIORITY_WEIGHTS, priority, rank_ideas

__all__ = ["rank_moves", "reweighted_ranks"]

SAME = 1e-9  # smaller changes in a weighted mean are rounding, not a change


def reweighted_ranks(
    criterion_means,
    criterion_counts,
    raw_score,
    calibrated_score,
    relevance,
    novelty,
    ids,
    *,
    weights,
    priority_weights=PRIORITY_WEIGHTS,
    min_reviews=MIN_REVIEWS,
):
    """Rank ideas under new criterion and priority weights, from their stored scores.

    Parameters
    ----------
    criterion_means : array_like of float, shape (n_ideas, n_criteria)
        Each idea's mean score per criterion, such as `Aggregate.mean`; NaN where missing.
    criterion_counts : array_like of int, shape (n_ideas, n_criteria)
        Scores behind each mean, such as `Aggregate.count`.
    raw_score : array_like of float, shape (n_ideas,)
        The weighted mean under the weights the scores were computed with
        (`Aggregate.weighted_total`); NaN when the idea had no scores.
    calibrated_score : array_like of float, shape (n_ideas,)
        The calibrated panel score on the 1-5 scale; NaN when there is none.
    relevance, novelty : array_like of float, shape (n_ideas,)
        As for `priority`.
    ids : array_like, shape (n_ideas,)
        Distinct idea identifiers, which break ties as in `rank_ideas`.
    weights : array_like of float, shape (n_criteria,)
        The new criterion weights, >= 0 and not all zero.
    priority_weights : mapping of str to float, default=PRIORITY_WEIGHTS
        The new weights of the priority's parts, as for `priority`.
    min_reviews : int, default=MIN_REVIEWS
        Scores each weighted criterion needs for the idea to rank among complete ones.

    Returns
    -------
    ndarray of int, shape (n_ideas,)
        Rank of each idea in input order under the new weights, 1 for the first.

    Raises
    ------
    ValueError
        If the shapes disagree or any input is refused by `weighted_total`, `priority` or
        `rank_ideas`.
    """
    means = np.asarray(criterion_means, dtype=float)
    counts = np.asarray(criterion_counts)
    raw = np.asarray(raw_score, dtype=float)
    calibrated = np.asarray(calibrated_score, dtype=float)
    if means.ndim != 2 or counts.shape != means.shape:
        raise ValueError("criterion_means and criterion_counts must be (n_ideas, n_criteria)")
    if raw.shape != (means.shape[0],) or calibrated.shape != raw.shape:
        raise ValueError("raw_score and calibrated_score must have one value per idea")
    total, _ = weighted_total(means, weights)
    shift = total - raw
    shift[np.abs(shift) < SAME] = 0.0
    panel = np.where(np.isnan(raw), calibrated, calibrated + shift)
    parts = priority(panel, relevance, novelty, weights=priority_weights)
    eligible = sufficient_reviews(counts, weights, min_reviews)
    return rank_ideas(parts.total, ids, eligible=eligible)


def rank_moves(before, after):
    """Return the ideas whose rank changed, biggest move first, then by their new rank.

    Parameters
    ----------
    before, after : array_like of int, shape (n_ideas,)
        Each idea's rank before and after a change (1 for the first).

    Returns
    -------
    ndarray of int
        Indices of the ideas with ``before != after``, ordered by the size of the move
        (gained or lost places), largest first, and among equal moves by ``after``.

    Raises
    ------
    ValueError
        If the two are not 1-D arrays of the same length.
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.ndim != 1 or after.shape != before.shape:
        raise ValueError("before and after must be 1-D arrays of the same length")
    moved = np.flatnonzero(before != after)
    size = np.abs(before[moved].astype(np.int64) - after[moved])
    return moved[np.lexsort((after[moved], -size))]
