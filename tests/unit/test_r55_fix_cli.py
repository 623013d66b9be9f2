"""Round 55 review of the merged CLI edge cases (7051c65c..c53c9c1a); each test below was seen failing on main
but the saved-state one, which keeps what main already did (a state saved with a larger size still reads).

1. ``DriftState`` (and so ``streaming.detect_sources``/``state_of``) refuses a ``sketch_size`` above
   ``streaming.MAX_SKETCH_SIZE``, as ``ctloop drift --sketch-size`` does; a saved state is read as saved.
2. and 3. ``--sketch-size``: one range message both ways, the memory said per numeric column and side.
4. ``leap_day_warning`` judges each day item by the days it covers (``29-29`` and ``29/31`` are 29 alone).
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError


# --------------------------------------------------------------------------- 1. the library's bound
@pytest.mark.parametrize("size", [10**12, 5_000_001])
def test_a_new_drift_state_beyond_the_bound_is_refused(size):
    """On main DriftState(sketch_size=10**12) was taken: only the CLI's argparse type had the bound."""
    from ctloop.drift.streaming import MAX_SKETCH_SIZE, DriftState

    with pytest.raises(ConfigError) as exc:
        DriftState(sketch_size=size)
    assert (
        str(exc.value) == f"sketch_size must be an integer in 64..{MAX_SKETCH_SIZE}, got {size!r}"
    )
    assert DriftState(sketch_size=MAX_SKETCH_SIZE).sketch_size == MAX_SKETCH_SIZE


def test_detect_sources_refuses_the_size_before_reading_a_row(tmp_path):
    from ctloop.drift import streaming

    path = tmp_path / "side.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_csv(path, index=False)
    with pytest.raises(
        ConfigError, match=r"^sketch_size must be an integer in 64\.\.5000000, got 1000000000000$"
    ):
        streaming.detect_sources(str(path), str(path), sketch_size=10**12)


def test_a_saved_state_of_a_larger_size_is_still_read_and_merged():
    """Before round 55 the library took any size >= 64, so a saved state may hold more than the bound: it
    is read (DriftState.from_dict goes through __init__) and merged as saved, not refused as damaged."""
    from ctloop.drift.streaming import MAX_SKETCH_SIZE, DriftState

    saved = DriftState().update(pd.DataFrame({"x": [1.0, 2.0, 3.0]})).to_dict()
    saved["sketch_size"] = big = MAX_SKETCH_SIZE * 2
    saved["columns"][0]["numeric"]["budget"] = big
    state = DriftState.from_dict(saved)
    assert state.sketch_size == big and state.columns["x"].numeric.budget == big
    merged = state.merge(DriftState.from_dict(saved))
    assert merged.sketch_size == big and merged.rows == 6
    assert DriftState.from_dict(merged.to_dict()).sketch_size == big


@pytest.mark.parametrize("key, size", [("sketch_size", 10), ("sketch_size", -5), ("max_categories", 10)])
def test_a_saved_state_below_the_least_size_is_damaged_not_a_range_error(key, size):
    """A state file edited to a size no state ever held is named damaged, as the other from_dict errors are,
    not refused with the new-state range (whose upper bound saved states are exempt from)."""
    from ctloop.drift.streaming import DriftState
    from ctloop.errors import DriftError

    saved = DriftState().update(pd.DataFrame({"x": [1.0, 2.0, 3.0]})).to_dict()
    saved[key] = size
    with pytest.raises(DriftError, match=rf"^not a readable ctloop drift state .*damaged value .*{key} {size} "
                                         r"is below 64.*recompute the state$"):
        DriftState.from_dict(saved)


# --------------------------------------------------------------------------- 2. and 3. one message both ways
def _sketch_size_refusal(capsys, tmp_path, value: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(["drift", "--reference", "r.csv", "--current", "c.csv", "--sketch-size", value,
              "--output", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err.splitlines()
    assert exc.value.code == 2 and not list(tmp_path.iterdir())
    return err[-1]


def test_sketch_size_says_one_range_both_ways(tmp_path, capsys):
    """On main 0 was told 'a whole number >= 64' and 10**12 'in 64..5,000,000'."""
    assert _sketch_size_refusal(capsys, tmp_path, "0") == (
        "ctloop drift: error: argument --sketch-size: must be a whole number in 64..5000000, got '0' "
        "(ctloop drift --help)"
    )
    said = _sketch_size_refusal(capsys, tmp_path, "1000000000000")
    assert said.startswith(
        "ctloop drift: error: argument --sketch-size: must be a whole number in 64..5000000, got '1000000000000': "
    ), said


def test_sketch_size_says_the_memory_is_per_column_and_side(tmp_path, capsys):
    """On main: '200 MB per numeric column and side, what --engine memory holds for a whole side': a whole
    file's columns add up (25 numeric columns x 2 sides x 200 MB = 10 GB)."""
    said = _sketch_size_refusal(capsys, tmp_path, "5000001")
    assert "whole side" not in said
    assert said.endswith(
        "got '5000001': at 40 bytes a bucket that is up to 200 MB for each numeric column on each side, and the "
        "columns add up (25 numeric columns: 10 GB for the two sides); for exact scores over more distinct "
        "values use --engine memory (ctloop drift --help)"
    ), said


# --------------------------------------------------------------------------- 4. a day item of 29 alone
# robfig/cron v1.2.0 parser.go getRange: '29-29' is 29 alone, and '29/31' is '29-31/31', 29 alone
# items reaching past February's last day are judged by the days February has: '29-31' is 29 alone there
@pytest.mark.parametrize("dom", ["29-29", "29/31", "1,29-29", "29/5", "29-31", "29-30", "29/1"])
def test_a_day_item_of_29_alone_in_february_is_warned_of(dom):
    from ctloop.ops.cron import leap_day_warning

    expr = f"0 0 3 {dom} 2 *"
    assert leap_day_warning(expr) == (
        f"cron {expr!r}: day-of-month 29 in February (month field '2') comes only in leap years (once in four "
        "years; 2100 has none): for every year give 28 (or day 1 of month 3)"
    )


@pytest.mark.parametrize(
    "expr", ["0 0 3 28-29 2 *", "0 0 3 29 1-12 *", "0 0 3 1/7 2 *", "0 0 3 28 2 *"]
)
def test_a_day_item_covering_more_than_29_is_not_warned_of(expr):
    from ctloop.ops.cron import leap_day_warning

    assert leap_day_warning(expr) is None
