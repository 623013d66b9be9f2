"""``ctloop drift`` writes ``drift.json`` through a symlink, as every write to a name the user gives
(fix 46 C, item 4; docs/storage.md "A local write to a symlink goes through it").

Round 46 made ``storage.write_bytes`` replace the file a symlinked name leads to, but ``ctloop drift``
wrote its verdict with its own rename (cli/drift.py ``_write_json``): an output directory whose
``drift.json`` was a link (``drift.json -> runs/7/drift.json``) had the link replaced by a plain file, and
the file it led to kept the previous verdict, without a word."""

from __future__ import annotations

import json

from ctloop.cli.drift import _write_json


def test_drift_json_that_is_a_link_is_written_through_it(tmp_path):
    runs = tmp_path / "runs" / "7"
    runs.mkdir(parents=True)
    (runs / "drift.json").write_text('{"drift": false}\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "drift.json").symlink_to("../runs/7/drift.json")
    _write_json(out / "drift.json", {"drift": True, "share": 0.5})
    assert (out / "drift.json").is_symlink()
    assert json.loads((runs / "drift.json").read_text()) == {"drift": True, "share": 0.5}
    assert sorted(p.name for p in out.iterdir()) == ["drift.json"]  # no temporary file left


def test_drift_json_is_still_written_whole_as_plain_json(tmp_path):
    _write_json(tmp_path / "drift.json", {"value": float("1e308"), "when": tmp_path})
    assert json.loads((tmp_path / "drift.json").read_text()) == {
        "value": 1e308,
        "when": str(tmp_path),
    }
