"""Helpers for the inference log tests: realistic KServe events, reading what the sink wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ctloop.inference_log.events import Event, parse_event

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
