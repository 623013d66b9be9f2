"""Wall time of the repeated-CSV-header check's two column tests (round 60, ``ctloop.storage``), side by side with
what they replaced, on text columns of ``--rows`` values: ``_header_cell`` (one ``isin`` of the name and the name
after a BOM, where the first version made every value a string again and dropped a BOM from each) and
``_made_text`` (a column's first 100 values read as numbers or dates first, where the first version read every
value). tests/unit/test_r60_fixuns_header_line.py asserts what runs; this measures it.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_r60_header_check.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save, table  # noqa: E402


def _best(fn, repeat: int = 3) -> float:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        took.append(time.perf_counter() - start)
    return min(took)


def main() -> None:
    import numpy as np
    import pandas as pd

    from ctloop import storage

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    words = pd.Series(rng.choice(["red", "blue", "color", "\ufeffcolor"], args.rows).astype(object))
    frame = pd.DataFrame({"color": rng.choice(["red", "blue"], args.rows).astype(object)})
    keep = np.ones(args.rows, dtype=bool)
    rows = [
        ("_header_cell, a text column", _best(lambda: words.astype(str).str.removeprefix("\ufeff").eq("color")),
         _best(lambda: storage._header_cell(words, "color", False))),
        ("_made_text, a column of words", _best(lambda: storage._numbers_or_dates(frame["color"][keep].dropna())),
         _best(lambda: storage._made_text(frame, keep, ["color"], {}))),
    ]
    out = [{"test": name, "rows": args.rows, "before s": round(before, 4), "after s": round(after, 4),
            "before / after": round(before / after, 1) if after else None} for name, before, after in rows]
    print(table(out, list(out[0])))
    save("r60_header_check", {"rows": out})


if __name__ == "__main__":
    main()
