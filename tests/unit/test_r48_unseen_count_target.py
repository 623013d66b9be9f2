"""A count replayed as classes: doctor visits a year (statsmodels' bundled RAND Health Insurance
Experiment, 0..77 visits, median 1) replayed with ``ctloop backtest`` without ``--task``. The
default task is a classification, so the 52 visit counts became 52 classes, most of them a few
rows each: a 91 s replay, a challenger needing 1,300 labelled rows and a mean ROC AUC of 0.55,
with nothing said about the target. The replay now says the classes look like a count and
names ``--task regression``; text classes and numeric class codes say nothing. The decision is
:func:`ctloop.backtest.count_target_note` on the target column; one short replay shows the note
reaches the user once."""

import numpy as np
import pandas as pd
import pytest

from ctloop.backtest import count_target_note
from ctloop.cli import main
from ctloop.components.train.core import ROWS_PER_CLASS


def _visits(n: int = 1200, seed: int = 48) -> pd.Series:
    # heavy right tail like the RAND HIE's visits: many 0-3, a few dozens
    rng = np.random.default_rng(seed)
    health = rng.normal(0, 1, n)
    return pd.Series(rng.negative_binomial(0.7, 0.7 / (0.7 + np.exp(1.0 + 0.6 * health)), n))


def _zipf(codes, n: int, power: float, seed: int = 0) -> pd.Series:
    """``n`` rows of class codes whose popularity falls as a power of a random rank (not of the code)."""
    rng = np.random.default_rng(seed)
    p = 1 / np.arange(1, len(codes) + 1) ** power
    return pd.Series(rng.choice(rng.permutation(np.asarray(codes)), n, p=p / p.sum()))


def test_a_count_target_gets_the_note_naming_its_range_and_rare_classes():
    y = _visits()
    counts = y.value_counts()
    assert len(counts) > 20  # the shape: many whole-number values, most of them rare, the rare ones high
    note = count_target_note(y, "target")
    assert note == (f"column 'target': {len(counts)} classes of whole numbers ({y.min()} … {y.max()}), "
                    f"{int((counts < ROWS_PER_CLASS).sum())} of them in fewer than {ROWS_PER_CLASS} rows: a classifier "
                    "learns each value as a class of its own; if the values are counts or amounts, pass --task regression")


def test_a_count_read_as_floats_prints_whole_numbers():
    # a label column with a blank cell reads as float64 (the blank rows are left out): 0 … 61, not 0.0 … 61.0
    y = _visits().astype(float)
    assert count_target_note(y, "target").startswith(f"column 'target': {y.nunique()} classes of whole numbers "
                                                     f"(0 … {int(y.max())}), ")
    assert count_target_note(y.astype("Int64"), "target") == count_target_note(y, "target")


@pytest.mark.parametrize("y", [
    pytest.param(_zipf(np.arange(50), 5000, 1.5), id="50-label-encoded-species"),
    pytest.param(_zipf(np.random.default_rng(1).choice(np.arange(1000, 99999), 40, replace=False), 2000, 1.2),
                 id="40-sku-codes"),
    pytest.param(_zipf(np.arange(1, 31), 800, 1.3), id="30-product-categories"),
    pytest.param(pd.Series(np.minimum(_visits(), 3) + 1), id="four-codes"),
    pytest.param(pd.Series(np.r_[np.repeat(np.arange(11), 30), np.repeat(np.arange(11, 22), 10)]),
                 id="half-of-the-classes-rare"),
    pytest.param(-_visits(), id="negative"),
    pytest.param("v" + _visits().astype(str), id="text-labels"),
    pytest.param(_visits() > 3, id="bool"),
])
def test_class_codes_text_labels_and_half_rare_say_nothing(y):
    assert count_target_note(y, "target") is None


def test_the_replay_says_it_once_before_the_windows(tmp_path, capsys):
    y = _visits(n=900)
    rng = np.random.default_rng(0)
    pd.DataFrame({"ts": pd.Timestamp("2024-03-04") + pd.to_timedelta(np.sort(rng.random(len(y))) * 2, unit="D"),
                  "f": rng.normal(size=len(y)), "target": y}).to_csv(tmp_path / "visits.csv", index=False)
    with pytest.warns(UserWarning, match="--task regression") as caught:
        assert main(["backtest", "--data", str(tmp_path / "visits.csv"), "--target", "target", "--time-column", "ts",
                     "--window", "1D", "--policy", "never", "--estimator", "logistic_regression", "--quiet",
                     "--output", str(tmp_path / "out")]) == 0
    assert [str(w.message) for w in caught if "--task regression" in str(w.message)] == [count_target_note(y, "target")]
