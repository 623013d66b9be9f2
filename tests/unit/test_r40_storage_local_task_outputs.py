"""A task of a local run whose ``executor_output.json`` was cut short (the disk filled while KFP's
executor wrote it: the task fails, the file stays, empty or half written) made
``run_pipeline_locally`` end in a raw ``JSONDecodeError`` traceback from ``read_task_outputs``,
after the run, instead of the run's own failure line. Now such a file is read as a task with no
outputs (the run's log says why it failed), and every other task's outputs are read."""

from __future__ import annotations

import json

import pytest

from ctloop.local import read_task_outputs


@pytest.mark.parametrize("broken", ["", '{"parameterValues": {"x": 1', "null", "[1, 2]", "\udcff"])
def test_a_cut_executor_output_is_a_task_without_outputs(tmp_path, broken):
    (tmp_path / "train-model").mkdir()
    (tmp_path / "train-model" / "executor_output.json").write_text(
        json.dumps({"parameterValues": {"accuracy": 0.9}}))
    (tmp_path / "evaluate").mkdir()
    (tmp_path / "evaluate" / "executor_output.json").write_bytes(broken.encode("utf-8", "surrogateescape"))
    tasks = read_task_outputs(tmp_path)
    assert tasks["train-model"] == {"accuracy": 0.9}
    assert tasks.get("evaluate", {}) == {}
