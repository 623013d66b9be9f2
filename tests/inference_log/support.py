"""Helpers for the inference log tests: realistic KServe events, reading what the sink wrote."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pandas as pd

from ctloop.inference_log.app import create_app
from ctloop.inference_log.events import Event, parse_event
from ctloop.inference_log.sink import Sink

SOURCE = "http://localhost:9081/"  # what KServe's agent sends as ce-source by default


def event(i: int, kind: str, version: str = "2") -> Event:
    """Request ``id<i>`` with one instance, or its response from model version ``version``."""
    h = {"ce-id": f"id{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
         "ce-source": SOURCE, "ce-inferenceservicename": "credit-default", "ce-namespace": "ctloop",
         "ce-component": "predictor", "ce-time": "2026-11-22T10:31:02.417Z"}
    body = {"instances": [{"x": i}]} if kind == "request" else {"predictions": [1], "model_version": version}
    return parse_event(h, json.dumps(body).encode())


def parquet_rows(root: Path) -> pd.DataFrame:
    parts = sorted(root.rglob("*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()


def wal_events(wal: Path) -> set[str]:
    return {Event.from_json(line).id for seg in wal.glob("*.wal") for line in seg.read_text().splitlines()
            if line.strip()}


# binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go sendHttpCloudEvent: SetID,
# SetType, SetTime(OccurrenceTime), SetSource, every extension but annotations set unconditionally;
# handler.go: Content-Type the inference request's own)
KSERVE_HEADERS = {
    "ce-specversion": "1.0",
    "ce-source": SOURCE,
    "ce-inferenceservicename": "credit",
    "ce-namespace": "ns",
    "ce-component": "predictor",
    "ce-endpoint": "",
    "ce-metadata": "{}",
    "content-type": "application/json",
}


def kserve_headers(kind: str, event_id: str, time: str = "2026-11-22T10:31:02.417Z", **more: str) -> dict[str, str]:
    """The headers of one KServe agent event: ``kind`` ``request`` or ``response``, its ``ce-id``
    and ``ce-time``; ``more`` adds or replaces headers (``ce_namespace="x"`` → ``ce-namespace``)."""
    return {**KSERVE_HEADERS, "ce-id": event_id, "ce-type": f"org.kubeflow.serving.inference.{kind}",
            "ce-time": time, **{name.replace("_", "-"): value for name, value in more.items()}}


WHEN_TOLD = 10**6  # seconds: a flush or a join's expiry that comes only when a test makes it


def told_sink(tmp_path: Path, *, join_ttl_seconds: float = WHEN_TOLD) -> Sink:
    """A sink (not started) writing under ``tmp_path`` (``root``, ``wal``) that flushes only when told."""
    return Sink(
        str(tmp_path / "root"),
        str(tmp_path / "wal"),
        flush_rows=10**9,
        flush_seconds=WHEN_TOLD,
        join_ttl_seconds=join_ttl_seconds,
    )


@contextlib.asynccontextmanager
async def sink_client(
    tmp_path: Path, *, join_ttl_seconds: float = WHEN_TOLD
) -> AsyncIterator[tuple[Sink, httpx.AsyncClient]]:
    """``told_sink`` started, and a client posting to its app in process; the sink is stopped once
    the client is closed."""
    sink = told_sink(tmp_path, join_ttl_seconds=join_ttl_seconds)
    await sink.start()
    transport = httpx.ASGITransport(app=create_app(sink))
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as c:
        yield sink, c
    await sink.stop()
