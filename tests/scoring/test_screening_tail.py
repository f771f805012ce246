"""The late switch: after enough misses in a row the screening model scores with ELAS u4's SVM."""

import numpy as np
import pytest

from scoring import ScreeningModel, next_to_screen
from scoring.screening_tail import (
    PRESUMED,
    PRIMAL_FROM,
    SIMILARITY_BLOCK,
    fit_tail,
    isolation_ranks,
    isolation_weights,
    misses_in_a_row,
    nearest_similarity,
    presumed_irrelevant,
    tail_weights,
    title_twice,
)
from scoring.token_tfidf import text_tokens
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


def test_nearest_similarity_is_each_rows_best_cosine_with_another_row():
    x = np.array([[1.0, 0, 0], [2.0, 0.1, 0], [0, 0, 3.0], [0, 1.0, 1.0]])
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, -np.inf)
    assert nearest_similarity(x) == pytest.approx(cosines.max(axis=1))
    assert nearest_similarity(x[:1]).tolist() == [0.0]


def test_nearest_similarity_reads_many_rows_in_blocks_with_the_same_answer():
    rng = np.random.default_rng(1)
    x = rng.random((SIMILARITY_BLOCK + 7, 5)) ** 4
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    cosines = unit @ unit.T
    np.fill_diagonal(cosines, -np.inf)
    assert nearest_similarity(x) == pytest.approx(cosines.max(axis=1))


def test_isolation_ranks_put_close_twins_first_and_the_most_isolated_last():
    x = np.array([[1.0, 0, 0], [1.0, 0.05, 0], [1.0, 1.0, 0], [0, 0.1, 1.0]])
    # rows 0 and 1 are near twins (a tie, settled by row order); row 3 is furthest from its
    # nearest neighbour (row 2)
    assert isolation_ranks(x).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert isolation_ranks(x[[3, 2, 1, 0]]).tolist() == [4.0, 3.0, 1.0, 2.0]


def test_isolated_relevant_items_pull_the_classifier_towards_them():
    """Three relevant items, two of them twins: weighted by isolation, the SVM scores a text
    like the lone one above a text like the twins; with equal weights, the reverse."""
    x = np.array([[1.0, 0.1, 0, 0], [1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0], [0, 0, 0, 1]])
    y = np.array([1, 1, 1, 0, 0])
    probe = np.array([[1.0, 0, 0, 0.7], [0, 0, 1.0, 0.7]])
    isolated = fit_tail(x, y).decision_function(probe)
    equal = fit_tail(x, y, isolation=False).decision_function(probe)
    assert isolated[1] > isolated[0] and equal[0] > equal[1]


def test_isolation_weights_share_out_the_relevant_items_weight_and_keep_the_balance():
    x = np.array([[1.0, 0, 0], [1.0, 0.05, 0], [0, 1.0, 0.2], [0, 0.1, 1.0], [1, 1, 1]])
    y = np.array([1, 1, 1, 1, 0])
    weights = isolation_weights(x, y)
    assert weights[:4] / weights[0] == pytest.approx([1, 2, 3, 4])
    assert weights[y == 1].sum() / weights[y == 0].sum() == pytest.approx(9.8)
    lone = np.array([1, 0, 0, 0, 0])
    assert isolation_weights(x, lone) == pytest.approx(tail_weights(lone))


def test_many_labels_are_solved_in_the_primal_with_the_same_scores():
    rng = np.random.default_rng(0)
    x = rng.random((PRIMAL_FROM, 30))
    y = (x[:, 0] + 0.3 * rng.random(PRIMAL_FROM) > 1.0).astype(int)
    primal = fit_tail(x, y)
    dual = fit_tail(x[: PRIMAL_FROM - 1], y[: PRIMAL_FROM - 1])
    assert (primal.dual, dual.dual) == (False, True)
    assert np.corrcoef(primal.decision_function(x), dual.decision_function(x))[0, 1] > 0.999


def test_title_twice_says_the_titles_words_once_more_in_front():
    assert title_twice(text_tokens("Falls\nin wards")) == "falls falls\nin wards"
    assert title_twice(text_tokens("Only the title")) == "only the title"
    assert title_twice(text_tokens("Café\nbar")) == "café café\nbar\tcafe cafe\nbar"


def test_the_late_classifier_counts_a_title_twice(pool):
    """Each synthetic text's first two words made its title: the late rows, of the pool and
    of new texts, are those of the title said twice, and differ from the text read once."""
    texts, truth = pool
    texts = [" ".join(text.split()[:2]) + "\n" + " ".join(text.split()[2:]) for text in texts]
    model = ScreeningModel(switch_after=1).fit(texts)
    order, labels = labelled_in_order(truth, 1)
    model.update(labels, order=order)
    twice = model.tail_vectorizer_.transform([title_twice(text_tokens(t)) for t in texts[:3]])
    assert abs(model.transform(texts[:3]) - twice).max() == 0
    assert abs(model.tail_features_[:3] - twice).max() == pytest.approx(0, abs=1e-12)
    once = model.tail_vectorizer_.transform([text_tokens(t).replace("\n", " ") for t in texts])
    assert abs(model.tail_features_ - once).max() > 0.01


def test_presumed_irrelevant_samples_undecided_items_afresh_for_each_number_of_decisions():
    undecided = np.arange(10, 10 + 3 * PRESUMED)
    first = presumed_irrelevant(undecided, 50)
    assert first.size == PRESUMED and np.isin(first, undecided).all()
    assert np.unique(first).size == PRESUMED
    assert (presumed_irrelevant(undecided, 50) == first).all()  # the same, given the same
    assert (presumed_irrelevant(undecided, 51) != first).any()
    assert presumed_irrelevant(np.arange(5), 3).tolist() == [0, 1, 2, 3, 4]
    assert presumed_irrelevant(np.arange(0), 3).size == 0


def test_presumed_irrelevant_items_push_the_pools_common_words_down():
    """A word on every relevant item and on much of the pool ranks below a word on the
    relevant items alone once the pool's undecided items join as light irrelevant ones."""
    x = np.array([[1.0, 1.0, 0], [1.0, 0, 1.0], [0, 0, 1.0], [0, 0, 1.0]])
    y = np.array([1, 1, 0, 0])
    pool = np.tile([1.0, 0, 0], (400, 1))  # the first word is everywhere
    probe = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    alone = fit_tail(x, y).decision_function(probe)
    with_pool = fit_tail(x, y, pool).decision_function(probe)
    assert with_pool[0] < alone[0]
    assert with_pool[0] - with_pool[1] < alone[0] - alone[1]
