import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.drift import core, stats
from ctloop.errors import ConfigError, DriftError


def frames(n_ref, n_cur, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame({
        "num": rng.normal(0, 1, n_ref),
        "small": rng.integers(0, 4, n_ref),
        "cat": rng.choice(["a", "b", "c"], n_ref, p=[0.5, 0.3, 0.2]),
        "flag": rng.choice([True, False], n_ref),
    })
    p = [0.5 - shift / 2, 0.3, 0.2 + shift / 2]
    cur = pd.DataFrame({
        "num": rng.normal(shift, 1, n_cur),
        "small": rng.integers(0, 4, n_cur),
        "cat": rng.choice(["a", "b", "c"], n_cur, p=p),
        "flag": rng.choice([True, False], n_cur),
    })
    return ref, cur


@pytest.mark.parametrize("n_ref, expected", [
    (500, {"num": "ks", "small": "chisquare", "cat": "chisquare", "flag": "z"}),
    (5000, {"num": "wasserstein", "small": "jensenshannon", "cat": "jensenshannon", "flag": "jensenshannon"}),
])
def test_automatic_method_choice_follows_evidently(n_ref, expected):
    ref, cur = frames(n_ref, 400)
    result = core.detect(ref, cur)
    assert {c.column: c.method for c in result.columns} == expected


def test_shift_is_detected_and_share_rule():
    ref, cur = frames(5000, 2000, shift=0.6)
    result = core.detect(ref, cur)
    drifted = {c.column for c in result.columns if c.drifted}
    assert {"num", "cat"} <= drifted and "flag" not in drifted
    assert result.share == len(drifted) / 4
    assert result.drifted == (result.share >= 0.5)
    assert "num" in result.reason


def test_no_shift_no_drift():
    ref, cur = frames(5000, 2000, shift=0.0, seed=1)
    assert not core.detect(ref, cur).drifted


def test_wasserstein_is_normed_by_reference_std():
    ref = pd.DataFrame({"x": np.arange(2000, dtype=float)})
    cur = pd.DataFrame({"x": np.arange(2000, dtype=float) + 100})
    col = core.detect(ref, cur).columns[0]
    assert col.method == "wasserstein"
    assert col.score == pytest.approx(100 / np.std(ref.x))


def test_edge_cases():
    n = 3000
    ref = pd.DataFrame({"const": np.ones(n), "empty": np.full(n, np.nan), "inf": np.r_[np.full(10, np.inf), np.arange(n - 10.0)],
                        "ties": np.repeat([1.0, 2.0, 3.0], n // 3), "cat": ["a"] * n})
    cur = pd.DataFrame({"const": np.ones(n), "empty": np.full(n, np.nan), "inf": np.arange(n, dtype=float),
                        "ties": np.repeat([1.0, 2.0, 3.0], n // 3), "cat": ["a"] * (n - 100) + ["new"] * 100})
    by = {c.column: c for c in core.detect(ref, cur).columns}
    assert not by["const"].drifted and by["const"].score == 0
    assert not by["empty"].drifted and "no values" in by["empty"].detail
    assert np.isfinite(by["inf"].score) and not by["inf"].drifted  # infinities dropped, as evidently does
    assert not by["ties"].drifted
    assert by["cat"].method == "jensenshannon" and by["cat"].score > 0  # unseen category counted


def test_column_that_vanishes_is_drift():
    ref = pd.DataFrame({"x": np.arange(2000.0)})
    cur = pd.DataFrame({"x": np.full(500, np.nan)})
    col = core.detect(ref, cur).columns[0]
    assert col.drifted and "no values in the current data" in col.detail


def test_overrides_and_corrections():
    ref, cur = frames(5000, 2000, shift=0.2)
    result = core.detect(ref, cur, column_methods={"num": "psi"}, column_thresholds={"num": 5.0})
    num = next(c for c in result.columns if c.column == "num")
    assert (num.method, num.threshold, num.drifted) == ("psi", 5.0, False)
    tests = core.detect(ref, cur, method="ks", columns=["num"])
    bonf = core.detect(ref, cur, method="chisquare", columns=["small", "cat"], correction="bonferroni")
    assert tests.columns[0].method == "ks"
    assert all(c.threshold == pytest.approx(0.025) for c in bonf.columns)
    fdr = core.detect(ref, cur, method="chisquare", columns=["small", "cat"], correction="fdr")
    assert all("BH-adjusted" in c.detail for c in fdr.columns)


@pytest.mark.parametrize("kw, match", [
    ({"method": "magic"}, "unknown drift method 'magic'"),
    ({"columns": ["nope"]}, "'nope' is missing"),
    ({"column_methods": {"cat": "wasserstein"}}, "needs a numeric column"),
    ({"column_methods": {"num": "bogus"}}, "is not a method"),
    ({"drift_share": 0}, "drift_share"),
    ({"correction": "holm"}, "correction"),
])
def test_config_errors(kw, match):
    ref, cur = frames(500, 100)
    with pytest.raises(ConfigError, match=match):
        core.detect(ref, cur, **kw)


def test_empty_current_is_an_error():
    ref, cur = frames(500, 100)
    with pytest.raises(DriftError, match="current data has no rows"):
        core.detect(ref, cur.iloc[:0])


def test_methods_all_compute():
    ref, cur = frames(3000, 1000, shift=0.3)
    for m in stats.METHODS:
        col = core.detect(ref, cur, method=m, columns=["num"]).columns[0]
        assert np.isfinite(col.score), m


def test_cli_table_and_json(tmp_path, capsys):
    ref, cur = frames(3000, 1000, shift=0.8)
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_csv(tmp_path / "cur.csv", index=False)
    code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.csv"),
                 "--output", str(tmp_path / "out"), "--no-report", "--exclude", "flag"])
    out = capsys.readouterr().out
    assert code == 0
    assert "wasserstein" in out and "DRIFT" in out and "flag" not in out.split("\n\n")[1]
    import json

    saved = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert saved["drifted"] is True and {c["column"] for c in saved["columns"]} == {"num", "small", "cat"}


@pytest.mark.parametrize("seed", range(4))
def test_wasserstein_equals_scipy(seed):
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(seed)
    u = rng.normal(size=rng.integers(5, 3000))
    v = np.round(rng.normal(0.5, 2, rng.integers(5, 500)), seed)  # ties when rounded
    assert stats.wasserstein_1d(u, v) == pytest.approx(wasserstein_distance(u, v), rel=1e-12)


def test_calibrated_thresholds_remove_false_alarms_but_keep_real_drift():
    rng = np.random.default_rng(7)
    cats = np.array([f"c{i}" for i in range(300)], dtype=object)  # many rare categories
    ref = pd.DataFrame({"cat": rng.choice(cats, 1500)})
    noise = [pd.DataFrame({"cat": rng.choice(cats, 300)}) for _ in range(10)]  # same distribution
    # with sparse counts the default Jensen-Shannon threshold (0.1) fires on pure sampling noise
    assert all(core.detect(ref, cur).columns[0].drifted for cur in noise)
    calibration = core.calibrate_thresholds(ref, columns=["cat"], rounds=40, current_size=300)
    assert calibration["cat"]["method"] == "jensenshannon" and calibration["cat"]["threshold"] > 0.1
    thr = {"cat": calibration["cat"]["threshold"]}
    assert sum(core.detect(ref, cur, column_thresholds=thr).columns[0].drifted for cur in noise) <= 1
    shifted = pd.DataFrame({"cat": rng.choice(cats[:30], 300)})  # a real shift
    assert core.detect(ref, shifted, column_thresholds=thr).columns[0].drifted
