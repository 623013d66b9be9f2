"""A feature named ``_error`` logged before ``_error`` became the error column (round 42) is still
that feature after the upgrade (review 42 C, item 3).

Before round 42 the sink stored a feature ``_error`` in a column ``_error`` of the value's type (a
double here) and registered ``"_error": "double"``; since, ``_error`` is an identity column holding a
response's error text and the feature is stored as ``input__error``. Read as they were, the old
files' values looked like error text (every such row unserved) and a window spanning the upgrade
failed with "Field _error has incompatible types: double vs string". Now a file whose ``_error`` is
not text is read with it as ``input__error`` (``read_log`` and the window's scan alike), and the
registry's stale entry for an identity column is ignored.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ctloop.inference_log import schema
from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import feature_column
from ctloop.inference_log.reader import read_log, served
from ctloop.inference_log.sink import Sink
from ctloop.monitoring.window import WindowSpec, collect

_OLD_IDENTITY = {name: kind for name, kind in schema.IDENTITY.items() if name != schema.ERROR}  # before round 42
_ARROW = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}


def _old_layout(root) -> None:
    """A day of the log and the registry as the sink wrote them before round 42 (schema.arrow_schema
    of then: the identity columns without ``_error``, then every registered column with its type)."""
    types = {"_error": "double", "prediction": "double", "x": "double"}
    fields = [(n, _ARROW[k]) for n, k in _OLD_IDENTITY.items()] + [(n, _ARROW[k]) for n, k in types.items()]
    rows = [{"request_id": f"old-{i}", "instance": 0, "model": "m", "namespace": "ns", "revision": "unknown",
             "model_version": "", "component": "predictor", "time": f"2026-11-21T10:31:0{i}Z",
             "has_response": True, "has_request": True, "_mistyped": None, "_overflow": None, "_whole": None,
             "_error": 0.25 * i, "prediction": float(i), "x": float(i)} for i in range(2)]
    part = root / "model=m" / "date=2026-11-21" / "revision=unknown"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), part / "part-0123456789abcdef.parquet")
    (root / schema.SCHEMA_DIR).mkdir()
    (root / schema.schema_file("m")).write_text(json.dumps({"format": 1, "columns": types}))


def _headers(kind: str, i: int) -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {"ce-id": f"new-{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m",
            "ce-namespace": "ns", "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "ce-time": f"2026-11-22T10:31:0{i}Z", "content-type": "application/json"}


def _log_after_the_upgrade(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    _old_layout(root)

    async def scenario():
        sink = Sink(str(root), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
        await sink.start()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sink)), base_url="http://s") as c:
            for i in range(2):
                for kind, body in (("request", {"instances": [{"x": 2.0 + i, "_error": 0.5 + i}]}),
                                   ("response", {"predictions": [i]})):
                    assert (await c.post("/", headers=_headers(kind, i), content=json.dumps(body))).status_code == 200
            await sink.flush(final=True)
        await sink.stop()

    asyncio.run(scenario())
    return root


def test_an_old_error_feature_reads_as_the_feature(tmp_path):
    assert feature_column("_error") == "input__error"
    root = _log_after_the_upgrade(tmp_path)
    logs = read_log(str(root), "m", pd.Timestamp("2026-11-20T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z"))
    logs = logs.sort_values("request_id")
    assert list(logs["request_id"]) == ["new-0", "new-1", "old-0", "old-1"]
    assert list(logs["input__error"]) == [0.5, 1.5, 0.0, 0.25]  # old: 0.0 and 0.25 were "error text"
    assert logs["_error"].isna().all()
    assert len(served(logs)) == 4  # was 2


def test_a_window_across_the_upgrade_reads_the_feature(tmp_path):
    root = _log_after_the_upgrade(tmp_path)
    start, end = pd.Timestamp("2026-11-20T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z")
    # was: InferenceLogError "Field _error has incompatible types: double vs string"
    state = collect(str(root), "m", WindowSpec(start, end, start, start, None, ("x", "_error")), progress=False)
    assert (state.counts["rows"], state.counts["served"], state.counts["requested"]) == (4, 4, 4)
    assert state.drift is not None
    assert schema.registry(str(root), "m") == {"input__error": "double", "prediction": "double", "x": "double"}
