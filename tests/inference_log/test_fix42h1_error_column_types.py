"""``read_log`` and the bounded-memory scan (monitoring windows) decide alike, from the file's Arrow
schema (``schema.former_features``), whether a file's ``_error`` column is an old feature (review
42 H1 items 2 and 3). An integer, floating or boolean column is the feature ``_error`` of a file
written before round 42, nulls or not: read as ``input__error``, every row served (before, a bool
column with a null became an object column in pandas, so ``read_log`` took its ``True`` for error
text and the scan did not). A text column (``string``; ``large_string``, as a log rewritten by
polars or pandas with pyarrow strings has it) or a null-typed one is the error column: a row with
error text is unserved (before, the scan renamed a ``large_string`` ``_error`` and counted it
served).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.inference_log import schema
from ctloop.inference_log.reader import read_log, served
from ctloop.inference_log.scan import scan_window
from ctloop.monitoring.window import WindowSpec, collect

START, END = pd.Timestamp("2026-11-20T00:00:00Z"), pd.Timestamp("2026-11-23T00:00:00Z")
_ARROW = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}

# (the _error column's Arrow type, its two values, whether it is the old feature)
CASES = {
    "bool-with-null": (pa.bool_(), [True, None], True),
    "bool": (pa.bool_(), [True, False], True),
    "int64-with-null": (pa.int64(), [None, 3], True),
    "double-all-null": (pa.float64(), [None, None], True),
    "large-string-text": (pa.large_string(), ["model crashed", None], False),
    "string-text": (pa.string(), ["model crashed", None], False),
    "string-all-null": (pa.string(), [None, None], False),
    "null-typed": (pa.null(), [None, None], False),
}


def _write(root, kind: pa.DataType, values: list) -> None:
    """One day of the log with ``_error`` of type ``kind``; the other columns as the sink writes them."""
    fields = [(n, kind if n == schema.ERROR else _ARROW[k]) for n, k in schema.IDENTITY.items()]
    fields += [("prediction", pa.float64()), ("x", pa.float64())]
    rows = [{"request_id": f"r-{i}", "instance": 0, "model": "m", "namespace": "ns", "revision": "unknown",
             "model_version": "", "component": "predictor", "time": f"2026-11-21T10:31:0{i}Z",
             "has_response": True, "has_request": True, "_error": v, "x": float(i),
             # error text only on a row without prediction, as the sink writes it (events.join; round 43 reads
             # text beside a prediction as an older file's feature _error)
             "prediction": None if isinstance(v, str) else float(i)}
            for i, v in enumerate(values)]
    part = root / "model=m" / "date=2026-11-21" / "revision=unknown"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), part / "part-0123456789abcdef.parquet")


@pytest.mark.parametrize("case", list(CASES))
def test_both_read_paths_read_an_error_column_alike(tmp_path, case):
    kind, values, feature = CASES[case]
    root = tmp_path / "root"
    _write(root, kind, values)
    texts = sum(isinstance(v, str) for v in values)
    logs = read_log(str(root), "m", START, END)
    scanned = pd.concat(list(scan_window(str(root), "m", START, END, progress=False)))
    for rows in (logs, scanned):
        assert ("input__error" in rows.columns) is feature
        assert len(served(rows)) == len(values) - texts
        if feature:
            assert "_error" not in rows.columns or rows["_error"].isna().all()
            kept = rows.sort_values("request_id")["input__error"]
            assert [None if pd.isna(v) else v for v in kept] == values
    state = collect(str(root), "m", WindowSpec(START, END, START, START, None, ("x",)), progress=False)
    assert (state.counts["rows"], state.counts["served"]) == (len(values), len(values) - texts)
    assert (schema.former_features(pq.read_schema(next(root.rglob("*.parquet")))) != {}) is feature
