"""Word vectors learned from a pool's own texts: positive PMI of nearby words, reduced by SVD.

Screening models see a text as its words. Two papers about the same idea in other words
("reminder" and "prompt", "opinion leader" and "champion") share few terms, and the latent
components of the TF-IDF matrix only catch themes that whole documents share. Words used in
the same close company are near-synonyms, so each word gets a vector from the words found
within ``window`` words of it anywhere in the pool: the positive pointwise mutual information
of those pairs (context counts raised to 0.75, which keeps rare contexts from dominating, as
in word2vec), reduced to ``dims`` dimensions by a truncated SVD, scaled by the square root of
the singular values (Levy, Goldberg and Dagan 2015). A text's vector is the TF-IDF-weighted
mean of its words' vectors.

No outside data or download: the vectors come from the pool being screened.
"""

import numpy as np
from scipy import sparse
from sklearn.utils.extmath import randomized_svd

from scoring.sample_svd import SampleSVD

__all__ = ["word_vectors"]

CONTEXT_POWER = 0.75


def word_vectors(sequences, n_words, dims=200, window=5, random_state=0, *, one_sided=False):
    """Return a (n_words, d) array of word vectors, or None when the texts are too small.

    Parameters
    ----------
    sequences : list of int arrays
        Each text's words as ids in ``range(n_words)``, in order.
    n_words : int
        Size of the vocabulary.
    dims : int
        Dimensions wanted; fewer when the vocabulary is small (``d = min(dims, n_words - 2)``).
    window : int
        Words up to this far apart count as each other's context.
    random_state : int
        Seeds the randomised SVD, so the vectors repeat exactly.
    one_sided : bool
        Use `scoring.sample_svd.SampleSVD` (normalised on one side, float32: several times
        faster on a large vocabulary) instead of scikit-learn's `randomized_svd`.
    """
    rows, cols = [], []
    for ids in sequences:
        for offset in range(1, window + 1):
            if ids.size > offset:
                rows.append(ids[:-offset])
                cols.append(ids[offset:])
    dims = min(dims, n_words - 2)
    if not rows or dims < 2:
        return None
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n_words, n_words)).tocsr()
    counts = (counts + counts.T).tocoo()  # context on either side
    if counts.nnz == 0:
        return None
    total = counts.data.sum()
    word_total = np.asarray(counts.sum(axis=1)).ravel()
    context = word_total**CONTEXT_POWER
    context /= context.sum()
    pmi = np.log(counts.data / total) - np.log(word_total[counts.row] / total * context[counts.col])
    keep = pmi > 0
    ppmi = sparse.csr_matrix(
        (pmi[keep], (counts.row[keep], counts.col[keep])), shape=(n_words, n_words)
    )
    if ppmi.nnz == 0:
        return None
    if one_sided:
        svd = SampleSVD(dims, n_iter=4, random_state=random_state).fit(ppmi.T)
        u, s = svd.components_.T, svd.singular_values_
    else:
        u, s, _ = randomized_svd(ppmi, dims, n_iter=4, random_state=random_state)
    return u * np.sqrt(s)
