"""Two sink replicas writing one root (``ctloop logger serve`` behind a Service with 2 pods): the
first to register a column's type wins, and a replica that typed it otherwise converts its buffered
rows at its next flush (``_sync_types`` conflicts). Rows that arrived *while* that flush was taking
the registry's word were typed the old way, but at the following flush no conflict was left to
tell: their Parquet write failed ("Column(/c1) changed from number to string") and the rows went to
_quarantine (7 of 600 acknowledged rows in a run of two replicas, 6 writers). Such rows are now
retyped by the registry when the partition cannot be written as typed: the value that does not fit
is kept in ``_mistyped``, as for any row arriving after the flush, and the row is written."""

from __future__ import annotations

import io
import json

import orjson
import pyarrow.parquet as pq

from ctloop.inference_log import schema
from ctloop.inference_log.sink import _parquet, _Part


def _line(i: int, value) -> bytes:
    row = {"request_id": f"r{i}", "instance": 0, "model": "credit", "namespace": "ns", "revision": "",
           "model_version": "", "component": "predictor", "time": "2026-12-05T10:31:02Z", "has_request": True,
           "has_response": True, "c1": value, "prediction": 1.0}
    return orjson.dumps(row)


def test_rows_typed_before_the_registrys_word_are_written_with_the_value_in_mistyped():
    registry = {"c1": "double", "prediction": "double"}  # the other replica registered c1 first
    part = _Part(lines=[_line(1, 1.5), _line(2, "s2"), _line(3, 2.5)], events=6)  # r2 typed c1 as text here
    data, bad = _parquet(part, registry, None)  # no conflict left at this flush: it was the previous one's
    assert bad == []
    table = pq.read_table(io.BytesIO(data)).to_pandas().set_index("request_id")
    assert table.loc["r1", "c1"] == 1.5 and table.loc["r3", "c1"] == 2.5 and table["c1"].isna()["r2"]
    assert json.loads(table.loc["r2", schema.MISTYPED]) == {"c1": "s2"}


def test_a_line_that_is_not_json_is_still_named_alone():
    part = _Part(lines=[_line(1, 1.5), b'{"request_id": "r9", "instance": 0, "c1": ', _line(2, "s2")], events=6)
    data, bad = _parquet(part, {"c1": "double", "prediction": "double"}, None)
    assert len(bad) == 1 and bad[0][0].startswith(b'{"request_id": "r9"')
    assert len(pq.read_table(io.BytesIO(data))) == 2
