"""``ctloop backtest --config ctloop.yaml --model NAME`` and ``--compare``: the model's own sections,
the monitoring rules as the default policy, one table and one plot for every policy."""

import contextlib
import csv
import io
import json
from pathlib import Path

import pytest

from ctloop.cli import main
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

SPEC = """\
apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: credit
    data: {{uri: {uri}, target: {target}, time_column: {time}, holdout_fraction: 0.25}}
    training: {{estimator: logistic_regression}}
    gate: {{thresholds: {{roc_auc: 0.6}}, bootstrap_rounds: 50}}
    monitoring:
      log_root: /nonexistent/logs
      window: 30D
      min_labels: 150
      rules: {{drift_share: null, realized_drop: null, realized_z: 2.0, cusum_h: null, prediction_psi: null}}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    root = tmp_path_factory.mktemp("backtest-cli")
    data = root / "credit.csv"
    make_credit_data(n_rows=6000, seed=3).to_csv(data, index=False)
    path = root / "ctloop.yaml"
    path.write_text(SPEC.format(uri=data, target=CREDIT_TARGET, time=CREDIT_TIME_COLUMN))
    return path


@pytest.fixture(scope="module")
def default_report(spec, tmp_path_factory) -> dict:
    """``backtest.json`` of ``ctloop backtest --config <spec> --model credit``: one replay for the
    tests that read it."""
    out = tmp_path_factory.mktemp("default-replay")
    assert main(["backtest", "--config", str(spec), "--model", "credit", "--output", str(out), "--quiet"]) == 0
    return json.loads((out / "backtest.json").read_text())


def test_config_replays_the_models_monitoring_rules(default_report):
    report = default_report
    cfg = report["config"]
    assert cfg["window"] == "30D" and cfg["policy"] == "default" and cfg["holdout_fraction"] == 0.25
    assert cfg["rules"] == {"cooldown": "24h", "realized_z": 2.0, "realized_min_effect": 0.01,
                            "recovery": True} and cfg["min_labels"] == 150
    assert cfg["gate"]["thresholds"] == {"roc_auc": 0.6} and cfg["training"]["estimator"] == "logistic_regression"
    judged = [w for w in report["windows"] if w["rule"] not in ("history", "initial")]
    assert judged and all(w["labelled"] > 0 for w in judged)
    assert all(w["rule"] in ("none", "realized_z", "recovery", "cooldown") for w in judged)


def compare_argv(spec) -> list[str]:
    """``ctloop backtest --compare never,always,default`` of the spec's model, 60-day windows, labels 20 days late."""
    return ["backtest", "--config", str(spec), "--model", "credit", "--window", "60D", "--label-delay", "20D",
            "--compare", "never,always,default"]


@pytest.fixture(scope="module")
def one_job_compare(spec, tmp_path_factory) -> tuple[int, Path, str]:
    """``compare_argv --jobs 1``: its exit code, output directory and what it printed. One run read by
    the table test and by the parallel test (the table its two processes must give)."""
    out = tmp_path_factory.mktemp("compare-one-job")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main([*compare_argv(spec), "--jobs", "1", "--output", str(out)])
    return code, out, printed.getvalue()


def test_compare_writes_one_table_and_one_plot(one_job_compare):
    code, output, out = one_job_compare
    assert code == 0
    assert "[never] window" in out and "[always] window" in out and "[default] window" in out  # progress
    rows = list(csv.DictReader((output / "compare.csv").open()))
    assert [r["policy"] for r in rows] == ["never", "always", "default"]
    assert rows[0]["retrains"] == "0" and int(rows[1]["retrains"]) > 0 and rows[1]["delta_vs_always_pts"] == "0.0"
    data = json.loads((output / "compare.json").read_text())
    assert data["reports"]["default"]["config"]["label_delay"] == "20D"
    assert (output / "compare.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("argv", "message"), [
    (["--model", "nope"], "--model 'nope' is not in"),
    (["--model", "credit", "--label-delay", "soon"], "--label-delay 'soon' not understood"),
])
def test_bad_input_is_one_line_and_exit_2(spec, tmp_path, capsys, argv, message):
    code = main(["backtest", "--config", str(spec), "--output", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "compare.csv").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--compare", "never,sometimes"], "argument --compare: must be one of never, always, drift, default or every:N "
                                       "(N >= 1), got 'sometimes'"),
    (["--compare", "never,every:0"], "argument --compare: must be one of"),
    (["--compare", ","], "argument --compare: name one or more policies"),
    (["--policy", "every:x"], "argument --policy: must be one of never, always, drift, default or every:N (N >= 1), "
                              "got 'every:x'"),
])
def test_a_bad_policy_is_refused_by_the_parser_before_the_table_is_read(spec, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["backtest", "--config", str(spec), "--model", "credit", "--output", str(tmp_path), *argv])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err.strip().splitlines()[-1] and "Traceback" not in err
    assert not (tmp_path / "compare.csv").exists()


def test_compare_of_an_error_metric_reads_as_a_relative_difference():
    """``--compare`` printed "+176.96 pts vs always" for a regressor: 100 x an RMSE difference is
    no point of anything. Points stay for the bounded scores (AUC, accuracy, ...); an error metric
    (rmse, mae, log_loss: lower is better) is compared in per cent of always's value."""
    from types import SimpleNamespace

    from ctloop.backtest import comparison_table

    def report(mean, retrains, metric="rmse"):
        return SimpleNamespace(metric=metric, mean_metric=mean, retrains=retrains, promotions=retrains,
                               skipped=0, train_windows=2)

    rows = comparison_table({"never": report(4.0, 0), "always": report(2.5, 12), "default": report(2.0, 6)})
    assert [r.get("delta_vs_always_pts") for r in rows] == [None, None, None]
    assert [r["delta_vs_always_pct"] for r in rows] == [60.0, 0.0, -20.0]
    auc = comparison_table({"always": report(0.9, 10, "roc_auc"), "default": report(0.885, 4, "roc_auc")})
    assert auc[1]["delta_vs_always_pts"] == -1.5 and "delta_vs_always_pct" not in auc[1]


def test_compare_replays_the_policies_in_parallel_processes_with_the_same_results(spec, one_job_compare, tmp_path,
                                                                                  capfd):
    """``--jobs 2`` replays two policies at a time, each in its own process (one OpenMP thread each:
    ``run_backtest``): the same table as one after the other, every window's progress line printed
    by the process that replayed it, and a data error raised in a child process is the same one-line
    error (exit 2) as in one process."""
    code, one, _ = one_job_compare  # the same policies replayed one after the other, in this process
    assert code == 0
    capfd.readouterr()
    assert main([*compare_argv(spec), "--jobs", "2", "--output", str(tmp_path / "two")]) == 0
    out = capfd.readouterr().out
    assert "[never] window" in out and "[always] window" in out and "[default] window" in out
    assert (one / "compare.csv").read_text() == (tmp_path / "two" / "compare.csv").read_text()
    bad = tmp_path / "bad.csv"
    make_credit_data(n_rows=600, seed=3).assign(**{CREDIT_TARGET: "yes"}).to_csv(bad, index=False)
    code = main(["backtest", "--data", str(bad), "--target", CREDIT_TARGET, "--time-column", CREDIT_TIME_COLUMN,
                 "--window", "30D", "--compare", "never,always", "--jobs", "2", "--output", str(tmp_path / "bad")])
    err = capfd.readouterr().err
    assert code == 2 and "breaks rule" in err and "Traceback" not in err, err


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    import os

    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _replay_worker(pid: int) -> bool:
    """Whether ``pid`` is (still) a live process of a spawn pool (it may end while it is read)."""
    try:
        with open(f"/proc/{pid}/cmdline") as fh:
            return "spawn_main" in fh.read()  # a zombie's cmdline is empty
    except OSError:
        return False


def _kill(pids) -> None:
    import os
    import signal

    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _await_gone(workers, message: str) -> None:
    """Fail with ``message`` unless every one of ``workers`` has ended within 30 s."""
    import time

    deadline = time.monotonic() + 30
    while any(_replay_worker(w) for w in workers):
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.2)


def _end(proc, workers, watchdog) -> None:
    """Whatever a test of a running compare found: the command and its replays end with it."""
    watchdog.cancel()
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    _kill(w for w in workers if _replay_worker(w))


def _start_compare(data, output, **popen):
    """``ctloop backtest --compare always,every:2 --jobs 2`` over 355 daily windows, unbuffered."""
    import os
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "ctloop", "backtest", "--data", str(data), "--target", CREDIT_TARGET,
           "--time-column", CREDIT_TIME_COLUMN, "--window", "1D", "--compare", "always,every:2", "--jobs", "2",
           "--output", str(output)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            **popen)


@pytest.fixture(scope="module")
def long_data(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "long.csv"
    make_credit_data(n_rows=60_000, seed=5).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_compare_stops_its_replays_when_the_parent_is_interrupted_or_killed(tmp_path, long_data, signum):
    """A signal to ``ctloop backtest --compare --jobs 2`` alone (a supervisor's SIGTERM, a SIGINT
    sent to its pid rather than to the terminal's process group) ends the replays running in the
    child processes at once: an interrupt does not wait for every policy to finish (it did: a minute
    here), and a terminated parent shuts its pool down and exits 143 (no replay running on, no
    semaphore left to the resource tracker; killed, the workers end themselves). Timeouts are far above the real time;
    whatever fails, the command and its replays are killed before the test ends."""
    import os
    import signal
    import subprocess
    import threading

    proc = _start_compare(long_data, tmp_path / "out", stderr=subprocess.STDOUT,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    workers: set[int] = set()
    watchdog = threading.Timer(240, proc.kill)  # a start that never prints both replays' windows
    watchdog.start()
    try:
        seen, lines = set(), []
        for line in proc.stdout:  # both replays are running in their processes
            lines.append(line)
            seen |= {p for p in ("[always] window", "[every:2] window") if p in line}
            if len(seen) == 2:
                break
        watchdog.cancel()
        workers = {c for c in _children(proc.pid) if _replay_worker(c)}
        assert len(seen) == 2 and len(workers) == 2, "".join(lines[-20:])
        rest: list[str] = []
        drain = threading.Thread(target=lambda: rest.append(proc.stdout.read()), daemon=True)
        drain.start()  # keep the output pipe drained
        os.kill(proc.pid, getattr(signal, signum))
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{signum}: the parent waited for the replays to finish")
        assert proc.returncode == (130 if signum == "SIGINT" else 128 + signal.SIGTERM)  # a shell's status
        drain.join(30)
        # the pool was shut down, not abandoned: multiprocessing's resource tracker (python 3.11
        # multiprocessing/resource_tracker.py) warned "leaked semaphore objects" after a SIGTERM
        assert "leaked" not in "".join(rest) and "Traceback" not in "".join(rest), "".join(rest)
        _await_gone(workers, f"{signum}: a replay outlived its parent")
    finally:
        _end(proc, workers, watchdog)


def _progress_failing_in_every_2(message: str) -> None:
    """A progress callback (picklable: the replay processes import it) under which the
    ``every:2`` replay fails at its first window while ``always`` goes on."""
    from ctloop.errors import DataValidationError

    if message.startswith("[every:2] window"):
        raise DataValidationError([("x", "test", 1, "the every:2 replay failed")])
    print(message, flush=True)


def test_an_error_in_a_later_policy_ends_the_earlier_replays_at_once(long_data, capfd):
    """The policies' results are collected in order, but an error in the second replay must not
    wait for the first one to finish (it did: ``futures[p].result()`` in order waited a minute of
    ``always`` here before the error was seen): it is raised, and ``always`` stopped, at once —
    its process ended and reaped (a notebook's or a test's process kept zombies)."""
    import os
    from multiprocessing import resource_tracker

    import pandas as pd

    from ctloop.backtest import BacktestConfig, compare
    from ctloop.errors import DataValidationError

    data = pd.read_csv(long_data)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="1D")
    before = _children(os.getpid())
    with pytest.raises(DataValidationError, match="the every:2 replay failed"):
        compare(data, cfg, ["always", "every:2"], progress=_progress_failing_in_every_2, jobs=2)
    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)  # the interpreter's, ends with it
    left = _children(os.getpid()) - before - {tracker}
    assert not left, f"the replays' processes are still there (zombies or running): {left}"
    windows = [line for line in capfd.readouterr().out.splitlines() if line.startswith("[always] window")]
    assert len(windows) < 100, len(windows)  # of its 355 daily windows: stopped, not run to the end


def test_a_replay_process_killed_from_outside_is_one_line(tmp_path, long_data):
    """A replay's process killed from outside (the kernel's OOM killer: each process holds a copy
    of the data and its models) ends ``--compare`` with one line that says what happened and what
    to do, exit 2 — not concurrent.futures' BrokenProcessPool traceback — and the other replay
    stopped."""
    import os
    import signal
    import subprocess
    import threading
    import time

    proc = _start_compare(long_data, tmp_path / "out", stderr=subprocess.PIPE)
    workers: set[int] = set()
    watchdog = threading.Timer(240, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            if "[always] window" in line:
                break
        watchdog.cancel()
        deadline = time.monotonic() + 30
        while len(workers) < 2 and time.monotonic() < deadline:
            workers = {c for c in _children(proc.pid) if _replay_worker(c)}
        assert len(workers) == 2
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        os.kill(min(workers), signal.SIGKILL)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the parent waited after a replay's process was killed")
        assert proc.returncode == 2, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert "ended abruptly" in err and "--jobs 1" in err, err
        _await_gone(workers, "a replay outlived the failed compare")
    finally:
        _end(proc, workers, watchdog)


def _print_progress(message: str) -> None:
    print(message, flush=True)


def test_an_interrupt_while_the_replays_are_submitted_stops_them_too(long_data, capfd, monkeypatch):
    """An interrupt that lands while the policies are being handed to the pool (the first replay
    already running) stops that replay as well: it was outside the guarded block, and the pool's
    ``with`` waited for ``always`` to finish its 355 windows."""
    from concurrent.futures import ProcessPoolExecutor

    import pandas as pd

    from ctloop.backtest import BacktestConfig, compare

    submit, calls = ProcessPoolExecutor.submit, []

    def interrupted_submit(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", interrupted_submit)
    data = pd.read_csv(long_data)
    cfg = BacktestConfig(target=CREDIT_TARGET, time_column=CREDIT_TIME_COLUMN, window="1D")
    with pytest.raises(KeyboardInterrupt):
        compare(data, cfg, ["always", "every:2"], progress=_print_progress, jobs=2)
    windows = [line for line in capfd.readouterr().out.splitlines() if line.startswith("[always] window")]
    assert len(windows) < 100, len(windows)


@pytest.mark.parametrize("policies", [["--policy", "never"], ["--compare", "never,always", "--jobs", "2"]],
                         ids=["one", "compare-in-processes"])
def test_a_note_on_the_data_is_one_warning_line_not_a_python_warning(tmp_path, policies):
    """ctloop's own notes (dates only in sub-day windows; the train core's notes) printed as
    Python warnings: '/…/ctloop/backtest.py:400: UserWarning: …' followed by a source line."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    data = pd.DataFrame({"t": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 20, 1200), unit="D"),
                         "a": rng.normal(size=1200)})
    data["y"] = (data.a + rng.normal(size=1200) > 0).astype(int)
    data.to_csv(tmp_path / "dates.csv", index=False)
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ctloop", "backtest", "--data", str(tmp_path / "dates.csv"),
                           "--target", "y", "--time-column", "t", "--window", "12h", *policies,
                           "--quiet", "--output", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    err = done.stderr
    assert done.returncode == 0, err
    assert "warning: column 't' holds dates only (every time at midnight): with --window 12h, 1 window in 2" in err
    assert "UserWarning" not in err and "backtest.py" not in err, err


def test_config_replays_the_monitoring_metric_not_the_gates(spec, tmp_path, default_report):
    """The rules of ``monitor_model`` judge ``monitoring.metric`` (``labels.realized.resolve``:
    empty = the task's default); the replay judged the gate's primary metric whatever monitoring
    said, so a ctloop.yaml with ``monitoring.metric: accuracy`` was replayed on ROC AUC. The
    windows stay scored on the gate's primary metric (the table's column)."""
    text = spec.read_text().replace("min_labels: 150", "min_labels: 150\n      metric: accuracy")
    (tmp_path / "ctloop.yaml").write_text(text)
    code = main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "credit",
                 "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    report = json.loads((tmp_path / "out" / "backtest.json").read_text())
    assert report["config"]["realized_metric"] == "accuracy" and report["metric"] == "roc_auc"
    judged = [w for w in report["windows"] if w["rule"] not in ("history", "initial") and w["labelled"]]
    # the rules compare the realized statistics of the judged metric (for accuracy: the Brier score
    # alone, as monitoring does), never the ROC AUC the gate ranks by (a retrain's gate still does)
    quiet = [w["reason"] for w in judged if w["rule"] == "none"]
    assert quiet and not any("roc_auc" in r for r in quiet), quiet
    # labels of the whole window (no delay): accuracy, not the window's ROC AUC
    whole = [w for w in judged if w["labelled"] == w["rows"]]
    assert whole and all(w["realized"] != w["metric"] for w in whole)

    # without a monitoring metric: monitoring's default for the task (roc_auc), as before
    assert default_report["config"]["realized_metric"] == "roc_auc"


def test_a_monitoring_metric_of_another_task_is_one_line(spec, tmp_path, capsys):
    text = spec.read_text().replace("min_labels: 150", "min_labels: 150\n      metric: rmse")
    (tmp_path / "ctloop.yaml").write_text(text)
    code = main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "credit",
                 "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "rmse" in err and "Traceback" not in err


def test_the_replay_and_monitoring_share_their_defaults(spec, tmp_path):
    """A monitoring section without min_labels replayed with monitoring's 200 and no --config with
    the backtest's own 100: one default now (MonitoringConfig), and the realized metric without a
    monitoring section is monitoring's default for the task too, not the gate's primary metric."""
    from ctloop.config import MonitoringConfig

    (tmp_path / "ctloop.yaml").write_text(spec.read_text().replace("      min_labels: 150\n", ""))
    assert main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "credit", "--quiet",
                 "--output", str(tmp_path / "a")]) == 0
    assert main(["backtest", "--data", str(spec.parent / "credit.csv"), "--target", CREDIT_TARGET,
                 "--time-column", CREDIT_TIME_COLUMN, "--window", "30D", "--quiet", "--primary-metric", "accuracy",
                 "--thresholds", '{"accuracy": 0.5}', "--output", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "backtest.json").read_text())["config"]
    b = json.loads((tmp_path / "b" / "backtest.json").read_text())["config"]
    assert a["min_labels"] == b["min_labels"] == MonitoringConfig.min_labels, (a["min_labels"], b["min_labels"])
    assert b["realized_metric"] == "roc_auc"


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_stopping_the_pool_ends_its_manager_thread_before_returning():
    """``backtest._stop`` (an error or an interrupt in ``--compare --jobs``) shut the pool down
    without waiting, so its manager thread was still closing its wake-up pipe when the interpreter
    exited: CPython 3.11's ``concurrent.futures.process._python_exit`` wrote to it and printed
    "Exception ignored … OSError: [Errno 9] Bad file descriptor" after a SIGTERM (a fresh-clone
    `make test` failed the SIGTERM test once on it). The thread has ended when ``_stop`` returns."""
    import time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from ctloop.backtest import _stop

    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    future = pool.submit(_sleep, 60)
    while not future.running():
        time.sleep(0.05)
    manager = pool._executor_manager_thread
    _stop(pool)
    assert manager is not None and not manager.is_alive()
