"""Peak memory of ``prepare_data``'s core over the table it prepares.

``ctloop.storage.TABLE_WORK_FACTOR`` says preparing a table took 4.5x its size (round 50: 809 MiB RSS
over 105 MiB at import for a 156 MiB table). This measures it, in a fresh process per size (so that
``ru_maxrss`` is the step's own peak), for the synthetic credit table as CSV:

* ``table_mib``: the table's memory as ``read_table`` returns it (``storage._table_bytes``);
* ``read_mib``: peak RSS of ``read_table`` over the process's resident set after its imports (VmRSS:
  not their peak, which the read may stay under);
* ``prepare_mib``: peak RSS of ``read_table`` + ``components.prepare.core.run`` over the same;
* ``x_table``: ``prepare_mib / table_mib``;
* ``digest``: the prepared window's digest (the same before and after a change: no output byte moved).

    python benchmarks/bench_prepare_memory.py [ROWS ...]      # default 200000 1000000

Prints a table, writes ``results/prepare_memory.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import save, sizes_from_argv, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

_CHILD = """
import json, resource, sys
import pandas as pd
from ctloop.components.prepare import core
from ctloop.config import DataConfig
from ctloop.storage import _table_bytes, read_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, credit_contract

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def now():  # the resident set now (VmRSS), not the imports' peak
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024

before = now()
frame = read_table(sys.argv[1])
read = rss() - before
size = _table_bytes(frame) / 2**20
cfg = DataConfig.from_dict({"uri": sys.argv[1], "target": CREDIT_TARGET, "time_column": CREDIT_TIME_COLUMN,
                            "contract": credit_contract(), "window": "365D"})
if sys.argv[2] == "prepare":
    prepared = core.run(frame, cfg)
    digest = prepared.digest
else:
    digest = ""
print(json.dumps({"table_mib": size, "read_mib": read, "peak_mib": rss() - before, "digest": digest}))
"""


def child(path: Path, what: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), what], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(rows: int) -> dict:
    from ctloop.synthetic import make_credit_data

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "credit.csv"
        make_credit_data(n_rows=rows, seed=11).to_csv(path, index=False)
        read = child(path, "read")
        prepared = child(path, "prepare")
        return {
            "rows": rows,
            "csv_mib": round(path.stat().st_size / 2**20, 1),
            "table_mib": round(read["table_mib"], 1),
            "read_mib": round(read["read_mib"], 1),
            "prepare_mib": round(prepared["peak_mib"], 1),
            "x_table": round(prepared["peak_mib"] / read["table_mib"], 2),
            "digest": prepared["digest"][:16],
        }


def main() -> None:
    rows = [measure(n) for n in sizes_from_argv(__doc__, [200_000, 1_000_000])]
    print(
        table(
            rows, ["rows", "csv_mib", "table_mib", "read_mib", "prepare_mib", "x_table", "digest"]
        )
    )
    print(f"wrote {save('prepare_memory', {'rows': rows})}")


if __name__ == "__main__":
    main()
