"""The late-screening classifier: ASReview's ELAS u4, for once relevant items grow scarce.

`ScreeningModel` starts with logistic regression on its own features (word TF-IDF, latent
components, word vectors learned from the pool), which finds the first relevant items soonest.
Once a lead has met ``switch_after`` items in a row that were not relevant (after the first
relevant one), the easy finds are over, and the model switches for good to the classifier of
ASReview's current default, ELAS u4: a linear SVM (squared hinge, C=0.11) on word 1-2-gram
TF-IDF (sublinear tf, every term kept, no stop-word list, terms in over 95% of texts dropped),
with the relevant items weighted 9.8 times the irrelevant ones in total. That model reaches
the last relevant items sooner: it weighs rare words and relevant labels far more.
`bench/screening.py` records the figures behind the switch.
"""

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

__all__ = [
    "TAIL_C",
    "TAIL_RATIO",
    "fit_tail",
    "misses_in_a_row",
    "tail_vectorizer",
    "tail_weights",
]

TAIL_C = 0.11
TAIL_RATIO = 9.8  # relevant items' total weight over the irrelevant ones'


def tail_vectorizer():
    """The TF-IDF of ELAS u4 (unfitted)."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_df=0.95)


def tail_weights(y):
    """ELAS u4's sample weights ("balanced", ratio 9.8): the relevant items weigh 9.8 times
    the irrelevant ones in total, and the weights average 1."""
    y = np.asarray(y, dtype=float)
    weights = np.where(y == 1, 1.0, (y == 1).sum() / (TAIL_RATIO * (y == 0).sum()))
    return weights * (y.size / weights.sum())


def fit_tail(x, y, random_state=0):
    """Fit ELAS u4's SVM to feature rows `x` and 0/1 labels `y` (both kinds present)."""
    svm = LinearSVC(C=TAIL_C, loss="squared_hinge", random_state=random_state)
    return svm.fit(x, np.asarray(y, dtype=float), sample_weight=tail_weights(y))


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
