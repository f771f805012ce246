"""Time `assign_reviewers` on a panel-sized instance: 600 ideas x 40 members x 3 reviews.

Seeded random affinities, about 5% conflicts and 16 patient partners (enough places for
every idea to have one), with the partner rule on.
Prints a few facts and, last, ``seconds=<best of 3 runs>``. Run: ``python bench/assignment.py``.
"""

import time

import _no_shadow  # noqa: F401  (before scoring: see bench/_no_shadow.py)
import numpy as np

from scoring import assign_reviewers

N_IDEAS, N_MEMBERS, REVIEWS, N_PARTNERS, RUNS = 600, 40, 3, 16, 3


def build(seed=20240601):
    """Return the seeded instance as keyword arguments for `assign_reviewers`."""
    rng = np.random.default_rng(seed)
    partners = np.zeros(N_MEMBERS, dtype=bool)
    partners[rng.choice(N_MEMBERS, N_PARTNERS, replace=False)] = True
    return {
        "affinity": rng.random((N_IDEAS, N_MEMBERS)),
        "reviews_per_idea": REVIEWS,
        "conflicts": rng.random((N_IDEAS, N_MEMBERS)) < 0.05,
        "patient_partners": partners,
        "require_patient_partner": True,
    }


def main():
    instance = build()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = assign_reviewers(**instance)
        times.append(time.perf_counter() - start)
    loads = result.loads
    print(
        f"instance: {N_IDEAS} ideas x {N_MEMBERS} members x {REVIEWS} reviews, "
        f"{int(instance['conflicts'].sum())} conflicts, {N_PARTNERS} patient partners"
    )
    print(
        f"feasible={result.feasible} assignments={int(result.matrix.sum())} "
        f"loads min={loads.min()} max={loads.max()} (cap {result.max_load.max()})"
    )
    places = int(result.max_load[instance["patient_partners"]].sum())
    print(
        f"short of reviewers: {len(result.shortfall)} ideas; without a patient partner: "
        f"{len(result.missing_patient_partner)} ideas ({N_PARTNERS} partners have {places} "
        f"places at the default cap for {N_IDEAS} ideas)"
    )
    print(f"mean affinity per assignment={result.objective / result.matrix.sum():.3f}")
    print(f"runs: {', '.join(f'{t:.3f}' for t in times)} s")
    print(f"seconds={min(times):.3f}")


if __name__ == "__main__":
    main()
