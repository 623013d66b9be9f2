"""A full disk while ``ctloop labels ingest`` moved the staged labels into the store (review
revC) came out as an OSError traceback and left ``labels/.part-*.parquet.tmp`` behind; the staging
directory (``ctloop-labels-*`` in the temporary directory) goes on every way out."""

from __future__ import annotations

import errno
import shutil
import tempfile

from ctloop.cli import main


def test_a_full_disk_while_committing_is_one_line_and_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"r{i},{i % 2}\n" for i in range(100)))
    staging = tmp_path / "tmp"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    real_copy = shutil.copyfile

    def full(src, dst, **kw):  # the copy starts, then the disk is full
        real_copy(src, dst, **kw)
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copyfile", full)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "cannot write" in err and "part-" in err and "No space left on device" in err, err
    assert [p.name for p in (tmp_path / "s" / "labels").iterdir()] == ["_ctloop_labels.json"]
    assert not list(staging.iterdir())  # the staging directory is gone too


def test_the_staging_directory_is_removed_when_the_ingest_fails_unexpectedly(tmp_path, monkeypatch):
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"r{i},{i % 2}\n" for i in range(100)))
    staging = tmp_path / "tmp"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    from ctloop.labels import store

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_commit", boom)
    try:
        store.ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "s"))
    except KeyboardInterrupt:
        pass
    assert not list(staging.iterdir())
