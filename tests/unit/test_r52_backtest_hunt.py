"""Round 52's hunt of ``ctloop backtest`` on hostile-but-real streams (seeded fuzzer
``benchmarks/fuzz_backtest.py`` and shapes it does not draw): each case a small reproduction."""

import pytest

from ctloop.backtest import run_backtest
from ctloop.errors import ConfigError, DataValidationError
from tests.unit.test_backtest_inputs import config, frame


def test_an_initial_model_that_can_train_only_in_the_last_window_is_refused_not_a_replay_scoring_nothing():
    """130 rows over 4 daily windows (31, 29, 31, 39): the initial model's 100 rows are there only by
    the last window's end, so nothing is left to replay: exit 0, every policy "mean n/a (no window
    after the initial model's history)". A history that leaves windows too small to score is refused
    up front (ed358dc0); a history that leaves no window at all slipped past that check."""
    data = frame(rows=130, days=4)
    with pytest.raises(
        ConfigError,
        match=r"^--window 1D: after the initial model's 3 window\(s\) of history "
        r"\(derived: .*\) and its 100 rows no window is left \(it trains in the "
        r"last, 2024-01-04 00:00:00 … 2024-01-05 00:00:00\): no window would be "
        r"scored; choose a shorter --train-window or more data$",
    ):
        run_backtest(data, config(train_window="", policy="always"))


def test_a_label_delay_that_holds_the_initial_models_labels_to_the_last_window_is_refused_naming_the_delay():
    """400 rows over 4 daily windows with --label-delay 2D: the first 100 labels arrive only by the
    last window's end (the up-front check counted rows, not labels that had arrived), so the initial
    model trained there and the replay scored nothing, exit 0 "mean n/a". Refused naming the delay
    (a delay that leaves a window to score is replayed: test_backtest_realdata2, test_cli_hostile)."""
    with pytest.raises(
        ConfigError,
        match=r"^--label-delay 2D: the initial model's 100 labelled rows arrive by "
        r"2024-01-05 00:00:00, the end of the last window: no window would be "
        r"scored; a shorter --label-delay or a longer stream$",
    ):
        run_backtest(frame(), config(label_delay="2D", policy="always"))


def _relabelled(data):
    """The stream's labels 0/1, then from row 300 on True/False: a source that changed how it writes them."""
    y = data["y"].astype(object)
    y[data.index >= 300] = y[data.index >= 300].astype(bool)
    return data.assign(y=y)


def test_labels_that_turn_from_numbers_to_true_false_mid_stream_are_refused_not_replayed_with_skipped_retrains():
    """A notebook's frame of two sources, 0/1 then True/False (an object column). pandas takes True
    for 1 (equal, one hash), so check_labels' pd.unique saw one kind of value; the replay ran and
    every retrain after the change was "retrain skipped: ... Unknown label type: unknown": policy
    "always" replayed as "never", exit 0."""
    with pytest.raises(
        DataValidationError,
        match=r"column 'y' breaks rule 'labels' in 100 row\(s\): labels mix "
        r"true/false and numbers \(e.g\. False and 0\)",
    ):
        run_backtest(_relabelled(frame()), config(policy="always"))


def test_labels_that_turn_from_numbers_to_true_false_in_a_csv_are_refused_not_learned_as_four_classes(
    tmp_path,
):
    """The same stream as a CSV: read_table reads '0', '1', 'True', 'False', four text classes. The
    replay learned 'True' and '1' as two classes and scored the last window 0.61 (0.89 before the
    change), exit 0. Refused by check_labels, so prepare_data and the fit refuse it too."""
    from ctloop.components.train.core import check_labels
    from ctloop.storage import read_table

    _relabelled(frame()).to_csv(tmp_path / "stream.csv", index=False)
    data = read_table(str(tmp_path / "stream.csv"))
    with pytest.raises(
        DataValidationError,
        match=r"column 'y' breaks rule 'labels' in 100 row\(s\): labels mix "
        r"true/false and numbers, as text \(e\.g\. 'False' and '0'\)",
    ):
        run_backtest(data, config(policy="always"))
    # '0'/'1' alone, and 'True'/'False' alone, are classes
    check_labels(data["y"].where(data.index < 300).dropna(), "y")
    check_labels(data["y"].where(data.index >= 300).dropna(), "y")
