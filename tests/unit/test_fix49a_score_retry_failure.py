"""A retry of a finished batch scoring run (same run id: a KFP retry of the scoring step) whose store
fails: round 49 made any failure undo the attempt, and for a retry the undo also removed every chunk
of the run id, its logged rows and its run record, so a transient write failure deleted the finished,
acknowledged first attempt (review 49 A1: 9 files before the retry, none after). A failure that is
not the input's refusal now removes only the files this attempt created; the first attempt's stay
(rewritten with the same rows, or not reached). A refused input still leaves nothing of the run
(tests/unit/test_scoring.py), and a first attempt whose log write fails still leaves no scored row
without its logged one.

The failing store is the local backend itself, its disk failing under it (``_write_durably``, where
``storage._Local.write`` meets the disk): the error is the backend's own, a ``DataSourceError``
("cannot write ...: No space left on device"), as every backend wraps a failed write."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import scoring, storage
from ctloop.errors import DataSourceError

SCORED_AT = pd.Timestamp("2026-12-01T03:00:00Z").to_pydatetime()


@pytest.fixture(scope="module")
def scorer():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(200, 2)), columns=["a", "b"])
    model = LogisticRegression().fit(x, (x.a > 0).astype(int))
    return scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])


@pytest.fixture
def root(tmp_path):
    rng = np.random.default_rng(1)
    pq.write_table(pa.table({"id": [f"o-{i}" for i in range(10)], "a": rng.normal(size=10),
                             "b": rng.normal(size=10)}), tmp_path / "in.parquet")
    return tmp_path


def _score(scorer, root, batch_rows=4):
    return scoring.score(scorer, str(root / "in.parquet"), str(root / "out"), run_id="r1", id_column="id",
                         log_root=str(root / "logs"), batch_rows=batch_rows, scored_at=SCORED_AT)


def _files(root) -> dict[str, bytes]:
    """The run's files (output chunks, logged chunks, run record) and their bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "in.parquet" and "_schema" not in p.parts}


def _disk_full(monkeypatch, directory: str, after: int) -> None:
    """The disk under ``directory`` fills after ``after`` more files: the local backend's write
    (``storage._Local.write``) meets ENOSPC and wraps it, as it does on a full disk."""
    real, seen = storage._write_durably, []

    def write_durably(path: Path, data: bytes) -> None:
        if path.parent.name == directory or directory in path.parent.parts:
            seen.append(path)
            if len(seen) > after:
                raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(storage, "_write_durably", write_durably)


def _rows(root, where: str) -> list[str]:
    files = sorted((root / where).rglob("part-*.parquet"))
    column = "id" if where == "out" else "request_id"
    return sorted(i for f in files for i in pq.read_table(f).column(column).to_pylist())


@pytest.mark.parametrize("failing", ["out", "logs"])
def test_a_retry_whose_store_fails_keeps_the_finished_attempt(scorer, root, monkeypatch, failing):
    _score(scorer, root)  # 3 chunks, logged, and the run record
    before = _files(root)
    assert len(before) == 7
    _disk_full(monkeypatch, failing, 1)  # the retry rewrites chunk 0, then its chunk 1 cannot be written
    with pytest.raises(DataSourceError, match="No space left on device"):
        _score(scorer, root)
    assert _files(root).keys() == before.keys()  # before: none left (the earlier attempt's removed too)
    ids = [f"o-{i}" for i in range(10)]
    assert _rows(root, "out") == _rows(root, "logs") == sorted(ids)
    monkeypatch.undo()
    assert _score(scorer, root).rows == 10 and _files(root).keys() == before.keys()


def test_a_retry_in_more_chunks_removes_only_the_chunks_it_created(scorer, root, monkeypatch):
    _score(scorer, root, batch_rows=5)  # 2 chunks
    before = _files(root)
    _disk_full(monkeypatch, "logs", 3)  # the retry writes chunks 0, 1, 2 of 5; chunk 3's logged rows fail
    with pytest.raises(DataSourceError, match="No space left on device"):
        _score(scorer, root, batch_rows=2)
    assert _files(root).keys() == before.keys()  # chunks 2 and 3 (new): removed; 0, 1 and the record kept


def test_a_first_attempt_whose_log_write_fails_leaves_no_unlogged_rows(scorer, root, monkeypatch):
    """Round 49's motivation, with the backend's own error: the first attempt's output chunks go too."""
    _disk_full(monkeypatch, "logs", 1)
    with pytest.raises(DataSourceError, match="No space left on device"):
        _score(scorer, root)
    assert _files(root) == {}
