"""Input checks and the word TF-IDF set-up shared by the text-scoring modules."""

from sklearn.feature_extraction.text import TfidfVectorizer


def check_texts(texts, name="texts"):
    """Return `texts` as a list after checking it holds strings (and is not one string)."""
    if isinstance(texts, str | bytes):
        raise ValueError(f"{name} must be a list of strings, not a single string")
    texts = list(texts)
    for n, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{name}[{n}] is {type(text).__name__}, expected str")
    return texts


def word_tfidf(ngram_range=(1, 2), min_df=1):
    """Return the unfitted word TF-IDF vectoriser used for topical relevance.

    English stop words, accents stripped, sublinear term frequency (a word said ten times is
    not ten times the evidence) and L2-normalised rows, so dot products are cosine similarities.
    """
    return TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        strip_accents="unicode",
        ngram_range=tuple(ngram_range),
        min_df=min_df,
    )
