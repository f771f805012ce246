"""Screening model: estimator API, cold start, fallbacks, active learning and next_to_screen."""

import numpy as np
import pytest
from sklearn.base import clone

from scoring import ScreeningModel, TopicScreening, next_to_screen

# A synthetic pool: relevant items draw from a topic's words (only three of which the seed
# description names), the rest from other topics; everything shares filler words.
TOPIC = [f"sepsis{w}" for w in "abcdefghijklmnop"]
OTHER = [f"other{w}" for w in "abcdefghijklmnopqrstuvwxyz"]
FILLER = [f"filler{w}" for w in "abcdefghijklmnopqrstuvwxyz"]
DESCRIPTION = "Sepsis: spotting deterioration early. Keywords: sepsisa, sepsisb, sepsisc"


def synthetic_pool(n_items=400, n_relevant=20, seed=0):
    rng = np.random.default_rng(seed)
    truth = np.zeros(n_items, dtype=int)
    truth[rng.choice(n_items, n_relevant, replace=False)] = 1
    texts = []
    for relevant in truth:
        words = list(rng.choice(TOPIC if relevant else OTHER, 4)) + list(rng.choice(FILLER, 8))
        if rng.random() < 0.3:  # a stray word from the other side
            words.append(rng.choice(OTHER if relevant else TOPIC))
        texts.append(" ".join(rng.permutation(words)))
    return texts, truth


@pytest.fixture(scope="module")
def pool():
    return synthetic_pool()


def unlabelled(n):
    return np.full(n, -1)


def test_fit_returns_self_with_learned_attributes(pool):
    texts, truth = pool
    labels = unlabelled(len(texts))
    labels[[int(np.flatnonzero(truth)[0]), int(np.flatnonzero(truth == 0)[0])]] = [1, 0]
    model = ScreeningModel()
    assert model.fit(texts, labels) is model
    assert model.mode_ == "trained"
    assert (model.n_relevant_, model.n_irrelevant_) == (1, 1)
    assert model.features_.shape[0] == len(texts)
    assert model.svd_ is not None and model.classifier_ is not None
    learned = [name for name in vars(model) if name.endswith("_") and not name.startswith("_")]
    assert {"vectorizer_", "features_", "mode_", "classifier_"} <= set(learned)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "features_")


def test_results_repeat_exactly_for_a_seed(pool):
    texts, truth = pool
    labels = np.where(np.arange(len(texts)) < 100, truth, -1)
    first = ScreeningModel(random_state=3).fit(texts, labels).decision_function()
    second = ScreeningModel(random_state=3).fit(texts, labels).decision_function()
    assert np.array_equal(first, second)


def test_update_matches_a_full_fit_and_new_texts_score_like_the_pool(pool):
    texts, truth = pool
    labels = np.where(np.arange(len(texts)) < 150, truth, -1)
    updated = ScreeningModel().fit(texts).update(labels)
    assert updated.decision_function() == pytest.approx(
        ScreeningModel().fit(texts, labels).decision_function()
    )
    assert updated.decision_function(texts[:5]) == pytest.approx(updated.decision_function()[:5])
    assert updated.decision_function([]).shape == (0,)
    assert np.all((updated.predict_relevance() >= 0) & (updated.predict_relevance() <= 1))


def test_features_and_scores_are_reachable_step_by_step(pool):
    texts, truth = pool
    labels = np.where(np.arange(len(texts)) < 150, truth, -1)
    model = ScreeningModel().fit(texts, labels)
    assert model.transform() is model.features_
    rows = model.transform(texts[:4])
    assert rows.shape == (4, model.features_.shape[1])
    assert rows.toarray() == pytest.approx(model.features_[:4].toarray())
    assert model.transform([]) is None
    scores = model.decision_from_features(model.transform())
    assert np.array_equal(scores, model.decision_function())
    assert np.array_equal(model.relevance_from_decision(scores), model.predict_relevance())


def names_keywords(texts):
    """Which texts use one of the description's keywords."""
    return np.array([bool({"sepsisa", "sepsisb", "sepsisc"} & set(t.split())) for t in texts])


def test_cold_start_ranks_description_like_texts_first(pool):
    texts, truth = pool
    model = ScreeningModel().fit(texts, prior_texts=[DESCRIPTION])
    assert model.mode_ == "similarity" and model.classifier_ is None
    named = names_keywords(texts)
    top = next_to_screen(model.predict_relevance(), n=named.sum())
    assert named[top].all()
    assert truth[top].mean() > 5 * truth.mean()


@pytest.mark.parametrize(
    ("kind", "priors", "mode"),
    [
        ("relevant", None, "unlabelled_as_irrelevant"),
        ("irrelevant", [DESCRIPTION], "descriptions"),
        ("irrelevant", None, "away_from_irrelevant"),
        ("none", None, "unranked"),
    ],
)
def test_one_kind_of_label_falls_back_without_crashing(pool, kind, priors, mode):
    texts, truth = pool
    labels = unlabelled(len(texts))
    if kind != "none":
        chosen = np.flatnonzero(truth == (kind == "relevant"))[:3]
        labels[chosen] = int(kind == "relevant")
    model = ScreeningModel().fit(texts, labels, prior_texts=priors)
    assert model.mode_ == mode
    relevance = model.predict_relevance()
    assert relevance.shape == (len(texts),) and np.all((relevance >= 0) & (relevance <= 1))
    if mode == "unlabelled_as_irrelevant":
        top = next_to_screen(relevance, labels >= 0, n=20)
        assert truth[top].mean() > 5 * truth.mean()
    if mode == "descriptions":
        top = next_to_screen(relevance, labels >= 0, n=10)
        assert names_keywords(texts)[top].all()
    if mode == "unranked":
        assert not relevance.any()


def test_every_item_labelled_relevant_does_not_crash():
    texts = ["sepsis alert on the ward", "sepsis screening in the emergency department"]
    model = ScreeningModel().fit(texts, [1, 1])
    assert model.mode_ == "similarity"
    assert model.decision_function().shape == (2,)


def simulate(texts, truth, rng, active):
    """Return how many items were screened to find 90% of the relevant ones."""
    labels = unlabelled(len(texts))
    start = [rng.choice(np.flatnonzero(truth)), rng.choice(np.flatnonzero(truth == 0))]
    labels[start] = truth[start]
    model = ScreeningModel().fit(texts)
    need = int(np.ceil(0.9 * truth.sum()))
    for screened in range(2, len(texts) + 1):
        if truth[labels == 1].size and (labels == 1).sum() >= need:
            return screened
        if active:
            item = next_to_screen(model.update(labels).decision_function(), labels >= 0)[0]
        else:
            item = rng.choice(np.flatnonzero(labels < 0))
        labels[item] = truth[item]
    return len(texts)


def test_active_learning_finds_relevant_items_much_faster_than_random(pool):
    texts, truth = pool
    rng = np.random.default_rng(11)
    active = simulate(texts, truth, rng, active=True)
    random = simulate(texts, truth, rng, active=False)
    assert active < 0.3 * random


def test_next_to_screen_modes():
    scores = np.array([0.2, 0.9, 0.6, 0.9, 0.1, 0.45])
    labelled = np.array([False, False, False, False, True, False])
    assert next_to_screen(scores, labelled).tolist() == [1]
    assert next_to_screen(scores, labelled, n=3).tolist() == [1, 3, 2]  # a tie goes to index 1
    assert next_to_screen(scores, labelled, mode="uncertainty", n=2).tolist() == [5, 2]
    logits = np.log(scores / (1 - scores))
    nearest_zero = next_to_screen(logits, labelled, mode="uncertainty", n=2, threshold=0.0)
    assert nearest_zero.tolist() == [5, 2]
    assert next_to_screen(scores, labelled, n=10).tolist() == [1, 3, 2, 5, 0]
    assert next_to_screen(scores, np.ones(6, dtype=bool)).size == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scores": [0.1, np.nan]}, "finite"),
        ({"scores": [[0.1, 0.2]]}, "one-dimensional"),
        ({"labelled_mask": [True]}, "shape"),
        ({"mode": "random"}, "mode"),
        ({"n": 0}, "positive integer"),
    ],
)
def test_next_to_screen_rejects_bad_input(kwargs, match):
    arguments = {"scores": [0.1, 0.2], **kwargs}
    with pytest.raises(ValueError, match=match):
        next_to_screen(**arguments)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m, t: m.fit("one text"), "single string"),
        (lambda m, t: m.fit([]), "at least one text"),
        (lambda m, t: m.fit(t, [1, 0]), "one entry per text"),
        (lambda m, t: m.fit(t, [2] * len(t)), "1 \\(relevant\\)"),
        (lambda m, t: m.fit(t, ["yes"] * len(t)), "not strings"),
        (lambda m, t: m.fit(t, prior_texts=[3]), "prior_texts\\[0\\]"),
        (lambda m, t: m.set_params(C=0).fit(t), "C must be"),
        (lambda m, t: m.set_params(n_components=-1).fit(t), "n_components"),
        (lambda m, t: m.set_params(embedding_dims=1.5).fit(t), "embedding_dims"),
        (lambda m, t: m.set_params(embedding_weight=-1).fit(t), "embedding_weight"),
        (lambda m, t: m.update([0] * len(t)), "not fitted"),
        (lambda m, t: m.transform(t), "not fitted"),
        (lambda m, t: m.fit(["the and of", "a the"]), "no usable words"),
    ],
)
def test_bad_input_raises_a_clear_value_error(pool, call, match):
    with pytest.raises(ValueError, match=match):
        call(ScreeningModel(), pool[0][:50])


def test_labels_accept_none_nan_and_booleans(pool):
    texts = pool[0][:6]
    labels = [True, None, float("nan"), False, -1, 1]
    model = ScreeningModel().fit(texts, labels)
    assert (model.n_relevant_, model.n_irrelevant_) == (2, 1)


def test_topic_screening_keeps_one_model_per_topic():
    rng = np.random.default_rng(5)
    texts, truth = synthetic_pool(300, 20, seed=5)
    topics = {"sepsis": DESCRIPTION, "other": ["Other care: othera, otherb", "otherc otherd"]}
    model = TopicScreening().fit(texts, topics)
    assert model.topics_ == ["sepsis", "other"]
    relevance = model.predict_relevance()
    assert relevance.shape == (300, 2)
    assert truth[next_to_screen(relevance[:, 0], n=15)].mean() >= 0.5
    assert truth[next_to_screen(relevance[:, 1], n=15)].mean() <= 0.2
    shared = model.models_["sepsis"].features_
    assert model.models_["other"].features_ is shared  # one cached matrix for every topic

    labels = np.full(300, -1)
    seen = rng.choice(300, 120, replace=False)
    labels[seen] = truth[seen]
    model.update({"sepsis": labels})
    assert model.models_["sepsis"].mode_ == "trained"
    assert model.models_["other"].mode_ == "similarity"
    assert model.decision_function(texts[:3]) == pytest.approx(model.decision_function()[:3])
    with pytest.raises(ValueError, match="unknown topics"):
        model.update({"maternity": labels})
    with pytest.raises(ValueError, match="non-empty"):
        TopicScreening().fit(texts, {"sepsis": " "})


def test_large_pools_fit_the_components_on_a_sample(pool, monkeypatch):
    texts, truth = pool
    labels = np.where(np.arange(len(texts)) < 150, truth, -1)
    full = ScreeningModel().fit(texts, labels)
    monkeypatch.setattr("scoring.screening_features.SVD_FIT_ROWS", 200)
    sampled = ScreeningModel().fit(texts, labels)
    assert sampled.features_.shape == full.features_.shape
    assert np.array_equal(
        sampled.decision_function(), ScreeningModel().fit(texts, labels).decision_function()
    )
    assert not np.allclose(sampled.svd_.components_, full.svd_.components_)
    assert sampled.decision_function(texts[:3]) == pytest.approx(sampled.decision_function()[:3])


def test_word_vectors_join_the_features_and_can_be_turned_off(pool, monkeypatch):
    texts, truth = pool
    labels = np.where(np.arange(len(texts)) < 150, truth, -1)
    model = ScreeningModel(embedding_dims=20).fit(texts, labels)
    columns, vectors = model.embedding_
    assert vectors.shape[1] == 20 and len(columns) == vectors.shape[0]
    off = ScreeningModel(embedding_weight=0).fit(texts, labels)
    assert off.embedding_ is None
    assert model.features_.shape[1] == off.features_.shape[1] + 20
    # new texts get the same word-vector block as the pool's own rows
    assert model.decision_function(texts[:3]) == pytest.approx(model.decision_function()[:3])
    monkeypatch.setattr("scoring.screening_features.EMBEDDING_FIT_ROWS", 100)
    sampled = ScreeningModel(embedding_dims=20).fit(texts, labels)
    assert sampled.features_.shape == model.features_.shape
    assert not np.allclose(sampled.embedding_[1], vectors)


def test_topic_models_share_the_word_vectors():
    texts, truth = synthetic_pool(n_items=120, n_relevant=12)
    model = TopicScreening().fit(texts, {"sepsis": DESCRIPTION, "other": "otherb otherc"})
    shared = {id(m.embedding_) for m in model.models_.values()}
    assert len(shared) == 1 and model.models_["sepsis"].embedding_ is not None
    assert model.decision_function(texts[:2]) == pytest.approx(model.decision_function()[:2])
