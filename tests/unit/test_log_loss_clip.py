"""log_loss of probabilities of exactly 0 and 1 equals scikit-learn 1.9.1's ``log_loss``, which
clips to ``[eps, 1 - eps]`` with float64's machine epsilon (``sklearn/metrics/_classification.py``),
both where metrics are reported (``ctloop.metrics.compute``) and in the gate's bootstrap
(``components/evaluate/core.py``); ctloop clipped at 1e-15: 17.62 against 18.37 for one wrong
certain prediction."""

import numpy as np
import pytest
from sklearn.metrics import log_loss

from ctloop import metrics as M


@pytest.mark.parametrize("proba", [
    np.array([[1.0, 0.0], [0.0, 1.0], [0.3, 0.7]]),
    np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]),  # certain and wrong
])
def test_log_loss_clips_as_scikit_learn(proba):
    y = np.array([0, 0, 1])
    expected = log_loss(y, proba, labels=[0, 1])
    assert M.compute("classification", y, proba, [0, 1])["log_loss"] == pytest.approx(expected, rel=1e-12)


def test_the_gates_bootstrap_clips_the_same_way():
    from ctloop.components.evaluate.core import _metric_vector

    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.0, 1.0], [1.0, 0.0], [0.2, 0.8], [0.0, 1.0]])
    idx = np.arange(4)[None, :]
    got = _metric_vector("log_loss", y, proba, [0, 1], idx)
    assert got[0] == pytest.approx(log_loss(y, proba, labels=[0, 1]), rel=1e-12)
