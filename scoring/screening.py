"""Relevance of scanned items for triage, learned from leads' decisions (active learning).

A lead triages a pool of scanned items (title plus abstract or summary). `ScreeningModel`
scores every item in the pool; the lead decides about the top one (`next_to_screen`), the
model retrains on the new label (`update`) and the ranking changes. This is the loop that
screening tools such as ASReview run, and `bench/screening.py` measures it.

Features (`scoring.screening_features`): each text's word TF-IDF vector joined to latent
semantic components of the pool and to the mean of word vectors learned from the pool, all
fitted once per pool, labels or not, and cached in `features_`, so a retrain is only a
classifier fit.

Classifier. L2-regularised logistic regression (liblinear's dual solver, fast while there
are more terms than labels) with ``class_weight="balanced"``, so the rare relevant items
weigh as much in total as the irrelevant ones, and scikit-learn's default C=1. Measured in
`bench/screening.py` on the nudging review and five pseudo-reviews cut from it, against
ASReview's Naive Bayes default, an SVM (ASReview's ELAS u4 settings), a logistic/Bayes blend,
ASReview's dynamic resampling in place of class weights, and C from 0.1 to 10.

Late in screening (`scoring.screening_tail`): once the lead has met ``switch_after`` items in
a row that were not relevant, the model switches for good to ASReview ELAS u4's SVM on its own
TF-IDF ("late"), which reaches the last relevant items sooner; ours weighs the isolated
relevant items more, counts titles twice and takes a sample of the undecided items as lightly
weighted irrelevant ones. `update` needs the order the labels were given in to know
(``order``); without it the model never switches.

Before there are labels of both kinds (`mode_` says which case applies):

- no labels, seed descriptions given: relevance is the cosine similarity to the most similar
  description ("similarity");
- descriptions but no relevant label yet: the descriptions stand in as relevant examples
  ("descriptions");
- relevant labels but no irrelevant ones: the unlabelled items stand in as irrelevant, since
  relevant items are rare ("unlabelled_as_irrelevant");
- only irrelevant labels and no descriptions: items least like the known irrelevant ones
  come first ("away_from_irrelevant"); nothing at all: every item scores 0 ("unranked").
"""

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from scoring.checks import bool_mask
from scoring.screening_features import ScreeningFeatures
from scoring.screening_tail import (
    fit_tail,
    misses_in_a_row,
    presumed_irrelevant,
    tail_vectorizer,
    title_twice,
)
from scoring.text import check_texts
from scoring.token_tfidf import PoolWords, text_tokens

__all__ = ["ScreeningModel", "next_to_screen"]

TRAINED_MODES = ("trained", "descriptions", "unlabelled_as_irrelevant", "late")
DEFAULT_SWITCH_AFTER = 20


def _label_vector(labels, n_texts):
    """Return (y, labelled) from one label per text: 1, 0, or -1 / None / nan for undecided."""
    if labels is None:
        return np.zeros(n_texts), np.zeros(n_texts, dtype=bool)
    if isinstance(labels, str | bytes | Mapping):
        raise ValueError("labels must be a sequence with one label per text")
    array = np.asarray(labels, dtype=object if not isinstance(labels, np.ndarray) else None)
    if array.ndim != 1 or array.shape[0] != n_texts:
        raise ValueError(f"labels must have one entry per text ({n_texts}), not {array.shape}")
    if array.dtype.kind in "OUS":
        if any(isinstance(v, str | bytes) for v in array):
            raise ValueError("labels must be 1, 0 or -1/None (undecided), not strings")
        array = np.array([np.nan if v is None else v for v in array], dtype=float)
    array = array.astype(float)
    labelled = ~(np.isnan(array) | (array == -1))
    if not np.isin(array[labelled], (0.0, 1.0)).all():
        raise ValueError("labels must be 1 (relevant), 0 (not relevant) or -1/None (undecided)")
    return np.where(labelled, array, 0.0), labelled


def _fit_tail_vectorizer(tokens):
    """The late classifier's fitted vectoriser and the pool's rows for it, from the pool's
    words; (None, None) when too few texts leave a term under its max_df (the model then never
    switches)."""
    vectorizer = tail_vectorizer()
    try:
        return vectorizer, vectorizer.fit_words(PoolWords(map(title_twice, tokens)))[0]
    except ValueError:
        return None, None


def _cosine(x, reference):
    """Cosine similarity of each row of `x` with each row of `reference` (dense result)."""
    product = x @ normalize(reference).T
    product = product.toarray() if sparse.issparse(product) else np.asarray(product)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    return product / np.where(norms > 0, norms, 1.0)[:, None]


class ScreeningModel(ScreeningFeatures):
    """Rank a pool of texts by relevance, retraining cheaply as leads label items.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularisation strength of the logistic regression.
    class_weight : "balanced", dict or None, default="balanced"
        Passed to `LogisticRegression`; "balanced" gives both classes equal total weight.
    ngram_range : tuple of int, default=(1, 2)
        Word n-grams used as terms.
    min_df : int, default=2
        Terms in fewer texts are ignored (falls back to 1 if that leaves no term at all).
    n_components : int, default=100
        Latent semantic components joined to the TF-IDF vector (capped by the pool's size;
        0 turns them off).
    component_weight : float, default=0.5
        Scale of the (L2-normalised) components against the (L2-normalised) TF-IDF part.
    embedding_dims : int, default=200
        Dimensions of the word vectors learned from the pool (capped by its vocabulary; 0
        turns them off).
    embedding_weight : float, default=1.0
        Scale of each text's (L2-normalised) mean word vector; 0 turns them off.
    random_state : int, default=0
        Seeds the SVDs and liblinear, so results repeat exactly.
    switch_after : int or None, default=20
        Not-relevant decisions in a row (after the first relevant one) after which the late
        classifier takes over for good; None never switches.

    Attributes
    ----------
    vectorizer_ : TokenTfidf
        Fitted on the pool and the descriptions.
    svd_ : TruncatedSVD or None
        The latent semantic components, or None when turned off or the pool is too small.
    embedding_ : tuple (columns, vectors) or None
        The TF-IDF columns of single words and their learned vectors, or None when turned
        off or the pool is too small to learn them.
    features_ : sparse matrix, shape (n_texts, n_features)
        The pool's cached feature rows.
    prior_features_ : sparse matrix, shape (n_prior_texts, n_features)
        The descriptions' feature rows.
    tail_vectorizer_ : TokenTfidf or None
        The late classifier's TF-IDF, fitted on the pool (None when ``switch_after`` is None).
    tail_features_ : sparse matrix or None
        The pool's rows for the late classifier.
    classifier_ : LogisticRegression, LinearSVC or None
        The model behind the scores when `mode_` is in `TRAINED_MODES` (the SVM when "late").
    mode_ : str
        Which case produced the scores (see the module docstring).
    n_relevant_, n_irrelevant_ : int
        Labels of each kind at the last fit or update.
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
        switch_after=DEFAULT_SWITCH_AFTER,
    ):
        super().__init__(
            C=C,
            class_weight=class_weight,
            ngram_range=ngram_range,
            min_df=min_df,
            n_components=n_components,
            component_weight=component_weight,
            embedding_dims=embedding_dims,
            embedding_weight=embedding_weight,
            random_state=random_state,
        )
        self.switch_after = switch_after

    def fit(self, texts, labels=None, prior_texts=None, order=None, tokens=None):
        """Build the pool's features, then train on its labels.

        Parameters
        ----------
        texts : list of str
            The whole pool, labelled or not: each item's title and abstract or summary.
        labels : array_like, shape (n_texts,), optional
            Per text 1 (relevant), 0 (not relevant) or -1 / None / nan (undecided).
        prior_texts : list of str, optional
            Seed descriptions (a workstream's or criterion's description and keywords): the
            cold-start ranking, and relevant examples until a lead marks a real one.
        order : array_like of int, optional
            See `update`.
        tokens : list of str, optional
            Each text's words as `scoring.text_tokens` gives them, computed ahead (when the
            item arrived), so the fit does not read the texts again.

        Returns
        -------
        self : ScreeningModel

        Raises
        ------
        ValueError
            If the pool is empty, texts are not strings, labels do not match the texts or
            hold other values, or a hyperparameter is out of range.
        """
        texts = check_texts(texts)
        if not texts:
            raise ValueError("texts must hold at least one text (the pool to screen)")
        priors = [] if prior_texts is None else check_texts(prior_texts, "prior_texts")
        y, labelled = _label_vector(labels, len(texts))
        self._check_params()
        if tokens is None:
            tokens = [text_tokens(text) for text in texts]
        else:
            tokens = check_texts(tokens, "tokens")
            if len(tokens) != len(texts):
                raise ValueError(f"tokens must have one entry per text ({len(texts)})")
        pool = PoolWords(tokens + [text_tokens(text) for text in priors])
        self.tail_vectorizer_, self.tail_features_ = None, None
        with ThreadPoolExecutor(1) as alongside:
            # The late classifier's vocabulary needs only the words, so it is built on a
            # second core while the features are (numpy's sorts let go of the GIL).
            tail = None
            if self.switch_after is not None:
                tail = alongside.submit(_fit_tail_vectorizer, tokens)
            features = self._fit_features(pool)
            if tail is not None:
                self.tail_vectorizer_, self.tail_features_ = tail.result()
        self.features_ = features[: len(texts)]
        self.prior_features_ = features[len(texts) :]
        return self._train(y, labelled, self._late(y, labelled, order))

    def update(self, labels, order=None):
        """Retrain on new labels for the same pool, reusing the cached features.

        Parameters
        ----------
        labels : array_like, shape (n_texts,)
            As in `fit`, for the pool given to `fit`.
        order : array_like of int, optional
            The labelled items' indices in the order they were labelled, so the model can
            tell when to switch to its late classifier (see the module docstring); items
            missing from it, or undecided, are skipped. Without it the model does not switch.

        Returns
        -------
        self : ScreeningModel
        """
        self._check_fitted()
        y, labelled = _label_vector(labels, self.features_.shape[0])
        return self._train(y, labelled, self._late(y, labelled, order))

    def _check_params(self):
        super()._check_params()
        value = self.switch_after
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1
        ):
            raise ValueError(f"switch_after must be a positive integer or None, got {value!r}")

    def _late(self, y, labelled, order):
        """Whether the late classifier should score: enough misses in a row, in `order`."""
        if order is None or getattr(self, "tail_features_", None) is None:
            return False
        order = np.asarray(order, dtype=np.int64).ravel()
        if order.size and (order.min() < 0 or order.max() >= y.size):
            raise ValueError(f"order must hold item indices in range({y.size})")
        order = order[labelled[order]]
        return misses_in_a_row(y[order]) >= self.switch_after

    def _check_fitted(self):
        if not hasattr(self, "features_"):
            raise ValueError(f"{type(self).__name__} is not fitted yet; call fit first")

    def _train(self, y, labelled, late=False):
        """Train on the labels, with the late classifier when `late`."""
        relevant, irrelevant = labelled & (y == 1), labelled & (y == 0)
        self.n_relevant_, self.n_irrelevant_ = int(relevant.sum()), int(irrelevant.sum())
        self.classifier_, self.reference_ = None, None
        if late and self.n_relevant_ and self.n_irrelevant_:
            self.mode_ = "late"
            rows = np.flatnonzero(labelled)
            undecided = presumed_irrelevant(np.flatnonzero(~labelled), rows.size, self.random_state)
            x, presumed = self.tail_features_[rows], self.tail_features_[undecided]
            self.classifier_ = fit_tail(x, y[rows], presumed, random_state=self.random_state)
            return self
        positives = self.features_[relevant]
        negatives = self.features_[irrelevant]
        self.mode_ = "trained"
        if not self.n_relevant_ and self.prior_features_.shape[0]:
            positives, self.mode_ = self.prior_features_, "descriptions"
            if not self.n_irrelevant_:
                self.mode_, self.reference_ = "similarity", positives
                return self
        if positives.shape[0] == 0:
            self.mode_ = "away_from_irrelevant" if self.n_irrelevant_ else "unranked"
            if self.n_irrelevant_:
                self.reference_ = sparse.csr_matrix(negatives.mean(axis=0))
            return self
        if negatives.shape[0] == 0:
            negatives = self.features_[~labelled]
            self.mode_ = "unlabelled_as_irrelevant"
            if negatives.shape[0] == 0:  # every item is labelled relevant: nothing to rank
                self.mode_, self.reference_ = "similarity", positives
                return self
        x = sparse.vstack([positives, negatives], format="csr")
        target = np.r_[np.ones(positives.shape[0]), np.zeros(negatives.shape[0])]
        self.classifier_ = LogisticRegression(
            C=self.C,
            class_weight=self.class_weight,
            solver="liblinear",
            dual=True,  # the dual problem has one variable per label, not per term
            max_iter=1000,
            random_state=self.random_state,
        ).fit(x, target)
        return self

    def transform(self, texts=None):
        """Return the feature rows the current classifier scores (the late one's own once
        `mode_` is "late").

        Parameters
        ----------
        texts : list of str, optional
            Texts to turn into rows with the pool's fitted features; by default the pool
            given to `fit`, from the cached rows.

        Returns
        -------
        sparse matrix of shape (n_texts, n_features), or None when `texts` is empty
        """
        self._check_fitted()
        late = self.mode_ == "late"
        if texts is None:
            return self.tail_features_ if late else self.features_
        texts = check_texts(texts)
        if not texts:
            return None
        tokens = [text_tokens(text) for text in texts]
        if late:
            return self.tail_vectorizer_.transform([title_twice(t) for t in tokens])
        return self._combine(self.vectorizer_.transform(tokens))

    def decision_from_features(self, features):
        """Return the relevance score of feature rows from `transform` (see `decision_function`).

        Parameters
        ----------
        features : sparse matrix of shape (n_texts, n_features)
            Rows from `transform` of this model, or of a model sharing its features.

        Returns
        -------
        ndarray of float, shape (n_texts,)
        """
        if self.mode_ in TRAINED_MODES:
            return self.classifier_.decision_function(features)
        if self.mode_ == "similarity":
            return _cosine(features, self.reference_).max(axis=1)
        if self.mode_ == "away_from_irrelevant":
            return -_cosine(features, self.reference_)[:, 0]
        return np.zeros(features.shape[0])

    def decision_function(self, texts=None):
        """Return a relevance score per text: higher means screen it sooner.

        Parameters
        ----------
        texts : list of str, optional
            Texts to score; by default the pool given to `fit`, from the cached features.

        Returns
        -------
        ndarray of float, shape (n_texts,)
            The log-odds of relevance when `mode_` is in `TRAINED_MODES`, else the cosine
            similarity described for `mode_` (0 for every text when "unranked").
        """
        x = self.transform(texts)
        return np.empty(0) if x is None else self.decision_from_features(x)

    def predict_relevance(self, texts=None):
        """Return each text's relevance in [0, 1].

        Parameters
        ----------
        texts : list of str, optional
            By default the pool given to `fit`.

        Returns
        -------
        ndarray of float, shape (n_texts,)
            The probability of relevance (with balanced class weights, 0.5 means as likely
            relevant as not) when `mode_` is in `TRAINED_MODES`; otherwise the similarity
            to the descriptions, or one minus the similarity to the irrelevant items.
        """
        return self.relevance_from_decision(self.decision_function(texts))

    def relevance_from_decision(self, scores):
        """Map scores from `decision_function` onto relevance in [0, 1], as `mode_` reads them.

        Parameters
        ----------
        scores : ndarray of float, shape (n_texts,)

        Returns
        -------
        ndarray of float, shape (n_texts,)
            See `predict_relevance`.
        """
        if self.mode_ in TRAINED_MODES:  # the late SVM's margin, too, read as log-odds
            return 1.0 / (1.0 + np.exp(-scores))
        if self.mode_ == "away_from_irrelevant":
            scores = 1.0 + scores
        return np.clip(scores, 0.0, 1.0)


def next_to_screen(scores, labelled_mask=None, *, mode="relevant", n=1, threshold=0.5):
    """Return the indices of the next `n` undecided items to show a lead.

    Parameters
    ----------
    scores : array_like of float, shape (n_items,)
        Relevance per item, from `ScreeningModel.predict_relevance` (or `decision_function`
        with ``threshold=0``).
    labelled_mask : array_like of bool, shape (n_items,), optional
        Items already decided; they are never returned.
    mode : {"relevant", "uncertainty"}, default="relevant"
        "relevant" puts the most relevant first (the default of screening tools: it finds
        relevant items soonest); "uncertainty" puts the scores nearest `threshold` first,
        which teaches the model most per label but finds relevant items later.
    n : int, default=1
        How many items to return (fewer if fewer are undecided).
    threshold : float, default=0.5
        The score where the model is least sure, for "uncertainty".

    Returns
    -------
    ndarray of int
        Item indices in the order to screen them; ties go to the lower index.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1 or not np.isfinite(scores).all():
        raise ValueError("scores must be a one-dimensional array of finite numbers")
    labelled = bool_mask(labelled_mask, scores.shape, "labelled_mask")
    if mode not in ("relevant", "uncertainty"):
        raise ValueError(f"mode must be 'relevant' or 'uncertainty', got {mode!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    candidates = np.flatnonzero(~labelled)
    values = scores[candidates]
    key = -values if mode == "relevant" else np.abs(values - threshold)
    return candidates[np.lexsort((candidates, key))[:n]]
