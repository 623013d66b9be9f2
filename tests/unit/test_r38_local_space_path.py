"""A checkout in a directory whose name holds a space ("/home/me/ML Platform/ctloop"): every task
of ``make demo`` (``ctloop run --local``) failed in milliseconds with ``sh: 4: /home/me/ML: not
found``. kfp 2.17.0's subprocess runner (``kfp/local/subprocess_task_handler.py``
``replace_python_executable``) writes the interpreter's path into the task's ``sh -ec`` script in
place of ``python3``, unquoted. ctloop's local run hands it the path shell-quoted."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import REPO

SCRIPT = textwrap.dedent('''
    import sys
    from kfp import dsl

    from ctloop.local import run_pipeline_locally


    @dsl.component(base_image="python:3.11", install_kfp_package=False)
    def echo(text: str) -> str:
        print(f"ctloop: read {text}", flush=True)
        return text


    @dsl.pipeline(name="echo")
    def echo_pipeline(text: str):
        echo(text=echo(text=text).output)


    run = run_pipeline_locally(echo_pipeline, {"text": "hello"}, workdir=sys.argv[1], warm=sys.argv[2] == "warm")
    print("RESULT", run.succeeded, run.output("echo-2", "Output"), run.error)
''')


@pytest.mark.parametrize("start", ["warm", "cold"])
def test_a_local_run_from_an_interpreter_whose_path_holds_a_space(tmp_path, start):
    spaced = tmp_path / "ML Platform"
    spaced.mkdir()
    venv = spaced / "venv"
    venv.symlink_to(Path(sys.prefix), target_is_directory=True)  # pyvenv.cfg is found beside bin/
    (spaced / "run.py").write_text(SCRIPT)
    python = venv / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([str(python), str(spaced / "run.py"), str(spaced / "work"), start], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=240)
    assert "RESULT True hello" in out.stdout, (out.stdout[-2000:], out.stderr[-2000:])


def test_nested_blocks_quote_the_path_once():
    """The test session enters the block for every test (tests/conftest.py) and each
    ``run_pipeline_locally`` enters it again: a path quoted twice would be a path with quotes in it."""
    from kfp.local import subprocess_task_handler as handler

    from ctloop.local import quoted_interpreter

    command = ["sh", "-ec", "_KFP_RUNTIME=true python3 -m kfp.dsl.executor_main"]
    with quoted_interpreter(), quoted_interpreter():
        out = handler.replace_python_executable(command, "/home/me/ML Platform/venv/bin/python")
    assert out[2] == "_KFP_RUNTIME=true '/home/me/ML Platform/venv/bin/python' -m kfp.dsl.executor_main"
