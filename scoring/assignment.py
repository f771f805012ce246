"""Assign panel reviewers to ideas as an integer programme.

`assign_reviewers` gives every idea its k distinct reviewers, keeps each member's load under a
cap, never assigns a conflicted or declined member, prefers expertise matches, spreads the work
evenly, and can require at least one patient or carer partner on every idea. A plain
``linear_sum_assignment`` cannot express "k distinct members per idea" or the partner rule, so
the problem is solved exactly with ``scipy.optimize.milp`` (HiGHS).

Hard limits (conflicts, loads) are constraints; what may be impossible (coverage, the partner
rule) is met through penalised slack variables, so the solver always returns the best partial
assignment and the result names the ideas left short instead of failing. The objective is
lexicographic through its weights: fewest missing reviewers first, then fewest ideas without a
partner, then the most expertise, weighed against even loads by ``balance_weight``. The solver
(HiGHS, run to a zero gap) is deterministic: the same input gives the same assignment.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from scoring.checks import bool_mask, whole_counts

__all__ = ["AssignmentResult", "assign_reviewers"]

_LISTED = 10  # ideas named in the message before "and N more"


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """Outcome of `assign_reviewers`; plain data, arrays read-only.

    Attributes
    ----------
    matrix : ndarray of bool, shape (n_ideas, n_members)
        Every assignment, the kept (``fixed``) ones included.
    pairs : list of tuple of int
        ``(idea_index, member_index)`` pairs newly added, sorted.
    shortfall : dict of int to int
        Idea index -> number of reviewers still missing; only ideas that are short.
    missing_patient_partner : list of int
        Ideas that could not be given a patient or carer partner although one was required.
    feasible : bool
        True when no idea is short and no required partner is missing.
    loads : ndarray of int, shape (n_members,)
        Ideas per member, kept assignments included.
    max_load : ndarray of int, shape (n_members,)
        The load cap used for each member.
    objective : float
        Total affinity of all assignments in `matrix`, in the units of the input.
    message : str
        Plain English: what was achieved, or what could not be met and why.
    """

    matrix: np.ndarray
    pairs: list
    shortfall: dict
    missing_patient_partner: list
    feasible: bool
    loads: np.ndarray
    max_load: np.ndarray
    objective: float
    message: str


def assign_reviewers(
    affinity,
    *,
    reviews_per_idea=3,
    conflicts=None,
    patient_partners=None,
    require_patient_partner=False,
    max_load=None,
    fixed=None,
    forbidden=None,
    load_slack=1,
    balance_weight=0.1,
):
    """Assign k distinct reviewers to every idea, respecting conflicts, loads and partners.

    Parameters
    ----------
    affinity : array_like of float, shape (n_ideas, n_members)
        Expertise match, >= 0; a higher value is preferred.
    reviews_per_idea : int or array_like of int, shape (n_ideas,), default=3
        Reviewers wanted per idea (k). An idea with k = 0 gets none and needs no partner.
    conflicts : array_like of bool, shape (n_ideas, n_members), optional
        Pairs that are never assigned.
    patient_partners : array_like of bool, shape (n_members,), optional
        Members who are patient or carer partners.
    require_patient_partner : bool, default=False
        Require at least one patient partner among each idea's reviewers.
    max_load : int or array_like of int, shape (n_members,), optional
        Most ideas per member, kept assignments included. By default
        ``ceil(sum(k) / n_members) + load_slack`` for everyone; a lead may allow more.
    fixed : array_like of bool, shape (n_ideas, n_members), optional
        Existing assignments to keep. They count toward k, toward loads and toward the partner
        rule; only ideas still short get new reviewers (top-up).
    forbidden : array_like of bool, shape (n_ideas, n_members), optional
        Further pairs never assigned, such as members who declined the idea.
    load_slack : int, default=1
        Added to the even share when `max_load` is not given.
    balance_weight : float, default=0.1
        Price of the first review a member carries above or below their fair share, as a
        fraction of the largest affinity; the d-th review away costs d times as much. 0 ignores
        balance within the caps; larger values trade expertise for evenness.

    Returns
    -------
    AssignmentResult
        The assignment, the shortfalls and a message. Unmet coverage or partner requirements
        are reported, never raised.

    Raises
    ------
    ValueError
        If an input has the wrong shape or holds invalid values (NaN, infinite or negative
        affinity, negative k or loads), or if a kept assignment is also a conflict.
    """
    affinity = np.asarray(affinity, dtype=float)
    if affinity.ndim != 2:
        raise ValueError(f"affinity must be 2-D (ideas x members), got shape {affinity.shape}")
    if not np.isfinite(affinity).all():
        raise ValueError("affinity contains NaN or infinite values")
    if (affinity < 0).any():
        raise ValueError("affinity must be >= 0")
    n_ideas, n_members = affinity.shape
    k = whole_counts(reviews_per_idea, n_ideas, "reviews_per_idea")
    conflicts = bool_mask(conflicts, (n_ideas, n_members), "conflicts")
    forbidden = bool_mask(forbidden, (n_ideas, n_members), "forbidden")
    fixed = bool_mask(fixed, (n_ideas, n_members), "fixed")
    partners = bool_mask(patient_partners, (n_members,), "patient_partners")
    if require_patient_partner and patient_partners is None:
        raise ValueError("require_patient_partner=True needs patient_partners")
    if isinstance(load_slack, bool) or not isinstance(load_slack, int | np.integer):
        raise ValueError("load_slack must be an integer")
    if load_slack < 0:
        raise ValueError("load_slack must be >= 0")
    w = float(balance_weight)
    if not (np.isfinite(w) and w >= 0):
        raise ValueError("balance_weight must be a finite number >= 0")
    blocked = conflicts | forbidden
    if (fixed & blocked).any():
        i, j = np.argwhere(fixed & blocked)[0]
        raise ValueError(f"idea {i}, member {j} is both kept (fixed) and conflicted or forbidden")
    if max_load is None:
        share = -(-int(k.sum()) // n_members) if n_members else 0
        caps = np.full(n_members, share + load_slack, dtype=np.int64)
    else:
        caps = whole_counts(max_load, n_members, "max_load")

    fixed_count = fixed.sum(axis=1)
    fixed_load = fixed.sum(axis=0)
    need = np.maximum(k - fixed_count, 0)
    room = caps > fixed_load
    eligible = ~blocked & ~fixed & (need[:, None] > 0) & room[None, :]
    wants_partner = (
        np.asarray(require_patient_partner, dtype=bool) & (k > 0) & ~(fixed & partners).any(axis=1)
    )

    total = int(np.maximum(k, fixed_count).sum())  # reviews the panel will carry
    added = _solve(affinity, eligible, need, partners, wants_partner, caps, fixed_load, total, w)
    matrix = fixed | added
    loads = matrix.sum(axis=0).astype(np.int64)
    short = np.maximum(k - matrix.sum(axis=1), 0)
    shortfall = {int(i): int(short[i]) for i in np.flatnonzero(short)}
    no_partner = wants_partner & ~(matrix & partners).any(axis=1)
    missing = [int(i) for i in np.flatnonzero(no_partner)]
    pairs = [(int(i), int(j)) for i, j in np.argwhere(added)]
    for array in (matrix, loads, caps):
        array.setflags(write=False)
    return AssignmentResult(
        matrix=matrix,
        pairs=pairs,
        shortfall=shortfall,
        missing_patient_partner=missing,
        feasible=not shortfall and not missing,
        loads=loads,
        max_load=caps,
        objective=float(affinity[matrix].sum()),
        message=_explain(shortfall, missing, k, fixed, blocked, partners, caps, loads, pairs),
    )


def _solve(affinity, eligible, need, partners, wants_partner, caps, fixed_load, total, w):
    """Return the bool matrix of new assignments that optimises the weighted objective."""
    room = np.maximum(caps - fixed_load, 0)
    n_ideas, n_members = affinity.shape
    added = np.zeros((n_ideas, n_members), dtype=bool)
    rows, cols = np.nonzero(eligible)
    n_x = rows.size
    if n_x == 0:
        return added
    short_ideas = np.flatnonzero(need > 0)  # coverage slack s_i, one per idea still short
    partner_ideas = np.flatnonzero(wants_partner & (eligible & partners).any(axis=1))  # p_i

    # Balance: a fair share by water-filling (the level t with sum(min(cap_j, t)) = demand);
    # loads within [floor, ceil] of min(cap_j, t) are free, and each review further off costs
    # w, 2w, 3w, ... (unit segments with rising cost: a convex, piecewise-linear square that
    # the LP fills in order, so it needs no integers).
    members = np.arange(n_members)
    target = np.minimum(caps, _water_level(caps, total))
    low, high = np.floor(target + 1e-9), np.ceil(target - 1e-9)
    top = np.minimum(np.maximum(caps, fixed_load), n_ideas)  # the highest load possible
    n_over, n_under = np.maximum(top - high, 0).astype(int), low.astype(int)
    over_of, under_of = np.repeat(members, n_over), np.repeat(members, n_under)

    n_s, n_p, n_o = short_ideas.size, partner_ideas.size, over_of.size
    s0, p0, o0, u0 = n_x, n_x + n_s, n_x + n_s + n_p, n_x + n_s + n_p + n_o
    n_vars = u0 + under_of.size
    x = np.arange(n_x)

    # Lexicographic weights: the soft part (affinity scaled to [0, 1], plus balance) can never
    # outweigh one partner slack, nor all partner slacks one missing reviewer.
    balance = w * np.concatenate([_ranks(n_over), _ranks(n_under)])
    soft = min(n_x, int(need.sum())) + balance.sum()
    partner_penalty = soft + 1.0
    short_penalty = (n_p + 1) * partner_penalty
    scale = affinity[rows, cols].max() or 1.0
    cost = np.concatenate(
        [
            -affinity[rows, cols] / scale,
            np.full(n_s, short_penalty),
            np.full(n_p, partner_penalty),
            balance,
        ]
    )

    s_of = np.full(n_ideas, -1)
    s_of[short_ideas] = np.arange(n_s)
    p_of = np.full(n_ideas, -1)
    p_of[partner_ideas] = np.arange(n_p)
    hit = partners[cols] & (p_of[rows] >= 0)
    one = np.ones(n_x)
    constraints = [
        # Coverage: sum_j x_ij + s_i = need_i.
        _rows(n_s, n_vars, (s_of[rows], x, one), (np.arange(n_s), s0 + np.arange(n_s), 1)),
        # Load: sum_i x_ij <= room_j.
        _rows(n_members, n_vars, (cols, x, one)),
        # Over and under the fair share: load_j - sum_t over_jt <= high_j, + under_jt >= low_j.
        _rows(n_members, n_vars, (cols, x, one), (over_of, o0 + np.arange(n_o), -1)),
        _rows(n_members, n_vars, (cols, x, one), (under_of, u0 + np.arange(under_of.size), 1)),
        # Partner rule: sum over partners x_ij + p_i >= 1.
        _rows(n_p, n_vars, (p_of[rows[hit]], x[hit], 1), (np.arange(n_p), p0 + np.arange(n_p), 1)),
    ]
    bounds = [
        (need[short_ideas], need[short_ideas]),
        (-np.inf, room),
        (-np.inf, high - fixed_load),
        (low - fixed_load, np.inf),
        (1, np.inf),
    ]
    upper = np.concatenate([one, need[short_ideas], np.ones(n_p + n_vars - o0)])
    result = milp(
        cost,
        integrality=(np.arange(n_vars) < n_x).astype(int),
        bounds=Bounds(0, upper),
        constraints=[
            LinearConstraint(a, lb, ub)
            for a, (lb, ub) in zip(constraints, bounds, strict=True)
            if a.shape[0]
        ],
        # Presolve finds nothing to remove here and costs most of the time.
        options={"mip_rel_gap": 1e-9, "presolve": False},
    )
    if result.x is None:  # the slacks make every instance feasible: this is a solver failure
        raise RuntimeError(f"the assignment solver failed: {result.message}")
    chosen = result.x[:n_x] > 0.5
    added[rows[chosen], cols[chosen]] = True
    return added


def _rows(n_rows, n_vars, *parts):
    """Return a sparse (n_rows, n_vars) matrix from (row indices, column indices, values)."""
    r, c, v = zip(*parts, strict=True)
    values = [np.broadcast_to(value, np.shape(col)) for value, col in zip(v, c, strict=True)]
    coo = (np.concatenate(values).astype(float), (np.concatenate(r), np.concatenate(c)))
    return sparse.csr_array(coo, shape=(n_rows, n_vars))


def _ranks(counts):
    """Return 1..n for each n in `counts`, concatenated."""
    counts = np.asarray(counts, dtype=int)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(1, counts.sum() + 1) - starts


def _water_level(caps, total):
    """Return t with sum(min(caps, t)) == total, or max(caps) when total exceeds the caps."""
    ordered = np.sort(caps).astype(float)
    below = 0.0
    for index, cap in enumerate(ordered):
        level = (total - below) / (ordered.size - index)
        if level <= cap:
            return level
        below += cap
    return float(ordered[-1]) if ordered.size else 0.0


def _explain(shortfall, missing, k, fixed, blocked, partners, caps, loads, pairs):
    """Say in plain English what was assigned and what could not be met, and why."""
    if not shortfall and not missing:
        return f"Every idea has its reviewers: {len(pairs)} assignments added."
    fixed_count = fixed.sum(axis=1)
    need = np.maximum(k - fixed_count, 0)
    free = (~blocked & ~fixed).sum(axis=1)
    full = loads >= caps
    parts = []
    if shortfall:
        reasons = []
        for i, gap in shortfall.items():
            if fixed_count[i] + free[i] < k[i]:
                why = f"only {fixed_count[i] + free[i]} members are free of conflicts and declines"
            else:
                why = "the members free to review it are at their load limit"
            reasons.append(f"idea {i} needs {gap} more ({why})")
        parts.append(
            f"{_count(len(shortfall), 'idea is', 'ideas are')} short of reviewers: "
            + _listed(reasons)
            + "."
        )
    if missing:
        reasons = []
        for i in missing:
            if not partners.any():
                why = "the panel has no patient or carer partners"
            elif need[i] == 0:
                why = "its reviewers are all kept and none is a partner"
            elif not (partners & ~blocked[i]).any():
                why = "every partner is conflicted or has declined"
            elif (full | blocked[i])[partners].all():
                why = "the partners free to review it are at their load limit"
            else:  # not expected at the optimum; said plainly rather than hidden
                why = "no partner could be placed within the limits"
            reasons.append(f"idea {i} ({why})")
        parts.append(
            f"{_count(len(missing), 'idea has', 'ideas have')} no patient or carer "
            "partner: " + _listed(reasons) + "."
        )
    return " ".join(parts)


def _count(n, one, many):
    """Return "1 idea is" or "3 ideas are"."""
    return f"{n} {one if n == 1 else many}"


def _listed(items):
    """Join the first few items with semicolons and say how many more there are."""
    text = "; ".join(items[:_LISTED])
    return text + (f"; and {len(items) - _LISTED} more" if len(items) > _LISTED else "")
