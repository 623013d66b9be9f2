"""validate_export compares the exported file's predictions with the training-time model's.
A NaN on one side made the difference NaN, and ``NaN > tolerance`` is false: the check said
"identical predictions" for predictions that differ. A prediction of another shape broadcast
into a meaningless difference, or raised a ValueError traceback."""

from __future__ import annotations

import hashlib

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn import __version__ as sklearn_version
from sklearn.linear_model import LogisticRegression

from ctloop.serving.validate import validate_export


class Reference:
    """The training-time model as the check sees it: what its predict_proba returned."""

    def __init__(self, out):
        self.out = out

    def predict_proba(self, rows):
        return self.out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rows = pd.DataFrame({"income": [1.0, 2.0, 3.0, 4.0], "age": [30.0, 40.0, 50.0, 60.0]})
    model = LogisticRegression().fit(rows, [0, 1, 0, 1])
    path = tmp_path_factory.mktemp("export") / "model.joblib"
    joblib.dump(model, path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest(), rows, model.predict_proba(rows)


def _validate(exported, reference_out):
    path, sha, rows, _ = exported
    return validate_export(path, Reference(reference_out), rows, trained_sklearn=sklearn_version,
                           serving_sklearn=sklearn_version, expected_sha256=sha, serving_versions={})


@pytest.mark.slow
def test_a_nan_on_one_side_is_a_difference_not_a_match(exported):
    truth = exported[3].copy()
    assert _validate(exported, truth).valid  # the same predictions pass
    truth[1, 0] = np.nan
    result = _validate(exported, truth)
    assert not result.valid and "differ" in result.reason, result


@pytest.mark.slow
def test_predictions_of_another_shape_fail_the_check_naming_both_shapes(exported):
    result = _validate(exported, exported[3][:, 1])  # one column where the export gives two
    assert not result.valid and "(4, 2)" in result.reason and "(4,)" in result.reason, result
