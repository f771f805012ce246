"""What-if weights: re-ranking from stored scores, and the moves it causes."""

import numpy as np
import pytest

import scoring
from scoring import (
    PRIORITY_WEIGHTS,
    aggregate,
    priority,
    rank_ideas,
    rank_moves,
    reweighted_ranks,
)

NAN = np.nan


def stored(n_ideas=40, n_criteria=3, seed=0):
    """A panel's stored scores, computed as a ranking would store them."""
    rng = np.random.default_rng(seed)
    rows = 8 * n_ideas
    idea, criterion = rng.integers(0, n_ideas, rows), rng.integers(0, n_criteria, rows)
    scores = rng.integers(1, 6, rows).astype(float)
    weights = rng.uniform(0.5, 2, n_criteria)
    summary = aggregate(
        scores, idea, criterion, n_ideas=n_ideas, n_criteria=n_criteria, weights=weights
    )
    offset = rng.normal(0, 0.3, n_ideas)  # what calibration moved each idea by
    calibrated = summary.weighted_total + offset
    relevance, novelty = rng.random(n_ideas), rng.random(n_ideas)
    ids = np.arange(100, 100 + n_ideas)
    ranks = rank_ideas(
        priority(calibrated, relevance, novelty).total, ids, eligible=summary.sufficient
    )
    return {
        "criterion_means": summary.mean,
        "criterion_counts": summary.count,
        "raw_score": summary.weighted_total,
        "calibrated_score": calibrated,
        "relevance": relevance,
        "novelty": novelty,
        "ids": ids,
        "weights": weights,
        "ranks": ranks,
        "offset": offset,
    }


def rerank(data, **changes):
    args = {k: v for k, v in data.items() if k not in ("ranks", "offset")}
    return reweighted_ranks(**{**args, **changes})


def test_current_weights_keep_every_rank():
    for seed in range(5):
        data = stored(seed=seed)
        np.testing.assert_array_equal(rerank(data), data["ranks"])
        # scaled weights are the same weights
        np.testing.assert_array_equal(rerank(data, weights=data["weights"] * 7), data["ranks"])


def test_new_weights_match_a_full_recomputation_keeping_calibration_offsets():
    data = stored(seed=3)
    weights = np.array([5.0, 0.0, 1.0])
    means = data["criterion_means"]
    present = ~np.isnan(means) & (weights > 0)
    assert (present @ weights > 0).all()  # every idea has a score on a weighted criterion
    new_raw = np.where(present, np.nan_to_num(means), 0) @ weights / (present @ weights)
    calibrated = new_raw + data["offset"]
    sufficient = (data["criterion_counts"][:, weights > 0] >= 2).all(axis=1)
    new_weights = {"panel": 1.0, "relevance": 0.5, "novelty": 0.0}
    expected = rank_ideas(
        priority(calibrated, data["relevance"], data["novelty"], weights=new_weights).total,
        data["ids"],
        eligible=sufficient,
    )
    got = rerank(data, weights=weights, priority_weights=new_weights)
    np.testing.assert_array_equal(got, expected)
    assert (got != data["ranks"]).any()


def test_an_idea_ranks_on_its_own_best_criterion_when_that_gains_weight():
    # idea 10 is best on criterion 0, idea 11 on criterion 1; both fully reviewed
    means = [[5.0, 1.0], [2.0, 4.0]]
    counts = [[2, 2], [2, 2]]
    common = dict(
        criterion_means=means,
        criterion_counts=counts,
        raw_score=[3.0, 3.0],
        calibrated_score=[3.0, 3.0],
        relevance=[0.5, 0.5],
        novelty=[0.5, 0.5],
        ids=[10, 11],
        priority_weights={"panel": 1, "relevance": 0, "novelty": 0},
    )
    assert reweighted_ranks(**common, weights=[1, 0]).tolist() == [1, 2]
    assert reweighted_ranks(**common, weights=[0, 1]).tolist() == [2, 1]


def test_insufficient_ideas_rank_last_and_unscored_ideas_keep_no_panel_score():
    means = [[5.0, 5.0], [2.0, 2.0], [NAN, NAN]]
    counts = [[1, 2], [2, 2], [0, 0]]
    ranks = reweighted_ranks(
        means,
        counts,
        [5.0, 2.0, NAN],
        [5.0, 2.0, NAN],
        [0.0, 0.0, 1.0],
        [0.0, 0.0, 1.0],
        [1, 2, 3],
        weights=[1, 1],
    )
    assert ranks.tolist() == [2, 1, 3]
    # only criterion 1 weighted: idea 1 now has enough scores and ranks first
    scores = [5.0, 2.0, NAN]
    parts = [0.0, 0.0, 1.0]
    ranks = reweighted_ranks(means, counts, scores, scores, parts, parts, [1, 2, 3], weights=[0, 1])
    assert ranks.tolist() == [1, 2, 3]


def test_no_ideas_give_no_ranks():
    empty = np.empty((0, 2))
    ranks = reweighted_ranks(empty, empty, [], [], [], [], [], weights=[1, 1])
    assert ranks.shape == (0,)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"criterion_counts": np.zeros((40, 2))}, "n_ideas, n_criteria"),
        ({"raw_score": np.zeros(39)}, "one value per idea"),
        ({"weights": [0, 0, 0]}, "all zero"),
        ({"priority_weights": {"panel": 1}}, "exactly"),
        ({"min_reviews": 0}, "min_reviews"),
    ],
)
def test_invalid_input_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        rerank(stored(), **change)


def test_rank_moves_biggest_first_then_by_new_rank():
    before = [1, 2, 3, 4, 5, 6]
    after = [2, 1, 6, 4, 3, 5]
    # moves: idea 0 down 1, idea 1 up 1, idea 2 down 3, idea 4 up 2, idea 5 up 1
    assert rank_moves(before, after).tolist() == [2, 4, 1, 0, 5]
    assert rank_moves(before, before).tolist() == []
    assert rank_moves([], []).tolist() == []
    with pytest.raises(ValueError, match="same length"):
        rank_moves([1, 2], [1])


def test_public_and_documented():
    assert {"reweighted_ranks", "rank_moves"} <= set(scoring.__all__)
    assert PRIORITY_WEIGHTS["panel"] > 0
    for function in (reweighted_ranks, rank_moves):
        assert "Parameters" in function.__doc__ and "Returns" in function.__doc__
