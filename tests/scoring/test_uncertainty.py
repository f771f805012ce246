"""Model-based intervals, chances of a top-k place, and sensitivity of ranks to weights."""

import itertools

import numpy as np
import pytest
from scipy import stats

from scoring import (
    ReviewerCalibrator,
    WeightSensitivity,
    prob_top_k,
    score_intervals,
    weight_sensitivity,
)

NAN = np.nan


def test_intervals_by_hand_normal_and_student_t():
    # sigma^2 = 0.75 and n = 3: standard error sqrt(0.75 / 3) = 0.5.
    # Published quantiles: z(0.95) = 1.644854, t(0.95; 2 df) = 2.919986, t(0.975; 10) = 2.228139.
    lower, upper = score_intervals([3.0, 4.0], 0.75, [3, 3])
    np.testing.assert_allclose(lower, [3 - 0.822427, 4 - 0.822427], atol=1e-6)
    np.testing.assert_allclose(upper, [3 + 0.822427, 4 + 0.822427], atol=1e-6)
    lower, upper = score_intervals([3.0], 0.75, [3], dof=2)
    np.testing.assert_allclose([lower[0], upper[0]], [3 - 1.459993, 3 + 1.459993], atol=1e-6)
    lower, upper = score_intervals([2.0], 1.0, [1], level=0.95, dof=10)
    np.testing.assert_allclose([lower[0], upper[0]], [2 - 2.228139, 2 + 2.228139], atol=1e-6)


def test_ideas_without_reviews_get_no_interval():
    lower, upper = score_intervals([3.0, NAN, 2.0], 0.5, [2, 0, 0])
    assert np.isfinite([lower[0], upper[0]]).all()
    assert np.isnan(lower[1:]).all() and np.isnan(upper[1:]).all()


def test_intervals_from_the_fitted_model_cover_the_truth_at_the_stated_rate():
    rng = np.random.default_rng(11)
    n_ideas, n_reviewers, reviews = 2000, 40, 3
    quality = rng.normal(3.0, 0.6, n_ideas)
    offset = rng.normal(0.0, 0.4, n_reviewers)
    offset -= offset.mean()
    idea = np.repeat(np.arange(n_ideas), reviews)
    reviewer = np.argsort(rng.random((n_ideas, n_reviewers)), axis=1)[:, :reviews].ravel()
    scores = quality[idea] + offset[reviewer] + rng.normal(0.0, 0.5, idea.size)
    cal = ReviewerCalibrator().fit(scores, idea, reviewer)
    for level in (0.5, 0.9):
        lower, upper = score_intervals(
            cal.idea_effects_, cal.residual_variance_, cal.n_reviews_, level=level, dof=cal.dof_
        )
        covered = np.mean((lower <= quality) & (quality <= upper))
        # Binomial standard error sqrt(0.9 * 0.1 / 2000) = 0.0067; allow about 3 of them.
        assert covered == pytest.approx(level, abs=0.02), (level, covered)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([3.0], 1.0, [1, 2]), {}, "same length"),
        (([3.0], -1.0, [1]), {}, "residual_variance"),
        (([3.0], 1.0, [-1]), {}, "n_reviews"),
        (([np.inf], 1.0, [1]), {}, "infinite"),
        (([3.0], 1.0, [1]), {"level": 1.0}, "level"),
        (([3.0], 1.0, [1]), {"dof": 0}, "dof"),
    ],
)
def test_invalid_interval_input_is_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        score_intervals(*args, **kwargs)


def test_top_k_of_clearly_separated_ideas_is_certain():
    centre = np.array([1.0, 5.0, 2.0, 4.0, 3.0, NAN])
    prob = prob_top_k(centre, np.full(6, 0.01), 2, n_draws=500)
    np.testing.assert_array_equal(prob, [0, 1, 0, 1, 0, 0])


def test_top_one_of_two_matches_the_normal_distribution():
    # Scores 0 and d with standard errors 1: P(second wins) = Phi(d / sqrt(2)).
    d = 0.5
    prob = prob_top_k([0.0, d], [1.0, 1.0], 1, n_draws=40000, seed=1)
    expected = stats.norm.cdf(d / np.sqrt(2))  # 0.638163
    assert prob[1] == pytest.approx(expected, abs=0.01)
    assert prob.sum() == pytest.approx(1.0)


def test_top_k_probabilities_sum_to_k_and_are_seeded():
    rng = np.random.default_rng(2)
    centre, se = rng.normal(3, 0.5, 300), rng.uniform(0.1, 0.4, 300)
    prob = prob_top_k(centre, se, 20, n_draws=1000, seed=7)
    assert prob.sum() == pytest.approx(20)
    assert ((prob >= 0) & (prob <= 1)).all()
    np.testing.assert_array_equal(prob, prob_top_k(centre, se, 20, n_draws=1000, seed=7))
    # Higher centre with the same uncertainty never has a much lower chance.
    same = prob_top_k(centre, np.full(300, 0.2), 20, n_draws=1000)
    order = np.argsort(centre)
    assert np.corrcoef(np.arange(300), same[order])[0, 1] > 0.5


def test_top_k_edge_cases():
    assert prob_top_k([1.0, 2.0], [0.1, 0.1], 0).tolist() == [0, 0]
    assert prob_top_k([1.0, 2.0, NAN], [0.1, 0.1, 0.1], 5).tolist() == [1, 1, 0]
    assert prob_top_k([], [], 3).tolist() == []


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1.0], [-0.1], 1), {}, ">= 0"),
        (([1.0], [0.1, 0.1], 1), {}, "same length"),
        (([np.inf], [0.1], 1), {}, "infinite"),
        (([1.0], [0.1], -1), {}, "k must"),
        (([1.0], [0.1], 1.5), {}, "k must"),
        (([1.0], [0.1], 1), {"n_draws": 0}, "n_draws"),
    ],
)
def test_invalid_top_k_input_is_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        prob_top_k(*args, **kwargs)


def test_sensitivity_is_zero_when_each_ideas_criteria_agree():
    means = np.repeat(np.array([[4.0], [2.5], [3.0], [2.5], [1.0]]), 4, axis=1)
    result = weight_sensitivity(means, [1.0, 2.0, 0.5, 1.5])
    assert isinstance(result, WeightSensitivity)
    np.testing.assert_array_equal(result.rank, [1, 3, 2, 3, 5])
    assert (result.max_shift == 0).all()
    assert (result.criterion == -1).all() and (result.direction == 0).all()


def test_sensitivity_by_hand():
    # Weights 2:1:1. Totals: P (4, 2, 2) -> 3.0, Q (2, 4, 4) -> 3.0, R (3, 3, 3.4) -> 3.1,
    # S (1, 1, 1) -> 1; T has no score on criterion 2 and is not ranked.
    # Base ranks R 1, P 2, Q 2 (tied), S 4.
    # Weight 0 up 25% (2.5:1:1): P 14/4.5 = 3.111, R 13.9/4.5 = 3.089, Q 13/4.5 = 2.889
    #   -> P 1, R 2, Q 3: every one of P, Q, R moves one place, caused first by this change.
    # Weight 1 down (2:0.75:1): R 3.107, P 3.067, Q 2.933 -> Q moves 2 -> 3 only.
    means = [[4, 2, 2], [2, 4, 4], [3, 3, 3.4], [1, 1, 1], [5, 5, NAN]]
    result = weight_sensitivity(means, [2, 1, 1])
    np.testing.assert_array_equal(result.rank, [2, 2, 1, 4, -1])
    np.testing.assert_array_equal(result.max_shift, [1, 1, 1, 0, -1])
    np.testing.assert_array_equal(result.criterion, [0, 0, 0, -1, -1])
    np.testing.assert_array_equal(result.direction, [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(result.ranked, [True, True, True, True, False])


def test_sensitivity_matches_a_brute_force_reference():
    rng = np.random.default_rng(9)
    means = rng.uniform(1, 5, (60, 4)).round(1)
    weights = np.array([1.0, 2.0, 0.0, 1.5])
    result = weight_sensitivity(means, weights, change=0.25)

    def ranks(w):
        totals = np.round(means @ (w / w.sum()), 10)
        return np.array([1 + np.sum(totals > t) for t in totals])

    base = ranks(weights)
    shifts = np.zeros(60, dtype=int)
    for c, factor in itertools.product(range(4), (1.25, 0.75)):
        w = weights.copy()
        w[c] *= factor
        shifts = np.maximum(shifts, np.abs(ranks(w) - base))
    np.testing.assert_array_equal(result.rank, base)
    np.testing.assert_array_equal(result.max_shift, shifts)
    assert (result.criterion != 2).all()  # a zero weight stays zero, so never the cause


@pytest.mark.parametrize(
    ("means", "weights", "change", "message"),
    [
        ([[1.0, 2.0]], [1.0], 0.25, "n_criteria"),
        ([[1.0, np.inf]], [1.0, 1.0], 0.25, "infinite"),
        ([[1.0, 2.0]], [0.0, 0.0], 0.25, "weights"),
        ([[1.0, 2.0]], [1.0, -1.0], 0.25, "weights"),
        ([[1.0, 2.0]], [1.0, 1.0], 1.5, "change"),
    ],
)
def test_invalid_sensitivity_input_is_refused(means, weights, change, message):
    with pytest.raises(ValueError, match=message):
        weight_sensitivity(means, weights, change=change)
