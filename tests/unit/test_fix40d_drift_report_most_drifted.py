"""A wide table's report renders the most drifted columns, and names the drifted ones it left out first.

With more than ``REPORT_MAX_COLUMNS`` drifted columns the report kept the first drifted ones in
column order: on 130 columns whose last ten had drifted by 50 standard deviations (the rest by
half of one) exactly those ten were hidden, and the page named only the first 50 columns left out.
The drifted columns are now rendered most drifted first (p-value ascending, or distance relative
to its threshold descending), and the left-out drifted columns come first on the page (all of
them) and in ``report_columns_not_rendered``. The bound is lowered here so the test stays fast.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine, report

SHIFTS = {"c0": 0.7, "c1": 0.9, "c2": 0.0, "c3": 1.1, "c4": 0.0, "c5": 1.3, "c6": 50.0, "c7": 60.0}


def _frames():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({c: rng.normal(size=120) for c in SHIFTS})
    cur = pd.DataFrame({c: rng.normal(shift, size=120) for c, shift in SHIFTS.items()})
    return ref, cur


def _by_severity(result) -> list[str]:
    """The drifted columns, most drifted first, from the verdict's own scores."""
    def key(col):
        return col.score / col.threshold if col.method in ("ks", "chisquare", "z") else col.threshold / col.score
    return [c.column for c in sorted((c for c in result.columns if c.drifted), key=key)]


@pytest.mark.parametrize("method", [None, "wasserstein"])
def test_the_most_drifted_columns_are_rendered_and_the_others_named_first(tmp_path, monkeypatch, method):
    monkeypatch.setattr(report, "REPORT_MAX_COLUMNS", 3, raising=False)
    ref, cur = _frames()
    result = engine.detect(ref, cur, **({"method": method} if method else {}))
    severe = _by_severity(result)
    assert len(severe) > 3 and set(severe[:2]) == {"c6", "c7"}  # the data: the extreme ones are the most drifted
    quiet = [c.column for c in result.columns if not c.drifted]
    meta = report.render_html(ref, cur, path=tmp_path / "r.html", **report.options_from_result(result))
    assert meta["report_columns"] == severe[:3]
    assert meta["report_columns_not_rendered"] == severe[3:] + quiet
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    note = page[page.index("id='ctloop-many-columns'"):]
    note = note[:note.index("</p>")]
    assert ", ".join(severe[3:]) in note  # every drifted column left out, most drifted first
    assert note.index(severe[3]) < min(note.index(q) for q in quiet)


def test_drift_json_lists_the_left_out_drifted_columns_first(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report, "REPORT_MAX_COLUMNS", 3, raising=False)
    ref, cur = _frames()
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--quiet", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    payload = json.loads((tmp_path / "out" / "drift.json").read_text())
    rendered, left_out = payload["report"]["report_columns"], payload["report"]["report_columns_not_rendered"]
    assert {"c6", "c7"} <= set(rendered)
    drifted = {c["column"] for c in payload["columns"] if c["drifted"]}
    n = len(drifted) - len(rendered)
    assert set(left_out[:n]) == drifted - set(rendered) and not set(left_out[n:]) & drifted
