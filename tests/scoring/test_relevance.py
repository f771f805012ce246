"""Topic relevance: cold start from descriptions, then one linear model per topic from labels."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import average_precision_score

from scoring import TopicRelevance

TOPICS = {
    "maternity": "Maternity and neonatal safety: pregnancy, labour, birth, midwives, babies.",
    "medicines": "Medicines safety: prescribing, doses, insulin, opioids, pharmacy, omissions.",
    "mental_health": "Mental health: restraint, self-harm, suicide, psychiatric inpatient wards.",
    "deterioration": "Deterioration: NEWS2 observations, sepsis, escalation, outreach team.",
}

IDEAS = {
    "maternity": "A midwife checks bleeding risk during labour and after birth for every mother.",
    "medicines": "Pharmacy alert when an insulin dose is missed or prescribing is unsafe.",
    "mental_health": "Debrief the patient after every restraint on psychiatric wards.",
    "deterioration": "Sepsis screening when NEWS2 observations reach 5, with escalation.",
}


def test_cold_start_ranks_each_idea_highest_for_its_topic():
    model = TopicRelevance().fit(TOPICS)
    assert model.topics_ == list(TOPICS)
    assert not model.trained_.any()
    scores = model.predict(list(IDEAS.values()))
    assert scores.shape == (4, 4)
    assert [model.topics_[k] for k in scores.argmax(axis=1)] == list(IDEAS)
    assert [model.topics_[k] for k in scores.argmax(axis=0)] == list(IDEAS)


def test_topics_may_be_given_as_pairs_in_order():
    pairs = list(reversed(TOPICS.items()))
    model = TopicRelevance().fit(pairs)
    assert model.topics_ == [key for key, _ in pairs]
    expected = TopicRelevance().fit(TOPICS).predict(list(IDEAS.values()))
    assert model.predict(list(IDEAS.values())) == pytest.approx(expected[:, ::-1])


# A synthetic corpus: each topic has a description naming 3 of its words; documents draw mostly
# from the topic's other words (which the description never mentions) and shared filler, so
# only labels can teach a model most of what marks a topic.
VOCAB = {
    topic: [f"{topic[:3]}{w}" for w in "abcdefghijklmnopqrst"] for topic in ("mat", "med", "men")
}
FILLER = [f"filler{w}" for w in "abcdefghijklmnopqrstuvwxyz"]


def synthetic(n_docs, seed):
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, 3, n_docs)
    keys = list(VOCAB)
    texts = []
    for t in topics:
        words = list(rng.choice(VOCAB[keys[t]], 5)) + list(rng.choice(FILLER, 8))
        for other in range(3):  # a stray word from another topic
            if other != t and rng.random() < 0.5:
                words.append(rng.choice(VOCAB[keys[other]]))
        texts.append(" ".join(rng.permutation(words)))
    labels = [{keys[t]} for t in topics]
    return texts, labels, topics


SYNTHETIC_TOPICS = {key: " ".join(words[:3]) for key, words in VOCAB.items()}


def mean_average_precision(scores, topics):
    return np.mean([average_precision_score(topics == k, scores[:, k]) for k in range(3)])


def test_training_on_labels_beats_cold_start_on_held_out_texts():
    train_texts, train_labels, _ = synthetic(60, seed=1)
    test_texts, _, test_topics = synthetic(60, seed=2)
    cold = TopicRelevance().fit(SYNTHETIC_TOPICS, train_texts).predict(test_texts)
    trained_model = TopicRelevance().fit(SYNTHETIC_TOPICS, train_texts, train_labels)
    assert trained_model.trained_.all()
    trained = trained_model.predict(test_texts)
    cold_map, trained_map = (mean_average_precision(s, test_topics) for s in (cold, trained))
    cold_acc, trained_acc = ((s.argmax(axis=1) == test_topics).mean() for s in (cold, trained))
    assert trained_map > cold_map + 0.15
    assert trained_acc > cold_acc + 0.15 and trained_acc >= 0.9


def test_predictions_lie_in_unit_interval_and_are_deterministic():
    texts, labels, _ = synthetic(40, seed=3)
    first = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, labels)
    second = clone(first).fit(SYNTHETIC_TOPICS, texts, labels)
    unseen = [*synthetic(10, seed=4)[0], "", "nothing known here"]
    for model in (first, TopicRelevance().fit(SYNTHETIC_TOPICS)):
        scores = model.predict(unseen)
        assert scores.shape == (12, 3) and ((scores >= 0) & (scores <= 1)).all()
    assert np.array_equal(first.predict(unseen), second.predict(unseen))
    assert first.predict([]).shape == (0, 3)


def test_labels_as_matrix_or_key_sets_agree_and_none_rows_are_unlabelled():
    texts, labels, topics = synthetic(30, seed=5)
    matrix = np.eye(3, dtype=int)[topics]
    by_keys = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, labels)
    by_matrix = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, matrix)
    assert by_keys.predict(texts) == pytest.approx(by_matrix.predict(texts))
    partial = [*labels[:20], *[None] * 10]
    part_keys = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, partial)
    part_matrix = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, [*matrix[:20], *[None] * 10])
    assert part_keys.predict(texts) == pytest.approx(part_matrix.predict(texts))
    assert len(part_keys.vectorizer_.vocabulary_) == len(by_keys.vectorizer_.vocabulary_)
    assert part_keys.predict(texts) != pytest.approx(by_keys.predict(texts))


def test_one_topic_takes_flat_labels_as_in_screening():
    texts = ["nudge doctors to prescribe", "cats and dogs", "reminders nudge physicians"]
    topic = {"included": "nudging clinicians towards evidence"}
    flat = TopicRelevance().fit(topic, texts, [1, 0, 1])
    assert flat.trained_.tolist() == [True]
    nested = TopicRelevance().fit(topic, texts, [{"included"}, set(), {"included"}])
    assert flat.predict(texts) == pytest.approx(nested.predict(texts))
    undecided = TopicRelevance().fit(topic, texts, [None, None, None])
    assert undecided.trained_.tolist() == [False]


def test_a_topic_without_both_classes_keeps_its_cold_start_similarity():
    texts, labels, _ = synthetic(30, seed=6)
    labels = [row - {"men"} for row in labels]  # nobody decided on mental health yet
    model = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, labels)
    assert model.trained_.tolist() == [True, True, False]
    assert model.models_[2] is None
    cold = TopicRelevance().fit(SYNTHETIC_TOPICS, texts).predict(texts)
    assert model.predict(texts)[:, 2] == pytest.approx(cold[:, 2])


def test_explain_cold_start_terms_add_up_to_the_similarity():
    model = TopicRelevance().fit(TOPICS)
    text = IDEAS["medicines"]
    terms = model.explain(text, "medicines", top_n=100)
    assert {term for term, _ in terms} >= {"insulin", "pharmacy", "prescribing"}
    assert sum(w for _, w in terms) == pytest.approx(model.predict([text])[0, 1])
    assert [w for _, w in terms] == sorted((w for _, w in terms), reverse=True)
    assert len(model.explain(text, "medicines", top_n=2)) == 2
    assert model.explain(text, "mental_health") == []


def test_explain_trained_topic_names_words_learned_from_labels():
    texts, labels, _ = synthetic(60, seed=7)
    model = TopicRelevance().fit(SYNTHETIC_TOPICS, texts, labels)
    terms = dict(model.explain("matk matl matq fillera fillerb menb", "mat", top_n=10))
    assert max(terms, key=terms.get).startswith("mat")
    assert {"matk", "matl", "matq"} <= set(terms) and "menb" not in terms
    topical = sum(w for term, w in terms.items() if term.startswith("mat"))
    assert topical > 2 * sum(w for term, w in terms.items() if "filler" in term)


@pytest.mark.parametrize(
    ("fit_args", "message"),
    [
        (({},), "at least one topic"),
        (([],), "at least one topic"),
        (({"a": "  "},), "non-empty description"),
        (([("a", "one"), ("a", "two")],), "unique"),
        ((["ab"],), r"\(key, text\) pair"),
        ((TOPICS, None, [{"maternity"}]), "need the texts"),
        ((TOPICS, ["one", "two"], [{"maternity"}]), "1 rows but there are 2 texts"),
        ((TOPICS, ["one"], [[1, 0, 0]]), "3 columns but there are 4 topics"),
        ((TOPICS, ["one"], np.ones((1, 5))), "5 columns but there are 4 topics"),
        ((TOPICS, ["one"], [[2, 0, 0, 0]]), "0 or 1"),
        ((TOPICS, ["one"], [{"surgery"}]), "unknown topics"),
        ((TOPICS, ["one"], ["maternity"]), "not a single string"),
        ((TOPICS, "one text", None), "not a single string"),
    ],
)
def test_invalid_fit_input_is_rejected(fit_args, message):
    with pytest.raises(ValueError, match=message):
        TopicRelevance().fit(*fit_args)


@pytest.mark.parametrize(
    ("params", "message"), [({"C": 0}, "C must be"), ({"prior_weight": -1}, "prior_weight")]
)
def test_invalid_hyperparameters_are_rejected(params, message):
    with pytest.raises(ValueError, match=message):
        TopicRelevance(**params).fit(TOPICS)


def test_predict_and_explain_check_their_input():
    with pytest.raises(ValueError, match="not fitted"):
        TopicRelevance().predict(["text"])
    model = TopicRelevance().fit(TOPICS)
    with pytest.raises(ValueError, match="not a single string"):
        model.predict("a single string")
    with pytest.raises(ValueError, match="unknown topic"):
        model.explain("text", "surgery")
    with pytest.raises(ValueError, match="top_n"):
        model.explain("text", "medicines", top_n=0)
