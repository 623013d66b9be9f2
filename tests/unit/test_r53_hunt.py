"""Round 53's hunt of the CLI as a platform engineer meets it on day one: hostile but real-shaped
settings and tables through ``ctloop backtest`` (in-process, ``ctloop.cli.main``); each case a small
reproduction of a wrong answer or a misleading message, with what it did before."""

import pytest

from ctloop.cli import main
from tests.unit.test_backtest_inputs import frame


def _backtest(tmp_path, data, *flags):
    data.to_csv(tmp_path / "stream.csv", index=False)
    return main(
        [
            "backtest",
            "--data",
            str(tmp_path / "stream.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "1D",
            "--train-window",
            "1D",
            "--estimator",
            "logistic_regression",
            "--bootstrap-rounds",
            "20",
            "--quiet",
            "--output",
            str(tmp_path / "out"),
            *flags,
        ]
    )


@pytest.mark.parametrize("yes, no", [("yes", "no"), ("Yes", "No"), ("YES", "NO")])
def test_labels_that_turn_from_numbers_to_yes_no_in_a_csv_are_refused_not_learned_as_four_classes(
    tmp_path, capsys, yes, no
):
    """A CSV export of two sources: the label 0/1, then from row 300 on yes/no (a source that changed
    how it writes it). read_table reads '0', '1', 'yes', 'no': four text classes, learned so; the
    replay (policy always) exited 0 with the last window scored 0.6113 (0.8898 when the stream says 0/1
    throughout), mean 0.7440 (0.8942).
    True/False after 0/1 was refused already (test_r52_backtest_hunt); yes/no is the same relabelling."""
    data = frame()
    y = data["y"].astype(object)
    y[data.index >= 300] = y[data.index >= 300].map({0: no, 1: yes})
    assert _backtest(tmp_path, data.assign(y=y), "--policy", "always") == 2
    err = capsys.readouterr().err
    assert (
        f"column 'y' breaks rule 'labels' in 100 row(s): labels mix {yes.lower()}/{no.lower()} and numbers, "
        f"as text (e.g. '{no}' and '0'): one class written two ways is learned as two" in err
    ), err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_yes_no_classes_alone_and_beside_words_are_classes():
    """yes/no alone is a binary target; 'yes'/'no'/'maybe' (a survey) and 'no'/'1 year'/'2 years' are
    classes of text, not numbers relabelled."""
    from ctloop.components.train.core import check_labels

    data = frame()
    check_labels(data["y"].map({0: "no", 1: "yes"}), "y")
    check_labels(data["y"].map({0: "no", 1: "yes"}).where(data.index % 7 != 0, "maybe"), "y")
    check_labels(data["y"].map({0: "no", 1: "1 year"}).where(data.index % 7 != 0, "2 years"), "y")
