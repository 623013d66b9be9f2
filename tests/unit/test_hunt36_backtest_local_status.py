"""Whether a local run failed is read from kfp.local's own status lines (kfp 2.17
``local/task_dispatcher.py``: "Task '<name>' finished with status FAILURE", logged through
``local/logging_utils.py``'s "%H:%M:%S.%f - LEVEL - message" format), not from the word FAILURE
anywhere in the run's log: a run on ``data/FAILURE_cases/credit.parquet`` succeeded in every task
and was reported FAILED ("error: a task failed", exit 1)."""

import pytest
from kfp import dsl

from ctloop.local import run_pipeline_locally


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def echo(text: str, fail: bool) -> str:
    print(f"ctloop: read {text}", flush=True)
    if fail:
        raise SystemExit(3)
    return text


@dsl.pipeline(name="echo")
def echo_pipeline(text: str, fail: bool = False):
    first = echo(text=text, fail=False)
    echo(text=first.output, fail=fail)  # a failure after the first task wrote its outputs


@pytest.mark.parametrize("fail", [False, True])
def test_the_word_failure_in_a_tasks_input_or_output_is_not_a_failed_run(tmp_path, fail):
    console = (tmp_path / "console.txt").open("w")
    run = run_pipeline_locally(echo_pipeline, {"text": "/data/FAILURE_cases/credit.parquet", "fail": fail},
                               workdir=tmp_path, console=console, warm=False)
    assert "FAILURE_cases" in run.log_file.read_text()
    assert run.succeeded is not fail
    assert (run.error == "") is not fail
    if not fail:
        assert run.output("echo", "Output") == "/data/FAILURE_cases/credit.parquet"
