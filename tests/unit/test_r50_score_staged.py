"""A retry of a finished batch scoring run in other chunks (another ``batch_rows``) that fails left
the output and the log mixed until a retry finished (docs/batch-scoring.md, "one limit remains"):
the retry rewrote chunk 0 with other rows than the first attempt's chunk 0, so rows were missing or
there twice. Each attempt now writes its chunks under ``<directory>/_staging/<run id>/`` (scratch:
read by no reader) and publishes them only when every chunk is written (``scoring._publish``: the
earlier attempt's files set aside, the new ones moved in, a failure putting the earlier ones back).
Also (review 50 H4 item 2): a retry whose CSV changed type far down (``CsvTypeChanged``), or held a
value the model refuses, removed the finished earlier attempt, while a page failing to read kept
it: every failed attempt now keeps what was published.

The failing store is the local backend with its disk failing under it (``_write_durably``,
``os.replace``), as tests/unit/test_fix49a_score_retry_failure.py makes it fail."""

from __future__ import annotations

import errno
import os

import pytest

from ctloop import scoring
from ctloop.errors import CsvTypeChanged, DataSourceError
from tests.helpers import late_change_csv
from tests.unit import test_fix49a_score_retry_failure as retry_failure
from tests.unit.test_fix49a_score_retry_failure import SCORED_AT, _disk_full, _files, _rows, _score

scorer, root = retry_failure.scorer, retry_failure.root  # its fixtures: a model, a 10-row input
IDS = sorted(f"o-{i}" for i in range(10))


@pytest.mark.parametrize("failing", ["out", "logs"])
def test_a_retry_in_other_chunks_whose_write_fails_leaves_the_finished_attempt(
    scorer, root, monkeypatch, failing
):
    _score(scorer, root, batch_rows=4)  # chunks of rows 0-3, 4-7, 8-9, logged, and the run record
    before = _files(root)
    # the retry, in chunks of 3 rows, writes chunk 0, then chunk 1 fails
    _disk_full(monkeypatch, failing, 1)
    with pytest.raises(DataSourceError, match="No space left on device"):
        _score(scorer, root, batch_rows=3)
    # on main: chunk 0 held rows 0-2 and chunk 1 rows 4-7: 'o-3' was in neither
    assert _files(root) == before
    assert _rows(root, "out") == _rows(root, "logs") == IDS
    monkeypatch.undo()
    again = _score(scorer, root, batch_rows=3)
    assert (again.chunks, again.stale_files) == (4, 0)
    assert _rows(root, "out") == _rows(root, "logs") == IDS
    assert len(_files(root)) == 4 + 4 + 1  # nothing set aside or staged is left


def _replace_fails(monkeypatch, after: int) -> list[str]:
    """``os.replace`` of a staged file into its published place fails (EIO) after ``after`` such moves."""
    real, moved = os.replace, []

    def replace(src, dst, *args, **kwargs):
        staged = "_staging" in str(src) and "/earlier/" not in str(src)
        if staged and "_staging" not in str(dst):
            moved.append(str(dst))
            if len(moved) > after:
                raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return moved


def test_a_publish_failing_part_way_puts_the_earlier_attempt_back(scorer, root, monkeypatch):
    _score(scorer, root, batch_rows=4)
    before = _files(root)
    moved = _replace_fails(monkeypatch, 3)  # 3 of the retry's 8 files in place, then the disk fails
    with pytest.raises(DataSourceError, match="Input/output error"):
        _score(scorer, root, batch_rows=3)
    assert len(moved) == 4
    assert _files(root) == before  # nothing of the failed attempt, the earlier one whole


def test_an_interrupted_retry_leaves_the_published_run(scorer, root):
    _score(scorer, root, batch_rows=4)
    before = _files(root)

    def interrupt(progress):
        if progress.chunks == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scoring.score(scorer, str(root / "in.parquet"), str(root / "out"), run_id="r1",
                      id_column="id", log_root=str(root / "logs"), batch_rows=3,
                      scored_at=SCORED_AT, progress=interrupt)  # fmt: skip
    # on main: chunks 0 and 1 rewritten in 3-row chunks, 'o-3' lost
    assert {k: v for k, v in _files(root).items() if "_staging" not in k} == before
    # 2 staged chunks and their logged rows, read by no reader, until the next attempt
    assert len(_files(root)) == len(before) + 4
    assert _score(scorer, root, batch_rows=3).rows == 10
    assert len(_files(root)) == 4 + 4 + 1 and _rows(root, "out") == _rows(root, "logs") == IDS


def test_a_retry_whose_csv_changes_type_late_keeps_the_finished_attempt(tmp_path):
    """Review 50 H4 item 2: a damaged page kept the earlier attempt, a CSV's late type change removed it."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    x = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0) % 7})
    model = LogisticRegression().fit(x, x.x > 50)
    xy = scoring.Scorer(model, "credit", "3", "champion", ["x", "y"], ["x", "y"])
    path = tmp_path / "in.csv"
    late_change_csv(path, 80_000, "x", "abc")  # past pyarrow's first block: found while scoring
    bad = path.read_bytes()
    path.write_bytes(bad.replace(b",abc,", b",7,"))
    kw = dict(run_id="r1", id_column="", log_root=str(tmp_path / "logs"), scored_at=SCORED_AT)
    scoring.score(xy, str(path), str(tmp_path / "out"), batch_rows=40_000, **kw)  # logged, recorded
    before = _files(tmp_path)
    del before["in.csv"]
    path.write_bytes(bad)  # rewritten in place since: the same file, its column 'x' text far down
    with pytest.raises(CsvTypeChanged) as err:
        scoring.score(xy, str(path), str(tmp_path / "out"), batch_rows=30_000, **kw)
    assert str(err.value).endswith("(the output keeps the earlier attempt of run 'r1' as it was)")
    after = _files(tmp_path)
    del after["in.csv"]
    assert after == before  # on main: none of the 7 files left
