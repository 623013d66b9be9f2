"""``ctloop score`` against a real MLflow server on loopback (tests/fixtures/servers.py) and a real
S3 server (moto, tests/fixtures/object_stores.py): the champion resolved and verified, the table
scored in chunks, the rows logged and joined with late labels; every bad input one line, exit 2,
nothing written."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pytest

from ctloop import storage, tracking
from ctloop.cli import main
from ctloop.registry import MlflowRegistry
from tests.fixtures.object_stores import create_bucket
from tests.helpers import late_change_csv
from tests.integration.registry_support import log_small_model, small_frame

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def champion(mlflow_url):
    """A registered model whose v1 is the champion: ``(registry, name, model, run_id)``."""
    model, run_id, uri, _ = log_small_model(mlflow_url, f"scoring-{uuid.uuid4().hex[:6]}")
    reg = MlflowRegistry(mlflow_url)
    name = f"scoring-{uuid.uuid4().hex[:8]}"
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    reg.promote(name, "1", reason="fixture")
    return reg, name, model, run_id


def _input(rows: int = 250, seed: int = 7) -> pd.DataFrame:
    frame = small_frame(seed, rows).drop(columns=["y"])
    frame["order_id"] = [f"o-{i:04d}" for i in range(rows)]
    return frame


def _score(mlflow_url, name, *args, quiet: bool = True) -> int:
    return main(["score", "--model-name", name, "--tracking-uri", mlflow_url, *(["--quiet"] if quiet else []), *args])


def _error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if "error:" in x]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_scores_with_the_verified_champion_and_monitoring_joins_late_labels(champion, mlflow_url, tmp_path,
                                                                                capsys):
    reg, name, model, _ = champion
    frame = _input()
    frame.to_parquet(tmp_path / "in.parquet")
    assert _score(mlflow_url, name, "--data", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out"),
                  "--batch-rows", "100", "--id-column", "order_id", "--log-root", str(tmp_path / "log"),
                  "--run-id", "cli-1", quiet=False) == 0
    out, err = capsys.readouterr()
    assert err.startswith("scored 100 rows (1 chunk(s)), ")  # progress on stderr: the first chunk, then every 2 s
    assert f"scored 250 rows with {name} v1 (champion) in 3 chunk(s)" in out and "logged 250 rows" in out
    scored = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "out").glob("part-cli-1-*.parquet"))],
                       ignore_index=True)
    np.testing.assert_allclose(scored[["prediction_0", "prediction_1"]].to_numpy(),
                               model.predict_proba(frame[["a", "b"]]))
    assert list(scored.order_id) == list(frame.order_id) == list(scored.request_id)
    assert set(scored.model_version) == {"1"} and set(scored.run_id) == {"cli-1"}
    logged = list((tmp_path / "log" / f"model={name}").rglob("*.parquet"))
    assert len(logged) == 3 and all("revision=v1" in str(p) for p in logged)

    # late labels for every third order, then the monitoring step judges the window: it finds them
    from ctloop.components.monitor import steps
    from ctloop.labels.store import ingest_labels

    labels = frame.iloc[::3][["order_id"]].rename(columns={"order_id": "request_id"})
    labels["label"] = (frame.a.iloc[::3] > 0).astype(int).to_numpy()
    labels.to_csv(tmp_path / "labels.csv", index=False)
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "labels"))
    as_of = (pd.Timestamp.now(tz="UTC") + pd.Timedelta("1min")).isoformat()
    judged = steps.monitor(name, {"log_root": str(tmp_path / "log"), "labels_root": str(tmp_path / "labels"),
                                  "window": "1h", "min_labels": 10}, as_of=as_of, tracking_uri=mlflow_url)
    metrics = judged.result.output_metrics()
    assert metrics["rows"] == 250 and metrics["realized_rows"] == len(labels) == 84


@pytest.mark.parametrize("case, token", [
    ("unknown model", "model_name: no registered model 'no-such-model'"),
    ("alias missing", "alias: model '{name}' has no alias 'shadow' (its aliases: champion → v1)"),  # no challenger: promoted
    ("feature missing", "has no column 'b', a feature of {name} v1"),
    ("id column missing", "id_column: 'customer' is not a column of"),
    ("duplicate ids", "id_column 'order_id' repeats 'o-0001'"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(champion, mlflow_url, tmp_path, capsys, case, token):
    _, name, _, _ = champion
    frame = _input(20)
    args = ["--data", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out"),
            "--log-root", str(tmp_path / "log")]
    model = "no-such-model" if case == "unknown model" else name
    if case == "alias missing":
        args += ["--alias", "shadow"]
    if case == "feature missing":
        frame = frame.drop(columns=["b"])
    if case == "id column missing":
        args += ["--id-column", "customer"]
    if case == "duplicate ids":
        frame.loc[5, "order_id"] = "o-0001"
        args += ["--id-column", "order_id"]
    frame.to_parquet(tmp_path / "in.parquet")
    assert _score(mlflow_url, model, *args) == 2
    assert token.format(name=name) in _error(capsys)
    assert not (tmp_path / "out").exists() and not (tmp_path / "log").exists()


@pytest.mark.parametrize("name", ["in.csv", "in.csv.gz"])
def test_text_past_a_csv_features_first_block_is_one_line_exit_2_and_leaves_nothing(champion, mlflow_url, tmp_path,
                                                                                     capsys, name):
    """'abc' in the numeric feature 'b', far past the CSV reader's first block: the run failed
    midway with pyarrow's 'In CSV column #2: Row #180002' and the chunks before it left written;
    now one line naming the column and value, exit 2, no chunk or log file left."""
    _, model, _, _ = champion
    at = late_change_csv(tmp_path / name, 200_000, "b", "abc", rename={"x": "a", "y": "b"})
    assert _score(mlflow_url, model, "--data", str(tmp_path / name), "--output", str(tmp_path / "out"),
                  "--log-root", str(tmp_path / "log"), "--id-column", "id", "--batch-rows", "20000") == 2
    line = _error(capsys)
    assert "column 'b'" in line and f"'abc' on row {at + 1}" in line
    assert not list((tmp_path / "out").rglob("*.parquet")) and not list((tmp_path / "log").rglob("*.parquet"))
    assert not list((tmp_path / "log").rglob("_batch_runs/**/*.json"))


def test_numbers_for_text_features_score_as_the_trained_text_as_served(mlflow_url, tmp_path, capsys):
    """A champion trained with grades written '1.0'..'7.0' and codes '01'..'07' (text), scored
    from Parquet int64 columns (2, 6): refused before ('was trained with text there'), while the
    serving runtime read the same JSON numbers as text. Now ``ctloop score`` reads them as the
    serving runtime does (the trained category of their value): the predictions of the trained
    text, the count on stdout; a column of numbers that are no trained category stays refused."""
    from tests.integration.registry_support import register_fitted
    from tests.serving.test_payload import _written_frame

    frame = _written_frame()
    name = f"scoring-text-{uuid.uuid4().hex[:6]}"
    reg = register_fitted(mlflow_url, name, frame, seeds=(1,))
    model = reg.load_model(name, "1")
    rows = frame.drop(columns=["y"]).head(120)
    as_numbers = rows.assign(grade=rows.grade.map(lambda g: int(float(g))), code=rows.code.astype(int))
    as_numbers.to_parquet(tmp_path / "in.parquet")
    assert _score(mlflow_url, name, "--data", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out")) == 0
    out = capsys.readouterr().out
    scored = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "out").glob("*.parquet"))], ignore_index=True)
    np.testing.assert_allclose(scored[["prediction_0", "prediction_1"]].to_numpy(), model.predict_proba(rows))
    assert "numbers read as text: 'grade': 120 number(s) read as text, 120 as the trained category written " \
           "otherwise" in out, out
    assert "numbers read as text: 'code': 120 number(s) read as text, 120 as the trained category" in out, out

    as_numbers.assign(code=as_numbers.code + 100).to_parquet(tmp_path / "amounts.parquet")
    assert _score(mlflow_url, name, "--data", str(tmp_path / "amounts.parquet"), "--output",
                  str(tmp_path / "out2")) == 2
    line = _error(capsys)
    assert "column 'code'" in line and "none of its numbers" in line and not (tmp_path / "out2").exists()


def test_a_model_without_its_recorded_hash_is_never_loaded(mlflow_url, tmp_path, capsys):
    model, run_id, uri, _ = log_small_model(mlflow_url, f"scoring-hash-{uuid.uuid4().hex[:6]}", seed=1)
    reg = MlflowRegistry(mlflow_url)
    name = f"scoring-hash-{uuid.uuid4().hex[:6]}"
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    reg.promote(name, "1", reason="fixture")
    _input(10).to_parquet(tmp_path / "in.parquet")
    reg.client.set_tag(run_id, tracking.TAG_SKOPS_SHA256, "0" * 64)
    assert _score(mlflow_url, name, "--data", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out")) == 2
    assert "0" * 64 in _error(capsys)
    reg.client.delete_tag(run_id, tracking.TAG_SKOPS_SHA256)
    reg.client.delete_tag(run_id, tracking.TAG_JOBLIB_SHA256)
    assert _score(mlflow_url, name, "--data", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out")) == 2
    assert "sha256" in _error(capsys)
    assert not (tmp_path / "out").exists()


def test_s3_input_output_log_and_late_labels(champion, mlflow_url, s3, tmp_path, monkeypatch, capsys):
    """A dataset on S3 scored into S3; labels for some order ids join the logged rows on S3."""
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import join_labels
    from ctloop.labels.store import ingest_labels, read_labels

    _, name, model, _ = champion
    for key, value in {**s3.env, "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    bucket = create_bucket(s3)
    frame = _input(300)
    storage.write_table(frame.iloc[:120], f"s3://{bucket}/in/part-0.parquet")
    storage.write_table(frame.iloc[120:], f"s3://{bucket}/in/part-1.parquet")
    assert _score(mlflow_url, name, "--data", f"s3://{bucket}/in/", "--output", f"s3://{bucket}/scores",
                  "--log-root", f"s3://{bucket}/log", "--id-column", "order_id", "--batch-rows", "64",
                  "--run-id", "s3-1") == 0
    assert "scored 300 rows" in capsys.readouterr().out
    record = f"s3://{bucket}/log/_batch_runs/model={name}/s3-1.json"  # the first attempt's time and version
    assert storage.exists(record) and '"model_version": "1"' in storage.read_bytes(record).decode()
    logged = storage.list_files(f"s3://{bucket}/log", ".parquet")
    assert _score(mlflow_url, name, "--data", f"s3://{bucket}/in/", "--output", f"s3://{bucket}/scores",
                  "--log-root", f"s3://{bucket}/log", "--id-column", "order_id", "--batch-rows", "64",
                  "--run-id", "s3-1") == 0  # a retry: the same log files, rewritten
    assert storage.list_files(f"s3://{bucket}/log", ".parquet") == logged and len(logged) == 5
    capsys.readouterr()
    files = storage.list_files(f"s3://{bucket}/scores", ".parquet")
    assert len(files) == 2 + 3  # one per chunk: ceil(120/64) + ceil(180/64); chunks never span files
    scored = pd.concat([storage.read_table(f) for f in files], ignore_index=True).sort_values("order_id")
    np.testing.assert_allclose(scored.prediction_1.to_numpy(), model.predict_proba(frame[["a", "b"]])[:, 1])

    labels = frame.iloc[::4][["order_id"]].rename(columns={"order_id": "request_id"}).assign(label=1)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    ingest_labels(str(tmp_path / "labels.csv"), f"s3://{bucket}/labels")
    now = pd.Timestamp.now(tz="UTC")
    logs = read_log(f"s3://{bucket}/log", name, now - pd.Timedelta("1D"), now + pd.Timedelta("1h"))
    joined = join_labels(logs, read_labels(f"s3://{bucket}/labels")).frame
    assert len(logs) == 300 and sorted(joined.request_id) == sorted(labels.request_id)
