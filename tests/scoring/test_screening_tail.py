"""The late switch: after enough misses in a row the screening model scores with ELAS u4's SVM."""

import numpy as np
import pytest

from scoring import ScreeningModel, next_to_screen
from scoring.screening_tail import (
    PRIMAL_FROM,
    discovery_ranks,
    fit_tail,
    misses_in_a_row,
    tail_weights,
)
from tests.scoring.test_screening import synthetic_pool


@pytest.fixture(scope="module")
def pool():
    return synthetic_pool()


@pytest.mark.parametrize(
    ("decided", "run"),
    [
        ([], 0),
        ([0, 0, 0], 0),  # before the first relevant item, misses do not count
        ([1], 0),
        ([0, 1, 0, 0], 2),
        ([1, 0, 0, 0, 1, 0], 3),
        ([1, 0, 1, 0, 0], 2),
    ],
)
def test_misses_in_a_row_is_the_longest_run_after_the_first_relevant_item(decided, run):
    assert misses_in_a_row(decided) == run


def labelled_in_order(truth, n_misses):
    """Indices of one relevant item then `n_misses` irrelevant ones, and the labels vector."""
    order = [int(np.flatnonzero(truth == 1)[0]), *np.flatnonzero(truth == 0)[:n_misses]]
    labels = np.full(truth.size, -1)
    labels[order] = truth[order]
    return order, labels


def test_the_model_switches_after_enough_misses_in_a_row_and_only_with_the_order(pool):
    texts, truth = pool
    model = ScreeningModel(switch_after=5).fit(texts)
    order, labels = labelled_in_order(truth, 4)
    assert model.update(labels, order=order).mode_ == "trained"
    order, labels = labelled_in_order(truth, 5)
    assert model.update(labels).mode_ == "trained"  # no order: no switch
    assert model.update(labels, order=order).mode_ == "late"
    assert model.transform().shape == model.tail_features_.shape
    # A new text gets the late classifier's features, and scores like the pool.
    assert model.decision_function(texts[:3]) == pytest.approx(model.decision_function()[:3])
    relevance = model.predict_relevance()
    assert np.all((relevance >= 0) & (relevance <= 1))
    never = ScreeningModel(switch_after=None).fit(texts).update(labels, order=order)
    assert never.mode_ == "trained" and never.tail_features_ is None


def test_the_late_classifier_still_finds_the_relevant_items(pool):
    """Switched from the start, the SVM finds 90% of the relevant items well before random."""
    texts, truth = pool
    model = ScreeningModel(switch_after=1).fit(texts)
    order, labels = labelled_in_order(truth, 1)
    while (labels == 1).sum() < 0.9 * truth.sum():
        model.update(labels, order=order)
        assert model.mode_ == "late"
        item = int(next_to_screen(model.decision_function(), labels >= 0, threshold=0.0)[0])
        labels[item] = truth[item]
        order.append(item)
    assert len(order) < 0.3 * len(texts)


def test_the_svm_weighs_the_relevant_items_9_8_times_the_others_in_total():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    weights = tail_weights(y)
    assert weights[y == 1].sum() / weights[y == 0].sum() == pytest.approx(9.8)
    assert weights.mean() == pytest.approx(1.0)
    x = np.r_[np.eye(10)[:2] + 1.0, np.eye(10)[2:]]
    assert (fit_tail(x, y).decision_function(x) > 0).tolist() == (y == 1).tolist()


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "20"])
def test_switch_after_must_be_a_positive_integer_or_none(pool, value):
    with pytest.raises(ValueError, match="switch_after"):
        ScreeningModel(switch_after=value).fit(pool[0])


def test_an_order_outside_the_pool_is_refused(pool):
    texts, truth = pool
    model = ScreeningModel().fit(texts)
    with pytest.raises(ValueError, match="order"):
        model.update(truth, order=[0, len(texts)])


def test_discovery_ranks_run_from_the_first_relevant_item_found_to_the_last():
    y = np.array([1, 0, 1, 1, 0])
    assert discovery_ranks(y, [3, 0, 2]).tolist() == [0.5, 0.0, 1.0, 0.0, 0.0]
    assert discovery_ranks(y, [2]).tolist() == [0.0] * 5


def test_relevant_items_found_later_pull_the_classifier_towards_them():
    """Two relevant items on different words: weighted by when they were found, the SVM
    scores a text like the later one above a text like the earlier one, and the reverse."""
    x = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0, 0, 1.0]])
    y = np.array([1, 1, 0, 0])
    probe = np.array([[1.0, 0, 0.5], [0, 1.0, 0.5]])
    late_second = fit_tail(x, y, discovery_ranks(y, [0, 1])).decision_function(probe)
    late_first = fit_tail(x, y, discovery_ranks(y, [1, 0])).decision_function(probe)
    assert late_second[1] > late_second[0] and late_first[0] > late_first[1]


def test_many_labels_are_solved_in_the_primal_with_the_same_scores():
    rng = np.random.default_rng(0)
    x = rng.random((PRIMAL_FROM, 30))
    y = (x[:, 0] + 0.3 * rng.random(PRIMAL_FROM) > 1.0).astype(int)
    ranks = discovery_ranks(y, np.flatnonzero(y == 1))
    primal = fit_tail(x, y, ranks)
    dual = fit_tail(x[: PRIMAL_FROM - 1], y[: PRIMAL_FROM - 1], ranks[: PRIMAL_FROM - 1])
    assert (primal.dual, dual.dual) == (False, True)
    assert np.corrcoef(primal.decision_function(x), dual.decision_function(x))[0, 1] > 0.999
