"""Reviewer calibration: hand-computed fits, recovery of known offsets, better rankings."""

import numpy as np
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from scoring import ReviewerCalibrator

# Two ideas each reviewed by the same two reviewers (idea, reviewer, score):
# (0, 0, 4), (0, 1, 2), (1, 0, 5), (1, 1, 3).
TINY = ([4.0, 2.0, 5.0, 3.0], [0, 0, 1, 1], [0, 1, 0, 1])


def synthetic(n_ideas=2000, n_reviewers=30, reviews=3, *, seed=0, noise=0.3, spread=0.5):
    """Return seeded reviews with known idea qualities and zero-sum reviewer offsets."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(3.0, 0.5, n_ideas)
    offset = rng.normal(0.0, spread, n_reviewers)
    offset -= offset.mean()
    idea = np.repeat(np.arange(n_ideas), reviews)
    reviewer = np.argsort(rng.random((n_ideas, n_reviewers)), axis=1)[:, :reviews].ravel()
    scores = quality[idea] + offset[reviewer] + rng.normal(0.0, noise, idea.size)
    return scores, idea, reviewer, quality, offset


def test_least_squares_fit_by_hand():
    # Reviewer 0 scores 2 above reviewer 1 on both ideas: offsets +1 and -1 (sum zero),
    # ideas 3 and 4, and the fit is exact.
    cal = ReviewerCalibrator(shrinkage=0).fit(*TINY)
    np.testing.assert_allclose(cal.offsets_, [1, -1])
    np.testing.assert_allclose(cal.idea_effects_, [3, 4])
    # 4 reviews - 2 ideas - 1 free offset (sum-to-zero) = 1 residual degree of freedom.
    assert cal.dof_ == pytest.approx(1)
    assert cal.residual_variance_ == pytest.approx(0, abs=1e-20)
    np.testing.assert_array_equal(cal.n_reviews_, [2, 2])
    np.testing.assert_array_equal(cal.reviewer_counts_, [2, 2])


def test_ridge_fit_by_hand():
    # Mean 3.5; with idea effects profiled out the offsets solve (C + I) b = h with
    # C = [[1, -1], [-1, 1]] and h = [2, -2], so b = +-2 / (2 + 1) = +-2/3.
    # Idea effects stay 3 and 4; residuals +-1/3, RSS = 4/9.
    # Effective parameters: 2 ideas + 2 / (2 + 1) = 8/3, so dof = 4 - 8/3 = 4/3
    # and the residual variance is (4/9) / (4/3) = 1/3.
    cal = ReviewerCalibrator(shrinkage=1.0).fit(*TINY)
    np.testing.assert_allclose(cal.offsets_, [2 / 3, -2 / 3])
    np.testing.assert_allclose(cal.idea_effects_, [3, 4])
    assert cal.dof_ == pytest.approx(4 / 3)
    assert cal.residual_variance_ == pytest.approx(1 / 3)
    np.testing.assert_allclose(cal.idea_std_errors_, np.sqrt([1 / 6, 1 / 6]))
    np.testing.assert_allclose(cal.transform([4.0, 2.0], [0, 1]), [10 / 3, 8 / 3])


def test_matches_dense_penalised_least_squares():
    scores, idea, reviewer, *_ = synthetic(60, 8, seed=4)
    lam = 2.5
    cal = ReviewerCalibrator(shrinkage=lam).fit(scores, idea, reviewer)
    # Oracle: unpenalised idea columns, reviewer columns with sqrt(lam) ridge rows.
    design = np.zeros((scores.size + 8, 60 + 8))
    design[np.arange(scores.size), idea] = 1
    design[np.arange(scores.size), 60 + reviewer] = 1
    design[scores.size + np.arange(8), 60 + np.arange(8)] = np.sqrt(lam)
    target = np.concatenate([scores, np.zeros(8)])
    solution = np.linalg.lstsq(design, target, rcond=None)[0]
    np.testing.assert_allclose(cal.idea_effects_, solution[:60], atol=1e-10)
    np.testing.assert_allclose(cal.offsets_, solution[60:], atol=1e-10)


def test_recovers_known_offsets():
    scores, idea, reviewer, _, offset = synthetic()
    cal = ReviewerCalibrator(shrinkage=1.0).fit(scores, idea, reviewer)
    # 200 reviews each and noise 0.3: standard error about 0.3 * sqrt(1.5 / 200) = 0.026.
    assert np.abs(cal.offsets_ - offset).max() < 0.1
    assert np.corrcoef(cal.offsets_, offset)[0, 1] > 0.99
    assert cal.residual_variance_ == pytest.approx(0.3**2, rel=0.1)
    assert cal.offsets_.sum() == pytest.approx(0, abs=1e-9)


def test_calibrated_ranks_beat_raw_means():
    scores, idea, reviewer, quality, _ = synthetic(noise=0.4, spread=0.6)
    raw = np.bincount(idea, scores) / np.bincount(idea)
    calibrated = ReviewerCalibrator().fit(scores, idea, reviewer).idea_effects_
    raw_rho = stats.spearmanr(raw, quality).statistic
    cal_rho = stats.spearmanr(calibrated, quality).statistic
    assert cal_rho > raw_rho + 0.05, (raw_rho, cal_rho)


def test_shrinkage_pulls_sparse_reviewers_toward_zero():
    scores, idea, reviewer, *_ = synthetic(300, 10, seed=2)
    # A newcomer who reviewed two ideas and scored them 1.5 above the rest.
    extra_ideas = np.array([0, 1])
    extra = np.bincount(idea, scores)[extra_ideas] / 3 + 1.5
    scores = np.concatenate([scores, extra])
    idea = np.concatenate([idea, extra_ideas])
    reviewer = np.concatenate([reviewer, [10, 10]])
    newcomer = [
        ReviewerCalibrator(shrinkage=s).fit(scores, idea, reviewer).offsets_[10]
        for s in (0.0, 1.0, 10.0)
    ]
    assert newcomer[0] > newcomer[1] > newcomer[2] > 0
    assert newcomer[0] > 1.0


def test_scales_are_recovered():
    rng = np.random.default_rng(5)
    scores, idea, reviewer, quality, offset = synthetic(1500, 20, seed=5, noise=0.2)
    scale = rng.uniform(0.6, 1.4, 20)
    scores = 3 + offset[reviewer] + scale[reviewer] * (quality[idea] - 3)
    scores += rng.normal(0, 0.2, idea.size)
    cal = ReviewerCalibrator(scale=True).fit(scores, idea, reviewer)
    assert np.corrcoef(cal.scales_, scale)[0, 1] > 0.98
    assert 0 < cal.n_iter_ <= 100
    additive = ReviewerCalibrator().fit(scores, idea, reviewer)
    assert cal.residual_variance_ < additive.residual_variance_
    back = cal.transform(scores, reviewer)
    expected = cal.centre_ + (scores - cal.centre_ - cal.offsets_[reviewer]) / cal.scales_[reviewer]
    np.testing.assert_allclose(back, expected)


def test_missing_scores_reviewers_and_ideas():
    scores, idea, reviewer = (np.array(a) for a in TINY)
    with_nan = ReviewerCalibrator().fit(
        np.append(scores, np.nan), np.append(idea, 2), np.append(reviewer, 1), n_reviewers=3
    )
    plain = ReviewerCalibrator().fit(scores, idea, reviewer)
    np.testing.assert_allclose(with_nan.offsets_, np.append(plain.offsets_, 0))
    assert np.isnan(with_nan.idea_effects_[2]) and np.isnan(with_nan.idea_std_errors_[2])
    np.testing.assert_array_equal(with_nan.n_reviews_, [2, 2, 0])
    np.testing.assert_array_equal(with_nan.reviewer_counts_, [2, 2, 0])


def test_one_review_per_idea_leaves_no_residual_information():
    cal = ReviewerCalibrator(shrinkage=0).fit([3.0, 4.0], [0, 1], [0, 1])
    assert np.isnan(cal.residual_variance_)


def test_fit_transform_keeps_hyperparameters_unchanged():
    cal = ReviewerCalibrator(shrinkage=0)
    np.testing.assert_allclose(cal.fit_transform(*TINY), [3, 3, 4, 4])
    assert cal.get_params() == {"shrinkage": 0, "scale": False, "max_iter": 100, "tol": 1e-8}
    assert repr(cal) == "ReviewerCalibrator(shrinkage=0)"
    assert not hasattr(clone(cal), "offsets_")


@pytest.mark.parametrize(
    ("params", "data", "message"),
    [
        ({"shrinkage": -1}, TINY, "shrinkage"),
        ({"shrinkage": np.nan}, TINY, "shrinkage"),
        ({"scale": "yes"}, TINY, "scale"),
        ({"max_iter": 0}, TINY, "max_iter"),
        ({"tol": 0}, TINY, "tol"),
        ({}, ([np.inf, 3.0], [0, 1], [0, 1]), "infinite"),
        ({}, ([3.0, 3.0], [0, -1], [0, 1]), ">= 0"),
        ({}, ([3.0, 3.0], [0, 1], [0]), "one per score"),
        ({}, ([3.0], [0.5], [0]), "integer"),
        ({}, ([np.nan], [0], [0]), "every score is NaN"),
    ],
)
def test_invalid_input_is_refused(params, data, message):
    with pytest.raises(ValueError, match=message):
        ReviewerCalibrator(**params).fit(*data)


def test_transform_needs_a_fit_and_known_reviewers():
    with pytest.raises(NotFittedError):
        ReviewerCalibrator().transform([3.0], [0])
    with pytest.raises(ValueError, match="out of range"):
        ReviewerCalibrator().fit(*TINY).transform([3.0], [2])
    with pytest.raises(ValueError, match="out of range"):
        ReviewerCalibrator().fit(*TINY, n_reviewers=1)
