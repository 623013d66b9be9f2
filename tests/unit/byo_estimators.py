"""Estimators a user brings by import path (``training.estimator: module:Class``), for
tests/unit/test_estimators.py and the BYO serving test."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

NOT_A_CLASS = 3


class NearestCentroidProba(ClassifierMixin, BaseEstimator):
    """A nearest-centroid classifier with softmax probabilities over negative distances."""

    def __init__(self, temperature: float = 1.0):
        self.temperature = temperature

    def fit(self, X, y, sample_weight=None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        self.centroids_ = np.stack([np.average(X[y == c], axis=0, weights=w[y == c]) for c in self.classes_])
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X):
        d = ((np.asarray(X, dtype=float)[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)
        z = -d / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class MeanRegressor(RegressorMixin, BaseEstimator):
    """Predicts the (weighted) training mean."""

    def fit(self, X, y, sample_weight=None):
        self.mean_ = float(np.average(np.asarray(y, dtype=float), weights=sample_weight))
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


class NoProba(ClassifierMixin, BaseEstimator):
    """A classifier without predict_proba (refused: the gate scores probabilities)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])
