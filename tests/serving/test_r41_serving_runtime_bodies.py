"""The runtime's payload checks through the real model server (``python -m ctloop.serving.runtime``
from ``.venv-serving``, KServe v0.20.0's ``ModelServer``), V1 and V2 as KServe's REST endpoints
hand bodies to ``Model.predict``:

* V1 ``POST /v1/models/<name>:predict`` (kserve v0.20.0 ``protocol/rest/v1_endpoints.py``
  ``predict`` → ``protocol/dataplane.py`` ``DataPlane.decode``): a JSON content type (or none) is
  decoded with orjson — a body that is no JSON, or holds NaN/Infinity (RFC 8259), is KServe's own
  400 ``Unrecognized request format`` — into whatever JSON value it holds (a list, a string,
  null); any other content type (``text/plain``) is handed over as the raw bytes. ``Model.validate``
  answers ``{"instances": <not a list>}`` with 400 ``Expected "instances" to be a list``.
* V2 ``POST /v2/models/<name>/infer`` (``protocol/rest/v2_endpoints.py`` ``infer``): the body is
  validated against ``InferenceRequest`` by FastAPI — not an object, no ``inputs``, a ``data``
  that is no list: 422 with ``detail`` — and reaches ``predict`` as an ``InferRequest``.

Errors raised as ``kserve.errors.InvalidInput`` are 400 ``{"error": ...}`` (``errors.py``
``invalid_input_handler``): a bad client, never a 5xx counted against the serving revision.
Before this round the runtime decoded a V1 body that was not an object again with ``json.loads``:
a list, null or a number answered ``the JSON object must be str, bytes or bytearray, not list``,
a JSON string ``Expecting value``; a ``text/plain`` body with NaN was served (as a missing value)
while the same body as ``application/json`` was refused.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.serving.test_runtime_server import MODEL, records, tensor

pytestmark = pytest.mark.slow


def _v1(url, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}/v1/models/{MODEL}:predict", content=data, headers={"content-type": content_type},
                      timeout=30)


def _v2(url, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}/v2/models/{MODEL}/infer", content=data, headers={"content-type": "application/json"},
                      timeout=30)


def _invalid(url) -> float:
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        if line.startswith("ctloop_predictions_total") and 'outcome="invalid"' in line:
            return float(line.split()[-1])
    return 0.0


@pytest.mark.parametrize("body", [[1, 2], None, 5, "abc", True], ids=["list", "null", "number", "string", "bool"])
def test_a_v1_body_that_is_no_object_is_a_400_saying_so(runtime, body):
    before = _invalid(runtime)
    answer = _v1(runtime, body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert "must be a JSON object" in error and "'instances'" in error, error
    assert "str, bytes or bytearray" not in error and "Expecting value" not in error
    assert _invalid(runtime) == before + 1  # counted as a bad request, not an error of the model


def test_a_text_plain_body_with_nan_is_refused_as_the_json_one_is(runtime, trained):
    _, _, rows = trained
    row = {**records(rows.head(1))[0]}
    text = json.dumps({"instances": [row]}).replace(str(row["income"]), "NaN").encode()
    as_json = _v1(runtime, text)
    assert as_json.status_code == 400 and "Unrecognized request format" in as_json.json()["error"]
    as_text = _v1(runtime, text, "text/plain")
    assert as_text.status_code == 400, as_text.text
    assert "NaN" in as_text.json()["error"] and "not JSON" in as_text.json()["error"]


def test_a_text_plain_body_is_served_as_json(runtime, trained):
    _, _, rows = trained
    answer = _v1(runtime, {"instances": records(rows.head(2))}, "text/plain")
    assert answer.status_code == 200 and len(answer.json()["predictions"]) == 2
    bad = _v1(runtime, b"not json", "text/plain")
    assert bad.status_code == 400 and "not JSON" in bad.json()["error"]


def test_v1_bodies_kserve_refuses_before_the_model_are_4xx(runtime):
    assert _v1(runtime, b"not json").status_code == 400
    assert _v1(runtime, b"").status_code == 400
    assert _v1(runtime, b'{"instances": [{"region": "\xff"}]}').status_code == 400  # not UTF-8
    answer = _v1(runtime, {"instances": {"age": 1}})
    assert answer.status_code == 400 and answer.json()["error"] == 'Expected "instances" to be a list'


def test_v2_bodies_through_the_server(runtime, trained):
    _, _, rows = trained
    good = [tensor(c, rows[c].head(2).tolist()) for c in rows.columns]
    assert _v2(runtime, {"inputs": good}).status_code == 200
    # FastAPI's InferenceRequest validation (422, detail): never reaches the model
    for body in (b"not json", b"[1]", {"instances": records(rows.head(1))},
                 {"inputs": [{**good[0], "data": 5}, *good[1:]]}):
        answer = _v2(runtime, body)
        assert answer.status_code == 422 and "detail" in answer.json(), answer.text
    # the runtime's own checks: 400 naming the tensor, feature or shape
    cases = {
        "no tensors": ({"inputs": []}, "'inputs' must be a non-empty list"),
        "shape": ({"inputs": [{**good[0], "shape": [3]}, *good[1:]]}, "does not match shape [3]"),
        "negative shape": ({"inputs": [{**good[0], "shape": [-1]}, *good[1:]]}, "whole numbers >= 0"),
        "huge shape": ({"inputs": [{**good[0], "shape": [10**15]}, *good[1:]]}, "does not match shape"),
        "missing feature": ({"inputs": good[1:]}, "missing feature(s)"),
        "bool for a number": ({"inputs": [{"name": "income", "shape": [2], "datatype": "BOOL", "data": [True, False]},
                                          *[t for t in good if t["name"] != "income"]]},
                              "feature 'income' must be a finite number; instance 0 has True"),
    }
    for name, (body, why) in cases.items():
        answer = _v2(runtime, body)
        assert answer.status_code == 400, (name, answer.text)
        assert why in answer.json()["error"], (name, answer.text)


def test_a_text_plain_body_nested_too_deep_is_a_400_not_a_500(runtime):
    """orjson refuses nesting deeper than 1024 (KServe's 400 for application/json); Python's json
    raised RecursionError, which escaped the payload checks: a 500 counted against the revision."""
    deep = b'{"instances": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert _v1(runtime, deep).status_code == 400
    answer = _v1(runtime, deep, "text/plain")
    assert answer.status_code == 400, answer.text
    assert "nested" in answer.json()["error"]
