"""Each row's nearest other rows by cosine similarity, without comparing every pair.

Brute force compares n rows with n rows: about 18 s at 4,000 ideas and 45 minutes at 50,000.
Here the sparse rows are projected onto their 128 main directions (`TruncatedSVD`, latent
semantic analysis), an inverted-file index (faiss `IndexIVFFlat`, about sqrt(n) clusters, a
few searched per row) finds each row's closest rows in that space as candidates, and the
candidates are then ranked by their exact cosine similarity in the original space. The
similarities returned are exact; only the candidates are approximate, so a true neighbour is
missed now and then: on 12,000 of the scale demo's texts, 6 in 10,000 of the three nearest,
and the nearest itself never.

Everything is seeded and runs on one thread, so the same rows give the same answer every time:
faiss's threads (OpenMP) would make its k-means depend on timing, and an OpenMP thread pool
started in a process that later forks (a task worker, a test) can hang the child.
"""

from contextlib import contextmanager

import faiss
import numpy as np
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

__all__ = ["approximate_neighbours"]

DIMENSIONS = 128  # of the projection: at 12,000 texts, 64 lost 4.3 % of true neighbours
PROBES = 16  # clusters searched per row
SEED = 0
SVD_FIT_ROWS = 10_000  # rows the projection is fitted on, at most
DENSE = 4_000_000  # values of a block of rows made dense to score its candidates (32 MB)


def approximate_neighbours(matrix, k: int, candidates: int):
    """Each row's `k` most similar other rows, found among `candidates` approximate ones.

    Parameters
    ----------
    matrix : sparse or dense array, shape (n_rows, n_features)
        Rows compared by cosine similarity (need not be normalised).
    k : int
        Neighbours kept per row (at most n_rows - 1).
    candidates : int
        Rows per row taken from the index and scored exactly; at least `k`.

    Returns
    -------
    distances, indices : ndarray, shape (n_rows, k)
        Cosine distance (1 - similarity) and row index, nearest first (ties by index), as
        `NearestNeighbors.kneighbors` returns them. Where fewer than `k` candidates were
        found, the rest have distance 1.0 and index 0.
    """
    rows = normalize(sparse.csr_matrix(matrix, dtype=np.float64))
    n = rows.shape[0]
    k = min(k, n - 1)
    wanted = min(max(candidates, k) + 1, n)  # +1: a row usually finds itself first
    found = _candidates(_projected(rows.astype(np.float32)), wanted)
    found[found == np.arange(n)[:, None]] = -1
    similarity = _exact(rows, found)
    order = np.lexsort((np.where(found < 0, n, found), -similarity), axis=1)[:, :k]
    nearest = np.take_along_axis(found, order, axis=1)
    best = np.take_along_axis(similarity, order, axis=1)
    missing = nearest < 0
    distances = np.where(missing, 1.0, 1.0 - best)
    return distances, np.where(missing, 0, nearest)


def _projected(rows) -> np.ndarray:
    """The rows in the space of their main directions, normalised for inner products."""
    n, features = rows.shape
    dims = min(DIMENSIONS, features - 1, n - 1)
    if dims < 1:
        return np.ascontiguousarray(rows.toarray(), dtype=np.float32)
    # One BLAS thread: on a busy two-core machine several spin against each other (see
    # `scoring.screening_features`); and a sample finds the same main directions sooner.
    with threadpool_limits(limits=1, user_api="blas"):
        svd = TruncatedSVD(dims, n_iter=3, random_state=SEED)
        if n > SVD_FIT_ROWS:
            sample = np.random.default_rng(SEED).choice(n, SVD_FIT_ROWS, replace=False)
            svd.fit(rows[np.sort(sample)])
        else:
            svd.fit(rows)
        reduced = svd.transform(rows)
    return np.ascontiguousarray(normalize(reduced), dtype=np.float32)


def _candidates(points: np.ndarray, wanted: int) -> np.ndarray:
    """Each point's `wanted` nearest points (inner product) by an inverted-file index; -1 pads."""
    n, dims = points.shape
    clusters = max(1, min(int(np.sqrt(n)), n // 39))  # faiss wants 39 points a cluster
    with _one_thread():
        coarse = faiss.IndexFlatIP(dims)
        index = faiss.IndexIVFFlat(coarse, dims, clusters, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = SEED
        index.train(points)
        index.add(points)
        index.nprobe = min(PROBES, clusters)
        _, found = index.search(points, wanted)
    return found


def _exact(rows, found: np.ndarray) -> np.ndarray:
    """The exact cosine similarity of each row with each of its candidates (-inf for -1).

    A block of rows is made dense (at most `DENSE` values), and each candidate's stored
    values are multiplied by its row's values at the same features: work in proportion to
    the candidates' stored values, not to all pairs of features."""
    n, width = found.shape
    scores = np.full((n, width), -np.inf)
    block = max(1, DENSE // max(1, rows.shape[1]))
    for start in range(0, n, block):
        stop = min(n, start + block)
        dense = rows[start:stop].toarray()
        wanted = found[start:stop].ravel()
        valid = np.flatnonzero(wanted >= 0)
        chosen = rows[wanted[valid]]
        owner = valid // width  # each candidate's row, within the block
        at = np.repeat(owner * dense.shape[1], np.diff(chosen.indptr)) + chosen.indices
        chosen.data *= dense.ravel().take(at)  # a copy: `rows` keeps its values
        sums = np.asarray(chosen.sum(axis=1)).ravel()
        scores[start:stop].ravel()[valid] = sums
    return scores


@contextmanager
def _one_thread():
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
