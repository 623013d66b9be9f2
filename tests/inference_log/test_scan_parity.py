"""The streamed reader (:func:`scan.scan_window`) returns exactly the rows of :func:`reader.read_log`,
also for the half-row layouts that :func:`reader.merge_halves` must see whole.

Before: the scan held aside only the rows whose ``(request_id, instance)`` repeated, so for a
request of 3 instances and a response of 2 written by different replicas it held 2+2 rows (the
third request row looked unique and went straight out), and ``merge_halves`` saw equal counts and
stitched them: 2 served rows where ``read_log`` (which sees all 5 rows) gives the request's 3 rows
and no prediction. Now every row of a ``request_id`` with a repeated key is held aside.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from ctloop.inference_log import reader, scan
from tests.inference_log.test_reader_halves import half, requests, responses

DAY = "2026-01-05"
START, END = pd.Timestamp(f"{DAY}T00:00:00Z"), pd.Timestamp(f"{DAY}T01:00:00Z")
COLUMNS = ["request_id", "instance", "time", "income", "prediction_1", "model_version", "revision",
           "has_request", "has_response"]


def t(ms: int) -> str:
    return f"{DAY}T00:30:00.{ms:03d}+00:00"


def complete(time: str, incomes: list[float], predictions: list[float], request_id: str) -> list[dict]:
    return [half("complete", time, i, request_id, income=v, prediction_1=p)
            for i, (v, p) in enumerate(zip(incomes, predictions, strict=True))]


def layouts(rid: str) -> dict[str, list[list[dict]]]:
    """Adversarial layouts of one id's rows over sink replicas (each inner list: one replica's file)."""
    return {
        "count mismatch 3+2": [requests(t(0), [1, 2, 3], rid), responses(t(200), [.1, .2], rid)],
        "count mismatch 1+2": [requests(t(0), [1], rid), responses(t(200), [.1, .2], rid)],
        "stitched 2+2": [requests(t(0), [1, 2], rid), responses(t(200), [.1, .2], rid)],
        "id reused by two requests": [requests(t(0), [1], rid), responses(t(300), [.9], rid),
                                      requests(t(100), [2], rid), responses(t(200), [.1], rid)],
        "id reused, counts differ": [requests(t(0), [1, 2, 3], rid), responses(t(300), [.9, .8], rid),
                                     requests(t(100), [4, 5], rid), responses(t(200), [.1], rid)],
        "duplicate deliveries": [requests(t(0), [1, 2], rid), responses(t(200), [.1, .2], rid),
                                 requests(t(0), [1, 2], rid), responses(t(200), [.1, .2], rid)],
        "duplicate complete rows": [complete(t(0), [1, 2, 3], [.1, .2, .3], rid),
                                    complete(t(0), [1, 2, 3], [.1, .2, .3], rid)],
        "complete row plus its halves again": [complete(t(0), [1, 2], [.1, .2], rid), requests(t(0), [1, 2], rid),
                                               responses(t(200), [.1, .2], rid)],
        "complete row plus a second request's halves": [complete(t(0), [1, 2], [.1, .2], rid),
                                                        requests(t(100), [3, 4, 5], rid),
                                                        responses(t(200), [.3, .4], rid)],
        "complete row plus a retry with the same prediction": [complete(t(0), [1, 2], [.1, .2], rid),
                                                               requests(t(100), [1, 2], rid),
                                                               responses(t(200), [.1, .2], rid)],
        "complete 3 rows plus a 1-row response half": [complete(t(0), [1, 2, 3], [.1, .2, .3], rid),
                                                       responses(t(200), [.7], rid)],
        "request half only, repeated": [requests(t(0), [1, 2, 3], rid), requests(t(0), [1], rid)],
        "unique": [complete(t(0), [1, 2, 3], [.1, .2, .3], rid)],
    }


def write(root, files: list[list[dict]]) -> None:
    for n, rows in enumerate(files):
        if rows:
            path = root / "model=credit" / f"date={DAY}" / "revision=v2" / f"part-{n:04d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows, columns=[*COLUMNS[:3], "model", *COLUMNS[3:]]).to_parquet(path)


def rows(frame: pd.DataFrame) -> list[tuple]:
    if frame.empty:
        return []
    return sorted(tuple(str(v) for v in r) for r in frame.reindex(columns=COLUMNS).itertuples(index=False))


def both(root, **kw) -> tuple[list, list]:
    expected = reader.read_log(str(root), "credit", START, END)
    got = list(scan.scan_window(str(root), "credit", START, END, progress=False, **kw))
    return rows(expected), rows(pd.concat(got, ignore_index=True) if got else pd.DataFrame())


@pytest.mark.parametrize("name", list(layouts("r")))
def test_each_layout_alone(tmp_path, name):
    write(tmp_path, layouts("r")[name])
    expected, got = both(tmp_path)
    assert got == expected
    if name == "count mismatch 3+2":  # the case that diverged: no prediction, the request's 3 rows
        assert len(expected) == 3 and all(r[COLUMNS.index("prediction_1")] == "nan" for r in expected)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Many ids, each in one of the layouts, their files shuffled over replicas and split into
    files of a few rows (a file boundary can fall inside one id's rows): the log's root and
    :func:`reader.read_log`'s rows of it. Written and read once for both key budgets (the scan
    only reads the log; it spills to its own temporary directory)."""
    rng = random.Random(7)
    names = list(layouts("x"))
    files: list[list[dict]] = []
    for i in range(120):
        for part in layouts(f"id{i}")[names[i % len(names)]]:
            files.append(part)
    rng.shuffle(files)
    flat = [row for f in files for row in f]
    chunks, at = [], 0
    while at < len(flat):
        n = rng.randint(1, 9)
        chunks.append(flat[at:at + n])
        at += n
    root = tmp_path_factory.mktemp("mixed")
    write(root, chunks)
    return root, rows(reader.read_log(str(root), "credit", START, END))


@pytest.mark.parametrize("budget", [10**9, 7])
def test_every_layout_mixed_over_replicas_and_spilled(mixed, budget):
    """The mixed log (:func:`mixed`) scanned with the key count spilled to disk after ``budget``
    keys gives read_log's rows."""
    root, expected = mixed
    got = list(scan.scan_window(str(root), "credit", START, END, progress=False, batch_rows=4, key_budget=budget))
    assert rows(pd.concat(got, ignore_index=True)) == expected
    assert len(expected) > 300
