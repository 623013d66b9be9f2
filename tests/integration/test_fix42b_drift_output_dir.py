"""``ctloop drift --output`` after round 42 (review B, findings 3 and 4):

* report.html failing to upload lost the verdict: drift.json was written after the report's
  block, which raised first (before round 42 drift.json was written first and kept). Now
  drift.json (``"report": null``) is written before the error is raised; the exit code is 2, as
  for every storage failure (``ctloop.cli.main`` maps a CtloopError to 2);
* a reused output directory kept the previous run's drift.json beside the new, unfinished
  report.html (a reader keying on drift.json read the old verdict); it is deleted before the
  report renders, locally and on an object store. stdout said "wrote drift.json" before
  "wrote report.html": it prints in the order of the writes.

Real S3 API: moto in server mode."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import report
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import fresh_bucket

pytestmark = pytest.mark.slow


def _sides(tmp_path):
    rng = np.random.default_rng(7)
    for name, shift in (("ref", 0.0), ("cur", 0.5)):
        pd.DataFrame({"x": rng.normal(shift, 1, 200), "c": rng.choice(["a", "b"], 200)}).to_parquet(
            tmp_path / f"{name}.parquet"
        )
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


def _names(out: str) -> list[str]:
    return sorted(u.rsplit("/", 1)[-1] for u in storage.list_files(out))


def test_a_failed_report_upload_keeps_the_verdict(s3, monkeypatch, tmp_path, capsys):
    out = fresh_bucket(s3, monkeypatch, tmp_path / "home", "drift-upload")
    ref, cur = _sides(tmp_path)
    backend = type(storage._backend(out)[0])
    real_write = backend.write

    def write(
        self, target, data, *args, **kwargs
    ):  # the report's upload fails (a quota, a lost network)
        if target.uri.endswith("/report.html"):
            raise DataSourceError(f"cannot write {target.uri}: injected upload failure")
        return real_write(self, target, data, *args, **kwargs)

    monkeypatch.setattr(backend, "write", write)
    assert main(["drift", "--reference", ref, "--current", cur, "--output", out, "--quiet",
                 "--report-sample-size", "200"]) == 2  # fmt: skip
    captured = capsys.readouterr()
    assert "injected upload failure" in captured.err
    assert f"wrote {out}/drift.json" in captured.out and "report.html" not in captured.out
    assert _names(out) == ["drift.json"]
    verdict = json.loads(storage.read_bytes(f"{out}/drift.json"))
    assert verdict["report"] is None and verdict["columns"]


def _stale_verdict_is_gone_while_rendering(monkeypatch, out: str, seen: list[list[str]]) -> None:
    real_render = report.render_html

    def render(
        *args, **kwargs
    ):  # what a reader listing the output would find while the report renders
        seen.append(_names(out))
        return real_render(*args, **kwargs)

    monkeypatch.setattr(report, "render_html", render)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_reused_output_holds_no_earlier_verdict_while_the_report_renders(
    s3, monkeypatch, tmp_path, capsys, where
):
    out = (
        str(tmp_path / "out")
        if where == "local"
        else fresh_bucket(s3, monkeypatch, tmp_path / "home", "drift-reuse")
    )
    ref, cur = _sides(tmp_path)
    storage.write_bytes(f"{out}/drift.json", b'{"earlier": "run"}')
    seen: list[list[str]] = []
    _stale_verdict_is_gone_while_rendering(monkeypatch, out, seen)
    assert main(["drift", "--reference", ref, "--current", cur, "--output", out, "--quiet",
                 "--report-sample-size", "200"]) == 0  # fmt: skip
    assert seen == [[]]  # the earlier drift.json was deleted before the report rendered
    assert _names(out) == ["drift.json", "report.html"]
    assert json.loads(storage.read_bytes(f"{out}/drift.json"))["report"] is not None
    wrote = [line for line in capsys.readouterr().out.splitlines() if line.startswith("wrote ")]
    assert wrote == [f"wrote {out}/report.html", f"wrote {out}/drift.json"]  # in the order written
