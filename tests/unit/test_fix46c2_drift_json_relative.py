"""``ctloop drift`` writes ``drift.json`` into a relative output directory whose name reads like a URI
(fix 46 C2, item 3).

Fix 46 C had ``_write_json`` hand ``str(path)`` to ``storage.write_bytes``, which reads a string as a
storage URI: under a relative output directory ``./s3:/x`` the write was refused (``'s3:/x/drift.json' is
not a storage URI``), and under ``./file:/y`` it went to ``/y/drift.json``, outside the output directory,
the directory the user named left without a verdict. The path is now made absolute first: a local
name, whatever it spells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctloop.cli.drift import _write_json


@pytest.mark.parametrize("scheme", ["s3:", "gs:", "az:", "file:"])
def test_a_relative_output_dir_that_reads_like_a_uri_gets_drift_json(tmp_path, monkeypatch, scheme):
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside"  # where file:<absolute path> led before, read as a URI
    # ./s3:/tmp/.../outside: a directory under the working one
    relative = Path(f"{scheme}{outside}")
    (tmp_path / relative).mkdir(parents=True)
    _write_json(relative / "drift.json", {"drift": True})
    assert json.loads((tmp_path / relative / "drift.json").read_text()) == {"drift": True}
    assert sorted(p.name for p in (tmp_path / relative).iterdir()) == ["drift.json"]
    assert not outside.exists()
