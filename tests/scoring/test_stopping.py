"""The hypergeometric stopping rule and the unseen-relevant estimate, on simulated screening.

In every simulation the pool's labels are known, so the recall at the moment the rule says
"stop" and the true number of relevant items still unseen can be checked.
"""

import numpy as np
import pytest
from scipy.stats import hypergeom

from scoring import StoppingResult, estimate_remaining, stopping_p_value, stopping_rule

N_POOL, N_RELEVANT, STEP, RUNS = 400, 40, 5, 80


def brute_force_p(labels, n_total, target):
    """The paper's p-value: the minimum over every window of the last n screened items."""
    labels = np.asarray(labels)
    n_seen, r_seen = labels.size, labels.sum()
    best = 1.0
    for n in range(1, n_seen + 1):
        k = labels[n_seen - n :].sum()
        k_tar = np.floor(r_seen / target + 1e-9) + 1 - (r_seen - k)
        urn = n_total - n_seen + n
        best = min(best, 0.0 if k_tar > urn else hypergeom.cdf(k, urn, k_tar, n))
    return best


def pool_order(rng, prioritised):
    """Return a pool's labels in screening order: shuffled, or ranked by a noisy model."""
    labels = np.zeros(N_POOL, dtype=int)
    labels[:N_RELEVANT] = 1
    if not prioritised:
        return rng.permutation(labels)
    score = rng.normal(size=N_POOL) + 3.0 * labels  # relevant items tend to come first
    return labels[np.argsort(-score, kind="stable")]


def first_stop(order):
    """Return how many items were screened when the rule first said stop (checked every STEP)."""
    for n_seen in range(STEP, N_POOL + 1, STEP):
        if stopping_p_value(order[:n_seen], N_POOL) < 0.05:
            return n_seen
    return N_POOL


def stops(prioritised):
    rng = np.random.default_rng(20201201 + prioritised)
    runs = [pool_order(rng, prioritised) for _ in range(RUNS)]
    screened = np.array([first_stop(order) for order in runs])
    recall = np.array([o[:n].sum() for o, n in zip(runs, screened, strict=True)]) / N_RELEVANT
    return screened, recall


@pytest.fixture(scope="module")
def random_stops():
    return stops(prioritised=False)


@pytest.fixture(scope="module")
def ranked_stops():
    return stops(prioritised=True)


@pytest.mark.parametrize("seed", range(6))
def test_p_value_is_the_minimum_over_every_window(seed):
    rng = np.random.default_rng(seed)
    n_total = int(rng.integers(60, 200))
    n_seen = int(rng.integers(1, n_total + 1))
    labels = (rng.random(n_seen) < rng.uniform(0.02, 0.4)).astype(int)
    for target in (0.8, 0.95):
        expected = brute_force_p(labels, n_total, target)
        assert stopping_p_value(labels, n_total, recall_target=target) == pytest.approx(expected)


def test_random_order_rarely_stops_before_the_target_recall(random_stops):
    screened, recall = random_stops
    assert np.mean(recall < 0.95) <= 0.05 + 0.03  # false stops: alpha plus simulation slack
    # A random order gives no head start: it stops only near the end, but before it.
    assert np.mean(screened < N_POOL) >= 0.5


def test_ranked_order_stops_earlier_with_the_target_recall(random_stops, ranked_stops):
    ranked, recall = ranked_stops
    assert np.mean(recall >= 0.95) >= 0.95
    assert np.mean(ranked) < 0.85 * np.mean(random_stops[0])


def test_remaining_estimate_is_unbiased_in_random_order():
    rng = np.random.default_rng(7)
    errors, covered = [], []
    for _ in range(300):
        order = pool_order(rng, prioritised=False)
        n_seen = int(rng.integers(100, 300))
        truth = order[n_seen:].sum()
        est = estimate_remaining(order[:n_seen], N_POOL)
        errors.append(est.estimate - truth)
        covered.append(est.lower <= truth <= est.upper)
    assert abs(np.mean(errors)) < 1.0  # about 20 relevant items unseen on average
    assert np.mean(covered) >= 0.9


def test_remaining_estimate_leans_high_in_ranked_order():
    rng = np.random.default_rng(8)
    errors, covered = [], []
    for _ in range(200):
        order = pool_order(rng, prioritised=True)
        n_seen = int(rng.integers(50, 250))
        truth = order[n_seen:].sum()
        est = estimate_remaining(order[:n_seen], N_POOL)
        errors.append(est.estimate - truth)
        covered.append(truth <= est.upper)
    assert np.mean(errors) >= 0.0
    assert np.mean(covered) >= 0.95


def test_estimate_window_is_the_recent_rate():
    labels = [1] * 10 + [0] * 80 + [1] * 2 + [0] * 8
    est = estimate_remaining(labels, 300, window=10)
    assert est.window == 10
    assert est.estimate == pytest.approx(2 / 10 * 200)
    assert est.lower <= est.estimate <= est.upper


def test_nothing_screened():
    result = stopping_rule([], 100)
    assert isinstance(result, StoppingResult)
    assert (result.p_value, result.stop, result.n_screened) == (1.0, False, 0)
    assert np.isnan(result.estimated_remaining_relevant)
    assert result.remaining_interval == (0, 100)
    assert "Nothing has been screened" in result.message


def test_everything_screened():
    labels = [1, 0, 1, 0, 0, 1] + [0] * 14
    result = stopping_rule(labels, 20)
    assert (result.p_value, result.stop) == (0.0, True)
    assert result.estimated_remaining_relevant == 0.0
    assert result.remaining_interval == (0, 0)
    assert "all 3 relevant items were found" in result.message


def test_zero_relevant_found_needs_the_target_share_screened():
    # With nothing relevant yet, p = P(a random sample of n misses the one relevant item).
    assert stopping_p_value([0] * 50, 100) == pytest.approx(0.5)
    assert not stopping_rule([0] * 94, 100).stop
    assert stopping_rule([0] * 96, 100).stop


def test_message_speaks_plainly_and_states_the_assumption():
    rng = np.random.default_rng(3)
    order = pool_order(rng, prioritised=True)
    going = stopping_rule(order[:40], N_POOL)
    done = stopping_rule(order[: first_stop(order)], N_POOL)
    assert not going.stop and going.message.startswith("Keep screening")
    assert done.stop and done.message.startswith("You can stop")
    for result in (going, done):
        assert "95%" in result.message and "no richer in relevant items" in result.message
        low, high = result.remaining_interval
        assert 0 <= low <= high <= N_POOL - result.n_screened


@pytest.mark.parametrize(
    ("labels", "n_total", "kwargs", "match"),
    [
        ([0, 2, 1], 10, {}, "0/1"),
        ([[0, 1]], 10, {}, "one-dimensional"),
        ([0, 1, 0], 2, {}, "smaller than"),
        ([0, 1], 10.0, {}, "n_total must be an integer"),
        ([0, 1], 10, {"recall_target": 1.0}, "recall_target"),
        ([0, 1], 10, {"alpha": 0}, "alpha"),
        ([0, 1], 10, {"window": 0}, "window"),
    ],
)
def test_bad_input_raises(labels, n_total, kwargs, match):
    with pytest.raises(ValueError, match=match):
        stopping_rule(labels, n_total, **kwargs)
