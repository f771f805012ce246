"""Neighbours of thousands of texts from candidates: the same answer as comparing every pair,
nearly always, with exact similarities, every time."""

import random

import numpy as np
import pytest

from portal.demo.scale import words
from portal.demo.scale.ideas import _answers
from scoring import NearDuplicateFinder
from scoring.nearest import approximate_neighbours

FIELDS = ("title", "summary", "proposed_change", "problem_harm", "problem_evidence")


def scale_texts(n, seed=7):
    """The scale demo's ideas: few topics in many wordings, so every text has close others."""
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        answers = _answers(rng, rng.choice(words.TOPICS))
        found.append("\n".join(answers[name] for name in FIELDS))
    return found


@pytest.fixture(scope="module")
def fitted():
    exact = NearDuplicateFinder(n_neighbors=3, approximate_above=10**9).fit(scale_texts(600))
    approximate = NearDuplicateFinder(n_neighbors=3, approximate_above=0).fit(scale_texts(600))
    return exact, approximate


def test_the_nearest_three_are_nearly_always_those_of_all_pairs(fitted):
    exact, approximate = fitted
    truth, found = exact.kneighbors(), approximate.kneighbors()
    shared = [
        len({i for i, _ in a} & {i for i, _ in b}) / len(a)
        for a, b in zip(truth, found, strict=True)
    ]
    assert np.mean(shared) >= 0.97
    nearest_same = np.mean([a[0][0] == b[0][0] for a, b in zip(truth, found, strict=True)])
    assert nearest_same >= 0.97


def test_a_neighbour_found_both_ways_has_the_same_similarity(fitted):
    exact, approximate = fitted
    truth = {(n, i): sim for n, row in enumerate(exact.kneighbors()) for i, sim in row}
    compared = 0
    for n, row in enumerate(approximate.kneighbors()):
        assert [sim for _, sim in row] == sorted((sim for _, sim in row), reverse=True)
        for i, sim in row:
            assert i != n
            if (n, i) in truth:
                assert sim == pytest.approx(truth[n, i], abs=1e-12)
                compared += 1
    assert compared > 1500


def test_the_same_texts_give_the_same_neighbours_every_time(fitted):
    _, approximate = fitted
    again = NearDuplicateFinder(n_neighbors=3, approximate_above=0).fit(scale_texts(600))
    assert again.kneighbors() == approximate.kneighbors()
    assert np.array_equal(again.novelty(), approximate.novelty())


def test_novelty_agrees_with_all_pairs_nearly_everywhere(fitted):
    exact, approximate = fitted
    close = np.isclose(exact.novelty(), approximate.novelty(), rtol=0, atol=1e-12)
    assert close.mean() >= 0.97
    # a missed nearest text leaves a less similar one: novelty can only be overstated
    assert (approximate.novelty() >= exact.novelty() - 1e-12).all()


def test_the_default_switches_to_candidates_only_above_its_limit():
    texts = scale_texts(30)
    default = NearDuplicateFinder(n_neighbors=3).fit(texts)
    exact = NearDuplicateFinder(n_neighbors=3, approximate_above=10**9).fit(texts)
    assert default.kneighbors() == exact.kneighbors()


@pytest.mark.parametrize("n", [2, 3, 5])
def test_tiny_corpora_and_more_neighbours_than_texts(n):
    texts = scale_texts(n)
    exact = NearDuplicateFinder(n_neighbors=4, approximate_above=10**9).fit(texts)
    approximate = NearDuplicateFinder(n_neighbors=4, approximate_above=0).fit(texts)
    for a, b in zip(approximate.kneighbors(), exact.kneighbors(), strict=True):
        assert [i for i, _ in a] == [i for i, _ in b]
        assert [sim for _, sim in a] == pytest.approx([sim for _, sim in b], abs=1e-12)
    assert approximate.novelty() == pytest.approx(exact.novelty())


def test_rows_without_enough_candidates_are_padded_as_unlike():
    # two identical rows and one sharing nothing: the third has no candidate similar at all
    matrix = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    distances, indices = approximate_neighbours(matrix, k=2, candidates=2)
    assert indices[0, 0] == 1 and distances[0, 0] == pytest.approx(0.0)
    assert indices[1, 0] == 0
    assert distances[2, 0] == pytest.approx(1.0) and distances[2, 1] == pytest.approx(1.0)
