"""Two sink replicas typing a column differently (one saw ``"abc"`` first: ``string``; the registry
says ``double``, another replica was first). At arrival this replica wrote ``2.5`` and ``true`` in
its ``string`` column as their JSON text (``"2.5"``, ``"true"``); the flush's retyping then found a
string under ``double`` and nulled it, ``_mistyped`` holding ``"2.5"``: a number that fits the
registry's type was lost from its column, and ``true`` was kept as the text ``"true"``. The other
way round (this replica ``double``, the registry ``string``) ``"abc"`` stayed in ``_mistyped`` though
it fits. Values are now retyped as they were sent: only those that do not fit the registry's type
go to ``_mistyped``, as they were sent."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from ctloop.inference_log import schema
from ctloop.inference_log.events import Event
from ctloop.inference_log.sink import Sink, _parquet, _Part


def _buffered(values, local: dict[str, str], tmp_path) -> _Part:
    """The partition this replica buffers: rows joined and typed by its own column types at arrival."""
    sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"))
    sink._types["m"] = dict(local)
    for i, value in enumerate(values):
        sink._buffer(Event(kind="request", id=f"r{i}", model="m", namespace="ns", component="predictor", revision="",
                           source="http://localhost:9081/", time="2026-12-05T10:31:02Z",
                           body={"instances": [{"c1": value}]}), None)
    (part,) = sink._parts.values()
    return part


def _written(part: _Part, registry: dict[str, str], conflicts) -> dict:
    data, bad = _parquet(part, registry, conflicts)
    assert bad == []
    table = pq.read_table(io.BytesIO(data)).to_pandas().set_index("request_id")
    return {r: (table.loc[r, "c1"], json.loads(table.loc[r, schema.MISTYPED]) if table.loc[r, schema.MISTYPED]
                else None) for r in table.index}


@pytest.mark.parametrize("conflicts", [{"c1": "double"}, None])  # at the flush that learns it, or the next
def test_numbers_kept_as_text_at_arrival_are_numbers_under_the_registrys_double(conflicts, tmp_path):
    part = _buffered(["abc", 2.5, True, 7], {"prediction": "double"}, tmp_path)
    got = _written(part, {"c1": "double", "prediction": "double"}, conflicts)
    assert got["r0"][1] == {"c1": "abc"} and got["r2"][1] == {"c1": True}  # do not fit: as sent
    assert (got["r1"], got["r3"]) == ((2.5, None), (7.0, None))


@pytest.mark.parametrize("conflicts", [{"c1": "string"}, None])
def test_text_set_aside_at_arrival_is_text_under_the_registrys_string(conflicts, tmp_path):
    part = _buffered([1.5, "abc", [1, 2]], {"prediction": "double"}, tmp_path)
    got = _written(part, {"c1": "string", "prediction": "double"}, conflicts)
    assert got == {"r0": ("1.5", None), "r1": ("abc", None), "r2": ("[1,2]", None)}


def test_a_failed_flush_keeps_which_values_were_converted(tmp_path):
    """Rows go back into the buffer when a write fails: their conversions go with them."""
    part = _buffered(["abc", 2.5], {"prediction": "double"}, tmp_path)
    assert [json.loads(line)["c1"] for line in part.lines] == ["abc", "2.5"] and part.converted == {1: ("c1",)}
    again = _Part()
    again.add([b"{}", b"{}"], {1: ("c1",)}, events=1)
    again.extend(part)
    assert again.converted == {1: ("c1",), 3: ("c1",)} and len(again.lines) == 4
