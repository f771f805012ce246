"""Disagreement beyond the panel's usual spread, on synthetic panels whose splits are known."""

import dataclasses

import numpy as np
import pytest

from scoring import (
    DISAGREEMENT_RANGE,
    DISAGREEMENT_SIGNIFICANCE,
    Disagreement,
    SpreadTest,
    disagreement_table,
    reviewers_disagree,
)

nan = np.nan
N_CRITERIA = 12


def panel(seed, *, n_ideas=40, n_split=0, n_reviews=3, members=12, gap=(1.6, 4.4)):
    """A seeded round scored like the demo's: whole points from 1 to 5.

    Each idea has a quality, each criterion of it an offset, each member a leniency, and each
    score noise. The first `n_split` ideas split the panel: reviewers take turns to see them
    at `gap`'s high and low quality. Returns long-format rows and which ideas are split.
    """
    rng = np.random.default_rng(seed)
    truth = np.repeat(rng.uniform(2.0, 4.5, n_ideas)[:, None], n_reviews, axis=1)
    truth[:n_split] = np.where(np.arange(n_reviews) % 2 == 0, gap[1], gap[0])
    leniency = rng.normal(0, 0.35, members)
    reviewers = np.array([rng.choice(members, n_reviews, replace=False) for _ in range(n_ideas)])
    raw = (
        truth[:, :, None]
        + rng.uniform(-0.6, 0.6, (n_ideas, 1, N_CRITERIA))
        + leniency[reviewers][:, :, None]
        + rng.normal(0, 0.55, (n_ideas, n_reviews, N_CRITERIA))
    )
    scores = np.clip(np.round(raw), 1, 5)
    idea, turn, criterion = (a.ravel() for a in np.indices(scores.shape))
    rows = scores.ravel(), idea, criterion, idea * n_reviews + turn
    return rows, np.arange(n_ideas) < n_split


def table(scores, idea, criterion, review=None, n_ideas=None, n_criteria=N_CRITERIA, **kwargs):
    n_ideas = int(np.max(idea)) + 1 if n_ideas is None else n_ideas
    weights = None if review is None else np.ones(n_criteria)
    return disagreement_table(
        scores, idea, criterion, n_ideas, n_criteria, review=review, weights=weights, **kwargs
    )


def flag_rates(runs, **kwargs):
    """Share of split ideas flagged (recall) and of ordinary ones (false alarms), per run."""
    recall, false_alarms = [], []
    for seed in range(runs):
        rows, split = panel(seed, **kwargs)
        flagged = table(*rows).any
        if split.any():
            recall.append(flagged[split].mean())
        false_alarms.append(flagged[~split].mean())
    return np.mean(recall) if recall else None, np.mean(false_alarms)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_split": 4},  # a tenth of a 40-idea round
        {"n_split": 10},  # a quarter: the splits must not hide one another
        {"n_split": 4, "n_reviews": 2},
        {"n_split": 4, "n_reviews": 4},
        {"n_ideas": 11, "n_split": 3},  # a round as small as the demo's
    ],
)
def test_planted_splits_are_flagged_and_ordinary_ideas_are_not(kwargs):
    recall, false_alarms = flag_rates(20, **kwargs)
    assert recall >= 0.9  # 1.0 measured in each
    assert false_alarms <= 0.05


@pytest.mark.parametrize("n_reviews", [2, 3, 4])
def test_a_round_without_splits_flags_about_one_idea_in_twenty(n_reviews):
    # 3% to 6.3% measured: whole points on a bounded scale make the F test a little liberal
    # (ideas scored near 1 or 5 vary less than those in the middle).
    _, false_alarms = flag_rates(30, n_reviews=n_reviews)
    assert false_alarms <= DISAGREEMENT_SIGNIFICANCE + 0.02


def test_the_flag_depends_on_the_panel_not_on_a_fixed_gap():
    # A fixed gap (any criterion two points apart) flags nearly every idea of ordinary rounds.
    results = [table(*panel(seed)[0]) for seed in range(10)]
    two_points_apart = [(r.criteria.ranges >= DISAGREEMENT_RANGE).any(axis=1) for r in results]
    assert np.mean(two_points_apart) > 0.8
    assert np.mean([r.any for r in results]) < 0.1


def test_on_normal_scores_false_alarms_match_the_significance_and_splits_do_not_move_it():
    # Continuous scores, one criterion: the F test is then exact, trimming included.
    rng = np.random.default_rng(11)
    n_ideas, sigma = 4000, 0.7
    scores = rng.normal(3.0, sigma, (n_ideas, 3))
    split = np.arange(n_ideas) < 400
    scores[split] += np.array([-2.0, 2.0, 0.0])
    idea = np.repeat(np.arange(n_ideas), 3)
    result = table(scores.ravel(), idea, np.zeros(idea.size, int), n_criteria=1, min_range=1e-9)
    assert 0.035 <= result.any[~split].mean() <= 0.065
    assert result.any[split].mean() > 0.9
    assert np.median(result.criteria.usual_spread) == pytest.approx(sigma, rel=0.03)


def test_what_is_returned():
    rows, split = panel(3, n_split=2)
    result = table(*rows)
    assert isinstance(result, Disagreement) and isinstance(result.criteria, SpreadTest)
    assert result.criteria.flags.shape == (40, N_CRITERIA)
    assert result.overall.flags.shape == result.overall.usual_spread.shape == (40,)
    assert result.n_tests.tolist() == [N_CRITERIA + 1] * 40
    assert result.significance == DISAGREEMENT_SIGNIFICANCE
    assert (result.criteria.flags <= (result.criteria.ranges >= DISAGREEMENT_RANGE)).all()
    spread = result.criteria.spread[split].mean()
    assert spread > 2 * result.criteria.usual_spread[split].mean()
    assert table(*rows[:3]).overall is None  # no reviews given: no overall test
    with pytest.raises(ValueError, match="read-only"):
        result.criteria.flags[0, 0] = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall = None


def test_row_order_and_missing_rows_do_not_matter():
    (scores, idea, criterion, review), _ = panel(5, n_split=3)
    scores[::17] = nan  # "cannot score" rows are NaN
    result = table(scores, idea, criterion, review)
    order = np.random.default_rng(0).permutation(scores.size)
    shuffled = table(scores[order], idea[order], criterion[order], review[order])
    kept = ~np.isnan(scores)
    dropped = table(scores[kept], idea[kept], criterion[kept], review[kept])
    for other in (shuffled, dropped):
        for part in ("criteria", "overall"):
            for name in ("flags", "ranges", "spread", "usual_spread", "p_values"):
                np.testing.assert_allclose(
                    getattr(getattr(other, part), name), getattr(getattr(result, part), name)
                )


def one_criterion(*ideas):
    """Long-format rows for one criterion: each argument is one idea's scores."""
    scores = np.concatenate([np.asarray(s, float) for s in ideas])
    idea = np.repeat(np.arange(len(ideas)), [len(s) for s in ideas])
    return scores, idea, np.zeros(idea.size, int)


def test_one_reviewer_is_not_tested():
    result = table(*one_criterion([4], [1, 5, 5], [3, 3, 4], [4, 4, 3], [2]), n_criteria=1)
    assert result.n_tests.tolist() == [0, 1, 1, 1, 0]
    for name in ("ranges", "spread", "usual_spread", "p_values"):
        assert np.isnan(getattr(result.criteria, name)[[0, 4], 0]).all()
    assert not result.criteria.flags[[0, 4]].any()


def test_constant_scores_are_never_flagged():
    result = table(*one_criterion([3, 3, 3], [5, 5], [1, 1, 1]), n_criteria=1)
    assert not result.any.any()
    assert result.criteria.p_values.ravel().tolist() == [1.0, 1.0, 1.0]
    assert result.criteria.ranges.ravel().tolist() == [0.0, 0.0, 0.0]


def test_where_reviewers_always_agree_a_real_gap_stands_out_and_one_point_does_not():
    agreeing = [[s, s, s] for s in (1, 2, 3, 4, 5, 2, 3, 4, 3, 4)]
    result = table(*one_criterion(*agreeing, [1, 4, 4], [3, 4, 4]), n_criteria=1)
    # With no spread anywhere else, the usual variance is the rounding floor, 1/12.
    assert result.criteria.usual_spread[-1, 0] == pytest.approx(np.sqrt(1 / 12))
    assert result.criteria.p_values[-1, 0] < DISAGREEMENT_SIGNIFICANCE  # unusual, but
    assert result.criteria.flags.ravel().tolist() == [False] * 10 + [True, False]  # 1 apart


def test_one_reviewed_idea_has_no_panel_to_compare_with():
    result = table(*one_criterion([1, 5, 5], [3]), n_criteria=1)
    assert result.n_tests.tolist() == [0, 0] and not result.any.any()
    assert table([], [], [], n_ideas=2, n_criteria=3).n_tests.tolist() == [0, 0]


def test_a_stark_split_among_few_ideas_is_flagged_on_every_criterion():
    # Three ideas: no criterion's gap is sure enough alone to pass the criteria's 2.5% shared
    # out over 12, but the idea is split on every one, and Hochberg's procedure lets
    # consistent evidence add up.
    rows = [(1, 5, 5), (3, 3, 4), (4, 4, 3)]
    scores = np.repeat(np.array(rows, float).ravel(), N_CRITERIA)
    idea = np.repeat(np.arange(3), 3 * N_CRITERIA)
    review = np.repeat(np.arange(9), N_CRITERIA)
    criterion = np.tile(np.arange(N_CRITERIA), 9)
    result = table(scores, idea, criterion, review)
    assert result.criteria.flags[0].all() and result.overall.flags[0]
    assert not result.any[1:].any()
    assert (result.criteria.p_values[0] > DISAGREEMENT_SIGNIFICANCE / 2 / N_CRITERIA).all()


def test_two_reviewers_far_apart_are_flagged():
    (scores, idea, criterion, review), _ = panel(2, n_reviews=2)
    scores[idea == 0] = np.where(review[idea == 0] % 2 == 0, 5, 1)
    result = table(scores, idea, criterion, review)
    assert result.criteria.flags[0].all() and result.overall.flags[0]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (([1, 2], [0], [0, 0], 1, 1), {}, "same length"),
        (([1, 2], [0, 1], [0, 0], 1, 1), {}, r"idea indices must lie in \[0, 1\)"),
        (([1, 2], [0, 0], [0, -1], 1, 1), {}, r"criterion indices must lie in \[0, 1\)"),
        (([1, 2], [0.0, 0.0], [0, 0], 1, 1), {}, "integer indices"),
        (([1, 2], [0, 0], [0, 0], 1, 1), {"review": [0, 1]}, "give both or neither"),
        (([1, 2], [0, 1], [0, 0], 2, 1), {"review": [0, 0], "weights": [1]}, "same idea"),
        (([1, 2], [0, 0], [0, 0], 1, 1), {"significance": 1.0}, "between 0 and 1"),
        (([1, 2], [0, 0], [0, 0], 1, 1), {"min_range": 0}, "min_range must be positive"),
        (([1, 2], [0, 0], [0, 0], 1, 1), {"min_variance": -1}, "min_variance must be"),
    ],
)
def test_bad_input_raises_a_clear_error(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        disagreement_table(*args, **kwargs)


@pytest.mark.parametrize(
    ("flags", "overall", "disagree"),
    [
        ([], False, False),
        ([False, False], False, False),
        ([False, True], False, True),
        ([False, None], True, True),  # flags read back from storage may be None
        (np.array([True, False]), False, True),
    ],
)
def test_reviewers_disagree_on_a_criterion_or_overall(flags, overall, disagree):
    assert reviewers_disagree(flags, overall) is disagree


def test_reviewers_disagree_is_the_rule_behind_any():
    rows, _ = panel(4, n_split=5)
    result = table(*rows)
    for n in range(40):
        assert result.any[n] == reviewers_disagree(
            result.criteria.flags[n], result.overall.flags[n]
        )
