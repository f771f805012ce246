"""The reviewer-assignment integer programme: coverage, loads, conflicts, partners, top-up."""

import dataclasses
import itertools

import numpy as np
import pytest

from scoring import AssignmentResult, assign_reviewers


def instance(n_ideas=30, n_members=10, *, seed=0, conflict_rate=0.0):
    """Return seeded random affinities and conflicts for a panel."""
    rng = np.random.default_rng(seed)
    affinity = rng.random((n_ideas, n_members))
    conflicts = rng.random((n_ideas, n_members)) < conflict_rate
    return affinity, conflicts


def partners_of(n_members, *members):
    mask = np.zeros(n_members, dtype=bool)
    mask[list(members)] = True
    return mask


def test_every_idea_gets_k_distinct_reviewers():
    affinity, conflicts = instance(conflict_rate=0.1)
    result = assign_reviewers(affinity, reviews_per_idea=3, conflicts=conflicts)
    assert isinstance(result, AssignmentResult)
    assert result.feasible and result.shortfall == {} and result.missing_patient_partner == []
    assert (result.matrix.sum(axis=1) == 3).all()
    assert result.pairs == sorted(map(tuple, np.argwhere(result.matrix).tolist()))
    assert result.message == "Every idea has its reviewers: 90 assignments added."
    assert result.objective == pytest.approx(affinity[result.matrix].sum())


def test_reviews_per_idea_may_differ_between_ideas():
    affinity, _ = instance(8, 6)
    k = np.array([0, 1, 2, 3, 4, 5, 6, 2])
    result = assign_reviewers(affinity, reviews_per_idea=k)
    assert result.feasible
    assert result.matrix.sum(axis=1).tolist() == k.tolist()


@pytest.mark.parametrize("max_load", [None, 12, np.array([5, 5, 5, 5, 20, 20, 20, 20, 20, 20])])
def test_no_member_exceeds_max_load(max_load):
    affinity, _ = instance()
    affinity[:, 0] = 10.0  # everyone would pick member 0 if loads allowed it
    result = assign_reviewers(affinity, max_load=max_load)
    expected = np.full(10, 90 // 10 + 1) if max_load is None else np.broadcast_to(max_load, 10)
    assert result.max_load.tolist() == expected.tolist()
    assert (result.loads <= result.max_load).all()
    assert result.loads[0] == result.max_load[0]
    assert result.feasible


@pytest.mark.parametrize(("n_ideas", "n_members", "k"), [(10, 4, 1), (12, 5, 3), (40, 7, 2)])
def test_loads_are_balanced_when_expertise_is_uniform(n_ideas, n_members, k):
    result = assign_reviewers(np.ones((n_ideas, n_members)), reviews_per_idea=k)
    assert result.feasible
    assert result.loads.max() - result.loads.min() <= 1
    assert result.loads.sum() == n_ideas * k


def test_balance_spreads_the_rest_when_partners_carry_more():
    affinity, _ = instance(60, 10, seed=3)
    partners = partners_of(10, 0)
    result = assign_reviewers(
        affinity,
        reviews_per_idea=2,
        patient_partners=partners,
        require_patient_partner=True,
        max_load=np.where(partners, 60, 15),
    )
    assert result.feasible
    assert result.loads[0] == 60
    assert result.loads[1:].max() - result.loads[1:].min() <= 1


def test_conflicts_are_never_assigned():
    affinity, conflicts = instance(conflict_rate=0.3, seed=1)
    affinity = np.where(conflicts, 100.0, affinity)  # conflicted pairs look the most attractive
    result = assign_reviewers(affinity, reviews_per_idea=3, conflicts=conflicts)
    assert result.feasible
    assert not (result.matrix & conflicts).any()


def test_patient_partner_rule_is_met_when_feasible():
    affinity, _ = instance(10, 8, seed=2)
    partners = partners_of(8, 6, 7)
    affinity[:, partners] = 0.0  # without the rule (or balance) nobody would choose them
    kwargs = dict(patient_partners=partners, balance_weight=0.0)
    assert not assign_reviewers(affinity, **kwargs).matrix[:, partners].any()
    result = assign_reviewers(affinity, require_patient_partner=True, **kwargs)
    assert result.feasible
    assert result.matrix[:, partners].any(axis=1).all()
    assert (result.matrix.sum(axis=1) == 3).all()


def test_ideas_wanting_no_reviews_need_no_partner():
    result = assign_reviewers(
        np.ones((3, 4)),
        reviews_per_idea=[2, 0, 2],
        patient_partners=partners_of(4, 0),
        require_patient_partner=True,
    )
    assert result.feasible
    assert not result.matrix[1].any()
    assert result.matrix[[0, 2], 0].all()


def test_missing_partner_is_reported_when_the_only_partner_is_conflicted():
    conflicts = np.zeros((3, 5), dtype=bool)
    conflicts[1, 0] = True
    result = assign_reviewers(
        np.ones((3, 5)),
        reviews_per_idea=2,
        conflicts=conflicts,
        patient_partners=partners_of(5, 0),
        require_patient_partner=True,
    )
    assert not result.feasible
    assert result.missing_patient_partner == [1]
    assert result.shortfall == {}  # coverage is still complete
    assert result.matrix[[0, 2], 0].all()
    assert result.message == (
        "1 idea has no patient or carer partner: "
        "idea 1 (every partner is conflicted or has declined)."
    )


def test_missing_partner_is_reported_when_partners_are_at_their_limit():
    partners = partners_of(6, 0)
    kwargs = dict(patient_partners=partners, require_patient_partner=True, reviews_per_idea=1)
    result = assign_reviewers(np.ones((6, 6)), **kwargs)  # default cap: ceil(6/6) + 1 = 2
    assert result.loads[0] == 2
    assert len(result.missing_patient_partner) == 4
    assert "4 ideas have no patient or carer partner" in result.message
    assert "load limit" in result.message
    # A lead may let the partner take more than the default cap.
    allowed = assign_reviewers(np.ones((6, 6)), max_load=np.where(partners, 6, 2), **kwargs)
    assert allowed.feasible and allowed.loads[0] == 6


def test_too_few_members_reports_shortfall_and_keeps_the_partial_assignment():
    result = assign_reviewers(np.ones((4, 3)), reviews_per_idea=4)
    assert not result.feasible
    assert result.shortfall == {0: 1, 1: 1, 2: 1, 3: 1}
    assert (result.matrix.sum(axis=1) == 3).all()
    assert result.message.startswith("4 ideas are short of reviewers: idea 0 needs 1 more ")
    assert "only 3 members are free of conflicts and declines" in result.message


def test_conflicts_can_leave_an_idea_short():
    conflicts = np.zeros((2, 4), dtype=bool)
    conflicts[1, :3] = True
    result = assign_reviewers(np.ones((2, 4)), reviews_per_idea=2, conflicts=conflicts)
    assert result.shortfall == {1: 1}
    assert result.matrix[1].tolist() == [False, False, False, True]
    assert result.message == (
        "1 idea is short of reviewers: "
        "idea 1 needs 1 more (only 1 members are free of conflicts and declines)."
    )


def test_tight_loads_report_shortfall_and_fill_every_place():
    result = assign_reviewers(np.ones((6, 4)), reviews_per_idea=2, max_load=2)
    assert not result.feasible
    assert result.loads.tolist() == [2, 2, 2, 2]
    assert sum(result.shortfall.values()) == 12 - 8
    for idea, gap in result.shortfall.items():
        assert result.matrix[idea].sum() == 2 - gap
    assert "at their load limit" in result.message


def test_higher_expertise_is_preferred():
    affinity = np.array([[0.2, 0.9, 0.5, 0.1]])
    assert assign_reviewers(affinity, reviews_per_idea=1).pairs == [(0, 1)]
    assert assign_reviewers(affinity, reviews_per_idea=2).pairs == [(0, 1), (0, 2)]


def test_top_up_keeps_fixed_assignments_and_replaces_a_decline():
    affinity, conflicts = instance(conflict_rate=0.1, seed=4)
    first = assign_reviewers(affinity, conflicts=conflicts)
    declined = int(np.flatnonzero(first.matrix[5])[0])
    fixed = first.matrix.copy()
    fixed[5, declined] = False
    forbidden = np.zeros_like(fixed)
    forbidden[5, declined] = True
    affinity[5, declined] = 100.0  # the decline holds however good the match

    result = assign_reviewers(affinity, conflicts=conflicts, fixed=fixed, forbidden=forbidden)
    assert result.feasible
    assert len(result.pairs) == 1
    (idea, member) = result.pairs[0]
    assert idea == 5 and member != declined and not conflicts[5, member]
    assert (result.matrix == (fixed | result.matrix)).all()
    assert (result.matrix[np.arange(30) != 5] == first.matrix[np.arange(30) != 5]).all()


def test_fixed_assignments_count_toward_load_and_partner_rule():
    fixed = np.zeros((4, 4), dtype=bool)
    fixed[0, 0] = fixed[1, 0] = True  # member 0, the partner, already carries two
    result = assign_reviewers(
        np.ones((4, 4)),
        reviews_per_idea=1,
        fixed=fixed,
        max_load=2,
        patient_partners=partners_of(4, 0),
        require_patient_partner=True,
    )
    assert result.matrix[:2].sum() == 2 and result.matrix[[0, 1], 0].all()
    assert result.loads[0] == 2
    assert result.missing_patient_partner == [2, 3]


def test_kept_reviewers_without_a_partner_are_reported_not_extended():
    fixed = np.zeros((1, 3), dtype=bool)
    fixed[0, [1, 2]] = True
    result = assign_reviewers(
        np.ones((1, 3)),
        reviews_per_idea=2,
        fixed=fixed,
        patient_partners=partners_of(3, 0),
        require_patient_partner=True,
    )
    assert result.pairs == []
    assert result.missing_patient_partner == [0]
    assert "its reviewers are all kept and none is a partner" in result.message


def test_same_input_gives_same_output():
    affinity, conflicts = instance(80, 12, seed=5, conflict_rate=0.05)
    affinity = np.round(affinity, 1)  # many ties
    kwargs = dict(
        conflicts=conflicts, patient_partners=partners_of(12, 0, 1), require_patient_partner=True
    )
    first, second = (assign_reviewers(affinity, **kwargs) for _ in range(2))
    assert (first.matrix == second.matrix).all()
    assert first.pairs == second.pairs and first.objective == second.objective
    assert first.message == second.message


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_on_small_instances(seed):
    # Lexicographic optimum over every possible assignment of 3 ideas x 4 members: fewest
    # missing reviewers, then fewest ideas without a partner, then the most affinity.
    rng = np.random.default_rng(seed)
    affinity = np.round(rng.random((3, 4)), 2)
    conflicts = rng.random((3, 4)) < 0.25
    k = rng.integers(0, 4, size=3)
    caps = rng.integers(0, 4, size=4)
    partners = rng.random(4) < 0.4
    result = assign_reviewers(
        affinity,
        reviews_per_idea=k,
        conflicts=conflicts,
        max_load=caps,
        patient_partners=partners,
        require_patient_partner=True,
        balance_weight=0.0,
    )
    best = None
    for bits in itertools.product((False, True), repeat=12):
        m = np.array(bits).reshape(3, 4)
        if (m & conflicts).any() or (m.sum(axis=0) > caps).any() or (m.sum(axis=1) > k).any():
            continue
        missing = ((k > 0) & ~(m & partners).any(axis=1)).sum()
        key = ((k - m.sum(axis=1)).sum(), missing, -round(affinity[m].sum(), 6))
        best = key if best is None else min(best, key)
    got = (
        sum(result.shortfall.values()),
        len(result.missing_patient_partner),
        -round(result.objective, 6),
    )
    assert got == best
    assert not (result.matrix & conflicts).any() and (result.loads <= caps).all()


def test_empty_panels_and_empty_rounds():
    nobody = assign_reviewers(np.zeros((2, 0)), reviews_per_idea=1)
    assert nobody.shortfall == {0: 1, 1: 1} and nobody.matrix.shape == (2, 0)
    nothing = assign_reviewers(np.zeros((0, 3)))
    assert nothing.feasible and nothing.pairs == [] and nothing.loads.tolist() == [0, 0, 0]


def test_result_is_read_only():
    result = assign_reviewers(np.ones((2, 3)), reviews_per_idea=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.feasible = False
    with pytest.raises(ValueError, match="read-only"):
        result.matrix[0, 0] = True


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (dict(affinity=np.array([[1.0, np.nan]])), "NaN or infinite"),
        (dict(affinity=np.array([[1.0, np.inf]])), "NaN or infinite"),
        (dict(affinity=np.array([[1.0, -0.5]])), ">= 0"),
        (dict(affinity=np.ones(3)), "2-D"),
        (dict(reviews_per_idea=-1), "reviews_per_idea must be >= 0"),
        (dict(reviews_per_idea=1.5), "whole numbers"),
        (dict(reviews_per_idea=[1, 2, 3]), r"shape \(1,\)"),
        (dict(conflicts=np.zeros((2, 2), dtype=bool)), r"conflicts must have shape \(1, 2\)"),
        (dict(forbidden=np.array([[0, 2]])), "booleans"),
        (dict(max_load=[1, 2, 3]), r"max_load must be a number or have shape \(2,\)"),
        (dict(max_load=-1), "max_load must be >= 0"),
        (dict(load_slack=-1), "load_slack must be >= 0"),
        (dict(load_slack=1.5), "load_slack must be an integer"),
        (dict(balance_weight=np.nan), "balance_weight"),
        (dict(require_patient_partner=True), "needs patient_partners"),
        (dict(fixed=[[True, False]], conflicts=[[True, False]]), "both kept"),
    ],
)
def test_invalid_input_is_rejected(change, match):
    kwargs = dict(affinity=np.array([[1.0, 0.5]]), reviews_per_idea=1) | change
    with pytest.raises(ValueError, match=match):
        assign_reviewers(kwargs.pop("affinity"), **kwargs)
