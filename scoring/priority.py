"""Combine the panel's verdict, relevance and novelty into one priority per idea.

The formula, with weights normalised to sum to 1 (`PRIORITY_WEIGHTS` by default)::

    total = w_panel * panel + w_relevance * relevance + w_novelty * novelty
    panel = clip((calibrated panel score - 1) / 4, 0, 1)       (`scoring.panel.unit_score`)

so a calibrated score of 1 maps to 0 and 5 to 1 (calibration can carry a score a little past
either end; the clip keeps every part on the same [0, 1] scale as relevance and novelty, and
the total in [0, 1]). Each part's contribution is its weight times its value and the total is
the sum of the contributions, so the explanation of an idea adds up exactly.

A missing part (no panel score yet, or NaN relevance or novelty) contributes 0 and is flagged
in `Priority.missing`: the idea gets no credit it has not earned, NaN never reaches a
ranking, and supplying a missing score can only raise the total. The total never decreases
when any one input rises. `rank_ideas` orders ideas by total, eligible ideas (for example
`Aggregate.sufficient`) first, and breaks ties by idea id, so ranks do not depend on the
order the ideas were given in.
"""

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from scoring.panel import unit_score

__all__ = ["PRIORITY_COMPONENTS", "PRIORITY_WEIGHTS", "Priority", "priority", "rank_ideas"]

PRIORITY_COMPONENTS = ("panel", "relevance", "novelty")
PRIORITY_WEIGHTS = MappingProxyType({"panel": 0.6, "relevance": 0.25, "novelty": 0.15})


@dataclass(frozen=True, eq=False)
class Priority:
    """Priority totals with their parts; plain data, arrays read-only.

    Attributes
    ----------
    total : ndarray of float, shape (n_ideas,)
        Priority in [0, 1], the row sums of ``contributions``; never NaN.
    contributions : ndarray of float, shape (n_ideas, 3)
        Weight times value for panel, relevance and novelty (`PRIORITY_COMPONENTS` order).
    values : ndarray of float, shape (n_ideas, 3)
        The parts on the [0, 1] scale (the panel score mapped and clipped); 0 where missing.
    missing : ndarray of bool, shape (n_ideas, 3)
        Parts that were NaN and contribute nothing.
    panel_score : ndarray of float, shape (n_ideas,)
        The calibrated panel scores given, NaN where missing.
    weights : ndarray of float, shape (3,)
        The normalised weights.
    """

    total: np.ndarray
    contributions: np.ndarray
    values: np.ndarray
    missing: np.ndarray
    panel_score: np.ndarray
    weights: np.ndarray

    def explain(self, index):
        """Return a one-line account of idea ``index``'s total, part by part."""
        parts = []
        for c, name in enumerate(PRIORITY_COMPONENTS):
            weight, value = self.weights[c], self.values[index, c]
            if self.missing[index, c]:
                why = "no panel score yet" if c == 0 else f"no {name} yet"
            elif c == 0:
                score = self.panel_score[index]
                why = f"calibrated score {score:.2f} of 5 -> {value:.3f} x weight {weight:.2f}"
            else:
                why = f"{value:.3f} x weight {weight:.2f}"
            parts.append(f"{name} {self.contributions[index, c]:.4f} ({why})")
        return f"priority {self.total[index]:.4f} = " + " + ".join(parts)

    def rank(self, ids, *, eligible=None):
        """Rank these ideas by total; see `rank_ideas`."""
        return rank_ideas(self.total, ids, eligible=eligible)


def priority(panel_score, relevance, novelty, *, weights=PRIORITY_WEIGHTS):
    """Combine calibrated panel score, relevance and novelty into a priority per idea.

    Parameters
    ----------
    panel_score : array_like of float, shape (n_ideas,)
        Calibrated panel score on the 1-5 scale (such as `ReviewerCalibrator.idea_effects_`);
        NaN when the idea has no reviews yet. Values past 1 or 5 are clipped.
    relevance, novelty : array_like of float, shape (n_ideas,)
        Scores in [0, 1]; NaN when not yet computed.
    weights : mapping of str to float, default=PRIORITY_WEIGHTS
        Weight for each of ``"panel"``, ``"relevance"`` and ``"novelty"``, >= 0 and not all
        zero; normalised to sum to 1.

    Returns
    -------
    Priority
        Totals, contributions and missing-part flags.

    Raises
    ------
    ValueError
        If the shapes differ, a value is infinite, relevance or novelty lies outside [0, 1],
        or the weights are invalid.
    """
    w = _weights(weights)
    panel = _column(panel_score, "panel_score")
    columns = [panel, _column(relevance, "relevance"), _column(novelty, "novelty")]
    if len({c.shape for c in columns}) != 1:
        raise ValueError("panel_score, relevance and novelty must have the same length")
    for name, col in zip(PRIORITY_COMPONENTS[1:], columns[1:], strict=True):
        if ((col < 0) | (col > 1)).any():
            raise ValueError(f"{name} must lie in [0, 1] (or be NaN when missing)")
    raw = np.stack(columns, axis=1)
    raw[:, 0] = unit_score(raw[:, 0])
    missing = np.isnan(raw)
    values = np.where(missing, 0.0, raw)
    contributions = values * w
    total = contributions.sum(axis=1)
    arrays = (total, contributions, values, missing, panel, w)
    for a in arrays:
        a.flags.writeable = False
    return Priority(*arrays)


def rank_ideas(total, ids, *, eligible=None):
    """Rank ideas by total, highest first, eligible ideas before the rest, ties by id.

    Parameters
    ----------
    total : array_like of float, shape (n_ideas,)
        Priority (or any score where higher is better); NaN is refused.
    ids : array_like, shape (n_ideas,)
        Distinct, sortable idea identifiers (integers or strings); the smaller id wins a tie.
    eligible : array_like of bool, shape (n_ideas,), optional
        Ideas fit to rank among the complete ones, such as `Aggregate.sufficient`; the others
        follow all eligible ideas, in their own order by total. By default all are eligible.

    Returns
    -------
    ndarray of int, shape (n_ideas,)
        Rank of each idea in input order, 1 for the first.

    Raises
    ------
    ValueError
        If a total is NaN, ids repeat, or the shapes differ.
    """
    total = _column(total, "total")
    ids = np.asarray(ids)
    eligible = np.ones(total.size, bool) if eligible is None else np.asarray(eligible)
    if ids.shape != total.shape or eligible.shape != total.shape:
        raise ValueError("total, ids and eligible must be 1-D arrays of the same length")
    if eligible.dtype != bool:
        raise ValueError("eligible must be boolean")
    if np.isnan(total).any():
        bad = ids[np.isnan(total)][0].item()
        raise ValueError(f"total is NaN for idea {bad!r}; NaN cannot be ranked")
    if np.unique(ids).size != ids.size:
        raise ValueError("ids must be distinct so that ties break the same way every time")
    order = np.lexsort((ids, -total, ~eligible))
    ranks = np.empty(total.size, dtype=np.int64)
    ranks[order] = np.arange(1, total.size + 1)
    return ranks


def _column(values, name):
    a = np.array(values, dtype=float)  # a copy: results are frozen, the caller's are not
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if np.isinf(a).any():
        raise ValueError(f"{name} contains infinite values")
    return a


def _weights(weights):
    if set(weights) != set(PRIORITY_COMPONENTS):
        raise ValueError(f"weights must give exactly {', '.join(PRIORITY_COMPONENTS)}")
    w = np.array([weights[name] for name in PRIORITY_COMPONENTS], dtype=float)
    if not (np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0):
        raise ValueError("weights must be finite, >= 0 and not all zero")
    return w / w.sum()
