"""Agreement between panel reviewers: Krippendorff's alpha, and split recommendations.

`krippendorff_alpha` measures how far reviewers agree across a round, beyond chance, with any
number of reviewers per idea and missing scores. It follows Krippendorff (2011), "Computing
Krippendorff's Alpha-Reliability": pairable values are tallied into a coincidence matrix, and
alpha is one minus observed over expected disagreement under the metric of the chosen level.

`split_recommendation` says whether an idea's reviewers are split between progressing it and
not. Which ideas' reviewers disagree more than usual on their scores is `scoring.disagreement`.
"""

import numpy as np

__all__ = ["krippendorff_alpha", "split_recommendation"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
PROGRESS = frozenset({"progress", "progress_with_changes"})
DO_NOT_PROGRESS = "do_not_progress"
RECOMMENDATIONS = PROGRESS | {DO_NOT_PROGRESS}


def krippendorff_alpha(reliability_data, level="interval", value_domain=None):
    """Return Krippendorff's alpha for coders' values on units, missing values allowed.

    Parameters
    ----------
    reliability_data : array_like of float, shape (n_coders, n_units)
        The value each coder gave each unit; NaN where a coder gave none. Units with fewer than
        two values are not pairable and are left out, as Krippendorff prescribes.
    level : {"interval", "nominal", "ordinal", "ratio"}, default="interval"
        Level of measurement, which sets the distance between two values: nominal counts any
        difference as 1; ordinal uses the marginal frequencies of the values between the two
        (Krippendorff 2011, section D); interval squares the difference; ratio squares the
        difference over the sum (values must not be negative).
    value_domain : array_like of float, shape (n_values,), optional
        The possible values, ascending without repeats (for example 1 to 5). Every observed
        value must belong to it. Defaults to the observed values. Values nobody used have no
        marginal frequency, so the domain guards the input but does not change alpha.

    Returns
    -------
    alpha : float
        1 for perfect agreement, about 0 for agreement at chance level, negative for
        systematic disagreement. NaN when expected disagreement is zero, that is when every
        pairable value is the same, so agreement beyond chance is undefined.

    Raises
    ------
    ValueError
        If the data are not 2-D, have fewer than two coders, hold infinite values or values
        outside `value_domain`, have no unit with two or more values, or `level` is unknown.

    Notes
    -----
    Time and memory grow with units times distinct values, plus distinct values squared for
    the coincidence and distance matrices: trivial for a 1-5 scale, but continuous scores with
    thousands of distinct values should be binned first.

    Examples
    --------
    >>> data = [[1, 2, 3, np.nan], [1, 2, 4, 4], [np.nan, 2, 3, 4]]
    >>> round(krippendorff_alpha(data, level="interval"), 3)
    0.927
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}.")
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise ValueError(
            f"reliability_data must be 2-D (n_coders, n_units); got {data.ndim} dimension(s)."
        )
    if data.shape[0] < 2:
        raise ValueError(f"reliability_data needs at least 2 coders (rows); got {data.shape[0]}.")
    present = ~np.isnan(data)
    values = data[present]
    if np.isinf(values).any():
        raise ValueError("reliability_data must be finite or NaN (missing); it holds infinity.")
    if level == "ratio" and (values < 0).any():
        raise ValueError("ratio level needs non-negative values.")
    domain = _value_domain(values, value_domain)

    # counts[u, c]: how many coders gave unit u the value domain[c].
    unit = np.broadcast_to(np.arange(data.shape[1]), data.shape)[present]
    index = np.searchsorted(domain, values)
    counts = np.bincount(unit * domain.size + index, minlength=data.shape[1] * domain.size)
    counts = counts.reshape(data.shape[1], domain.size).astype(float)
    pairable = counts.sum(axis=1)
    counts = counts[pairable >= 2]
    if counts.shape[0] == 0:
        raise ValueError("No pairable units: no unit has values from two or more coders.")

    # o[c, k] = sum over units of (n_uc n_uk - [c == k] n_uc) / (m_u - 1).
    weighted = counts / (counts.sum(axis=1, keepdims=True) - 1)
    coincidences = counts.T @ weighted - np.diag(weighted.sum(axis=0))
    marginals = coincidences.sum(axis=0)
    total = marginals.sum()
    delta = _squared_distances(domain, marginals, level)

    expected = (np.outer(marginals, marginals) * delta).sum()
    if expected == 0:
        return float("nan")
    return float(1.0 - (total - 1.0) * (coincidences * delta).sum() / expected)


def _value_domain(values, value_domain):
    """Return the sorted value domain, checking the observed values belong to it."""
    if value_domain is None:
        return np.unique(values)
    domain = np.asarray(value_domain, dtype=float)
    if domain.ndim != 1 or domain.size == 0 or not np.isfinite(domain).all():
        raise ValueError("value_domain must be a non-empty 1-D array of finite values.")
    if (np.diff(domain) <= 0).any():
        raise ValueError("value_domain must be sorted ascending without repeats.")
    outside = np.setdiff1d(values, domain)
    if outside.size:
        raise ValueError(f"reliability_data holds values outside value_domain: {outside[:5]}.")
    return domain


def _squared_distances(domain, marginals, level):
    """Return the (n_values, n_values) matrix of squared distances for `level`."""
    if level == "nominal":
        return 1.0 - np.eye(domain.size)
    if level == "interval":
        return np.subtract.outer(domain, domain) ** 2
    if level == "ratio":
        total = np.add.outer(domain, domain)
        ratio = np.divide(
            np.subtract.outer(domain, domain), total, out=np.zeros_like(total), where=total != 0
        )
        return ratio**2
    # Ordinal: (sum of n_g for g from c to k, minus (n_c + n_k) / 2) squared.
    cumulative = np.cumsum(marginals)
    rank = np.arange(domain.size)
    low, high = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
    between = cumulative[high] - cumulative[low] + marginals[low]
    return (between - (marginals[low] + marginals[high]) / 2.0) ** 2


def split_recommendation(recommendations):
    """Return True when reviewers are split between progressing an idea and not.

    Parameters
    ----------
    recommendations : iterable of str or None
        Each review's overall recommendation: "progress", "progress_with_changes",
        "do_not_progress", or None when not given; None for no reviews.

    Returns
    -------
    bool
        True when at least one reviewer recommends progressing (with or without changes)
        and at least one recommends not progressing.

    Raises
    ------
    ValueError
        If a recommendation is none of those.
    """
    if recommendations is None:
        return False
    given = {str(r) for r in recommendations if r is not None}
    unknown = given - RECOMMENDATIONS
    if unknown:
        raise ValueError(f"Unknown recommendation(s): {', '.join(sorted(unknown))}.")
    return DO_NOT_PROGRESS in given and bool(given & PROGRESS)
