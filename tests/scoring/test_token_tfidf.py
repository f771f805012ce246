"""TF-IDF from texts' stored words: the same matrix as scikit-learn's, from texts or words alike;
the one-sided SVD; a screening fit from words computed ahead equals one from the texts."""

import numpy as np
import pytest
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from scoring import ScreeningModel, TopicScreening
from scoring.sample_svd import SampleSVD
from scoring.token_tfidf import PoolWords, TokenTfidf, _group, text_tokens

WORDS = "hand hygiene nudge alert prompt falls sepsis dose the of and to whereupon café naïve"


def corpus(n=300, seed=0):
    rng = np.random.default_rng(seed)
    words = WORDS.split() + [f"rare{k}" for k in range(60)]
    texts = [" ".join(rng.choice(words, rng.integers(0, 25))) for _ in range(n)]
    return texts + [
        "Café NAÏVE Résumé: the École of hand-hygiene! ½ ﬁnal parents™ said",
        "",
        "x y z",
        "the of and naïve",
    ]


SETTINGS = [
    ({"ngram_range": (1, 2), "min_df": 2}, {"stop_words": "english", "strip_accents": "unicode"}),
    (
        {"ngram_range": (1, 2), "min_df": 1, "max_df": 0.95, "stop_words": False},
        {"strip_accents": "unicode", "max_df": 0.95},
    ),
    (
        {"ngram_range": (1, 2), "max_df": 0.95, "stop_words": False, "strip_accents": False},
        {"max_df": 0.95},
    ),
    ({"ngram_range": (1, 1), "min_df": 3}, {"stop_words": "english", "strip_accents": "unicode"}),
]


@pytest.mark.parametrize(("ours", "theirs"), SETTINGS)
def test_the_matrix_is_scikit_learns_from_texts_or_stored_words(ours, theirs):
    texts = corpus()
    reference = TfidfVectorizer(sublinear_tf=True, **theirs)
    reference.set_params(min_df=ours.get("min_df", 1), ngram_range=ours["ngram_range"])
    expected = reference.fit_transform(texts)
    vectorizer = TokenTfidf(**ours)
    got = vectorizer.fit_transform([text_tokens(t) for t in texts])
    assert vectorizer.terms_ == list(reference.get_feature_names_out())
    assert abs(got - expected).max() < 1e-12
    new = ["whereupon the hand hygiene of café", "unknown words only", "", "falls the dose"]
    ours_new = vectorizer.transform([text_tokens(t) for t in new])
    assert abs(ours_new - reference.transform(new)).max() < 1e-12


def test_no_usable_words_is_a_clear_error():
    with pytest.raises(ValueError, match="no terms remain"):
        TokenTfidf(min_df=1).fit_transform([text_tokens("the of and"), ""])
    with pytest.raises(ValueError, match="ngram_range"):
        TokenTfidf(ngram_range=(2, 3))


def test_grouping_by_radix_matches_numpy_unique_beyond_16_bits():
    rng = np.random.default_rng(1)
    for high in (50, 70_000, 2**40):
        codes = rng.integers(0, high, 5_000)
        distinct, index = _group(codes)
        expected, inverse = np.unique(codes, return_inverse=True)
        assert np.array_equal(distinct, expected) and np.array_equal(index, inverse)


def test_word_columns_rank_the_kept_unigrams_in_column_order():
    vectorizer = TokenTfidf(min_df=2)
    vectorizer.fit_words(PoolWords([text_tokens(t) for t in corpus()]))
    rank, columns = vectorizer.word_columns()
    names = [vectorizer.terms_[c] for c in columns]
    assert " " not in "".join(names) and names == sorted(names)
    for word, ident in vectorizer.ids_.items():
        expected = names.index(word) if word in names else -1
        assert rank[ident] == expected


def test_one_sided_svd_finds_the_top_singular_values():
    rng = np.random.default_rng(2)
    x = rng.random((80, 600)) * (rng.random((80, 600)) < 0.05)
    x[:40, :30] += 1.0  # one strong direction
    exact = np.linalg.svd(x, compute_uv=False)[:5]
    svd = SampleSVD(5, n_iter=7).fit(x)
    assert svd.singular_values_[0] == pytest.approx(exact[0], rel=1e-6)
    assert svd.singular_values_ == pytest.approx(exact, rel=1e-2)  # float32, few iterations
    reference = TruncatedSVD(5, random_state=0).fit(x).components_
    assert abs(svd.components_[0] @ reference[0]) == pytest.approx(1.0, abs=1e-6)


def test_a_fit_from_stored_words_equals_a_fit_from_the_texts(monkeypatch):
    texts = corpus(400)
    labels = np.where(np.arange(len(texts)) % 7 == 0, np.arange(len(texts)) % 2, -1)
    tokens = [text_tokens(t) for t in texts]
    for large in (False, True):
        if large:  # the large-pool path: components and word vectors fitted on a sample
            monkeypatch.setattr("scoring.screening_features.SVD_FIT_ROWS", 100)
            monkeypatch.setattr("scoring.screening_features.EMBEDDING_FIT_ROWS", 100)
        from_texts = ScreeningModel(embedding_dims=10).fit(texts, labels, ["hand hygiene"])
        from_words = ScreeningModel(embedding_dims=10).fit(
            texts, labels, ["hand hygiene"], tokens=tokens
        )
        assert from_words.large_pool_ is large
        assert np.array_equal(from_texts.decision_function(), from_words.decision_function())
        assert from_words.decision_function(texts[:3]) == pytest.approx(
            from_words.decision_function()[:3], abs=1e-6
        )
    with pytest.raises(ValueError, match="one entry per text"):
        ScreeningModel().fit(texts, tokens=tokens[:-1])


def test_topics_can_share_the_overall_models_features():
    texts = corpus(200)
    topics = {"hygiene": "hand hygiene", "falls": "falls and sepsis"}
    overall = ScreeningModel().fit(texts, prior_texts=list(topics.values()))
    labels = {"falls": [1 if "falls" in t else None for t in texts]}
    shared = TopicScreening().fit(texts, topics, labels, shared=overall)
    own = TopicScreening().fit(texts, topics, labels)
    assert np.array_equal(shared.predict_relevance(), own.predict_relevance())
    with pytest.raises(ValueError, match="shared must be fitted"):
        TopicScreening().fit(texts, {"hygiene": "hand hygiene"}, shared=overall)
    with pytest.raises(ValueError, match="shared must be fitted"):
        TopicScreening(n_components=20).fit(texts, topics, shared=overall)


def test_a_newline_ends_the_titles_words_and_splitting_does_not_see_it():
    assert text_tokens("Falls in Wards\nA study of falls.") == "falls in wards\nstudy of falls"
    assert text_tokens("Falls in wards").split() == ["falls", "in", "wards"]
    assert text_tokens("Falls\n\n!") == "falls"  # no words after the title: no newline
    assert text_tokens("Café\nNaïve data") == "café\nnaïve data\tcafe\nnaive data"
