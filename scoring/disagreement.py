"""Which ideas' reviewers disagree more than the panel usually does: a per-criterion F test.

Reviewers of one idea never give identical scores: on a 1-5 scale, two points apart is common,
so a flag for every such gap marks nearly every idea. `disagreement_table` flags an idea on a
criterion only when its reviewers' scores are further apart than the panel's usual spread on
that criterion can explain by chance. The rule, for each criterion (and, given the reviews
and the rubric weights, each review's overall weighted score, tested as one more criterion):

1. **Spread.** An idea with ``n >= 2`` scores on the criterion has the sample variance
   ``s2 = SS / d`` of its scores: ``SS`` the sum of squared deviations from their mean,
   ``d = n - 1`` degrees of freedom.
2. **Usual spread.** The usual variance ``v`` is the pooled within-idea variance
   (``sum SS / sum d``) of the criterion over the *other* ideas, trimmed so that a few split
   ideas cannot inflate it and hide one another: an idea whose ``SS / v`` lies beyond the
   90th percentile ``q`` of the chi-square law with its ``d`` degrees of freedom is left out,
   and each idea kept counts ``d * P(chi2(d + 2) <= q) / 0.9`` degrees of freedom, the share
   of ``SS`` a chi-square below its 90th percentile carries, so that ``v`` stays unbiased
   when no idea is split; starting from the plain pooled variance, ``v`` is recomputed until
   the ideas left out stop changing. ``v`` is
   at least ``min_variance``, the variance of rounding to whole points (1/12), so a criterion
   on which reviewers always agree exactly does not make every gap infinitely improbable.
3. **Test.** Were this idea's reviewers no further apart than usual (scores normal, with the
   usual variance), ``s2 / v`` would follow the F distribution with ``(d, D)`` degrees of
   freedom, ``D`` the pooled degrees of freedom of the other ideas kept in ``v``; the p-value
   is ``P(F >= s2 / v)``. With few ideas ``D`` is small and the test is cautious by itself.
4. **Multiple comparisons.** An idea is tested on its overall score and on each criterion
   with two or more scores. Half of ``significance`` goes to the overall score, the one test
   of the whole review; the other half is shared by the criteria with Hochberg's step-up
   procedure (flag the ``j`` smallest of the ``k`` criteria's p-values, for the largest ``j``
   whose ``j``-th smallest is at most ``significance / 2 / (k - j + 1)``), valid under the
   positive dependence between an idea's criteria (Hochberg 1988). So an idea whose reviewers
   differ only as much as usual is flagged with a chance of at most ``significance`` (5%),
   however many criteria the rubric has (all of it goes to the criteria when there is no
   overall score). Whole-point scores clipped to 1-5 are not quite normal: simulated rounds
   like the demo's flag 3-6% of their ordinary ideas (tests/scoring/test_disagreement.py).
5. **Minimum gap.** A criterion is flagged only when the test marks it *and* the scores span
   at least ``min_range`` points (2; 1 on the overall score), so one point apart is never
   called disagreement, even on a criterion where reviewers nearly always agree exactly.

An idea with one score on a criterion, or a criterion no other idea has two scores on, is not
tested. `reviewers_disagree` reads stored flags back; these are the only definitions of
disagreement.
"""

import operator
from dataclasses import dataclass

import numpy as np
from scipy import stats

from scoring.aggregate import weighted_review_scores

__all__ = [
    "DISAGREEMENT_RANGE",
    "DISAGREEMENT_SIGNIFICANCE",
    "OVERALL_RANGE",
    "ROUNDING_VARIANCE",
    "Disagreement",
    "SpreadTest",
    "disagreement_table",
    "reviewers_disagree",
]

DISAGREEMENT_RANGE = 2.0  # reviewers at least two points apart on a criterion (1-5 scale)
OVERALL_RANGE = 1.0  # overall (weighted mean) scores at least a point apart
DISAGREEMENT_SIGNIFICANCE = 0.05  # at most 1 in 20 ideas with usual spread flagged
ROUNDING_VARIANCE = 1.0 / 12.0  # variance of rounding to whole points
TRIM = 0.1  # ideas beyond the 90th percentile of the usual spread leave the pool
_MAX_ROUNDS = 100


@dataclass(frozen=True, eq=False)
class SpreadTest:
    """One set of columns tested by `disagreement_table`; plain data, arrays read-only.

    Arrays have shape (n_ideas, n_criteria) for the criteria, (n_ideas,) for the overall
    score; values are NaN (flags False) where the cell was not tested.

    Attributes
    ----------
    flags : ndarray of bool
        True where the reviewers disagree: further apart than usual, and at least the
        minimum gap apart.
    ranges : ndarray of float
        Highest minus lowest score; NaN where fewer than two scores were given.
    spread : ndarray of float
        Sample standard deviation of the scores (``ddof=1``); NaN below two scores.
    usual_spread : ndarray of float
        Square root of the usual variance the cell was tested against.
    p_values : ndarray of float
        Chance of a spread at least this large were the reviewers as close as usual.
    """

    flags: np.ndarray
    ranges: np.ndarray
    spread: np.ndarray
    usual_spread: np.ndarray
    p_values: np.ndarray


@dataclass(frozen=True, eq=False)
class Disagreement:
    """Where reviewers disagree more than usual, from `disagreement_table`.

    Attributes
    ----------
    criteria : SpreadTest
        Per idea and criterion, arrays of shape (n_ideas, n_criteria).
    overall : SpreadTest or None
        Per idea, for each review's overall weighted score, arrays of shape (n_ideas,);
        None when no reviews and weights were given.
    n_tests : ndarray of int, shape (n_ideas,)
        How many tests the idea had (criteria with two or more scores, and overall).
    significance : float
        The chance, at most, of flagging an idea whose reviewers differ only as usual.
    """

    criteria: SpreadTest
    overall: SpreadTest | None
    n_tests: np.ndarray
    significance: float

    @property
    def any(self):
        """Return a bool array, shape (n_ideas,): True where any criterion or overall is."""
        flags = self.criteria.flags.any(axis=1)
        return flags | self.overall.flags if self.overall is not None else flags


def disagreement_table(
    scores,
    idea,
    criterion,
    n_ideas,
    n_criteria,
    *,
    review=None,
    weights=None,
    significance=DISAGREEMENT_SIGNIFICANCE,
    min_range=DISAGREEMENT_RANGE,
    min_overall_range=OVERALL_RANGE,
    min_variance=ROUNDING_VARIANCE,
):
    """Flag, for every idea and criterion, reviewers further apart than the panel usually is.

    Parameters
    ----------
    scores : array_like of float, shape (n_rows,)
        One score per review and criterion; NaN rows (missing, "cannot score") are ignored.
    idea : array_like of int, shape (n_rows,)
        Idea index of each row, in ``[0, n_ideas)``.
    criterion : array_like of int, shape (n_rows,)
        Criterion index of each row, in ``[0, n_criteria)``.
    n_ideas, n_criteria : int
        Shape of the table, so ideas or criteria with no rows still have a place.
    review : array_like of int, shape (n_rows,), optional
        Review index of each row; with `weights`, each review's overall score (its weighted
        mean, as `weighted_review_scores` gives it) is tested as one more criterion.
    weights : array_like of float, shape (n_criteria,), optional
        Rubric weights, for the overall score.
    significance : float, default=0.05
        Largest chance of flagging an idea whose reviewers differ only as much as usual.
    min_range : float, default=2
        Smallest gap (highest minus lowest score) on a criterion that may be flagged.
    min_overall_range : float, default=1
        Smallest gap between overall scores that may be flagged.
    min_variance : float, default=1/12
        Smallest usual variance of one criterion's scores; the overall score's is this times
        the sum of the squared normalised weights (a weighted mean of rounded scores).

    Returns
    -------
    Disagreement
        Flags, gaps, spreads, usual spreads and p-values; the rule is in the module docstring.

    Raises
    ------
    ValueError
        If lengths differ, an index is out of range or not an integer, only one of `review`
        and `weights` is given, a review's rows name more than one idea, a threshold is not
        positive, or `significance` is not between 0 and 1.
    """
    if not 0 < significance < 1:
        raise ValueError(f"significance must lie between 0 and 1; got {significance!r}.")
    for name, value in (
        ("min_range", min_range),
        ("min_overall_range", min_overall_range),
        ("min_variance", min_variance),
    ):
        if not value > 0:
            raise ValueError(f"{name} must be positive; got {value!r}.")
    if (review is None) != (weights is None):
        raise ValueError("review and weights go together: give both or neither.")
    n_ideas, n_criteria = operator.index(n_ideas), operator.index(n_criteria)
    scores = np.asarray(scores, dtype=float)
    idea = _indices(idea, scores, n_ideas, "idea")
    criterion = _indices(criterion, scores, n_criteria, "criterion")
    columns = np.full(n_criteria, float(min_range)), np.full(n_criteria, float(min_variance))
    if review is not None:
        overall, owner, floor = _overall(scores, idea, criterion, review, weights)
        scores = np.concatenate([scores, overall])
        idea = np.concatenate([idea, owner])
        criterion = np.concatenate([criterion, np.full(overall.size, n_criteria)])
        columns = (
            np.append(columns[0], float(min_overall_range)),
            np.append(columns[1], floor * float(min_variance)),
        )
    tests, n_tests = _spread_tests(
        scores, idea, criterion, n_ideas, columns, significance, review is not None
    )
    return Disagreement(
        criteria=SpreadTest(*(_read_only(a[:, :n_criteria]) for a in tests)),
        overall=(
            SpreadTest(*(_read_only(a[:, n_criteria]) for a in tests))
            if review is not None
            else None
        ),
        n_tests=_read_only(n_tests),
        significance=float(significance),
    )


def _indices(index, scores, size, name):
    index = np.asarray(index)
    if scores.ndim != 1 or index.shape != scores.shape:
        raise ValueError("scores, idea, criterion and review must be 1-D, of the same length.")
    if index.size and not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"{name} must hold integer indices.")
    if index.size and (index.min() < 0 or (size is not None and index.max() >= size)):
        raise ValueError(f"{name} indices must lie in [0, {size}).")
    return index.astype(np.intp)


def _overall(scores, idea, criterion, review, weights):
    """Each review's weighted mean score, the idea it belongs to, and its variance factor."""
    review = _indices(review, scores, None, "review")
    n_reviews = int(review.max(initial=-1)) + 1
    owner = np.full(n_reviews, -1)
    owner[review] = idea
    if (owner[review] != idea).any():
        raise ValueError("Each review's rows must all name the same idea.")
    overall = weighted_review_scores(
        scores, review, criterion, n_reviews=n_reviews, weights=weights
    )
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    present = owner >= 0
    return overall[present], owner[present], float(np.sum(w**2))


def _spread_tests(scores, idea, column, n_ideas, columns, significance, overall):
    """Test every (idea, column) cell; return the five SpreadTest arrays and tests per idea.

    With `overall`, the last column is the overall score, tested at half the significance.
    """
    min_range, min_variance = columns
    n_columns = min_range.size
    shape = (n_ideas, n_columns)
    present = ~np.isnan(scores)
    cell = (idea * n_columns + column)[present]
    values = scores[present]
    size = n_ideas * n_columns
    count = np.bincount(cell, minlength=size)
    mean = np.bincount(cell, values, minlength=size) / np.maximum(count, 1)
    ss = np.bincount(cell, (values - mean[cell]) ** 2, minlength=size).reshape(shape)
    highest, lowest = np.full(size, -np.inf), np.full(size, np.inf)
    np.maximum.at(highest, cell, values)
    np.minimum.at(lowest, cell, values)
    count = count.reshape(shape)
    spread_ok = count >= 2
    dof = np.where(spread_ok, count - 1, 0)
    ranges = np.where(spread_ok, (highest - lowest).reshape(shape), np.nan)
    variance = np.where(spread_ok, ss / np.maximum(dof, 1), np.nan)

    kept, weight = _trimmed(ss, dof, spread_ok)
    # Each idea is tested against the other ideas kept: leave its own part out.
    others_ss = (ss * kept).sum(axis=0) - ss * kept
    others_weight = (weight * kept).sum(axis=0) - weight * kept
    others_dof = (dof * kept).sum(axis=0) - dof * kept
    tested = spread_ok & (others_dof > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        usual = np.where(tested, np.maximum(others_ss / others_weight, min_variance), np.nan)
        ratio = variance / usual
    p_values = np.full(shape, np.nan)
    p_values[tested] = stats.f.sf(ratio[tested], dof[tested], others_dof[tested])
    if overall:
        half = significance / 2
        marked = np.column_stack(
            [_hochberg(p_values[:, :-1], tested[:, :-1], half), p_values[:, -1] <= half]
        )
    else:
        marked = _hochberg(p_values, tested, significance)
    flags = marked & (ranges >= min_range)
    spread = np.sqrt(variance)
    tests = (flags, ranges, spread, np.sqrt(usual), p_values)
    return tests, tested.sum(axis=1)


def _trimmed(ss, dof, spread_ok):
    """The cells kept in each column's usual variance, and the degrees of freedom each counts.

    Starts from the plain pooled variance and iterates the trimmed one of the module docstring
    until the same cells are kept twice running. Scores are whole numbers, so the trimmed
    variance can have more than one fixed point; starting from the plain pool finds the one
    nearest it, which is the plain pool itself when no idea stands out.
    """
    # Degrees of freedom are a few small whole numbers: the quantiles are found once each
    # (at 40,000 ideas, once per cell took a tenth of a score refresh).
    levels, where = np.unique(np.maximum(dof, 1), return_inverse=True)
    cuts = stats.chi2.ppf(1 - TRIM, levels)
    cut = cuts[where].reshape(np.shape(dof))
    kept_share = stats.chi2.cdf(cuts, levels + 2)[where].reshape(np.shape(dof))
    weight = np.where(spread_ok, dof * kept_share / (1 - TRIM), 0.0)
    usual = _ratio((ss * spread_ok).sum(axis=0), (dof * spread_ok).sum(axis=0))
    kept = None
    for _ in range(_MAX_ROUNDS):
        now = spread_ok & (ss <= usual * cut)
        if kept is not None and (now == kept).all():
            break
        kept = now
        usual = _ratio((ss * kept).sum(axis=0), (weight * kept).sum(axis=0))
    return kept, weight


def _ratio(top, bottom):
    return np.divide(top, bottom, out=np.zeros(np.shape(top)), where=bottom > 0)


def _hochberg(p_values, tested, significance):
    """Hochberg's step-up procedure within each row (idea) over its tested cells."""
    ordered = np.sort(np.where(tested, p_values, np.inf), axis=1)
    k = tested.sum(axis=1, keepdims=True)
    j = np.arange(1, ordered.shape[1] + 1)
    passes = (j <= k) & (ordered <= significance / np.maximum(k - j + 1, 1))
    # The largest j that passes sets the cut: every p-value at most the j-th smallest is marked.
    last = np.where(passes.any(axis=1), ordered.shape[1] - 1 - np.argmax(passes[:, ::-1], 1), 0)
    cut = np.where(passes.any(axis=1), ordered[np.arange(ordered.shape[0]), last], -np.inf)
    return tested & (p_values <= cut[:, None])


def reviewers_disagree(flags, overall=False):
    """Return True when an idea's reviewers disagree: on any criterion, or overall.

    Parameters
    ----------
    flags : array_like of bool, shape (n_criteria,)
        Per-criterion flags, as a row of ``disagreement_table(...).criteria.flags`` (stored
        flags may be None, read as False).
    overall : bool, default=False
        The idea's flag on the overall score.

    Returns
    -------
    bool
    """
    return bool(overall) or any(bool(flag) for flag in flags)


def _read_only(array):
    array = np.array(array)
    array.setflags(write=False)
    return array
