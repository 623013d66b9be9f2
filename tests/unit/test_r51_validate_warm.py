"""Serving validation loads the exported model in a process of its own (``ctloop._validate_child``),
which cost ~3-4 s of imports (pandas, scikit-learn, skops) every time a local run validated a
version: three times in tests/e2e/test_cluster_path.py. In a local run that process is now handed
to the warm task server, as the run's tasks are, when its interpreter is the server's (that the e2e
runs' validations were forked by it: tests/e2e/test_cluster_path.py); another interpreter's
(``validate_export(python=...)``: the serving image's environment) still starts cold, with its own
packages.

Real parts: the task server process and the shim (``sitecustomize.py`` on ``PYTHONPATH``), the
interpreter's start.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

import ctloop
from ctloop._taskshim import task_argv
from ctloop.errors import CtloopError
from ctloop.serving.validate import validate_export
from ctloop.taskserver import same_interpreter, serving, started_task_server, warm_start_supported


def test_the_validation_process_start_is_one_the_shim_hands_over():
    argv = [sys.executable, "-m", "ctloop._validate_child", "rows.parquet", "out.json", "[]", "[]", "[]"]
    assert task_argv(argv) == ("ctloop._validate_child", argv[3:])
    assert task_argv([sys.executable, "-c", "import ctloop._validate_child"]) is None


@pytest.mark.skipif(not warm_start_supported(), reason="needs os.fork and AF_UNIX")
@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs a venv: its base interpreter is another")
def test_another_interpreters_validation_is_not_forked_by_the_server(tmp_path, monkeypatch):
    """The server forks only its own interpreter's environment: the serving venv's scikit-learn and
    model libraries are what validation checks."""
    other = sys._base_executable  # the venv's base interpreter, whose sys.prefix is sys.base_prefix
    source = str(Path(ctloop.__file__).parents[1])  # its ctloop._taskshim (the hook) is this checkout's
    with started_task_server(tmp_path / "ts", ()) as server, serving(server), monkeypatch.context() as env:
        env.setenv("_KFP_RUNTIME", "true")  # as in every task of a local run
        env.setenv("PYTHONPATH", os.pathsep.join([os.environ["PYTHONPATH"], source]))  # the hook's first
        # the cold child's own outcome does not matter here (a base interpreter with pandas and scikit-learn
        # reads the missing model and refuses it): only who ran it
        with contextlib.suppress(CtloopError):
            validate_export(tmp_path / "model.joblib", None, pd.DataFrame({"a": [1.0]}), trained_sklearn="",
                            expected_sha256="0" * 64, serving_versions={}, python=other)
    log = (tmp_path / "ts" / "taskserver.log").read_text()
    assert f"ctloop._validate_child of the interpreter in {sys.base_prefix} (Python " in log, log
    assert f"ours: {sys.prefix}, Python {sys.version.split()[0]}): not ours, run cold" in log, log
    assert ": ctloop._validate_child in " not in log, log  # "task pid N: <module> in <cwd>": none forked


def test_another_python_of_the_same_prefix_is_not_ours():
    """Two interpreters can share a prefix (/usr/bin/python3.11 and /usr/bin/python3.12: /usr); the
    prefix alone forked a python= validation into the server's Python (review of r51-speed)."""
    assert same_interpreter({"prefix": sys.prefix, "version": sys.version})
    assert not same_interpreter({"prefix": sys.prefix, "version": sys.version.replace(".", "!", 1)})
    assert not same_interpreter({"prefix": "/nowhere", "version": sys.version})
    assert same_interpreter({"module": "m"})  # a request without them: a task's own start
