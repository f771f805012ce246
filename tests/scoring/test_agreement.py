"""Krippendorff's alpha against the published worked example and an oracle; split verdicts."""

import math

import krippendorff  # a test-only oracle; scoring never imports it
import numpy as np
import pytest

from scoring import krippendorff_alpha, split_recommendation

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section E: observers A-D
# (rows) coding units 1-12 (columns), NaN where an observer gave no value.
WORKED_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
LEVELS = ("nominal", "ordinal", "interval")


def random_ratings(n_coders, n_units, *, seed, missing=0.2):
    """Return seeded integer ratings 1-5 with about `missing` of them NaN."""
    rng = np.random.default_rng(seed)
    data = rng.integers(1, 6, size=(n_coders, n_units)).astype(float)
    data[rng.random(data.shape) < missing] = nan
    return data


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_worked_example_matches_the_published_alphas(level, published):
    alpha = krippendorff_alpha(WORKED_EXAMPLE, level=level)
    assert isinstance(alpha, float)
    assert round(alpha, 3) == published


def test_default_level_is_interval():
    assert krippendorff_alpha(WORKED_EXAMPLE) == krippendorff_alpha(WORKED_EXAMPLE, "interval")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("domain", [None, [1, 2, 3, 4, 5]])
@pytest.mark.parametrize(
    ("shape", "seed"), [((2, 10), 1), ((3, 40), 2), ((5, 200), 3), ((8, 25), 4)]
)
def test_agrees_with_the_krippendorff_package_on_random_data(level, domain, shape, seed):
    data = random_ratings(*shape, seed=seed)
    ours = krippendorff_alpha(data, level=level, value_domain=domain)
    oracle = krippendorff.alpha(
        reliability_data=data, level_of_measurement=level, value_domain=domain
    )
    assert ours == pytest.approx(float(oracle), abs=1e-9)


def test_value_domain_guards_input_without_changing_alpha():
    data = random_ratings(4, 30, seed=5)
    data[data == 3] = 2  # a domain value nobody used
    for level in LEVELS:
        assert krippendorff_alpha(data, level, value_domain=range(1, 6)) == pytest.approx(
            krippendorff_alpha(data, level), abs=1e-12
        )


@pytest.mark.parametrize("level", [*LEVELS, "ratio"])
def test_perfect_agreement_is_one(level):
    data = [[1, 2, 3, 4, 5, nan], [1, 2, 3, 4, nan, 2], [nan, 2, 3, 4, 5, 2]]
    assert krippendorff_alpha(data, level) == 1.0


@pytest.mark.parametrize("level", LEVELS)
def test_one_value_everywhere_gives_nan(level):
    # No expected disagreement: agreement beyond chance is undefined.
    assert math.isnan(krippendorff_alpha([[3, 3, nan], [3, 3, 3]], level))


def test_systematic_disagreement_is_negative():
    assert krippendorff_alpha([[1, 5, 1, 5], [5, 1, 5, 1]], "interval") < 0


@pytest.mark.parametrize("level", LEVELS)
def test_unpairable_units_and_coder_or_unit_order_do_not_matter(level):
    data = random_ratings(4, 30, seed=6)
    alpha = krippendorff_alpha(data, level)
    lone = np.full((4, 2), nan)
    lone[1, 0], lone[3, 1] = 5, 1  # units with a single value cannot be paired
    rng = np.random.default_rng(0)
    assert krippendorff_alpha(np.hstack([data, lone]), level) == pytest.approx(alpha, abs=1e-12)
    shuffled = data[rng.permutation(4)][:, rng.permutation(30)]
    assert krippendorff_alpha(shuffled, level) == pytest.approx(alpha, abs=1e-12)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ([1, 2, 3], {}, "must be 2-D"),
        (np.ones((2, 2, 2)), {}, "must be 2-D"),
        ([[1, 2, 3]], {}, "at least 2 coders"),
        ([[1, nan], [nan, 2]], {}, "No pairable units"),
        ([[nan, nan], [nan, nan]], {}, "No pairable units"),
        (np.empty((2, 0)), {}, "No pairable units"),
        ([[1, 2], [1, 3]], {"level": "cardinal"}, "level must be one of"),
        ([[1, 2], [1, np.inf]], {}, "finite or NaN"),
        ([[1, 2], [1, 6]], {"value_domain": [1, 2, 3, 4, 5]}, "outside value_domain"),
        ([[1, 2], [1, 3]], {"value_domain": [3, 2, 1]}, "sorted ascending"),
        ([[1, 2], [1, 3]], {"value_domain": [1, 2, 2, 3]}, "sorted ascending"),
        ([[1, 2], [1, 3]], {"value_domain": []}, "non-empty 1-D"),
        ([[1, -2], [1, 3]], {"level": "ratio"}, "non-negative"),
    ],
)
def test_bad_input_raises_a_clear_error(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        krippendorff_alpha(data, **kwargs)


@pytest.mark.parametrize(
    ("recommendations", "split"),
    [
        (None, False),
        ([], False),
        (["progress", "do_not_progress"], True),
        (["progress_with_changes", None, "do_not_progress"], True),
        (["progress", "progress_with_changes"], False),
        (["do_not_progress", "do_not_progress", None], False),
        ([None, None], False),
    ],
)
def test_split_recommendation(recommendations, split):
    assert split_recommendation(recommendations) is split
    if recommendations is not None:  # any iterable will do, such as a generator
        assert split_recommendation(r for r in recommendations) is split


def test_split_recommendation_refuses_unknown_values():
    with pytest.raises(ValueError, match="Unknown recommendation"):
        split_recommendation(["progress", "maybe"])
