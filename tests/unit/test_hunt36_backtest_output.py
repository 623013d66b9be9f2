"""Where ``ctloop backtest --output`` writes: an object-store prefix is uploaded (it was written to a
local directory named ``gs:``), ``file://`` is the local path, and a directory that cannot be written
(read-only, /proc, /sys) is one line before the replay instead of a traceback after it."""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    rows = 400
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    a = rng.normal(size=rows)
    path = tmp_path_factory.mktemp("bt-out") / "events.csv"
    pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=rows),
                  "y": (a + rng.normal(0, 0.7, rows) > 0).astype(int)}).to_csv(path, index=False)
    return path


def argv(data: Path, output: str, *more: str) -> list[str]:
    return ["backtest", "--data", str(data), "--target", "y", "--time-column", "ts", "--window", "1D",
            "--train-window", "1D", "--estimator", "logistic_regression", "--bootstrap-rounds", "20", "--quiet",
            "--output", output, *more]


@pytest.mark.parametrize("policies", [(), ("--compare", "never,always")])
def test_an_object_store_output_is_uploaded_not_a_local_directory_named_after_the_scheme(
        data, gcs, gcs_bucket, tmp_path, monkeypatch, capsys, policies):
    monkeypatch.chdir(tmp_path)
    uri = f"gs://{gcs_bucket}/backtests/run 1"
    assert main(argv(data, uri, *(policies + ("--jobs", "1") if policies else ("--policy", "never")))) == 0
    out = capsys.readouterr().out
    assert not (tmp_path / "gs:").exists()
    names = ("compare.csv", "compare.json", "compare.png") if policies else ("backtest.json", "backtest.png")
    blobs = {b.name: b for b in gcs.bucket(gcs_bucket).list_blobs(prefix="backtests/")}
    assert sorted(blobs) == sorted(f"backtests/run 1/{n}" for n in names)
    assert f"{uri}/{names[1 if policies else 0]}" in out
    report = json.loads(blobs[f"backtests/run 1/{names[1] if policies else names[0]}"].download_as_bytes())
    assert ("reports" in report) if policies else report["config"]["policy"] == "never"


def test_a_file_uri_output_is_the_local_path(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv(data, f"file://{tmp_path}/reports", "--policy", "never")) == 0
    assert not (tmp_path / "file:").exists()
    assert json.loads((tmp_path / "reports" / "backtest.json").read_text())["config"]["policy"] == "never"


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.isdir("/proc/self"), reason="Linux /proc")
@pytest.mark.parametrize(("output", "nearest"), [("/proc/ctloop-backtest", "/proc"), ("/proc/self", "/proc/self")])
def test_an_output_that_cannot_be_written_is_one_line_before_the_replay(data, capsys, output, nearest):
    code = main(argv(data, output, "--policy", "always"))
    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err
    assert captured.err.strip() == (f"error: --output {output}: cannot write in {nearest}: No such file or "
                                    "directory; choose a writable directory")
    assert "backtest of" not in captured.out  # refused before the table is read and replayed


def test_a_write_that_fails_after_the_replay_is_one_line_naming_the_output(data, tmp_path, capsys, monkeypatch):
    import ctloop.backtest as bt

    def full_disk(report, path, title=""):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(bt, "plot_timeline", full_disk)
    code = main(argv(data, str(tmp_path / "out"), "--policy", "never"))
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip() == (f"error: --output {tmp_path / 'out'}: cannot write {tmp_path / 'out' / 'backtest.png'}: "
                           "No space left on device")
