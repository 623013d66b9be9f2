import numpy as np
import pandas as pd
import pytest

from ctloop import estimators
from ctloop.components.train import core
from ctloop.errors import ConfigError, DataValidationError, TrainingError
from tests.fixtures.frames import training_frame


@pytest.fixture(scope="module")
def data():
    frame = training_frame(600, seed=0, nan_every=17).drop(columns="kind")
    frame.insert(3, "when", pd.date_range("2025-01-01", periods=len(frame), freq="h"))
    return frame


@pytest.mark.parametrize("task, estimator", [
    ("classification", "hist_gradient_boosting"), ("classification", "random_forest"),
    ("classification", "logistic_regression"), ("regression", "hist_gradient_boosting"),
    ("regression", "random_forest"), ("regression", "linear_regression"),
    ("classification", "xgboost"), ("classification", "lightgbm"),
    ("regression", "xgboost"), ("regression", "lightgbm"),
])
def test_every_estimator_fits_and_learns(data, task, estimator):
    target = "y" if task == "classification" else "amount"
    train = data.drop(columns=["amount" if task == "classification" else "y"])
    result = core.fit(train.iloc[:450], target=target, task=task, estimator=estimator, exclude=("when",),
                      params={"n_estimators": 30} if estimator == "random_forest" else None)
    assert result.meta["features"] == ["x1", "x2", "cat"]
    assert result.meta["categorical"] == ["cat"] and result.meta["estimator"] == estimator
    test = train.iloc[450:]
    pred = result.model.predict(test)
    if task == "classification":
        assert result.meta["classes"] == [0, 1]
        assert np.mean(pred == test["y"]) > 0.75
    else:
        assert np.sqrt(np.mean((pred - test["amount"]) ** 2)) < 2.0


def test_unknown_estimator_and_params(data):
    with pytest.raises(ConfigError, match="unknown estimator 'catboost'; choose one of"):
        core.fit(data, target="y", estimator="catboost")
    with pytest.raises(ConfigError, match=r"\['max_deepth'\] are not valid for HistGradientBoostingClassifier"):
        core.fit(data, target="y", params={"max_deepth": 3})
    with pytest.raises(ConfigError, match="does not support regression"):
        core.fit(data, target="amount", task="regression", estimator="logistic_regression")


def test_integral_floats_from_json_become_ints(data):
    result = core.fit(data.drop(columns=["when"]), target="y", params={"max_iter": 20.0, "max_leaf_nodes": 7.0})
    assert result.model.named_steps["model"].max_iter == 20


def test_single_class_and_missing_target(data):
    with pytest.raises(TrainingError, match="single class"):
        core.fit(data.assign(y=1), target="y", exclude=("when",))
    with pytest.raises(DataValidationError, match="'label'"):
        core.fit(data, target="label")


def test_regression_needs_numeric_target(data):
    with pytest.raises(DataValidationError, match="regression needs a numeric target"):
        core.fit(data, target="cat", task="regression", exclude=("when",))


def test_sample_weights_change_the_model(data):
    base = data.drop(columns=["when", "amount"])
    weighted = base.assign(_ctloop_weight=np.where(base.cat == "a", 10.0, 0.1))
    a = core.fit(base, target="y", estimator="logistic_regression")
    b = core.fit(weighted, target="y", estimator="logistic_regression")
    assert b.meta["weighted"] and not a.meta["weighted"]
    assert "_ctloop_weight" not in b.meta["features"]
    assert not np.allclose(a.model.predict_proba(base)[:, 1], b.model.predict_proba(base)[:, 1])


def test_randomized_search_records_best_params(data):
    result = core.fit(data.drop(columns=["when", "amount"]), target="y", estimator="logistic_regression",
                      search_iterations=2)
    assert set(result.best_params) == {"C"} and "cv_score" in result.metrics
    assert result.meta["params"]["C"] == result.best_params["C"]


def test_unseen_category_at_predict_time_is_ignored(data):
    result = core.fit(data.drop(columns=["when", "amount"]), target="y")
    new = data.drop(columns=["when", "amount", "y"]).head(3).assign(cat="never-seen")
    assert result.model.predict_proba(new).shape == (3, 2)


def test_random_forest_tree_sample_is_capped_on_large_data(monkeypatch, data):
    # half the rows per tree until that exceeds the cap; then the cap (an explicit value wins)
    monkeypatch.setattr(estimators, "RF_MAX_TREE_ROWS", 100)
    frame = data.drop(columns=["when", "amount"])
    small = core.fit(frame.iloc[:150], target="y", estimator="random_forest", params={"n_estimators": 5})
    assert small.model.named_steps["model"].max_samples == 0.5
    large = core.fit(frame, target="y", estimator="random_forest", params={"n_estimators": 5})
    assert large.model.named_steps["model"].max_samples == pytest.approx(100 / len(frame))
    explicit = core.fit(frame, target="y", estimator="random_forest",
                        params={"n_estimators": 5, "max_samples": 0.9})
    assert explicit.model.named_steps["model"].max_samples == 0.9


@pytest.mark.parametrize("column", [pd.array(["a", None, "b", "c"] * 25, dtype="string"),
                                    pd.Series(["a", pd.NA, "b", "c"] * 25, dtype=object)])
def test_a_frame_holding_pandas_na_fits_and_its_holdout_is_scored(column):
    """``pd.NA`` in a text or boolean column of an in-memory frame (not read from a file): the
    imputers raised "TypeError: boolean value of NA is ambiguous" (scikit-learn 1.9.1,
    sklearn/utils/fixes.py ``_object_dtype_isnan``) in ``fit`` and in the gate's scoring."""
    from ctloop.components.evaluate import core as eval_core
    from ctloop.config import GateConfig

    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    data = pd.DataFrame({"x": x, "f": column, "y": (x > 0).astype(int)})
    result = core.fit(data, target="y", estimator="logistic_regression")
    assert data["f"].isna().sum() == 25  # the caller's frame is left as it was
    gate = GateConfig.from_dict({"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5}})
    decision = eval_core.run(result.model, data, gate, target="y", task="classification")
    assert decision.challenger_metrics["roc_auc"] > 0.9


def test_a_column_without_any_value_in_the_training_rows_is_kept_and_named_not_a_failed_fit():
    """A column empty in every training row (a field not filled yet, or not in this window): the
    imputers skipped it ("Skipping features without any observed values", scikit-learn 1.9.1
    sklearn/impute/_base.py), and a text column left the one-hot encoder no feature at all —
    "fitting hist_gradient_boosting failed: Found array with 0 feature(s)". The model keeps the
    column (the served input schema stays the same; its values count from the next retrain) and
    the fit says which columns had no value."""
    import warnings

    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    data = pd.DataFrame({"x": x, "e": np.nan, "c": pd.Series([np.nan] * 200, dtype=object),
                         "y": (x > 0).astype(int)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = core.fit(data, target="y")
    said = [str(w.message) for w in caught]
    assert not [m for m in said if "Skipping features" in m]
    note = "column(s) 'e', 'c' have no value in any training row: the model cannot learn from them yet"
    assert note in said and f"{note} (200 rows)" in result.meta["notes"]
    assert result.meta["features"] == ["x", "e", "c"]
    later = data.drop(columns=["y"]).assign(e=1.5, c="now filled")
    assert result.model.predict_proba(later).shape == (200, 2)


def test_true_false_features_fit_save_and_score_from_bool_columns():
    """A dtype-bool feature is a category (scikit-learn's SimpleImputer refuses dtype bool:
    ``sklearn/impute/_base.py`` ``_validate_input``). The model goes through the skops file and
    scores a bool column and JSON-like Python bools with a null."""
    from ctloop.artifacts import dumps_skops, loads_skops

    rng = np.random.default_rng(5)
    v, w, x = rng.random(400) < 0.5, rng.random(400) < 0.5, rng.random(400)
    frame = pd.DataFrame({"v": v, "w": w, "x": x, "y": ((v & w) | (v & (x < 0.5))).astype(int)})
    result = core.fit(frame.iloc[:300], target="y", estimator="logistic_regression")
    assert result.meta["categorical"] == ["v", "w"] and result.meta["numeric"] == ["x"]
    model = loads_skops(dumps_skops(result.model))
    test = frame.iloc[300:].drop(columns="y")
    assert np.mean(model.predict(test) == frame["y"].iloc[300:].to_numpy()) > 0.85
    as_json = test.astype({"v": object, "w": object}).head(3)
    as_json.loc[as_json.index[0], "v"] = None
    assert len(model.predict(as_json)) == 3


def test_the_empty_column_warning_is_the_same_text_at_every_row_count():
    """Python shows a warning once per caller and text: with the row count in it (as the ID note
    avoids, train.core.fit) every retrain of a backtest over a still-empty column said it again.
    The count stays in the notes."""
    import warnings

    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    data = pd.DataFrame({"x": x, "e": np.nan, "y": (x > 0).astype(int)})
    said, notes = set(), []
    for rows in (200, 150):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            notes += core.fit(data.head(rows), target="y").meta["notes"]
        said |= {str(w.message) for w in caught if "no value" in str(w.message)}
    assert len(said) == 1
    assert [n.endswith(f"({rows} rows)") for n, rows in zip(notes, (200, 150), strict=True)] == [True, True]


def test_a_text_gap_held_as_none_trains_and_predicts_as_the_same_gap_read_from_csv():
    """A text column's gap arrives as ``None`` from a Parquet file, an Arrow batch or JSON and as NaN
    from CSV. scikit-learn's imputers take only NaN as missing (``missing_values=np.nan``; ``None ==
    None``, sklearn/utils/_mask.py ``_get_mask``, scikit-learn 1.9.1) and the one-hot encoder then
    learnt ``None`` as a category of its own: the same table trained into another model by its file
    format. (Scoring reads ``None`` as NaN at its doors: ``payload.to_frame``, batch scoring.)"""
    rng = np.random.default_rng(0)
    n = 400
    c = rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]).astype(object)
    x = rng.normal(size=n)
    y = ((c == "a") ^ (x > 0)).astype(int)
    models = {}
    for name, gap in (("nan", np.nan), ("none", None)):
        column = c.copy()
        column[:40] = gap
        models[name] = core.fit(pd.DataFrame({"c": column, "x": x, "y": y}), target="y",
                                estimator="logistic_regression").model
    probe = pd.DataFrame({"c": np.array([np.nan, "a", "b", "c"], dtype=object), "x": [0.5] * 4})
    p_nan, p_none = (models[k].predict_proba(probe)[:, 1] for k in ("nan", "none"))
    np.testing.assert_allclose(p_none, p_nan)
    onehot = models["none"].named_steps["preprocess"].named_transformers_["categorical"].named_steps["onehot"]
    assert [list(c) for c in onehot.categories_] == [["a", "b", "c"]]


def test_a_rare_class_matched_by_a_flag_by_chance_trains_with_a_note_not_a_refusal():
    """A small imbalanced window of production data (3 defaults in 300 rows) where a genuine, sparse
    flag (``missed_payment``) happens to be 1 on exactly those 3 rows: chance explains it (the flag
    is a strong predictor, not the label exported twice), and the pipeline's train step must not
    fail on it. Only a copy on enough rows of every class is refused (a leak)."""
    rng = np.random.default_rng(0)
    n = 300
    y = np.zeros(n, dtype=int)
    y[[40, 150, 260]] = 1
    frame = pd.DataFrame({"income": rng.normal(size=n), "missed_payment": y.copy(), "y": y})
    with pytest.warns(UserWarning, match=r"column\(s\) 'missed_payment' equal the target 'y' in every row"):
        result = core.fit(frame, target="y", estimator="logistic_regression")
    assert any("'missed_payment' equal the target 'y' in every row" in n for n in result.meta["notes"])
    balanced = frame.assign(y=np.arange(n) % 2, missed_payment=np.arange(n) % 2)  # 150 rows a class: a leak
    with pytest.raises(DataValidationError, match="column 'missed_payment' breaks rule 'target_copy'"):
        core.fit(balanced, target="y", estimator="logistic_regression")


def test_classes_that_are_single_letters_differing_in_case_are_distinct_classes():
    """'A' and 'a' (letter recognition; a soft-masked DNA base; a chess piece's colour in FEN): one
    character's case is its meaning, not one class written two ways as 'Yes'/'yes' are."""
    rng = np.random.default_rng(1)
    n = 240
    x = rng.normal(size=n)
    y = np.where(x > 0.5, "A", np.where(x < -0.5, "a", "b"))
    result = core.fit(pd.DataFrame({"x": x, "y": y}), target="y", estimator="logistic_regression")
    assert result.meta["classes"] == ["A", "a", "b"]
    with pytest.raises(DataValidationError, match=r"classes written more than one way \('Yes' and 'yes'\)"):
        core.fit(pd.DataFrame({"x": x, "y": np.where(x > 0, "Yes", np.where(x < -1, "yes", "No"))}), target="y",
                 estimator="logistic_regression")
    with pytest.raises(DataValidationError, match=r"classes written more than one way \('A' and 'A '\)"):
        core.fit(pd.DataFrame({"x": x, "y": np.where(x > 0, "A", np.where(x < -1, "A ", "b"))}), target="y",
                 estimator="logistic_regression")


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_hist_gradient_boosting_on_few_rows_is_not_a_constant_model(task):
    """The default leaf of 40 rows needs 80 fit rows to split; 89 rows (the fewest a backtest
    trains on: 100 or more labelled, 20 % held out) less the 15 % early-stopping split are 75, so
    every tree was a single leaf: a constant model (ROC AUC 0.5 in every window of
    ``ctloop backtest --train-window 1h`` on scikit-learn's breast cancer data) that the default
    gate (roc_auc >= 0.5) approved. Below 4 default leaves of fit rows the leaf shrinks to a quarter
    of them; a leaf the user sets is kept."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.sample(frac=1, random_state=0).iloc[:89]
    if task == "regression":
        frame = frame.assign(target=frame["mean area"]).drop(columns=["mean area", "mean radius", "mean perimeter"])
    result = core.fit(frame, target="target", task=task, estimator="hist_gradient_boosting")
    assert result.meta["params"]["min_samples_leaf"] == 18  # 89 x 0.85 = 75 fit rows // 4
    x = frame.drop(columns="target")
    scores = result.model.predict_proba(x)[:, 1] if task == "classification" else result.model.predict(x)
    assert len(np.unique(scores)) > 2
    kept = core.fit(frame, target="target", task=task, estimator="hist_gradient_boosting",
                    params={"min_samples_leaf": 40})
    assert kept.meta["params"]["min_samples_leaf"] == 40
    # enough rows: the catalogue's default leaf
    assert estimators.row_dependent_defaults("hist_gradient_boosting", {}, 200).get("min_samples_leaf") is None


def test_fit_refuses_a_column_of_numbers_with_a_few_words_as_the_backtest_does():
    """The pipeline's train step and ``ctloop backtest`` refuse the same table: a column of amounts
    with '?' in some rows (as UCI data mark a gap) is text to pandas, each number its own category."""
    frame = training_frame(300, 5, nan_every=7)
    frame["x1_text"] = frame.x1.round(3).astype(str)
    frame.loc[::25, "x1_text"] = "?"
    with pytest.raises(DataValidationError, match="x1_text") as err:
        core.fit(frame.drop(columns=["kind", "amount"]), target="y", estimator="logistic_regression")
    assert "'?'" in str(err.value)


@pytest.mark.parametrize("word", ["n/a", "?"])
def test_fit_refuses_amounts_with_words_however_often_each_amount_repeats(word):
    """Amounts written to the cent repeat once a table is large (6,000 rows of a normal amount to
    two decimals: each value seen ~10 times), so the frequency test alone read them as a code
    column and learned each amount as a category, with a note; on a smaller window of the same
    stream the same column was refused (a backtest's first windows skipped, later ones trained on
    categories: found by benchmarks/fuzz_backtest.py --seed 51047). Codes are whole numbers ('01',
    '2A'); a column whose numbers are mostly fractions is a column of amounts at any size."""
    rng = np.random.default_rng(3)
    frame = training_frame(6_000, 3, nan_every=9).drop(columns=["kind", "amount"])
    price = pd.Series(np.round(rng.normal(0, 1.5, len(frame)), 2)).astype(object)
    price[rng.random(len(frame)) < 0.5] = word
    frame["price"] = price.astype(str)
    with pytest.raises(DataValidationError, match="'price' breaks rule 'dtype'") as err:
        core.fit(frame, target="y", estimator="logistic_regression")
    assert repr(word) in str(err.value)
    # dotted codes seen often (ICD-9 diagnoses beside 'V57' and '?': 20 numbered codes) are codes, not amounts
    icd9 = ["250.01", "401.9", "414.01", "427.31", "428.0", "486.0", "496.0", "584.9", "599.0", "682.6",
            "715.36", "786.5", "780.2", "276.1", "038.9", "491.21", "434.91", "410.71", "996.81", "562.11", "V57"]
    codes = np.array(icd9, dtype=object)[rng.integers(0, len(icd9), len(frame))]
    codes[rng.random(len(frame)) < 0.02] = "?"
    frame["price"] = codes
    with pytest.warns(UserWarning, match="holds numbers and the word"):
        core.fit(frame, target="y", estimator="logistic_regression")
    # whole amounts written as '3.0' (a float column with gaps, as pandas writes it) stay whole
    frame["price"] = (rng.integers(1, 40, len(frame)).astype(float)).astype(str)
    frame.loc[::50, "price"] = word
    with pytest.warns(UserWarning, match="holds numbers and the word"):
        core.fit(frame, target="y", estimator="logistic_regression")


def _code_frame(codes: list[str], rows: int, seed: int) -> pd.DataFrame:
    """``rows`` rows cycling through ``codes`` (each seen about rows/len(codes) times), a noise
    feature, and a target that depends on the code only."""
    rng = np.random.default_rng(seed)
    code = np.array(codes, dtype=object)[np.arange(rows) % len(codes)]
    high = {c: i % 2 for i, c in enumerate(codes)}
    return pd.DataFrame({"code": code, "noise": rng.normal(size=rows),
                         "y": [high[c] for c in code]}).sample(frac=1, random_state=seed, ignore_index=True)


@pytest.mark.parametrize("codes, rows", [
    # French départements: '01'..'95' (Corsica is '2A' and '2B', not '20'), each seen 37+ times in 5,000 rows
    ([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"], 5_000),
    # store IDs 100..129 and the web shop, ~100 rows each
    ([str(n) for n in range(100, 130)] + ["ONLINE"], 3_000),
])
def test_fit_learns_a_code_column_of_numbers_and_a_few_words(codes, rows):
    """A code column whose codes are mostly numbers ('01'..'95' with '2A'/'2B'; store IDs with
    'ONLINE') is not a column of amounts read as text: each code is seen far more often than the
    one-hot encoder's ``min_frequency``, so it is learned like any category, not refused."""
    frame = _code_frame(codes, rows, seed=1)
    with pytest.warns(UserWarning, match="holds numbers and the word"):
        result = core.fit(frame, target="y", estimator="logistic_regression")
    assert (result.model.predict(frame.drop(columns="y")) == frame.y).mean() > 0.99
    # whole numbers seen often look the same as codes ('?' in a column of horsepower): said in a note
    assert any("'code' holds numbers and the word" in note for note in result.meta["notes"])


def test_hist_gradient_boosting_leaf_rule_reads_an_int_validation_fraction_as_rows():
    """scikit-learn takes ``validation_fraction`` as a fraction or, an int >= 1, as the number of
    rows held out (``Interval(Integral, 1, None)`` in ``_parameter_constraints`` and
    ``train_test_split(test_size=self.validation_fraction)``,
    sklearn/ensemble/_hist_gradient_boosting/gradient_boosting.py, scikit-learn 1.9.1). 100 held
    out of 2,000 rows gave 2,000 x (1 - 100) fit rows, negative, and a leaf of 1 on any size."""
    rule = estimators.row_dependent_defaults
    assert rule("hist_gradient_boosting", {"validation_fraction": 100}, 2_000).get("min_samples_leaf") is None
    assert rule("hist_gradient_boosting", {"validation_fraction": 100}, 200)["min_samples_leaf"] == 25  # 100 // 4
    assert rule("hist_gradient_boosting", {"validation_fraction": 0.5}, 200)["min_samples_leaf"] == 25
    # more rows held out than there are: scikit-learn says so at fit; the leaf is not shrunk to 1
    assert rule("hist_gradient_boosting", {"validation_fraction": 500}, 200).get("min_samples_leaf") is None


def test_an_int_validation_fraction_keeps_early_stopping_on():
    """``validation_fraction: 100`` holds out 100 rows (scikit-learn 1.9.1, as the leaf rule above
    reads it): early stopping was switched off as 'too few for a stratified 10000% validation split'."""
    frame = training_frame(12_000, 3, nan_every=9).drop(columns=["kind", "amount"])
    result = core.fit(frame, target="y", estimator="hist_gradient_boosting",
                      params={"validation_fraction": 100, "max_iter": 5})
    assert not any("early stopping off" in note for note in result.meta.get("notes") or [])
    hgb = result.model[-1]
    assert hgb.early_stopping in ("auto", True) and hgb.validation_fraction == 100


@pytest.mark.parametrize(("estimator", "scale", "refused"), [
    ("logistic_regression", 1e303, True),  # StandardScaler: the squares overflow float64
    ("logistic_regression", 1e30, False),
    ("logistic_regression", 1e139 / 4, False),  # |x1| up to 3.9: just under the 1e140 bound
    ("logistic_regression", 1e140 / 3.8, True),  # just over it
    ("random_forest", 1e303, True),  # float32
    ("random_forest", 1e38, True),  # |x1| up to 3.9: past float32's 3.4e38
    ("random_forest", 1e30, False),
    ("hist_gradient_boosting", 1e303, False),  # bins float64
    ("lightgbm", 1e303, False),
    ("xgboost", 1e303, True),  # float32
])
def test_a_feature_too_large_for_the_estimator_is_refused_by_name(data, estimator, scale, refused):
    """Values near 1e304 (a unit mix-up) failed the fit with "Input X contains NaN" (the scaler's
    variance overflowed) or "... too large for dtype('float32')" (trees), naming no column."""
    big = data.drop(columns=["when"]).assign(x1=data["x1"] * scale)
    if not refused:
        assert core.fit(big, target="y", estimator=estimator).model is not None
        return
    with pytest.raises(DataValidationError) as exc:
        core.fit(big, target="y", estimator=estimator)
    assert "column 'x1' breaks rule 'size'" in str(exc.value) and estimator in str(exc.value)
