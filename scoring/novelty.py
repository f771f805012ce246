"""Near-duplicate ideas and novelty from the cosine similarity of TF-IDF vectors.

Texts become TF-IDF vectors and `sklearn.neighbors.NearestNeighbors` (cosine metric, brute
force over the sparse matrix) finds each text's nearest others, so no Python loop ever runs
over all pairs; above `APPROXIMATE_ABOVE` texts, a corpus compared with itself takes its
candidates from an approximate index instead (`scoring.nearest`). A pair at or above the
threshold is a likely duplicate; a text's novelty is one minus its similarity to its nearest
other text.

The default vectoriser uses character 3- to 5-grams within word boundaries with raw term
counts. Duplicate ideas sent by different people are paraphrases ("care home" / "care homes",
"deteriorating" / "deterioration", "alert" / "alerts"), and character n-grams match such word
forms without a stemmer. On the 42 demo ideas (title, summary, proposed change and the four
problem fields, joined by newlines) it makes every planted duplicate pair mutual nearest
neighbours; word TF-IDF did not (the two care-home NEWS2 ideas scored 0.25-0.27, below
unrelated pairs). `NEAR_DUPLICATE_THRESHOLD` was chosen on those ideas: see
``tests/scoring/test_novelty.py`` for the measured similarities. A different vectoriser or
text recipe needs its own threshold.
"""

from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

from scoring.nearest import approximate_neighbours
from scoring.text import check_texts

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "NearDuplicateFinder",
    "NearDuplicates",
    "near_duplicates",
    "novelty_scores",
]

# Lowest planted duplicate pair 0.420; highest other pairs 0.435 (two CTG ideas on the same
# problem with different solutions, worth showing a lead) then 0.392. See the test.
NEAR_DUPLICATE_THRESHOLD = 0.40
_EPS = 1e-9  # rounding slack so a pair at exactly the threshold counts as "at or above"
# Above this many texts, comparing the corpus with itself compares candidates, not all pairs.
APPROXIMATE_ABOVE = 2000


class NearDuplicates(NamedTuple):
    """Result of `near_duplicates`; unpacks as ``neighbors, pairs``.

    Attributes
    ----------
    neighbors : list of list of tuple (int, float)
        For each text, its nearest other texts as ``(index, similarity)``, most similar first
        (ties by index); texts sharing no feature (similarity 0) are left out.
    pairs : list of tuple (int, int, float)
        ``(i, j, similarity)`` with ``i < j`` for every pair at or above the threshold, most
        similar first (ties by ``i`` then ``j``).
    """

    neighbors: list
    pairs: list


def _default_vectorizer():
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), strip_accents="unicode")


def _neighbour_lists(distances, indices):
    """Turn kneighbors arrays into sorted (index, similarity) lists, dropping zero similarity."""
    similarity = np.clip(1.0 - distances, 0.0, 1.0)
    result = []
    for sims, inds in zip(similarity, indices, strict=True):
        order = np.lexsort((inds, -sims))
        result.append([(int(inds[o]), float(sims[o])) for o in order if sims[o] > _EPS])
    return result


class NearDuplicateFinder(BaseEstimator):
    """Find the texts of a fitted corpus nearest to given texts, by TF-IDF cosine similarity.

    Fit once on the existing ideas; `kneighbors` then compares new ideas against them without
    refitting (the vocabulary and IDF weights stay those of the corpus).

    Parameters
    ----------
    threshold : float, default=NEAR_DUPLICATE_THRESHOLD
        Similarity at or above which two texts count as near-duplicates, in (0, 1].
    n_neighbors : int, default=5
        Nearest texts returned per text.
    vectorizer : transformer, optional
        Unfitted text vectoriser with ``fit_transform`` and ``transform`` (cloned in `fit`).
        By default a `TfidfVectorizer` over character 3- to 5-grams within words, for which
        the default threshold was tuned.
    approximate_above : int, default=APPROXIMATE_ABOVE
        Above this many corpus texts, `kneighbors` and `novelty` over the corpus itself take
        each text's candidates from an approximate index and rank them by exact similarity
        (`scoring.nearest`): seconds at 50,000 texts instead of most of an hour, with a true
        neighbour missed now and then. New texts, and `pairs`, are always compared with all.

    Attributes
    ----------
    vectorizer_ : transformer
        The fitted vectoriser.
    nn_ : NearestNeighbors
        Cosine nearest-neighbour index over the corpus vectors.
    matrix_ : sparse matrix, shape (n_samples_fit_, n_features)
        The corpus vectors.
    n_samples_fit_ : int
        Number of corpus texts.
    """

    def __init__(
        self,
        threshold=NEAR_DUPLICATE_THRESHOLD,
        n_neighbors=5,
        vectorizer=None,
        approximate_above=APPROXIMATE_ABOVE,
    ):
        self.threshold = threshold
        self.n_neighbors = n_neighbors
        self.vectorizer = vectorizer
        self.approximate_above = approximate_above

    def fit(self, texts, y=None):
        """Vectorise the corpus and index it for nearest-neighbour search.

        Parameters
        ----------
        texts : list of str
            The corpus, such as the existing ideas' texts.
        y : None
            Ignored.

        Returns
        -------
        self : NearDuplicateFinder

        Raises
        ------
        ValueError
            If `texts` is empty or not a list of strings, if a hyperparameter is out of range,
            or if no text yields any feature.
        """
        texts = check_texts(texts)
        if not texts:
            raise ValueError("texts must hold at least one text")
        self._check_params()
        base = _default_vectorizer() if self.vectorizer is None else self.vectorizer
        self.vectorizer_ = clone(base)
        self.matrix_ = self.vectorizer_.fit_transform(texts)
        self.nn_ = NearestNeighbors(metric="cosine", algorithm="brute").fit(self.matrix_)
        self.n_samples_fit_ = len(texts)
        return self

    def _check_params(self):
        if not 0.0 < float(self.threshold) <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        self._check_k(self.n_neighbors)

    @staticmethod
    def _check_k(k):
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"n_neighbors must be a positive integer, got {k!r}")

    def _query(self, texts, k):
        """Return kneighbors distances and indices, excluding self when texts is None."""
        if texts is None:
            k = min(k, self.n_samples_fit_ - 1)
            if k == 0:
                return np.empty((self.n_samples_fit_, 0)), np.empty((self.n_samples_fit_, 0), int)
            if self.n_samples_fit_ > self.approximate_above:
                return approximate_neighbours(self.matrix_, k, candidates=max(10, 3 * k))
            return self.nn_.kneighbors(n_neighbors=k)
        texts = check_texts(texts)
        if not texts:
            return np.empty((0, 0)), np.empty((0, 0), int)
        k = min(k, self.n_samples_fit_)
        return self.nn_.kneighbors(self.vectorizer_.transform(texts), n_neighbors=k)

    def kneighbors(self, texts=None, n_neighbors=None):
        """Return each text's nearest corpus texts with their cosine similarity.

        Parameters
        ----------
        texts : list of str, optional
            New texts to compare with the corpus. When omitted, each corpus text is compared
            with the others (never with itself).
        n_neighbors : int, optional
            Neighbours per text; defaults to the ``n_neighbors`` hyperparameter.

        Returns
        -------
        list of list of tuple (int, float)
            Per text, ``(corpus index, similarity)`` most similar first (ties by index); at
            most `n_neighbors`, leaving out corpus texts with similarity 0.
        """
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        self._check_k(k)
        return _neighbour_lists(*self._query(texts, k))

    def pairs(self):
        """Return every corpus pair at or above the threshold, most similar first.

        A radius search finds all of them, however many a text has (not only its
        ``n_neighbors`` nearest).

        Returns
        -------
        list of tuple (int, int, float)
            ``(i, j, similarity)`` with ``i < j``; ties ordered by ``i`` then ``j``.
        """
        if self.n_samples_fit_ < 2:
            return []
        radius = 1.0 - float(self.threshold) + _EPS
        distances, indices = self.nn_.radius_neighbors(radius=radius, sort_results=False)
        counts = np.fromiter((len(ind) for ind in indices), dtype=np.int64)
        if counts.sum() == 0:
            return []
        i = np.repeat(np.arange(self.n_samples_fit_), counts)
        j = np.concatenate(indices).astype(np.int64)
        sims = np.clip(1.0 - np.concatenate(distances), 0.0, 1.0)
        keep = i < j
        i, j, sims = i[keep], j[keep], sims[keep]
        order = np.lexsort((j, i, -sims))
        return [(int(i[o]), int(j[o]), float(sims[o])) for o in order]

    def novelty(self, texts=None):
        """Return one minus each text's similarity to its nearest corpus text, in [0, 1].

        Parameters
        ----------
        texts : list of str, optional
            New texts; when omitted, the corpus texts against each other. A corpus of one
            text has novelty 1.0.

        Returns
        -------
        ndarray of float, shape (n_texts,)
        """
        distances, _ = self._query(texts, 1)
        if distances.shape[1] == 0:
            return np.ones(distances.shape[0])
        return np.clip(distances[:, 0], 0.0, 1.0)


def near_duplicates(texts, *, threshold=NEAR_DUPLICATE_THRESHOLD, n_neighbors=5, vectorizer=None):
    """Find each text's nearest other texts and every pair at or above the threshold.

    Parameters
    ----------
    texts : list of str
        Texts to compare with one another, such as each idea's title, summary, proposed
        change and problem fields.
    threshold : float, default=NEAR_DUPLICATE_THRESHOLD
        Similarity at or above which a pair is reported, in (0, 1].
    n_neighbors : int, default=5
        Nearest other texts listed per text.
    vectorizer : transformer, optional
        See `NearDuplicateFinder`.

    Returns
    -------
    NearDuplicates
        ``neighbors`` (per text, ``(index, similarity)`` most similar first) and ``pairs``
        (``(i, j, similarity)``, ``i < j``, at or above the threshold).
    """
    texts = check_texts(texts)
    finder = NearDuplicateFinder(
        threshold=threshold, n_neighbors=n_neighbors, vectorizer=vectorizer
    )
    if len(texts) < 2:
        finder._check_params()
        return NearDuplicates([[] for _ in texts], [])
    finder.fit(texts)
    return NearDuplicates(finder.kneighbors(), finder.pairs())


def novelty_scores(texts, *, vectorizer=None):
    """Return one minus each text's similarity to its most similar other text, in [0, 1].

    Parameters
    ----------
    texts : list of str
        Texts to compare with one another.
    vectorizer : transformer, optional
        See `NearDuplicateFinder`.

    Returns
    -------
    ndarray of float, shape (n_texts,)
        1.0 for a text unlike every other (and for a single text); 0.0 for an exact copy.
    """
    texts = check_texts(texts)
    if len(texts) < 2:
        return np.ones(len(texts))
    return NearDuplicateFinder(n_neighbors=1, vectorizer=vectorizer).fit(texts).novelty()
