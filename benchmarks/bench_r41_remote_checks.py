"""What round 41's checks of a remote source cost: ``storage.refuse_unlistable`` (an object beside a
prefix of its name, a directory marker, a key with an empty segment '//') runs before the dataset
reader lists an S3/GCS/Azure source, one HEAD plus one SDK listing of the prefix. Side by side in one
run, on a real moto S3 server (server mode, its own process, on loopback): opening the same prefix
of ``--files`` CSV files and reading its rows, with the checks and with them replaced by a no-op,
alternating, ``--repeats`` times each; the medians and their ratio.

    .venv/bin/python benchmarks/bench_r41_remote_checks.py                  # 200 files, 5 repeats
    .venv/bin/python benchmarks/bench_r41_remote_checks.py --files 1000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures
from _common import machine, save, table  # noqa: E402


def main() -> None:
    import boto3

    from ctloop import storage
    from ctloop.drift import streaming
    from tests.fixtures.object_stores import moto_s3, s3_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, moto_s3(Path(tmp)) as url:
        os.environ.update(s3_env(url))
        client = boto3.client("s3", endpoint_url=url)
        client.create_bucket(Bucket="bench")
        for i in range(args.files):
            body = "x,c\n" + "".join(f"{j * 0.5},{'ab'[j % 2]}\n" for j in range(50))
            client.put_object(Bucket="bench", Key=f"d/part-{i:05d}.csv", Body=body.encode())
        source = "s3://bench/d"
        checks = storage.refuse_unlistable
        times: dict[str, list[float]] = {"with the checks": [], "without (round 40)": []}
        rows = 0
        for _ in range(args.repeats):
            for name in times:
                storage.refuse_unlistable = checks if name == "with the checks" else (lambda uri: None)
                start = time.perf_counter()
                rows = streaming.open_source(source).check_files().dataset.to_table().num_rows
                times[name].append(time.perf_counter() - start)
        storage.refuse_unlistable = checks
    medians = {name: statistics.median(t) for name, t in times.items()}
    base = medians["without (round 40)"]
    result = [{"variant": name, "files": args.files, "rows": rows, "median_s": round(m, 3),
               "ratio": round(m / base, 2)} for name, m in medians.items()]
    print(table(result, ["variant", "files", "rows", "median_s", "ratio"]))
    path = save("bench_r41_remote_checks", {"files": args.files, "repeats": args.repeats, "rows": result})
    print(f"wrote {path} ({machine()['cpus']} CPUs; medians of {args.repeats} alternating runs)")


if __name__ == "__main__":
    main()
