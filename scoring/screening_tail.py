"""The late-screening classifier: ASReview's ELAS u4, for once relevant items grow scarce.

`ScreeningModel` starts with logistic regression on its own features (word TF-IDF, latent
components, word vectors learned from the pool), which finds the first relevant items soonest.
Once a lead has met ``switch_after`` items in a row that were not relevant (after the first
relevant one), the easy finds are over, and the model switches for good to the classifier of
ASReview's current default, ELAS u4: a linear SVM (squared hinge, C=0.11) on word 1-2-gram
TF-IDF (sublinear tf, every term kept, no stop-word list, terms in over 95% of texts dropped),
with the relevant items weighted 9.8 times the irrelevant ones in total. That model reaches
the last relevant items sooner: it weighs rare words and relevant labels far more. Three
changes of ours. First, among the relevant items the isolated ones weigh more than those with
a close twin (`isolation_weights`), their total unchanged: by the switch the dense core of the
relevant items has been found, and the ones still unfound lie near the outliers, not near the
core. Second, a title's words count twice (`title_twice`): a title says in a few words what
the paper is about, where an abstract's many words also describe methods and settings. Third,
as in Cormack and Grossman's continuous active learning, a random sample of the undecided
items joins the training as irrelevant, at a fiftieth of a decided one's weight (`PRESUMED`):
most of them are, and they show the SVM what the pool at large looks like, not only the near
misses a lead has seen. `bench/screening.py` records the figures behind each choice.
"""

import numpy as np
from scipy import sparse
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from scoring.token_tfidf import TokenTfidf

__all__ = [
    "PRESUMED",
    "PRESUMED_WEIGHT",
    "PRIMAL_FROM",
    "TAIL_C",
    "TAIL_RATIO",
    "fit_tail",
    "isolation_ranks",
    "isolation_weights",
    "misses_in_a_row",
    "nearest_similarity",
    "presumed_irrelevant",
    "tail_vectorizer",
    "tail_weights",
    "title_twice",
]

TAIL_C = 0.11
TAIL_RATIO = 9.8  # relevant items' total weight over the irrelevant ones'
PRIMAL_FROM = 5000  # labels from which the SVM is solved in its primal form
PRESUMED = 1000  # undecided items sampled as irrelevant at each fit
PRESUMED_WEIGHT = 0.02  # each weighs this much of a decided irrelevant item
SIMILARITY_BLOCK = 2000  # rows compared at once: a block's products stay within 2000 x n


def tail_vectorizer():
    """The TF-IDF of ELAS u4 (unfitted), over `title_twice` of `text_tokens`."""
    return TokenTfidf((1, 2), min_df=1, max_df=0.95, stop_words=False, strip_accents=False)


def title_twice(tokens):
    """A text's words (`text_tokens`) with its title's words (those before the newline, if
    any) said once more in front."""

    def twice(words):
        title, newline, _ = words.partition("\n")
        return f"{title} {words}" if newline else words

    words, tab, stripped = tokens.partition("\t")
    return f"{twice(words)}\t{twice(stripped)}" if tab else twice(words)


def tail_weights(y):
    """ELAS u4's sample weights ("balanced", ratio 9.8): the relevant items weigh 9.8 times
    the irrelevant ones in total, and the weights average 1."""
    y = np.asarray(y, dtype=float)
    weights = np.where(y == 1, 1.0, (y == 1).sum() / (TAIL_RATIO * (y == 0).sum()))
    return weights * (y.size / weights.sum())


def nearest_similarity(x):
    """Each row's cosine similarity to the most similar other row (0 for a lone row).

    Parameters
    ----------
    x : sparse matrix or ndarray, shape (n, n_features)
    """
    x = normalize(sparse.csr_matrix(x))  # a TokenTfidf's rows are already: this is cheap
    n = x.shape[0]
    nearest = np.zeros(n)
    if n < 2:
        return nearest
    for start in range(0, n, SIMILARITY_BLOCK):
        block = (x[start : start + SIMILARITY_BLOCK] @ x.T).toarray()
        rows = np.arange(block.shape[0])
        block[rows, start + rows] = -np.inf  # not a row's own twin
        nearest[start : start + block.shape[0]] = block.max(axis=1)
    return nearest


def isolation_ranks(x):
    """Rank rows by how far each is from its nearest neighbour among them: 1 for the row with
    the closest twin, up to n for the most isolated (ties in row order).

    Parameters
    ----------
    x : sparse matrix or ndarray, shape (n, n_features)
        The relevant items' features.
    """
    order = np.argsort(-nearest_similarity(x), kind="stable")
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def isolation_weights(x, y):
    """`tail_weights`, with each relevant item's share of the relevant items' total weight
    proportional to its `isolation_ranks` among them: the item with the closest twin weighs
    least, the most isolated most, and the 9.8 to 1 balance stays. Measured in
    bench/screening.py: on the two shared reviews it lifted WSS@95 by 1.5 points on average,
    the pseudo-reviews level.

    Parameters
    ----------
    x : sparse matrix or ndarray, shape (n, n_features)
    y : array_like of {0, 1}, shape (n,)
    """
    y = np.asarray(y, dtype=float)
    weights = tail_weights(y)
    relevant = np.flatnonzero(y == 1)
    if relevant.size > 1:
        ranks = isolation_ranks(x[relevant])
        weights[relevant] *= ranks * (ranks.size / ranks.sum())
    return weights


def presumed_irrelevant(undecided, n_decided, random_state=0):
    """The undecided items (indices) to train on as irrelevant: `PRESUMED` of them at random,
    a fresh sample for each number of decisions, the same for the same number.

    Parameters
    ----------
    undecided : array_like of int
    n_decided : int
        Items decided so far: seeds the sample with `random_state`.
    """
    undecided = np.asarray(undecided, dtype=np.int64)
    rng = np.random.default_rng([random_state, n_decided])
    return np.sort(rng.choice(undecided, min(PRESUMED, undecided.size), replace=False))


def fit_tail(x, y, presumed=None, isolation=True, random_state=0):
    """Fit ELAS u4's SVM to feature rows `x` and 0/1 labels `y` (both kinds present), the
    relevant items weighted by `isolation_weights` (or all alike without `isolation`).

    `presumed` (rows of undecided items, see `presumed_irrelevant`) join as irrelevant, each at
    `PRESUMED_WEIGHT` of a decided irrelevant item's weight."""
    y = np.asarray(y, dtype=float)
    weights = isolation_weights(x, y) if isolation else tail_weights(y)
    if presumed is not None and presumed.shape[0]:
        light = PRESUMED_WEIGHT * weights[y == 0].mean()
        x = sparse.vstack([sparse.csr_matrix(x), sparse.csr_matrix(presumed)], format="csr")
        y = np.r_[y, np.zeros(presumed.shape[0])]
        weights = np.r_[weights, np.full(presumed.shape[0], light)]
    # liblinear's dual is fastest while labels are few (as in every simulation behind the
    # figures); with unequal weights it needed 5 s for 20,000 labels (the limit is 3 s),
    # where the primal reaches the same scores (correlation 0.99999) in half the time.
    many = x.shape[0] >= PRIMAL_FROM
    svm = LinearSVC(
        C=TAIL_C,
        loss="squared_hinge",
        dual=not many,
        tol=1e-3 if many else 1e-4,
        random_state=random_state,
    )
    return svm.fit(x, y, sample_weight=weights)


def misses_in_a_row(decided):
    """The longest run of not-relevant decisions after the first relevant one.

    Parameters
    ----------
    decided : array_like of {0, 1}
        Labels in the order they were decided.
    """
    decided = np.asarray(decided, dtype=int)
    hits = np.flatnonzero(decided == 1)
    if hits.size == 0:
        return 0
    after = np.append(decided[hits[0] :], 1)
    gaps = np.diff(np.flatnonzero(after)) - 1
    return int(gaps.max()) if gaps.size else 0
