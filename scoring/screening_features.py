"""Features for screening scanned items: word TF-IDF, latent components and pool word vectors.

`ScreeningFeatures` holds the hyperparameters `ScreeningModel` and `TopicScreening` share
(documented on `ScreeningModel`) and builds the feature rows both rank with.

The vectoriser is fitted once per pool, on every text in it, labelled or not (and on the seed
descriptions), as screening tools do: the labels never touch it. Each text is its word
1-2-gram TF-IDF vector (English stop words, sublinear tf, terms in at least ``min_df`` texts:
a term found in one text only cannot carry what was learned to any other) joined to
``n_components`` latent semantic components, a truncated SVD of the pool's TF-IDF matrix. The
components let a label on one paper lift papers on the same theme in other words ("opinion
leaders", "academic detailing"). Both parts are L2-normalised and the components count half
(``component_weight=0.5``): at full weight they blurred specific terms and lost more on
topical reviews than they gained on conceptual ones. Third, the TF-IDF-weighted mean of word
vectors learned from the pool itself (`scoring.embeddings`: positive PMI of words within five
words of each other, ``embedding_dims`` dimensions), L2-normalised, at ``embedding_weight=1``:
near-synonyms ("reminder", "prompt", "alert") land close, so a label on one paper lifts papers
saying the same in other words. On the nudging review (a real one) it raised WSS@95 from 64.5
to 70.3, recall after 10% screened from 65 to 71% and cut the average time to discovery from
9.1 to 8.3%; on five pseudo-reviews cut from that file it cost a little on average (WSS@95
56.0 to 54.6, recall 78.7 to 77.7%), and at weight 2 it lost badly there, so weight 1 it is
(bench/screening.py records the figures). The models cache the pool's rows, so a retrain is
only a classifier fit.
"""

from contextlib import nullcontext

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from scoring.embeddings import token_ids, word_vectors
from scoring.text import word_tfidf

__all__ = ["EMBEDDING_FIT_ROWS", "EMBEDDING_WINDOW", "SVD_FIT_ROWS", "ScreeningFeatures"]

SVD_FIT_ROWS = 5000  # the components are fitted on at most this many texts of the pool
EMBEDDING_FIT_ROWS = 5000  # word vectors are learned from at most this many texts of the pool
EMBEDDING_WINDOW = 5  # words this close count as each other's context


class ScreeningFeatures(BaseEstimator):
    """Hyperparameters shared by the screening models, and the feature rows they build.

    Parameters
    ----------
    C, class_weight, ngram_range, min_df, n_components, component_weight, embedding_dims,
    embedding_weight, random_state
        As in `ScreeningModel`.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
        Fitted on the pool and the descriptions.
    svd_ : TruncatedSVD or None
        The latent semantic components, or None when turned off or the pool is too small.
    embedding_ : tuple (columns, vectors) or None
        The TF-IDF columns of single words and their learned vectors, or None when turned
        off or the pool is too small to learn them.
    """

    def __init__(
        self,
        *,
        C=1.0,
        class_weight="balanced",
        ngram_range=(1, 2),
        min_df=2,
        n_components=100,
        component_weight=0.5,
        embedding_dims=200,
        embedding_weight=1.0,
        random_state=0,
    ):
        self.C = C
        self.class_weight = class_weight
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.n_components = n_components
        self.component_weight = component_weight
        self.embedding_dims = embedding_dims
        self.embedding_weight = embedding_weight
        self.random_state = random_state

    def _check_params(self):
        if not (np.isfinite(self.C) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C}")
        for name in ("n_components", "embedding_dims"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int | np.integer) and value >= 0):
                raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
        for name in ("component_weight", "embedding_weight"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be >= 0, got {value}")

    def _fit_features(self, corpus):
        """Fit the vectoriser, components and word vectors on `corpus`; return its rows."""
        try:
            self.vectorizer_ = word_tfidf(self.ngram_range, self.min_df)
            x = self.vectorizer_.fit_transform(corpus)
        except ValueError:  # min_df pruned every term (a tiny pool) or only stop words
            try:
                self.vectorizer_ = word_tfidf(self.ngram_range, 1)
                x = self.vectorizer_.fit_transform(corpus)
            except ValueError as error:
                raise ValueError("the texts hold no usable words") from error
        n_components = min(self.n_components, x.shape[0] - 1, x.shape[1] - 1)
        # The SVD's dense steps are small; several BLAS threads on a busy 2-core machine
        # spin against each other and made a 0.1 s fit take 9 s, so use one.
        with threadpool_limits(limits=1, user_api="blas"):
            self.svd_, self.svd_basis_ = None, None
            if n_components >= 2:
                rows = x
                if x.shape[0] > SVD_FIT_ROWS:  # a sample finds the same main topics, faster
                    rng = np.random.default_rng(self.random_state)
                    rows = x[np.sort(rng.choice(x.shape[0], SVD_FIT_ROWS, replace=False))]
                svd = TruncatedSVD(n_components, random_state=self.random_state)
                self.svd_ = svd.fit(rows)
                # C-ordered once: scikit-learn's transform re-lays it on every call.
                self.svd_basis_ = np.ascontiguousarray(svd.components_.T)
            self.embedding_ = self._fit_embedding(corpus)
            return self._combine(x)

    def _fit_embedding(self, corpus):
        """Word vectors for the vocabulary's single words, learned from (a sample of) the
        corpus; None when turned off or there is too little text."""
        if not (self.embedding_weight > 0 and self.embedding_dims >= 2):
            return None
        single = {t: c for t, c in self.vectorizer_.vocabulary_.items() if " " not in t}
        terms = sorted(single, key=single.get)
        if len(corpus) > EMBEDDING_FIT_ROWS:
            rng = np.random.default_rng(self.random_state)
            corpus = [corpus[i] for i in rng.choice(len(corpus), EMBEDDING_FIT_ROWS, False)]
        analyse = clone(self.vectorizer_).set_params(ngram_range=(1, 1)).build_analyzer()
        sequences = token_ids(corpus, analyse, {t: n for n, t in enumerate(terms)})
        vectors = word_vectors(
            sequences, len(terms), self.embedding_dims, EMBEDDING_WINDOW, self.random_state
        )
        return None if vectors is None else (np.array([single[t] for t in terms]), vectors)

    def _combine(self, x):
        """Join the L2-normalised latent components and mean word vectors to the TF-IDF rows."""
        blocks = [x]
        # Limiting BLAS threads costs about 2 ms a time: worth it for a pool, not for the one
        # new item of an ingestion, which must cost only a few ms.
        limits = threadpool_limits(limits=1, user_api="blas") if x.shape[0] > 100 else nullcontext()
        with limits:
            if self.svd_ is not None:
                z = normalize(np.asarray(x @ self.svd_basis_)) * self.component_weight
                blocks.append(sparse.csr_matrix(z))
            if self.embedding_ is not None:
                columns, vectors = self.embedding_
                e = normalize(np.asarray(x[:, columns] @ vectors)) * self.embedding_weight
                blocks.append(sparse.csr_matrix(e))
        return sparse.hstack(blocks, format="csr") if len(blocks) > 1 else x.tocsr()
