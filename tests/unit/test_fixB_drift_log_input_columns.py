"""``ctloop drift --reference train.parquet --current <log>/model=m`` for a model trained on a feature
the sink stores as ``input_<name>`` (``prediction_score``, ``meta_region``): once refused naming the
log's column for it; since hunt 36 read from there, as monitoring reads it
(``ctloop.inference_log.events.feature_sources``; tests/unit/test_hunt36_drift_log_features.py)."""

from __future__ import annotations

import asyncio
import json

import pandas as pd

from ctloop.cli import main
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.sink import Sink


def _headers(kind: str, i: int) -> dict[str, str]:
    return {"ce-id": f"d{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-11-22T10:31:02Z"}


def test_the_input_column_the_log_holds_the_feature_in_is_compared(tmp_path, capsys):
    rows = [{"prediction_score": 0.1 * i, "meta_region": f"r{i % 2}", "income": 1.0 * i} for i in range(8)]
    root = str(tmp_path / "log")

    async def log() -> None:
        sink = Sink(root, str(tmp_path / "wal"))
        await sink.start()
        for i, features in enumerate(rows):
            await sink.accept(parse_event(_headers("request", i), json.dumps({"instances": [features]}).encode()))
            await sink.accept(parse_event(_headers("response", i), b'{"predictions": [1]}'))
        await sink.stop()

    asyncio.run(log())
    pd.DataFrame(rows).to_parquet(tmp_path / "train.parquet")
    code = main(["drift", "--reference", str(tmp_path / "train.parquet"), "--current", f"{root}/model=credit",
                 "--min-rows", "8"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "no drift: 0 of 3 columns drifted" in out, out
