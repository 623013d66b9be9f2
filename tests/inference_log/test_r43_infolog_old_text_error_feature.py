"""A text feature named ``_error`` in a file of an older ctloop is read as that feature, not as
error text (round 43; a "known limit" of round 42's docs).

Round 42 made ``_error`` the column of a response's ``{"error": ...}`` text and stored a feature of
that name as ``input__error``. Files written before hold such a feature in ``_error`` itself. A
numeric or boolean one was told apart by its Parquet type; a text one was not: its rows read as
error rows, so ``served`` left every row of the model out (monitoring and the label join counted
them ``unserved``) and the feature was gone.

The rows tell them apart: the sink writes ``_error`` only on the rows of a call whose response
reported an error instead of predictions (``events.join``), so a value on a request half (no
response) or beside a prediction is a feature's. A file whose ``_error`` column holds such a
value is an older file, its ``_error`` read as ``input__error`` (``read_log`` and the monitoring
scan decide it alike; the column's Parquet statistics spare the look when it holds no value).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from ctloop.inference_log.app import create_app
from ctloop.inference_log.sink import Sink

DAY = "2026-11-22"


def _headers(kind: str, ce_id: str) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {
        "ce-id": ce_id,
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-specversion": "1.0",
        "ce-source": "http://localhost:9081/",
        "ce-inferenceservicename": "credit",
        "ce-namespace": "ns",
        "ce-component": "predictor",
        "ce-endpoint": "",
        "ce-metadata": "{}",
        "ce-time": f"{DAY}T10:31:02.417Z",
        "content-type": "application/json",
    }


def _sink_writes(root, calls) -> None:
    """The real sink logs ``calls`` (id, request, response) into ``root``."""

    async def scenario():
        sink = Sink(str(root), str(root.parent / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s"
        ) as c:
            for ce_id, request, response in calls:
                for kind, body in (("request", request), ("response", response)):
                    r = await c.post("/", headers=_headers(kind, ce_id), content=json.dumps(body))
                    assert r.status_code == 200
            await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())


def _old_file(root, rows: list[dict]) -> None:
    """A file as ctloop wrote it before round 42: the feature ``_error`` in its own text column."""
    path = root / "model=credit" / f"date={DAY}" / "revision=unknown" / "part-old.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_parquet(path)


def _old(
    request_id: str, error: str | None, prediction: float | None, response: bool = True
) -> dict:
    return {
        "request_id": request_id,
        "instance": 0,
        "model": "credit",
        "namespace": "ns",
        "revision": "unknown",
        "model_version": "",
        "component": "predictor",
        "time": f"{DAY}T09:00:00.000+00:00",
        "has_response": response,
        "has_request": True,
        "_error": error,
        "income": 3.0,
        "prediction": prediction,
    }


def _read(root, how: str) -> pd.DataFrame:
    start, end = pd.Timestamp(f"{DAY}T00:00:00Z"), pd.Timestamp(f"{DAY}T23:00:00Z")
    if how == "read_log":
        frame = reader.read_log(str(root), "credit", start, end)
    else:
        frame = pd.concat(
            list(scan.scan_window(str(root), "credit", start, end, progress=False)),
            ignore_index=True,
        )
    return frame.sort_values("request_id").reset_index(drop=True)


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_an_old_text_feature_named_error_is_a_feature(tmp_path, how):
    root = tmp_path / "root"
    _sink_writes(
        root,
        [
            ("new-ok", {"instances": [{"income": 1.0}]}, {"predictions": [0.1]}),
            ("new-failed", {"instances": [{"income": 2.0}]}, {"error": "model crashed"}),
        ],
    )
    _old_file(
        root,
        [_old("old-a", "low", 0.7), _old("old-b", "high", 0.2), _old("old-c", "low", None, False)],
    )
    rows = _read(root, how)
    by_id = rows.set_index("request_id")
    # the new files' error column as before
    assert by_id.loc["new-failed", "_error"] == "model crashed" and pd.isna(
        by_id.loc["new-ok", "_error"]
    )
    # the old file's feature: in input__error, its rows no errors (before: _error "low"/"high", unserved)
    assert by_id.loc[["old-a", "old-b", "old-c"], "input__error"].tolist() == ["low", "high", "low"]
    assert by_id.loc[["old-a", "old-b", "old-c"], "_error"].isna().all()
    assert sorted(reader.served(rows).request_id) == ["new-ok", "old-a", "old-b"]


@pytest.mark.parametrize("how", ["read_log", "scan"])
def test_an_old_file_whose_error_feature_is_null_reads_as_before(tmp_path, how):
    """No value in the column (its statistics say so): nothing to tell apart, no feature values."""
    root = tmp_path / "root"
    _old_file(root, [_old("old-a", None, 0.7), _old("old-b", None, 0.2)])
    rows = _read(root, how)
    assert len(reader.served(rows)) == 2
