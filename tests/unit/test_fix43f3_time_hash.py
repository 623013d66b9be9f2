"""Times and durations in the tie hash (``prepare core in_time_order``) and the profile are read
without pandas' conversion of Arrow timestamps: an Arrow ``timestamp`` with a named zone
(America/New_York, Europe/Paris) holding a date before 1677 (a SQL ``valid_from`` minimum
``0001-01-01``) killed the process with SIGSEGV in ``astype(DatetimeTZDtype)`` (pandas 2.3.3,
pyarrow 25.0.1), and ``prepare`` died again in the profile's ``astype(str)``; the risky calls run in
a subprocess so a crash fails the test instead of the pytest worker. Every time is hashed as its
UTC instant in whole seconds plus nanoseconds, whatever its unit or range: one ``9999-12-31``
``valid_to`` entering the window no longer reorders every other tie (the unit was chosen per
column, from its range)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ctloop.components.prepare.core import in_time_order

_RISKY = textwrap.dedent(
    """
    import numpy as np, pandas as pd, pyarrow as pa
    from ctloop.components.prepare.core import in_time_order, prepare

    def arrow(days, zone):
        values = np.array(days, dtype="datetime64[us]")
        return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(values, type=pa.timestamp("us", tz=zone))))

    n = 6
    days = ["0001-01-01" if i % 2 else f"2023-01-0{i + 1}" for i in range(n)]
    tied = pd.DataFrame({"ts": pd.to_datetime(["2024-01-01"] * n), "region": [f"r{i}" for i in range(n)],
                         "valid_from": arrow(days, "America/New_York")})
    utc = tied.assign(valid_from=pd.Series(np.array(days, dtype="datetime64[s]")))
    print("order", list(in_time_order(tied, "ts")["region"]) == list(in_time_order(utc, "ts")["region"]), flush=True)
    n = 40
    frame = pd.DataFrame({"ts": pd.to_datetime(["2024-01-01"] * 20 + ["2024-01-02"] * 20), "x": np.arange(n) % 7,
                          "y": np.arange(n) % 2,
                          "valid_from": arrow(["0001-01-01" if i % 2 else "2023-01-01" for i in range(n)], "Europe/Paris")})
    out = prepare(frame, target="y", time_column="ts", window=None)
    entry = out.profile["columns"]["valid_from"] if "columns" in out.profile else out.profile["valid_from"]
    print("profile", entry["min"], "|", entry["max"], flush=True)
    """
)


@pytest.fixture(scope="module")
def risky_run():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _RISKY], capture_output=True, text=True, env=env, timeout=120
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return done, lines


def test_a_named_zone_before_1677_is_hashed_without_crashing_as_its_utc_instant(risky_run):
    done, lines = risky_run
    assert "order" in lines, f"in_time_order died (exit {done.returncode}): {done.stderr[-2000:]}"
    # the same instants as a naive (UTC) numpy column: the same order
    assert lines["order"] == "True"


def test_prepare_profiles_a_named_zone_before_1677_without_crashing(risky_run):
    done, lines = risky_run
    assert done.returncode == 0, f"prepare died (exit {done.returncode}): {done.stderr[-2000:]}"
    # the stored instants, in UTC
    assert lines["profile"] == "0001-01-01 00:00:00.000000 UTC | 2023-01-01 00:00:00.000000 UTC"


def _tie(valid_to):
    n = len(valid_to)
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(["2024-01-01"] * n),
            "region": [f"r{i}" for i in range(n)],
            "valid_to": valid_to,
        }
    )


def test_a_far_date_row_entering_the_window_leaves_the_other_ties_in_their_order():
    days = np.array([f"2030-01-{i + 1:02d}" for i in range(12)], dtype="datetime64[us]")
    alone = list(in_time_order(_tie(pd.Series(days)), "ts")["region"])
    late = pd.DataFrame(
        {
            "ts": [pd.Timestamp("2024-03-01")],
            "region": ["late"],
            "valid_to": pd.Series(np.array(["9999-12-31"], dtype="datetime64[us]")),
        }
    )
    joined = in_time_order(pd.concat([_tie(pd.Series(days)), late], ignore_index=True), "ts")
    assert [r for r in joined["region"] if r != "late"] == alone


@pytest.mark.parametrize("far", [False, True], ids=["in-range", "beyond-2262"])
def test_the_same_instants_order_the_same_in_every_unit_backend_and_zone(far):
    days = [f"{9000 if far else 2030}-01-{i + 1:02d} 10:00:{i:02d}" for i in range(10)] + [None]
    orders = {}
    for unit in ("s", "ms", "us") + (() if far else ("ns",)):
        values = np.array(days, dtype=f"datetime64[{unit}]")
        orders[f"numpy {unit}"] = pd.Series(values)
        for zone in (None, "UTC", "America/New_York", "Europe/Paris"):
            arrow = pa.array(values, type=pa.timestamp(unit, tz=zone))
            orders[f"arrow {unit} {zone}"] = pd.Series(pd.arrays.ArrowExtensionArray(arrow))
    if not far:
        orders["numpy ns tz"] = (
            pd.Series(np.array(days, dtype="datetime64[ns]"))
            .dt.tz_localize("UTC")
            .dt.tz_convert("Asia/Tokyo")
        )
    seen = {name: list(in_time_order(_tie(col), "ts")["region"]) for name, col in orders.items()}
    assert len({tuple(o) for o in seen.values()}) == 1, seen


def test_durations_hash_their_length_in_any_unit_and_backend():
    lengths = [np.timedelta64(i * 1_500, "ms") for i in range(8)] + [np.timedelta64("NaT", "ms")]
    cols = {
        "numpy ns": pd.Series(np.array(lengths, dtype="timedelta64[ns]")),
        "numpy ms": pd.Series(np.array(lengths, dtype="timedelta64[ms]")),
        "arrow us": pd.Series(
            pd.arrays.ArrowExtensionArray(pa.array(np.array(lengths, dtype="timedelta64[us]")))
        ),
    }
    orders = {name: list(in_time_order(_tie(col), "ts")["region"]) for name, col in cols.items()}
    assert len({tuple(o) for o in orders.values()}) == 1, orders
