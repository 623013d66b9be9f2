"""``monitor_model`` and ``trigger_training`` called through ``python_func`` with a real MLflow
store (sqlite), a registered champion, logged traffic on disk and the KFP API double."""

import pandas as pd
import pytest
from kfp.dsl import Metrics
from mlflow.entities import Metric

from ctloop.components.monitor.component import monitor_model, trigger_training
from ctloop.errors import PlatformError
from ctloop.registry import MlflowRegistry
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.servers import dead_port
from tests.integration.monitor_support import MODEL, log_window, promote_trained, register_champion

pytestmark = pytest.mark.slow
END = pd.Timestamp("2026-01-05T12:00:00Z")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monitor")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    return uri, register_champion(uri)


@pytest.fixture
def uri(setup, tmp_path):
    """A fresh monitoring history per test: the champion stays, the experiment is renamed away."""
    uri, _ = setup
    client = MlflowRegistry(uri).client
    exp = client.get_experiment_by_name(f"{MODEL}-monitoring")
    if exp is not None:
        client.rename_experiment(exp.experiment_id, f"{MODEL}-monitoring-{tmp_path.name}")
        client.delete_experiment(exp.experiment_id)
    return uri


RULES_OFF = {"drift_share": None, "realized_floor": None, "realized_drop": None, "min_rows_since_training": None,
             "cooldown": None}


def section(log_root, rules=None, **kwargs):
    """The ``monitoring`` section with exactly ``rules`` on (the others off, not at their defaults)."""
    return {"log_root": str(log_root), **kwargs, **({"rules": {**RULES_OFF, **rules}} if rules is not None else {})}


def upload_training(kfp, image=None, mounts=()):
    """The continuous-training pipeline uploaded to the KFP double, as `ctloop apply` does; its URL."""
    import tempfile
    from pathlib import Path

    from ctloop.compiler import compile_pipeline
    from ctloop.ops.platform import Platform
    from ctloop.pipelines.continuous_training import continuous_training

    with tempfile.TemporaryDirectory() as tmp:
        package = compile_pipeline(continuous_training, Path(tmp) / "ct.yaml", image=image, pvc_mounts=list(mounts))
        Platform(host=kfp.url).ensure_pipeline("continuous-training", package)
    return kfp.url


def monitor(tmp_path, uri, as_of=END, **kwargs):
    metrics = Metrics(name="monitor_metrics", uri=str(tmp_path / "m"), metadata={})
    out = monitor_model.python_func(model_name=MODEL, monitoring=section(tmp_path / "logs", **kwargs),
                                    monitor_metrics=metrics, as_of=as_of.isoformat(), tracking_uri=uri)
    return out, metrics


def run_tags(uri, run_id):
    return MlflowRegistry(uri).client.get_run(run_id).data


def seed_windows(client, exp_id, windows, triggered_at):
    """One monitoring run per window end of ``windows`` (drift_share 0.9, ``triggered`` true only
    at index ``triggered_at``), as ``MlflowClient.create_run`` + ``log_batch`` store them (mlflow
    3.17 ``SqlAlchemyStore.create_run`` / ``_log_metrics``), written in one transaction: a
    thousand create_run calls one at a time took ~18 s CPU."""
    import uuid

    from mlflow.entities import RunStatus, SourceType
    from mlflow.entities.lifecycle_stage import LifecycleStage
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlRun, SqlTag
    from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME

    store = client._tracking_client.store
    artifact_root = client.get_experiment(exp_id).artifact_location
    with store.ManagedSessionMaker(read_only=False) as session:
        for i, end in enumerate(windows):
            run_id, ms = uuid.uuid4().hex, int(end.timestamp() * 1000)
            tags = {"window_end": end.isoformat(), "triggered": "true" if i == triggered_at else "false",
                    "champion_version": "1", MLFLOW_RUN_NAME: f"window-{i}"}
            run = SqlRun(name=f"window-{i}", artifact_uri=f"{artifact_root}/{run_id}/artifacts", run_uuid=run_id,
                         experiment_id=int(exp_id), source_type=SourceType.to_string(SourceType.UNKNOWN),
                         source_name="", entry_point_name="", user_id="unknown",
                         status=RunStatus.to_string(RunStatus.RUNNING), start_time=ms, end_time=None,
                         deleted_time=None, source_version="", lifecycle_stage=LifecycleStage.ACTIVE)
            run.tags = [SqlTag(key=k, value=v) for k, v in tags.items()]
            session.add(run)
            for model in (SqlMetric, SqlLatestMetric):
                session.add(model(key="drift_share", value=0.9, timestamp=ms, step=0, is_nan=False, run_uuid=run_id))


def test_cooldown_holds_after_more_than_a_thousand_windows(setup, uri, tmp_path):
    """The history used to be the 1,000 *oldest* runs: after ~41 days hourly the last trigger was
    invisible, the cooldown stopped working and every drifted window retrained."""
    _, champion = setup
    client = MlflowRegistry(uri).client
    exp_id = client.create_experiment(f"{MODEL}-monitoring")
    n = 1005
    first = END - pd.Timedelta(hours=n)
    windows = [first + pd.Timedelta(hours=i) for i in range(n)]
    seed_windows(client, exp_id, windows, triggered_at=n - 3)  # a retraining started 3 hours ago
    runs = client.search_runs([exp_id], max_results=2000)
    assert len(runs) == n and sum(r.data.tags["triggered"] == "true" for r in runs) == 1
    assert {r.data.metrics["drift_share"] for r in runs} == {0.9}
    log_window(tmp_path / "logs", champion.shocked.sample(600, random_state=1), champion, END)
    out, _ = monitor(tmp_path, uri, rules={"drift_share": 0.5, "drift_windows": 2, "cooldown": "24h"})
    assert (out.retrain, out.rule) == (False, "cooldown"), out.reason
    assert "last retraining trigger 2026-01-05 09:00" in out.reason
    later, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("20h"),
                       rules={"drift_share": 0.5, "drift_windows": 1, "cooldown": "24h"})
    assert later.rule == "cooldown" and "until 2026-01-06 09:00" in later.reason


def test_positional_features_are_mapped_and_unmatched_ones_warn(setup, uri, tmp_path):
    _, champion = setup
    log_window(tmp_path / "logs", champion.shocked.sample(600, random_state=2), champion, END, positional=True)
    out, metrics = monitor(tmp_path, uri, rules={"drift_share": 0.5, "drift_windows": 1})
    assert out.retrain and out.rule == "drift" and not out.warnings, out.reason
    assert metrics.metadata["drift_share"] > 0.5
    assert {f"drift_score_{f}" for f in champion.features} <= set(metrics.metadata)
    data = run_tags(uri, out.monitor_run_id)
    assert data.tags["feature_mapping"] == "positional"
    assert {f"drift_score_{f}" for f in champion.features} <= set(data.metrics)  # per feature, not only the share

    other = tmp_path / "other"
    rows = log_window(other / "logs", champion.shocked.sample(600, random_state=3), champion, END, positional=True)
    frame = pd.read_parquet(next((other / "logs").rglob("*.parquet")))
    frame.drop(columns=[f"f{len(champion.features) - 1}"]).to_parquet(next((other / "logs").rglob("*.parquet")))
    assert len(rows) == 600
    out, metrics = monitor(other, uri, rules={"drift_share": 0.5, "drift_windows": 1})
    assert not out.retrain and "drift_share" not in metrics.metadata
    assert "drift not computed" in out.warnings and "WARNING: drift not computed" in out.reason
    assert "drift rule not evaluated" in out.reason
    assert run_tags(uri, out.monitor_run_id).tags["warnings"].startswith("drift not computed")


def test_triggered_is_recorded_only_after_the_run_started(setup, uri, tmp_path):
    _, champion = setup
    rules = {"drift_share": 0.5, "drift_windows": 1, "cooldown": "6h"}
    for hour in range(3):
        log_window(tmp_path / "logs", champion.shocked.sample(500, random_state=10 + hour), champion,
                   END + pd.Timedelta(hours=hour))
    out, _ = monitor(tmp_path, uri, rules=rules)
    assert out.retrain and run_tags(uri, out.monitor_run_id).tags["triggered"] == "pending"
    dead = f"http://127.0.0.1:{dead_port()}"
    with pytest.raises(PlatformError, match="could not start the continuous-training run"):
        trigger_training.python_func(model_name=MODEL, reason=out.reason, kfp_host=dead, monitor_run_id=out.monitor_run_id,
                                     tracking_uri=uri)
    tags = run_tags(uri, out.monitor_run_id).tags
    assert tags["triggered"] == "failed" and "cannot reach" in tags["trigger_error"]
    assert "retrain_trigger_failed" in [e["event"] for e in MlflowRegistry(uri).audit_log(MODEL)]

    # the failed trigger started no cooldown: the next window decides (and triggers) again
    again, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("1h"), rules=rules)
    assert again.retrain and again.rule == "drift", again.reason
    image = "registry.example.com/ml/ctloop:9.9.9"
    training = {"data": {"uri": "gs://credit/t.parquet", "target": "default", "time_column": "application_date"}}
    with KfpApiDouble() as kfp:
        # what `ctloop apply` uploaded, compiled with the image and the volume mounts
        upload_training(kfp, image, mounts=[("training-data", "/mnt/data")])
        started = trigger_training.python_func(model_name=MODEL, reason=again.reason, kfp_host=kfp.url,
                                               training_parameters=training, monitor_run_id=again.monitor_run_id,
                                               tracking_uri=uri)
        (post,) = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
        package = kfp.version_package(post.body["pipeline_version_reference"]["pipeline_version_id"])
    tags = run_tags(uri, again.monitor_run_id).tags
    assert tags["triggered"] == "true" and tags["kfp_run"] == started.run_id
    images = {e["container"]["image"] for e in package["deploymentSpec"]["executors"].values()}
    assert images == {image}  # the uploaded version runs, with the image it was compiled with
    params = post.body["runtime_config"]["parameters"]
    assert params["drift"] == {"force_retrain": True} and params["data"] == training["data"]
    assert params["model_name"] == MODEL

    third, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("2h"), rules=rules)
    assert third.rule == "cooldown", third.reason


def test_realized_metric_from_late_labels_per_version(setup, uri, tmp_path):
    """Labels of earlier windows (the lookback) count; the current window has none yet. Only
    the champion version's rows judge it; every version's metric is logged."""
    _, champion = setup
    from ctloop.labels.store import ingest_labels

    served = []
    for hour, version in ((1, "1"), (2, "1"), (3, "2"), (4, "1")):
        rows = log_window(tmp_path / "logs", champion.quiet.sample(300, random_state=20 + hour), champion,
                          END - pd.Timedelta(hours=24 - hour), version=version,
                          revision="credit-predictor-00002" if version == "2" else "credit-predictor-00001")
        served.append(rows)
    log_window(tmp_path / "logs", champion.quiet.sample(300, random_state=30), champion, END)  # no labels yet
    labelled = pd.concat(served)
    flipped = labelled.assign(label=1 - labelled["_label"])  # the world changed: the champion is now wrong
    src = tmp_path / "labels.parquet"
    flipped[["request_id", "label"]].to_parquet(src)
    ingest_labels(str(src), str(tmp_path / "store"))

    rules = {"realized_drop": 0.05}
    out, metrics = monitor(tmp_path, uri, rules=rules, labels_root=str(tmp_path / "store"), label_lookback="2D",
                           min_labels=200)
    # flipped labels: the champion ranks the classes backwards, which below chance (a loss whatever
    # the reference, before realized_drop) names — through served_realized's chance_gap/_se
    assert out.retrain and out.rule == "below_chance" and "on 900 labels" in out.reason, out.reason
    assert metrics.metadata["realized_rows"] == 900 and metrics.metadata["realized"] < 0.5
    data = run_tags(uri, out.monitor_run_id)
    assert data.metrics["realized_rows.model_version.2"] == 300 and "realized_roc_auc.model_version.1" in data.metrics
    assert "realized_roc_auc.revision.credit-predictor-00002" in data.metrics
    assert data.tags["realized_rows_are"] == "rows served by model_version 1"
    # the statistic the rule read is on the run, to chart beside the realized metric
    assert data.metrics["chance_gap"] == pytest.approx(0.5 - metrics.metadata["realized"], abs=1e-5)
    assert 0 < data.metrics["chance_gap_se"] < data.metrics["chance_gap"]

    short, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("1h"), rules=rules,
                       labels_root=str(tmp_path / "store"), label_lookback="2D", min_labels=1000)
    assert not short.retrain and "too few labels (n=900 < 1000)" in short.reason
    window_only, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("2h"), rules=rules,
                             labels_root=str(tmp_path / "store"), label_lookback="1h")
    assert not window_only.retrain and "too few labels (n=0" in window_only.reason


def test_volume_is_carried_from_window_to_window(setup, uri, tmp_path):
    _, champion = setup
    registry = MlflowRegistry(uri)
    registry.set_tags(MODEL, "1", {"ctloop.champion_since": (END - pd.Timedelta("3h")).isoformat()})
    try:
        for hour in range(3):
            log_window(tmp_path / "logs", champion.quiet.sample(100, random_state=40 + hour), champion,
                       END - pd.Timedelta(hours=1 - hour))
        rules = {"min_rows_since_training": 250}
        first, m1 = monitor(tmp_path, uri, as_of=END - pd.Timedelta("1h"), rules=rules)
        second, m2 = monitor(tmp_path, uri, as_of=END, rules=rules)
        third, m3 = monitor(tmp_path, uri, as_of=END + pd.Timedelta("1h"), rules=rules)
    finally:
        registry.set_tags(MODEL, "1", {"ctloop.champion_since": "2020-01-01T00:00:00Z"})
    assert [m.metadata["rows_since_training"] for m in (m1, m2, m3)] == [100, 200, 300]
    assert (first.rule, second.rule, third.rule) == ("volume", "volume", "volume")
    assert (first.retrain, second.retrain, third.retrain) == (False, False, True)


def test_labels_report_gives_realized_metrics_per_version_and_window(setup, tmp_path, capsys):
    """``ctloop labels report`` over logged traffic of two model versions with late labels,
    checked against scikit-learn on the same rows."""
    import json

    from sklearn.metrics import roc_auc_score

    from ctloop.cli import main
    from ctloop.labels.store import ingest_labels

    _, champion = setup
    served = []
    for hour, version in ((1, "1"), (2, "1"), (3, "2")):
        served.append(log_window(tmp_path / "logs", champion.quiet.sample(400, random_state=50 + hour), champion,
                                 END - pd.Timedelta(hours=4 - hour), version=version))
    labelled = pd.concat(served)
    src = tmp_path / "labels.parquet"
    labelled.rename(columns={"_label": "label"})[["request_id", "label"]].to_parquet(src)
    ingest_labels(str(src), str(tmp_path / "store"))

    out = tmp_path / "report"
    assert main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store"),
                 "--model-name", MODEL, "--start", (END - pd.Timedelta("4h")).isoformat(), "--end", END.isoformat(),
                 "--window", "1h", "--metrics", "roc_auc,accuracy", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1200 logged rows; 1200 labelled rows (key request_id)" in printed
    table = pd.read_csv(out / "realized.csv")
    assert table[["model_version", "rows"]].values.tolist() == [[1, 400], [1, 400], [2, 400]]
    for (_, row), rows in zip(table.iterrows(), served, strict=True):
        assert row["roc_auc"] == pytest.approx(roc_auc_score(rows["_label"], rows["prediction_1"]), abs=1e-12)
        assert row["accuracy"] == pytest.approx(((rows["prediction_1"] >= 0.5) == rows["_label"]).mean(), abs=1e-12)
    assert json.loads((out / "realized.json").read_text())["metrics"] == ["roc_auc", "accuracy"]
    assert (out / "realized.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    whole = main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store"),
                  "--model-name", MODEL, "--end", END.isoformat(), "--lookback", "1D", "--by", "revision"])
    assert whole == 0 and "credit-predictor-00001" in capsys.readouterr().out
    assert main(["labels", "report", "--log-root", str(tmp_path / "logs"), "--store", str(tmp_path / "store"),
                 "--model-name", MODEL, "--metrics", "rmse"]) == 2
    assert "metric(s) rmse do not apply to classification" in capsys.readouterr().err


def test_monitor_history_shows_every_window_and_the_trigger(setup, uri, tmp_path, capsys):
    from ctloop.cli import main

    _, champion = setup
    rules = {"drift_share": 0.5, "drift_windows": 2, "cooldown": "6h"}
    outs = []
    for hour, source in enumerate((champion.quiet, champion.shocked, champion.shocked)):
        as_of = END + pd.Timedelta(hours=hour)
        log_window(tmp_path / "logs", source.sample(500, random_state=60 + hour), champion, as_of)
        outs.append(monitor(tmp_path, uri, as_of=as_of, rules=rules))
    (last, _) = outs[-1]
    assert [o.rule for o, _ in outs] == ["none", "none", "drift"]
    with KfpApiDouble() as kfp:
        started = trigger_training.python_func(model_name=MODEL, reason=last.reason, kfp_host=upload_training(kfp),
                                               monitor_run_id=last.monitor_run_id, tracking_uri=uri)
    capsys.readouterr()
    assert main(["monitor", "history", "--model-name", MODEL, "--tracking-uri", uri, "--drift-share", "0.5",
                 "--output", str(tmp_path / "history")]) == 0
    printed = capsys.readouterr().out
    assert "3 window(s) from 2026-01-05 12:00 to 2026-01-05 14:00 UTC; 1 retraining trigger(s)" in printed
    assert "2026-01-05 14:00 drift: drift share >= 0.5 for 2 consecutive window(s)" in printed
    assert f"(KFP run {started.run_id})" in printed
    frame = pd.read_csv(tmp_path / "history" / "monitor-history.csv", dtype={"triggered": str})
    assert frame["rule"].tolist() == ["none", "none", "drift"]
    assert frame["triggered"].tolist() == ["false", "false", "true"]
    assert frame["drift_share"].tolist() == pytest.approx([m.metadata["drift_share"] for _, m in outs], abs=1e-6)
    assert (tmp_path / "history" / "monitor-history.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    # a model the registry does not hold is a typo, not a model never monitored (tests/unit/test_model_name_typos.py)
    assert main(["monitor", "history", "--model-name", "nobody", "--tracking-uri", uri]) == 2
    assert "no registered model 'nobody'" in capsys.readouterr().err


def test_re_runs_in_the_history_do_not_crowd_out_earlier_windows(setup, uri, tmp_path):
    """drift_windows=3 with the previous window judged three times (two re-runs): the history
    read from MLflow must still reach the window before it."""
    _, champion = setup
    client = MlflowRegistry(uri).client
    exp_id = client.create_experiment(f"{MODEL}-monitoring")
    for minutes in (180, 120, 60, 55, 50):  # 09:00, 10:00, 11:00 and two re-runs of 11:00
        end = END - pd.Timedelta(minutes=minutes)
        run = client.create_run(exp_id, start_time=int((END - pd.Timedelta(minutes=minutes - 1)).timestamp() * 1000),
                                tags={"window_end": end.isoformat(), "triggered": "false", "champion_version": "1"})
        client.log_batch(run.info.run_id, metrics=[Metric("drift_share", 0.9, int(end.timestamp() * 1000), 0)])
    log_window(tmp_path / "logs", champion.shocked.sample(600, random_state=70), champion, END)
    out, _ = monitor(tmp_path, uri, rules={"drift_share": 0.5, "drift_windows": 3})
    assert (out.retrain, out.rule) == (True, "drift"), out.reason


def test_a_multiclass_champion_is_judged_on_every_class_probability_and_text_labels(setup, tmp_path):
    """Three classes named by text (``low``/``mid``/``high``): the realized metric scores the
    logged ``prediction_0..2`` against the labels matched to the champion's classes, exactly as
    scikit-learn's macro one-vs-rest AUC does on those rows; labels that stop matching fire
    ``realized_drop``."""
    import uuid as _uuid

    import numpy as np
    from sklearn.metrics import roc_auc_score

    from ctloop.components.train.core import fit
    from ctloop.labels.store import ingest_labels
    from ctloop.storage import write_table
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    uri, _ = setup
    name = "risk"
    data = make_credit_data(n_rows=9000, seed=5).drop(columns=[CREDIT_TIME_COLUMN, CREDIT_TARGET])
    noisy = data["debt_to_income"] + np.random.default_rng(0).normal(0, 0.03, len(data))
    data["risk"] = pd.cut(noisy, [-np.inf, noisy.quantile(0.4), noisy.quantile(0.75), np.inf],
                          labels=["low", "mid", "high"]).astype(str)
    train, holdout, served = data.iloc[:5000], data.iloc[5000:7000], data.iloc[7000:8000].reset_index(drop=True)
    result = fit(train, target="risk", estimator="logistic_regression")
    classes = list(result.meta["classes"])
    assert sorted(classes) == ["high", "low", "mid"]
    promote_trained(uri, name, result, train, holdout, "risk")

    features = served[result.meta["features"]]
    proba = result.model.predict_proba(features)
    logged = features.copy()
    for i in range(len(classes)):
        logged[f"prediction_{i}"] = proba[:, i]
    logged["request_id"] = [_uuid.uuid4().hex for _ in range(len(logged))]
    logged["instance"], logged["model"], logged["model_version"], logged["revision"] = 0, name, "1", "v1"
    start = END - pd.Timedelta("1h")
    logged["time"] = [(start + pd.Timedelta(seconds=1 + i * 3)).isoformat() for i in range(len(logged))]
    logged["has_request"] = logged["has_response"] = True
    write_table(logged, str(tmp_path / "logs" / f"model={name}" / f"date={start:%Y-%m-%d}" / "revision=v1" / "p.parquet"))
    labels = pd.DataFrame({"request_id": logged["request_id"], "label": served["risk"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    assert ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store")) == len(labels)

    def run(store, as_of=END):
        metrics = Metrics(name="m", uri=str(tmp_path / "m"), metadata={})
        out = monitor_model.python_func(model_name=name, monitor_metrics=metrics, as_of=as_of.isoformat(),
                                        tracking_uri=uri, monitoring=section(
                                            tmp_path / "logs", labels_root=str(store), rules={"realized_drop": 0.1},
                                            min_labels=500))
        return out, metrics

    out, metrics = run(tmp_path / "store")
    expected = roc_auc_score(served["risk"], proba, multi_class="ovr", average="macro", labels=classes)
    assert metrics.metadata["realized"] == pytest.approx(expected, abs=1e-6)
    assert metrics.metadata["realized_rows"] == len(served) and not out.retrain, out.reason

    shuffled = labels.assign(label=labels["label"].sample(frac=1, random_state=1).to_numpy())  # labels now random
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    ingest_labels(str(tmp_path / "shuffled.csv"), str(tmp_path / "store2"))
    out, metrics = run(tmp_path / "store2", as_of=END + pd.Timedelta("1min"))
    assert out.retrain and out.rule == "realized_drop" and metrics.metadata["realized"] < 0.6, out.reason
