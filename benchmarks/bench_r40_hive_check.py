"""Wall time of the hive-column check (``ctloop.storage.check_hive_columns``, run by the dataset
reader on every source with ``key=value`` directories) on a filesystem with a round trip per open,
as an object store has. Round 39 left it reading every file's schema (a CSV file's first block)
one after the other; round 40 reads ``storage.HIVE_CHECK_READS`` (16) at a time off a filesystem
that is not local. Side by side in one run: the same check with ``HIVE_CHECK_READS = 1`` (one
after the other, as before) and with 16, over the same files behind the same latency (a
``pyarrow.fs.PyFileSystem`` over local files sleeping ``--latency-ms`` per open).

    .venv/bin/python benchmarks/bench_r40_hive_check.py                      # 400 files, 30 ms
    .venv/bin/python benchmarks/bench_r40_hive_check.py --files 1000 --latency-ms 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures
from _common import machine, save, table  # noqa: E402


def _latency_fs(seconds: float):
    import pyarrow.fs as pafs

    from tests.fixtures.local_fs import LocalFiles

    class Slow(LocalFiles):
        """Local files; every open waits ``seconds`` first (an object store's round trip)."""

        def on_open(self, path):
            time.sleep(seconds)

    return pafs.PyFileSystem(Slow())


def main() -> None:
    import pyarrow.dataset as pads

    from ctloop import storage

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(args.files):
            path = Path(tmp) / f"date=2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}" / f"part-{i:05d}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x,c\n" + "".join(f"{j * 0.5},{'ab'[j % 2]}\n" for j in range(50)))
            paths.append(str(path))
        for reads in (1, storage.HIVE_CHECK_READS):
            dataset = pads.dataset(paths, format="csv", filesystem=_latency_fs(args.latency_ms / 1000),
                                   partitioning=pads.partitioning(flavor="hive"), partition_base_dir=tmp)
            before, storage.HIVE_CHECK_READS = storage.HIVE_CHECK_READS, reads
            try:
                started = time.monotonic()
                storage.check_hive_columns(tmp, dataset, ["date"])
                seconds = time.monotonic() - started
            finally:
                storage.HIVE_CHECK_READS = before
            rows.append({"files": args.files, "latency_ms": args.latency_ms, "reads_at_a_time": reads,
                         "seconds": round(seconds, 2)})
    rows[1]["speedup"] = round(rows[0]["seconds"] / rows[1]["seconds"], 1)
    print(table(rows, ["files", "latency_ms", "reads_at_a_time", "seconds", "speedup"]))
    save("bench_r40_hive_check", {"machine": machine(), "rows": rows})


if __name__ == "__main__":
    main()
