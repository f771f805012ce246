"""Relevance of texts to topics (workstreams, enablers) from TF-IDF features and a linear model.

There are no built-in keyword lists: each topic is described by the caller's text. The portal
passes a workstream's or criterion's description followed by a few keywords, for example
"Safer care for mothers and babies ... maternity, labour, neonatal, midwife, CTG".

Cold start: a text's relevance to a topic is the cosine similarity of their TF-IDF vectors (in
[0, 1]). Once leads have decided about some ideas (which workstream an idea was adopted into,
say), `fit` also trains one logistic regression per topic that has both relevant and
irrelevant examples. Its features are the text's TF-IDF vector plus one more: the cold-start
similarity to that topic, multiplied by ``prior_weight``. Because that similarity is itself
linear in the TF-IDF vector, the model amounts to term weights pulled towards the topic's
description, and ``prior_weight`` sets how cheaply (under the L2 penalty) it may follow the
description rather than learn each term from labels. A trained topic's relevance is the
model's probability; a topic without both kinds of labels keeps its cold-start similarity.
The two classes are weighted equally ("balanced"), so 0.5 means "as likely relevant as not"
whatever share of ideas a topic has, and trained topics compare with one another.
`trained_` says which is which: compare values freely within a topic (ranking ideas for one
workstream), but across topics only among topics of the same kind.
"""

from collections.abc import Mapping

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from scoring.text import check_texts, word_tfidf

__all__ = ["TopicRelevance"]


def _topic_items(topic_texts):
    """Return (keys, texts) from a dict or a list of (key, text) pairs, validated."""
    items = list(topic_texts.items() if isinstance(topic_texts, Mapping) else topic_texts)
    if not items:
        raise ValueError("topic_texts must describe at least one topic")
    keys, texts = [], []
    for n, item in enumerate(items):
        if isinstance(item, str | bytes) or len(item) != 2:
            raise ValueError(f"topic_texts[{n}] must be a (key, text) pair")
        key, text = item
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"topic {key!r} needs a non-empty description")
        keys.append(key)
        texts.append(text)
    if len(set(keys)) != len(keys):
        raise ValueError("topic keys must be unique")
    return keys, texts


def _names_keys(row):
    """Tell a row of topic keys (a set, or holding strings) from a row of 0/1 flags."""
    if isinstance(row, set | frozenset):
        return True
    return hasattr(row, "__iter__") and any(isinstance(v, str) for v in row)


def _label_matrix(labels, topics, n_texts):
    """Return (Y, labelled) for a binary matrix or a list of sets of topic keys.

    Rows given as None are unlabelled: their texts shape the vocabulary but train nothing.
    """
    if sparse.issparse(labels):
        labels = labels.toarray()
    if isinstance(labels, str | bytes):
        raise ValueError("labels must be a matrix or a list of sets of topic keys")
    rows = list(labels)
    if len(rows) != n_texts:
        raise ValueError(f"labels has {len(rows)} rows but there are {n_texts} texts")
    labelled = np.array([row is not None for row in rows], dtype=bool)
    given = [row for row in rows if row is not None]
    y = np.zeros((n_texts, len(topics)))
    if any(isinstance(row, str) for row in given):
        raise ValueError("each labels row must be a set of topic keys, not a single string")
    if not given:
        return y, labelled
    if any(_names_keys(row) for row in given):
        column = {key: k for k, key in enumerate(topics)}
        for n, row in zip(np.flatnonzero(labelled), given, strict=True):
            unknown = [key for key in row if key not in column]
            if unknown:
                raise ValueError(f"labels row {n} names unknown topics {unknown!r}")
            y[n, [column[key] for key in row]] = 1.0
        return y, labelled
    try:
        matrix = np.asarray(given, dtype=float).reshape(len(given), -1)
    except ValueError as error:
        raise ValueError(f"labels rows must all have {len(topics)} entries") from error
    if matrix.shape[1] != len(topics):
        raise ValueError(f"labels has {matrix.shape[1]} columns but there are {len(topics)} topics")
    if not np.isin(matrix, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    y[labelled] = matrix
    return y, labelled


class TopicRelevance(BaseEstimator):
    """Score how relevant texts are to topics: description similarity, then learned from labels.

    Parameters
    ----------
    min_df : int or float, default=1
        Passed to `TfidfVectorizer`: terms in fewer documents are ignored.
    ngram_range : tuple of int, default=(1, 2)
        Word n-grams used as terms.
    C : float, default=1.0
        Inverse L2 regularisation strength of each topic's logistic regression.
    prior_weight : float, default=1.0
        Scale of the cold-start similarity feature in the trained models; larger values let
        a model lean on the topic's description with less evidence, 0 ignores it.
    random_state : int, default=0
        Passed to `LogisticRegression`. Its lbfgs solver is deterministic, so results are the
        same for every seed; the parameter is kept so a stochastic solver stays reproducible.

    Attributes
    ----------
    topics_ : list
        Topic keys, in the column order of `predict`.
    vectorizer_ : TfidfVectorizer
        Fitted on the topic texts and any training texts (English stop words, sublinear tf).
    topic_matrix_ : sparse matrix, shape (n_topics, n_terms)
        The topics' L2-normalised TF-IDF vectors.
    models_ : list of LogisticRegression or None
        Per topic, the trained model, or None where labels lacked both classes.
    trained_ : ndarray of bool, shape (n_topics,)
        Topics whose relevance comes from a trained model.
    """

    def __init__(self, min_df=1, ngram_range=(1, 2), C=1.0, prior_weight=1.0, random_state=0):
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.C = C
        self.prior_weight = prior_weight
        self.random_state = random_state

    def fit(self, topic_texts, texts=None, labels=None):
        """Build the topic vectors and, given labels, train a model for each topic.

        Parameters
        ----------
        topic_texts : dict or list of (key, str)
            Each topic's description and keywords, such as the workstreams and enablers.
        texts : list of str, optional
            Texts decided on by leads (or merely known: see `labels`); they join the topic
            texts in fitting the vocabulary and IDF weights.
        labels : array_like of {0, 1}, shape (n_texts, n_topics), or list of set, optional
            Which topics each text belongs to, as a binary matrix in topic order or as sets
            of topic keys (with one topic, a flat list of 0/1 will do). A text's topics not
            named are taken as not relevant. A row of None marks an undecided text, used for
            the vocabulary only.

        Returns
        -------
        self : TopicRelevance

        Raises
        ------
        ValueError
            If there are no topics, a description is empty, keys repeat, labels are given
            without texts or do not match the texts and topics, or a hyperparameter is invalid.
        """
        keys, descriptions = _topic_items(topic_texts)
        texts = [] if texts is None else check_texts(texts)
        if labels is not None and not texts:
            raise ValueError("labels need the texts they belong to")
        if not (np.isfinite(self.C) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C}")
        if not (np.isfinite(self.prior_weight) and self.prior_weight >= 0):
            raise ValueError(f"prior_weight must be a number >= 0, got {self.prior_weight}")
        y, labelled = (None, None) if labels is None else _label_matrix(labels, keys, len(texts))

        self.vectorizer_ = word_tfidf(self.ngram_range, self.min_df).fit(descriptions + texts)
        self.topic_matrix_ = self.vectorizer_.transform(descriptions)
        self.topics_ = keys
        self.models_ = [None] * len(keys)
        if y is not None and labelled.any():
            x = self.vectorizer_.transform(
                [t for t, keep in zip(texts, labelled, strict=True) if keep]
            )
            cold = self._cold(x)
            for k in range(len(keys)):
                target = y[labelled, k]
                if 0 < target.sum() < len(target):
                    model = LogisticRegression(
                        C=self.C,
                        class_weight="balanced",
                        max_iter=1000,
                        random_state=self.random_state,
                    )
                    self.models_[k] = model.fit(self._features(x, cold, k), target)
        self.trained_ = np.array([m is not None for m in self.models_], dtype=bool)
        return self

    def _cold(self, x):
        return np.clip((x @ self.topic_matrix_.T).toarray(), 0.0, 1.0)

    def _features(self, x, cold, k):
        return sparse.hstack([x, self.prior_weight * cold[:, [k]]], format="csr")

    def predict(self, texts):
        """Return each text's relevance to each topic, in [0, 1].

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray of float, shape (n_texts, n_topics)
            Columns in the order of `topics_`: the trained model's probability where
            `trained_`, else the cosine similarity to the topic's description.
        """
        texts = check_texts(texts)
        if not hasattr(self, "topics_"):
            raise ValueError("TopicRelevance is not fitted yet; call fit first")
        if not texts:
            return np.empty((0, len(self.topics_)))
        x = self.vectorizer_.transform(texts)
        cold = self._cold(x)
        scores = cold.copy()
        for k, model in enumerate(self.models_):
            if model is not None:
                scores[:, k] = model.predict_proba(self._features(x, cold, k))[:, 1]
        return np.clip(scores, 0.0, 1.0)

    def explain(self, text, topic, top_n=5):
        """Return the terms of `text` that raise its relevance to `topic` the most.

        Parameters
        ----------
        text : str
        topic : hashable
            A key of `topics_`.
        top_n : int, default=5

        Returns
        -------
        list of tuple (str, float)
            ``(term, contribution)``, largest first (ties by term), positive contributions
            only. For a cold-start topic the contributions add up to the cosine similarity;
            for a trained topic they are the term's share of the model's log-odds (the
            description feature shared out over the terms it is made of), intercept excluded.
        """
        if not isinstance(text, str):
            raise ValueError("text must be a string")
        if not hasattr(self, "topics_"):
            raise ValueError("TopicRelevance is not fitted yet; call fit first")
        if topic not in self.topics_:
            raise ValueError(f"unknown topic {topic!r}")
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise ValueError(f"top_n must be a positive integer, got {top_n!r}")
        k = self.topics_.index(topic)
        x = self.vectorizer_.transform([text]).toarray()[0]
        description = self.topic_matrix_[k].toarray()[0]
        model = self.models_[k]
        if model is None:
            weights = description
        else:
            coef = model.coef_[0]
            weights = coef[:-1] + coef[-1] * self.prior_weight * description
        contribution = x * weights
        terms = self.vectorizer_.get_feature_names_out()
        order = np.lexsort((terms, -contribution))
        return [
            (str(terms[i]), float(contribution[i])) for i in order[:top_n] if contribution[i] > 0
        ]
