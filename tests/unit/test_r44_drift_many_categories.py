"""A categorical column with many distinct values for its rows drifts on two samples of one
distribution (evidently 0.7 scores it the same): 2,000 rows per side of 400 equally likely job
titles scored Jensen-Shannon 0.22 against its 0.1 threshold, and 800 rows per side (chi-square,
evidently's choice up to 1,000 reference rows) p = 0, a title seen on one side only deciding it.
Both engines said ``DRIFT`` and nothing else. The verdict stays evidently's; now a drifted column
whose no-drift score reaches its threshold (a distance, :func:`stats.no_drift_score`) or which has
fewer than 5 values per distinct value (a p-value) carries a warning: in the table's output, in
``drift.json`` (``warnings``, the column's ``warning``), at the top of ``report.html`` and in
``detect_drift``'s reason and metadata. A result without one has the same JSON as before."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import engine, stats, streaming


def _titles(rows: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"job": [f"title {i}" for i in rng.integers(0, k, rows)], "x": rng.normal(size=rows)}
    )


@pytest.mark.parametrize("method", ["jensenshannon", "hellinger", "psi", "kl_div"])
def test_the_no_drift_score_is_what_two_samples_of_one_distribution_score(method):
    rng = np.random.default_rng(7)
    scores = []
    for _ in range(20):
        a = np.bincount(rng.integers(0, 100, 2000), minlength=100)
        b = np.bincount(rng.integers(0, 100, 2000), minlength=100)
        seen = (a + b) > 0
        scores.append(
            stats.counts_stat(a[seen], b[seen], np.arange(seen.sum()), method=method).score
        )
    expected = stats.no_drift_score(method, 100, 2000, 2000)
    assert expected == pytest.approx(float(np.mean(scores)), rel=0.1)
    assert stats.no_drift_score("chisquare", 100, 2000, 2000) is None


@pytest.mark.parametrize(("rows", "method", "words"), [
    (2000, "jensenshannon", "two samples of one distribution score about 0.2"),
    (800, "chisquare", "fewer than 5 per value; chisquare scores a value one side lacks as drift (p = 0)"),
])  # fmt: skip
def test_both_engines_warn_of_a_drifted_column_of_too_many_categories(rows, method, words):
    ref, cur = _titles(rows, 400, 1), _titles(rows, 400, 2)
    memory = engine.detect(ref, cur)
    streamed = streaming.compare(
        streaming.DriftState().update(ref), streaming.DriftState().update(cur)
    )
    for result in (memory, streamed):
        job = result.columns[0]
        assert (job.method, job.drifted) == (method, True)  # evidently's verdict, unchanged
        pattern = rf"column job: \d{{3}} distinct values in {rows:,} reference and {rows:,} current values"
        assert re.match(pattern, job.warning)
        assert words in job.warning and job.warning.endswith("leave the column out")
        assert result.warnings == [job.warning] and not result.columns[1].warning
        assert result.to_dict()["warnings"] == [job.warning]
        assert f"\nwarning: {job.warning}\n" in engine.format_table(result)
    assert memory.warnings == streamed.warnings


def test_no_warning_on_a_column_that_drifts_with_enough_rows_per_category():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"c": rng.choice(list("abcde"), 3000)})
    cur = pd.DataFrame({"c": rng.choice(list("abcde"), 3000, p=[0.6, 0.1, 0.1, 0.1, 0.1])})
    result = engine.detect(ref, cur)
    assert result.columns[0].drifted and result.warnings == []
    assert "warnings" not in result.to_dict() and "warning" not in result.to_dict()["columns"][0]
    assert "warning" not in engine.format_table(result)
    # an undrifted column of many categories (its threshold calibrated above the noise) is not warned of
    wide = engine.detect(
        _titles(2000, 400, 1), _titles(2000, 400, 2), column_thresholds={"job": 0.5}
    )
    assert not wide.columns[0].drifted and wide.warnings == []


def test_the_cli_prints_and_writes_the_warning(tmp_path, capsys):
    _titles(2000, 400, 1).to_parquet(tmp_path / "ref.parquet")
    _titles(2000, 400, 2).to_parquet(tmp_path / "cur.parquet")
    for eng in ("memory", "stream"):
        code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                     "--engine", eng, "--no-report", "--quiet", "--output", str(tmp_path / eng)])  # fmt: skip
        assert code == 0
        out = capsys.readouterr().out
        line = next(w for w in out.splitlines() if w.startswith("warning: column job: "))
        assert "by jensenshannon with so few values per category" in line
        assert json.loads((tmp_path / eng / "drift.json").read_text())["warnings"] == [
            line.removeprefix("warning: ")
        ]


def test_report_html_puts_the_warnings_at_the_top(tmp_path):
    from ctloop.drift import report

    ref, cur = _titles(2000, 400, 1), _titles(2000, 400, 2)
    ref["team"], cur["team"] = (f.job.str.replace("title", "team <b>") for f in (ref, cur))
    result = engine.detect(ref, cur)
    assert [w.split(":")[0] for w in result.warnings] == ["column job", "column team"]
    page = tmp_path / "r.html"
    options = {**report.options_from_result(result), "columns": ["x"]}  # one column: a fast page
    report.render_html(ref, cur, path=page, sample_size=300, **options)
    text = page.read_text(encoding="utf-8")
    body = text.find(">", text.find("<body")) + 1
    first, second = (text.find(f"Warning: {html.escape(w)}") for w in result.warnings)
    assert 0 < body < first < second  # escaped, in the verdict's order, at the top of the body
    assert text.find("Warning: ", body) == first and "<b>" not in text[body:second]


def test_detect_drift_says_it_in_its_reason_and_metadata():
    from ctloop.components.drift.core import judge
    from ctloop.config import DriftConfig

    decision = judge(
        _titles(2000, 400, 1), _titles(2000, 400, 2), DriftConfig(), target="y", time_column="t"
    )
    assert decision.metadata["warnings"] == decision.result.warnings != []
    assert "1 drifted column(s) with too many distinct values for their rows" in decision.reason


def test_monitor_model_lists_the_warning_with_its_window_warnings():
    from types import SimpleNamespace

    from ctloop.components.monitor.core import _drift
    from ctloop.monitoring.window import alignment

    result = engine.detect(_titles(2000, 400, 1), _titles(2000, 400, 2))
    out = SimpleNamespace(tags={}, warnings=[], record={}, series={}, drift_scores={}, drifted={})
    _drift(out, alignment(["job", "x"], {"job": 2000, "x": 2000}, ["job", "x"]), result)
    assert out.warnings == [f"drift: {result.warnings[0]}"] and out.drifted["job"]
