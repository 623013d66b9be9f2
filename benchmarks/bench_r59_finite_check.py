"""Wall time of ``ctloop.contract.check_finite`` on text columns of numbers (a Parquet string column of
amounts, read as objects), as prepare_data and ``ctloop backtest`` run it. Round 59 matched every such column
with a regex and parsed it whole with ``pd.to_numeric`` to find number text past float64's range (review 59
M3: 1e6 rows, two columns, 0.009 s -> 5.87 s); the fix parses only text with an exponent or longer than 308
characters, and matches the whole column only when one such value is past the range.

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
