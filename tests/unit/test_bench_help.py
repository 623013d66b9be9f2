"""Every benchmark answers ``--help`` with its usage (exit 0) instead of a traceback or a run:
``bench_score``, ``bench_csv_read``, ``bench_log_read``, ``bench_model_io`` and
``bench_skops_many_trees`` read ``int(sys.argv[1])`` (ValueError on '--help'), and
``bench_train_speed`` ignored its arguments and started a run of minutes.

Each script runs here as ``python benchmarks/<script> --help`` would run it (``runpy`` as
``__main__``, its own ``sys.argv``, its directory first on ``sys.path``, from the repository), in this process: a process each cost
~0.15 s of CPU, 25 times. What a script changes at its top (``sys.path``, ``os.environ``, the
modules it imports from ``benchmarks/``) is put back after it."""

from __future__ import annotations

import os
import runpy
import sys

import pytest

from tests.helpers import REPO

BENCHMARKS = REPO / "benchmarks"
SCRIPTS = sorted(
    p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_") and p.name != "streams.py"
)  # streams.py: a catalogue, no options


def _run_as_main(path, argv: list[str]) -> object:
    """``python path *argv``'s exit code (``None``: it returned), with what the script changed at
    its top in this process put back."""
    argv_before, path_before = sys.argv, list(sys.path)
    environ_before, modules_before = dict(os.environ), set(sys.modules)
    sys.argv = [str(path), *argv]
    sys.path.insert(0, str(path.parent))  # as python does for a script: its directory first
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as exc:
        return exc.code
    finally:
        sys.argv, sys.path[:] = argv_before, path_before
        if dict(os.environ) != environ_before:
            os.environ.clear()
            os.environ.update(environ_before)
        for name in set(sys.modules) - modules_before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(BENCHMARKS)):
                del sys.modules[name]
    return None


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_is_usage(script, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    code = _run_as_main(BENCHMARKS / script, ["--help"])
    out, err = capsys.readouterr()
    assert code in (0, None), err[-500:]  # None: the script returned (exit status 0)
    assert out.startswith("usage:"), out[:200]
