"""KServe payload-logger CloudEvents → rows. Pure functions, no I/O.

KServe's logger posts each inference as two binary-mode CloudEvents sharing ``ce-id``: a
request (``ce-type`` ends in ``.inference.request``) and, for HTTP 200 only, a response
(``….inference.response``). Headers used: ``ce-id``, ``ce-type``, ``ce-source`` (the pod, e.g.
``credit-predictor-00002-deployment-7d9f…`` — the revision is parsed from it),
``ce-inferenceservicename``, ``ce-namespace``, ``ce-component``, ``ce-specversion``, optional
``ce-time``, ``ce-endpoint`` and ``ce-metadata``: the request headers named in the
InferenceService's ``logger.metadataHeaders``, as a JSON object of header → list of values. Each
becomes a ``meta_<header>`` column (lowercase, ``-`` → ``_``; several values comma-joined), so a
business key such as ``X-Order-Id`` lands as ``meta_x_order_id`` and labels can be joined on it
(``ctloop labels ingest --key meta_x_order_id``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

REQUIRED = ("ce-id", "ce-type", "ce-source", "ce-inferenceservicename")
_REVISION = re.compile(r"^(?P<rev>.+?-(?:predictor|transformer|explainer)(?:-default)?-\d{5})(?:-|$)")


REASONS = ("missing_header", "bad_specversion", "unknown_type", "bad_json", "bad_payload", "bad_header", "oversize")


class RejectedEvent(ValueError):
    """An event that cannot be accepted; ``status`` is the HTTP code to answer with.

    ``code`` is one of :data:`REASONS` — a fixed set, safe as a metrics label (the client's text
    only ever goes into ``reason``, the JSON answer).
    """

    def __init__(self, status: int, reason: str, code: str):
        super().__init__(reason)
        assert code in REASONS, code
        self.status = status
        self.reason = reason
        self.code = code


@dataclass
class Event:
    id: str
    kind: str  # request | response
    model: str
    namespace: str
    component: str
    revision: str
    source: str
    time: str
    body: Any
    # the body as received (validated JSON, newlines folded): the WAL stores it verbatim instead of
    # serialising the parsed body again, the largest per-event cost after parsing
    raw: str | None = field(default=None, repr=False, compare=False)
    metadata: dict[str, str] | None = None

    def to_json(self) -> str:
        meta = {k: v for k, v in self.__dict__.items() if k not in ("body", "raw")}
        body = self.raw if self.raw is not None else json.dumps(self.body, separators=(",", ":"))
        return json.dumps(meta, separators=(",", ":"))[:-1] + ',"body":' + body + "}"

    @classmethod
    def from_json(cls, line: str) -> Event:
        return cls(**json.loads(line))


def _raw_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8").replace("\n", " ").replace("\r", " ")
    except UnicodeDecodeError:  # valid JSON in UTF-16/32: serialise the parsed body instead
        return None


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def metadata_columns(value: str | None) -> dict[str, str] | None:
    """``ce-metadata`` → ``{"meta_x_order_id": "A-17", ...}`` (None when absent or empty)."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise RejectedEvent(400, f"ce-metadata is not JSON: {exc}", "bad_header") from exc
    if parsed is None:
        return None
    if not isinstance(parsed, dict):
        raise RejectedEvent(400, "ce-metadata must be a JSON object of header name -> values", "bad_header")
    out = {}
    for name, values in parsed.items():
        if isinstance(values, list):
            values = ",".join(str(v) for v in values)
        column = "meta_" + _NOT_ALNUM.sub("_", str(name).lower()).strip("_")
        out[column] = None if values is None else str(values)
    return out or None


def revision_from_source(source: str, component: str) -> str:
    m = _REVISION.match(source or "")
    if m:
        return m.group("rev")
    return source or component or "unknown"


def parse_event(headers: dict[str, str], body: bytes) -> Event:
    """Validate one binary-mode CloudEvent; raises RejectedEvent with a 4xx and a reason."""
    h = {k.lower(): v for k, v in headers.items()}
    missing = [k for k in REQUIRED if not h.get(k)]
    if missing:
        raise RejectedEvent(400, f"missing CloudEvent header(s): {', '.join(missing)}", "missing_header")
    if h.get("ce-specversion", "1.0") != "1.0":
        raise RejectedEvent(400, f"ce-specversion {h['ce-specversion']!r} is not supported: expected 1.0",
                            "bad_specversion")
    ce_type = h["ce-type"]
    if ce_type.endswith(".inference.request"):
        kind = "request"
    elif ce_type.endswith(".inference.response"):
        kind = "response"
    else:
        raise RejectedEvent(400, f"unknown ce-type {ce_type!r}: expected …inference.request or …inference.response",
                            "unknown_type")
    try:
        payload = json.loads(body) if body else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RejectedEvent(400, f"body is not JSON: {exc}", "bad_json") from exc
    if not isinstance(payload, dict):
        raise RejectedEvent(400, "body must be a JSON object (v1 'instances'/'predictions' or v2 'inputs'/'outputs')",
                            "bad_payload")
    component = h.get("ce-component", "predictor")
    return Event(
        id=h["ce-id"], kind=kind, model=h["ce-inferenceservicename"], namespace=h.get("ce-namespace", ""),
        component=component, revision=revision_from_source(h["ce-source"], component), source=h["ce-source"],
        time=h.get("ce-time") or datetime.now(UTC).isoformat(), body=payload,
        # outside strings a newline is only whitespace (inside, JSON requires it escaped)
        raw=_raw_text(body), metadata=metadata_columns(h.get("ce-metadata")),
    )


def _columns_from_tensors(tensors: list[dict[str, Any]], prefix: str = "") -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    for t in tensors:
        name = f"{prefix}{t.get('name', 'value')}"
        data = list(t.get("data") or [])
        shape = list(t.get("shape") or [len(data)])
        if len(shape) >= 2 and shape[1] > 1:
            width = shape[1]
            for j in range(width):
                cols[f"{name}_{j}"] = data[j::width]
        else:
            cols[name] = data
    return cols


def request_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    if "instances" in body:
        rows = []
        for inst in body["instances"]:
            if isinstance(inst, dict):
                rows.append(dict(inst))
            elif isinstance(inst, list):
                rows.append({f"f{j}": v for j, v in enumerate(inst)})
            else:
                rows.append({"f0": inst})
        return rows
    if "inputs" in body:
        cols = _columns_from_tensors(body["inputs"])
        n = max((len(v) for v in cols.values()), default=0)
        return [{k: (v[i] if i < len(v) else None) for k, v in cols.items()} for i in range(n)]
    return []


def response_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    if "predictions" in body:
        out = []
        for p in body["predictions"]:
            if isinstance(p, list):
                out.append({f"prediction_{j}": v for j, v in enumerate(p)})
            elif isinstance(p, dict):
                out.append({f"prediction_{k}": v for k, v in p.items()})
            else:
                out.append({"prediction": p})
        return out
    if "outputs" in body:
        cols = _columns_from_tensors(body["outputs"], prefix="prediction_")
        n = max((len(v) for v in cols.values()), default=0)
        return [{k: (v[i] if i < len(v) else None) for k, v in cols.items()} for i in range(n)]
    return []


def join(request: Event | None, response: Event | None) -> list[dict[str, Any]]:
    """One row per instance: request features + response predictions + identity columns."""
    base_event = request or response
    assert base_event is not None
    features = request_rows(request.body) if request else []
    predictions = response_rows(response.body) if response else []
    n = max(len(features), len(predictions))
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "request_id": base_event.id, "instance": i, "model": base_event.model,
            "namespace": base_event.namespace, "revision": base_event.revision, "component": base_event.component,
            "time": (request or response).time, "has_response": response is not None, "has_request": request is not None,
        }
        if base_event.metadata or (response is not None and response.metadata):
            row.update(response.metadata if response is not None and response.metadata else {})
            row.update(request.metadata if request is not None and request.metadata else {})
        row.update(features[i] if i < len(features) else {})
        row.update(predictions[i] if i < len(predictions) else {})
        rows.append(row)
    return rows


__all__ = ["Event", "RejectedEvent", "parse_event", "join", "request_rows", "response_rows", "revision_from_source",
           "metadata_columns"]
