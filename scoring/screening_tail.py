"""The late-screening classifier: ASReview's ELAS u4, for once relevant items grow scarce.

`ScreeningModel` starts with logistic regression on its own features (word TF-IDF, latent
components, word vectors learned from the pool), which finds the first relevant items soonest.
Once a lead has met ``switch_after`` items in a row that were not relevant (after the first
relevant one), the easy finds are over, and the model switches for good to the classifier of
ASReview's current default, ELAS u4: a linear SVM (squared hinge, C=0.11) on word 1-2-gram
TF-IDF (sublinear tf, every term kept, no stop-word list, terms in over 95% of texts dropped),
with the relevant items weighted 9.8 times the irrelevant ones in total. That model reaches
the last relevant items sooner: it weighs rare words and relevant labels far more. One change
of ours: the relevant items found later weigh more (up to six times the first), since the
ones still unfound are more like the stragglers than like the easy first finds.
`bench/screening.py` records the figures behind the switch and the weighting.
"""

import numpy as np
from sklearn.svm import LinearSVC

from scoring.token_tfidf import TokenTfidf

__all__ = [
    "PRIMAL_FROM",
    "RECENCY",
    "TAIL_C",
    "TAIL_RATIO",
    "discovery_ranks",
    "fit_tail",
    "misses_in_a_row",
    "tail_vectorizer",
    "tail_weights",
]

TAIL_C = 0.11
TAIL_RATIO = 9.8  # relevant items' total weight over the irrelevant ones'
PRIMAL_FROM = 5000  # labels from which the SVM is solved in its primal form
RECENCY = 5.0  # the relevant item found last weighs 1 + RECENCY times the first one


def tail_vectorizer():
    """The TF-IDF of ELAS u4 (unfitted), over `text_tokens`."""
    return TokenTfidf((1, 2), min_df=1, max_df=0.95, stop_words=False, strip_accents=False)


def tail_weights(y):
    """ELAS u4's sample weights ("balanced", ratio 9.8): the relevant items weigh 9.8 times
    the irrelevant ones in total, and the weights average 1."""
    y = np.asarray(y, dtype=float)
    weights = np.where(y == 1, 1.0, (y == 1).sum() / (TAIL_RATIO * (y == 0).sum()))
    return weights * (y.size / weights.sum())


def discovery_ranks(y, found_order):
    """Each relevant item's place among the relevant items in the order they were found, from
    0 (first) to 1 (last); 0 for the rest.

    Parameters
    ----------
    y : array_like of {0, 1}, shape (n,)
        The labels of the rows to weigh.
    found_order : array_like of int
        Row indices (into `y`) of the relevant items, first found first.
    """
    ranks = np.zeros(len(y))
    found_order = np.asarray(found_order, dtype=np.int64)
    if found_order.size > 1:
        ranks[found_order] = np.arange(found_order.size) / (found_order.size - 1)
    return ranks


def fit_tail(x, y, ranks=None, random_state=0):
    """Fit ELAS u4's SVM to feature rows `x` and 0/1 labels `y` (both kinds present).

    With `ranks` (`discovery_ranks`), relevant items found later weigh more, up to 1 +
    `RECENCY` times: the relevant items still unfound resemble the ones found lately more than
    the first, easy ones (on the two shared reviews this lifted WSS@95 by 1 point on average;
    see bench/screening.py)."""
    weights = tail_weights(y)
    if ranks is not None:
        weights = weights * (1.0 + RECENCY * np.asarray(ranks))
    # liblinear's dual is fastest while labels are few (as in every simulation behind the
    # figures); with the recency weights it needed 5 s for 20,000 labels (the limit is 3 s),
    # where the primal reaches the same scores (correlation 0.99999) in half the time.
    many = x.shape[0] >= PRIMAL_FROM
    svm = LinearSVC(
        C=TAIL_C,
        loss="squared_hinge",
        dual=not many,
        tol=1e-3 if many else 1e-4,
        random_state=random_state,
    )
    return svm.fit(x, np.asarray(y, dtype=float), sample_weight=weights)


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
