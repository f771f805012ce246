"""Time `select_portfolio` on a programme-sized instance: 5,000 ideas x 5 workstreams.

Seeded random priorities, each idea fitting one to three workstreams, eight enablers with
strengths from panel-like mean scores (about one in five strong), about a third of ideas
addressing inequalities, and capacities of 3 to 6 per workstream.
Prints a few facts and, last, ``seconds=<best of 3 runs>``. Run: ``python bench/portfolio.py``.
"""

import time

import _no_shadow  # noqa: F401  (before scoring: see bench/_no_shadow.py)
import numpy as np

from scoring import select_portfolio, top_k, unit_score

N_IDEAS, N_WORKSTREAMS, N_ENABLERS, RUNS = 5_000, 5, 8, 3


def build(seed=20240601):
    """Return the seeded instance as keyword arguments for `select_portfolio`."""
    rng = np.random.default_rng(seed)
    fits = np.zeros((N_IDEAS, N_WORKSTREAMS), dtype=bool)
    for i, n in enumerate(rng.integers(1, 4, N_IDEAS)):
        fits[i, rng.choice(N_WORKSTREAMS, n, replace=False)] = True
    # a panel's mean criterion scores: mostly 2 to 3, about one in five at 4 or more (strong)
    means = np.clip(rng.normal(2.8, 0.8, (N_IDEAS, N_ENABLERS)), 1, 5)
    return {
        "value": rng.beta(2, 5, N_IDEAS),
        "workstream_of": fits,
        "capacity": rng.integers(3, 7, N_WORKSTREAMS),
        "enabler_strength": unit_score(means),
        "inequality": rng.random(N_IDEAS) < 0.3,
    }


def main():
    instance = build()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = select_portfolio(**instance)
        times.append(time.perf_counter() - start)
    chosen = int(result.selected.sum())
    plain = top_k(instance["value"], chosen)
    overlap = int(result.selected[plain].sum())
    print(
        f"instance: {N_IDEAS} ideas x {N_WORKSTREAMS} workstreams x {N_ENABLERS} enablers, "
        f"{int(instance['workstream_of'].sum())} idea-workstream fits, "
        f"capacity {instance['capacity'].tolist()}"
    )
    print(
        f"chosen={chosen} counts={result.counts.tolist()} "
        f"covered={int(result.covered.sum())}/{result.covered.size} "
        f"objective={result.objective:.4f}; same as plain top-{chosen}: {overlap}"
    )
    print(result.message)
    print(f"runs: {', '.join(f'{t:.3f}' for t in times)} s")
    print(f"seconds={min(times):.3f}")


if __name__ == "__main__":
    main()
