"""The capacity-aware portfolio: capacity, one workstream per idea, coverage, inequalities."""

import dataclasses
import itertools

import numpy as np
import pytest

from scoring import PortfolioResult, portfolio, select_portfolio, top_k


def fits_all(n_ideas, n_workstreams=1):
    return np.ones((n_ideas, n_workstreams), dtype=bool)


def test_each_workstream_takes_at_most_its_capacity():
    value = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    result = select_portfolio(value, fits_all(5, 2), [1, 2])
    assert isinstance(result, PortfolioResult)
    assert result.selected.tolist() == [True, True, True, False, False]
    assert result.counts.tolist() == [1, 2]
    assert (result.counts <= result.capacity).all()
    assert result.objective == pytest.approx(0.9 + 0.8 + 0.7)
    assert result.message == "Chose 3 ideas for 3 places across 2 of 2 workstreams."


def test_an_idea_that_fits_several_workstreams_counts_against_one():
    result = select_portfolio([0.9], fits_all(1, 3), [1, 1, 1])
    assert result.selected.tolist() == [True]
    assert result.counts.tolist() == [1, 0, 0]  # the first workstream on a tie
    assert result.workstream.tolist() == [0]
    assert "Not enough qualifying ideas to fill workstream 1 (0 of 1)" in result.message


def test_ideas_only_go_to_workstreams_they_fit():
    fits = np.array([[True, False], [True, False], [False, True]])
    result = select_portfolio([0.9, 0.8, 0.1], fits, [1, 1])
    assert result.workstream.tolist() == [0, -1, 1]


@pytest.mark.parametrize(("coverage_weight", "chosen"), [(0.4, [0, 2]), (0.3, [0, 1])])
def test_covering_an_enabler_can_beat_the_plain_top_k(coverage_weight, chosen):
    # {0, 1} is worth 0.9 + 0.85 = 1.75; {0, 2} is worth 0.9 + 0.5 + coverage_weight, as only
    # idea 2 is strong (>= 0.6) in the one enabler.
    value = np.array([0.9, 0.85, 0.5])
    strength = np.array([[0.2], [0.2], [0.8]])
    result = select_portfolio(
        value, fits_all(3), [2], enabler_strength=strength, coverage_weight=coverage_weight
    )
    assert np.flatnonzero(result.selected).tolist() == chosen
    assert top_k(value, 2).tolist() == [0, 1]
    assert result.covered.tolist() == [[chosen == [0, 2]]]
    expected = value[chosen].sum() + coverage_weight * (chosen == [0, 2])
    assert result.objective == pytest.approx(expected)


def test_coverage_is_counted_per_workstream():
    # Idea 1 covers the enabler in workstream 1; idea 0 already covers it in workstream 0.
    value = np.array([0.9, 0.5, 0.6])
    fits = np.array([[True, False], [False, True], [False, True]])
    strength = np.array([[1.0], [0.75], [0.0]])
    result = select_portfolio(value, fits, [1, 1], enabler_strength=strength, coverage_weight=0.2)
    assert result.workstream.tolist() == [0, 1, -1]
    assert result.covered.tolist() == [[True], [True]]
    assert "They cover 2 of 2 workstream enablers." in result.message


@pytest.mark.parametrize(("weight", "chosen"), [(0.05, 1), (0.0, 0), (0.01, 0)])
def test_ideas_addressing_inequalities_get_their_weight(weight, chosen):
    result = select_portfolio(
        [0.6, 0.58], fits_all(2), [1], inequality=[False, True], inequality_weight=weight
    )
    assert np.flatnonzero(result.selected).tolist() == [chosen]


def test_ties_go_to_the_idea_listed_first_every_time():
    value = np.full(6, 0.5)
    results = [select_portfolio(value, fits_all(6, 2), [1, 2]) for _ in range(3)]
    for result in results:
        assert np.flatnonzero(result.selected).tolist() == [0, 1, 2]
        assert result.workstream.tolist() == results[0].workstream.tolist()
    assert top_k(value, 3).tolist() == [0, 1, 2]


def test_min_value_leaves_weak_ideas_out():
    result = select_portfolio([0.9, 0.3, 0.2], fits_all(3), [3], min_value=0.25)
    assert result.selected.tolist() == [True, True, False]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"capacity": [0, 0]}, "Every workstream has a capacity of 0, so no idea can be chosen."),
        (
            {"capacity": [2, 0], "workstream_of": [[False, True], [False, True]]},
            "No idea fits a workstream with spare capacity, so none can be chosen.",
        ),
        ({"min_value": 0.95}, "No idea is worth at least 0.95, so none can be chosen."),
        (
            {"min_value": 0.5, "workstream_of": [[False, True], [True, False]]},
            "No idea that fits a workstream with capacity is worth at least the minimum.",
        ),
    ],
)
def test_an_empty_portfolio_says_why(kwargs, message):
    args = {"value": [0.9, 0.2], "workstream_of": fits_all(2, 2), "capacity": [1, 1]}
    args.update(kwargs)
    if "min_value" in kwargs and "workstream_of" in kwargs:
        args["capacity"] = [1, 0]
    result = select_portfolio(**args)
    assert not result.selected.any()
    assert result.counts.tolist() == [0, 0]
    assert result.objective == 0.0
    assert result.message == message


def test_nothing_to_choose_from():
    assert select_portfolio([], np.zeros((0, 2), bool), [1, 1]).message == (
        "There are no ideas to choose from."
    )
    assert select_portfolio([0.5], np.zeros((1, 0), bool), []).message == (
        "There are no workstreams to choose ideas for."
    )


def brute_force(value, fits, caps, strong, flags, cw, iw):
    """The best objective over every assignment of ideas to workstreams (or none)."""
    options = [[-1, *np.flatnonzero(row).tolist()] for row in fits]
    best = 0.0
    for choice in itertools.product(*options):
        choice = np.array(choice)
        counts = np.bincount(choice[choice >= 0], minlength=len(caps))
        if (counts > caps).any():
            continue
        covered = sum(strong[choice == w].any(axis=0).sum() for w in range(len(caps)))
        chosen = choice >= 0
        best = max(best, value[chosen].sum() + cw * covered + iw * flags[chosen].sum())
    return best


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_on_small_instances(seed):
    rng = np.random.default_rng(seed)
    n_ideas, n_ws, n_enablers = 8, 2, 3
    value = rng.random(n_ideas)
    fits = rng.random((n_ideas, n_ws)) < 0.7
    caps = rng.integers(0, 3, n_ws)
    strength = rng.random((n_ideas, n_enablers))
    flags = rng.random(n_ideas) < 0.3
    cw, iw = rng.choice([0.0, 0.1, 0.3]), rng.choice([0.0, 0.05])
    result = select_portfolio(
        value,
        fits,
        caps,
        enabler_strength=strength,
        inequality=flags,
        coverage_weight=cw,
        inequality_weight=iw,
    )
    best = brute_force(value, fits, caps, strength >= 0.6, flags, cw, iw)
    assert result.objective == pytest.approx(best, abs=1e-5)
    assert (result.counts <= caps).all()
    assert fits[result.selected, result.workstream[result.selected]].all()


@pytest.mark.parametrize("seed", range(3))
def test_leaving_out_hopeless_pairs_does_not_change_the_optimum(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n_ideas = 300
    args = (rng.random(n_ideas), rng.random((n_ideas, 3)) < 0.5, [3, 2, 4])
    options = {
        "enabler_strength": np.where(rng.random((n_ideas, 5)) < 0.1, 0.9, 0.3),
        "inequality": rng.random(n_ideas) < 0.3,
        "coverage_weight": 0.2,
    }
    pruned = select_portfolio(*args, **options)
    monkeypatch.setattr(portfolio, "_can_be_chosen", lambda gain, *_: np.ones(gain.size, bool))
    full = select_portfolio(*args, **options)
    assert pruned.objective == pytest.approx(full.objective, abs=1e-5)


def test_large_instances_are_solved_and_respect_capacity():
    rng = np.random.default_rng(7)
    n_ideas = 2_000
    fits = rng.random((n_ideas, 4)) < 0.4
    result = select_portfolio(
        rng.random(n_ideas),
        fits,
        [5, 3, 0, 4],
        enabler_strength=rng.random((n_ideas, 8)),
        inequality=rng.random(n_ideas) < 0.3,
    )
    assert result.counts.tolist() == [5, 3, 0, 4]
    assert fits[result.selected, result.workstream[result.selected]].all()


def test_result_is_frozen_and_read_only():
    result = select_portfolio([0.5, 0.4], fits_all(2), [1], enabler_strength=[[0.7], [0.1]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.objective = 0.0
    for array in (result.selected, result.workstream, result.counts, result.covered):
        with pytest.raises(ValueError):
            array[0] = 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"value": [0.5, np.nan]}, "NaN"),
        ({"value": [0.5, 1.5]}, r"\[0, 1\]"),
        ({"value": [[0.5, 0.5]]}, "1-D"),
        ({"workstream_of": np.ones((3, 2), bool)}, "workstream_of must have shape"),
        ({"workstream_of": [[2, 0], [1, 0]]}, "booleans"),
        ({"capacity": [1, -1]}, ">= 0"),
        ({"capacity": [1.5, 1]}, "whole numbers"),
        ({"capacity": [True, True]}, "whole numbers"),
        ({"capacity": [1, 1, 1]}, "shape"),
        ({"enabler_strength": np.ones((3, 2))}, "enabler_strength must have shape"),
        ({"enabler_strength": [[0.5], [-0.1]]}, r"\[0, 1\]"),
        ({"inequality": [True]}, "inequality must have shape"),
        ({"coverage_weight": -0.1}, "coverage_weight"),
        ({"inequality_weight": np.inf}, "inequality_weight"),
        ({"min_value": "high"}, "min_value must be a number"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    args = {"value": [0.5, 0.4], "workstream_of": fits_all(2, 2), "capacity": [1, 1]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        select_portfolio(**args)


def test_top_k_is_the_plain_baseline():
    value = np.array([0.2, 0.9, np.nan, 0.9, 0.5])
    assert top_k(value, 3).tolist() == [1, 3, 4]
    assert top_k(value, 10).tolist() == [1, 3, 4, 0]
    assert top_k(value, 2, eligible=[True, False, True, True, True]).tolist() == [3, 4]
    assert top_k(value, 0).tolist() == []
    with pytest.raises(ValueError, match=">= 0"):
        top_k(value, -1)
