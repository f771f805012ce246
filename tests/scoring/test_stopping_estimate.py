"""The earlier stopping estimate: a run of not-relevant items long enough for the pool."""

import numpy as np
import pytest

from scoring import EarlyStop, irrelevant_run, stopping_p_value


def test_it_counts_the_run_since_the_last_relevant_item():
    result = irrelevant_run([0, 1, 0, 0, 1] + [0] * 7, 1000, share=0.01, minimum=5)
    assert result == EarlyStop(stop=False, run=7, needed=10, relevant_found=2)
    assert result.to_go == 3


def test_it_says_stop_once_the_run_reaches_the_share_of_the_pool():
    labels = [1, 1, 0, 1] + [0] * 50
    assert irrelevant_run(labels, 1000, share=0.05, minimum=10).stop is True
    assert irrelevant_run(labels, 1000, share=0.051, minimum=10).stop is False


def test_small_pools_need_the_minimum_run():
    result = irrelevant_run([1] + [0] * 20, 100, share=0.05, minimum=20)
    assert (result.needed, result.stop) == (20, True)
    assert irrelevant_run([1] + [0] * 19, 100, share=0.05, minimum=20).stop is False


def test_nothing_relevant_found_is_never_a_reason_to_stop():
    result = irrelevant_run([0] * 500, 600, share=0.05, minimum=10)
    assert (result.stop, result.run, result.relevant_found) == (False, 500, 0)


def test_a_fully_screened_pool_with_relevant_items_may_stop():
    assert irrelevant_run([0, 1, 0], 3, share=0.5, minimum=3).stop is True


def test_the_need_never_exceeds_the_pool():
    assert irrelevant_run([1], 10, share=0.5, minimum=50).needed == 10


@pytest.mark.parametrize(
    ("labels", "n_total", "kwargs", "message"),
    [
        ([[0, 1]], 10, {}, "one-dimensional"),
        ([0, 2], 10, {}, "0/1"),
        ([0, 1], 1, {}, "smaller than"),
        ([0, 1], 10.0, {}, "n_total"),
        ([0, 1], 10, {"share": 0}, "share"),
        ([0, 1], 10, {"share": 1.5}, "share"),
        ([0, 1], 10, {"minimum": 0}, "minimum"),
        ([0, 1], 10, {"minimum": True}, "minimum"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(labels, n_total, kwargs, message):
    with pytest.raises(ValueError, match=message):
        irrelevant_run(labels, n_total, **kwargs)


def test_it_stops_sooner_than_the_guarantee_on_a_ranked_pool():
    """On a pool ranked by a fair model, the run says stop well before the hypergeometric
    rule, and (in this easy case) with the relevant items nearly all found."""
    rng = np.random.default_rng(0)
    labels = np.zeros(2000, dtype=int)
    labels[:80] = 1
    order = labels[np.argsort(-(rng.normal(size=2000) + 4.0 * labels), kind="stable")]
    early = next(n for n in range(1, 2001) if irrelevant_run(order[:n], 2000).stop)
    guarantee = next(n for n in range(1, 2001, 10) if stopping_p_value(order[:n], 2000) < 0.05)
    assert early < guarantee
    assert order[:early].sum() / 80 >= 0.9
