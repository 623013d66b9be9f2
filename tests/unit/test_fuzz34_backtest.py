"""Failures of ``ctloop backtest`` found by the randomized crash hunt ``benchmarks/fuzz_backtest.py``
(seeded real-shaped tables through the CLI), each minimized to a small real-shaped table."""

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import run_backtest
from ctloop.config import DriftConfig
from ctloop.errors import ConfigError
from tests.unit.test_backtest_inputs import config


def _counts(rows: int = 1400, days: int = 14, seed: int = 3) -> pd.DataFrame:
    """Two weeks of applications: an amount and an item count (whole numbers 0..39, a numeric column
    over the data: more than 10 distinct values), a label that follows the amount; on the 11th day
    only small baskets (counts 0..4), as on a holiday."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.uniform(0, days * 86400, rows)), unit="s")
    amount = rng.normal(size=rows)
    items = rng.integers(0, 40, rows)
    holiday = (ts >= pd.Timestamp("2024-03-11")) & (ts < pd.Timestamp("2024-03-12"))
    items[holiday] = rng.integers(0, 5, int(holiday.sum()))
    return pd.DataFrame({"ts": ts, "amount": amount, "n_items": items,
                         "y": (amount + rng.normal(0, 0.7, rows) > 0).astype(int)})


@pytest.mark.parametrize("method", ["ks", "wasserstein"])
def test_an_integer_count_with_few_values_in_one_window_keeps_its_kind(method):
    """fuzz seed 10013 (minimized): with --drift-method ks, an integer column numeric over the data
    (40 counts) holds 5 distinct counts in one window, where the drift engine infers a column's kind
    from the window alone (evidently: an int column of <= 10 values is categorical). The replay
    stopped there, after 10 windows of training, with "method = 'ks' does not apply to categorical
    column 'n_items'" (exit 2); no numeric method could avoid it. The column keeps the kind it has
    over the data, and the window's drift is computed."""
    report = run_backtest(_counts(), config(policy="drift", drift=DriftConfig(method=method)))
    holiday = next(w for w in report.windows if w.start.startswith("2024-03-11"))
    assert holiday.rows > 30 and holiday.drift_share is not None
    assert all(w.drift_share is not None for w in report.windows if w.rule not in ("history", "skip", "initial"))


def test_a_drift_method_for_the_other_kind_of_column_is_refused_before_the_replay(capsys):
    """fuzz seed 40013: --drift-method ks with a text column: refused only at the first drift
    computed (after the initial model; under --compare, after the policies replayed before), as
    "method = 'ks' does not apply to categorical column ...", naming no flag. Refused up front,
    naming --drift-method, the column and the methods that apply to every column."""
    from ctloop.cli import main

    data = _counts().assign(region=lambda d: np.where(d["amount"] > 0.5, "north", "south"))
    with pytest.raises(ConfigError, match=r"^--drift-method 'ks' does not apply to categorical column 'region' "
                                          r"\(a text column\).*: use one of hellinger, jensenshannon, kl_div, psi"):
        run_backtest(data, config(policy="drift", drift=DriftConfig(method="ks")))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "applications.csv"
        data.to_csv(path, index=False)
        code = main(["backtest", "--data", str(path), "--target", "y", "--time-column", "ts", "--window", "1D",
                     "--train-window", "1D", "--compare", "never,drift", "--jobs", "1", "--drift-method", "ks",
                     "--output", str(Path(tmp) / "out")])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("error: --drift-method 'ks' does not apply to categorical "
                                                    "column 'region'")
    assert "[never]" not in out  # refused before any replay
    # the methods that apply to every column are accepted
    report = run_backtest(data, config(policy="drift", drift=DriftConfig(method="psi")))
    assert report.windows[-1].drift_share is not None


def test_the_default_policy_computes_drift_as_monitoring_does_whatever_the_drift_section():
    """``--policy default`` replays monitor_model, whose window drift is ``engine.detect(reference,
    window, columns=features)`` (components/monitor/core.py ``_Frame.drift``: the monitoring
    section only, no drift method or threshold). The backtest passed the drift section's method
    and threshold: a ctloop.yaml with ``drift.method: psi`` replayed other drift shares than
    production computes (found by the fuzz hunt, review). The drift policy (detect_drift) keeps
    the section."""
    data = _counts()
    plain = run_backtest(data, config(policy="default"))
    tuned = run_backtest(data, config(policy="default", drift=DriftConfig(method="psi", threshold=0.001)))
    shares = [(w.start, w.drift_share) for w in plain.windows]
    assert shares == [(w.start, w.drift_share) for w in tuned.windows]
    drift = run_backtest(data, config(policy="drift", drift=DriftConfig(method="psi", threshold=0.001)))
    assert [w.drift_share for w in drift.windows] != [s for _, s in shares]


def test_the_drift_policy_reads_the_whole_drift_section_as_detect_drift_does():
    """``--policy drift`` is detect_drift's check: per-column methods and thresholds, the
    correction and the calibration of the drift section (components/drift/core.py ``decide``) —
    the backtest passed only the share, method and threshold, so a replay ignored
    ``column_methods``/``column_thresholds`` (fuzz hunt)."""
    data = _counts()
    plain = run_backtest(data, config(policy="drift"))
    per_column = run_backtest(data, config(policy="drift", drift=DriftConfig(
        column_methods={"amount": "psi"}, column_thresholds={"amount": 0.0}, share=0.5)))
    assert [w.drift_share for w in plain.windows] != [w.drift_share for w in per_column.windows]
    assert all(w.drift_share >= 0.5 for w in per_column.windows if w.drift_share is not None)


def _with_region() -> pd.DataFrame:
    data = _counts()
    data["region"] = np.where(data["amount"] > 0.5, "north", "south")
    return data


def test_per_column_methods_keep_their_columns_kind_and_are_checked_before_the_replay():
    """(review) ``drift.column_methods`` had none of --drift-method's handling: ``{n_items: ks}``
    stopped the replay at the holiday window; ``--drift-method ks`` with ``{region: chisquare}``
    (what detect_drift accepts: a column's own method first) was refused for region; an entry
    naming no feature column was dropped in silence (detect_drift refuses it)."""
    report = run_backtest(_counts(), config(policy="drift", drift=DriftConfig(column_methods={"n_items": "ks"})))
    assert all(w.drift_share is not None for w in report.windows if w.rule not in ("history", "skip", "initial"))
    run_backtest(_with_region(), config(policy="drift", drift=DriftConfig(method="ks",
                                                                          column_methods={"region": "chisquare"})))
    with pytest.raises(ConfigError, match=r"drift.column_methods\['region'\] = 'ks' does not apply to categorical"):
        run_backtest(_with_region(), config(policy="drift", drift=DriftConfig(column_methods={"region": "ks"})))
    with pytest.raises(ConfigError, match=r"drift.column_thresholds names column 'amout', which is not a feature"):
        run_backtest(_counts(), config(policy="drift", drift=DriftConfig(column_thresholds={"amout": 0.1})))


def test_a_drift_setting_for_a_datetime_feature_is_ignored_with_a_warning_not_refused():
    """(review) detect_drift compares a datetime feature (a ``signup_date``); the backtest's drift
    leaves it out (it drifts every window): a ctloop.yaml naming it in ``column_methods`` is valid
    and replays, with a warning, instead of being refused."""
    data = _counts()
    data["signup_date"] = data["ts"] - pd.Timedelta(days=30)
    with pytest.warns(UserWarning, match=r"drift.column_methods names 'signup_date', which the backtest's drift"):
        run_backtest(data, config(policy="drift", drift=DriftConfig(column_methods={"signup_date": "ks"})))
