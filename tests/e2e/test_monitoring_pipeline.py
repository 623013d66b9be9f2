"""The monitoring pipeline end to end through kfp.local over logged traffic: injected drift,
and late labels joined by a business key.

Real parts: kfp.local, an MLflow sqlite store, the champion registered by the real cores,
Parquet written in the inference log layout of the sink's contract (with ``model_version``),
labels ingested with ``ctloop labels ingest``; the triggered training run goes to the KFP API
double (tests/doubles), the one server that cannot run here.
"""

import uuid

import pandas as pd
import pytest

from ctloop import tracking
from ctloop.components.train.core import fit
from ctloop.local import run_pipeline_locally
from ctloop.pipelines.monitoring import monitoring
from ctloop.registry import MlflowRegistry
from ctloop.storage import write_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data
from tests.doubles.kfp_api import KfpApiDouble
from tests.integration.test_monitor_component import upload_training

pytestmark = pytest.mark.slow
DAY = "2026-01-05"


def logged_window(frame: pd.DataFrame, hour: int, model, root) -> None:
    rows = frame.drop(columns=[CREDIT_TIME_COLUMN, CREDIT_TARGET]).copy()
    rows["prediction_1"] = model.predict_proba(rows)[:, 1]
    rows["request_id"] = [uuid.uuid4().hex for _ in range(len(rows))]
    rows["instance"] = 0
    rows["model"] = "credit"
    rows["revision"] = "credit-predictor-00001"
    rows["model_version"] = "1"
    rows["time"] = [f"{DAY}T{hour - 1:02d}:{m % 60:02d}:00+00:00" for m in range(len(rows))]
    rows["has_request"] = rows["has_response"] = True
    write_table(rows, str(root / "model=credit" / f"date={DAY}" / "revision=credit-predictor-00001" / f"h{hour}.parquet"))


RULES_OFF = {"drift_share": None, "realized_floor": None, "realized_drop": None, "min_rows_since_training": None,
             "cooldown": None}
TRAINING = {"data": {"uri": "gs://credit/applications.parquet", "target": CREDIT_TARGET,
                     "time_column": CREDIT_TIME_COLUMN}, "gate": {"thresholds": {"roc_auc": 0.7}}}


def test_fires_exactly_the_configured_rule_and_respects_cooldown(tmp_path):
    data = make_credit_data(n_rows=24000, seed=3)
    period = (data[CREDIT_TIME_COLUMN] - data[CREDIT_TIME_COLUMN].min()).dt.days // 30
    train = data[period <= 3].drop(columns=[CREDIT_TIME_COLUMN])
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = fit(train, target=CREDIT_TARGET, estimator="logistic_regression")
    run_id, model_uri = tracking.log_training_run(tracking_uri=uri, experiment="credit", model=result.model,
                                                  meta=result.meta, params={}, metrics={}, train_frame=train,
                                                  dataset_digest="d", data_uri="test")
    registry = MlflowRegistry(uri)
    registry.register("credit", model_uri=model_uri, run_id=run_id, tags={})
    registry.promote("credit", "1", reason="fixture")

    root = tmp_path / "logs"
    quiet, shocked = data[period == 4], data[period == 8]
    for hour, source in ((2, quiet), (3, shocked), (4, shocked), (5, shocked)):
        logged_window(source.sample(600, random_state=hour), hour, result.model, root)

    # From hour 2 (one quiet window first): a quiet window with no history before it is judged by
    # test_realized_rule_fires_from_late_labels_joined_by_business_key's first run below.
    decisions = []
    with KfpApiDouble() as kfp:
        host = upload_training(kfp)  # once: every window's trigger starts this upload's version
        for hour in range(2, 6):
            run = run_pipeline_locally(monitoring, {
                "model_name": "credit", "as_of": f"{DAY}T{hour:02d}:00:00+00:00",
                "monitoring": {"log_root": str(root), "window": "1h",
                               "rules": {**RULES_OFF, "drift_share": 0.5, "drift_windows": 2, "cooldown": "3h"}},
                "training_parameters": TRAINING, "kfp_host": host, "tracking_uri": uri,
                "experiment": "ct"}, workdir=tmp_path / "runs")
            assert run.succeeded, run.error
            decisions.append((run.output("monitor-model", "retrain"), run.output("monitor-model", "rule")))
        triggered = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
    assert decisions == [(False, "none"), (False, "none"), (True, "drift"), (False, "cooldown")]
    assert len(triggered) == 1
    params = triggered[0].body["runtime_config"]["parameters"]
    assert params["drift"]["force_retrain"] is True and params["model_name"] == "credit"
    assert params["data"] == TRAINING["data"]
    # every window's scores are kept as a time series, not only the alarms
    client = registry.client
    exp = client.get_experiment_by_name("credit-monitoring")
    runs = client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])
    shares = [r.data.metrics["drift_share"] for r in runs]
    assert len(shares) == 4 and shares[0] < 0.5 < shares[2]
    assert [e["event"] for e in registry.audit_log("credit")].count("retrain_triggered") == 1
    # per-feature drift scores are kept too, and only the window whose trigger succeeded is marked
    assert all(any(k.startswith("drift_score_") for k in r.data.metrics) for r in runs)
    assert [r.data.tags["triggered"] for r in runs] == ["false", "false", "true", "false"]


def test_realized_rule_fires_from_late_labels_joined_by_business_key(tmp_path, capsys):
    """Traffic without drift whose labels arrive hours later, keyed by the order id the client
    sent in X-Order-Id (logged as meta_x_order_id, a string) and exported as numbers in a CSV.
    Before the labels: no rule (too few labels); after: below chance fires from the lookback
    although the judged window itself has no label yet, and the triggered run uses the
    configured image."""
    from ctloop.cli import main
    from tests.integration.monitor_support import log_window, register_champion

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    champion = register_champion(uri)
    root = tmp_path / "logs"
    end = pd.Timestamp(f"{DAY}T00:00:00Z")
    served = [log_window(root, champion.quiet.sample(400, random_state=h), champion, end + pd.Timedelta(hours=h),
                         order_ids=range(10000 + 1000 * h, 10400 + 1000 * h)) for h in (1, 2, 3, 4)]
    image = "registry.example.com/ml/ctloop:0.1.0-mirror"
    rules = {**RULES_OFF, "drift_share": 0.5, "drift_windows": 2, "realized_drop": 0.05, "cooldown": "6h"}

    def monitor(hour, host):
        run = run_pipeline_locally(monitoring, {
            "model_name": "credit", "as_of": (end + pd.Timedelta(hours=hour)).isoformat(),
            "monitoring": {"log_root": str(root), "window": "1h", "labels_root": str(tmp_path / "labels"),
                           "rules": rules, "label_lookback": "1D", "min_labels": 200},
            "training_parameters": TRAINING, "kfp_host": host, "tracking_uri": uri,
            "experiment": "ct"}, workdir=tmp_path / "runs")
        assert run.succeeded, run.error
        return run

    with KfpApiDouble() as kfp:
        host = upload_training(kfp, image)  # once: the trigger below starts this upload's version
        before = monitor(3, host)
        assert before.output("monitor-model", "retrain") is False
        assert "too few labels (n=0 < 200)" in before.output("monitor-model", "reason")

        # the outcomes of hours 1-3 arrive: the champion got them mostly wrong (the world changed)
        late = pd.concat(served[:3])
        csv = tmp_path / "outcomes.csv"
        pd.DataFrame({"order_id": late["meta_x_order_id"].astype(int), "defaulted": 1 - late["_label"],
                      "label_time": f"{DAY}T05:00:00Z"}).rename(columns={"order_id": "meta_x_order_id"}) \
            .to_csv(csv, index=False)
        assert main(["labels", "ingest", "--labels", str(csv), "--store", str(tmp_path / "labels"),
                     "--key", "meta_x_order_id", "--label-column", "defaulted"]) == 0
        assert "appended 1200 labels keyed by meta_x_order_id" in capsys.readouterr().out

        after = monitor(4, host)
        triggered = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
    assert after.output("monitor-model", "retrain") is True
    # outcomes flipped: the champion ranks the classes backwards, a loss below chance names first
    assert after.output("monitor-model", "rule") == "below_chance"
    assert "on 1200 labels is worse than chance (0.5)" in after.output("monitor-model", "reason")
    assert after.output("monitor-model", "warnings") == ""
    (post,) = triggered  # the uploaded continuous-training version runs: the one compiled with the image
    version = post.body["pipeline_version_reference"]["pipeline_version_id"]
    uploaded = kfp.version_package(version)
    assert {e["container"]["image"] for e in uploaded["deploymentSpec"]["executors"].values()} == {image}
    registry = MlflowRegistry(uri)
    run = registry.client.get_run(after.output("monitor-model", "monitor_run_id"))
    assert run.data.tags["triggered"] == "true" and run.data.metrics["realized_rows"] == 1200
    assert run.data.metrics["realized"] < champion.validation_auc - 0.05
