"""A wide table's HTML report renders at most ``REPORT_MAX_COLUMNS`` columns, the drifted first.

evidently 0.7.23 renders one widget with its plots per column of ``DataDriftPreset``: on 300
columns of 200 rows ``ctloop drift`` spent 98 s and 625 MB in the report (a 24 MB page) after a
verdict of a second; 2,000 columns (a wide feature table) took ten minutes and gigabytes, with no
word on stderr. The report now renders a bounded number of columns, the verdict's drifted ones
first, and names the others at the top of the page and in its metadata; the verdict and
drift.json still cover every column. The bound is lowered here so the test stays fast.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ctloop.cli import main
from ctloop.drift import engine, report


def _frames(n_cols: int, drifted: set[int]):
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({f"c{i}": rng.normal(size=80) for i in range(n_cols)})
    cur = pd.DataFrame({f"c{i}": rng.normal(3.0 if i in drifted else 0.0, size=80) for i in range(n_cols)})
    return ref, cur


def test_the_report_renders_a_bounded_number_of_columns_drifted_first(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "REPORT_MAX_COLUMNS", 3, raising=False)
    ref, cur = _frames(6, {4, 5})
    result = engine.detect(ref, cur)
    assert [c.column for c in result.columns if c.drifted] == ["c4", "c5"]
    meta = report.render_html(ref, cur, path=tmp_path / "r.html", **report.options_from_result(result))
    assert set(meta["report_columns"][:2]) == {"c4", "c5"} and meta["report_columns"][2] == "c0"  # drifted first
    assert meta["report_columns_not_rendered"] == ["c1", "c2", "c3"]
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Not rendered: 3 of 6 columns (at most 3 are, the most drifted first" in page
    assert "not drifted: c1, c2, c3. The verdict and drift.json cover every column." in page


def test_the_cli_report_of_a_wide_table_names_what_it_left_out(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "REPORT_MAX_COLUMNS", 2, raising=False)
    ref, cur = _frames(5, {3})
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--quiet", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert [c["column"] for c in payload["columns"]] == ["c0", "c1", "c2", "c3", "c4"]
    assert payload["report"]["report_columns"] == ["c3", "c0"]
    assert payload["report"]["report_columns_not_rendered"] == ["c1", "c2", "c4"]
