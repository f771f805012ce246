"""Screening for several topics at once: one relevance model per workstream or enabler.

The portal ranks scanned items for each workstream and enabler. `TopicScreening` builds the
pool's features once, from the pool and every topic's description, and gives each topic its
own `ScreeningModel` over those shared features: its own cold start from its description,
its own labels and classifier. An item can so be relevant to one workstream and not to
another, and adding a topic costs one classifier fit, not another vectoriser.
"""

from collections.abc import Mapping

import numpy as np

from scoring.screening import ScreeningModel
from scoring.screening_features import ScreeningFeatures
from scoring.text import check_texts

__all__ = ["TopicScreening"]


class TopicScreening(ScreeningFeatures):
    """One `ScreeningModel` per topic (workstream, enabler) over one shared pool.

    Parameters
    ----------
    C, class_weight, ngram_range, min_df, n_components, component_weight, embedding_dims,
    embedding_weight, random_state
        As in `ScreeningModel`; every topic's model uses them.

    Attributes
    ----------
    topics_ : list
        Topic keys, in the column order of `decision_function` and `predict_relevance`.
    models_ : dict
        Topic key to its fitted `ScreeningModel` (they share one vectoriser and one cached
        feature matrix).
    """

    def fit(self, texts, topic_texts, labels=None, *, tokens=None, shared=None):
        """Build the shared features, then train each topic's model on its labels.

        Parameters
        ----------
        texts : list of str
            The pool.
        topic_texts : dict
            Topic key to its description (a str) or descriptions (a list of str), used as
            `prior_texts` of `ScreeningModel.fit`.
        labels : dict, optional
            Topic key to that topic's labels, as in `ScreeningModel.fit`; a topic left out
            has no labels yet.
        tokens : list of str, optional
            The texts' words, computed ahead (see `ScreeningModel.fit`).
        shared : ScreeningModel, optional
            A model already fitted, with these settings, on `texts` with the topics'
            descriptions, in topic order, as its `prior_texts`: its features are the ones
            this would build, so they are taken from it (the portal fits both).

        Returns
        -------
        self : TopicScreening

        Raises
        ------
        ValueError
            If `topic_texts` is not a non-empty dict of descriptions, `labels` names an
            unknown topic, or any check of `ScreeningModel.fit` fails.
        """
        if not isinstance(topic_texts, Mapping) or not topic_texts:
            raise ValueError("topic_texts must be a non-empty dict of topic key to description")
        described = {}
        for key, value in topic_texts.items():
            value = [value] if isinstance(value, str) else check_texts(value, f"topic {key!r}")
            if not value or not all(text.strip() for text in value):
                raise ValueError(f"topic {key!r} needs a non-empty description")
            described[key] = value
        self.topics_ = list(described)
        priors = [text for key in self.topics_ for text in described[key]]
        if shared is None:
            shared = ScreeningModel(**self.get_params(), switch_after=None).fit(
                texts, prior_texts=priors, tokens=tokens
            )
        else:
            theirs = shared.get_params()
            same = all(theirs[name] == value for name, value in self.get_params().items())
            if not same or shared.prior_features_.shape[0] != len(priors):
                raise ValueError(
                    "shared must be fitted with these settings and topics' descriptions"
                )
        self.models_, start = {}, 0
        for key in self.topics_:
            model = ScreeningModel(**self.get_params(), switch_after=None)
            model.vectorizer_, model.svd_ = shared.vectorizer_, shared.svd_
            model.svd_basis_, model.large_pool_ = shared.svd_basis_, shared.large_pool_
            model.embedding_ = shared.embedding_
            model.features_ = shared.features_
            model.prior_features_ = shared.prior_features_[start : start + len(described[key])]
            start += len(described[key])
            self.models_[key] = model
        return self.update(labels)

    def update(self, labels):
        """Retrain each topic's classifier on new labels for the same pool.

        Parameters
        ----------
        labels : dict or None
            Topic key to that topic's labels, as in `fit`.

        Returns
        -------
        self : TopicScreening
        """
        self._check_fitted()
        labels = {} if labels is None else labels
        if not isinstance(labels, Mapping):
            raise ValueError("labels must be a dict of topic key to labels")
        unknown = [key for key in labels if key not in self.models_]
        if unknown:
            raise ValueError(f"labels name unknown topics {unknown!r}")
        for key, model in self.models_.items():
            model.update(labels.get(key))
        return self

    def _check_fitted(self):
        if not hasattr(self, "models_"):
            raise ValueError("TopicScreening is not fitted yet; call fit first")

    def decision_function(self, texts=None):
        """Return each text's score for each topic (see `ScreeningModel.decision_function`).

        Parameters
        ----------
        texts : list of str, optional
            By default the pool given to `fit`.

        Returns
        -------
        ndarray of float, shape (n_texts, n_topics)
        """
        self._check_fitted()
        x = self.models_[self.topics_[0]].transform(texts)  # every topic shares the features
        if x is None:
            return np.empty((0, len(self.topics_)))
        return np.column_stack(
            [self.models_[key].decision_from_features(x) for key in self.topics_]
        )

    def predict_relevance(self, texts=None):
        """Return each text's relevance in [0, 1] for each topic.

        Parameters
        ----------
        texts : list of str, optional
            By default the pool given to `fit`.

        Returns
        -------
        ndarray of float, shape (n_texts, n_topics)
            Columns in the order of `topics_`; each as `ScreeningModel.predict_relevance`,
            so compare a column's values freely but columns only where `mode_` agrees.
        """
        scores = self.decision_function(texts)
        for k, key in enumerate(self.topics_):
            scores[:, k] = self.models_[key].relevance_from_decision(scores[:, k])
        return scores
