"""A local write to a name that is a symlink replaced the link with a file (round 46, storage).

``write_bytes`` (tables, reports, receipts, the requeue ledger) writes a temporary file and renames it
over the name: ``rename(2)`` replaces the link itself, so ``latest.parquet -> runs/3/data.parquet`` became a
plain file, the link's target kept its old bytes, and a user's link layout (a shared volume's file linked
into a workdir, a ``current`` link a deployment reads) was silently broken. Now a write goes through the
link, as ``open(2)`` and a shell's ``>`` do: the target is replaced atomically (its temporary file beside
the target), and the link stays. A dangling link's target is created; a link loop is one line."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import DataSourceError


def test_a_write_to_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "data.csv"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.csv"
    link.symlink_to("runs/data.csv")
    storage.write_bytes(str(link), b"new\n")
    assert link.is_symlink() and os.readlink(link) == "runs/data.csv"
    assert target.read_bytes() == b"new\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)  # the target's mode, as any write keeps it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.csv", "runs"]  # no temporary file left
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["data.csv"]


def test_a_chain_of_links_is_followed_to_the_file(tmp_path):
    (tmp_path / "real.bin").write_bytes(b"1")
    (tmp_path / "b").symlink_to(tmp_path / "real.bin")
    (tmp_path / "a").symlink_to("b")
    storage.write_bytes(f"file://{tmp_path}/a", b"2")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()
    assert (tmp_path / "real.bin").read_bytes() == b"2"


def test_a_dangling_link_gets_its_target_written(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "report.json").symlink_to("out/report-7.json")
    storage.write_bytes(str(tmp_path / "report.json"), b"{}")
    assert (tmp_path / "report.json").is_symlink()
    assert (tmp_path / "out" / "report-7.json").read_bytes() == b"{}"


def test_a_link_loop_is_one_line_and_leaves_the_links(tmp_path):
    (tmp_path / "x").symlink_to("y")
    (tmp_path / "y").symlink_to("x")
    with pytest.raises(DataSourceError, match=r"^cannot write .*/x: it is a symlink that leads to no file name "
                                              r"\(the links loop\)"):
        storage.write_bytes(str(tmp_path / "x"), b"z")
    assert (tmp_path / "x").is_symlink() and (tmp_path / "y").is_symlink()


def test_write_table_goes_through_the_link_too(tmp_path):
    import pandas as pd

    (tmp_path / "v1.parquet").write_bytes(b"")
    (tmp_path / "current.parquet").symlink_to("v1.parquet")
    storage.write_table(pd.DataFrame({"a": [1]}), str(tmp_path / "current.parquet"))
    assert (tmp_path / "current.parquet").is_symlink()
    assert pd.read_parquet(tmp_path / "v1.parquet")["a"].tolist() == [1]
