"""Files and directory iterators ctloop opens are closed by ctloop (round 52).

A ``make test`` run with ``-W always::ResourceWarning`` reported, besides sockets, files left to the
garbage collector: ``read_table`` of a CSV whose columns look renamed by pandas (``x.1``) wrapped the
open file in a ``TextIOWrapper`` to read its header again and dropped the wrapper unclosed
(CPython 3.11 ``Modules/_io/iobase.c`` ``iobase_finalize``: "unclosed file", then it closes the file it
wraps — the caller's), and ``remove_stale_scratch`` left its ``os.scandir`` iterator open when a
removal failed."""

from __future__ import annotations

import gc
import os
import warnings

from ctloop import local, storage


def _resource_warnings(call) -> list[str]:
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        call()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def test_reading_a_header_again_leaves_no_file_open(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("x,x.1,y\n1,2,3\n4,5,6\n")  # 'x.1' looks like pandas' rename of a second 'x'
    frames = []
    assert _resource_warnings(lambda: frames.append(storage.read_table(str(table)))) == []
    assert list(frames[0].columns) == ["x", "x.1", "y"]


def test_a_failed_scratch_removal_leaves_no_directory_iterator_open(tmp_path, monkeypatch):
    name = f"run.ctloop-{local._host()}-{os.getpid() + 1}-abcdefgh"
    (tmp_path / name).mkdir()

    def refused(*_args, **_kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(local, "_remove_if_ended", refused)
    assert _resource_warnings(lambda: local.remove_stale_scratch(tmp_path)) == []


def test_a_token_file_read_at_each_query_is_closed_by_the_reader(tmp_path):
    """``PrometheusAuth.bearer`` reads its token file at every query (kubelet rotates it) with
    ``open(...).read()``, leaving each file to be closed by its finalizer, which reports it."""
    from ctloop.serving.metric_sources import PrometheusAuth

    token = tmp_path / "token"
    token.write_text("t0k3n\n")
    auth = PrometheusAuth(token_file=str(token))
    said = []
    assert _resource_warnings(lambda: said.append(auth.bearer())) == []
    assert said == ["t0k3n"]
