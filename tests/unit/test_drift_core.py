"""Drift core: method choice, formulas against scipy, edge cases, config errors, corrections.

Agreement with evidently itself is in test_drift_evidently.py (slow import, kept in one module).
"""

import math

import numpy as np
import pandas as pd
import pytest

from ctloop.drift import engine as core
from ctloop.drift import stats
from ctloop.errors import ConfigError, DriftError


def frames(n_ref, n_cur, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)

    def side(n, s):
        return pd.DataFrame(
            {
                "num": rng.normal(s, 1, n),
                "small": rng.integers(0, 4, n).astype(float),  # numeric with 4 values
                "cat": rng.choice(["a", "b", "c"], n, p=[0.5 - s / 2, 0.3, 0.2 + s / 2]),
                "flag": rng.choice([True, False], n),
            }
        )

    return side(n_ref, 0.0), side(n_cur, shift)


@pytest.mark.parametrize(
    "n_ref, expected",
    [
        (500, {"num": "ks", "small": "chisquare", "cat": "chisquare", "flag": "z"}),
        (
            1000,
            {"num": "ks", "small": "chisquare", "cat": "chisquare", "flag": "z"},
        ),  # <= 1000: tests
        (
            1001,
            {
                "num": "wasserstein",
                "small": "jensenshannon",
                "cat": "jensenshannon",
                "flag": "jensenshannon",
            },
        ),
    ],
)
def test_automatic_method_choice_follows_evidently(n_ref, expected):
    ref, cur = frames(n_ref, 400)
    assert {c.column: c.method for c in core.detect(ref, cur).columns} == expected


def test_reference_size_counts_values_after_dropping_nulls():
    # 1500 rows but only 900 values: evidently picks by the cleaned reference -> KS, not Wasserstein
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": np.r_[rng.normal(size=900), np.full(600, np.nan)]})
    cur = pd.DataFrame({"x": rng.normal(size=300)})
    assert core.detect(ref, cur).columns[0].method == "ks"


def test_column_kinds_follow_evidently_inference():
    n = 200
    cur = pd.DataFrame(
        {
            "f": np.linspace(0, 1, n),
            "i_few": np.arange(n) % 10,  # int with 10 values -> categorical
            "i_many": np.arange(n) % 11,  # 11 values -> numeric
            "b": np.arange(n) % 2 == 0,
            "o": ["x", "y"] * (n // 2),
            "c": pd.Categorical(["p", "q"] * (n // 2)),
            "t": pd.date_range("2024-01-01", periods=n, freq="h"),
            "nullable": pd.array(np.arange(n) % 3, dtype="Int64"),
        }
    )
    kinds = {c: core.column_kind(cur[c]) for c in cur.columns}
    assert kinds == {
        "f": "numeric",
        "i_few": "categorical",
        "i_many": "numeric",
        "b": "categorical",
        "o": "categorical",
        "c": "categorical",
        "t": "numeric",  # ctloop compares datetimes as seconds (evidently skips them)
        "nullable": "categorical",
    }
    result = core.detect(cur, cur)
    assert "t" in {c.column for c in result.columns} and result.skipped == []


def test_shift_is_detected_and_share_rule():
    ref, cur = frames(5000, 2000, shift=0.6)
    result = core.detect(ref, cur)
    drifted = {c.column for c in result.columns if c.drifted}
    assert {"num", "cat"} <= drifted and "flag" not in drifted
    assert result.n_drifted == len(drifted) and result.share == len(drifted) / 4
    assert result.drifted == (result.share >= 0.5)
    assert "num" in result.reason and result.engine == "ctloop-numpy"


def test_share_equal_to_drift_share_is_drift():
    # evidently: dataset drift when share >= drift_share (2 of 4 columns = 0.5)
    ref, cur = frames(5000, 2000, shift=0.6)
    result = core.detect(ref, cur, columns=["num", "cat", "flag", "small"])
    assert result.n_drifted == 2 and result.share == 0.5 and result.drifted
    assert not core.detect(
        ref, cur, columns=["num", "cat", "flag", "small"], drift_share=0.51
    ).drifted


def test_no_shift_no_drift():
    ref, cur = frames(5000, 2000, shift=0.0, seed=1)
    assert not core.detect(ref, cur).drifted


def test_wasserstein_is_normed_by_reference_std():
    ref = pd.DataFrame({"x": np.arange(2000, dtype=float)})
    cur = pd.DataFrame({"x": np.arange(2000, dtype=float) + 100})
    col = core.detect(ref, cur).columns[0]
    assert col.method == "wasserstein"
    assert col.score == pytest.approx(100 / np.std(ref.x), rel=1e-12)  # shift / population std


@pytest.mark.parametrize("seed", range(4))
def test_wasserstein_equals_scipy_with_ties_and_unequal_sizes(seed):
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(seed)
    u = rng.normal(size=rng.integers(1, 3000))
    v = np.round(rng.normal(0.5, 2, rng.integers(1, 500)), seed)  # ties when rounded
    assert stats.wasserstein_1d(u, v) == pytest.approx(
        wasserstein_distance(u, v), rel=1e-10, abs=1e-15
    )


@pytest.mark.parametrize(
    ("n", "m"),
    [(1, 1), (1, 7), (7, 1), (3, 3), (1000, 1000), (1000, 250), (250, 1000), (999, 1000), (6, 4)],
)
def test_wasserstein_quantile_merge_matches_scipy_for_every_size_ratio(n, m):
    # equal sizes, sizes that divide each other (many coinciding quantile steps), coprime sizes,
    # single values; heavy ties on one side and identical values across sides
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(n * 7919 + m)
    u = np.round(rng.lognormal(0, 1, n), 1)
    v = np.concatenate([u[: min(n, m) // 2], rng.normal(1, 3, m - min(n, m) // 2)])
    assert stats.wasserstein_1d(u, v) == pytest.approx(
        wasserstein_distance(u, v), rel=1e-10, abs=1e-15
    )
    assert stats.wasserstein_1d(u, u.copy()) == 0.0
    before = u.copy()
    stats.wasserstein_1d(u, v)
    assert np.array_equal(u, before)  # the caller's arrays are never sorted in place


def test_ks_chisquare_z_match_scipy_formulas():
    from scipy.stats import chisquare, ks_2samp, norm

    rng = np.random.default_rng(5)
    r, c = rng.normal(size=400), rng.normal(0.2, 1, 300)
    assert stats.column_stat(r, c, kind="numeric", method="ks").score == ks_2samp(r, c).pvalue
    rc, cc = (
        np.array(["a"] * 50 + ["b"] * 30 + ["c"] * 20),
        np.array(["a"] * 40 + ["b"] * 40 + ["c"] * 20),
    )
    expected = chisquare([40, 40, 20], np.array([50, 30, 20]) * (100 / 100)).pvalue
    assert stats.column_stat(rc, cc, kind="categorical", method="chisquare").score == pytest.approx(
        expected
    )
    # Z-test on "value != smallest value" ('a'): p1 = 0.5, p2 = 0.6, pooled 0.55
    z = (0.5 - 0.6) / math.sqrt(0.55 * 0.45 * (1 / 100 + 1 / 100))
    assert stats.column_stat(rc, cc, kind="categorical", method="z").score == pytest.approx(
        2 * (1 - norm.cdf(abs(z)))
    )


def test_comparison_operators_per_method():
    assert stats.is_drift("ks", 0.05, 0.05)  # KS: p <= threshold
    assert not stats.is_drift("chisquare", 0.05, 0.05) and not stats.is_drift(
        "z", 0.05, 0.05
    )  # p < t
    assert stats.is_drift("wasserstein", 0.1, 0.1) and stats.is_drift("psi", 0.1, 0.1)  # d >= t


def test_edge_cases():
    n = 3000
    ref = pd.DataFrame(
        {
            "const": np.ones(n),
            "empty": np.full(n, np.nan),
            "inf": np.r_[np.full(10, np.inf), np.full(5, -np.inf), np.arange(n - 15.0)],
            "ties": np.repeat([1.0, 2.0, 3.0], n // 3),
            "cat": ["a"] * n,
        }
    )
    cur = pd.DataFrame(
        {
            "const": np.ones(n),
            "empty": np.full(n, np.nan),
            "inf": np.arange(n - 15.0).tolist() + [np.inf] * 15,
            "ties": np.repeat([1.0, 2.0, 3.0], n // 3),
            "cat": ["a"] * (n - 100) + ["new"] * 100,
        }
    )
    by = {c.column: c for c in core.detect(ref, cur).columns}
    # constant on both sides: JS over one value = 0
    assert (by["const"].method, by["const"].score, by["const"].drifted) == (
        "jensenshannon",
        0.0,
        False,
    )
    assert (
        not by["empty"].drifted
        and math.isnan(by["empty"].score)
        and "either side" in by["empty"].detail
    )
    # infinities are dropped: the remaining values are identical, distance exactly 0
    assert by["inf"].method == "wasserstein" and by["inf"].score == 0.0
    assert by["ties"].score == 0.0 and not by["ties"].drifted
    # unseen category: its reference share is 0 -> JS counts it; 100/3000 new values
    p = np.array([1.0, 0.0])
    q = np.array([(n - 100) / n, 100 / n])
    from scipy.spatial import distance

    assert by["cat"].method == "jensenshannon" and by["cat"].score == pytest.approx(
        distance.jensenshannon(p, q)
    )


def test_unseen_category_with_chisquare_is_certain_drift():
    ref = pd.DataFrame({"c": ["a", "b"] * 200})
    cur = pd.DataFrame({"c": ["a", "b", "z"] * 100})
    col = core.detect(ref, cur).columns[0]
    assert (col.method, col.score, col.drifted) == ("chisquare", 0.0, True)


def test_constant_numeric_column_with_ks_and_psi():
    ref = pd.DataFrame({"x": np.full(500, 7.0)})
    cur = pd.DataFrame({"x": np.full(200, 7.0)})
    assert core.detect(ref, cur).columns[0].method == "z"  # one value: evidently's Z-test, p = 1
    assert core.detect(ref, cur).columns[0].score == 1.0
    assert core.detect(ref, cur, method="ks").columns[0].score == 1.0
    assert core.detect(ref, cur, method="psi").columns[0].score == 0.0


def test_column_that_vanishes_or_appears_is_drift():
    ref = pd.DataFrame({"x": np.arange(2000.0), "y": np.full(2000, np.nan)})
    cur = pd.DataFrame({"x": np.full(500, np.nan), "y": np.arange(500.0)})
    by = {c.column: c for c in core.detect(ref, cur).columns}
    assert by["x"].drifted and "no values in the current data" in by["x"].detail
    assert by["y"].drifted and "no values in the reference data" in by["y"].detail


def test_category_dtype_and_object_agree():
    rng = np.random.default_rng(2)
    r = rng.choice(["a", "b", "c", None], 3000)
    c = rng.choice(["a", "b", "d"], 1000)
    as_obj = core.detect(pd.DataFrame({"k": r}), pd.DataFrame({"k": c}))
    as_cat = core.detect(
        pd.DataFrame({"k": pd.Categorical(r, categories=["a", "b", "c", "unused"])}),
        pd.DataFrame({"k": pd.Categorical(c)}),
    )
    for method in ("jensenshannon", "psi", "chisquare", "hellinger"):
        a = (
            core.detect(pd.DataFrame({"k": r}), pd.DataFrame({"k": c}), method=method)
            .columns[0]
            .score
        )
        b = (
            core.detect(
                pd.DataFrame({"k": pd.Categorical(r, categories=["a", "b", "c", "unused"])}),
                pd.DataFrame({"k": pd.Categorical(c)}),
                method=method,
            )
            .columns[0]
            .score
        )
        assert a == pytest.approx(b, rel=1e-12), method
    assert as_obj.columns[0].score == pytest.approx(as_cat.columns[0].score, rel=1e-12)


def test_overrides_and_corrections():
    ref, cur = frames(5000, 2000, shift=0.2)
    result = core.detect(ref, cur, column_methods={"num": "psi"}, column_thresholds={"num": 5.0})
    num = next(c for c in result.columns if c.column == "num")
    assert (num.method, num.threshold, num.drifted) == ("psi", 5.0, False)
    assert core.detect(ref, cur, method="ks", columns=["num"]).columns[0].method == "ks"
    bonf = core.detect(
        ref, cur, method="chisquare", columns=["cat", "flag"], correction="bonferroni"
    )
    assert all(c.threshold == pytest.approx(0.025) for c in bonf.columns)
    fdr = core.detect(ref, cur, method="chisquare", columns=["cat", "flag"], correction="fdr")
    assert all("BH-adjusted" in c.detail for c in fdr.columns)
    # distances are never corrected
    js = core.detect(ref, cur, columns=["cat"], correction="bonferroni").columns[0]
    assert js.threshold == 0.1


def test_fdr_adjustment_is_benjamini_hochberg():
    assert core._bh_adjust([0.01, 0.04, 0.03, 0.5]) == pytest.approx(
        [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]
    )


def test_every_method_computes_on_both_kinds():
    ref, cur = frames(3000, 1000, shift=0.3)
    for m in stats.METHODS_BY_KIND["numeric"]:
        col = core.detect(ref, cur, method=m, columns=["num"]).columns[0]
        assert np.isfinite(col.score) and col.method == m
    for m in stats.METHODS_BY_KIND["categorical"]:
        col = core.detect(ref, cur, method=m, columns=["cat"]).columns[0]
        assert np.isfinite(col.score) and col.method == m


@pytest.mark.parametrize(
    "kw, match",
    [
        (
            {"method": "magic"},
            "method = 'magic' is not a drift method; choose one of chisquare, hellinger",
        ),
        ({"columns": ["nope"]}, "drift column 'nope' is missing from the reference data"),
        (
            {"column_methods": {"cat": "wasserstein"}},
            "does not apply to categorical column 'cat'.*use one of",
        ),
        ({"method": "chisquare"}, "method = 'chisquare' does not apply to numeric column 'num'"),
        (
            {"column_methods": {"num": "bogus"}},
            r"column_methods\['num'\] = 'bogus' is not a drift method",
        ),
        ({"column_thresholds": {"nope": 0.1}}, "column_thresholds names column 'nope'"),
        ({"column_thresholds": {"num": -1}}, "must be a finite number >= 0"),
        ({"threshold": "high"}, "is not a number"),
        ({"drift_share": 0}, r"drift_share must be a number in \(0, 1\]"),
        ({"correction": "holm"}, "correction must be one of bonferroni, fdr"),
        ({"columns": ["num", "num"]}, "more than once"),
    ],
)
def test_config_errors(kw, match):
    ref, cur = frames(500, 100)
    with pytest.raises(ConfigError, match=match):
        core.detect(ref, cur, **kw)


def test_empty_frames_and_type_mismatch_are_drift_errors():
    ref, cur = frames(500, 100)
    with pytest.raises(DriftError, match="current data has no rows"):
        core.detect(ref, cur.iloc[:0])
    with pytest.raises(DriftError, match="is object in the reference but numeric in the current data"):  # round 61: the side said
        core.detect(pd.DataFrame({"x": ["1", "2"]}), pd.DataFrame({"x": [1.0, 2.0]}))


def test_to_dict_is_json_ready():
    import json

    ref = pd.DataFrame({"x": np.full(10, np.nan), "y": np.arange(10.0)})
    d = core.detect(ref, ref).to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"score": null' in text and d["columns"][1]["method"] == "ks"


def test_threads_give_the_same_result():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({f"c{i}": rng.normal(size=30_000) for i in range(4)})
    cur = pd.DataFrame({f"c{i}": rng.normal(0.05 * i, 1, size=30_000) for i in range(4)})
    one = core.detect(ref, cur, max_workers=1)
    two = core.detect(ref, cur, max_workers=2)
    assert [c.score for c in one.columns] == [c.score for c in two.columns]


def test_calibrated_thresholds_remove_false_alarms_but_keep_real_drift():
    rng = np.random.default_rng(7)
    cats = np.array([f"c{i}" for i in range(300)], dtype=object)  # many rare categories
    ref = pd.DataFrame({"cat": rng.choice(cats, 1500)})
    noise = [pd.DataFrame({"cat": rng.choice(cats, 300)}) for _ in range(10)]  # same distribution
    # with sparse counts the default Jensen-Shannon threshold (0.1) fires on pure sampling noise
    assert all(core.detect(ref, cur).columns[0].drifted for cur in noise)
    calibration = core.calibrate_thresholds(
        ref, columns=["cat"], column_methods={"cat": "jensenshannon"}, rounds=40, current_size=300
    )
    assert calibration["cat"]["method"] == "jensenshannon" and calibration["cat"]["threshold"] > 0.1
    thr = {"cat": calibration["cat"]["threshold"]}
    assert (
        sum(core.detect(ref, cur, column_thresholds=thr).columns[0].drifted for cur in noise) <= 1
    )
    shifted = pd.DataFrame({"cat": rng.choice(cats[:30], 300)})  # a real shift
    assert core.detect(ref, shifted, column_thresholds=thr).columns[0].drifted


def test_format_table_lists_every_column_and_the_verdict():
    ref, cur = frames(3000, 1000, shift=0.8)
    text = core.format_table(core.detect(ref, cur))
    lines = text.splitlines()
    assert lines[0].split() == ["column", "kind", "method", "score", "threshold", "drifted"]
    assert {line.split()[0] for line in lines[2:6]} == {"num", "small", "cat", "flag"}
    assert text.rstrip().splitlines()[-1].startswith("drift: ")


# ------------------------------------------------------------------ no column left out silently
def timed_frames(n=400, days=0.0, seed=3):
    """A feature, a datetime (naive and tz-aware), a duration, and columns no method can
    compare: lists and dicts (what pandas reads from Parquet lists/structs), complex numbers."""
    rng = np.random.default_rng(seed)

    def side(shift):
        when = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n) + shift * 86400, "s")
        return pd.DataFrame({
            "num": rng.normal(size=n),
            "created_at": when,
            "paid_at": when.tz_localize("UTC"),
            "took": pd.to_timedelta(rng.exponential(60, n), "s"),
            "tags": [["a", "b"][: int(k)] for k in rng.integers(0, 3, n)],
            "meta": [{"k": int(k)} for k in rng.integers(0, 3, n)],
            "z": rng.normal(size=n) + 1j,
        })

    return side(0.0), side(days)


def test_unsupported_columns_are_listed_as_skipped_not_dropped_or_crashing():
    """The list column made the engine fail with ``TypeError: unhashable type`` (a traceback,
    exit 1) and the datetime/duration/complex columns vanished from the report without a word."""
    ref, cur = timed_frames()
    result = core.detect(ref, cur)
    assert [c.column for c in result.columns] == ["num", "created_at", "paid_at", "took"]
    assert {c.column: c.kind for c in result.columns}["created_at"] == "numeric"
    assert [str(s) for s in result.skipped] == [
        "tags (list, unsupported type)", "meta (dict, unsupported type)", "z (complex128, unsupported type)"]
    assert result.n_columns == 4 and not result.drifted
    saved = result.to_dict()["skipped"]
    assert saved[0] == {"column": "tags", "dtype": "list", "reason": "unsupported type"}
    table = core.format_table(result)
    assert ("skipped 3 column(s): tags (list, unsupported type), meta (dict, unsupported type), "
            "z (complex128, unsupported type)") in table.splitlines()


def test_a_list_only_in_the_reference_is_skipped_too():
    ref, cur = timed_frames()
    cur = cur.assign(tags=["x"] * len(cur))  # strings now: the reference still holds lists
    result = core.detect(ref, cur, columns=["num", "tags"])
    assert [str(s) for s in result.skipped] == ["tags (list, unsupported type)"]


def test_datetime_shift_is_drift_naive_and_tz_aware_and_durations_compared():
    ref, cur = timed_frames(days=0.0)
    same = core.detect(ref, cur, columns=["created_at", "paid_at", "took"])
    assert not any(c.drifted for c in same.columns)
    ref, cur = timed_frames(days=10.0)  # every date 10 days later
    shifted = {c.column: c for c in core.detect(ref, cur, columns=["created_at", "paid_at", "took"]).columns}
    assert shifted["created_at"].drifted and shifted["paid_at"].drifted and not shifted["took"].drifted
    assert shifted["created_at"].score == shifted["paid_at"].score  # the same instants, UTC


def test_epoch_seconds_do_not_depend_on_the_stored_unit():
    ts = pd.Series(pd.to_datetime(["2024-05-01 10:00:00.123", "1969-12-31 23:59:59.5", None]))
    for unit in ("s", "ms", "us", "ns"):
        col = ts.dt.floor("s") if unit == "s" else ts
        values = core.numeric_values(col.astype(f"datetime64[{unit}]"))
        expected = [1714557600.0 if unit == "s" else 1714557600.123, -1.0 if unit == "s" else -0.5]
        assert values.tolist() == expected, unit


def test_time_column_is_skipped_with_its_reason():
    ref, cur = timed_frames()
    result = core.detect(ref[["num", "created_at"]], cur[["num", "created_at"]], time_column="created_at")
    assert [c.column for c in result.columns] == ["num"]
    assert [str(s) for s in result.skipped] == ["created_at (datetime64[ns], time column)"]
    with pytest.raises(ConfigError, match=r"drift column 'created_at' is the time column"):
        core.detect(ref, cur, columns=["num", "created_at"], time_column="created_at")
    with pytest.raises(ConfigError, match=r"time column 'when' is in neither"):
        core.detect(ref, cur, columns=["num"], time_column="when")


def test_naive_against_tz_aware_or_number_is_refused():
    ref, cur = timed_frames()
    with pytest.raises(DriftError, match=r"column 'created_at' is datetime64\[ns, UTC\] in the current data but "
                                         r"datetime64\[ns\] in the reference: localize both"):
        core.detect(ref, cur.assign(created_at=cur.paid_at), columns=["created_at"])
    with pytest.raises(DriftError, match=r"column 'num' is float64 in the current data but datetime64\[ns\]"):
        core.detect(ref.assign(num=ref.created_at), cur, columns=["num"])


def test_a_date_against_a_few_integers_or_text_is_refused_too():
    """The current side's kind decides: a reference date against a current column of a few
    integers (or text) was counted as categories that can never match and judged drifted, not
    refused as docs/drift.md says (a date on one side and a number on the other)."""
    ref, cur = timed_frames()
    with pytest.raises(DriftError, match=r"column 'created_at' is int64 in the current data but datetime64\[ns\] in "
                                         r"the reference: give it the same type in both frames"):
        core.detect(ref, cur.assign(created_at=np.arange(len(cur)) % 3), columns=["num", "created_at"])
    with pytest.raises(DriftError, match=r"column 'created_at' is object in the current data but datetime64\[ns\]"):
        core.detect(ref, cur.assign(created_at=cur.created_at.astype(str)), columns=["num", "created_at"])
    # the same temporal type on both sides, compared as categories on request, is still compared
    both = core.detect(ref, cur, columns=["created_at"], column_kinds={"created_at": "categorical"})
    assert both.columns[0].kind == "categorical"


def test_only_unsupported_columns_names_them():
    ref, cur = timed_frames()
    with pytest.raises(ConfigError, match=r"no comparable columns.*skipped 1 column\(s\): tags \(list, unsupported"):
        core.detect(ref, cur, columns=["tags"])
