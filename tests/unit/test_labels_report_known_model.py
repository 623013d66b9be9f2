"""``ctloop labels report --model-name M`` for a model the log holds no rows of: a local log
exited 2 (a typo) while a gs:// log exited 0 with an empty report (a quiet week), whatever M was.
Both now decide alike what a model is: one the log holds (``_schema/model=<name>.json``, which the
sink writes with a model's first rows, or its ``model=<name>`` rows), or one the model registry has
versions of. A registered model that has logged nothing (a fresh deploy) says so and exits 0; a
name neither knows is one line naming the logged models and the registry, exit 2, nothing printed.
Local disk and a real GCS emulator (tests/conftest.py ``gcs_bucket``)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.inference_log import schema
from ctloop.labels.store import ingest_labels
from ctloop.storage import write_bytes


@pytest.fixture(params=["local", "gs"])
def log_root(request, tmp_path) -> str:
    if request.param == "local":
        (tmp_path / "log").mkdir()
        return str(tmp_path / "log")
    return f"gs://{request.getfixturevalue('gcs_bucket')}/inference-log"


@pytest.fixture
def store(tmp_path) -> str:
    (tmp_path / "labels.csv").write_text("request_id,label\nr0,1\nr1,0\n")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return str(tmp_path / "store")


@pytest.fixture
def registry(tmp_path, monkeypatch) -> str:
    """A sqlite MLflow registry holding version 1 of ``fraud`` (deployed, nothing logged yet)."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri, registry_uri=uri)
    client.create_registered_model("fraud")
    client.create_model_version("fraud", source=str(tmp_path), run_id=None)
    return uri


def log_credit(root: str) -> None:
    """Two rows of ``credit``, written where the sink writes them, with its type registry."""
    frame = pd.DataFrame({"request_id": ["r0", "r1"], "instance": 0, "model_version": "1", "revision": "v1",
                          "time": ["2026-12-03T10:00:00Z", "2026-12-03T10:01:00Z"], "has_request": True,
                          "has_response": True, "prediction_1": [0.8, 0.3]})
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    write_bytes(f"{root}/model=credit/date=2026-12-03/revision=v1/part-0.parquet", buf.getvalue())
    schema.sync(root, "credit", {"prediction_1": "double"})


def report(root: str, store: str, model: str, *extra: str) -> int:
    return main(["labels", "report", "--log-root", root, "--store", store, "--model-name", model,
                 "--start", "2026-12-03", "--end", "2026-12-04", *extra])


def test_a_logged_model_is_reported(log_root, store, capsys):
    log_credit(log_root)
    assert report(log_root, store, "credit") == 0
    assert "2 labelled rows" in capsys.readouterr().out


@pytest.mark.parametrize("logged", [True, False], ids=["beside-another-model", "fresh-log"])
def test_a_registered_model_with_nothing_logged_says_so_and_exits_0(log_root, store, registry, capsys, logged):
    if logged:
        log_credit(log_root)
    assert report(log_root, store, "fraud", "--tracking-uri", registry) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"fraud: nothing logged yet at {log_root}: the model is registered (version(s) 1 at "
                          f"{registry}) but no prediction of it has been logged\n"), out
    assert "0 logged rows" in out


@pytest.mark.parametrize("tracking", ["registry", "none"])
def test_a_name_neither_the_log_nor_the_registry_knows_is_one_line_exit_2(log_root, store, registry, tmp_path,
                                                                           capsys, monkeypatch, tracking):
    log_credit(log_root)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    flags = ["--tracking-uri", registry] if tracking == "registry" else []
    assert report(log_root, store, "credti", *flags) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert (f"--model-name: the inference log at {log_root} holds no rows of model 'credti' (models there: credit) "
            in captured.err)
    if tracking == "registry":
        assert f"and no registered model of that name at {registry}: check the name" in captured.err
    else:  # no registry configured: nothing is created to find out (sqlite:///mlflow.db in the working directory)
        assert "and the model registry cannot tell (" in captured.err
        assert not (tmp_path / "cwd" / "mlflow.db").exists()
