"""Wall time of pairing the events of sequential calls a client sent under one fixed ``Ce-Id``
(``ctloop.inference_log.sink._pair_by_time``, run inside ``Sink.flush`` on the event loop: no POST
is answered meanwhile). Before (merge aff76892) the rule ran round by round, every waiting
response against every request with the time parsed again each time: cubic. After (round 55
review fix), each event's key is computed once and one sorted sweep pairs them. Side by side in one
run over the same events: ``before`` (that rule, kept in the test that checks the sweep against it) and ``after`` (the sink's). ``before``
runs only up to ``--before-max`` calls (400 calls took about a minute on the 2-core CI box).

    .venv/bin/python benchmarks/bench_r55_pair_by_time.py                  # 100 400 2000 calls
    .venv/bin/python benchmarks/bench_r55_pair_by_time.py 100 1000 --before-max 100
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.inference_log
from _common import machine, save, table  # noqa: E402


def _events(n: int):
    """``n`` sequential calls 10 ms apart under one Ce-Id, as KServe v0.20.0's agent sends them
    (binary mode, every extension attribute, ``ce-time`` its RFC3339Nano UTC stamp), the responses
    in a shuffled order."""
    from ctloop.inference_log.events import parse_event
    from tests.inference_log.support import kserve_headers

    def event(kind: str, ms: int):
        at = f"2026-12-05T{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"
        body = {"instances": [[1.0]]} if kind == "request" else {"predictions": [1]}
        return parse_event(kserve_headers(kind, "session-7", at), json.dumps(body).encode())

    requests = [event("request", 10 * i) for i in range(n)]
    responses = [event("response", 10 * i + 5) for i in range(n)]
    random.Random(n).shuffle(responses)
    return requests, responses


def main() -> None:
    from ctloop.inference_log.sink import _pair_by_time
    from tests.inference_log.test_r55_inflog_review import (
        _round_by_round,  # the rule as merged in aff76892
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="*", type=int, default=[100, 400, 2000])
    parser.add_argument(
        "--before-max", type=int, default=400, help="largest call count the old rule runs"
    )
    args = parser.parse_args()
    rows = []
    for n in args.calls:
        requests, responses = _events(n)
        row = {"calls": n}
        for name, rule in (("before", _round_by_round), ("after", _pair_by_time)):
            if name == "before" and n > args.before_max:
                continue
            started = time.perf_counter()
            pairs = rule(requests, responses)
            row[f"{name}_s"] = round(time.perf_counter() - started, 4)
            row[f"{name}_pairs"] = len(pairs)
        rows.append(row)
        print(
            table([row], ["calls", "before_s", "before_pairs", "after_s", "after_pairs"]),
            flush=True,
        )
    print(table(rows, ["calls", "before_s", "before_pairs", "after_s", "after_pairs"]))
    save("bench_r55_pair_by_time", {"machine": machine(), "rows": rows})


if __name__ == "__main__":
    main()
