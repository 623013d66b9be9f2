"""A retry of a finished batch scoring run whose input fails to READ part-way (a transient
``Input/output error``, an object store's network error not reported as unavailable) counted as the
input refused, and the undo removed the finished, acknowledged first attempt: its output chunks,
logged rows and run record (review 49 2A: 7 files before the retry, none after). The streamed
reader now raises :class:`ctloop.errors.SourceUnreadable` for a file failing part-way, which batch
scoring treats like a store failure: only the files the retry created go; a retry replaces the rest.
The failing read is the streamed reader's own per-file batch iterator raising ``OSError(EIO)``
after scoring's first batch, as a disk or a dropped connection does."""

from __future__ import annotations

import errno

import pytest

from ctloop import scoring
from ctloop.drift import streaming
from ctloop.errors import SourceUnreadable
from tests.unit.test_fix49a_score_retry_failure import _files, _rows, _score, root, scorer  # noqa: F401


def _read_fails_while_scoring(monkeypatch) -> None:
    """The input reads through the id check, then fails after the first batch scoring reads (the
    retry has rewritten chunk 0 by then)."""
    real, armed = streaming.Source._file_batches, []

    def file_batches(self, *args, **kwargs):
        for i, batch in enumerate(real(self, *args, **kwargs)):
            if armed and i == 1:
                raise OSError(errno.EIO, "Input/output error")
            yield batch

    real_score_batches = scoring._score_batches

    def score_batches(*args, **kwargs):
        armed.append(True)
        return real_score_batches(*args, **kwargs)

    monkeypatch.setattr(streaming.Source, "_file_batches", file_batches)
    monkeypatch.setattr(scoring, "_score_batches", score_batches)


def test_a_retry_whose_input_fails_to_read_keeps_the_finished_attempt(scorer, root, monkeypatch):  # noqa: F811
    _score(scorer, root)  # 3 chunks of 4 rows, logged, and the run record
    before = _files(root)
    assert len(before) == 7
    _read_fails_while_scoring(monkeypatch)
    with pytest.raises(SourceUnreadable, match="Input/output error"):
        _score(scorer, root)
    assert _files(root).keys() == before.keys()  # before: none left
    ids = sorted(f"o-{i}" for i in range(10))
    assert _rows(root, "out") == _rows(root, "logs") == ids
