"""The streamed scan's reader thread on an error it did not expect, and ``--batch-rows`` past
what pyarrow takes.

``Source.batches`` decodes in a reader thread that hands batches over a queue; it passed on only
Arrow and OS errors (and :class:`CsvTypeChanged`). Anything else ended the thread with a traceback
on stderr while the consumer waited for the next batch for ever: ``ctloop drift --engine stream
--batch-rows 99999999999999999999`` printed pyarrow's ``OverflowError: Python int too large to
convert to C long`` from the thread ``ctloop-scan`` and then hung. Such an error now reaches the
consumer (it is raised there), and a batch size beyond pyarrow's int64 is refused naming
``--batch-rows``.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.drift import streaming

WAIT_S = 60  # a generous bound on a scan of 100 rows: past it the scan is hung


def _drain(source: streaming.Source, **kwargs) -> dict:
    """Consume ``source.batches`` in a thread; what happened, or ``hung``."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["rows"] = sum(batch.num_rows for batch, _, _ in source.batches(**kwargs))
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(WAIT_S)
    outcome["hung"] = worker.is_alive()
    return outcome


@pytest.fixture
def table(tmp_path):
    pd.DataFrame({"x": np.arange(100.0)}).to_parquet(tmp_path / "t.parquet")
    return str(tmp_path / "t.parquet")


def test_an_unexpected_error_of_the_reader_reaches_the_consumer(table, monkeypatch):
    def broken(self, fragment, **scan):
        raise RuntimeError("decoder broke")
        yield  # pragma: no cover - a generator, as the real one

    monkeypatch.setattr(streaming.Source, "_file_batches", broken)
    outcome = _drain(streaming.open_source(table))
    assert not outcome["hung"]
    assert isinstance(outcome.get("error"), RuntimeError) and "decoder broke" in str(outcome["error"])


def test_a_batch_size_beyond_int64_is_refused_not_hung(table, tmp_path, capsys):
    outcome = _drain(streaming.open_source(table), batch_rows=2**64)
    assert not outcome["hung"]
    assert "batch_rows" in str(outcome.get("error"))
    code = main(["drift", "--reference", table, "--current", table, "--engine", "stream", "--quiet",
                 "--no-report", "--batch-rows", str(2**64)])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "--batch-rows" in line and str(2**64) in line
