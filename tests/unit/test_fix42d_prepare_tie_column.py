"""prepare_data orders rows sharing a timestamp by a hash of their values. Was: it did so through a
temporary column ``_ctloop_tie``, assigned and then dropped, which overwrote a column of the user's
data of that name with the hashes and then dropped it from the train and holdout sets (and the
model's features). Now ``np.lexsort`` orders the rows without a temporary column, in the order a
stable ``sort_values([time, hash])`` gives, the hash of each row's other values (since round 43,
fix43f: not of its time, which every row of a tie shares)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.components.prepare.core import prepare


def _frame(rows: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "day": pd.Timestamp("2026-01-01")
            + pd.to_timedelta(rng.integers(0, 12, size=rows), unit="D"),
            "x": rng.normal(size=rows),
            "y": rng.integers(0, 2, size=rows),
        }
    )


def test_a_user_column_named_like_the_old_temporary_one_is_kept():
    frame = _frame().assign(_ctloop_tie=np.arange(240) % 7)
    out = prepare(frame, target="y", time_column="day", window=None)
    both = pd.concat([out.train, out.holdout])
    assert "_ctloop_tie" in both.columns
    assert sorted(both["_ctloop_tie"]) == sorted(frame["_ctloop_tie"])


def test_rows_sharing_a_day_are_in_the_order_of_a_stable_sort_by_time_then_hash():
    frame = _frame()
    out = prepare(frame, target="y", time_column="day", window=None)
    # the hash of the row's other values (not its time): the order a sort by a temporary column gave
    tie = pd.util.hash_pandas_object(frame.drop(columns="day"), index=False).to_numpy()
    expected = (
        frame.assign(t=tie)
        .sort_values(["day", "t"], kind="stable")
        .drop(columns="t")
        .reset_index(drop=True)
    )
    both = pd.concat([out.train, out.holdout], ignore_index=True)
    pd.testing.assert_frame_equal(both[expected.columns], expected)
    # the source's order changes nothing
    again = prepare(
        frame.sample(frac=1, random_state=1), target="y", time_column="day", window=None
    )
    assert again.digest == out.digest
