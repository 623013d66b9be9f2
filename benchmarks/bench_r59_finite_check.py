"""Wall time of ``ctloop.contract.check_finite`` on text columns of numbers (a Parquet string column of
amounts, read as objects), as prepare_data and ``ctloop backtest`` run it. Round 59 matched every such column
with a regex and parsed it whole with ``pd.to_numeric`` to find number text past float64's range (review 59
M3: 1e6 rows, two columns, 0.009 s -> 5.87 s); the fix parses only text with an exponent or longer than 308
characters, and matches the whole column only when one such value is past the range.

Round 60 added integers past 64 bits in a CSV's text column of numbers; review 60 M2: a column of a million
20-digit ids was matched, split and parsed value by value before it was told an id column (0.44 s -> 4.1 s);
the fix tells it by the share of long texts first. The CSV cases below are marked as ``read_table`` marks a
CSV's frame (``attrs[TABLE_FORMAT]``), which that check reads.

Run it once per implementation, e.g. a checkout of the commit before the fix and one after (each from its
own directory):

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_r59_finite_check.py --label before
    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_r59_finite_check.py --label after
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save, table  # noqa: E402


def main() -> None:
    import numpy as np
    import pandas as pd

    from ctloop.contract import check_finite
    from ctloop.errors import DataValidationError
    from ctloop.storage import TABLE_FORMAT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    plain = [f"{v:.2f}" for v in rng.normal(1000, 300, args.rows)]
    counts = [str(v) for v in rng.integers(0, 10_000, args.rows)]
    exponents = [f"{v:.3e}" for v in rng.normal(1000, 300, args.rows)]
    cases = {
        "plain numbers (2 columns)": pd.DataFrame({"amount": plain, "count": counts}),
        "exponents everywhere (2 columns)": pd.DataFrame({"amount": exponents, "count": counts}),
        "one 1e999 (refused)": pd.DataFrame({"amount": [*plain[:-1], "1e999"], "count": counts}),
    }
    ids = [str(v) for v in rng.integers(10**18, 9 * 10**18, args.rows)]
    csv_cases = {  # review 60 M2: read as text by pandas; a CSV's frame
        "CSV: 20-digit ids (1 column)": pd.DataFrame({"id": ["1" + v for v in ids]}),
        "CSV: ICCIDs, 19/20 digits, half past 2**64": pd.DataFrame({"id": [("1" + v) if i % 2 else v
                                                                            for i, v in enumerate(ids)]}),
        "CSV: one 1e25 among counts (refused)": pd.DataFrame({"count": [*counts[:-1], "1" + "0" * 25]}),
    }
    for frame in csv_cases.values():
        frame.attrs[TABLE_FORMAT] = "csv"
    cases.update(csv_cases)
    rows = []
    for name, frame in cases.items():
        started = time.perf_counter()
        try:
            check_finite(frame)
            said = "passed"
        except DataValidationError:
            said = "refused"
        rows.append({"case": name, "rows": args.rows, "seconds": round(time.perf_counter() - started, 3),
                     "result": said, "ctloop": str(Path(sys.modules["ctloop"].__file__).parent)})
    print(table(rows, ["case", "rows", "seconds", "result", "ctloop"]))
    print(save(f"r59_finite_check{'_' + args.label if args.label else ''}", {"rows": rows}))


if __name__ == "__main__":
    main()
