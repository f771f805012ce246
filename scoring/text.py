"""Text input checks and the word TF-IDF set-up shared by the text-scoring modules.

`word_tfidf` is public so that callers comparing texts (the portal's related-literature
search, for one) vectorise them exactly as the relevance and screening models do.
"""

from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["check_texts", "word_tfidf"]


def check_texts(texts, name="texts"):
    """Return `texts` as a list after checking it holds strings (and is not one string).

    Parameters
    ----------
    texts : iterable of str
        The texts to check.
    name : str, default="texts"
        What to call them in an error message.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If `texts` is a single string or bytes, or holds anything but strings.
    """
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

    Parameters
    ----------
    ngram_range : tuple of int, default=(1, 2)
        Word n-grams used as terms.
    min_df : int, default=1
        Terms in fewer texts are ignored.

    Returns
    -------
    TfidfVectorizer
        Not yet fitted.
    """
    return TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        strip_accents="unicode",
        ngram_range=tuple(ngram_range),
        min_df=min_df,
    )
