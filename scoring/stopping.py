"""When to stop screening: a hypergeometric stopping rule and an estimate of what is left.

The rule is the one of Callaghan and Müller-Hansen (2020, "Statistical stopping criteria for
automated screening in systematic reviews", Systematic Reviews 9:254). A lead has screened
``n_seen`` of ``n_total`` items, in the order the model ranked them, and found ``r_seen``
relevant. The null hypothesis is that recall is still below the target ``tau``, that is the
pool holds at least ``K = floor(r_seen / tau) + 1`` relevant items. Take the last ``n``
screened items, holding ``k`` relevant, as a random sample drawn without replacement from the
urn of those ``n`` items and all the unscreened ones (``N_urn = n_total - n_seen + n``). Under
the null the urn holds at least ``K_tar = K - r_AL`` relevant items, where ``r_AL = r_seen - k``
were found before the sample began, and finding as few as ``k`` has probability
``hypergeom.cdf(k, N_urn, K_tar, n)``. That is the p-value of one window; as in the paper the
rule takes the smallest over every window ``n = 1 .. n_seen`` and stops when it is below
``alpha``.

For a fixed ``k`` the p-value falls as the window grows (a longer run with the same relevant
count is stronger evidence), so the smallest is always at a window that ends just before an
older relevant item, or at the whole sequence. Only those ``r_seen + 1`` windows are computed;
the tests check the result against every window.

Assumption, to be read with every answer: the unscreened items are taken to be no richer in
relevant items than a random sample of the last screened ones. Ranking by a model makes this
safe (later items are less likely to be relevant) unless the model is blind to a kind of
relevant item that the lead has not yet met, or the pool changes (new feeds, new topics).

`estimate_remaining` gives a rough count of the relevant items still unseen: the rate of
relevant items in the most recent window, times the number unseen, with an exact
hypergeometric interval. In a random order it is unbiased; in a ranked order the recent rate
is higher than the rate among the unseen items, so it leans high.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.stats import hypergeom

__all__ = [
    "RemainingEstimate",
    "StoppingResult",
    "estimate_remaining",
    "stopping_p_value",
    "stopping_rule",
]

_EPS = 1e-9  # so that r_seen / tau landing a hair below a whole number does not round down


class RemainingEstimate(NamedTuple):
    """Result of `estimate_remaining`; unpacks as ``estimate, lower, upper, window``.

    Attributes
    ----------
    estimate : float
        Expected number of relevant items among the unscreened ones (nan if nothing screened).
    lower, upper : int
        Interval for that number at the requested confidence.
    window : int
        How many of the most recently screened items the rate came from.
    """

    estimate: float
    lower: int
    upper: int
    window: int


@dataclass(frozen=True)
class StoppingResult:
    """Result of `stopping_rule`.

    Attributes
    ----------
    p_value : float
        Smallest p-value over the windows for "recall is below the target".
    stop : bool
        ``p_value < alpha``: screening may stop with the stated confidence.
    n_screened, n_total, relevant_found : int
        Items screened, items in the pool, relevant items found.
    recall_target, alpha : float
        The target recall and the significance level used.
    estimated_remaining_relevant : float
        See `estimate_remaining`.
    remaining_interval : tuple of int
        ``(lower, upper)`` for that estimate at confidence ``1 - alpha``.
    message : str
        A plain-English summary for a programme lead.
    """

    p_value: float
    stop: bool
    n_screened: int
    n_total: int
    relevant_found: int
    recall_target: float
    alpha: float
    estimated_remaining_relevant: float
    remaining_interval: tuple
    message: str


def _check(labels, n_total):
    """Return labels as a 0/1 int vector after checking them against the pool size."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {array.shape}")
    if array.size and not np.isin(array, (0, 1)).all():
        raise ValueError("labels must hold 0/1 or booleans, in screening order")
    if isinstance(n_total, bool) or not isinstance(n_total, int | np.integer):
        raise ValueError(f"n_total must be an integer, got {n_total!r}")
    if n_total < array.size:
        raise ValueError(f"n_total ({n_total}) is smaller than the {array.size} items screened")
    return array.astype(np.int64)


def _check_fraction(value, name):
    if not (isinstance(value, int | float) and 0.0 < value < 1.0):
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")


def stopping_p_value(labels, n_total, *, recall_target=0.95):
    """Return the p-value for "recall is still below `recall_target`".

    Parameters
    ----------
    labels : array_like of {0, 1}, shape (n_screened,)
        The screened items' labels in the order they were screened (1 = relevant).
    n_total : int
        Number of items in the pool, screened or not.
    recall_target : float, default=0.95
        Target recall, in (0, 1).

    Returns
    -------
    float
        In [0, 1]; 1.0 when nothing is screened, 0.0 when everything is.
    """
    labels = _check(labels, n_total)
    _check_fraction(recall_target, "recall_target")
    n_seen = labels.size
    if n_seen == 0:
        return 1.0
    r_seen = int(labels.sum())
    recent = labels[::-1]
    k_all = np.cumsum(recent)
    # Windows n (1-based length) whose next older item is relevant, and the whole sequence.
    n = np.append(np.flatnonzero(recent[1:]) + 1, n_seen)
    k = k_all[n - 1]
    k_tar = np.floor(r_seen / recall_target + _EPS) + 1 - (r_seen - k)
    urn = n_total - n_seen + n
    feasible = k_tar <= urn  # otherwise the null needs more relevant items than could exist
    p = np.zeros(n.size)
    p[feasible] = hypergeom.cdf(k[feasible], urn[feasible], k_tar[feasible], n[feasible])
    return float(np.clip(p.min(), 0.0, 1.0))


def _last_true(predicate, high):
    """Return the largest m in [0, high] where a decreasing predicate holds (-1 if none)."""
    low, high = -1, high  # predicate(low) is taken as true, the answer lies in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        if predicate(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _default_window(n_seen):
    """The last quarter of the screened items, but at least the last 100 (or all of them)."""
    return min(n_seen, max(100, n_seen // 4))


def estimate_remaining(labels, n_total, *, window=None, confidence=0.95):
    """Estimate how many relevant items are still among the unscreened ones.

    Parameters
    ----------
    labels : array_like of {0, 1}, shape (n_screened,)
        Labels in screening order (1 = relevant).
    n_total : int
        Number of items in the pool.
    window : int, optional
        How many of the most recent items give the rate; by default the last quarter of
        those screened, and at least the last 100.
    confidence : float, default=0.95
        Coverage of the two-sided interval, in (0, 1).

    Returns
    -------
    RemainingEstimate
        ``estimate = k * unseen / window`` for ``k`` relevant in the window, and an exact
        hypergeometric interval, treating the window as a random sample from itself plus the
        unscreened items.
    """
    labels = _check(labels, n_total)
    _check_fraction(confidence, "confidence")
    n_seen = labels.size
    unseen = n_total - n_seen
    if n_seen == 0:
        return RemainingEstimate(float("nan"), 0, unseen, 0)
    if window is None:
        window = _default_window(n_seen)
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a positive integer, got {window!r}")
    window = int(min(window, n_seen))
    if unseen == 0:
        return RemainingEstimate(0.0, 0, 0, window)
    k = int(labels[n_seen - window :].sum())
    urn = unseen + window
    tail = (1.0 - confidence) / 2.0
    # The urn holds k + m relevant items for m unseen ones. P(X <= k) falls as m grows and
    # P(X >= k) rises, so each bound is found by bisection over m in [0, unseen].
    upper = _last_true(lambda m: hypergeom.cdf(k, urn, k + m, window) > tail, unseen)
    lower = _last_true(lambda m: hypergeom.sf(k - 1, urn, k + m, window) <= tail, unseen) + 1
    return RemainingEstimate(k * unseen / window, lower, upper, window)


def _message(result_stop, p, alpha, target, n_seen, n_total, found, estimate):
    if n_seen == 0:
        return "Nothing has been screened yet, so there is no evidence about what is left."
    if n_seen == n_total:
        plural = "" if found == 1 else "s"
        return f"Everything has been screened: all {found} relevant item{plural} were found."
    est, low, high = estimate
    share, confidence = round(100 * target), round(100 * (1 - alpha))
    unseen = f"{n_total - n_seen:,} not yet screened"
    if round(est) == 0:
        left = f"Probably no relevant items (at most {high}) remain among the {unseen}."
    else:
        items = "item" if round(est) == 1 else "items"
        left = (
            f"About {est:.0f} relevant {items} (between {low} and {high}) probably remain "
            f"among the {unseen}."
        )
    if result_stop:
        verdict = (
            f"You can stop: with {confidence}% confidence at least {share}% of the relevant "
            f"items have been found ({found} found in {n_seen:,} of {n_total:,} screened; "
            f"p = {p:.3f})."
        )
    else:
        verdict = (
            f"Keep screening: there is not yet {confidence}% confidence that {share}% of the "
            f"relevant items have been found ({found} found in {n_seen:,} of {n_total:,} "
            f"screened; p = {p:.3f})."
        )
    caveat = (
        "This assumes the items not yet screened are no richer in relevant items than the "
        "ones screened most recently."
    )
    return f"{verdict} {left} {caveat}"


def stopping_rule(labels, n_total, *, recall_target=0.95, alpha=0.05, window=None):
    """Test whether screening can stop with `recall_target` reached at confidence 1 - `alpha`.

    Parameters
    ----------
    labels : array_like of {0, 1}, shape (n_screened,)
        The screened items' labels in screening order (1 = relevant).
    n_total : int
        Number of items in the pool, screened or not.
    recall_target : float, default=0.95
        Target recall, in (0, 1).
    alpha : float, default=0.05
        Significance level, in (0, 1).
    window : int, optional
        Passed to `estimate_remaining` (the test itself always uses every window).

    Returns
    -------
    StoppingResult

    Raises
    ------
    ValueError
        If labels are not 0/1 in one dimension, `n_total` is smaller than their number, or
        `recall_target` or `alpha` is outside (0, 1).
    """
    labels = _check(labels, n_total)
    _check_fraction(alpha, "alpha")
    p = stopping_p_value(labels, n_total, recall_target=recall_target)
    estimate = estimate_remaining(labels, n_total, window=window, confidence=1.0 - alpha)
    n_seen, found = labels.size, int(labels.sum())
    stop = p < alpha
    message = _message(stop, p, alpha, recall_target, n_seen, n_total, found, estimate[:3])
    return StoppingResult(
        p_value=p,
        stop=bool(stop),
        n_screened=n_seen,
        n_total=int(n_total),
        relevant_found=found,
        recall_target=float(recall_target),
        alpha=float(alpha),
        estimated_remaining_relevant=estimate.estimate,
        remaining_interval=(estimate.lower, estimate.upper),
        message=message,
    )
