"""Zero-byte files left out of ``storage.list_files`` (round 41) also vanished from the callers that must
see them (review 41 item 6): a zero-byte import or requeue record was skipped silently (it used to be
refused, "move it aside"), and a zero-byte stale scoring chunk was no longer removed. Those callers now
ask for them (``empty=True``); every other listing warns once, with the count and the first name."""

from __future__ import annotations

import warnings

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


def test_list_files_leaves_empty_files_out_with_one_warning_unless_asked(tmp_path):
    (tmp_path / "a.json").write_bytes(b"{}")
    (tmp_path / "b.json").write_bytes(b"")
    (tmp_path / "c.json").write_bytes(b"")
    with pytest.warns(UserWarning, match=r"2 zero-byte file.*b\.json") as caught:
        assert storage.list_files(str(tmp_path), ".json") == [str(tmp_path / "a.json")]
    assert len([w for w in caught if "zero-byte" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert storage.list_files(str(tmp_path), ".json", empty=True) == [str(tmp_path / n)
                                                                          for n in ("a.json", "b.json", "c.json")]


def test_a_zero_byte_stale_scoring_chunk_is_removed(tmp_path):
    from ctloop.scoring import _remove_stale_chunks

    sc = tmp_path / "sc"
    sc.mkdir()
    (sc / "part-run1-00003.parquet").write_bytes(b"")
    assert _remove_stale_chunks(str(sc), "", "run1", 2) == 1
    assert not (sc / "part-run1-00003.parquet").exists()


def test_a_zero_byte_requeue_record_is_refused_naming_it(tmp_path):
    from ctloop.inference_log import requeue

    prefix = tmp_path / requeue._ledger_prefix("x")[2:]
    prefix.mkdir(parents=True)
    (prefix / "0001.json").write_bytes(b"")
    with pytest.raises(DataSourceError, match=r"0001\.json is not a requeue record.*move it aside"):
        requeue._done(str(tmp_path))


def test_a_zero_byte_import_record_is_refused_naming_it(tmp_path):
    from ctloop.inference_log import blob_import, layout

    source = tmp_path / "src"
    source.mkdir()
    root = tmp_path / "log"
    prefix = root / layout.import_ledger_dir(blob_import.ledger_name(str(source)))
    prefix.mkdir(parents=True)
    (prefix / "0001.json").write_bytes(b"")
    with pytest.raises(DataSourceError, match=r"0001\.json is not an import record.*move it aside"):
        blob_import._Ledger(str(root), blob_import._Source(str(source), str(root)), {})
