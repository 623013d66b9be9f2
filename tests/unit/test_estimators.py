"""XGBoost, LightGBM and bring-your-own estimators through ``train_model``'s core: fitting,
labels of any kind, class and sample weights, search, early stopping on tiny classes, skops
round trips with ctloop's allow-list, and the refusals (one line naming the field and the fix)."""

from __future__ import annotations

import numpy as np
import pytest

from ctloop import artifacts, estimators
from ctloop import config as C
from ctloop.components.train import core
from ctloop.errors import ConfigError, ModelIntegrityError, TrainingError
from tests.fixtures.frames import training_frame

BOOSTED = ["xgboost", "lightgbm"]
BYO = "tests.unit.byo_estimators:NearestCentroidProba"


@pytest.fixture(scope="module")
def data():
    return training_frame(500, seed=1, nan_every=13)


def _xy(frame, target):
    return frame.drop(columns=[c for c in ("y", "kind", "amount") if c != target])


def _roundtrip(tmp_path, result):
    path = artifacts.save_model(str(tmp_path / "m"), result.model, result.meta)
    meta = artifacts.load_model_meta(str(path))
    loaded, _ = artifacts.load_model(str(path), sha256=meta[artifacts.META_SKOPS_SHA256])
    return loaded


@pytest.mark.parametrize("estimator", BOOSTED)
def test_multiclass_text_labels_round_trip_through_skops(data, estimator, tmp_path):
    train = _xy(data, "kind")
    result = core.fit(train.iloc[:400], target="kind", estimator=estimator)
    assert result.meta["classes"] == ["high", "low", "mid"]
    dist = {"xgboost": "xgboost-cpu", "lightgbm": "lightgbm"}[estimator]
    assert result.meta["versions"] == {"scikit-learn": "1.9.1", dist: {"xgboost-cpu": "3.2.0",
                                                                        "lightgbm": "4.7.0"}[dist]}
    test = train.iloc[400:]
    proba = result.model.predict_proba(test)
    assert proba.shape == (100, 3) and np.allclose(proba.sum(axis=1), 1)
    assert set(result.model.predict(test)) <= {"high", "low", "mid"}
    assert np.mean(result.model.predict(test) == test["kind"]) > 0.6
    assert result.meta["early_stopping"]["used"] and result.meta["early_stopping"]["rounds"] < 400
    loaded = _roundtrip(tmp_path, result)  # only ctloop's fixed allow-list, no declared types
    assert np.array_equal(loaded.predict_proba(test), proba)


@pytest.mark.parametrize("estimator", BOOSTED)
def test_regression_round_trip(data, estimator, tmp_path):
    train = _xy(data, "amount")
    result = core.fit(train, target="amount", task="regression", estimator=estimator)
    assert result.metrics["train_rmse"] < 1.5
    assert np.array_equal(_roundtrip(tmp_path, result).predict(train), result.model.predict(train))


@pytest.mark.parametrize("estimator", BOOSTED)
def test_class_weight_and_sample_weight_change_the_model(data, estimator):
    base = _xy(data, "y")
    plain = core.fit(base, target="y", estimator=estimator, params={"early_stopping_rounds": 0,
                                                                    "n_estimators": 50})
    balanced = core.fit(base, target="y", estimator=estimator,
                        params={"early_stopping_rounds": 0, "n_estimators": 50, "class_weight": {0: 1, 1: 5}})
    weighted = core.fit(base.assign(_ctloop_weight=np.where(base.cat == "a", 10.0, 0.1)), target="y",
                        estimator=estimator, params={"early_stopping_rounds": 0, "n_estimators": 50})
    p = plain.model.predict_proba(base)[:, 1]
    assert balanced.model.predict_proba(base)[:, 1].mean() > p.mean() + 0.05
    assert weighted.meta["weighted"] and not np.allclose(weighted.model.predict_proba(base)[:, 1], p)
    assert plain.meta["early_stopping"] == {"used": False, "rounds": 50, "note": (
        "early stopping off (early_stopping_rounds or validation_fraction is 0)")}


@pytest.mark.parametrize("estimator", BOOSTED)
def test_search_reaches_the_wrapped_library(data, estimator):
    result = core.fit(_xy(data, "y").iloc[:300], target="y", estimator=estimator, search_iterations=1)
    assert set(result.best_params) == set(estimators.ESTIMATORS[estimator].search_space)
    inner = result.model.named_steps["model"].estimator_
    assert inner.get_params()["learning_rate"] == result.best_params["learning_rate"]
    assert result.meta["params"]["learning_rate"] == result.best_params["learning_rate"]
    assert "cv_score" in result.metrics


@pytest.mark.parametrize("estimator", ["hist_gradient_boosting", *BOOSTED])
def test_a_class_with_one_row_switches_early_stopping_off_with_a_note(data, estimator):
    # main: HistGradientBoostingClassifier(early_stopping=True) raised "The least populated class
    # in y has only 1 member" from its stratified validation split.
    frame = _xy(data, "kind").copy()
    frame.loc[frame.index[7], "kind"] = "rare"
    params = {"early_stopping": True, "max_iter": 10} if estimator == "hist_gradient_boosting" else {
        "n_estimators": 30}
    result = core.fit(frame, target="kind", estimator=estimator, params=params)
    assert "rare" in result.meta["classes"]
    assert result.meta["early_stopping"]["used"] is False
    note = " ".join(result.meta["notes"])
    assert "early stopping off" in note and "'rare' has 1 row(s) of 500" in note
    assert result.model.predict_proba(frame).shape == (500, 4)


def test_hgb_early_stopping_off_when_a_search_fold_lacks_rows(data):
    y = _xy(data, "kind")["kind"].iloc[:300].copy()
    y.iloc[[10, 290]] = "rare"  # 2 rows in all: fine for the whole set, 1 in every training fold
    x = _xy(data, "kind").iloc[:300]
    assert core._hgb_early_stopping(y, x, {"early_stopping": True, "validation_fraction": 0.15}, False) is None
    note = core._hgb_early_stopping(y, x, {"early_stopping": True, "validation_fraction": 0.15}, True)
    assert note.startswith("early stopping off: class 'rare' has 1 row(s) of 75") and "cross-validation fold" in note
    assert core._hgb_early_stopping(y, x, {"early_stopping": "auto"}, True) is None  # auto: off below 10,000 rows


@pytest.mark.parametrize("estimator", ["hist_gradient_boosting", "logistic_regression", *BOOSTED])
def test_single_class_is_a_training_error_naming_the_class(data, estimator):
    with pytest.raises(TrainingError, match=r"single class \(1, 1 class in 500 rows\).*widen data.window"):
        core.fit(_xy(data, "y").assign(y=1), target="y", estimator=estimator)


def test_unknown_boosting_parameter_names_the_parameter(data):
    with pytest.raises(ConfigError, match=r"\['max_deepth'\] are not valid for XGBClassifier"):
        core.fit(_xy(data, "y"), target="y", estimator="xgboost", params={"max_deepth": 3})
    with pytest.raises(ConfigError, match=r"\['class_weight'\] are not valid for XGBRegressor"):
        core.fit(_xy(data, "amount"), target="amount", task="regression", estimator="xgboost",
                 params={"class_weight": "balanced"})


def test_integral_floats_from_json_become_ints_for_boosting(data):
    result = core.fit(_xy(data, "y"), target="y", estimator="xgboost",
                      params={"n_estimators": 30.0, "max_depth": 3.0, "early_stopping_rounds": 5.0})
    inner = result.model.named_steps["model"].estimator_
    assert inner.n_estimators == 30 and inner.max_depth == 3


# ------------------------------------------------------------------------- bring your own
def test_byo_estimator_trains_and_round_trips_with_declared_types(data, tmp_path):
    train = _xy(data, "y")
    with pytest.raises(TrainingError, match=r"declare them in training.trusted_types.*"
                                            r"'tests.unit.byo_estimators.NearestCentroidProba'"):
        core.fit(train, target="y", estimator=BYO)
    result = core.fit(train, target="y", estimator=BYO, params={"temperature": 2.0},
                      trusted_types=["tests.unit.byo_estimators.NearestCentroidProba"])
    assert result.meta["trusted_types"] == ["tests.unit.byo_estimators.NearestCentroidProba"]
    assert result.meta["params"] == {"temperature": 2.0}
    assert np.mean(result.model.predict(train) == train.y) > 0.7
    loaded = _roundtrip(tmp_path, result)
    assert np.array_equal(loaded.predict_proba(train), result.model.predict_proba(train))
    # the declared types are honoured only with a hash from outside the directory
    with pytest.raises(ModelIntegrityError, match="NearestCentroidProba"):
        artifacts.load_model(str(tmp_path / "m"))


def test_byo_declared_types_cannot_name_code_runners(tmp_path):
    with pytest.raises(ModelIntegrityError, match="'builtins.eval'.*never trusts"):
        artifacts.declared_types({"trusted_types": ["builtins.eval"]})


@pytest.mark.parametrize("values, message", [
    ({"estimator": "nosuchpkg.models:Thing"}, "training.estimator: estimator 'nosuchpkg.models:Thing': "
                                              "cannot import module 'nosuchpkg.models'"),
    ({"estimator": "tests.unit.byo_estimators:Missing"}, "has no attribute 'Missing'"),
    ({"estimator": "tests.unit.byo_estimators:NOT_A_CLASS"}, "is not a scikit-learn estimator class"),
    ({"estimator": "tests.unit.byo_estimators:NoProba"}, "has no predict_proba"),
    ({"estimator": BYO, "task": "regression"}, "is a classifier, not for regression"),
    ({"estimator": "xgbost"}, "did you mean 'xgboost'"),
    ({"estimator": "xgboost:"}, "is not an import path: write module:Class"),
    ({"trusted_types": ["os.system"]}, "training.trusted_types: 'os.system' is a type of 'os'"),
    ({"trusted_types": ["tests.unit.byo_estimators.Missing"]}, "cannot be imported"),
])
def test_config_refuses_bad_estimators_in_one_line(values, message):
    with pytest.raises(ConfigError) as info:
        C.TrainingConfig.from_dict(values)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_config_accepts_byo_and_boosting():
    for values in ({"estimator": BYO, "trusted_types": ["tests.unit.byo_estimators.NearestCentroidProba"]},
                   {"estimator": "xgboost", "task": "regression"}, {"estimator": "lightgbm"}):
        assert C.TrainingConfig.from_dict(values).estimator == values["estimator"]
