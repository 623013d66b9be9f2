"""``detect_drift`` through ``python_func`` with real KFP artifacts and a real (sqlite) MLflow registry.

The champion is set up the way the registry reads it: a run holding the reference sample under
``reference/reference.parquet``, a registered version of that run, alias ``champion``. No model
is trained: the drift step only needs the reference.
"""

import numpy as np
import pandas as pd
import pytest
from kfp.dsl import HTML, Dataset, Metrics

from ctloop.artifacts import write_dataset
from ctloop.components.drift.component import detect_drift

TARGET, TIME = "default", "ts"


def art(cls, tmp_path, name):
    return cls(name=name, uri=str(tmp_path / name), metadata={})


def frame(n, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "income": rng.normal(50 + 10 * shift, 10, n),
            "age": rng.normal(40, 12, n),
            "region": rng.choice(
                ["n", "s", "e", "w"], n, p=[0.4 - 0.3 * shift, 0.3, 0.2, 0.1 + 0.3 * shift]
            ),
            "_ctloop_weight": rng.random(n) + shift,  # reserved: never compared
            TARGET: rng.integers(0, 2, n)
            if shift == 0
            else np.ones(n, dtype=int),  # label shift: not compared
            TIME: pd.date_range("2025-01-01", periods=n, freq="min"),
        }
    )


def current_artifact(tmp_path, data):
    ds = art(Dataset, tmp_path, "current_data")
    write_dataset(ds.path, data)
    return ds


def run(tmp_path, current, tracking_uri, name="credit", **kw):
    report, metrics = art(HTML, tmp_path, "drift_report"), art(Metrics, tmp_path, "drift_metrics")
    out = detect_drift.python_func(
        current_data=current,
        model_name=name,
        data={"uri": "x", "target": TARGET, "time_column": TIME},
        drift_report=report,
        drift_metrics=metrics,
        tracking_uri=tracking_uri,
        drift=kw,
    )
    return out, report, metrics


def test_no_champion_asks_for_the_first_training(tmp_path, tracking):
    out, report, metrics = run(
        tmp_path, current_artifact(tmp_path, frame(300)), tracking, name="nothing-yet"
    )
    assert (out.drifted, out.retrain, out.champion_version) == (False, True, "")
    assert out.reason.startswith("no champion yet: train the first model")
    page = open(report.path).read()
    assert "no champion yet" in page and "nothing-yet" in page
    assert metrics.metadata["drift_share"] == 0.0 and metrics.metadata["n_drifted"] == 0


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """One sqlite store for the module (creating its schema costs ~2 s)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def champion(tmp_path_factory, tracking):
    """Model 'credit' whose champion's reference is ``frame(4000)``."""
    import mlflow
    from mlflow import MlflowClient

    from ctloop.registry import MlflowRegistry
    from ctloop.tracking import REFERENCE_ARTIFACT_DIR, REFERENCE_FILE, configure

    tmp_path = tmp_path_factory.mktemp("champion")
    uri = configure(tracking)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp = client.create_experiment(
        "drift-test", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    ref_dir = tmp_path / "ref" / REFERENCE_ARTIFACT_DIR
    ref_dir.mkdir(parents=True)
    frame(4000).to_parquet(ref_dir / REFERENCE_FILE, index=False)
    with mlflow.start_run(experiment_id=exp) as active:
        mlflow.log_artifacts(str(ref_dir), artifact_path=REFERENCE_ARTIFACT_DIR)
    client.create_registered_model("credit")
    mv = client.create_model_version(
        "credit", source=f"runs:/{active.info.run_id}/reference", run_id=active.info.run_id
    )
    MlflowRegistry(uri).promote("credit", str(mv.version), reason="test champion")
    return str(mv.version)


def test_champion_path_no_drift_then_drift(tmp_path, tracking, champion):
    same = current_artifact(tmp_path / "a", frame(3000, seed=1))
    out, report, metrics = run(tmp_path / "a", same, tracking, report_sample_size=1000, seed=3)
    assert (out.drifted, out.retrain, out.champion_version) == (False, False, champion)
    assert out.reason.startswith("no drift: 0 of 3 columns")
    # features only: target, time and the reserved weight column are not compared
    assert set(metrics.metadata["methods"]) == {"income", "age", "region"}
    assert metrics.metadata["methods"] == {
        "income": "wasserstein",
        "age": "wasserstein",
        "region": "jensenshannon",
    }
    assert metrics.metadata["thresholds"] == {"income": 0.1, "age": 0.1, "region": 0.1}
    assert (
        metrics.metadata["drifted_income"] == 0
        and 0 <= metrics.metadata["drift_score_income"] < 0.1
    )
    assert report.metadata["report_sample_size"] == 1000 and report.metadata["report_seed"] == 3
    assert (
        report.metadata["report_reference_rows"] == 1000
        and report.metadata["reference_rows"] == 4000
    )
    assert (
        report.metadata["champion_version"] == champion
        and report.metadata["engine"] == "ctloop-numpy"
    )
    assert "Wasserstein distance (normed)" in open(report.path).read()

    shifted = current_artifact(tmp_path / "b", frame(3000, shift=1.0, seed=2))
    out, _, metrics = run(tmp_path / "b", shifted, tracking, report_sample_size=500)
    assert (out.drifted, out.retrain) == (True, True)
    assert "income" in out.reason and "region" in out.reason
    assert metrics.metadata["drifted_income"] == 1 and metrics.metadata["drifted_region"] == 1
    assert metrics.metadata["n_drifted"] == 2 and metrics.metadata["drift_share"] == pytest.approx(
        2 / 3, abs=1e-6
    )


def test_champion_path_overrides_and_forced_retrain(tmp_path, tracking, champion):
    same = current_artifact(tmp_path, frame(3000, seed=1))
    out, _, metrics = run(
        tmp_path,
        same,
        tracking,
        method="psi",
        column_thresholds={"age": 0.0},  # any PSI >= 0: drifted
        force_retrain=True,
        report_sample_size=500,
    )
    assert metrics.metadata["methods"] == {"income": "psi", "age": "psi", "region": "psi"}
    assert (
        metrics.metadata["thresholds"]["age"] == 0.0
        and metrics.metadata["thresholds"]["income"] == 0.1
    )
    assert metrics.metadata["drifted_age"] == 1 and out.drifted is False  # 1 of 3 < 0.5
    assert out.retrain is True and "retraining forced" in out.reason


def test_unknown_column_override_fails_clearly(tmp_path, tracking, champion):
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match=r"column_methods names column 'default'"):
        run(
            tmp_path,
            current_artifact(tmp_path, frame(500)),
            tracking,
            column_methods={TARGET: "psi"},
        )


def test_correction_and_calibrated_thresholds_are_applied_and_recorded(tmp_path, tracking, champion):
    current = current_artifact(tmp_path / "c", frame(300, seed=5))
    out, _, metrics = run(tmp_path / "c", current, tracking, method="ks", column_methods={"region": "chisquare"},
                          correction="bonferroni", report_sample_size=200)
    assert metrics.metadata["correction"] == "bonferroni" and metrics.metadata["calibration"] is None
    assert metrics.metadata["thresholds"] == {"income": pytest.approx(0.05 / 3), "age": pytest.approx(0.05 / 3),
                                              "region": pytest.approx(0.05 / 3)}

    out, _, metrics = run(tmp_path / "d", current_artifact(tmp_path / "d", frame(3000, seed=6)), tracking,
                          calibration_rounds=5, seed=11, report_sample_size=200)
    recorded = metrics.metadata["calibration"]
    assert recorded["rounds"] == 5 and recorded["seed"] == 11
    assert set(recorded["columns"]) == {"income", "age", "region"}
    for col, cal in recorded["columns"].items():
        # calibration only tightens against false alarms: never looser than the default 0.1
        assert cal["method"] == metrics.metadata["methods"][col] and cal["default"] == 0.1
        assert metrics.metadata["thresholds"][col] == pytest.approx(cal["threshold"]) and cal["threshold"] >= 0.1
    assert out.drifted is False


def test_a_reference_column_missing_from_the_current_window_is_drift_not_silence():
    """The champion was trained with ``region``; the current window has no such column (a producer
    dropped it). Comparing only the shared columns said "no drift" and the champion kept serving
    inputs it was never fitted on: a schema change is drift, named in the reason and the metrics."""
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"income": rng.normal(size=400), "region": rng.choice(["n", "s"], 400),
                              "target": rng.integers(0, 2, 400)})
    current = reference.drop(columns=["region"]).sample(frac=1.0, random_state=1)
    decision = judge(reference, current, DriftConfig(), target="target", time_column="event_time")
    assert decision.drifted and decision.retrain
    assert "'region'" in decision.reason and "missing" in decision.reason
    assert decision.metrics["missing_columns"] == 1
    assert decision.metadata["missing_columns"] == ["region"]


@pytest.mark.parametrize("case", ["column_threshold_of_the_missing_column", "every_feature_missing"])
def test_a_missing_column_is_drift_even_with_its_own_settings_or_nothing_left_to_compare(case):
    """The schema check ran after the engine, which refused a per-column setting of the dropped
    column (ConfigError: not compared) and a window with no shared feature (no comparable columns):
    the biggest schema change failed the step instead of asking for a retrain."""
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    rng = np.random.default_rng(0)
    reference = pd.DataFrame({"income": rng.normal(size=300), "region": rng.choice(["n", "s"], 300),
                              "target": rng.integers(0, 2, 300)})
    if case == "every_feature_missing":
        current, cfg, gone = pd.DataFrame({"other": rng.normal(size=300)}), DriftConfig(), ["income", "region"]
    else:
        current, cfg, gone = reference.drop(columns=["region"]), DriftConfig(column_thresholds={"region": 0.2}), ["region"]
    decision = judge(reference, current, cfg, target="target", time_column="event_time")
    assert decision.drifted and decision.retrain and "schema changed" in decision.reason
    assert decision.metadata["missing_columns"] == gone


def test_time_column_and_unsupported_columns_are_recorded_as_skipped():
    """``detect_drift`` dropped the time column, datetime features and list columns without a
    trace: now datetime features are compared (as seconds), the time column and the list column
    are in the metadata's ``skipped``, and the reason names the list column."""
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    rng = np.random.default_rng(0)

    def side(n, days):
        opened = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 60 * 86400, n) + days * 86400, "s")
        return pd.DataFrame({"income": rng.normal(size=n), "opened_at": opened, "target": rng.integers(0, 2, n),
                             TIME: pd.date_range("2025-03-01", periods=n, freq="min"),
                             "tags": [["a"] * int(k) for k in rng.integers(0, 3, n)]})

    decision = judge(side(400, 0), side(300, 30), DriftConfig(), target="target", time_column=TIME)
    assert decision.metadata["methods"] == {"income": "ks", "opened_at": "ks"}
    assert decision.metrics["drifted_opened_at"] == 1 and decision.drifted
    assert decision.metadata["skipped"] == [{"column": TIME, "dtype": "datetime64[ns]", "reason": "time column"},
                                            {"column": "tags", "dtype": "list", "reason": "unsupported type"}]
    assert decision.reason.endswith("; skipped 1 column(s): tags (list, unsupported type)")
