"""``ctloop drift --output`` on an object store uploaded drift.json before report.html (the
files of the output directory went up in name order): a reader polling for drift.json — the
artifact it keys on — could find it while the report it names was not there yet. Now
report.html is uploaded first and drift.json last; drift.json is written whole. Real S3 API:
moto in server mode (round 42)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from tests.fixtures.object_stores import fresh_bucket

pytestmark = pytest.mark.slow


def _sides(tmp_path):
    rng = np.random.default_rng(7)
    for name, shift in (("ref", 0.0), ("cur", 0.5)):
        pd.DataFrame({"x": rng.normal(shift, 1, 300), "c": rng.choice(["a", "b"], 300)}).to_parquet(
            tmp_path / f"{name}.parquet")
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_drift_json_appears_only_after_the_report_it_names(s3, monkeypatch, tmp_path, capsys, engine):
    out = fresh_bucket(s3, monkeypatch, tmp_path / "home", "drift-run")
    ref, cur = _sides(tmp_path)
    backend = type(storage._backend(out)[0])
    seen_at_drift_json: list[list[str]] = []
    real_write = backend.write

    def write(self, target, data, *args, **kwargs):  # the real upload, and what a reader would list then
        if target.uri.endswith("/drift.json"):
            seen_at_drift_json.append(sorted(u.rsplit("/", 1)[-1] for u in storage.list_files(out)))
        return real_write(self, target, data, *args, **kwargs)

    monkeypatch.setattr(backend, "write", write)
    assert main(["drift", "--reference", ref, "--current", cur, "--output", out, "--engine", engine,
                 "--quiet", "--report-sample-size", "300"]) == 0  # fmt: skip
    assert seen_at_drift_json == [["report.html"]]  # drift.json uploaded once, after the report
    verdict = json.loads(storage.read_bytes(f"{out}/drift.json"))
    assert verdict["report"] is not None  # the final verdict names the report
    assert sorted(u.rsplit("/", 1)[-1] for u in storage.list_files(out)) == ["drift.json", "report.html"]


def test_a_local_drift_json_is_replaced_whole_not_rewritten_in_place(tmp_path, capsys):
    """drift.json is written beside itself and renamed over the old one (fix42 B, finding 8: this
    test passed on the code that wrote it in place). A hard link to the earlier verdict shows it:
    written in place, the linked file would change too (and a reader could see half a file)."""
    ref, cur = _sides(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "drift.json").write_text('{"earlier": "run"}\n')
    (tmp_path / "earlier.json").hardlink_to(out / "drift.json")
    assert main(["drift", "--reference", ref, "--current", cur, "--output", str(out), "--quiet", "--no-report"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["drift.json"]  # no .drift.json.part left behind
    assert json.loads((out / "drift.json").read_text())["report"] is None
    assert (tmp_path / "earlier.json").read_text() == '{"earlier": "run"}\n'  # a new file, not the old one rewritten
