"""A list or object value holding an integer beyond 64 bits fell back from orjson to Python's json,
which writes ``NaN``/``Infinity`` into the column's JSON text (``[NaN,1180591620717411303424]``):
not JSON (RFC 8259 §6), so DuckDB's ``json``, BigQuery's ``PARSE_JSON`` and Arrow's JSON reader
refuse the cell. The text is now what orjson writes for every other value: non-finite floats are
null, and an integer beyond 64 bits is the double it is in a number column (beyond a double's
range: null), at any depth."""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log import schema
from ctloop.inference_log.events import join, parse_event

BIG = 1180591620717411303424  # 2**70: beyond uint64


def _strict(text: str):
    def refuse(token):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def _headers(kind: str) -> dict[str, str]:
    return {"ce-id": "x", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "flowers", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": "2026-12-05T10:31:02Z"}


@pytest.mark.parametrize(("body", "column", "stored"), [
    (b'{"instances": [{"x": [NaN, 1180591620717411303424], "y": 1}]}', "x", [None, float(BIG)]),
    (b'{"instances": [{"x": [Infinity, -Infinity, 1180591620717411303424]}]}', "x", [None, None, float(BIG)]),
    (b'{"instances": [{"x": {"a": 1180591620717411303424, "b": NaN, "c": [1e400, 2]}}]}', "x",
     {"a": float(BIG), "b": None, "c": [None, 2]}),
    (b'{"instances": [{"x": [[1, 1' + b"0" * 400 + b'], NaN]}]}', "x", [[1, None], None]),
])
def test_nested_values_are_json_text_a_json_reader_takes(body, column, stored):
    (row,) = join(parse_event(_headers("request"), body), None)
    types: dict[str, str] = {}
    schema.normalise(row, types, {})
    assert types[column] == "string"
    assert _strict(row[column]) == stored
    assert _strict(schema.row_json(row).decode())[column] == row[column]


def test_values_orjson_writes_are_as_before():
    row = {"request_id": "r", "instance": 0, "x": [float("nan"), 2**63, -(2**63)], "y": {"k": 1.5}}
    schema.normalise(row, {}, {})
    assert row["x"] == f"[null,{2**63},{-(2**63)}]" and row["y"] == '{"k":1.5}'
