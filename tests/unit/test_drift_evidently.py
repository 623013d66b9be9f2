"""ctloop's drift statistics against evidently 0.7's own DataDriftPreset, run here on small frames.

Evidently costs 4–7 s to import, so every evidently-based test lives in this module and shares
one import. Evidently's per-column decisions are read from its own test results (status FAIL =
drift) and its scores from the ``ValueDrift`` metrics of the snapshot; the dataset verdict from
``DriftedColumnsCount``.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine as core
from ctloop.drift import report, stats


@pytest.fixture(scope="module")
def evidently():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

    def run(ref, cur, **preset):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snap = Report([DataDriftPreset(**preset)], include_tests=True).run(
                current_data=cur, reference_data=ref
            )
            d = snap.dict()
        cols, dataset = {}, None
        for m in d["metrics"]:
            cfg = m["config"]
            if cfg["type"].endswith("ValueDrift"):
                cols[cfg["column"]] = {
                    "method": cfg["method"],
                    "threshold": cfg["threshold"],
                    "score": float(m["value"]),
                }
            elif cfg["type"].endswith("DriftedColumnsCount"):
                dataset = m["value"]
        for t in d["tests"]:
            params = t["metric_config"]["params"]
            if params["type"].endswith("ValueDrift"):
                cols[params["column"]]["drifted"] = str(t["status"]).endswith("FAIL")
        return cols, dataset

    return run


def mixed_frames(n_ref, n_cur, seed=0):
    """Every column type evidently infers, with a shift in some columns and heavy ties."""
    rng = np.random.default_rng(seed)

    def side(n, s):
        return pd.DataFrame(
            {
                "norm": rng.normal(s, 1, n),
                "lognormal": rng.lognormal(s / 2, 0.7, n),
                "ties": np.round(rng.normal(s, 1, n), 0),  # ~7 distinct values, heavy ties
                "few": rng.integers(0, 4, n).astype(float),  # numeric with 4 values
                "int_many": rng.integers(0, 1000, n) + int(s * 100),
                "int_few": rng.integers(0, 8, n),  # int <= 10 values: categorical for evidently
                "cat": rng.choice(["a", "b", "c", "d"], n, p=[0.4 - s / 4, 0.3, 0.2, 0.1 + s / 4]),
                "category": pd.Categorical(rng.choice(["x", "y", "z"], n)),
                "flag": rng.choice([True, False], n, p=[0.5 + s / 5, 0.5 - s / 5]),
                "yes_no": rng.choice(["yes", "no"], n),
            }
        )

    return side(n_ref, 0.0), side(n_cur, 0.3)


def assert_agree(ours, theirs):
    assert {c.column for c in ours.columns} == set(theirs)
    for c in ours.columns:
        ev = theirs[c.column]
        assert stats.DISPLAY_NAMES[c.method] == ev["method"] or c.method == ev["method"], c.column
        assert c.threshold == pytest.approx(ev["threshold"]), c.column
        assert c.drifted == ev["drifted"], c.column
        # the brief asks for 1 %; the formulas are the same, so they agree to rounding
        assert c.score == pytest.approx(ev["score"], rel=1e-6, abs=1e-12), c.column


@pytest.mark.parametrize("n_ref, n_cur", [(500, 400), (5000, 2500)])  # small-data tests / distances
def test_default_preset_agrees(evidently, n_ref, n_cur):
    ref, cur = mixed_frames(n_ref, n_cur)
    theirs, dataset = evidently(ref, cur)
    ours = core.detect(ref, cur)
    assert_agree(ours, theirs)
    assert ours.n_drifted == dataset["count"] and ours.share == pytest.approx(dataset["share"])
    expected = {"ks", "chisquare", "z"} if n_ref <= 1000 else {"wasserstein", "jensenshannon"}
    assert {c.method for c in ours.columns} == expected


def edge_frames(n, seed=3):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "const": np.full(n, 2.5),
            # a NaN next to the infinities: evidently's legacy table (rendered with the preset)
            # only drops infinities in columns that also hold nulls, and crashes otherwise
            "inf": np.r_[[np.inf, -np.inf, np.nan] * 5, rng.normal(size=n - 15)],
            "ties": rng.choice(
                [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], n, p=[0.5, 0.2, 0.1, 0.1, 0.05, 0.05]
            ),
            "unseen": rng.choice(["a", "b", "c"], n),
            "nulls": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
            "cat3": rng.choice(["p", "q", "r"], n),
            "wide": rng.integers(0, 50, n).astype(float),
        }
    )
    cur = pd.DataFrame(
        {
            "const": np.full(n, 2.5),
            "inf": np.r_[[np.inf, np.nan] * 10, rng.normal(0.2, 1, n - 20)],
            "ties": rng.choice(
                [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], n, p=[0.4, 0.3, 0.1, 0.1, 0.05, 0.05]
            ),
            "unseen": rng.choice(["a", "b", "c", "d"], n),
            "nulls": np.where(rng.random(n) < 0.6, np.nan, rng.normal(0.1, 1, n)),
            "cat3": rng.choice(["p", "q", "r"], n, p=[0.4, 0.3, 0.3]),
            "wide": rng.integers(3, 53, n).astype(float),
        }
    )
    return ref, cur


@pytest.mark.parametrize(
    "n, preset",
    [
        (600, {}),
        (4000, {}),
        (600, {"method": "psi"}),
        (4000, {"method": "kl_div"}),
        (600, {"method": "hellinger"}),
        (4000, {"method": "hellinger"}),
        (4000, {"method": "jensenshannon"}),
        (
            600,
            {
                "per_column_method": {
                    "cat3": "z",
                    "unseen": "z",
                    "ties": "ks",
                    "wide": "ks",
                    "const": "ks",
                }
            },
        ),
        (
            4000,
            {
                "per_column_method": {"unseen": "chisquare", "nulls": "psi"},
                "per_column_threshold": {"ties": 0.05},
            },
        ),
    ],
)
def test_edge_cases_and_explicit_methods_agree(evidently, n, preset):
    ref, cur = edge_frames(n)
    theirs, _ = evidently(ref, cur, **preset)
    ours = core.detect(
        ref,
        cur,
        method=preset.get("method"),
        column_methods=preset.get("per_column_method"),
        column_thresholds=preset.get("per_column_threshold"),
    )
    assert_agree(ours, theirs)


def test_render_html_uses_the_verdicts_methods_and_kinds(evidently, tmp_path):
    rng = np.random.default_rng(4)
    n = 3000
    ref = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "ids": [f"id{i}" for i in range(n)],  # evidently alone would call this "text"
            "empty": np.full(n, np.nan),
            "inf": np.r_[np.full(5, np.inf), rng.normal(size=n - 5)],
        }
    )
    cur = ref.assign(x=ref.x + 0.5)
    result = core.detect(ref, cur, column_methods={"inf": "psi"})
    info = report.render_html(
        ref,
        cur,
        path=tmp_path / "r.html",
        sample_size=1200,
        seed=7,
        **report.options_from_result(result),
    )
    assert info["report_sample_size"] == 1200 and info["report_seed"] == 7
    assert (info["report_reference_rows"], info["report_current_rows"]) == (1200, 1200)
    assert (info["reference_rows"], info["current_rows"]) == (3000, 3000)
    assert info["report_columns"] == ["x", "ids", "inf"] and info["report_skipped_columns"] == [
        "empty"
    ]
    page = (tmp_path / "r.html").read_text()
    assert page.lstrip().lower().startswith("<!doctype html") or "<html" in page[:500].lower()
    for text in ("Wasserstein distance (normed)", "Jensen-Shannon distance", "PSI"):
        assert text in page
    # the same seed draws the same rows: the sample is reproducible
    a = report.sample_rows(ref, ["x"], 100, seed=7)
    b = report.sample_rows(ref, ["x"], 100, seed=7)
    assert a.index.equals(b.index) and not a.index.equals(
        report.sample_rows(ref, ["x"], 100, seed=8).index
    )


def test_cli_writes_json_and_evidently_report(evidently, tmp_path, capsys):
    from ctloop.cli import main

    rng = np.random.default_rng(9)
    pd.DataFrame({"x": rng.normal(size=3000), "c": rng.choice(["a", "b"], 3000)}).to_parquet(
        tmp_path / "r.parquet"
    )
    pd.DataFrame({"x": rng.normal(1, 1, 900), "c": rng.choice(["a", "b"], 900)}).to_csv(
        tmp_path / "c.csv", index=False
    )
    code = main(["drift", "--reference", str(tmp_path / "r.parquet"), "--current", str(tmp_path / "c.csv"),
                 "--output", str(tmp_path / "out"), "--report-sample-size", "500", "--seed", "4"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "report.html" in out
    saved = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert (
        saved["report"]["report_reference_rows"] == 500
        and saved["report"]["report_current_rows"] == 500
    )
    assert saved["report"]["report_seed"] == 4
    assert "Wasserstein distance (normed)" in (tmp_path / "out" / "report.html").read_text()


def test_render_html_charts_datetimes_as_seconds_and_names_skipped_columns(evidently, tmp_path):
    rng = np.random.default_rng(5)
    n = 300

    def side(days):
        return pd.DataFrame({"x": rng.normal(size=n), "tags": [["a"]] * n,
                             "opened": pd.Timestamp("2024-01-01", tz="UTC")
                             + pd.to_timedelta(rng.integers(0, 9 * 86400, n) + days * 86400, "s")})

    ref, cur = side(0), side(5)
    result = core.detect(ref, cur)
    info = report.render_html(ref, cur, path=tmp_path / "r.html", sample_size=200, **report.options_from_result(result))
    assert info["report_columns"] == ["x", "opened"]
    page = (tmp_path / "r.html").read_text()
    assert "<p id='ctloop-skipped'" in page and "skipped 1 column(s): tags (list, unsupported type)" in page
