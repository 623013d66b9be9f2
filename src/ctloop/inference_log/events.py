"""KServe payload-logger CloudEvents → log rows. Pure functions, no I/O.

What KServe sends (``pkg/logger/handler.go`` and ``worker.go`` at v0.20.0; see
``/work/shared/notes/reliability.md`` §1.8): each inference is logged as binary-mode CloudEvents
v1.0 POSTed by the ``kserve-agent`` sidecar, a *request* event and, only when the predictor
answered HTTP 200, a *response* event, both with the same ``ce-id``. Headers this module relies on:

=========================  =====================================================================
``ce-id``                   required; shared by request and response (the join key)
``ce-type``                 required; ``org.kubeflow.serving.inference.request`` / ``.response``
``ce-source``               required; the pod name (agent flag ``--source-uri`` = ``pod.Name``)
``ce-inferenceservicename`` required; the InferenceService → column ``model``
``ce-specversion``          required; must be ``1.0``
``ce-namespace``            optional → column ``namespace``
``ce-component``            optional (``predictor``/``transformer``/``explainer``) → ``component``
``ce-endpoint``             optional (a pod label; KServe documents ``default``/``canary``)
``ce-time``                 optional; RFC 3339 time of the request/response (else receive time)
``ce-metadata``             optional; JSON ``{"Header-Name": ["value", ...]}`` of the headers
                            listed in ``logger.metadataHeaders`` → columns ``meta_<header_name>``
``ce-revision``             optional, **not sent by KServe**: an explicit revision set by a
                            proxy or a test; wins over the one parsed from ``ce-source``
=========================  =====================================================================

The revision: in Knative (serverless) mode a pod is named ``<revision>-deployment-<rs>-<pod>``
and the revision ``<isvc>-predictor-00002`` (or ``…-predictor-default-00002`` in older KServe),
so canary and stable traffic can be told apart. This is an *inference* from the Knative naming
scheme (reliability.md §1.8 marks it so); a pod name that does not match (raw deployment mode)
gives the revision ``unknown``, and the pod name stays in column ``source``.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

REQUIRED_HEADERS = (
    "ce-id",
    "ce-type",
    "ce-source",
    "ce-specversion",
    "ce-inferenceservicename",
)
REQUEST_TYPE = "org.kubeflow.serving.inference.request"
RESPONSE_TYPE = "org.kubeflow.serving.inference.response"
UNKNOWN_REVISION = "unknown"

# Identity columns of every row; a feature with one of these names is stored as feature_<name>.
IDENTITY_COLUMNS = (
    "request_id",
    "instance",
    "time",
    "model",
    "namespace",
    "revision",
    "component",
    "endpoint",
    "source",
    "model_version",
    "has_request",
    "has_response",
)

_REVISION = re.compile(
    r"^(?P<rev>[a-z0-9-]+?-(?:predictor|transformer|explainer)(?:-default|-canary)?-\d{5})"
    r"(?:-deployment-|$)"
)
_PARTITION_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class RejectedEvent(ValueError):
    """An event that cannot be accepted.

    ``status`` is the HTTP code to answer with, ``reason`` a stable label for the metrics
    (``missing_header``, ``bad_specversion``, ``unknown_type``, ``bad_json``, ``bad_payload``,
    ``bad_header``) and ``detail`` the human-readable message returned as JSON.
    """

    def __init__(self, status: int, reason: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.reason = reason
        self.detail = detail


@dataclass
class Event:
    """One accepted CloudEvent. ``raw`` is the body as received (written to the WAL)."""

    id: str
    kind: str  # "request" | "response"
    model: str
    namespace: str
    component: str
    revision: str
    source: str
    endpoint: str
    time: str  # ISO 8601, UTC
    metadata: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""
    body: dict[str, Any] = field(default_factory=dict)

    # -- WAL record: crc32 (8 hex) SP meta-length SP body-length LF meta body LF
    def encode(self) -> bytes:
        meta = json.dumps(
            [
                self.id,
                self.kind,
                self.model,
                self.namespace,
                self.component,
                self.revision,
                self.source,
                self.endpoint,
                self.time,
                self.metadata,
            ],
            separators=(",", ":"),
        ).encode()
        payload = meta + self.raw
        return b"%08x %d %d\n%s\n" % (zlib.crc32(payload), len(meta), len(self.raw), payload)


def decode_records(data: bytes) -> tuple[list[Event], int]:
    """The events of a WAL segment and the number of bytes that form complete records.

    A torn tail (a crash in the middle of a write, never acknowledged) or a record whose CRC does
    not match ends the segment: everything before it is returned.
    """
    events: list[Event] = []
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        try:
            crc_text, meta_len, body_len = data[pos:nl].split(b" ")
            crc, n_meta, n_body = int(crc_text, 16), int(meta_len), int(body_len)
        except ValueError:
            break
        start, end = nl + 1, nl + 1 + n_meta + n_body
        if end + 1 > len(data) or zlib.crc32(data[start:end]) != crc:
            break
        meta = json.loads(data[start : start + n_meta])
        raw = data[start + n_meta : end]
        event = Event(*meta, raw=raw, body=json.loads(raw))
        events.append(event)
        pos = end + 1
    return events, pos


def revision_from_source(source: str) -> str:
    """``credit-predictor-00002-deployment-7d9f6c-abcde`` → ``credit-predictor-00002``."""
    m = _REVISION.match(source or "")
    return m.group("rev") if m else UNKNOWN_REVISION


def partition_value(value: str) -> str:
    """A value safe as a Hive partition directory name (``/``, ``=`` and spaces replaced)."""
    return _PARTITION_SAFE.sub("_", value) or "unknown"


def _event_time(text: str | None, now: datetime) -> str:
    if not text:
        return now.isoformat()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RejectedEvent(
            400, "bad_header", f"ce-time {text!r} is not an RFC 3339 time: {exc}"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


def _metadata(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RejectedEvent(400, "bad_header", f"ce-metadata is not JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise RejectedEvent(400, "bad_header", "ce-metadata must be a JSON object")
    out = {}
    for name, values in decoded.items():
        value = values[0] if isinstance(values, list) and values else values
        out[meta_column(name)] = "" if value is None else str(value)
    return out


def meta_column(header: str) -> str:
    """The column of a ``metadataHeaders`` header: ``X-Order-Id`` → ``meta_x_order_id``."""
    return "meta_" + re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


def parse_event(headers: dict[str, str], body: bytes, *, now: datetime | None = None) -> Event:
    """Validate one binary-mode CloudEvent (headers with lower-case names).

    Raises :class:`RejectedEvent` (400) naming the missing header, the unknown type or the JSON
    problem.
    """
    missing = [k for k in REQUIRED_HEADERS if not headers.get(k)]
    if missing:
        raise RejectedEvent(
            400,
            "missing_header",
            f"missing CloudEvent header(s) {', '.join(missing)}: send binary-mode CloudEvents "
            "v1.0 as KServe's payload logger does",
        )
    if headers["ce-specversion"] != "1.0":
        raise RejectedEvent(
            400,
            "bad_specversion",
            f"ce-specversion {headers['ce-specversion']!r} is not supported: expected '1.0'",
        )
    ce_type = headers["ce-type"]
    if ce_type == REQUEST_TYPE:
        kind = "request"
    elif ce_type == RESPONSE_TYPE:
        kind = "response"
    else:
        raise RejectedEvent(
            400,
            "unknown_type",
            f"unknown ce-type {ce_type!r}: expected {REQUEST_TYPE!r} or {RESPONSE_TYPE!r}",
        )
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RejectedEvent(400, "bad_json", f"body is not JSON: {exc}") from exc
    check_payload(kind, payload)
    source = headers["ce-source"]
    revision = headers.get("ce-revision") or revision_from_source(source)
    return Event(
        id=headers["ce-id"],
        kind=kind,
        model=headers["ce-inferenceservicename"],
        namespace=headers.get("ce-namespace", ""),
        component=headers.get("ce-component", ""),
        revision=revision,
        source=source,
        endpoint=headers.get("ce-endpoint", ""),
        time=_event_time(headers.get("ce-time"), now or datetime.now(UTC)),
        metadata=_metadata(headers.get("ce-metadata")),
        raw=body,
        body=payload,
    )


def check_payload(kind: str, payload: Any) -> None:
    """A request must carry v1 ``instances`` (or ``inputs``) or v2 ``inputs`` tensors; a
    response v1 ``predictions`` or v2 ``outputs``."""
    keys = ("instances", "inputs") if kind == "request" else ("predictions", "outputs")
    if not isinstance(payload, dict) or not any(isinstance(payload.get(k), list) for k in keys):
        got = sorted(payload)[:5] if isinstance(payload, dict) else type(payload).__name__
        raise RejectedEvent(
            400,
            "bad_payload",
            f"{kind} body must be a JSON object with a list under {' or '.join(keys)!s} "
            f"(KServe v1 or v2 protocol), got {got}",
        )


# --------------------------------------------------------------------------- flattening
def _flat(data: Any) -> list[Any]:
    """v2 ``data`` may be flat or nested row-major: flatten it."""
    if isinstance(data, list) and data and isinstance(data[0], list):
        return [x for item in data for x in _flat(item)]
    return list(data) if isinstance(data, list) else [data]


def _is_v2(tensors: Any) -> bool:
    return (
        isinstance(tensors, list)
        and bool(tensors)
        and all(isinstance(t, dict) and "name" in t and "data" in t for t in tensors)
    )


def _tensor_columns(
    tensors: list[dict[str, Any]], prefix: str, names: list[str] | None
) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {}
    for t in tensors:
        data = _flat(t["data"])
        shape = [int(s) for s in (t.get("shape") or [len(data)])]
        width = 1
        for s in shape[1:]:
            width *= s
        name = f"{prefix}{t['name']}"
        if width == 1:
            cols[name] = data
        elif names and len(tensors) == 1 and len(names) == width:
            for j, col in enumerate(names):
                cols[f"{prefix}{col}"] = data[j::width]
        else:
            for j in range(width):
                cols[f"{name}_{j}"] = data[j::width]
    return cols


def _columns_to_rows(cols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    n = max((len(v) for v in cols.values()), default=0)
    return [{k: (v[i] if i < len(v) else None) for k, v in cols.items()} for i in range(n)]


def feature_rows(body: dict[str, Any], names: list[str] | None = None) -> list[dict[str, Any]]:
    """One dict of features per instance.

    v1 ``instances`` of objects keep their keys; of lists get ``names`` (the model's feature
    names, when configured and of the right length) or ``f0, f1, …``; of scalars ``f0``.
    v1 columnar ``inputs`` (``{"inputs": {"a": [...]}}`` is not a list and is rejected earlier).
    v2 ``inputs`` tensors: a ``[N]`` or ``[N, 1]`` tensor is one column named after the tensor;
    a ``[N, k]`` tensor gives ``<name>_0 … <name>_{k-1}``, or ``names`` when it is the only
    input and ``k == len(names)``.
    """
    if "instances" in body:
        instances = body["instances"]
    elif _is_v2(body.get("inputs")):
        return _columns_to_rows(_tensor_columns(body["inputs"], "", names))
    else:
        instances = body.get("inputs") or []
    rows = []
    for inst in instances:
        if isinstance(inst, dict):
            rows.append(dict(inst))
        elif isinstance(inst, list):
            keys = names if names and len(names) == len(inst) else None
            rows.append(
                dict(zip(keys, inst, strict=True))
                if keys
                else {f"f{j}": v for j, v in enumerate(inst)}
            )
        else:
            rows.append({"f0": inst})
    return rows


def prediction_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict of prediction columns per instance.

    v1 ``predictions``: a scalar → ``prediction``; a list (``predict_proba``) →
    ``prediction_0 … prediction_{k-1}``; an object → ``prediction_<key>``.
    v2 ``outputs``: ``prediction_<output>`` or ``prediction_<output>_<j>`` for ``[N, k]``.
    """
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
    outputs = body.get("outputs") or []
    if not _is_v2(outputs):
        return [{"prediction": p} for p in outputs]
    return _columns_to_rows(_tensor_columns(outputs, "prediction_", None))


def join(
    request: Event | None,
    response: Event | None,
    feature_names: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """One row per instance: identity columns, ``meta_*``, features and predictions.

    Either side may be missing (a request without a 200 response, or a response whose request
    event was lost): the row is still written, with ``has_request``/``has_response`` saying so and
    the missing side's columns null.
    """
    base = request or response
    if base is None:
        raise ValueError("join needs a request or a response event")
    names = (feature_names or {}).get(base.model)
    features = feature_rows(request.body, names) if request else []
    predictions = prediction_rows(response.body) if response else []
    model_version = response.body.get("model_version") if response else None
    identity: dict[str, Any] = {
        "request_id": base.id,
        "time": base.time,
        "model": base.model,
        "namespace": base.namespace,
        "revision": base.revision,
        "component": base.component,
        "endpoint": base.endpoint,
        "source": base.source,
        "model_version": None if model_version is None else str(model_version),
        "has_request": request is not None,
        "has_response": response is not None,
    }
    metadata = {**(response.metadata if response else {}), **(request.metadata if request else {})}
    rows = []
    for i in range(max(len(features), len(predictions), 1)):
        row = {"instance": i, **identity, **metadata}
        for key, value in (features[i] if i < len(features) else {}).items():
            row[f"feature_{key}" if key in row else key] = value
        row.update(predictions[i] if i < len(predictions) else {})
        rows.append(row)
    return rows


__all__ = [
    "Event",
    "RejectedEvent",
    "REQUEST_TYPE",
    "RESPONSE_TYPE",
    "IDENTITY_COLUMNS",
    "parse_event",
    "check_payload",
    "decode_records",
    "feature_rows",
    "prediction_rows",
    "join",
    "meta_column",
    "partition_value",
    "revision_from_source",
]
