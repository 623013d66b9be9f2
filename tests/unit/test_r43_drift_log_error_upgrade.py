"""``ctloop drift`` over an inference log spanning the ``_error`` column's upgrade (round 43).

Before round 42 the sink stored a feature ``_error`` in a column ``_error`` of the value's type;
since, ``_error`` is the error column (text) and the feature is ``input__error``. ``read_log`` and
monitoring windows read an old file's numeric ``_error`` as ``input__error``
(``schema.former_features``), but ``ctloop drift`` did not: ``--engine memory`` stopped with
"column '_error' is double in <old file> but string in <new file>" and ``--engine stream`` with
"<old file> has no column 'input__error', a compared column" (exit 2). Both engines now read the
old files' column as the feature, so the feature is compared over the whole log.
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

_OLD_IDENTITY = {
    name: kind for name, kind in schema.IDENTITY.items() if name != schema.ERROR
}  # before round 42
_ARROW = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}
RNG = np.random.default_rng(430)


def _identity(prefix: str, i: int, day: str) -> dict:
    return {
        "request_id": f"{prefix}-{i}",
        "instance": 0,
        "model": "m",
        "namespace": "ns",
        "revision": "unknown",
        "model_version": "",
        "component": "predictor",
        "time": f"{day}T10:31:00Z",
        "has_response": True,
        "has_request": True,
        "_mistyped": None,
        "_overflow": None,
        "_whole": None,
    }


def _log(root, old_error: np.ndarray, new_error: np.ndarray, x: np.ndarray) -> None:
    """One day written before round 42 (``_error`` a double feature column, schema.arrow_schema of
    then) and one after (the feature in ``input__error``, ``_error`` the error text column)."""
    n = len(old_error)
    old_types = {"_error": "double", "prediction": "double", "x": "double"}
    fields = [(k, _ARROW[v]) for k, v in _OLD_IDENTITY.items()] + [
        (k, _ARROW[v]) for k, v in old_types.items()
    ]
    rows = [{**_identity("old", i, "2026-11-21"), "_error": float(old_error[i]), "prediction": 0.0,
             "x": float(x[i])} for i in range(n)]  # fmt: skip
    part = root / "model=m" / "date=2026-11-21"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), part / "part-0.parquet")
    new_types = {"input__error": "double", "prediction": "double", "x": "double"}
    rows = [{**_identity("new", i, "2026-11-22"), "_error": None, "input__error": float(new_error[i]),
             "prediction": 0.0, "x": float(x[n + i])} for i in range(len(new_error))]  # fmt: skip
    part = root / "model=m" / "date=2026-11-22"
    part.mkdir(parents=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema.arrow_schema(new_types)), part / "part-0.parquet"
    )


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("shifted", [False, True], ids=["same", "shifted-old-days"])
def test_drift_reads_the_old_error_feature_as_the_feature(tmp_path, capsys, engine, shifted):
    n = 200
    train = pd.DataFrame({"_error": RNG.normal(0, 1, 2 * n), "x": RNG.normal(0, 1, 2 * n)})
    train.to_parquet(tmp_path / "train.parquet")
    root = tmp_path / "log"
    old = RNG.normal(
        3 if shifted else 0, 1, n
    )  # only the old days' values drift: they must be read
    _log(root, old, RNG.normal(0, 1, n), RNG.normal(0, 1, 2 * n))
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "train.parquet"), "--current", str(root / "model=m"),
                 "--engine", engine, "--no-report", "--quiet", "--output", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code in (0, 1), err
    verdict = json.loads((out / "drift.json").read_text())
    cols = {c["column"]: c for c in verdict["columns"]}
    assert set(cols) == {"_error", "x"}
    assert cols["_error"]["drifted"] is shifted
    assert cols["x"]["drifted"] is False


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_single_old_file_reads_the_feature(tmp_path, capsys, engine):
    train = pd.DataFrame({"_error": RNG.normal(0, 1, 300), "x": RNG.normal(0, 1, 300)})
    train.to_parquet(tmp_path / "train.parquet")
    root = tmp_path / "log"
    _log(root, RNG.normal(3, 1, 200), RNG.normal(0, 1, 1), RNG.normal(0, 1, 201))
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "train.parquet"),
                 "--current", str(root / "model=m" / "date=2026-11-21" / "part-0.parquet"),
                 "--engine", engine, "--no-report", "--quiet", "--output", str(out)])  # fmt: skip
    assert code in (0, 1), capsys.readouterr().err
    cols = {c["column"]: c for c in json.loads((out / "drift.json").read_text())["columns"]}
    assert cols["_error"]["drifted"] is True and cols["x"]["drifted"] is False
