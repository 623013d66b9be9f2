"""``ctloop run --local`` exits 2 when a task refused its input with a ctloop error, as every other
command does (``ctloop.cli.main``: a CtloopError is one line and exit code 2; docs/configuration.md's
data contract: "exit code 2"), and 1 when the run failed otherwise (round 40; it was 1 for both)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.cli.local import failed_run_exit


@pytest.mark.parametrize(("error", "code"), [
    ("ctloop.errors.DataValidationError: data contract violated (1 rule(s)): column 'y' breaks rule 'labels'", 2),
    ("ctloop.errors.ConfigError: training.estimator: unknown 'xgb'", 2),
    ("ctloop.errors.StoreUnavailable: s3://b: the bucket does not exist", 2),
    ("ModuleNotFoundError: No module named 'lightgbm'", 1),
    ("a task failed", 1),
    ("ctloop.errors.NotAClass: made up", 1),
    ("ctloop.errors.plain: not an error class", 1),
])
def test_the_exit_code_of_a_failed_local_run_follows_its_error(error, code):
    assert failed_run_exit(error) == code


def test_a_local_run_refusing_its_data_exits_2_with_one_error_line(tmp_path, capsys):
    n = 400
    labels = np.where(np.arange(n) % 2 == 0, "no", "yes").astype(object)
    labels[-5:] = "YES"  # one class written a second way, in the newest rows only
    data = tmp_path / "labels.csv"
    pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="h"), "x": np.arange(n) % 7,
                  "y": labels}).to_csv(data, index=False)
    code = main(["run", "--local", "--data", str(data), "--param", "data.target=y", "--param", "data.time_column=ts",
                 "--param", "model_name=m1", "--workdir", str(tmp_path / "work")])
    out = capsys.readouterr().out
    assert code == 2, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "'y'" in errors[0] and "'YES'" in errors[0]


_TASK_FAILED = "13:53:50.349 - ERROR - Task \x1b[96m'train-model'\x1b[0m finished with status \x1b[91mFAILURE\x1b[0m"
_PIPELINE_FAILED = ("13:53:59.672 - ERROR - Pipeline \x1b[95m'continuous-training'\x1b[0m finished with status "
                    "\x1b[91mFAILURE\x1b[0m. Inner task failed: \x1b[96m'train-model'\x1b[0m.")


def _exit_of(tmp_path, traceback: str) -> tuple[str, int]:
    from ctloop.local import _first_error

    log = tmp_path / "run.log"
    log.write_text("13:53:40.001 - INFO - Executing task 'train-model'\n" + traceback + "\n\n" + _TASK_FAILED
                   + "\n" + "-" * 80 + "\n" + _PIPELINE_FAILED + "\n")
    error = _first_error(log)
    return error, failed_run_exit(error)


def test_a_crash_while_handling_a_ctloop_error_exits_1_naming_the_crash(tmp_path):
    error, code = _exit_of(tmp_path, """    Traceback (most recent call last):
      File "/x/components/train/core.py", line 10, in fit
    ctloop.errors.TrainingError: the fit failed: singular matrix

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      File "/x/components/train/core.py", line 12, in fit
    KeyError: 'weights'""")
    assert (error, code) == ("KeyError: 'weights'", 1)


def test_a_log_line_mentioning_a_ctloop_error_does_not_make_a_crash_a_refusal(tmp_path):
    error, code = _exit_of(tmp_path, """    ctloop: retrying after ctloop.errors.StoreUnavailable: s3://b: no answer
    Traceback (most recent call last):
      File "/x/components/train/core.py", line 12, in fit
    MemoryError""")
    assert (error, code) == ("MemoryError", 1)


def test_the_ctloop_error_that_ended_the_task_is_the_error_line(tmp_path):
    error, code = _exit_of(tmp_path, """    Traceback (most recent call last):
      File "/x/components/prepare/core.py", line 214, in prepare
    ctloop.errors.DataValidationError: data contract violated (1 rule(s)): column 'y' breaks rule 'labels'""")
    assert code == 2 and error.startswith("ctloop.errors.DataValidationError: data contract violated")


def test_a_crash_with_a_message_of_two_lines_while_handling_a_ctloop_error_exits_1(tmp_path):
    error, code = _exit_of(tmp_path, """    Traceback (most recent call last):
      File "/x/components/train/core.py", line 10, in fit
        check(frame)
    ctloop.errors.DataValidationError: data contract violated (1 rule(s)): column 'y'

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      File "/x/components/train/core.py", line 12, in fit
        model.fit(X, y)
        ^^^^^^^^^^^^^^^
    ValueError: Input X contains NaN.
    consider an imputer""")
    assert (error, code) == ("ValueError: Input X contains NaN.", 1)


def test_a_line_printed_after_the_traceback_is_not_taken_for_the_error(tmp_path):
    error, code = _exit_of(tmp_path, """    Traceback (most recent call last):
      File "/x/components/prepare/core.py", line 214, in prepare
        check_labels(selected[target], target)
    ctloop.errors.DataValidationError: data contract violated (1 rule(s)): column 'y' breaks rule 'labels'
    Hint: drop the rows""")
    assert code == 2 and error.startswith("ctloop.errors.DataValidationError:")


def test_a_ctloop_error_class_defined_outside_ctloop_errors_exits_2():
    from ctloop.registry import _ForeignLock

    assert issubclass(_ForeignLock, __import__("ctloop.errors").errors.CtloopError)
    assert failed_run_exit("ctloop.registry._ForeignLock: the promotion lock of 'm' is held by another") == 2
    assert failed_run_exit("ctloop.nosuchmodule.Thing: x") == 1
