"""Choose a capacity-aware portfolio of ideas for the programme's workstreams.

`select_portfolio` picks the best set of ideas that each workstream can take on: every
workstream takes at most its capacity, and an idea that fits several workstreams counts
against exactly one of them. Besides the ideas' own value (their priority), the choice is
rewarded for covering the programme's enablers within each workstream (a workstream's driver
diagram with ideas under every primary driver) and for ideas that address health
inequalities. The plain ranking's answer is `top_k`.

The problem is an integer programme, solved exactly with ``scipy.optimize.milp`` (HiGHS)::

    maximise   sum_iw (value_i + inequality_weight * inequality_i) x_iw
               + coverage_weight * sum_we y_we
    subject to sum_w x_iw <= 1                        each idea counts once
               sum_i x_iw <= capacity_w               each workstream's capacity
               y_we <= sum_{i strong in e} x_iw       a driver is covered by a strong idea
               x_iw in {0, 1} where idea i fits workstream w;  0 <= y_we <= 1

``y`` needs no integrality: at an integer ``x`` its best value is ``min(1, sum x)``, already 0
or 1. The solver is deterministic, so the same input always gives the same portfolio; equal
values are settled in favour of the idea listed first (then the workstream listed first) by a
tie-breaking bonus below ``1e-5`` in all, so list ideas best-ranked first.

Before solving, pairs that cannot be in any optimal portfolio are left out (an idea that at
least as many better ideas could replace as there are places; see `_can_be_chosen`), which
keeps 5,000 ideas x 5 workstreams well under a second (``bench/portfolio.py``).
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.checks import bool_mask, whole_counts

__all__ = ["PortfolioResult", "select_portfolio", "top_k"]

STRONG = 0.6  # default strength at which an idea counts towards an enabler
_TIE = 1e-5  # the whole tie-breaking bonus stays below this


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    """Outcome of `select_portfolio`; plain data, arrays read-only.

    Attributes
    ----------
    selected : ndarray of bool, shape (n_ideas,)
        Ideas in the portfolio.
    workstream : ndarray of int, shape (n_ideas,)
        The workstream each selected idea counts against; -1 for ideas not selected.
    counts : ndarray of int, shape (n_workstreams,)
        Selected ideas per workstream; never above `capacity`.
    capacity : ndarray of int, shape (n_workstreams,)
        The capacities used.
    covered : ndarray of bool, shape (n_workstreams, n_enablers)
        Workstream and enabler pairs with at least one selected idea of that workstream whose
        strength in the enabler reaches the threshold.
    inequality : ndarray of bool, shape (n_ideas,)
        The inequality flags used (all False when none were given).
    objective : float
        Total value of the selected ideas, plus ``coverage_weight`` per covered pair, plus
        ``inequality_weight`` per selected idea that addresses inequalities.
    message : str
        Plain English: what was chosen, or why nothing could be.
    """

    selected: np.ndarray
    workstream: np.ndarray
    counts: np.ndarray
    capacity: np.ndarray
    covered: np.ndarray
    inequality: np.ndarray
    objective: float
    message: str


def select_portfolio(
    value,
    workstream_of,
    capacity,
    *,
    enabler_strength=None,
    inequality=None,
    coverage_weight=0.1,
    inequality_weight=0.05,
    min_value=None,
    strength_threshold=STRONG,
):
    """Choose the best ideas each workstream can take on, covering enablers and inequalities.

    Parameters
    ----------
    value : array_like of float, shape (n_ideas,)
        Each idea's worth, such as its priority, in [0, 1].
    workstream_of : array_like of bool, shape (n_ideas, n_workstreams)
        The workstreams each idea fits. A selected idea counts against exactly one of them.
    capacity : int or array_like of int, shape (n_workstreams,)
        Most ideas each workstream can take on; 0 closes a workstream.
    enabler_strength : array_like of float, shape (n_ideas, n_enablers), optional
        How strongly each idea serves each enabler, in [0, 1] (for example the panel's mean
        criterion score mapped from 1..5). By default there are no enablers to cover.
    inequality : array_like of bool, shape (n_ideas,), optional
        Ideas that address health inequalities.
    coverage_weight : float, default=0.1
        Reward for each workstream and enabler pair covered by a selected idea, in units of
        `value`: an idea worth up to this much less may be preferred if it covers a driver
        nothing else in its workstream covers.
    inequality_weight : float, default=0.05
        Reward for each selected idea that addresses inequalities, in units of `value`.
    min_value : float, optional
        Ideas worth less than this are never selected.
    strength_threshold : float, default=0.6
        Strength at which an idea covers an enabler.

    Returns
    -------
    PortfolioResult
        The selection, its workstreams and coverage, and a message. An empty selection (no
        capacity, nothing qualifies) is reported, never raised.

    Raises
    ------
    ValueError
        If an input has the wrong shape or holds invalid values (NaN, values outside [0, 1],
        negative or fractional capacities, negative weights).
    """
    value = _unit(value, None, "value")
    if value.ndim != 1:
        raise ValueError(f"value must be 1-D (ideas), got shape {value.shape}")
    n_ideas = value.size
    fits = np.asarray(workstream_of)
    if fits.ndim != 2 or fits.shape[0] != n_ideas:
        raise ValueError(
            f"workstream_of must have shape ({n_ideas}, n_workstreams), got {fits.shape}"
        )
    n_ws = fits.shape[1]
    fits = bool_mask(fits, (n_ideas, n_ws), "workstream_of")
    caps = whole_counts(capacity, n_ws, "capacity")
    if enabler_strength is None:
        strength = np.zeros((n_ideas, 0))
    else:
        strength = _unit(enabler_strength, None, "enabler_strength")
        if strength.ndim != 2 or strength.shape[0] != n_ideas:
            raise ValueError(
                f"enabler_strength must have shape ({n_ideas}, n_enablers), got {strength.shape}"
            )
    flags = bool_mask(inequality, (n_ideas,), "inequality")
    cw = _weight(coverage_weight, "coverage_weight")
    iw = _weight(inequality_weight, "inequality_weight")
    threshold = _weight(strength_threshold, "strength_threshold")
    qualifies = np.ones(n_ideas, dtype=bool)
    if min_value is not None:
        qualifies = value >= _weight(min_value, "min_value", negative=True)

    strong = strength >= threshold
    eligible = fits & qualifies[:, None] & (caps > 0)[None, :]
    workstream = _solve(value, eligible, caps, strong, flags, cw, iw)
    selected = workstream >= 0
    counts = np.bincount(workstream[selected], minlength=n_ws).astype(np.int64)
    covered = np.zeros((n_ws, strong.shape[1]), dtype=bool)
    for w in range(n_ws):
        covered[w] = strong[workstream == w].any(axis=0)
    objective = float(value[selected].sum() + cw * covered.sum() + iw * flags[selected].sum())
    for array in (selected, workstream, counts, caps, covered, flags):
        array.setflags(write=False)
    return PortfolioResult(
        selected=selected,
        workstream=workstream,
        counts=counts,
        capacity=caps,
        covered=covered,
        inequality=flags,
        objective=objective,
        message=_explain(fits, qualifies, caps, counts, covered, flags, selected, min_value),
    )


def top_k(value, k, *, eligible=None):
    """Return the indices of the `k` highest values, best first, ties to the lower index.

    Parameters
    ----------
    value : array_like of float, shape (n_ideas,)
        Each idea's worth; NaN is never chosen.
    k : int
        How many to return; fewer when fewer ideas are eligible.
    eligible : array_like of bool, shape (n_ideas,), optional
        Ideas that may be chosen; by default every idea with a value.

    Returns
    -------
    ndarray of int
        Indices into `value`, highest value first.
    """
    value = np.asarray(value, dtype=float)
    if value.ndim != 1:
        raise ValueError(f"value must be 1-D (ideas), got shape {value.shape}")
    k = int(whole_counts(k, 1, "k")[0])
    allowed = bool_mask(eligible, value.shape, "eligible") if eligible is not None else None
    allowed = ~np.isnan(value) if allowed is None else allowed & ~np.isnan(value)
    candidates = np.flatnonzero(allowed)
    order = candidates[np.argsort(-value[candidates], kind="stable")]
    return order[:k].astype(np.int64)


def _solve(value, eligible, caps, strong, flags, cw, iw):
    """Return each idea's workstream index in the optimal portfolio, -1 where not selected."""
    n_ideas, n_ws = eligible.shape
    workstream = np.full(n_ideas, -1, dtype=np.int64)
    rows, cols = np.nonzero(eligible)  # one x per (idea, workstream) pair, ordered by idea
    if rows.size == 0:
        return workstream
    places = int(caps.sum())
    step = _TIE / places  # below this per idea, the tie-breaking bonus
    gain = value[rows] + iw * flags[rows]
    keep = _can_be_chosen(gain, rows, cols, strong, n_ws, places, cw, step)
    rows, cols, gain = rows[keep], cols[keep], gain[keep]
    n_x = rows.size
    gain = gain + step * (1.0 - np.arange(n_x) / n_x)  # earlier idea, then workstream, wins
    # y: one per (workstream, enabler) that some remaining strong idea could cover
    can_cover = np.zeros((n_ws, strong.shape[1]), dtype=bool)
    for w in range(n_ws):
        can_cover[w] = strong[rows[cols == w]].any(axis=0)
    y_w, y_e = np.nonzero(can_cover)
    n_y = y_w.size
    y_of = np.full(can_cover.shape, -1)
    y_of[y_w, y_e] = np.arange(n_y)

    cost = -np.concatenate([gain, np.full(n_y, cw)])
    x = np.arange(n_x)
    pair, enabler = np.nonzero(strong[rows])  # x's that count towards some y
    hit = y_of[cols[pair], enabler]
    n_vars = n_x + n_y
    constraints = [
        # each idea counts once
        LinearConstraint(_matrix(rows, x, 1.0, (n_ideas, n_vars)), -np.inf, 1),
        # each workstream's capacity
        LinearConstraint(_matrix(cols, x, 1.0, (n_ws, n_vars)), -np.inf, caps),
    ]
    if n_y:
        # y_we - sum of strong x_iw <= 0
        coverage = _matrix(
            np.concatenate([np.arange(n_y), hit]),
            np.concatenate([n_x + np.arange(n_y), pair]),
            np.concatenate([np.ones(n_y), -np.ones(hit.size)]),
            (n_y, n_vars),
        )
        constraints.append(LinearConstraint(coverage, -np.inf, 0))
    result = milp(
        cost,
        integrality=(np.arange(n_vars) < n_x).astype(int),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"mip_rel_gap": 1e-9, "presolve": False},
    )
    if result.x is None:  # x = 0 is always feasible: this is a solver failure
        raise RuntimeError(f"the portfolio solver failed: {result.message}")
    chosen = result.x[:n_x] > 0.5
    workstream[rows[chosen]] = cols[chosen]
    return workstream


def _can_be_chosen(gain, rows, cols, strong, n_ws, places, cw, margin):
    """Return a mask of the (idea, workstream) pairs that some optimal portfolio may use.

    Pair (i, w) is left out when at least `places` other ideas j fitting w would each do
    strictly better in i's place, whatever tie-breaking bonus (below `margin`) either gets:
    ``gain_j > gain_i + cw * |strong_i - strong_j| + margin``, the coverage term being the
    most the swap can lose. At most ``places - 1`` other ideas are ever selected, so one such
    j is free, and swapping it in would improve any portfolio that used (i, w). On large
    instances this removes nearly every pair without changing the optimum.
    """
    keep = np.ones(rows.size, dtype=bool)
    size = strong.sum(axis=1)
    for w in range(n_ws):
        at = np.flatnonzero(cols == w)
        if at.size <= places:
            continue
        g, ideas = gain[at], rows[at]
        # cheap first pass: swaps that win even if i's every strong enabler is lost
        floor = g + margin
        better = at.size - np.searchsorted(np.sort(g), floor + cw * size[ideas], side="right")
        maybe = better < places
        check = np.flatnonzero(maybe & (size[ideas] > 0))
        if check.size:
            held = strong[ideas].astype(float)
            for chunk in np.array_split(check, -(-check.size // 512)):
                lost = held[chunk] @ (1.0 - held).T  # |strong_i - strong_j|
                wins = (g[None, :] > floor[chunk, None] + cw * lost).sum(axis=1)
                maybe[chunk] = wins < places
        keep[at] = maybe
    return keep


def _matrix(row, col, data, shape):
    """Return a sparse matrix with `data` at (`row`, `col`)."""
    data = np.broadcast_to(np.asarray(data, dtype=float), np.shape(row))
    return sparse.csr_array((data, (row, col)), shape=shape)


def _explain(fits, qualifies, caps, counts, covered, flags, selected, min_value):
    """Say in plain English what was chosen, or why nothing could be."""
    n_ideas, n_ws = fits.shape
    if n_ideas == 0:
        return "There are no ideas to choose from."
    if n_ws == 0:
        return "There are no workstreams to choose ideas for."
    if not caps.any():
        return "Every workstream has a capacity of 0, so no idea can be chosen."
    if not selected.any():
        if not fits[:, caps > 0].any():
            return "No idea fits a workstream with spare capacity, so none can be chosen."
        if not qualifies.any():
            return f"No idea is worth at least {min_value:g}, so none can be chosen."
        return "No idea that fits a workstream with capacity is worth at least the minimum."
    n = int(selected.sum())
    parts = [
        f"Chose {n} {'idea' if n == 1 else 'ideas'} for {int(caps.sum())} places across "
        f"{int((counts > 0).sum())} of {n_ws} workstreams."
    ]
    if covered.size:
        parts.append(f"They cover {int(covered.sum())} of {covered.size} workstream enablers.")
    chosen_fair = int(flags[selected].sum())
    if chosen_fair:
        parts.append(f"{chosen_fair} of them address health inequalities.")
    short = [w for w in range(n_ws) if counts[w] < caps[w]]
    if short:
        listed = ", ".join(f"workstream {w} ({counts[w]} of {caps[w]})" for w in short)
        parts.append(f"Not enough qualifying ideas to fill {listed}.")
    return " ".join(parts)


def _unit(value, shape, name):
    """Return a float array of finite values in [0, 1]."""
    array = np.asarray(value, dtype=float)
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if ((array < 0) | (array > 1)).any():
        raise ValueError(f"{name} must lie in [0, 1]")
    return array


def _weight(value, name, negative=False):
    """Return a finite float, >= 0 unless `negative` is allowed."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number") from None
    if not np.isfinite(number) or (number < 0 and not negative):
        raise ValueError(f"{name} must be a finite number{'' if negative else ' >= 0'}")
    return number
