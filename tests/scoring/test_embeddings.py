"""Word vectors learned from a pool: near-synonyms land close, results repeat, small pools."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from scoring.embeddings import word_vectors


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def learned(texts, **kwargs):
    analyse = TfidfVectorizer(stop_words="english").build_analyzer()
    vocabulary = {w: n for n, w in enumerate(sorted({w for t in texts for w in analyse(t)}))}
    sequences = [np.array([vocabulary[w] for w in analyse(t)], dtype=np.int64) for t in texts]
    vectors = word_vectors(sequences, len(vocabulary), **kwargs)
    return vocabulary, vectors


def synonym_pool(seed=0):
    """'reminder' and 'prompt' each appear among medication words, never together;
    'lighting' appears among estates words."""
    rng = np.random.default_rng(seed)
    medicine = ["clinician", "prescribing", "dose", "pharmacist", "warfarin", "guideline"]
    estates = ["lighting", "car", "park", "boiler", "roof", "window", "repairs"]
    texts = []
    for n in range(300):
        if n % 3 == 2:
            texts.append(" ".join(rng.choice(estates, 8)))
        else:
            words = list(rng.choice(medicine, 7))
            words.insert(3, "reminder" if n % 3 == 0 else "prompt")
            texts.append(" ".join(words))
    return texts


def test_words_in_the_same_company_get_close_vectors():
    vocabulary, vectors = learned(synonym_pool(), dims=4)
    word = {w: vectors[n] for w, n in vocabulary.items()}
    # never seen together, but always among the same words
    assert cosine(word["reminder"], word["prompt"]) > 0.9
    assert cosine(word["reminder"], word["lighting"]) < 0.3


def test_vectors_repeat_exactly_for_a_seed_and_dims_are_capped():
    texts = synonym_pool()
    first = learned(texts, dims=4, random_state=1)[1]
    assert np.array_equal(first, learned(texts, dims=4, random_state=1)[1])
    vocabulary, vectors = learned(texts, dims=500)
    assert vectors.shape == (len(vocabulary), len(vocabulary) - 2)


@pytest.mark.parametrize(
    "texts",
    [
        ["sepsis", "falls", "sepsis"],  # one word each: no word has company
        ["sepsis screening", "falls"],  # too few words for two dimensions
    ],
)
def test_too_little_text_gives_no_vectors(texts):
    assert learned(texts, dims=10)[1] is None
