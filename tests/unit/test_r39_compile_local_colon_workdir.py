"""A local run in a workdir whose path holds ':' (``runs:2026``) lost its task hook without a word.

``task_hook`` puts ctloop's ``sitecustomize`` on ``PYTHONPATH`` from ``<workdir>/.tmp/...``, and
``PYTHONPATH`` is split at ':' (os.pathsep): no task loaded it. So no task watched the ctloop process
— after a ``kill -9`` of ctloop its tasks ran on, the opposite of what docs/operations.md promises —
and none was handed to the warm task server. The hook now lives where its path can be read."""

import os
import sys
from pathlib import Path

from kfp import dsl

from ctloop.local import run_pipeline_locally


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def hooked() -> str:
    import sys

    module = sys.modules.get("sitecustomize")
    return str(getattr(module, "__file__", ""))


@dsl.pipeline(name="hooked")
def hooked_pipeline():
    hooked()


def test_the_tasks_of_a_run_in_a_workdir_with_a_colon_load_the_hook(tmp_path):
    work = tmp_path / "runs:2026"
    with open(os.devnull, "w") as quiet:
        run = run_pipeline_locally(hooked_pipeline, {}, workdir=work, warm=False, console=quiet)
    assert run.succeeded, run.error
    loaded = run.output("hooked", "Output")
    assert loaded and Path(loaded).name == "sitecustomize.py" and "site-packages" not in loaded, loaded
    assert not Path(loaded).exists()  # removed with the run


def test_the_warm_server_takes_them(tmp_path):
    if not hasattr(os, "fork") or sys.platform == "win32":
        return
    work = tmp_path / "runs:2026"
    with open(os.devnull, "w") as quiet:
        run = run_pipeline_locally(hooked_pipeline, {}, workdir=work, warm=True, console=quiet)
    assert run.succeeded, run.error
    assert "exit 0" in (work / "logs" / "taskserver.log").read_text()
