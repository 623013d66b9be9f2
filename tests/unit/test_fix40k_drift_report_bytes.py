"""Bytes and mixed-type category values reach evidently's report as text.

``_plain_numbers`` gave evidently dates, times and Decimals as text, but not ``bytes`` (a Parquet
``binary`` column, both engines: ``Object of type bytes is not JSON serializable`` from evidently
0.7.23 ``legacy/utils/dashboard.py`` ``dashboard_info_to_json``) nor an object column mixing
text and numbers (``'<' not supported between instances of 'int' and 'str'`` where evidently sorts
the categories): ``ctloop drift`` exited 1 without a report and ``detect_drift`` failed. Both are
now given as text, one distinct text per distinct value (bytes as UTF-8, or hex when a value is
not UTF-8), so the report counts the categories the verdict counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.drift import report

N = 200


@pytest.mark.parametrize("engine_name", ["memory", "stream"])
def test_a_binary_parquet_column_is_rendered(tmp_path, capsys, engine_name):
    rng = np.random.default_rng(0)
    for shift, name in ((0, "ref.parquet"), (1, "cur.parquet")):
        pq.write_table(pa.table({"x": rng.normal(shift, 1, N),
                                 "b": pa.array([bytes([i % 5 + shift, 0xFF]) for i in range(N)], pa.binary())}),
                       tmp_path / name)
    out = tmp_path / "out"
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--engine", engine_name, "--output", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    page = (out / "report.html").read_text()
    assert '"04ff"' in page and '"02ff"' in page  # b"\x04\xff" (not UTF-8) as hex


@pytest.mark.parametrize("values", [
    [("a" if i % 2 else 1) for i in range(N)],  # text and numbers
    [(b"caf\xc3\xa9" if i % 3 else b"tea") for i in range(N)],  # UTF-8 bytes
    [(b"\xff" if i % 3 else b"\xfe") for i in range(N)],  # not UTF-8: hex keeps them apart
    [("1" if i % 2 else 1) for i in range(N)],  # 1 and "1" are two categories
])
def test_object_categories_are_rendered_as_distinct_text(tmp_path, values):
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(0, 1, N), "c": pd.Series(values, dtype=object)})
    cur = pd.DataFrame({"x": rng.normal(1, 1, N), "c": pd.Series(values[::-1], dtype=object)})
    rendered = report.render_html(ref, cur, columns=["x", "c"], path=tmp_path / "r.html",
                                  column_kinds={"x": "numeric", "c": "categorical"})
    assert rendered["report_columns"] == ["x", "c"]
    text = report._plain_numbers([ref], ["c"], {"c": "categorical"})[0]["c"]
    assert all(isinstance(v, str) for v in text)
    assert text.nunique() == ref["c"].nunique()


@pytest.mark.parametrize(("reference", "current"), [
    ([b"abc", b"xyz"] * 20, [b"abc", b"\xff"] * 20),  # UTF-8 on one side only: hex on both
    ([1, "1", "a"] * 20, [2, "1", "a"] * 20),  # 1 and "1" on one side only: repr on both
])
def test_the_same_value_gets_the_same_text_on_both_sides(reference, current):
    """Review J of round 40: each side was converted apart, so b"abc" read 'abc' in the reference
    and '616263' in the current sample (and "1" read '1' against "'1'"): the report showed drift
    between values the verdict counted as the same category."""
    ref = pd.DataFrame({"c": pd.Series(reference, dtype=object)})
    cur = pd.DataFrame({"c": pd.Series(current, dtype=object)})
    ref_text, cur_text = (f["c"] for f in report._plain_numbers([ref, cur], ["c"], {"c": "categorical"}))
    shared = {v for v in reference if v in current}
    for value in shared:
        assert set(ref_text[ref["c"] == value]) == set(cur_text[cur["c"] == value])
