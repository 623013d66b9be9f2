"""``ctloop drift --reference <training table> --current <inference log>`` reads a feature the sink
stores as ``input_<name>`` from there, in both engines, and never a column the sink fills itself.

The sink (``ctloop.inference_log.events.join``) stores a request feature named like a column it
fills from elsewhere as ``input_<name>``: ``prediction_score`` (the response's ``{"score": ...}``
lands in ``prediction_score``), ``meta_region`` (a ``ce-metadata`` header ``region`` lands in
``meta_region``), ``time`` (the event time). Before, ``ctloop drift`` compared the training
feature ``prediction_score`` with the model's predictions and ``meta_region`` with the header's
value (both "drifted", silently), and refused the feature ``time`` as text against numbers.
Monitoring reads them through ``feature_sources`` (tests/monitoring/test_fixB_clashing_features.py);
now ``ctloop drift`` does too."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink

ENGINES = ["memory", "stream"]


def _headers(kind: str, i: int) -> dict[str, str]:
    return {"ce-id": f"d{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": json.dumps({"region": ["zz"]}),
            "ce-time": "2026-11-22T10:31:02Z"}


def _log(tmp_path, rows: list[dict]) -> str:
    root = str(tmp_path / "log")

    async def log() -> None:
        sink = Sink(root, str(tmp_path / "wal"))
        await sink.start()
        for i, features in enumerate(rows):
            await sink.accept(parse_event(_headers("request", i), json.dumps({"instances": [features]}).encode()))
            await sink.accept(parse_event(_headers("response", i),
                                          json.dumps({"predictions": [{"score": 100.0 + i}]}).encode()))
        await sink.stop()

    asyncio.run(log())
    return f"{root}/model=credit"


def _rows(n: int = 60) -> list[dict]:
    rng = np.random.default_rng(0)
    return [{"prediction_score": float(rng.normal(0, 1)), "meta_region": str(rng.choice(["n", "s"])),
             "time": float(rng.normal(5, 1)), "income": float(rng.normal(0, 1))} for _ in range(n)]


def _drift(capsys, tmp_path, reference, current, engine, *extra):
    out = tmp_path / f"out-{engine}"
    code = main(["drift", "--reference", str(reference), "--current", str(current), "--engine", engine, "--quiet",
                 "--output", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, out


@pytest.mark.parametrize("engine", ENGINES)
def test_features_stored_as_input_columns_are_read_from_there(tmp_path, capsys, engine):
    rows = _rows()
    current = _log(tmp_path, rows)
    pd.DataFrame(rows).to_parquet(tmp_path / "train.parquet")  # the very values the model was sent
    code, out, err, where = _drift(capsys, tmp_path, tmp_path / "train.parquet", current, engine)
    assert code == 0, err
    saved = json.loads((where / "drift.json").read_text())
    columns = {c["column"]: c for c in saved["columns"]}
    assert list(columns) == ["prediction_score", "meta_region", "time", "income"]
    assert not any(c["drifted"] for c in columns.values()), out  # same values: never the predictions or "zz"
    assert columns["prediction_score"]["score"] == pytest.approx(1.0)
    assert (where / "report.html").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_named_columns_are_read_from_the_input_columns_too(tmp_path, capsys, engine):
    rows = _rows()
    current = _log(tmp_path, rows)
    pd.DataFrame(rows).to_parquet(tmp_path / "train.parquet")
    code, out, err, where = _drift(capsys, tmp_path, tmp_path / "train.parquet", current, engine,
                                   "--columns", "prediction_score,meta_region", "--no-report")
    assert code == 0, err
    saved = json.loads((where / "drift.json").read_text())
    assert [(c["column"], c["drifted"]) for c in saved["columns"]] == [("prediction_score", False),
                                                                       ("meta_region", False)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_feature_the_log_lacks_is_refused_not_read_from_the_prediction_column(tmp_path, capsys, engine):
    rows = _rows()
    current = _log(tmp_path, [{k: v for k, v in r.items() if k != "prediction_score"} for r in rows])
    pd.DataFrame(rows).to_parquet(tmp_path / "train.parquet")
    code, out, err, _ = _drift(capsys, tmp_path, tmp_path / "train.parquet", current, engine, "--no-report")
    assert code == 2 and err.count("\n") == 1, (out, err)
    assert "lacks column(s) 'prediction_score'" in err and "'input_prediction_score'" in err, err
    assert "--exclude prediction_score" in err, err


@pytest.mark.parametrize("engine", ENGINES)
def test_a_feature_in_two_columns_is_coalesced_row_by_row(tmp_path, capsys, engine):
    """``input_date`` is stored as ``input_input_date`` since the sink renamed it, as ``input_date``
    before: a log spanning the upgrade holds it in both (``feature_sources``)."""
    rng = np.random.default_rng(5)
    values = rng.normal(0, 1, 80)
    old, new = values[:40], values[40:]
    log = pd.DataFrame({"request_id": [f"r{i}" for i in range(80)], "has_request": True, "has_response": True,
                        "input_date": np.r_[old, [np.nan] * 40], "input_input_date": np.r_[[np.nan] * 40, new]})
    (tmp_path / "log").mkdir()
    log.iloc[:40].to_parquet(tmp_path / "log" / "a.parquet")
    log.iloc[40:].to_parquet(tmp_path / "log" / "b.parquet")
    pd.DataFrame({"input_date": values}).to_parquet(tmp_path / "train.parquet")
    code, out, err, where = _drift(capsys, tmp_path, tmp_path / "train.parquet", tmp_path / "log", engine,
                                   "--no-report", "--min-rows", "10")
    assert code == 0, err
    (col,) = json.loads((where / "drift.json").read_text())["columns"]
    assert col["column"] == "input_date" and col["score"] == pytest.approx(1.0), col  # all 80 values, none lost
