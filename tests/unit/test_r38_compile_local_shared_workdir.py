"""Two local runs in one --workdir (two `ctloop run --local` of different pipelines side by side, or
a notebook and a terminal) each report their own run.

``run_pipeline_locally`` took as its run the newest directory under ``local_outputs/`` that was not
there when it started. kfp.local (2.17 ``local/executor_input_utils.py``
get_local_pipeline_resource_name) names it ``<pipeline>-<timestamp>`` and makes it when a task first
writes its outputs: a run whose first task failed made none, and took the directory of another run
that had meanwhile written one, reporting that run's task outputs (the summary's decisions) as its
own. Both runs also wrote one log file when they started in the same second
(``logs/<pipeline>-<YYYYmmdd-HHMMSS>.log``, opened for writing: the second emptied the first's).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = '''
import json, sys
from kfp import dsl
from ctloop.local import run_pipeline_locally


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def wait_for(marker: str) -> str:
    import glob, os, time
    for _ in range(600):  # until the other run has written its outputs; then this task fails
        if glob.glob(os.path.join(marker, "maker-*", "make", "executor_output.json")):
            raise SystemExit("failed after the other run wrote its outputs")
        time.sleep(0.05)
    raise SystemExit("the other run wrote nothing")


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def make(marker: str) -> str:
    return "made"


@dsl.pipeline(name="waiter")
def waiter(marker: str):
    wait_for(marker=marker)


@dsl.pipeline(name="maker")
def maker(marker: str):
    make(marker=marker)


func = waiter if sys.argv[2] == "waiter" else maker
with open(sys.argv[4], "w") as console:
    try:
        run = run_pipeline_locally(func, {"marker": sys.argv[3]}, workdir=sys.argv[1], warm=False, console=console)
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        raise SystemExit(0)
print(json.dumps({"run_dir": run.run_dir.name, "tasks": run.tasks, "log": str(run.log_file),
                  "succeeded": run.succeeded}))
'''


def _start(tmp_path: Path, which: str) -> subprocess.Popen:
    script = tmp_path / "runner.py"
    script.write_text(SCRIPT)
    return subprocess.Popen([sys.executable, str(script), str(tmp_path / "work"), which,
                             str(tmp_path / "work" / "local_outputs"), str(tmp_path / f"{which}.console")],
                            stdout=subprocess.PIPE, text=True)


def test_a_run_that_wrote_nothing_does_not_report_another_runs_outputs(tmp_path):
    waiter = _start(tmp_path, "waiter")
    logs = tmp_path / "work" / "logs"
    for _ in range(600):  # the waiter has taken its snapshot of local_outputs/ (its log exists)
        if logs.is_dir() and any(p.name.startswith("waiter-") for p in logs.iterdir()):
            break
        time.sleep(0.05)
    maker = _start(tmp_path, "maker")
    made = json.loads(maker.communicate(timeout=120)[0].strip().splitlines()[-1])
    waited = json.loads(waiter.communicate(timeout=120)[0].strip().splitlines()[-1])
    assert made["succeeded"] and made["run_dir"].startswith("maker-") and made["tasks"] == {"make": {"Output": "made"}}
    # the waiter's only task failed before writing anything: it has no run directory of its own
    assert "error" in waited, waited
    assert "produced no output directory" in waited["error"], waited


def test_runs_started_in_one_second_keep_both_logs(tmp_path, monkeypatch):
    """The log's name is made unique even when two runs of one pipeline start within one second."""
    from ctloop import local

    monkeypatch.setattr(local.time, "strftime", lambda fmt, *a: "20261205-080000")
    (tmp_path / "logs").mkdir()
    taken = tmp_path / "logs" / "maker-20261205-080000.log"
    taken.write_text("the first run's log\n")
    assert local._log_file(tmp_path / "logs", "maker") != taken
    assert taken.read_text() == "the first run's log\n"
