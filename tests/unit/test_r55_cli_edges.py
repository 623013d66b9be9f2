"""Round 55: CLI and backtest edge cases round 54 left alone; each test below was seen failing on main.

1. a cron month item that is one month by a step or a range (``1,2/12``, ``1,2-2``) gets the day check a
   month listed alone gets (robfig/cron v1.2.0 ``parser.go`` ``getRange``: "N/step" means "N-max/step").
2. ``ctloop drift --sketch-size`` has an upper bound (``streaming.MAX_SKETCH_SIZE``).
3. ``--compare 'never,,'`` is refused naming the empty item.
4. the backtest's time-gap refusal states the gap exactly (it rounded up to a whole day).
5. ``--compare`` with a refused every:N shows the data's notes before the refusal, as one policy does.
6. ``ctloop score --model-name CreditDefault`` is refused naming ``--model-name``, not ``model_name``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError, DataValidationError
from tests.unit.test_backtest_inputs import config, frame


def _argparse_refusal(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.splitlines()) == 1, err
    return err


# --------------------------------------------------------------------------- 1. cron month items of one month
# robfig/cron v1.2.0 (the parser of KFP 2.17.0's ScheduledWorkflow) parser.go getRange: a single number with a
# step runs to the field's maximum ("N/step" means "N-max/step"), so '2/12' is February alone, as '2-2' is
@pytest.mark.parametrize(
    "expr, said",
    [
        (
            "0 0 3 30 1,2/12 *",
            "month February (2) (item '2/12') of month field '1,2/12' has no day 30 (at most 29 days)",
        ),
        (
            "0 0 3 30 1,FEB/12 *",
            "month February (2) (item 'FEB/12') of month field '1,FEB/12' has no day 30",
        ),
        (
            "0 0 3 30 1,2-2 *",
            "month February (2) (item '2-2') of month field '1,2-2' has no day 30",
        ),
        (
            "0 0 3 31 1,4-6/2 *",
            "months April (4), June (6) (item '4-6/2') of month field '1,4-6/2' have no day 31",
        ),
        (
            "0 0 3 1,31/5 4 *",
            "day-of-month 31 (item '31/5') of field '1,31/5' occurs in none of the months '4'",
        ),
    ],
)
def test_a_month_or_day_item_of_a_step_or_range_that_never_comes_is_refused(expr, said):
    from ctloop.ops.cron import validate_cron

    with pytest.raises(ConfigError) as exc:
        validate_cron(expr)
    assert str(exc.value).startswith(f"cron {expr!r}: {said}"), exc.value


@pytest.mark.parametrize(
    "expr", ["0 0 3 31 1,4-6 *", "0 0 3 31 1/2 *", "0 0 3 30 1,3/12 *", "0 0 3 1,30-31 3 *"]
)
def test_an_item_that_covers_a_day_is_taken(expr):
    from ctloop.ops.cron import validate_cron

    assert validate_cron(expr) == expr


# --------------------------------------------------------------------------- 2. --sketch-size's bound
def test_sketch_size_beyond_the_bound_is_refused_naming_flag_and_value(tmp_path, capsys):
    """On main 10**12 was taken: the sketch never coarsened, so memory grew with the distinct values (2M a
    side: 1.45 GB and 13.5 s, against 195 MB and 1.6 s at the default) — the bound streaming exists for."""
    from ctloop.cli.drift import sketch_size
    from ctloop.drift.streaming import MAX_SKETCH_SIZE

    err = _argparse_refusal(
        capsys,
        [
            "drift",
            "--reference",
            "r.csv",
            "--current",
            "c.csv",
            "--engine",
            "stream",
            "--sketch-size",
            str(10**12),
            "--output",
            str(tmp_path / "out"),
        ],
    )
    assert (
        "argument --sketch-size: must be a whole number in 64..5000000, got '1000000000000'"
        in err
    ), err
    assert not list(tmp_path.iterdir())
    assert (
        sketch_size(str(MAX_SKETCH_SIZE)) == MAX_SKETCH_SIZE == 5_000_000
    )  # 200 MB at 40 bytes a bucket


# --------------------------------------------------------------------------- 3. --compare's empty item
@pytest.mark.parametrize(
    "given, item",
    [("never,,", "item 2 of 3"), ("never,", "item 2 of 2"), (",always", "item 1 of 2")],
)
def test_compare_refuses_an_empty_item(tmp_path, capsys, given, item):
    err = _argparse_refusal(
        capsys,
        [
            "backtest",
            "--data",
            str(tmp_path / "s.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "1D",
            "--compare",
            given,
            "--output",
            str(tmp_path / "o"),
        ],
    )
    assert (
        f"argument --compare: {item} is empty: name a policy in each item" in err
        and repr(given) in err
    ), err
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- 4. the time gap, exactly
def test_the_time_gap_refusal_states_the_gap_the_data_has():
    """A row dated 2204 in a 4-day stream: the gap was said as 65735D, rounded up to a whole day."""
    from ctloop.backtest import run_backtest

    data = frame()
    data.loc[150, "ts"] = pd.Timestamp("2204-01-02")
    gap = pd.Timestamp("2204-01-02") - data["ts"].drop(150).max()
    with pytest.raises(DataValidationError, match=r" lie (.+) after the other 399 rows") as exc:
        run_backtest(data, config(window="30D"))
    said = str(exc.value).split(" lie ", 1)[1].split(" after ", 1)[0]
    assert (
        said.startswith(f"{gap.days}D ")
        and sum(map(pd.Timedelta, said.split()), pd.Timedelta(0)) == gap
    ), said


# --------------------------------------------------------------------------- 5. notes before a refused every:N
def test_compare_shows_the_data_notes_before_refusing_a_schedule():
    """Three stray first rows: one policy's replay notes that they are left out, then refuses every:99;
    --compare refused it without the note (its early check silenced the notes)."""
    from ctloop.backtest import compare, run_backtest

    clean = frame()
    data = pd.concat(
        [
            clean.iloc[:3].assign(
                ts=pd.Timestamp("2023-12-30") + pd.to_timedelta([0, 1, 2], unit="h")
            ),
            clean,
        ]
    )
    for replay in (
        lambda: run_backtest(data, config(policy="every:99")),
        lambda: compare(data, config(), ["never", "every:99"]),
    ):
        with (
            pytest.warns(UserWarning) as notes,
            pytest.raises(ConfigError, match="every 99 windows never comes"),
        ):
            replay()
        assert [str(n.message).split(":", 1)[0] for n in notes] == ["column 'ts'"]
        assert "3 row(s) at 2023-12-30 00:00:00" in str(notes[0].message)


# --------------------------------------------------------------------------- 6. --model-name, not model_name
def test_score_names_its_own_flag(tmp_path, capsys):
    err = _argparse_refusal(
        capsys,
        [
            "score",
            "--model-name",
            "CreditDefault",
            "--data",
            str(tmp_path / "in.csv"),
            "--output",
            str(tmp_path / "out"),
            "--tracking-uri",
            str(tmp_path / "mlruns"),
        ],
    )
    assert err.startswith(
        "ctloop score: error: argument --model-name: must be a valid Kubernetes and MLflow name"
    ), err
    assert "got 'CreditDefault'" in err and "model_name:" not in err
    assert not list(tmp_path.iterdir())
