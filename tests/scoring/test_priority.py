"""Priority: the documented formula, explanations that add up, and ranking properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scoring
from scoring import PRIORITY_COMPONENTS, PRIORITY_WEIGHTS, Priority, priority, rank_ideas

NAN = np.nan
PROPERTY = settings(max_examples=60, deadline=None)


def test_formula_by_hand():
    # Default weights 0.6, 0.25, 0.15.
    # idea 0: panel (4.2 - 1) / 4 = 0.8 -> 0.48; relevance 0.5 -> 0.125; novelty 0.2 -> 0.03
    #         total 0.635
    # idea 1: no panel score yet -> 0 (flagged); relevance 1 -> 0.25; novelty 1 -> 0.15; 0.4
    # idea 2: calibrated 5.3 clips to 1 -> 0.6; relevance and novelty 0 -> total 0.6
    # idea 3: panel 1 -> 0; relevance missing -> 0 (flagged); novelty 0.4 -> 0.06
    result = priority([4.2, NAN, 5.3, 1.0], [0.5, 1.0, 0.0, NAN], [0.2, 1.0, 0.0, 0.4])
    assert isinstance(result, Priority)
    np.testing.assert_allclose(result.total, [0.635, 0.4, 0.6, 0.06])
    np.testing.assert_allclose(
        result.contributions,
        [[0.48, 0.125, 0.03], [0, 0.25, 0.15], [0.6, 0, 0], [0, 0, 0.06]],
    )
    np.testing.assert_array_equal(
        result.missing, [[False] * 3, [True, False, False], [False] * 3, [False, True, False]]
    )
    np.testing.assert_allclose(result.weights, [0.6, 0.25, 0.15])
    assert tuple(PRIORITY_WEIGHTS) == PRIORITY_COMPONENTS


def test_contributions_add_up_exactly():
    rng = np.random.default_rng(0)
    result = priority(rng.uniform(1, 5, 500), rng.random(500), rng.random(500))
    assert (result.contributions.sum(axis=1) == result.total).all()


def test_explanation_names_each_part():
    result = priority([4.2, NAN], [0.5, 1.0], [0.2, 1.0])
    assert result.explain(0) == (
        "priority 0.6350 = panel 0.4800 (calibrated score 4.20 of 5 -> 0.800 x weight 0.60)"
        " + relevance 0.1250 (0.500 x weight 0.25) + novelty 0.0300 (0.200 x weight 0.15)"
    )
    assert "panel 0.0000 (no panel score yet)" in result.explain(1)


def test_custom_weights_are_normalised():
    result = priority([5.0], [1.0], [0.0], weights={"panel": 2, "relevance": 1, "novelty": 1})
    np.testing.assert_allclose(result.weights, [0.5, 0.25, 0.25])
    assert result.total[0] == pytest.approx(0.75)


def test_rank_breaks_ties_by_id_and_puts_ineligible_ideas_last():
    total = [0.5, 0.7, 0.5, 0.9, 0.8]
    ids = [30, 20, 10, 40, 50]
    # 0.9 (40), 0.8 (50), 0.7 (20), then the 0.5 tie: id 10 before id 30.
    np.testing.assert_array_equal(rank_ideas(total, ids), [5, 3, 4, 1, 2])
    # Idea 50 lacks reviews: it follows every eligible idea however high its total.
    eligible = [True, True, True, True, False]
    np.testing.assert_array_equal(rank_ideas(total, ids, eligible=eligible), [4, 2, 3, 1, 5])
    result = priority([3.0, 3.0], [0.5, 0.5], [0.5, 0.5])
    np.testing.assert_array_equal(result.rank(np.array(["b", "a"])), [2, 1])


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([3.0], [1.5], [0.5]), {}, "relevance must lie in"),
        (([3.0], [0.5], [-0.1]), {}, "novelty must lie in"),
        (([np.inf], [0.5], [0.5]), {}, "infinite"),
        (([3.0, 3.0], [0.5], [0.5]), {}, "same length"),
        (([3.0], [0.5], [0.5]), {"weights": {"panel": 1}}, "exactly"),
        (([3.0], [0.5], [0.5]), {"weights": {"panel": -1, "relevance": 1, "novelty": 1}}, ">="),
        (([3.0], [0.5], [0.5]), {"weights": {"panel": 0, "relevance": 0, "novelty": 0}}, "zero"),
    ],
)
def test_invalid_priority_input_is_refused(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        priority(*args, **kwargs)


@pytest.mark.parametrize(
    ("total", "ids", "eligible", "message"),
    [
        ([0.5, NAN], [1, 2], None, "NaN for idea 2"),
        ([0.5, 0.4], [1, 1], None, "distinct"),
        ([0.5, 0.4], [1], None, "same length"),
        ([0.5, 0.4], [1, 2], [1, 0], "boolean"),
    ],
)
def test_invalid_ranking_input_is_refused(total, ids, eligible, message):
    with pytest.raises(ValueError, match=message):
        rank_ideas(total, ids, eligible=eligible)


def test_caller_arrays_stay_writable():
    panel = np.array([3.0, 4.0])
    priority(panel, [0.5, 0.5], [0.5, 0.5])
    panel[0] = 2.0


def test_public_api_is_exported_and_documented():
    names = [
        "Aggregate",
        "aggregate",
        "weighted_review_scores",
        "ReviewerCalibrator",
        "WeightSensitivity",
        "prob_top_k",
        "score_intervals",
        "weight_sensitivity",
        "Priority",
        "priority",
        "rank_ideas",
    ]
    for name in names:
        assert name in scoring.__all__
        doc = getattr(scoring, name).__doc__
        assert doc and ("Parameters" in doc or "Attributes" in doc), name


# Hypothesis strategies: a panel score (1-5, sometimes past the ends or missing) and parts
# in [0, 1] (sometimes missing).
panel_scores = st.one_of(st.floats(0.5, 5.5), st.just(NAN))
unit_scores = st.one_of(st.floats(0, 1), st.just(NAN))
ideas = st.lists(st.tuples(panel_scores, unit_scores, unit_scores), min_size=1, max_size=30)


def columns(rows):
    return [np.array(col, dtype=float) for col in zip(*rows, strict=True)]


@PROPERTY
@given(rows=ideas, eligible=st.data())
def test_no_nan_ever_reaches_a_ranking(rows, eligible):
    result = priority(*columns(rows))
    assert np.isfinite(result.total).all() and np.isfinite(result.contributions).all()
    assert ((result.total >= 0) & (result.total <= 1 + 1e-12)).all()
    mask = np.array(eligible.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows))))
    ranks = result.rank(np.arange(len(rows)), eligible=mask)
    assert sorted(ranks) == list(range(1, len(rows) + 1))
    if mask.any() and not mask.all():
        assert ranks[mask].max() < ranks[~mask].min()


@PROPERTY
@given(rows=ideas, data=st.data())
def test_ranks_do_not_depend_on_input_order(rows, data):
    n = len(rows)
    ids = np.array(data.draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True)))
    eligible = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    perm = np.array(data.draw(st.permutations(range(n))))
    panel, relevance, novelty = columns(rows)
    ranks = priority(panel, relevance, novelty).rank(ids, eligible=eligible)
    shuffled = priority(panel[perm], relevance[perm], novelty[perm])
    np.testing.assert_array_equal(shuffled.rank(ids[perm], eligible=eligible[perm]), ranks[perm])


@PROPERTY
@given(rows=ideas, data=st.data())
def test_raising_one_score_never_lowers_that_ideas_total(rows, data):
    parts = columns(rows)
    index = data.draw(st.integers(0, len(rows) - 1))
    part = data.draw(st.sampled_from(range(3)))
    old = parts[part][index]
    low, high = (0.5, 5.5) if part == 0 else (0.0, 1.0)
    # From a missing score any value is a rise; otherwise draw a value at least as high.
    raised = data.draw(st.floats(low if np.isnan(old) else old, high))
    before = priority(*parts).total[index]
    parts[part][index] = raised
    assert priority(*parts).total[index] >= before
