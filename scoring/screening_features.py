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

The TF-IDF is `scoring.token_tfidf.TokenTfidf`, scikit-learn's to rounding, built from the
texts' words (`text_tokens`), which a caller may have found ahead (the portal does as items
arrive). In a pool larger than ``SVD_FIT_ROWS`` texts, the components and the word vectors come
from `scoring.sample_svd.SampleSVD` on a sample, and the products run in float32
(`large_pool_`): at 25,000 texts the fit takes about 9 s instead of 30.
"""

from contextlib import nullcontext

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from scoring.embeddings import word_vectors
from scoring.sample_svd import SampleSVD
from scoring.token_tfidf import TokenTfidf

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
    vectorizer_ : TokenTfidf
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

    def _fit_features(self, pool):
        """Fit the vectoriser, components and word vectors on the pool's numbered words
        (`PoolWords`, the pool's texts then its descriptions); return its rows."""
        try:
            self.vectorizer_ = TokenTfidf(self.ngram_range, self.min_df)
            x, words = self.vectorizer_.fit_words(pool)
        except ValueError:  # min_df pruned every term (a tiny pool) or only stop words
            try:
                self.vectorizer_ = TokenTfidf(self.ngram_range, 1)
                x, words = self.vectorizer_.fit_words(pool)
            except ValueError as error:
                raise ValueError("the texts hold no usable words") from error
        n_components = min(self.n_components, x.shape[0] - 1, x.shape[1] - 1)
        self.large_pool_ = x.shape[0] > SVD_FIT_ROWS
        dtype = np.float32 if self.large_pool_ else np.float64
        # The SVD's dense steps are small; several BLAS threads on a busy 2-core machine
        # spin against each other and made a 0.1 s fit take 9 s, so use one.
        with threadpool_limits(limits=1, user_api="blas"):
            self.svd_, self.svd_basis_ = None, None
            if n_components >= 2:
                if x.shape[0] > SVD_FIT_ROWS:  # a sample finds the same main topics, faster
                    rng = np.random.default_rng(self.random_state)
                    rows = x[np.sort(rng.choice(x.shape[0], SVD_FIT_ROWS, replace=False))]
                    svd = SampleSVD(n_components, random_state=self.random_state).fit(rows)
                else:
                    svd = TruncatedSVD(n_components, random_state=self.random_state).fit(x)
                self.svd_ = svd
                # C-ordered once: scikit-learn's transform re-lays it on every call.
                self.svd_basis_ = np.ascontiguousarray(svd.components_.T, dtype=dtype)
            self.embedding_ = self._fit_embedding(*words)
            return self._combine(x)

    def _fit_embedding(self, flat, lengths):
        """Word vectors for the vocabulary's single words, learned from (a sample of) the
        pool's texts, given as their word ids in order (`TokenTfidf.fit_words`); None when
        turned off or there is too little text."""
        if not (self.embedding_weight > 0 and self.embedding_dims >= 2):
            return None
        rank, columns = self.vectorizer_.word_columns()
        texts = range(lengths.size)
        if lengths.size > EMBEDDING_FIT_ROWS:
            rng = np.random.default_rng(self.random_state)
            texts = rng.choice(lengths.size, EMBEDDING_FIT_ROWS, False).tolist()
        ends = np.cumsum(lengths).tolist()
        sequences = []
        for n in texts:
            ids = rank[flat[ends[n] - lengths[n] : ends[n]]]
            sequences.append(ids[ids >= 0])
        vectors = word_vectors(
            sequences,
            columns.size,
            self.embedding_dims,
            EMBEDDING_WINDOW,
            self.random_state,
            one_sided=lengths.size > EMBEDDING_FIT_ROWS,
        )
        if vectors is None:
            return None
        return columns, vectors.astype(np.float32 if self.large_pool_ else np.float64)

    def _combine(self, x):
        """Join the L2-normalised latent components and mean word vectors to the TF-IDF rows.

        A large pool's products run in float32 (`large_pool_`): they are bound by memory, and
        the rows are normalised in float64 after."""
        dense = []
        rows = x.astype(np.float32) if self.large_pool_ else x
        # Limiting BLAS threads costs about 2 ms a time: worth it for a pool, not for the one
        # new item of an ingestion, which must cost only a few ms.
        limits = threadpool_limits(limits=1, user_api="blas") if x.shape[0] > 100 else nullcontext()
        with limits:
            if self.svd_ is not None:
                z = np.asarray(rows @ self.svd_basis_, dtype=np.float64)
                dense.append(normalize(z) * self.component_weight)
            if self.embedding_ is not None:
                columns, vectors = self.embedding_
                e = np.asarray(rows[:, columns] @ vectors, dtype=np.float64)
                dense.append(normalize(e) * self.embedding_weight)
        return _with_dense_columns(x.tocsr(), np.hstack(dense)) if dense else x.tocsr()


def _with_dense_columns(x, dense):
    """The csr matrix `x` with the columns of `dense` (a float64 array) appended; the dense
    block becomes csr directly, not through a search for its non-zeros."""
    n_rows, width = dense.shape
    block = sparse.csr_matrix(
        (dense.ravel(), np.tile(np.arange(width), n_rows), width * np.arange(n_rows + 1)),
        shape=(n_rows, width),
    )
    return sparse.hstack([x, block], format="csr")
