"""A count replayed as classes: doctor visits a year (statsmodels' bundled RAND Health Insurance
Experiment, 0..77 visits, median 1) replayed with ``ctloop backtest`` without ``--task``. The
default task is a classification, so the 52 visit counts became 52 classes, most of them a few
rows each: a 91 s replay, a challenger needing 1,300 labelled rows and a mean ROC AUC of 0.55,
with nothing said about the target. The replay now says the classes look like a count and
names ``--task regression``; text classes and numeric class codes say nothing. The decision is
:func:`ctloop.backtest.count_target_note` on the target column; one short replay shows the note
reaches the user once."""

import warnings

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
    pytest.param(-_visits(), id="negated-count-rare-values-low"),  # Spearman: the rare values are not the high ones
    pytest.param("v" + _visits().astype(str), id="text-labels"),
    pytest.param(_visits() > 3, id="bool"),
])
def test_class_codes_text_labels_and_half_rare_say_nothing(y):
    assert count_target_note(y, "target") is None


@pytest.mark.parametrize("y", [
    pytest.param(_visits() - 1, id="visits-minus-one"),
    pytest.param(_visits().where(np.arange(1200) % 20 != 0, -1), id="visits-with-a-minus-one-placeholder"),
])
def test_a_count_with_a_minus_one_placeholder_still_gets_the_note(y):
    # a -1 (unknown, or a count shifted by one) does not make the values class codes: the rare values
    # are still the high ones (Spearman about -0.97), and --task regression is still the advice
    assert y.min() == -1
    assert count_target_note(y, "target").startswith(f"column 'target': {y.nunique()} classes of whole numbers (-1 … ")


def test_the_replay_says_it_once_before_the_windows(tmp_path, capsys):
    # labels arriving after the stream ends: the replay trains nothing (0.5 s, not a 5 s training) and
    # is refused after its windows, so the order of note, windows and refusal shows in one short run
    # (3 days of 1,500 rows: the 800 rows its 32 classes need are there by window 1, so a window is left
    # to replay; 2 days of 900 rows, all needed, are refused up front: no window would be scored)
    y = _visits(n=1500)
    rng = np.random.default_rng(0)
    pd.DataFrame({"ts": pd.Timestamp("2024-03-04") + pd.to_timedelta(np.sort(rng.random(len(y))) * 3, unit="D"),
                  "f": rng.normal(size=len(y)), "target": y}).to_csv(tmp_path / "visits.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *args, **kwargs: print(f"WARNING: {message}")
        assert main(["backtest", "--data", str(tmp_path / "visits.csv"), "--target", "target", "--time-column", "ts",
                     "--window", "1D", "--label-delay", "2D", "--policy", "never",
                     "--output", str(tmp_path / "out")]) == 2
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    notes = [i for i, line in enumerate(lines) if "--task regression" in line and line.startswith("WARNING")]
    windows = [i for i, line in enumerate(lines) if line.lstrip().startswith("window ")]
    assert [lines[i] for i in notes] == [f"WARNING: {count_target_note(y, 'target')}"]
    assert len(windows) == 2 and notes[0] < windows[0]
