"""Hostile values for every ``ctloop`` flag that takes a number, duration, time, path, URI, name,
percentage or cron string, and hostile ``ctloop.yaml`` files.

The rule (README, "bad input"): exit code 2, no traceback, one ``error:`` line naming the flag
(or the config key / file) and the value, control characters in the value written as escapes
(a value with a newline must not start a second, forged ``error:`` line in a log), and nothing
written in the working directory. The flags are walked from ``ctloop.cli.build_parser()``:
:func:`test_every_value_flag_has_hostile_cases` fails for a new flag that takes a value and is
neither in :data:`FLAGS` nor in :data:`NOT_SWEPT` with a reason. Commands that would talk to a
server get one that is not there (``http://127.0.0.1:9``, a sqlite file that does not exist, no
kubeconfig); a case is bounded (:data:`HANG_S`): a hang is a failure.

Values an OS cannot pass in ``argv`` (NUL) are not swept; the non-UTF-8 bytes of a real ``argv``
arrive as surrogate escapes (PEP 383) and are swept in-process as such, plus one real process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctloop.cli import build_parser
from tests.helpers import run_main

HANG_S = 60
LONG = "x" * 5000  # one path component past NAME_MAX (255)
DEEP = "x/" * 2100  # a path past PATH_MAX (4096)
FORGED = "\nerror: all good"  # a value that would forge a second error line if printed raw

# --------------------------------------------------------------------------- hostile values per kind
VALUES: dict[str, list[str]] = {
    "count": ["=-1", "0", "nan", "inf", "1e400", "", " ", "1.5", "7" + FORGED, "9" * 5000, "\udcff"],
    "count0": ["=-1", "nan", "inf", "1e400", "", " ", "1.5", "7" + FORGED, "9" * 5000],
    "number": ["nan", "inf", "=-inf", "1e400", "", " ", "\x1b[31m5", "9" * 400],
    "share": ["=-1", "1.5", "nan", "inf", "1e400", "", "0.5\r" + FORGED],
    "seconds": ["=-1", "0", "nan", "inf", "1e400", "", "5" + FORGED],
    "duration": [" ", "=-1D", "0s", "nanD", "1e400D", "99999999999999999999D", "1D" + FORGED,
                 "\x1b[2J30D", LONG],
    "delay": [" ", "=-1D", "nanD", "1e400D", "99999999999999999999D", "1D" + FORGED, "\x1b[2J30D", LONG],
    "time": ["yesterday", "2026-13-45", "9999-99-99T00:00", "2026-01-01" + FORGED, "nan", LONG],
    "input": [" ", "data/adir", "data/absent.csv", "data/empty.csv", "data/binary.bin", "data/binary.csv",
              "data/binary.parquet",
              "data/a" + FORGED + ".csv", LONG, DEEP, "nope://bucket/x.csv"],
    "output": [LONG, DEEP, "o" + FORGED, "o\udce9"],  # inside a file: test_bad_inputs.py
    "spec": [" ", "data/adir", "data/absent.yaml", "data/binary.bin", "data/a" + FORGED + ".yaml", LONG, DEEP],
    "pathform": [" ", "data/a" + FORGED + ".yaml", LONG, DEEP, "data/caf\udce9.yaml"],
    "url": [" ", "nope://x", "ftp://h/x", "http://", "http://[::1", "http://127.0.0.1:9" + FORGED,
            "http://" + LONG, "http://127.0.0.1:99999"],
    "tracking": [" ", "nope://x", "ftp://h/x", "http://", "http://[::1", "http://127.0.0.1:9" + FORGED,
                 "\x1b[2J"],
    "model": ["", " ", "../evil", "a/../../b", "..", "m" + FORGED, "\x1b[2Jm", "m\rm"],
    "k8s": [" ", "../evil", "Bad_NS", "m" + FORGED, "m" * 300],
    "percent": ["101", "=-1", "50.5", "nan", "", "1e400", "50" + FORGED],
    "cron": ["0 0 * * *", "61 0 * * * *", "0 0 25 * * *", "0 0 0 32 * *", "* * * * * * *", "", " ",
             "0 0 3 * * *" + FORGED, "@every 0s", LONG],
    "jsonobject": ["nan", "1e400", '{"a": NaN}', "{" + FORGED, "[1]"],
    "json": ["", "nan", "1e400", '{"a": NaN}', "{" + FORGED, "\x1b"],
    "image": [" ", "r.example/c:1 --privileged", "r.example/c:1" + FORGED, "\x1b[2J", "r.example/c:1\t"],
    "version": ["0", "=-1", "1.5", "nan", "", "latest" + FORGED, "9" * 5000],
}
# "pathform": values refused by their form alone (doctor reports a file that is missing or not a
# kubeconfig as a FAIL line of its own, exit 1: tests/ops/test_doctor.py).
# A value led by "=" is passed as --flag=value (argparse reads "-1" alone as an option).

K8S = ["--isvc", "m", "--namespace", "ns"]
SQL = ["--tracking-uri", "sqlite:///r/mlflow.db"]
KFP = ["--host", "http://127.0.0.1:9", "--timeout", "3"]
PARAMS = ["--image", "r.example/c:1", "--param", "model_name=m", "--param", "data.uri=x.csv",
          "--param", "data.target=y", "--param", "data.time_column=t"]
BASE = {  # a valid command line the hostile flag is put into (it replaces a flag given here)
    "run": ["--local", "--data", "data/good.csv", "--param", "model_name=m", "--param", "data.target=default",
            "--param", "data.time_column=application_date"],
    "backtest": ["--data", "data/good.csv", "--target", "default", "--time-column", "application_date",
                 "--window", "30D"],
    "generate-data": ["--rows", "50", "--output", "out/x.parquet"],
    "demo": ["--rows", "500", "--workdir", "d"],
    "compile": ["--output-dir", "b"],
    "drift": ["--reference", "data/good.csv", "--current", "data/good.csv"],
    "doctor": KFP,
    "upload": ["--dry-run", "--image", "r.example/c:1"],
    "schedule": ["--cron", "0 0 3 * * *", *KFP, *PARAMS],
    "apply": ["-f", "data/spec.yaml", "--dry-run"],
    "trigger": [*KFP, *PARAMS],
    "runs": KFP,
    "audit": ["--model-name", "m", *SQL],
    "rollout status": K8S, "rollout canary": [*K8S, "--percent", "10"], "rollout promote": K8S,
    "rollout rollback": [*K8S, "--model-name", "m"],
    "approve": ["--model-name", "m", "--version", "1", "--reason", "ok", *SQL],
    "reject": ["--model-name", "m", "--version", "1", "--reason", "no", *SQL],
    "registry status": ["--model-name", "m", *SQL], "registry repair": ["--model-name", "m", *SQL],
    "registry verify": ["--model-name", "m", "--version", "1", *SQL],
    "logger serve": ["--root", "out", "--wal", "wal", "--port", "0"],
    "logger import": ["data/adir", "--root", "out"],
    "logger requeue": ["--root", "out"],
    "labels ingest": ["--labels", "data/labels.csv", "--store", "store"],
    "labels report": ["--log-root", "data/adir", "--store", "data/adir", "--model-name", "m"],
    "monitor history": ["--model-name", "m", *SQL],
    "score": ["--model-name", "m", "--data", "data/good.csv", "--output", "out", *SQL],
    "config docs": [],
}

# (command, flag, kind); "" is the positional argument. A case's value must be refused.
FLAGS: list[tuple[str, str, str]] = [
    ("run", "--data", "input"), ("run", "--tracking-uri", "tracking"), ("run", "--workdir", "output"),
    ("backtest", "--window", "duration"), ("backtest", "--train-window", "duration"),
    ("backtest", "--label-delay", "delay"), ("backtest", "--jobs", "count"), ("backtest", "--min-labels", "count"),
    ("backtest", "--seed", "count0"), ("backtest", "--tolerance", "number"), ("backtest", "--bootstrap-rounds", "count"),
    ("backtest", "--drift-share", "share"), ("backtest", "--drift-threshold", "number"),
    ("backtest", "--data", "input"), ("backtest", "--config", "spec"), ("backtest", "--output", "output"),
    ("backtest", "--hyperparameters", "json"), ("backtest", "--thresholds", "json"),
    ("generate-data", "--rows", "count"), ("generate-data", "--seed", "count0"), ("generate-data", "--output", "output"),
    ("demo", "--rows", "count"), ("demo", "--workdir", "output"),
    ("compile", "--image", "image"), ("upload", "--image", "image"), ("schedule", "--image", "image"),
    ("apply", "--image", "image"), ("trigger", "--image", "image"),
    ("compile", "--retries", "count0"), ("compile", "--resources", "json"), ("compile", "--node-selector", "json"),
    ("compile", "--output-dir", "output"),
    ("drift", "--reference", "input"), ("drift", "--current", "input"), ("drift", "--threshold", "number"),
    ("drift", "--drift-share", "share"), ("drift", "--calibrate", "count0"), ("drift", "--sketch-size", "count"),
    ("drift", "--max-categories", "count"), ("drift", "--batch-rows", "count"), ("drift", "--min-rows", "count"), ("drift", "--report-sample-size", "count0"),
    ("drift", "--seed", "count0"), ("drift", "--output", "output"),
    ("doctor", "-f", "spec"), ("doctor", "--host", "url"), ("doctor", "--timeout", "seconds"),
    ("doctor", "--namespace", "k8s"), ("doctor", "--kfp-namespace", "k8s"),
    # every KFP command's --kfp-namespace (round 61), the one of ctloop.cli.ops.add_kfp_options
    ("upload", "--kfp-namespace", "k8s"), ("schedule", "--kfp-namespace", "k8s"), ("apply", "--kfp-namespace", "k8s"),
    ("trigger", "--kfp-namespace", "k8s"), ("runs", "--kfp-namespace", "k8s"), ("approve", "--kfp-namespace", "k8s"), ("doctor", "--token-file", "pathform"), ("doctor", "--prometheus-url", "url"),
    ("doctor", "--pushgateway-url", "url"),
    ("doctor", "--tracking-uri", "tracking"), ("doctor", "--kubeconfig", "pathform"),
    ("upload", "--timeout", "seconds"), ("upload", "--host", "url"), ("upload", "--token-file", "spec"),
    ("upload", "--namespace", "k8s"),
    ("schedule", "--cron", "cron"), ("schedule", "--max-concurrency", "count"), ("schedule", "--host", "url"),
    ("schedule", "--timeout", "seconds"),
    ("apply", "-f", "spec"), ("apply", "--timeout", "seconds"), ("apply", "--host", "url"),
    ("apply", "--token-file", "spec"),
    ("trigger", "--params", "jsonobject"), ("trigger", "--host", "url"), ("trigger", "--timeout", "seconds"),
    ("trigger", "--idempotency-key", "model"),
    ("runs", "--limit", "count"), ("runs", "--host", "url"), ("runs", "--tracking-uri", "tracking"),
    ("runs", "--timeout", "seconds"),
    ("audit", "--model-name", "model"), ("audit", "--limit", "count"), ("audit", "--tracking-uri", "tracking"),
    ("rollout status", "--timeout", "seconds"), ("rollout status", "--isvc", "k8s"),
    ("rollout status", "--namespace", "k8s"), ("rollout status", "--kubeconfig", "spec"),
    ("rollout status", "--tracking-uri", "tracking"),
    ("rollout canary", "--percent", "percent"), ("rollout promote", "--version", "version"),
    ("rollout rollback", "--to-version", "version"), ("rollout rollback", "--model-name", "model"),
    ("approve", "--model-name", "model"), ("approve", "--version", "version"),
    ("approve", "--tracking-uri", "tracking"), ("approve", "--host", "url"),
    ("approve", "--token-file", "spec"), ("approve", "--timeout", "seconds"),
    ("reject", "--model-name", "model"), ("reject", "--version", "version"), ("reject", "--tracking-uri", "tracking"),
    ("registry verify", "--tracking-uri", "tracking"), ("runs", "--token-file", "spec"),
    ("upload", "--ca-file", "spec"), ("approve", "--ca-file", "spec"),
    ("runs", "--ca-file", "spec"), ("doctor", "--ca-file", "pathform"),
    ("registry status", "--model-name", "model"), ("registry status", "--tracking-uri", "tracking"),
    ("registry repair", "--model-name", "model"), ("registry repair", "--tracking-uri", "tracking"),
    ("registry verify", "--version", "version"), ("registry verify", "--model-name", "model"),
    ("logger import", "", "input"), ("logger import", "--root", "output"),
    ("logger import", "--max-body-bytes", "count"), ("logger import", "--max-object-bytes", "count"),
    ("logger import", "--join-ttl-seconds", "seconds"), ("logger import", "--max-columns", "count"),
    ("logger import", "--checkpoint-objects", "count"), ("logger import", "--progress-objects", "count0"),
    ("logger requeue", "--root", "output"), ("logger requeue", "--max-body-bytes", "count"),
    ("logger requeue", "--join-ttl-seconds", "seconds"), ("logger requeue", "--max-columns", "count"),
    ("labels ingest", "--labels", "input"), ("labels ingest", "--store", "output"),
    ("labels report", "--start", "time"), ("labels report", "--end", "time"), ("labels report", "--lookback", "duration"),
    ("labels report", "--window", "duration"), ("labels report", "--model-name", "model"),
    ("labels report", "--log-root", "input"), ("labels report", "--store", "input"),
    ("labels report", "--tracking-uri", "tracking"), ("labels report", "--output", "output"),
    ("monitor history", "--model-name", "model"), ("monitor history", "--limit", "count"),
    ("monitor history", "--drift-share", "share"), ("monitor history", "--tracking-uri", "tracking"),
    ("monitor history", "--output", "output"),
    ("score", "--model-name", "model"), ("score", "--data", "input"), ("score", "--output", "output"),
    ("score", "--batch-rows", "count"), ("score", "--tracking-uri", "tracking"),
    ("config docs", "--output", "output"),
]

# Value-taking flags not swept here, and why (a new flag must go into FLAGS or here).
NOT_SWEPT = {
    ("run", "--pipeline"): "a choice among the pipelines: tests/unit/test_bad_inputs.py",
    ("run", "--param"): "KEY=JSON pairs: tests/unit/test_bad_inputs.py, tests/ops",
    ("schedule", "--param"): "as run --param", ("trigger", "--param"): "as run --param",
    ("backtest", "--model"): "a model of --config, looked up in it",
    ("backtest", "--target"): "a column: the data's own columns name it (test_bad_inputs.py)",
    ("backtest", "--time-column"): "a column (test_bad_inputs.py)",
    ("backtest", "--policy"): "a policy name (test_backtest_cli.py)", ("backtest", "--compare"): "policy names",
    ("backtest", "--time-format"): "an strftime format", ("backtest", "--task"): "a choice",
    ("backtest", "--estimator"): "an estimator name (test_bad_inputs.py)",
    ("backtest", "--primary-metric"): "a metric name", ("backtest", "--drift-method"): "a method name",
    ("compile", "--tolerations"): "JSON as --resources",
    ("drift", "--columns"): "column names (test_column_list_flags.py)", ("drift", "--exclude"): "as --columns",
    ("drift", "--time-column"): "a column",
    ("doctor", "--token"): "a secret", ("doctor", "--isvc"): "names checked against the cluster",
    ("doctor", "--pipeline-namespace"): "a namespace read from the cluster",
    ("doctor", "--service-account"): "a name checked against the cluster",
    ("doctor", "--metric-source"): "a choice", ("doctor", "--context"): "a kubeconfig context",
    ("doctor", "--kserve-namespace"): "a namespace read from the cluster",
    **{(c, "--token"): "a secret" for c in ("upload", "schedule", "apply", "trigger", "runs", "approve")},
    **{(c, f): "a KFP name the server checks" for c in ("upload", "schedule", "trigger", "runs", "approve")
       for f in ("--pipeline", "--pipeline-name", "--experiment", "--job-name", "--run-name")},
    **{(c, "--mount-pvc"): "CLAIM:PATH (tests/unit/test_bad_inputs.py)" for c in ("compile", "upload", "schedule",
                                                                                  "trigger")},
    **{(c, "--namespace"): "as doctor --namespace" for c in ("schedule", "trigger", "runs", "approve")},
    ("schedule", "--service-account"): "a name the cluster checks",
    ("schedule", "--token-file"): "as upload --token-file", ("trigger", "--token-file"): "as upload --token-file",
    **{(c, "--ca-file"): "as upload --ca-file" for c in ("schedule", "trigger", "apply")},
    ("runs", "--experiment"): "a KFP name", ("runs", "--model-name"): "a filter",
    **{(f"rollout {s}", f): "as rollout status" for s in ("canary", "promote", "rollback")
       for f in ("--isvc", "--namespace", "--kubeconfig", "--timeout", "--tracking-uri")},
    **{(f"rollout {s}", "--context"): "a kubeconfig context" for s in ("status", "canary", "promote", "rollback")},
    **{(f"rollout {s}", "--model-name"): "as rollout rollback" for s in ("status", "canary", "promote")},
    ("rollout promote", "--reason"): "free text", ("rollout rollback", "--reason"): "free text",
    ("rollout rollback", "--failed-version"): "as --to-version",
    ("approve", "--reason"): "free text", ("approve", "--by"): "free text",
    ("reject", "--reason"): "free text", ("reject", "--by"): "free text",
    ("logger serve", "*"): "serves until stopped: tests/unit/test_bad_inputs.py runs it as a process",
    ("labels ingest", "--key"): "a column", ("labels ingest", "--label-column"): "a column",
    ("labels report", "--score-column"): "a column", ("labels report", "--classes"): "class labels",
    ("labels report", "--metrics"): "metric names (test_bad_inputs.py)",
    ("score", "--alias"): "an alias looked up in the registry", ("score", "--id-column"): "a column",
    ("score", "--run-id"): "an id looked up in the registry", ("score", "--log-root"): "as --output",
}


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name))
            return
    yield " ".join(prefix), parser


def test_every_value_flag_has_hostile_cases():
    swept = {(c, f) for c, f, _ in FLAGS}
    missing = []
    for command, parser in _commands(build_parser()):
        for action in parser._actions:
            if action.nargs == 0 or action.choices is not None or isinstance(action, argparse._HelpAction):
                continue
            flag = max(action.option_strings, key=len, default="")
            short = min(action.option_strings, key=len, default="")
            if {(command, flag), (command, short), (command, "*")} & (swept | set(NOT_SWEPT)):
                continue
            missing.append(f"{command} {flag or action.dest}")
    assert missing == []


def _cases():
    for command, flag, kind in FLAGS:
        for value in VALUES[kind]:
            as_option = value.startswith("=")
            value = value[1:] if as_option else value
            base = list(BASE[command])
            if flag in base and base[base.index(flag) + 1] == value:
                continue  # the valid command line's own value
            if flag == "":
                argv = [*command.split(), value, *base[1:]]
            elif flag in base:
                i = base.index(flag)
                argv = [*command.split(), *base[:i], *base[i + 2:], *([f"{flag}={value}"] if as_option
                                                                      else [flag, value])]
            else:
                argv = [*command.split(), *base, *([f"{flag}={value}"] if as_option else [flag, value])]
            shown = value if len(value) < 30 else f"{value[:12]}..{len(value)}"
            yield pytest.param(argv, flag, value, id=f"{command.replace(' ', '-')}:{flag or 'arg'}={shown!r}")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from ctloop.synthetic import make_credit_data

    d = tmp_path_factory.mktemp("hostile-data")
    good = make_credit_data(n_rows=300, seed=3)
    good.to_csv(d / "good.csv", index=False)
    good.assign(request_id=[f"r{i}" for i in range(len(good))], label=good["default"])[
        ["request_id", "label"]].to_csv(d / "labels.csv", index=False)
    (d / "empty.csv").write_bytes(b"")
    (d / "binary.bin").write_bytes(bytes(range(256)) * 40)
    (d / "binary.csv").write_bytes(bytes(range(256)) * 40)  # a binary file named as a table
    (d / "binary.parquet").write_bytes(bytes(range(256)) * 40)
    (d / "adir").mkdir()
    (d / "afile").write_text("a file, not a directory\n")
    (d / "spec.yaml").write_text((Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml").read_text())
    return d


def _environment(monkeypatch, work: Path, home: Path) -> Path:
    """``work`` the working directory, an environment without a server or credentials."""
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))  # no kubeconfig, no cloud credentials
    monkeypatch.setenv("KUBECONFIG", str(home / "no-kubeconfig"))
    for name in ("MLFLOW_TRACKING_URI", "KFP_HOST", "KFP_TOKEN", "KFP_TOKEN_FILE", "STORAGE_EMULATOR_HOST",
                 "CTLOOP_IMAGE"):
        monkeypatch.delenv(name, raising=False)
    return work


def _work(root: Path, data_dir: Path) -> Path:
    work = root / "work"
    work.mkdir()
    (work / "data").symlink_to(data_dir, target_is_directory=True)
    return work


@pytest.fixture
def workdir(data_dir, tmp_path, monkeypatch) -> Path:
    """The case's own working directory (a case that writes its ``ctloop.yaml`` there). ``main``
    keeps the parser it built for a command (``ctloop.cli._PARSERS``): argparse only reads it, and
    tests/unit/test_cli_parser_cache.py checks that no default is an object a case could change."""
    return _environment(monkeypatch, _work(tmp_path, data_dir), tmp_path / "home")


@pytest.fixture(scope="module")
def _sweep_root(data_dir, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-sweep")
    _work(root, data_dir)
    return root


@pytest.fixture
def sweep_workdir(_sweep_root, monkeypatch) -> Iterator[Path]:
    """One working directory for the ~1,000 swept flag values, which must write nothing in it (each
    checks): a ``tmp_path`` of its own per case (made, numbered, symlinked, removed) cost ~1 ms a
    case. Whatever a failing case left is removed after it."""
    work = _environment(monkeypatch, _sweep_root / "work", _sweep_root / "home")
    yield work
    for left in work.iterdir():
        if left.name != "data":
            shutil.rmtree(left) if left.is_dir() and not left.is_symlink() else left.unlink()


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.relative_to(root).parts[0] != "data"}


def run_cli(argv: list[str], capsys) -> tuple[object, str, str, float]:
    start = time.monotonic()
    code, out, err = run_main(argv, capsys, HANG_S)
    return code, out, err, time.monotonic() - start


def escaped_forms(value: str) -> list[str]:
    """How a message may show ``value`` (a prefix of it): as typed when printable, else escaped."""
    forms = [repr(value)[1:-1][:24], json.dumps(value)[1:-1][:24]]
    if value.isprintable():
        forms.append(value[:24])
    return forms


def assert_one_clear_line(code, out: str, err: str, names: list[str], value: str | None) -> str:
    """Exit 2, no traceback, no raw control character, one ``error:`` line and nothing after it
    but argparse's usage before it; the line names one of ``names`` and shows ``value``."""
    assert code == 2, f"exit {code}; stdout:\n{out[-1500:]}\nstderr:\n{err[-3000:]}"
    assert "Traceback" not in err + out, err[-3000:]
    raw = sorted({c for c in err if (ord(c) < 32 and c != "\n") or ord(c) == 127})
    assert not raw, f"raw control characters {raw} in: {err[-1500:]!r}"
    lines = err.rstrip("\n").split("\n")
    errors = [i for i, line in enumerate(lines) if "error:" in line]
    assert len(errors) == 1, err[-3000:]
    usage, line, listed = lines[:errors[0]], lines[errors[0]], lines[errors[0] + 1:]
    assert all(u.startswith(("usage:", " ")) for u in usage), err[-3000:]
    if listed:  # several problems of one file (ctloop.errors.problem_list): one indented line each
        assert line.endswith(("problem(s) in the spec:", "problems:")) and all(x.startswith("  ") for x in listed), err[-3000:]
        line = " ".join([line, *listed])
    assert any(n in line for n in names), f"none of {names} named in: {line}"
    if value is not None and value.strip():
        assert any(f in line for f in escaped_forms(value)), f"value {value[:40]!r} not shown in: {line}"
    return line


@pytest.mark.parametrize("argv,flag,value", list(_cases()))
def test_hostile_flag_value_is_one_clear_line(argv, flag, value, sweep_workdir, capsys):
    before = _tree(sweep_workdir)
    code, out, err, _ = run_cli(argv, capsys)
    names = [flag, flag.lstrip("-").replace("-", "_")] if flag else [*escaped_forms(value), "uri"]
    assert_one_clear_line(code, out, err, names, value)
    assert _tree(sweep_workdir) == before, "a refused input wrote into the working directory"


def test_non_utf8_argv_is_one_clear_line(tmp_path):
    """A real process: bytes that are not UTF-8 in argv (a Latin-1 file name) are refused in one
    line, shown escaped, exit 2 (in-process cases get the surrogate escapes such bytes become)."""
    value = b"data/caf\xe9.csv"
    proc = subprocess.run([sys.executable, "-m", "ctloop", "drift", "--reference", value, "--current", value],
                          cwd=tmp_path, capture_output=True, timeout=HANG_S, env={**os.environ, "LC_ALL": "C.UTF-8"})
    err = proc.stderr.decode("utf-8", "replace")
    assert_one_clear_line(proc.returncode, proc.stdout.decode(), err, ["--reference", "reference"], None)
    assert "caf\\udce9" in err or "caf\\xe9" in err, err


def test_backtest_model_without_config_is_refused(workdir, capsys):
    """``--model`` picks a model of ``--config``; alone it was ignored without a word (any value,
    ``../x`` included, ran the whole replay and wrote backtest-output/)."""
    before = _tree(workdir)
    code, out, err, _ = run_cli(["backtest", *BASE["backtest"], "--model", "credit-default"], capsys)
    line = assert_one_clear_line(code, out, err, ["--model"], "credit-default")
    assert "--config" in line
    assert _tree(workdir) == before


def test_a_warning_quoting_a_value_stays_one_line():
    """ctloop's one-line warnings (``warning: ...``) escape a quoted value's newline too."""
    from ctloop.errors import format_warning

    text = format_warning(UserWarning("column 'a\nerror: all good' is constant"), UserWarning,
                          "/site-packages/ctloop/backtest.py", 1)
    assert text == "warning: column 'a\\nerror: all good' is constant\n"


# --------------------------------------------------------------------------- hostile ctloop.yaml
GOOD_MODEL = ("{name: m, data: {uri: x.csv, target: y, time_column: t}, gate: {thresholds: {roc_auc: 0.7}}}")
HEAD = "apiVersion: ctloop.dev/v1alpha2\nkind: ContinuousTraining\n"


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return HEAD + "\n".join(lines) + f"\nmodels: [{GOOD_MODEL}]\n"


# (case id, file content (str or bytes), texts the error line must all contain)
SPECS: list[tuple[str, str | bytes, list[str]]] = [
    ("billion-laughs", _bomb(), ["expands to more than"]),
    ("python-object-tag", HEAD + "models: [!!python/object/apply:os.system ['touch pwned']]\n", ["python/object"]),
    ("python-name-tag", HEAD + "models: !!python/name:os.system\n", ["python/name"]),
    ("duplicate-key", HEAD + f"models: [{GOOD_MODEL}]\nkind: ContinuousTraining\n", ["'kind'", "twice"]),
    ("unknown-root-key", HEAD + f"modles: [{GOOD_MODEL}]\n", ["modles", "models"]),
    ("unknown-model-key", HEAD + "models: [{name: m, dataa: {uri: x.csv}}]\n", ["dataa", "data"]),
    ("unknown-section-key", HEAD + "models: [{name: m, data: {uri: x.csv, target: y, time_column: t, "
                                   "windw: 30D}, gate: {thresholds: {roc_auc: 0.7}}}]\n", ["windw", "window"]),
    ("models-a-mapping", HEAD + f"models: {GOOD_MODEL}\n", ["models"]),
    ("model-a-list", HEAD + "models: [[name, m]]\n", ["models[0]", "name"]),
    ("section-a-list", HEAD + "models: [{name: m, data: [x.csv, y, t]}]\n", ["models[0].data", "x.csv"]),
    ("section-a-number", HEAD + "models: [{name: m, data: 7}]\n", ["models[0].data", "7"]),
    ("threshold-text", HEAD + "models: [{name: m, data: {uri: x.csv, target: y, time_column: t}, "
                              "gate: {thresholds: {roc_auc: high}}}]\n", ["roc_auc", "high"]),
    ("holdout-nan", HEAD + "models: [{name: m, data: {uri: x.csv, target: y, time_column: t, "
                           "holdout_fraction: .nan}, gate: {thresholds: {roc_auc: 0.7}}}]\n",
     ["holdout_fraction", "nan"]),
    ("window-negative", HEAD + "models: [{name: m, data: {uri: x.csv, target: y, time_column: t, "
                               "window: -30D}, gate: {thresholds: {roc_auc: 0.7}}}]\n", ["window", "-30D"]),
    ("cron-five-fields", HEAD + f"models: [{GOOD_MODEL[:-1]}, schedule: {{cron: '0 3 * * *'}}}}]\n",
     ["schedule.cron", "0 3 * * *"]),
    ("cron-out-of-range", HEAD + f"models: [{GOOD_MODEL[:-1]}, schedule: {{cron: '0 0 25 * * *'}}}}]\n",
     ["schedule.cron", "0 0 25 * * *"]),
    ("percent-101", HEAD + f"models: [{GOOD_MODEL[:-1]}, rollout: {{inference_service: m, namespace: ns, "
                           "traffic_plan: [5, 101]}}]\n", ["traffic_plan", "101"]),
    ("model-name-traversal", HEAD + "models: [{name: ../../etc, data: {uri: x.csv, target: y, time_column: t}, "
                                    "gate: {thresholds: {roc_auc: 0.7}}}]\n", ["models[0].name", "../../etc"]),
    ("model-name-newline", HEAD + 'models: [{name: "m\\nerror: all good", data: {uri: x.csv, target: y, '
                                  'time_column: t}, gate: {thresholds: {roc_auc: 0.7}}}]\n',
     ["models[0].name", "m\\nerror: all good"]),
    ("key-with-newline", HEAD + f'"mo\\ndels": [{GOOD_MODEL}]\n', ["mo\\ndels"]),
    ("tracking-uri-number", HEAD + f"models: [{GOOD_MODEL[:-1]}, tracking_uri: 5}}]\n", ["tracking_uri", "5"]),
    ("a-list", "- " + HEAD.replace("\n", "\n  ") + "\n", ["expected a mapping", "list"]),
    ("a-scalar", "just text\n", ["expected a mapping", "str"]),
    ("empty-file", "", ["expected a mapping"]),
    ("tabs", HEAD + "models:\n\t- {name: m}\n", ["not valid YAML", "\\t"]),
    ("nul-byte", HEAD + "models: [\x00]\n", ["not valid YAML"]),
    ("latin-1", (HEAD + "metadata: {name: caf\xe9}\n").encode("latin-1"), ["not UTF-8 text"]),
    # UTF-16 with its mark is read since r47 (YAML 1.2 section 5.2): tests/ops/test_r47_config_spec_encoding.py
]


def _spec_cases():
    for cid, content, tokens in SPECS:
        yield pytest.param(content, tokens, id=cid)


@pytest.mark.parametrize("command", ["apply", "backtest", "doctor"])
@pytest.mark.parametrize("content,tokens", list(_spec_cases()))
def test_hostile_spec_is_one_clear_line(command, content, tokens, workdir, capsys):
    spec = workdir / "ctloop.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode())
    argv = {"apply": ["apply", "-f", "ctloop.yaml", "--dry-run"],
            "backtest": ["backtest", "--config", "ctloop.yaml", "--data", "data/good.csv", "--target", "default",
                         "--time-column", "application_date", "--window", "30D"],
            "doctor": ["doctor", "-f", "ctloop.yaml", *KFP]}[command]
    before = _tree(workdir)
    code, out, err, took = run_cli(argv, capsys)
    line = assert_one_clear_line(code, out, err, ["ctloop.yaml"], None)
    assert all(t in line for t in tokens), line
    assert _tree(workdir) == before
    assert not Path("pwned").exists()
    assert took < 20, f"took {took:.0f} s"


@pytest.mark.parametrize("content", [
    pytest.param("\ufeff" + HEAD + f"models: [{GOOD_MODEL}]\n", id="utf8-bom"),
    pytest.param(json.dumps({"apiVersion": "ctloop.dev/v1alpha2", "kind": "ContinuousTraining",
                             "models": [{"name": "m", "data": {"uri": "x.csv", "target": "y", "time_column": "t"},
                                         "gate": {"thresholds": {"roc_auc": 0.7}}}]}), id="json"),
    pytest.param(HEAD.replace("\n", "\r\n") + f"models: [{GOOD_MODEL}]\r\n", id="crlf"),
])
def test_spec_in_other_valid_spellings_loads(content, tmp_path):
    from ctloop.ops.spec import load_spec

    path = tmp_path / "ctloop.yaml"
    path.write_bytes(content.encode())
    assert [m.name for m in load_spec(path).models] == ["m"]


def test_a_huge_spec_is_refused_quickly(workdir, capsys):
    """A 50 MB ctloop.yaml (a generated file gone wrong) is refused by its size, in a second, not
    parsed for minutes by the pure-Python YAML reader."""
    path = workdir / "ctloop.yaml"
    with path.open("w") as f:
        f.write(HEAD + f"models: [{GOOD_MODEL}]\n")
        f.write(("# " + "padding " * 12 + "\n") * 520_000)
    assert path.stat().st_size > 50_000_000
    code, out, err, took = run_cli(["apply", "-f", "ctloop.yaml", "--dry-run"], capsys)
    line = assert_one_clear_line(code, out, err, ["ctloop.yaml"], None)
    assert "MB" in line or "bytes" in line, line
    assert took < 10, f"took {took:.0f} s"


# ---------------------------------------------------------------- what the checks must still accept
@pytest.mark.parametrize("value", [
    "https://kubeflow.example.com/pipeline", "http://localhost:8080", "http://[::1]:8888/pipeline",
    # no scheme: kfp.Client (kfp 2.17 client.py) and ctloop.ops.platform.normalise_host put https:// in front
    "kfp.example.com/pipeline", "localhost:8080", "10.0.0.7:8888",
])
def test_a_kfp_host_kfp_accepts_is_accepted(value):
    """Review: the sweep's URL check refused ``--host kfp.example.com/pipeline`` (and
    ``localhost:8080``), which kfp.Client and ctloop.yaml's ``kfp.host`` accept."""
    from ctloop.cli.argtypes import kfp_host

    assert kfp_host(value) == value
    assert build_parser().parse_args(["runs", "--host", value]).host == value


@pytest.mark.parametrize("value", ["http-kfp.internal:8080", "httpbin.example.com/pipeline", "HTTPS://kfp.example.com",
                                   "ftp://kfp.example.com"])
def test_a_kfp_host_kfp_would_misread_is_refused(value):
    """kfp.Client puts https:// in front only of a host not starting with "http" (case-sensitive):
    ``http-kfp.internal:8080`` would be used with no scheme, ``HTTPS://…`` as https://HTTPS://…"""
    from ctloop.cli.argtypes import kfp_host

    with pytest.raises(argparse.ArgumentTypeError, match="must start with http:// or https://"):
        kfp_host(value)


@pytest.mark.parametrize("value", [
    "http://mlflow.mlflow.svc:5000", "https://user:pw@mlflow.example.com", "sqlite:///mlflow.db",
    "sqlite:////abs/path/mlflow.db", "sqlite:////tmp/my dir/mlflow.db", "postgresql://u@db:5432/mlflow",
    "mysql+pymysql://u:p@db:3306/mlflow",
    "file:///tmp/My Drive/mlruns", "./mlruns", "databricks", "databricks://scope:prefix",
    "databricks-uc://scope:prefix", "uc://scope:prefix",
])
def test_a_tracking_uri_mlflow_accepts_is_accepted(value):
    """Review: ``databricks://scope:prefix`` (MLflow's secret-scope form, mlflow 3.17
    databricks_utils.py) failed the port check, ``file://`` paths with a blank the blank check."""
    from ctloop.cli.argtypes import tracking_uri

    assert tracking_uri(value) == value


def test_a_database_tracking_uri_without_its_driver_is_one_line(capsys):
    """``mysql+pymysql://`` without pymysql installed: SQLAlchemy's ModuleNotFoundError traceback
    at the first query; the driver is now loaded up front and named."""
    import importlib.util

    if importlib.util.find_spec("pymysql") is not None:
        pytest.skip("pymysql is installed here")
    code, out, err = run_main(["registry", "status", "--model", "m", "--tracking-uri",
                               "mysql+pymysql://u:p@db:3306/mlflow"], capsys, HANG_S)
    assert code == 2 and "Traceback" not in err, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("error: tracking URI 'mysql+pymysql://u:***@db:3306/mlflow': no "
                                                   "database driver for 'mysql+pymysql' (No module named 'pymysql')")
    assert "u:p@" not in err  # the password is never shown (review E of round 38)
