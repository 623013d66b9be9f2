"""What reading a CSV's floats exactly costs: pandas' default float parser vs ``round_trip``.

``ctloop.storage.read_table`` reads CSV training data with pandas; batch scoring reads CSV with
pyarrow, serving gets JSON. pandas' default C float parser ("high") misreads about a third of the
17-significant-digit values ``to_csv`` writes by one ulp, so a model was trained on other numbers
than it scored; ``storage.FLOATS = "round_trip"`` reads them exactly. Measured side by side in one
process on the same bytes (normal floats, 20 columns), median of 3 runs each:

* ``default``: ``pd.read_csv`` as ctloop read CSVs before;
* ``round_trip``: ``pd.read_csv(float_precision="round_trip")``, what ``read_table`` does now;
* ``read_table``: the whole ``ctloop.storage.read_table`` of the file (type checks included);
* ``pyarrow``: ``pyarrow.csv.read_csv`` (batch scoring's reader), for scale;
* ``misread``: values of the default parser that differ from what was written;
* ``read_table_rss_mib``: peak RSS of ``read_table`` of the file in a fresh process, over the process
  after its imports (round 50: the file's bytes are no longer held beside the table; 200,000 rows,
  75 MiB: 234.8 MiB before, 150.5 MiB after, on 2026-12-06).

    python benchmarks/bench_csv_read.py [ROWS ...]      # default 20000 200000

Prints a table, writes ``results/csv_read.json``.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import median_seconds, save, sizes_from_argv, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


_PEAK = """
import resource, sys
from ctloop.storage import read_table
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
read_table(sys.argv[1])
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def peak_rss_mib(path: Path) -> float:
    """Peak RSS (MiB) of ``read_table(path)`` in a fresh process, over that process after its imports."""
    done = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True)
    return round(float(done.stdout.strip()), 1)


def measure(rows: int, columns: int = 20) -> dict:
    import numpy as np
    import pandas as pd
    import pyarrow.csv as pacsv

    from ctloop.storage import FLOATS, read_table

    values = np.random.default_rng(0).normal(size=(rows, columns))
    raw = pd.DataFrame(values, columns=[f"x{i}" for i in range(columns)]).to_csv(index=False).encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_bytes(raw)
        default = median_seconds(lambda: pd.read_csv(io.BytesIO(raw)), 3)
        exact = median_seconds(lambda: pd.read_csv(io.BytesIO(raw), float_precision=FLOATS), 3)
        whole = median_seconds(lambda: read_table(str(path)), 3)
        arrow = median_seconds(lambda: pacsv.read_csv(io.BytesIO(raw)), 3)
        misread = int((pd.read_csv(io.BytesIO(raw)).to_numpy() != values).sum())
        exact_misread = int((read_table(str(path)).to_numpy() != values).sum())
        rss = peak_rss_mib(path)
    return {"rows": rows, "columns": columns, "mib": round(len(raw) / 2**20, 1), "default_s": default,
            "round_trip_s": exact, "read_table_s": whole, "pyarrow_s": arrow,
            "round_trip_vs_default": exact / default, "misread": misread,
            "misread_share": misread / values.size, "read_table_misread": exact_misread,
            "read_table_rss_mib": rss}


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [20000, 200000]
    rows = [measure(n) for n in sizes]
    print(table(rows, ["rows", "columns", "mib", "default_s", "round_trip_s", "read_table_s", "pyarrow_s",
                       "round_trip_vs_default", "misread", "misread_share", "read_table_misread",
                       "read_table_rss_mib"]))
    print(f"wrote {save('csv_read', {'rows': rows})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main([str(n) for n in sizes_from_argv(__doc__, [20000, 200000])]))
