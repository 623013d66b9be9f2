"""A batch scoring run whose inference-log write fails after the output's first chunk: before round 49
only a ctloop DataError undid the attempt, so an error of another kind (a raw OSError from a store's
client, "No space left on device") left output chunk k written without its logged rows — scores
delivered that monitoring and the label join never see, unless someone retried with the same run
id. Now any failure removes the attempt's chunk files, log files and run record (the output and the
log stay consistent), and when the store cannot remove them the error says what is left and that a
retry with the run id replaces them. An interrupt (Ctrl-C, SIGTERM) still leaves them for that retry."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import scoring, storage


@pytest.fixture(scope="module")
def scorer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    model = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    return scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(1)
    pq.write_table(pa.table({"a": rng.normal(size=10), "b": rng.normal(size=10)}), tmp_path / "in.parquet")
    return tmp_path


def _failing_log_writes(monkeypatch, after: int, error: BaseException) -> None:
    """A double of a log store that takes ``after`` chunk files, then fails (its client's own error)."""
    real, seen = storage.write_bytes, []

    def write_bytes(uri, payload, content_type=None):
        if "/logs/model=" in uri:
            seen.append(uri)
            if len(seen) > after:
                raise error
        return real(uri, payload, content_type)

    monkeypatch.setattr(storage, "write_bytes", write_bytes)


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def _score(scorer, root):
    return scoring.score(scorer, str(root / "in.parquet"), str(root / "out"), run_id="r1",
                         log_root=str(root / "logs"), batch_rows=4)


def test_a_log_write_failing_leaves_no_scored_rows_without_their_log(scorer, data, monkeypatch):
    _failing_log_writes(monkeypatch, 1, OSError(28, "No space left on device"))
    with pytest.raises(OSError, match="No space left on device"):
        _score(scorer, data)
    assert _files(data) == ["in.parquet"]  # chunk 0 and 1 of the output, chunk 0 of the log: removed
    assert not list((data / "logs").rglob("_batch_runs/**/*.json"))
    monkeypatch.undo()
    result = _score(scorer, data)  # a rerun scores the whole input again
    assert result.rows == result.logged_rows == 10 and len(_files(data / "out")) == 3


def test_what_the_store_cannot_remove_is_named_with_the_retry(scorer, data, monkeypatch):
    _failing_log_writes(monkeypatch, 1, OSError(5, "Input/output error"))
    monkeypatch.setattr(storage, "delete", lambda uri: (_ for _ in ()).throw(OSError(5, "Input/output error")))
    with pytest.raises(OSError) as err:
        _score(scorer, data)
    note = " ".join(getattr(err.value, "__notes__", []))
    assert "could not remove" in note and "part-r1-00000.parquet" in note
    assert "a retry with run id 'r1' replaces them" in note


def test_an_interrupt_leaves_the_chunks_for_a_retry_to_replace(scorer, data, monkeypatch):
    _failing_log_writes(monkeypatch, 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        _score(scorer, data)
    assert "out/part-r1-00001.parquet" in _files(data)
    monkeypatch.undo()
    result = _score(scorer, data)
    assert result.rows == result.logged_rows == 10
    assert len(_files(data / "out")) == 3 and len(_files(data / "logs")) == 3
