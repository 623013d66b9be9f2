import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ctloop.components.evaluate import core
from ctloop.errors import ConfigError
from ctloop.metrics import fast_auc


class Fixed:
    """A 'model' returning given probabilities per row (by the row's 'id')."""

    classes_ = np.array([0, 1])

    def __init__(self, p):
        self.p = np.asarray(p)

    def predict_proba(self, frame):
        p = self.p[frame["id"].to_numpy()]
        return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def case():
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.integers(0, 2, n)
    region = np.where(np.arange(n) % 2 == 0, "a", "b")
    good = np.clip(0.5 + (y - 0.5) * 0.6 + rng.normal(0, 0.2, n), 0.01, 0.99)
    weak = np.clip(0.5 + (y - 0.5) * 0.15 + rng.normal(0, 0.3, n), 0.01, 0.99)
    frame = pd.DataFrame({"id": np.arange(n), "region": region, "y": y})
    return frame, good, weak


def test_fast_auc_equals_sklearn(case):
    frame, good, _ = case
    assert fast_auc(frame.y.to_numpy() == 1, good) == pytest.approx(skm.roc_auc_score(frame.y, good), abs=1e-12)
    ties = np.round(good, 1)
    assert fast_auc(frame.y.to_numpy() == 1, ties) == pytest.approx(skm.roc_auc_score(frame.y, ties), abs=1e-12)


def test_score_matches_sklearn(case):
    frame, good, _ = case
    m = core.score(Fixed(good), frame, target="y", task="classification")
    pred = (good >= 0.5).astype(int)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(frame.y, pred))
    assert m["f1"] == pytest.approx(skm.f1_score(frame.y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(frame.y, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(frame.y, pred))
    assert m["log_loss"] == pytest.approx(skm.log_loss(frame.y, good))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(frame.y, good))


def test_no_threshold_is_never_approved(case):
    frame, good, _ = case
    d = core.gate(Fixed(good), frame, target="y", task="classification")
    assert not d.approved and "no threshold configured" in d.reason


def test_failed_threshold_names_metric_and_values(case):
    frame, _, weak = case
    d = core.gate(Fixed(weak), frame, target="y", task="classification", thresholds={"roc_auc": 0.9})
    assert not d.approved
    assert "roc_auc" in d.reason and ">= 0.9 FAILED" in d.reason


def test_lower_is_better_threshold(case):
    frame, good, _ = case
    d = core.gate(Fixed(good), frame, target="y", task="classification", thresholds={"log_loss": 0.01})
    assert not d.approved and "<= 0.01 FAILED" in d.reason


def test_no_champion_uses_thresholds_only(case):
    frame, good, _ = case
    d = core.gate(Fixed(good), frame, target="y", task="classification", thresholds={"roc_auc": 0.7})
    assert d.approved and "no champion yet" in d.reason and d.comparison is None


def test_better_challenger_approved_worse_rejected(case):
    frame, good, weak = case
    better = core.gate(Fixed(good), frame, target="y", task="classification", champion=Fixed(weak),
                       thresholds={"roc_auc": 0.5}, bootstrap_rounds=300)
    assert better.approved and better.comparison["ci_low"] > 0
    worse = core.gate(Fixed(weak), frame, target="y", task="classification", champion=Fixed(good),
                      thresholds={"roc_auc": 0.5}, bootstrap_rounds=300)
    assert not worse.approved and "confidently worse" in worse.reason
    assert worse.comparison["ci_high"] < -0.01


def test_noise_does_not_flip_the_decision(case):
    frame, good, _ = case
    rng = np.random.default_rng(5)
    jitter = np.clip(good + rng.normal(0, 0.01, len(good)), 0.01, 0.99)
    d = core.gate(Fixed(jitter), frame, target="y", task="classification", champion=Fixed(good),
                  thresholds={"roc_auc": 0.5}, bootstrap_rounds=300)
    assert d.approved
    assert d.comparison["ci_low"] <= 0 <= d.comparison["ci_high"] or abs(d.comparison["delta"]) < 0.01


def test_bootstrap_is_deterministic_for_a_seed(case):
    frame, good, weak = case
    kw = dict(target="y", task="classification", champion=Fixed(weak), thresholds={"roc_auc": 0.5}, bootstrap_rounds=200)
    assert core.gate(Fixed(good), frame, seed=3, **kw).comparison == core.gate(Fixed(good), frame, seed=3, **kw).comparison


def test_slice_regression_is_rejected(case):
    frame, good, weak = case
    in_a = (frame.region == "a").to_numpy()
    # challenger: great on b, weak on a; champion: good everywhere but slightly worse on b
    challenger = np.where(in_a, weak, np.clip(good * 1.0, 0, 1))
    champion = good
    d = core.gate(Fixed(challenger), frame, target="y", task="classification", champion=Fixed(champion),
                  thresholds={"roc_auc": 0.5}, tolerance=0.2, slice_column="region", bootstrap_rounds=300)
    worst = next(c for c in d.checks if c["check"] == "worst_slice")
    assert worst["slice"] == "region=a" and not worst["passed"]
    assert not d.approved and "worst slice region=a" in d.reason


def test_curves_for_the_kfp_ui(case):
    frame, good, _ = case
    d = core.gate(Fixed(good), frame, target="y", task="classification", thresholds={"roc_auc": 0.5})
    roc = d.curves["roc"]
    assert len(roc["fpr"]) <= core.MAX_CURVE_POINTS and roc["fpr"][0] == 0 and roc["tpr"][-1] == 1
    cm = np.array(d.curves["confusion_matrix"]["matrix"])
    assert cm.sum() == len(frame)


def test_regression_gate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1))
    frame = pd.DataFrame({"x": x[:, 0], "y": 2 * x[:, 0] + rng.normal(0, 0.1, 400)})
    from sklearn.linear_model import LinearRegression

    good = make_pipeline(LinearRegression()).fit(frame[["x"]], frame.y)
    d = core.gate(good, frame, target="y", task="regression", thresholds={"rmse": 0.5, "r2": 0.9})
    assert d.approved and d.primary_metric == "rmse"
    assert d.challenger_metrics["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(frame.y, good.predict(frame[["x"]]))))


@pytest.mark.parametrize("kw, match", [
    ({"thresholds": {"auc": 0.7}}, "not a classification metric"),
    ({"thresholds": {"roc_auc": 0.7}, "primary_metric": "rmse"}, "primary_metric"),
    ({"thresholds": {"roc_auc": 0.7}, "slice_column": "nope"}, "slice_column"),
    ({"thresholds": {"roc_auc": "high"}}, "must be a number"),
])
def test_config_errors(case, kw, match):
    frame, good, _ = case
    with pytest.raises(ConfigError, match=match):
        core.gate(Fixed(good), frame, target="y", task="classification", **kw)


def test_markdown_summary_lists_checks(case):
    frame, good, weak = case
    d = core.gate(Fixed(good), frame, target="y", task="classification", champion=Fixed(weak),
                  thresholds={"roc_auc": 0.5}, slice_column="region", bootstrap_rounds=200)
    text = core.render_markdown(d)
    assert "approved" in text and "| vs_champion |" in text and "region=a" in text


def test_real_pipeline_model_is_scored():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    model = make_pipeline(LogisticRegression()).fit(frame[["x"]], frame.y)
    assert core.score(model, frame, target="y", task="classification")["accuracy"] > 0.9


def test_multiclass_bootstrap_auc_is_vectorised_and_equals_the_metric():
    """The gate's multiclass ROC AUC per bootstrap round (ranks per class over all rounds at once)
    equals ctloop.metrics' macro one-vs-rest AUC over the classes present in each resample."""
    import numpy as np

    from ctloop import metrics as M
    from ctloop.components.evaluate.core import _metric_vector

    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 120)
    y[y == 3] = 0  # a class of the model absent from the holdout
    pred = rng.dirichlet(np.ones(4), 120)
    idx = rng.integers(0, 120, (40, 120))
    idx[0] = np.flatnonzero(y == 1)[0]  # a resample holding one class only: NaN
    got = _metric_vector("roc_auc", y, pred, [0, 1, 2, 3], idx)
    want = np.array([M.compute("classification", y[i], pred[i], [0, 1, 2, 3])["roc_auc"] for i in idx])
    assert np.isnan(got[0]) and np.isnan(want[0])
    np.testing.assert_allclose(got[1:], want[1:], rtol=0, atol=1e-12)
