"""The HTML report of Decimal and time-of-day columns, and a report failure that lost the verdict.

* A Parquet ``decimal128`` column reads as Python ``Decimal`` objects in the streamed engine's
  sample, of kind numeric: evidently 0.7.23 stopped in ``np.isinf`` (``TypeError: ufunc 'isinf'
  not supported``). Numeric object columns are now given to evidently as float64.
* A ``time64`` column written by pyarrow (or from ``pd.ArrowDtype(pa.time64)``) reads as
  ``datetime.time`` objects, compared as categories: evidently's page writer
  (``legacy/utils/dashboard.py`` ``dashboard_info_to_json``) stopped in ``Object of type time is
  not JSON serializable`` in both engines. Date and time objects are now given as ISO text.
* Either failure came after the verdict was printed and before drift.json was written. drift.json
  is now written before the report; a report that fails is one line on stderr, exit 1, with
  drift.json (the verdict) in place.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.drift import report

N = 600


def _decimal(path, mean: float, seed: int) -> str:
    rng = np.random.default_rng(seed)
    values = [decimal.Decimal(f"{v:.2f}") for v in rng.normal(mean, 10, N)]
    pq.write_table(pa.table({"dec": pa.array(values, pa.decimal128(10, 2)), "x": rng.normal(size=N)}), path)
    return str(path)


def _times(path, shift: int, seed: int, arrow_dtype: bool) -> str:
    rng = np.random.default_rng(seed)
    times = [dt.time(int(h), 0) for h in (rng.integers(0, 24, N) + shift) % 24]
    if arrow_dtype:
        pd.DataFrame({"t": pd.Series(times).astype(pd.ArrowDtype(pa.time64("us"))),
                      "x": rng.normal(size=N)}).to_parquet(path)
    else:
        pq.write_table(pa.table({"t": pa.array(times, pa.time64("us")), "x": rng.normal(size=N)}), path)
    return str(path)


def _run(tmp_path, ref, cur, engine_name):
    return main(["drift", "--engine", engine_name, "--reference", ref, "--current", cur, "--quiet",
                 "--output", str(tmp_path / "out")])


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_a_decimal_column_is_rendered(tmp_path, capsys, engine_name):
    ref, cur = _decimal(tmp_path / "ref.parquet", 100, 0), _decimal(tmp_path / "cur.parquet", 104, 1)
    code = _run(tmp_path, ref, cur, engine_name)
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert "dec" in payload["report"]["report_columns"]


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
@pytest.mark.parametrize("arrow_dtype", [False, True], ids=["pyarrow", "ArrowDtype"])
def test_a_time_of_day_column_is_rendered(tmp_path, capsys, engine_name, arrow_dtype):
    ref = _times(tmp_path / "ref.parquet", 0, 0, arrow_dtype)
    cur = _times(tmp_path / "cur.parquet", 3, 1, arrow_dtype)
    code = _run(tmp_path, ref, cur, engine_name)
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert "t" in payload["report"]["report_columns"]
    # compared as seconds since midnight since round 41 (docs/drift.md), and charted so
    assert {c["column"]: c["kind"] for c in payload["columns"]}["t"] == "numeric"


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_a_report_that_fails_keeps_the_verdict(tmp_path, capsys, engine_name, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("Object of type thing is not JSON serializable")

    monkeypatch.setattr(report, "render_html", broken)
    ref, cur = _decimal(tmp_path / "ref.parquet", 100, 0), _decimal(tmp_path / "cur.parquet", 104, 1)
    code = _run(tmp_path, ref, cur, engine_name)
    err = capsys.readouterr().err
    assert code == 1
    (line,) = err.strip().splitlines()
    assert "report.html" in line and "not JSON serializable" in line and "drift.json" in line
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert [c["column"] for c in payload["columns"] if c["drifted"]] == ["dec"]
    assert payload["drifted"] is True and payload["report"] is None
