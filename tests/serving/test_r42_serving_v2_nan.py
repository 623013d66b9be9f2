"""A missing value in the two protocols. V1 refuses NaN (it is no JSON number, RFC 8259: KServe
v0.20.0 ``protocol/dataplane.py`` ``DataPlane.decode`` parses with orjson, which refuses it, and
the runtime's ``text/plain`` path refuses it the same way) and serves ``null`` as missing. A V2 REST
body is parsed by FastAPI/Starlette's ``json.loads`` (``protocol/rest/v2_endpoints.py`` ``infer``,
``InferenceRequest`` in ``v2_datamodels.py``: ``data: List``), which accepts the literal ``NaN``,
and the runtime served it as a missing value — the same body was refused on V1 and served on V2.
Now a NaN in a V2 JSON ``data`` list is refused as V1 refuses it (400 naming the tensor, send null),
and ``null`` is the missing value in both protocols, served identically. Through the real KServe
model server from .venv-serving."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.serving.test_runtime_server import MODEL, records

pytestmark = pytest.mark.slow


def _v2_body(row: dict, income) -> bytes:
    inputs = []
    for name, value in row.items():
        value = income if name == "income" else value
        datatype = "BYTES" if isinstance(value, str) else "FP64"
        inputs.append({"name": name, "shape": [1], "datatype": datatype, "data": [value]})
    return json.dumps({"inputs": inputs}).encode()  # json.dumps writes NaN for float("nan")


def test_nan_is_refused_and_null_served_alike_in_v1_and_v2(runtime, trained):
    _, _, rows = trained
    row = records(rows.head(1))[0]
    post = {"content": None, "headers": {"content-type": "application/json"}, "timeout": 30}
    v2_nan = httpx.post(
        f"{runtime}/v2/models/{MODEL}/infer", **{**post, "content": _v2_body(row, float("nan"))}
    )
    assert v2_nan.status_code == 400, v2_nan.text
    assert "NaN" in v2_nan.text and "'income'" in v2_nan.text and "null" in v2_nan.text
    v1_nan = httpx.post(
        f"{runtime}/v1/models/{MODEL}:predict",
        **{
            **post,
            "content": json.dumps({"instances": [{**row, "income": float("nan")}]}).encode(),
        },
    )
    assert v1_nan.status_code == 400
    v2_null = httpx.post(
        f"{runtime}/v2/models/{MODEL}/infer", **{**post, "content": _v2_body(row, None)}
    )
    v1_null = httpx.post(
        f"{runtime}/v1/models/{MODEL}:predict",
        **{**post, "content": json.dumps({"instances": [{**row, "income": None}]}).encode()},
    )
    assert v2_null.status_code == 200 and v1_null.status_code == 200, (v2_null.text, v1_null.text)
    assert v2_null.json()["outputs"][0]["data"] == pytest.approx(
        sum(v1_null.json()["predictions"], [])
    )
