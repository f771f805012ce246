"""Time `krippendorff_alpha` and `disagreement_table` on a programme-sized round.

5,000 ideas, 8 criteria, 4 reviews each, about 10% of scores missing; alpha over the same
scores as a (reviewer, idea-criterion) matrix drawn from a 40-member panel.
Prints a few facts and, last, ``seconds=<best of 3 runs>``. Run: ``python bench/agreement.py``.
"""

import time

import _no_shadow  # noqa: F401  (before scoring: see bench/_no_shadow.py)
import numpy as np

from scoring import disagreement_table, krippendorff_alpha

N_IDEAS, N_CRITERIA, REVIEWS, N_MEMBERS, RUNS = 5000, 8, 4, 40, 3


def build(seed=20240601):
    """Return long-format scores and the matching reliability matrix."""
    rng = np.random.default_rng(seed)
    idea = np.repeat(np.arange(N_IDEAS), REVIEWS * N_CRITERIA)
    criterion = np.tile(np.arange(N_CRITERIA), N_IDEAS * REVIEWS)
    member = np.repeat(
        np.stack([rng.choice(N_MEMBERS, REVIEWS, replace=False) for _ in range(N_IDEAS)]),
        N_CRITERIA,
    ).ravel()
    scores = rng.integers(1, 6, idea.size).astype(float)
    scores[rng.random(idea.size) < 0.1] = np.nan
    reliability = np.full((N_MEMBERS, N_IDEAS * N_CRITERIA), np.nan)
    reliability[member, idea * N_CRITERIA + criterion] = scores
    return scores, idea, criterion, reliability


def run(scores, idea, criterion, reliability):
    """Compute the table and alpha at every level once."""
    flags = disagreement_table(scores, idea, criterion, N_IDEAS, N_CRITERIA).criteria.flags
    alphas = {lv: krippendorff_alpha(reliability, lv) for lv in ("nominal", "ordinal", "interval")}
    return flags, alphas


def main():
    data = build()
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        flags, alphas = run(*data)
        best = min(best, time.perf_counter() - start)
    ideas_flagged = int(flags.any(axis=1).sum())
    print(f"rows={data[0].size} flagged_cells={int(flags.sum())} ideas_flagged={ideas_flagged}")
    print(" ".join(f"alpha_{level}={value:.4f}" for level, value in alphas.items()))
    print(f"seconds={best:.4f}")


if __name__ == "__main__":
    main()
