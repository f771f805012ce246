"""Aggregation of panel scores: per-cell summaries, weighted totals, sufficiency, validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import Aggregate, aggregate, weighted_review_scores

NAN = np.nan

# Four ideas, two criteria, weights 3:1 (normalised 0.75, 0.25); one row per review x criterion.
# idea 0: reviews 0, 1, 2   criterion 0: 4, 2, 5   criterion 1: 3, (blank), (cannot score)
# idea 1: reviews 3, 4      criterion 0: 1, 2      criterion 1: (blank), (blank)
# idea 2: reviews 5, 6      criterion 0: 5, 5      criterion 1: 4, 2
# idea 3: no reviews
ROWS = [
    # (idea, review, criterion, score, cannot)
    (0, 0, 0, 4, False),
    (0, 0, 1, 3, False),
    (0, 1, 0, 2, False),
    (0, 1, 1, NAN, False),
    (0, 2, 0, 5, False),
    (0, 2, 1, NAN, True),
    (1, 3, 0, 1, False),
    (1, 3, 1, NAN, False),
    (1, 4, 0, 2, False),
    (2, 5, 0, 5, False),
    (2, 5, 1, 4, False),
    (2, 6, 0, 5, False),
    (2, 6, 1, 2, False),
]


@pytest.fixture
def panel():
    idea, review, criterion, scores, cannot = (np.array(col) for col in zip(*ROWS, strict=True))
    return {
        "scores": scores.astype(float),
        "idea": idea,
        "criterion": criterion,
        "cannot": cannot,
        "review": review,
    }


def run(panel, **overrides):
    kwargs = {"n_ideas": 4, "n_criteria": 2, "weights": [3, 1], **panel, **overrides}
    return aggregate(kwargs.pop("scores"), kwargs.pop("idea"), kwargs.pop("criterion"), **kwargs)


def test_hand_computed_summaries(panel):
    result = run(panel)
    assert isinstance(result, Aggregate)
    np.testing.assert_array_equal(result.count, [[3, 1], [2, 0], [2, 2], [0, 0]])
    np.testing.assert_array_equal(result.n_cannot, [[0, 1], [0, 0], [0, 0], [0, 0]])
    # idea 0, criterion 0: mean (4 + 2 + 5) / 3 = 11/3; median 4; range 5 - 2 = 3;
    # deviations 1/3, -5/3, 4/3 -> squares sum 42/9, / (3 - 1) = 7/3, std sqrt(7/3).
    # Even counts take the middle two: idea 2, criterion 1 has (2 + 4) / 2 = 3.
    nan = NAN
    np.testing.assert_allclose(result.mean, [[11 / 3, 3], [1.5, nan], [5, 3], [nan, nan]])
    np.testing.assert_allclose(result.median, [[4, 3], [1.5, nan], [5, 3], [nan, nan]])
    np.testing.assert_allclose(result.range, [[3, 0], [1, nan], [0, 2], [nan, nan]])
    np.testing.assert_allclose(
        result.std, [[np.sqrt(7 / 3), nan], [np.sqrt(0.5), nan], [0, np.sqrt(2)], [nan, nan]]
    )
    np.testing.assert_allclose(result.weights, [0.75, 0.25])


def test_weighted_total_renormalises_over_scored_criteria_and_flags_thin_ideas(panel):
    result = run(panel)
    # idea 0: 0.75 * 11/3 + 0.25 * 3 = 2.75 + 0.75 = 3.5
    # idea 1: criterion 1 unscored, so only criterion 0 counts: 0.75 * 1.5 / 0.75 = 1.5
    # idea 2: 0.75 * 5 + 0.25 * 3 = 4.5;  idea 3: nothing scored -> NaN
    np.testing.assert_allclose(result.weighted_total, [3.5, 1.5, 4.5, NAN])
    np.testing.assert_allclose(result.weight_coverage, [1.0, 0.75, 1.0, 0.0])
    # min_reviews=2: idea 0 has one score on criterion 1, idea 1 none.
    np.testing.assert_array_equal(result.sufficient, [False, False, True, False])
    np.testing.assert_array_equal(result.n_reviews, [3, 2, 2, 0])
    assert result.min_reviews == 2
    assert run(panel, min_reviews=1).sufficient.tolist() == [True, False, True, False]


def test_without_review_ids_n_reviews_is_the_largest_weighted_count(panel):
    del panel["review"]
    np.testing.assert_array_equal(run(panel).n_reviews, [3, 2, 2, 0])


def test_zero_weight_criterion_is_summarised_but_not_weighed(panel):
    result = run(panel, weights=[1, 0])
    np.testing.assert_allclose(result.weighted_total, [11 / 3, 1.5, 5, NAN])
    np.testing.assert_array_equal(result.sufficient, [True, True, True, False])
    assert result.count[0, 1] == 1


def test_results_are_read_only(panel):
    result = run(panel)
    with pytest.raises(ValueError, match="read-only"):
        result.mean[0, 0] = 1.0


def test_matches_numpy_reference_on_random_panel():
    rng = np.random.default_rng(3)
    n_ideas, n_criteria, rows = 40, 5, 600
    idea = rng.integers(0, n_ideas, rows)
    criterion = rng.integers(0, n_criteria, rows)
    scores = rng.integers(1, 6, rows).astype(float)
    scores[rng.random(rows) < 0.1] = NAN
    weights = rng.uniform(0, 2, n_criteria)
    result = aggregate(
        scores, idea, criterion, n_ideas=n_ideas, n_criteria=n_criteria, weights=weights
    )
    for i in range(n_ideas):
        for c in range(n_criteria):
            cell = scores[(idea == i) & (criterion == c)]
            cell = cell[~np.isnan(cell)]
            assert result.count[i, c] == cell.size
            if cell.size:
                assert result.mean[i, c] == pytest.approx(cell.mean())
                assert result.median[i, c] == np.median(cell)
                assert result.range[i, c] == np.ptp(cell)
            if cell.size > 1:
                assert result.std[i, c] == pytest.approx(cell.std(ddof=1))


def test_weighted_review_scores_hand_computed(panel):
    # review 0: 0.75 * 4 + 0.25 * 3 = 3.75; review 1: only criterion 0 -> 2;
    # review 2: 5 (criterion 1 cannot be scored); review 7: no rows -> NaN.
    overall = weighted_review_scores(
        panel["scores"],
        panel["review"],
        panel["criterion"],
        n_reviews=8,
        weights=[3, 1],
        cannot=panel["cannot"],
    )
    np.testing.assert_allclose(overall, [3.75, 2, 5, 1, 2, 4.75, 4.25, NAN])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scores": [0.0]}, r"\[1, 5\]; row 0 is 0"),
        ({"scores": [5.5]}, r"\[1, 5\]"),
        ({"scores": [np.inf]}, "infinite"),
        ({"cannot": [True]}, "cannot score' but carries a score"),
        ({"weights": [-1, 2]}, ">= 0"),
        ({"weights": [0, 0]}, "all zero"),
        ({"weights": [NAN, 1]}, "NaN"),
        ({"weights": [1, 1, 1]}, "shape"),
        ({"idea": [4]}, "< 4"),
        ({"criterion": [-1]}, ">= 0"),
        ({"idea": [0.0]}, "integer"),
        ({"idea": [0, 1]}, "rows"),
        ({"cannot": [1]}, "boolean"),
        ({"min_reviews": 0}, "min_reviews"),
        ({"n_ideas": 4.0}, "n_ideas"),
    ],
)
def test_invalid_input_is_refused(change, message):
    kwargs = {"scores": [3.0], "idea": [0], "criterion": [0], "cannot": [False], **change}
    with pytest.raises(ValueError, match=message):
        run(kwargs)


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.integers(1, 5), min_size=1, max_size=24),
    data=st.data(),
)
def test_raising_one_score_never_lowers_its_ideas_total(scores, data):
    n = len(scores)
    idea = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    criterion = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    weights = data.draw(st.lists(st.floats(0.1, 3), min_size=3, max_size=3))
    row = data.draw(st.integers(0, n - 1))
    before = np.array(scores, dtype=float)
    after = before.copy()
    after[row] = data.draw(st.integers(int(before[row]), 5))
    kwargs = {"n_ideas": 3, "n_criteria": 3, "weights": weights}
    old = aggregate(before, idea, criterion, **kwargs).weighted_total[idea[row]]
    new = aggregate(after, idea, criterion, **kwargs).weighted_total[idea[row]]
    assert new >= old - 1e-12
