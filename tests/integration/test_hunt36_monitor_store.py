"""The monitoring window's MLflow run and its trigger under hostile values and retries: a real
(sqlite) MLflow store, a registered champion, logged traffic on disk, the KFP API double."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.components.monitor.component import trigger_training
from ctloop.registry import MlflowRegistry
from tests.doubles.kfp_api import KfpApiDouble
from tests.integration.monitor_support import MODEL, log_window, register_champion
from tests.integration.test_monitor_component import END, monitor, run_tags, upload_training

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("monitor36")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    return uri, register_champion(uri, n_rows=6000)


@pytest.fixture
def uri(setup, tmp_path):
    uri, _ = setup
    client = MlflowRegistry(uri).client
    exp = client.get_experiment_by_name(f"{MODEL}-monitoring")
    if exp is not None:
        client.rename_experiment(exp.experiment_id, f"{MODEL}-monitoring-{tmp_path.name}")
        client.delete_experiment(exp.experiment_id)
    return uri


@pytest.mark.parametrize("version", ["canary/", "a//b", "v" * 300])
def test_a_logged_model_version_mlflow_cannot_name_a_metric_by_still_records_the_window(setup, uri, tmp_path,
                                                                                         version):
    """The per-version series are named ``realized_<metric>.model_version.<value>``, the value as
    the log carries it. MLflow (3.x ``mlflow/utils/validation.py``: ``MAX_ENTITY_KEY_LENGTH`` 250,
    ``path_not_unique``) refuses a key longer than 250 characters or one a path normalisation
    changes (a trailing ``/``, ``//``): the whole window's run failed with an MlflowException
    traceback, nothing recorded, and every retry failed the same way while that row sat in the
    label lookback. Now such a key is made valid (and stays distinct); the window is recorded."""
    _, champion = setup
    from ctloop.labels.store import ingest_labels

    served = log_window(tmp_path / "logs", champion.quiet.sample(200, random_state=1), champion,
                        END - pd.Timedelta("2h"), version=version)
    ours = log_window(tmp_path / "logs", champion.quiet.sample(200, random_state=2), champion,
                      END - pd.Timedelta("1h"))
    labelled = pd.concat([served, ours]).rename(columns={"_label": "label"})
    labelled[["request_id", "label"]].to_parquet(tmp_path / "labels.parquet")
    ingest_labels(str(tmp_path / "labels.parquet"), str(tmp_path / "store"))
    out, metrics = monitor(tmp_path, uri, rules={}, labels_root=str(tmp_path / "store"), label_lookback="1D")
    data = run_tags(uri, out.monitor_run_id)
    assert data.metrics["realized_rows"] == 200
    keys = [k for k in data.metrics if k.startswith("realized_rows.model_version.")]
    assert len(keys) == 2 and all(len(k) <= 250 for k in keys), keys
    assert data.metrics["realized_rows.model_version.1"] == 200


def test_a_retried_trigger_starts_one_training_run(setup, uri, tmp_path):
    """``trigger_training`` run again for a window whose retrain already started (a KFP run
    retried from the failed step after the trigger succeeded, or the step re-run by hand) started
    a second continuous-training run for the same window. Now the window's ``kfp_run`` is
    returned: one run per window."""
    _, champion = setup
    log_window(tmp_path / "logs", champion.shocked.sample(400, random_state=3), champion, END)
    out, _ = monitor(tmp_path, uri, rules={"drift_share": 0.5, "drift_windows": 1})
    assert out.retrain, out.reason
    with KfpApiDouble() as kfp:
        upload_training(kfp)
        first = trigger_training.python_func(model_name=MODEL, reason=out.reason, kfp_host=kfp.url,
                                             monitor_run_id=out.monitor_run_id, tracking_uri=uri)
        again = trigger_training.python_func(model_name=MODEL, reason=out.reason, kfp_host=kfp.url,
                                             monitor_run_id=out.monitor_run_id, tracking_uri=uri)
        posts = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
    assert len(posts) == 1 and again.run_id == first.run_id
    assert run_tags(uri, out.monitor_run_id).tags["kfp_run"] == first.run_id
    events = [e["event"] for e in MlflowRegistry(uri).audit_log(MODEL)]
    assert events.count("retrain_triggered") == 1


def test_two_monitoring_runs_of_one_window_at_once_start_one_training_run(setup, uri, tmp_path):
    """Two monitoring runs judged the same drifted window before either triggered (a scheduled run
    and one started by hand, or two overlapping schedule runs): neither saw the other's retrain in
    its history, both asked for one, and both ``trigger_training`` steps started a continuous-
    training run. Now a trigger checks, under the model's promotion lock, whether a retrain started
    after its window was judged: the second window is marked not triggered (with why), no second
    run starts, and the next window sees the first run's cooldown."""
    _, champion = setup
    rules = {"drift_share": 0.5, "drift_windows": 1, "cooldown": "6h"}
    log_window(tmp_path / "logs", champion.shocked.sample(400, random_state=4), champion, END)
    first, _ = monitor(tmp_path, uri, rules=rules)
    second, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("2min"), rules=rules)
    assert first.retrain and second.retrain, (first.reason, second.reason)
    with KfpApiDouble() as kfp:
        upload_training(kfp)
        started = trigger_training.python_func(model_name=MODEL, reason=first.reason, kfp_host=kfp.url,
                                               monitor_run_id=first.monitor_run_id, tracking_uri=uri)
        skipped = trigger_training.python_func(model_name=MODEL, reason=second.reason, kfp_host=kfp.url,
                                               monitor_run_id=second.monitor_run_id, tracking_uri=uri)
        posts = [c for c in kfp.calls if c.method == "POST" and c.path.endswith("/runs")]
    assert len(posts) == 1 and started.run_id and skipped.run_id == ""
    tags = run_tags(uri, second.monitor_run_id).tags
    assert tags["triggered"] == "false" and started.run_id in tags["trigger_skipped"]
    assert run_tags(uri, first.monitor_run_id).tags["triggered"] == "true"
    third, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("1h"), rules=rules)
    assert third.rule == "cooldown", third.reason


def test_a_backfilled_window_does_not_replace_the_newer_one_on_the_pushgateway(setup, uri, tmp_path):
    """A window judged after a newer one (an operator re-judging yesterday with ``as_of``, or a pod
    whose clock runs behind) was pushed like any other: the PUT replaced the model's group, and
    Prometheus read yesterday's drift and realized metric as the current ones (alerts fired or
    resolved on stale numbers). Now a window older than the newest recorded one is not pushed
    (a warning says why); the newest stays on the Pushgateway. A real Pushgateway."""
    from tests.monitoring.test_monitoring_metrics import gateway_text, pushgateway

    _, champion = setup
    for hours in (0, 3):
        log_window(tmp_path / "logs", champion.quiet.sample(200, random_state=5 + hours), champion,
                   END - pd.Timedelta(hours=hours))
    with pushgateway(tmp_path / "pg") as gateway:
        out, _ = monitor(tmp_path, uri, rules={}, pushgateway_url=gateway)
        assert "not pushed" not in out.warnings
        old, _ = monitor(tmp_path, uri, as_of=END - pd.Timedelta("3h"), rules={}, pushgateway_url=gateway)
        text = gateway_text(gateway)
    line = next(x for x in text.splitlines() if x.startswith("ctloop_monitoring_window_end_timestamp_seconds{"))
    assert float(line.rsplit(" ", 1)[1]) == END.timestamp()
    assert run_tags(uri, old.monitor_run_id).tags["window_end"] == (END - pd.Timedelta("3h")).isoformat()
