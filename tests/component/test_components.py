"""Components called through ``python_func`` with real KFP artifact objects on tmp dirs."""

import json

import pandas as pd
import pytest
from kfp.dsl import HTML, Artifact, ClassificationMetrics, Dataset, Markdown, Metrics, Model

from ctloop.components.drift.component import detect_drift
from ctloop.components.evaluate.component import evaluate_model
from ctloop.components.prepare.component import prepare_data
from ctloop.components.promote.component import promote_model
from ctloop.components.record.component import record_decision
from ctloop.components.register.component import register_model
from ctloop.components.train.component import train_model
from ctloop.errors import ConfigError, DataSourceError, DataValidationError
from ctloop.registry import MlflowRegistry
from ctloop.synthetic import CREDIT_TARGET as Y
from ctloop.synthetic import CREDIT_TIME_COLUMN as T
from ctloop.synthetic import credit_contract, make_credit_data


def art(cls, tmp_path, name):
    return cls(name=name, uri=str(tmp_path / name), metadata={})


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "credit.parquet"
    make_credit_data(n_rows=6000, seed=5).to_parquet(path)
    return path


DATA = {"target": Y, "time_column": T}


def prepare(tmp_path, data_uri, as_of="2025-05-01", **fields):
    outs = {n: art(Dataset, tmp_path, n) for n in ("train_data", "holdout_data", "current_data")}
    profile = art(Artifact, tmp_path, "data_profile")
    data = {**DATA, "uri": str(data_uri), "contract": credit_contract(), "window": "120D", "as_of": as_of, **fields}
    result = prepare_data.python_func(data=data, data_profile=profile, **outs)
    return result, outs, profile


def test_prepare_writes_datasets_profile_and_digest(tmp_path, data_file):
    result, outs, profile = prepare(tmp_path, data_file)
    train = pd.read_parquet(outs["train_data"].path)
    holdout = pd.read_parquet(outs["holdout_data"].path)
    assert (result.train_rows, result.holdout_rows) == (len(train), len(holdout))
    assert train[T].max() < holdout[T].min()
    assert outs["train_data"].metadata["digest"] == result.digest == json.loads(open(profile.path).read())["digest"]
    assert profile.metadata["train_rows"] == len(train)


def test_prepare_reads_csv_the_same(tmp_path, data_file):
    csv = tmp_path / "credit.csv"
    pd.read_parquet(data_file).to_csv(csv, index=False)
    a, _, _ = prepare(tmp_path / "a", data_file)
    b, _, _ = prepare(tmp_path / "b", csv)
    assert (a.train_rows, a.holdout_rows) == (b.train_rows, b.holdout_rows)


def test_prepare_reads_day_first_times_with_data_time_format(tmp_path, data_file):
    """A ``dd/mm/yyyy`` export of days 1-12 of each month: ``data.time_format`` travels in the
    ``data`` dict and the step reads the times the Parquet file holds. Inferred, the rows in time
    order say day first (``ctloop.contract.date_order``); shuffled, nothing says which and they are
    read month first (``03/02`` as March 2nd), with a warning: another window, other rows."""
    rows = pd.read_parquet(data_file)
    rows = rows[rows[T].dt.day <= 12]
    parquet, csv = tmp_path / "days.parquet", tmp_path / "days.csv"
    rows.to_parquet(parquet)
    rows.assign(**{T: rows[T].dt.strftime("%d/%m/%Y %H:%M:%S.%f")}).to_csv(csv, index=False)
    a, outs_a, _ = prepare(tmp_path / "a", parquet)
    b, outs_b, _ = prepare(tmp_path / "b", csv, time_format="%d/%m/%Y %H:%M:%S.%f")
    assert (a.train_rows, a.holdout_rows) == (b.train_rows, b.holdout_rows)
    times = [pd.read_parquet(o["holdout_data"].path)[T] for o in (outs_a, outs_b)]
    assert times[0].tolist() == times[1].tolist()
    c, outs_c, _ = prepare(tmp_path / "c", csv)
    assert pd.read_parquet(outs_c["holdout_data"].path)[T].tolist() == times[0].tolist()
    shuffled = tmp_path / "shuffled.csv"
    pd.read_csv(csv).sample(frac=1.0, random_state=0).to_csv(shuffled, index=False)
    with pytest.warns(UserWarning, match=f"column '{T}': no date says which number is the day"):
        d, _, _ = prepare(tmp_path / "d", shuffled)
    assert (d.train_rows, d.holdout_rows) != (a.train_rows, a.holdout_rows)


def test_prepare_reads_times_written_as_digits_with_data_time_format(tmp_path, data_file):
    """Times written ``%d%m%Y%H%M%S%f`` (``01052025143000123456``) on days 1-9, one missing: a CSV
    reader takes them for float64 numbers (pandas 2.3.3 ``read_csv``), which hold 15 to 17 digits: with
    ``data.time_format`` the step reads the column as written and gets the Parquet file's times."""
    rows = pd.read_parquet(data_file)
    rows = rows[rows[T].dt.day <= 9]  # 19 digits from the second: int64 numbers, float64 with the null
    rows.loc[rows.index[0], T] = pd.NaT
    parquet, csv = tmp_path / "days.parquet", tmp_path / "days.csv"
    rows.to_parquet(parquet)
    rows.assign(**{T: rows[T].dt.strftime("%d%m%Y%H%M%S%f")}).to_csv(csv, index=False)
    assert pd.read_csv(csv)[T].dtype == "float64"
    a, outs_a, _ = prepare(tmp_path / "a", parquet, contract={})  # the credit contract allows no null time
    b, outs_b, _ = prepare(tmp_path / "b", csv, contract={}, time_format="%d%m%Y%H%M%S%f")
    assert (a.train_rows, a.holdout_rows) == (b.train_rows, b.holdout_rows)
    times = [pd.read_parquet(o["holdout_data"].path)[T] for o in (outs_a, outs_b)]
    assert times[0].tolist() == times[1].tolist()


def test_prepare_bad_inputs(tmp_path, data_file):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataSourceError, match="empty.csv is empty"):
        prepare(tmp_path, empty)
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 nonsense")
    with pytest.raises(DataSourceError, match="corrupt.parquet is not a readable parquet"):
        prepare(tmp_path, corrupt)
    bad = tmp_path / "bad.parquet"
    pd.read_parquet(data_file).drop(columns=["income"]).to_parquet(bad)
    with pytest.raises(DataValidationError, match="column 'income' breaks rule 'required'"):
        prepare(tmp_path, bad)


def test_train_evaluate_register_promote_drift(tmp_path, data_file, sqlite_tracking):
    name = "credit-test"
    _, outs, _ = prepare(tmp_path, data_file)
    model = art(Model, tmp_path, "model")
    trained = train_model.python_func(train_data=outs["train_data"], model_name=name, data={**DATA, "uri": "x"},
                                      model=model, training={"estimator": "logistic_regression"},
                                      tracking_uri=sqlite_tracking, dataset_digest="d1")
    assert model.metadata["mlflow_run_id"] == trained.run_id and trained.model_uri.startswith("models:/")

    metrics, cm, summary = art(Metrics, tmp_path, "metrics"), art(ClassificationMetrics, tmp_path, "cm"), art(Markdown, tmp_path, "summary")
    gate = evaluate_model.python_func(model=model, holdout_data=outs["holdout_data"], model_name=name, metrics=metrics,
                                      classification_metrics=cm, summary=summary,
                                      gate={"thresholds": {"roc_auc": 0.6}, "bootstrap_rounds": 100},
                                      tracking_uri=sqlite_tracking)
    assert gate.approved and gate.champion_version == "" and "no champion yet" in gate.reason
    assert metrics.metadata["approved"] == 1 and "challenger.roc_auc" in metrics.metadata
    assert "confidenceMetrics" in cm.metadata and "confusionMatrix" in cm.metadata
    assert "approved" in open(summary.path).read()

    registered = register_model.python_func(model=model, gate_metrics=metrics, model_name=name, gate_reason=gate.reason,
                                            dataset_digest="d1", tracking_uri=sqlite_tracking, pipeline_run_id="run-9")
    version = registered.version
    assert registered.route == "promote" and "auto_promote" in registered.route_reason
    registry = MlflowRegistry(sqlite_tracking)
    tags = registry.get_version(name, version).tags
    assert tags["ctloop.pipeline_run_id"] == "run-9" and tags["ctloop.metric.challenger.roc_auc"]
    assert promote_model.python_func(model_name=name, version=version, reason="test",
                                     tracking_uri=sqlite_tracking).previous_champion == ""
    assert registry.champion(name).version == version

    # drift of the shock window against the champion's reference
    _, later, _ = prepare(tmp_path / "later", data_file, as_of="2025-10-01")
    report, dm = art(HTML, tmp_path, "report"), art(Metrics, tmp_path, "dm")
    drift = detect_drift.python_func(current_data=later["current_data"], model_name=name, data={**DATA, "uri": "x"},
                                     drift_report=report, drift_metrics=dm, tracking_uri=sqlite_tracking,
                                     drift={"report_sample_size": 2000})
    assert drift.drifted and drift.retrain and drift.champion_version == version
    assert dm.metadata["drift_share"] >= 0.5 and dm.metadata["drifted_credit_utilization"] == 1
    assert "<html" in open(report.path).read().lower() and report.metadata["report_seed"] == 0

    record_decision.python_func(model_name=name, decision="no_retrain", reason="quiet", tracking_uri=sqlite_tracking)
    assert [e["event"] for e in registry.audit_log(name)][-1] == "no_retrain"


def test_drift_without_champion_asks_for_training(tmp_path, data_file, sqlite_tracking):
    _, outs, _ = prepare(tmp_path, data_file)
    report, dm = art(HTML, tmp_path, "report"), art(Metrics, tmp_path, "dm")
    drift = detect_drift.python_func(current_data=outs["current_data"], model_name="nothing-yet",
                                     data={**DATA, "uri": "x"}, drift_report=report, drift_metrics=dm,
                                     tracking_uri=sqlite_tracking)
    assert (drift.drifted, drift.retrain, drift.champion_version) == (False, True, "")
    assert "no champion yet" in drift.reason


def test_a_missing_data_section_field_fails_at_once_with_one_line(tmp_path):
    outs = {n: art(Dataset, tmp_path, n) for n in ("train_data", "holdout_data", "current_data")}
    with pytest.raises(ConfigError) as info:
        prepare_data.python_func(data={"uri": "gs://bucket/t.parquet"}, data_profile=art(Artifact, tmp_path, "p"),
                                 **outs)
    assert "data.target: required" in str(info.value) and "data.time_column: required" in str(info.value)


def test_approval_required_registers_as_pending_and_routes_nowhere(tmp_path, data_file, sqlite_tracking):
    from ctloop import approval

    name = "credit-approval"
    _, outs, _ = prepare(tmp_path, data_file)
    model = art(Model, tmp_path, "model")
    train_model.python_func(train_data=outs["train_data"], model_name=name, data={**DATA, "uri": "x"}, model=model,
                            training={"estimator": "logistic_regression"}, tracking_uri=sqlite_tracking)
    metrics = art(Metrics, tmp_path, "metrics")
    registered = register_model.python_func(model=model, gate_metrics=metrics, model_name=name, gate_reason="ok",
                                            rollout={"approval": "required"}, tracking_uri=sqlite_tracking)
    assert registered.route == "pending-approval" and "ctloop approve" in registered.route_reason
    registry = MlflowRegistry(sqlite_tracking)
    assert approval.pending(registry, name).version == registered.version
    assert registry.champion(name) is None  # nothing promoted


def test_train_model_refuses_infinite_values_naming_the_column_before_logging(tmp_path, sqlite_tracking):
    """The train core's column checks protect the component: nothing is fitted or logged."""
    import mlflow

    frame = make_credit_data(n_rows=300, seed=5)
    frame.loc[frame.index[::10], "income"] = float("inf")
    train_data = art(Dataset, tmp_path, "train_data")
    frame.to_parquet(train_data.path)
    model = art(Model, tmp_path, "model")
    with pytest.raises(DataValidationError, match=r"column 'income' breaks rule 'finite' in 30 row"):
        train_model.python_func(train_data=train_data, model_name="credit-inf", data={**DATA, "uri": "x"},
                                model=model, training={"estimator": "logistic_regression"},
                                tracking_uri=sqlite_tracking)
    assert mlflow.MlflowClient(sqlite_tracking).get_experiment_by_name("credit-inf") is None
    assert not (tmp_path / "model").exists()


def test_train_model_trains_on_the_rows_since_a_candidate_start_and_records_it(tmp_path, sqlite_tracking, capsys):
    """``training.candidate_since`` (set by trigger_training from a loss's ``try_from`` tag): the
    model trains on the rows since then when confidently better (``ctloop.retrain.choose_start``,
    the backtest's choice); the start used is printed, logged to MLflow and in the model meta, and
    ``evaluate_model`` gates it on the newest rows since the start, which it never saw (was: the
    field did not exist and the run trained on the whole window; then the rows since a recent
    start, all in the gate's holdout, were never tried)."""
    import mlflow

    from ctloop.artifacts import load_model_meta
    from tests.unit.test_retrain import SWITCH, split, stream

    frame = stream(flip=True)
    since = int((frame["ts"] >= pd.Timestamp(SWITCH)).sum())
    train, holdout = split(frame)
    train_data, holdout_data = art(Dataset, tmp_path, "train_data"), art(Dataset, tmp_path, "holdout_data")
    train.to_parquet(train_data.path)
    holdout.to_parquet(holdout_data.path)
    model = art(Model, tmp_path, "model")
    out = train_model.python_func(train_data=train_data, holdout_data=holdout_data, model_name="flip",
                                  data={"target": "y", "time_column": "ts", "uri": "x"}, model=model,
                                  training={"estimator": "logistic_regression", "candidate_since": SWITCH},
                                  gate={"bootstrap_rounds": 200}, tracking_uri=sqlite_tracking)
    meta = load_model_meta(model.path)
    start = meta["training_start"]
    assert meta["train_rows"] == int(since * 0.8) and start["kept"], start
    assert start["start"] == "2026-02-10T00:00:00+00:00" and start["ci_low"] > 0
    run = mlflow.MlflowClient(sqlite_tracking).get_run(out.run_id)
    assert run.data.params["training_start"] == "2026-02-10T00:00:00+00:00"
    assert run.data.tags["ctloop.training_start"] == start["note"]
    assert run.data.tags["ctloop.training_start"].startswith(f"trained on the {int(since * 0.8)} rows since the change")
    assert f"ctloop: training start: trained on the {int(since * 0.8)} rows since the change" in capsys.readouterr().out
    gate = evaluate_model.python_func(model=model, holdout_data=holdout_data, model_name="flip",
                                      metrics=art(Metrics, tmp_path, "metrics"),
                                      classification_metrics=art(ClassificationMetrics, tmp_path, "cm"),
                                      summary=art(Markdown, tmp_path, "summary"),
                                      gate={"thresholds": {"roc_auc": 0.6}, "bootstrap_rounds": 100},
                                      tracking_uri=sqlite_tracking)
    assert gate.approved, gate.reason
    assert (f"ctloop: gating on the newest {start['check_rows']} of {len(holdout)} holdout rows: since "
            f"2026-02-10T00:00:00+00:00") in capsys.readouterr().out
