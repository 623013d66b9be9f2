"""``ctloop drift`` reads an old log file's *text* ``_error`` feature as read_log does (fix43c).

Round 43 read an old file's numeric or boolean ``_error`` as the feature ``input__error``, but
not a text one: ``schema.former_features`` decides a text column by the Parquet file's rows
(``read_log`` passes the file), and drift called it with the schema alone (and the single-file
path checked numbers/booleans only), so a log whose old days held a text feature ``_error``
stopped with "<old file> has no column 'input__error', a compared column" (exit 2) though
``read_log`` reads the column. Both engines now pass the file, in the sink's
``model=/date=/revision=`` layout and for a single old file.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.inference_log import schema
from ctloop.inference_log.reader import read_log

_OLD_IDENTITY = {name: kind for name, kind in schema.IDENTITY.items() if name != schema.ERROR}
_ARROW = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}
RNG = np.random.default_rng(4313)
N = 200


def _identity(prefix: str, i: int, day: str) -> dict:
    return {"request_id": f"{prefix}-{i}", "instance": 0, "model": "m", "namespace": "ns",
            "revision": "r1", "model_version": "", "component": "predictor",
            "time": f"{day}T10:31:00Z", "has_response": True, "has_request": True,
            "_mistyped": None, "_overflow": None, "_whole": None}  # fmt: skip


def _log(root, old_error: list[str], new_error: list[str], x: np.ndarray) -> None:
    """A day written before round 42 (``_error`` a text feature beside predictions) and one after
    (the feature in ``input__error``), as the sink lays them out."""
    fields = [(k, _ARROW[v]) for k, v in _OLD_IDENTITY.items()]
    fields += [("_error", pa.string()), ("prediction", pa.float64()), ("x", pa.float64())]
    rows = [{**_identity("old", i, "2026-11-21"), "_error": old_error[i], "prediction": 0.0,
             "x": float(x[i])} for i in range(len(old_error))]  # fmt: skip
    part = root / "model=m" / "date=2026-11-21" / "revision=r1"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), part / "part-0.parquet")
    n = len(old_error)
    rows = [{**_identity("new", i, "2026-11-22"), "_error": None, "input__error": new_error[i],
             "prediction": 0.0, "x": float(x[n + i])} for i in range(len(new_error))]  # fmt: skip
    part = root / "model=m" / "date=2026-11-22" / "revision=r1"
    part.mkdir(parents=True)
    types = {"input__error": "string", "prediction": "double", "x": "double"}
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema.arrow_schema(types)), part / "part-0.parquet"
    )


def _words(n: int, p_b: float) -> list[str]:
    return [str(v) for v in RNG.choice(["a", "b"], n, p=[1 - p_b, p_b])]


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("where", ["log", "old-file"])
@pytest.mark.parametrize("shifted", [False, True], ids=["same", "shifted-old-day"])
def test_an_old_text_error_feature_is_compared_as_read_log_reads_it(
    tmp_path, capsys, engine, where, shifted
):
    pd.DataFrame({"_error": _words(2 * N, 0.5), "x": RNG.normal(0, 1, 2 * N)}).to_parquet(
        tmp_path / "train.parquet"
    )
    root = tmp_path / "log"
    _log(root, _words(N, 0.1 if shifted else 0.5), _words(N, 0.5), RNG.normal(0, 1, 2 * N))
    logged = read_log(
        str(root), "m", pd.Timestamp("2026-11-20", tz="UTC"), pd.Timestamp("2026-11-23", tz="UTC")
    )
    assert (
        logged["input__error"].notna().sum() == 2 * N
    )  # read_log's rule: the old text is the feature
    current = root / "model=m"
    if where == "old-file":
        current = current / "date=2026-11-21" / "revision=r1" / "part-0.parquet"
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "train.parquet"), "--current", str(current),
                 "--engine", engine, "--no-report", "--quiet", "--output", str(out)])  # fmt: skip
    assert code in (0, 1), capsys.readouterr().err
    cols = {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}
    assert set(cols) == {"_error", "x"}
    assert cols["_error"]["kind"] == "categorical"
    assert cols["_error"]["drifted"] is shifted
