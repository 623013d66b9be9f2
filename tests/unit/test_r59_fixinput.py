"""Review fixes for round 59's hostile input (H1, H2, M1-M4, L1-L4): a retry running out of memory keeps the
finished run's files, number text the finite check cannot read as a number stays text, an unnamed column that
is only an index or empty is dropped with a note, and the readers' memory refusals wrap only the reading."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import DataSourceError

OOM = "does not fit in this process's memory"


def test_a_retry_running_out_of_memory_keeps_the_finished_runs_files(tmp_path, monkeypatch):
    """H1: memory_said sat inside the try whose handler undoes the attempt, so a MemoryError reached it as a
    DataSourceError (the input refused) and the undo removed the first, finished attempt's chunks, logged chunks
    and batch-run record too (review 49 2A's data loss); a store failing under the attempt undoes its files only."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from ctloop import scoring, storage

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    model = LogisticRegression().fit(frame, (frame.a > 0).astype(int))
    scorer = scoring.Scorer(model, "credit", "3", "champion", ["a", "b"], ["a", "b"])
    frame.to_parquet(tmp_path / "in.parquet")
    out, log = tmp_path / "out", tmp_path / "log"
    scoring.score(scorer, str(tmp_path / "in.parquet"), str(out), run_id="r", batch_rows=20, log_root=str(log))

    def files():
        return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()
                      and p.name != "in.parquet")

    before = files()
    assert any("_batch_runs" in f for f in before) and len([f for f in before if f.startswith("out/")]) == 5, before
    plain, calls = storage.plain_missing, []

    def third_call_out_of_memory(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError
        return plain(*args, **kwargs)

    monkeypatch.setattr(storage, "plain_missing", third_call_out_of_memory)
    with pytest.raises(DataSourceError, match=OOM):
        scoring.score(scorer, str(tmp_path / "in.parquet"), str(out), run_id="r", batch_rows=20, log_root=str(log))
    assert files() == before
