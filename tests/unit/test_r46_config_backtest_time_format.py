"""``ctloop backtest --time-format`` (or the model's ``data.time_format``) was silently ignored when
the time column is stored as date-times already (a Parquet timestamp): the format is only applied to
text, so a user who gave ``--time-format '%d/%m/%Y'`` to fix the dates' reading was told nothing.
Now a warning says the format is not used and why."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ctloop.cli import main


def _table(tmp_path, times) -> str:
    # one class only: the replay refuses it right after reading, so the test stays fast
    frame = pd.DataFrame({"t": times, "x": range(len(times)), "y": [1] * len(times)})
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    return str(path)


def _backtest(tmp_path, data, *flags) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert (
            main(
                [
                    "backtest",
                    "--data",
                    data,
                    "--target",
                    "y",
                    "--time-column",
                    "t",
                    "--window",
                    "7D",
                    "--quiet",
                    "--output",
                    str(tmp_path / "out"),
                    *flags,
                ]
            )
            == 2
        )
    return [str(w.message) for w in seen if issubclass(w.category, UserWarning)]


def test_a_time_format_for_stored_timestamps_is_said_unused(tmp_path):
    data = _table(tmp_path, pd.date_range("2024-01-01", periods=40, freq="D"))
    said = [
        m for m in _backtest(tmp_path, data, "--time-format", "%d/%m/%Y") if "--time-format" in m
    ]
    assert len(said) == 1 and "'%d/%m/%Y' is not used: column 't'" in said[0], said


@pytest.mark.parametrize(
    "flags", [[], ["--time-format", "%d/%m/%Y"]], ids=["no-format", "text-times"]
)
def test_no_warning_when_the_format_reads_text_or_none_is_given(tmp_path, flags):
    data = _table(tmp_path, [f"{d:02d}/01/2024" for d in range(1, 29)])
    assert not [m for m in _backtest(tmp_path, data, *flags) if "is not used" in m]
