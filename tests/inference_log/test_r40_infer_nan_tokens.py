"""``NaN``/``Infinity`` tokens in JSON bodies (round 40, item 3).

Python clients send ``NaN``, ``Infinity`` and ``-Infinity`` (``json.dumps`` of a float ``nan``/``inf``);
the sink reads them as floats. A number column stores them as null, uncounted (docs/inference-log.md:
"NaN/Infinity, which Python clients send, → null"), and so does a ``string`` column. A ``bool``
column set them aside in ``_mistyped`` (counted as mistyped) as ``{"b": NaN}`` — no JSON a strict
reader (DuckDB, BigQuery's PARSE_JSON, Arrow) takes, though ``_mistyped`` and ``_overflow`` are
documented as JSON text; a list holding NaN set aside there, or kept in ``_overflow``, likewise.
Now a non-finite number is null in every column (nothing counted), and ``_mistyped``/``_overflow``
are strict JSON (non-finite numbers within them null). ``nan`` (lower case) is no JSON token: 400.
"""

from __future__ import annotations

import json

import pytest

from ctloop.inference_log import schema
from ctloop.inference_log.events import RejectedEvent, join, parse_event


def _headers(kind: str) -> dict[str, str]:
    return {"ce-id": "r1", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "m", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}",
            "content-type": "application/json"}


def _row(body: bytes, types: dict[str, str], max_columns: int | None = None) -> tuple[dict, tuple[int, int]]:
    (row,) = join(parse_event(_headers("request"), body), None)
    return row, schema.normalise(row, dict(types), {}, max_columns=max_columns)


def _strict(text: str):
    def refuse(token):
        raise ValueError(f"{token} is no JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_number_is_null_in_every_column_type(token):
    body = f'{{"instances": [{{"x": {token}, "b": {token}, "s": {token}}}]}}'.encode()
    row, counts = _row(body, {"x": "double", "b": "bool", "s": "string"})
    assert (row["x"], row["b"], row["s"]) == (None, None, None)
    assert counts == (0, 0) and schema.MISTYPED not in row


def test_mistyped_and_overflow_text_is_strict_json():
    row, counts = _row(b'{"instances": [{"x": [1, NaN], "k": Infinity, "j": [-Infinity]}]}', {"x": "double"},
                       max_columns=1)
    assert counts == (1, 2)
    assert _strict(row[schema.MISTYPED]) == {"x": [1, None]}
    assert _strict(row[schema.OVERFLOW]) == {"k": None, "j": [None]}


def test_lower_case_nan_is_a_400():
    with pytest.raises(RejectedEvent, match="not JSON") as exc:
        parse_event(_headers("request"), b'{"instances": [{"x": nan}]}')
    assert exc.value.status == 400
