"""What a failed batch scoring run could not remove reaches the user (review 49 A2). Round 49 said it in
an exception note only: ``ctloop score`` prints ``str(exc)``, without notes, and a CSV's late type
change was raised again (``CsvTypeChanged.again``) without it; and the places an earlier attempt's
logged chunks and run record stay were named as the output's ("<output> (an earlier attempt's
chunks)"). The store that cannot delete is the local backend with its disk failing under
``os.unlink``, wrapped as the backend wraps it."""

from __future__ import annotations

import argparse
import errno
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from ctloop import scoring
from ctloop.cli import _message
from ctloop.errors import CsvTypeChanged, DataSourceError
from tests.helpers import late_change_csv

SCORED_AT = pd.Timestamp("2026-12-01T03:00:00Z").to_pydatetime()


def _unlink_fails(monkeypatch, where) -> None:
    """``os.unlink`` fails (EIO) for files whose path holds ``where``: the local backend's delete meets it."""
    real = os.unlink

    def unlink(path, *args, **kwargs):
        if where in str(path):
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)


def test_a_late_csv_type_change_keeps_the_note_and_the_cli_says_it(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    late_change_csv(tmp_path / "in" / "late.csv", 80_000, "x", "abc")  # past pyarrow's first block: found scoring it
    lines = (tmp_path / "in" / "late.csv").read_text().splitlines(keepends=True)
    (tmp_path / "in" / "a.csv").write_text("".join(lines[:101]))  # scored and written first: chunk 0
    x = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0) % 7})
    scorer = scoring.Scorer(LogisticRegression().fit(x, x.x > 50), "credit", "3", "champion", ["x", "y"], ["x", "y"])
    _unlink_fails(monkeypatch, "/out/")
    with pytest.raises(CsvTypeChanged) as err:
        scoring.score(scorer, str(tmp_path / "in"), str(tmp_path / "out"), run_id="r1", id_column="", batch_rows=10_000,
                      scored_at=SCORED_AT)
    line = _message(argparse.Namespace(), err.value)
    assert line.startswith("data: ") and "needs numbers there" in line
    assert "nothing of this run is left" not in line  # it is not: the note says what is
    # how many chunks were written before the change surfaced depends on the reader's read-ahead: chunk 0 at least
    assert re.search(rf"; could not remove {re.escape(str(tmp_path / 'out' / 'part-r1-00000.parquet'))}"
                     r"( and \d+ more file\(s\))? of run 'r1'; a retry with run id 'r1' replaces them$", line), line
    # before: no note (again() dropped it; the CLI too)


@pytest.fixture(scope="module")
def strict_scorer():
    """A model that refuses a category it was not trained with (OneHotEncoder(handle_unknown='error')):
    a value refused while scoring, past the checks."""
    frame = pd.DataFrame({"a": np.linspace(-1, 1, 40), "k": ["x", "y"] * 20})
    model = make_pipeline(ColumnTransformer([("k", OneHotEncoder(handle_unknown="error"), ["k"])],
                                            remainder="passthrough"), LogisticRegression())
    model.fit(frame, frame.a > 0)
    return scoring.Scorer(model, "credit", "3", "champion", ["a", "k"], ["a"])


def _write(root, last):
    pq.write_table(pa.table({"id": [f"o-{i}" for i in range(10)], "a": np.linspace(-1, 1, 10),
                             "k": ["x", "y"] * 4 + ["x", last]}), root / "in.parquet")


def _score(scorer, root, batch_rows):
    return scoring.score(scorer, str(root / "in.parquet"), str(root / "out"), run_id="r1", id_column="id",
                         log_root=str(root / "logs"), batch_rows=batch_rows, scored_at=SCORED_AT)


@pytest.mark.parametrize("failing", ["part-batch-r1-00004", "_batch_runs"])
def test_what_a_refused_retry_leaves_is_named_where_it_is(strict_scorer, tmp_path, monkeypatch, failing):
    _write(tmp_path, "y")
    _score(strict_scorer, tmp_path, 2)  # 5 chunks, logged, and the run record
    _write(tmp_path, "z")  # rewritten meanwhile: its last row is refused; the retry, in 2 chunks, writes 1
    _unlink_fails(monkeypatch, failing)  # the earlier attempt's last logged chunk, or its run record
    with pytest.raises(DataSourceError) as err:
        _score(strict_scorer, tmp_path, 6)
    assert str(err.value).startswith("data: credit v3 cannot score rows 7..10")
    logged = tmp_path / "logs" / "model=credit" / "date=2026-12-01" / "revision=v3"
    where = {"part-batch-r1-00004": f"{logged} (an earlier attempt's logged chunks)",  # before: "<output> (an
             "_batch_runs": str(tmp_path / "logs" / "_batch_runs" / "model=credit" / "r1.json")}[failing]
    note = f"could not remove {where} of run 'r1'; a retry with run id 'r1' replaces them"
    assert err.value.__notes__ == [note]  # earlier attempt's chunks)", for either
    assert _message(argparse.Namespace(), err.value) == f"{err.value}; {note}"  # before: without the note
    monkeypatch.undo()
    assert list((tmp_path / "out").iterdir()) == []  # the output's chunks: all removed
