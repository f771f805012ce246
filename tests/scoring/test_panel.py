"""The panel's rules: weighted totals, sufficiency, the 1-5 to [0, 1] mapping, weight checks."""

import numpy as np
import pytest

import scoring
from scoring import (
    MIN_REVIEWS,
    aggregate,
    priority,
    sufficient_reviews,
    unit_score,
    weighted_total,
)

NAN = np.nan


def test_weighted_total_renormalises_over_the_criteria_scored():
    means = [[4.0, 2.0, NAN], [NAN, 3.0, NAN], [NAN, NAN, 5.0], [NAN, NAN, NAN]]
    total, coverage = weighted_total(means, [3, 1, 0])
    # idea 0: (0.75 * 4 + 0.25 * 2) / 1 = 3.5; idea 1: only criterion 1 -> 3;
    # idea 2: its one score is on a criterion of weight 0, so nothing counts; idea 3: nothing
    np.testing.assert_allclose(total, [3.5, 3.0, NAN, NAN])
    np.testing.assert_allclose(coverage, [1.0, 0.25, 0.0, 0.0])


def test_weighted_total_is_aggregates_total():
    rng = np.random.default_rng(5)
    idea, criterion = rng.integers(0, 30, 300), rng.integers(0, 4, 300)
    scores = rng.integers(1, 6, 300).astype(float)
    weights = rng.uniform(0, 2, 4)
    summary = aggregate(scores, idea, criterion, n_ideas=30, n_criteria=4, weights=weights)
    total, coverage = weighted_total(summary.mean, weights)
    np.testing.assert_array_equal(total, summary.weighted_total)
    np.testing.assert_array_equal(coverage, summary.weight_coverage)
    np.testing.assert_array_equal(sufficient_reviews(summary.count, weights), summary.sufficient)


def test_sufficient_needs_min_reviews_on_every_weighted_criterion():
    counts = [[2, 2, 0], [2, 1, 5], [3, 4, 1], [0, 0, 0]]
    assert MIN_REVIEWS == 2
    assert sufficient_reviews(counts, [1, 1, 0]).tolist() == [True, False, True, False]
    assert sufficient_reviews(counts, [1, 1, 1]).tolist() == [False, False, False, False]
    assert sufficient_reviews(counts, [1, 1, 0], 1).tolist() == [True, True, True, False]
    assert sufficient_reviews(counts, [0, 0, 1], 1).tolist() == [False, True, True, False]


def test_aggregate_uses_min_reviews_by_default():
    summary = aggregate([3.0, 4.0], [0, 0], [0, 0], n_ideas=1, n_criteria=1, weights=[1])
    assert summary.min_reviews == MIN_REVIEWS and summary.sufficient.tolist() == [True]


@pytest.mark.parametrize(
    ("score", "expected"),
    [(1.0, 0.0), (5.0, 1.0), (3.0, 0.5), (4.2, 0.8), (0.7, 0.0), (5.3, 1.0)],
)
def test_unit_score_maps_one_to_five_onto_zero_to_one(score, expected):
    value = unit_score(score)
    assert isinstance(value, float) and value == pytest.approx(expected)


def test_unit_score_keeps_arrays_and_missing_values():
    np.testing.assert_allclose(unit_score([1.0, NAN, 3.0]), [0.0, NAN, 0.5])
    assert unit_score(np.empty(0)).shape == (0,)


def test_priority_panel_part_is_unit_score():
    panel = np.array([0.8, 1.0, 2.6, 4.99, 5.4])
    result = priority(panel, np.zeros(5), np.zeros(5))
    np.testing.assert_array_equal(result.values[:, 0], unit_score(panel))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: weighted_total([1.0, 2.0], [1, 1]), "2-D"),
        (lambda: weighted_total([[np.inf]], [1]), "infinite"),
        (lambda: weighted_total([[1.0, 2.0]], [1]), "shape"),
        (lambda: weighted_total([[1.0]], [0]), "all zero"),
        (lambda: weighted_total([[1.0]], [-1]), ">= 0"),
        (lambda: sufficient_reviews([[2]], [1], 0), ">= 1"),
        (lambda: sufficient_reviews([[2]], [1], 1.5), "integer"),
        (lambda: sufficient_reviews([2], [1]), "2-D"),
    ],
)
def test_invalid_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_public_and_documented():
    for name in ("MIN_REVIEWS", "sufficient_reviews", "unit_score", "weighted_total"):
        assert name in scoring.__all__
    for function in (sufficient_reviews, unit_score, weighted_total):
        assert "Parameters" in function.__doc__ and "Returns" in function.__doc__
