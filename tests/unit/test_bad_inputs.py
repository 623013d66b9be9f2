"""One clear line for every bad input (issue 13): each sub-command of ``ctloop`` (walked from
``ctloop.cli.build_parser()``, so a new command without cases fails
:func:`test_every_command_has_bad_input_cases`) and the prepare core get a matrix of bad
inputs. Each must end with exit code 2 and one line naming the parameter/column and the value
(``error: ...``, or argparse's ``ctloop ...: error: ...``), no traceback, nothing written in the
working directory (registry, serving and outputs untouched), within a bound (a hang is a
failure).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ctloop.cli import build_parser
from tests.fixtures.servers import free_port
from tests.helpers import run_main

HANG_S = 90  # a bad input is refused in seconds; past this the case has hung
# Commands that serve until stopped run as a process of their own: a bad input they accept
# would never return in-process.
SERVERS = {"logger serve": 20}


PORT = str(free_port())


# (command, case id, argv after the command, text the error line must contain[, marks])
# Paths are relative to the case's working directory; "data/" holds the fixtures below.
CASES: list[tuple] = [
    # ---------------------------------------------------------------- run --local
    ("run", "param-bad-json", ["--local", "--param", "gate.thresholds={roc_auc: 0.7"], "gate.thresholds"),
    ("run", "param-no-equals", ["--local", "--param", "model_name"], "model_name"),
    ("run", "unknown-pipeline", ["--local", "--pipeline", "nope"], "nope"),
    ("run", "unknown-section-field", ["--local", "--param", "data.targte=y"], "targte"),
    ("run", "workdir-under-a-file", ["--local", "--workdir", "data/afile/w", "--data", "data/good.csv",
                                     "--param", "model_name=m", "--param", "data.target=default",
                                     "--param", "data.time_column=application_date"], "afile/w"),
    ("run", "not-local", ["--param", "model_name=m"], "--local"),
    # ---------------------------------------------------------------- backtest
    *[("backtest", cid, ["--data", "data/good.csv", "--target", "default", "--time-column",
                         "application_date", "--window", "30D", *extra], token, *marks)
      for cid, extra, token, *marks in [
          ("window-junk", ["--window", "soon"], "soon"),
          ("window-zero", ["--window", "0s"], "0s"),
          ("window-huge", ["--window", "99999999D"], "99999999D"),
          ("window-tiny", ["--window", "1s"], "1s"),
          ("train-window-junk", ["--train-window", "lots"], "lots"),
          ("thresholds-bad-json", ["--thresholds", '{"roc_auc": 0.7'], "thresholds"),
          ("thresholds-unknown-metric", ["--thresholds", '{"rocauc": 0.7}'], "rocauc"),
          ("tolerance-negative", ["--tolerance", "-1"], "tolerance"),
          ("hyperparameters-bad-json", ["--hyperparameters", "{max_depth: 3}"], "hyperparameters"),
          ("estimator-unknown", ["--estimator", "magic"], "magic"),
          ("drift-share-above-1", ["--drift-share", "1.5"], "1.5"),
          ("target-missing", ["--target", "nope"], "nope"),
          ("time-column-missing", ["--time-column", "nope"], "nope"),
          ("time-column-unparseable", ["--data", "data/badtime.csv"], "application_date"),
          ("data-missing", ["--data", "data/absent.csv"], "absent.csv"),
          ("data-gs-no-credentials", ["--data", "gs://ctloop-no-such-bucket/x.csv"], "gs://"),
          ("output-under-a-file", ["--output", "data/afile/out"], "data/afile"),
      ]],
    # ---------------------------------------------------------------- generate-data
    ("generate-data", "rows-negative", ["--rows", "-5"], "-5"),
    ("generate-data", "rows-zero", ["--rows", "0"], "rows"),
    ("generate-data", "output-under-a-file", ["--output", "data/afile/x.parquet", "--rows", "50"], "data/afile"),
    ("generate-data", "output-unknown-format", ["--output", "x.xlsx", "--rows", "50"], "x.xlsx"),
    # ---------------------------------------------------------------- demo
    ("demo", "rows-negative", ["--rows", "-1", "--workdir", "d"], "-1"),
    ("demo", "workdir-under-a-file", ["--workdir", "data/afile/d", "--rows", "500"], "data/afile"),
    # ---------------------------------------------------------------- compile
    ("compile", "resources-bad-json", ["--resources", "{cpu: 1"], "resources"),
    ("compile", "retries-negative", ["--retries", "-2"], "-2"),
    ("compile", "node-selector-junk", ["--node-selector", "nolabel"], "nolabel"),
    ("compile", "output-under-a-file", ["--output-dir", "data/afile/out"], "data/afile"),
    # ---------------------------------------------------------------- drift
    *[("drift", cid, ["--reference", "data/good.csv", "--current", "data/good.csv", *extra], token, *marks)
      for cid, extra, token, *marks in [
          ("reference-missing", ["--reference", "data/absent.csv"], "absent.csv"),
          ("threshold-negative", ["--threshold", "-0.1"], "-0.1"),
          ("drift-share-above-1", ["--drift-share", "2"], "2"),
          ("column-unknown", ["--columns", "nope"], "nope"),
          ("method-unknown", ["--method", "magic"], "magic"),
          ("sketch-size-zero", ["--sketch-size", "0"], "sketch"),
          ("batch-rows-negative", ["--batch-rows", "-1"], "-1"),
          ("output-under-a-file", ["--output", "data/afile/out"], "data/afile"),
          ("column-missing-on-one-side", ["--current", "data/renamed.csv"], "income"),
          ("infinite-values", ["--current", "data/inf.csv"], "income"),
          ("one-row-current", ["--current", "data/onerow.csv"], "1 row"),
      ]],
    # ---------------------------------------------------------------- doctor
    ("doctor", "timeout-negative", ["--timeout", "-1"], "timeout"),
    ("doctor", "file-missing", ["-f", "absent.yaml"], "absent.yaml"),
    ("doctor", "file-not-yaml", ["-f", "data/notyaml.yaml"], "notyaml.yaml"),
    # ---------------------------------------------------------------- KFP API commands
    ("upload", "timeout-junk", ["--timeout", "soon"], "soon"),
    ("upload", "pipeline-unknown", ["--pipeline", "nope", "--dry-run", "--image", "r.example/c:1"], "nope"),
    ("schedule", "cron-junk", ["--cron", "every day", "--host", "http://127.0.0.1:9"], "every day"),
    ("schedule", "param-bad-json", ["--cron", "0 0 * * * *", "--param", "gate.thresholds={x",
                                    "--host", "http://127.0.0.1:9"], "gate.thresholds"),
    ("schedule", "max-concurrency-zero", ["--cron", "0 0 * * * *", "--max-concurrency", "0",
                                          "--param", "model_name=m", "--param", "data.uri=x.csv",
                                          "--param", "data.target=y", "--param", "data.time_column=t",
                                          "--image", "r.example/c:1",
                                          "--host", "http://127.0.0.1:9"], "max-concurrency"),
    ("apply", "file-missing", ["-f", "absent.yaml", "--dry-run"], "absent.yaml"),
    ("apply", "file-not-yaml", ["-f", "data/notyaml.yaml", "--dry-run"], "notyaml.yaml"),
    ("apply", "unknown-key", ["-f", "data/unknownkey.yaml", "--dry-run"], "modle"),
    ("trigger", "params-bad-json", ["--params", "{model_name: m", "--host", "http://127.0.0.1:9"], "params"),
    ("runs", "limit-negative", ["--limit", "-3", "--host", "http://127.0.0.1:9"], "-3"),
    ("audit", "limit-zero", ["--model-name", "m", "--limit", "0", "--tracking-uri", "sqlite:///r/mlflow.db"], "limit"),
    ("audit", "model-name-junk", ["--model-name", "a/b c", "--tracking-uri", "sqlite:///r/mlflow.db"], "a/b c"),
    # ---------------------------------------------------------------- rollout (no cluster here)
    ("rollout status", "kubeconfig-junk", ["--isvc", "m", "--namespace", "ns", "--kubeconfig", "data/notyaml.yaml"],
     "notyaml.yaml"),
    *[("rollout " + sub, cid, ["--isvc", "m", "--namespace", "ns", *extra], token)
      for sub, cid, extra, token in [
          ("canary", "percent-above-100", ["--percent", "150"], "150"),
          ("canary", "percent-negative", ["--percent", "-5"], "-5"),
          ("promote", "version-junk", ["--version", "latest!"], "latest!"),
          ("rollback", "to-version-junk", ["--model-name", "m", "--to-version", "x1"], "x1"),
          ("status", "namespace-invalid", ["--namespace", "Bad_NS"], "Bad_NS"),
          ("status", "timeout-negative", ["--timeout", "-1"], "timeout"),
      ]],
    # ---------------------------------------------------------------- approvals, registry
    ("approve", "version-junk", ["--model-name", "m", "--version", "v1", "--reason", "ok",
                                 "--tracking-uri", "sqlite:///r/mlflow.db"], "v1"),
    ("approve", "reason-empty", ["--model-name", "m", "--version", "1", "--reason", "",
                                 "--tracking-uri", "sqlite:///r/mlflow.db"], "reason"),
    ("reject", "version-zero", ["--model-name", "m", "--version", "0", "--reason", "no",
                                "--tracking-uri", "sqlite:///r/mlflow.db"], "0"),
    ("registry status", "model-name-empty", ["--model-name", "", "--tracking-uri", "sqlite:///r/mlflow.db"],
     "model"),
    ("registry status", "tracking-uri-junk", ["--model-name", "m", "--tracking-uri", "mysql+nope://x"],
     "mysql+nope://x"),
    ("registry repair", "model-name-junk", ["--model-name", "a/b", "--tracking-uri", "sqlite:///r/mlflow.db"],
     "a/b"),
    ("registry verify", "version-junk", ["--model-name", "m", "--version", "one",
                                         "--tracking-uri", "sqlite:///r/mlflow.db"], "one"),
    # ---------------------------------------------------------------- logger serve
    *[("logger serve", cid, ["--root", "out", "--wal", "wal", "--port", PORT, *extra], token, *marks)
      for cid, extra, token, *marks in [
          ("port-above-65535", ["--port", "99999"], "99999"),
          ("max-body-bytes-negative", ["--max-body-bytes", "-1"], "-1"),
          ("wal-under-a-file", ["--wal", "data/afile/wal"], "data/afile"),
          ("root-under-a-file", ["--root", "data/afile/root"], "data/afile"),
          ("flush-rows-zero", ["--flush-rows", "0"], "flush-rows"),
          ("flush-seconds-negative", ["--flush-seconds", "-1"], "flush-seconds"),
          ("token-file-missing", ["--token-file", "absent.token"], "absent.token"),
          ("metrics-port-same-as-port", ["--port", "18080", "--metrics-port", "18080"], "18080"),
      ]],
    # ---------------------------------------------------------------- logger import
    ("logger import", "source-missing", ["data/absent-logs", "--root", "out"], "data/absent-logs"),
    ("logger import", "source-unreadable-only", ["data/good.csv", "--root", "out"], "csv_format"),
    ("logger import", "source-scheme", ["ftp://host/logs", "--root", "out"], "ftp://"),
    ("logger import", "root-under-a-file", ["data", "--root", "data/afile/root"], "data/afile"),
    ("logger import", "max-object-bytes-zero", ["data", "--root", "out", "--max-object-bytes", "0"],
     "max-object-bytes"),
    ("logger import", "join-ttl-nan", ["data", "--root", "out", "--join-ttl-seconds", "nan"], "join-ttl-seconds"),
    # ---------------------------------------------------------------- logger requeue
    *[("logger requeue", cid, ["--root", "data", *extra], token)
      for cid, extra, token in [
          ("root-empty", ["--root", ""], "--root: must name a path or URI, got ''"),
          ("root-missing", ["--root", "absent-root"], "absent-root"),
          ("root-under-a-file", ["--root", "data/afile/root"], "data/afile"),
          ("root-scheme", ["--root", "ftp://host/log"], "ftp://"),
          ("max-body-bytes-zero", ["--max-body-bytes", "0"], "--max-body-bytes 0"),
          ("max-body-bytes-negative", ["--max-body-bytes", "-1"], "--max-body-bytes -1"),
          ("max-body-bytes-junk", ["--max-body-bytes", "64MiB"], "64MiB"),
          ("max-columns-zero", ["--max-columns", "0"], "--max-columns 0"),
          ("join-ttl-nan", ["--join-ttl-seconds", "nan"], "join-ttl-seconds"),
          ("join-ttl-zero", ["--join-ttl-seconds", "0"], "join-ttl-seconds"),
      ]],
    # ---------------------------------------------------------------- labels, monitor, config
    ("labels ingest", "labels-missing", ["--labels", "data/absent.csv", "--store", "store"], "absent.csv"),
    ("labels ingest", "key-column-missing", ["--labels", "data/good.csv", "--store", "store"], "request_id"),
    ("labels ingest", "store-under-a-file", ["--labels", "data/labels.csv", "--store", "data/afile/s"],
     "data/afile"),
    ("labels report", "start-junk", ["--log-root", "logs", "--store", "store", "--model-name", "m",
                                     "--start", "yesterday"], "yesterday"),
    ("labels report", "lookback-out-of-range", ["--log-root", "logs", "--store", "store", "--model-name", "m",
                                                "--lookback", "999999999W"], "999999999W"),
    ("labels report", "window-junk", ["--log-root", "logs", "--store", "store", "--model-name", "m",
                                      "--window", "hourly"], "hourly"),
    ("labels report", "metric-unknown", ["--log-root", "logs", "--store", "store", "--model-name", "m",
                                         "--metrics", "rocauc"], "rocauc"),
    ("monitor history", "limit-negative", ["--model-name", "m", "--limit", "-1",
                                           "--tracking-uri", "sqlite:///r/mlflow.db"], "-1"),
    ("monitor history", "drift-share-above-1", ["--model-name", "m", "--drift-share", "3",
                                                "--tracking-uri", "sqlite:///r/mlflow.db"], "3"),
    *[("score", cid, ["--model-name", "m", "--data", "data/good.csv", "--output", "out", *extra], token)
      for cid, extra, token in [
          ("batch-rows-zero", ["--batch-rows", "0"], "argument --batch-rows: must be > 0, got '0'"),
          ("batch-rows-junk", ["--batch-rows", "many"], "many"),
          ("output-under-a-file", ["--output", "data/afile/out"], "data/afile/out"),
          ("data-missing", ["--data", "data/absent.csv"], "data: data/absent.csv does not exist"),
          ("data-empty", ["--data", ""], "data"),
          ("model-name-invalid", ["--model-name", "Credit_Default"], "Credit_Default"),
      ]],  # unknown model/alias, missing feature or id column, duplicate ids: tests/integration/test_batch_scoring.py
    ("config defaults", "section-unknown", ["--section", "nope"], "nope"),
    ("config docs", "output-under-a-file", ["--output", "data/afile/x.md"], "data/afile"),
]


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return [c for name, sub in action.choices.items() for c in _commands(sub, (*prefix, name))]
    return [" ".join(prefix)]


def test_every_command_has_bad_input_cases():
    covered = {case[0] for case in CASES}
    assert [c for c in _commands(build_parser()) if c not in covered] == []


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    from ctloop.pipelines import all_pipelines
    from ctloop.synthetic import make_credit_data

    all_pipelines()  # built once here (~20 s on a busy machine), not inside the first case's bound
    d = tmp_path_factory.mktemp("bad-input-data")
    good = make_credit_data(n_rows=1500, seed=3)
    good.to_csv(d / "good.csv", index=False)
    bad = good.copy()
    bad["application_date"] = bad["application_date"].astype(str)
    bad.loc[5, "application_date"] = "not a date"
    bad.to_csv(d / "badtime.csv", index=False)
    good.rename(columns={"income": "earnings"}).to_csv(d / "renamed.csv", index=False)
    good.head(1).to_csv(d / "onerow.csv", index=False)
    good.assign(income=good["income"].where(good.index % 5 != 0, float("inf"))).to_csv(d / "inf.csv", index=False)
    good.assign(request_id=[f"r{i}" for i in range(len(good))], label=good["default"])[
        ["request_id", "label"]].to_csv(d / "labels.csv", index=False)
    (d / "afile").write_text("a file, not a directory\n")
    (d / "notyaml.yaml").write_text("{ this: is: not yaml\n")
    (d / "unknownkey.yaml").write_text("modle: {name: m}\n")
    return d


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if "data" not in p.relative_to(root).parts[:1]}


@pytest.mark.parametrize("command,argv,token", [
    pytest.param(c[0], c[2], c[3], marks=list(c[4:]), id=f"{c[0].replace(' ', '-')}:{c[1]}") for c in CASES
])
def test_bad_input_is_one_clear_line(command, argv, token, data_dir, tmp_path, monkeypatch, capsys, request):
    work = tmp_path / "work"
    work.mkdir()
    (work / "data").symlink_to(data_dir, target_is_directory=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no kubeconfig, no gcloud credentials
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "home" / "no-kubeconfig"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "home" / "no-credentials.json"))
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    before = _snapshot(work)
    if command in SERVERS:
        code, out, err = _run_server_command([*command.split(), *argv], work, SERVERS[command])
    else:
        hang_s = HANG_S
        code, out, err = run_main([*command.split(), *argv], capsys, hang_s)
    errors = [x for x in err.splitlines() if "error:" in x]
    assert code == 2, f"exit {code}; stdout:\n{out[-2000:]}\nstderr:\n{err[-3000:]}"
    assert "Traceback" not in err + out, err[-3000:]
    assert len(errors) == 1, err[-3000:]
    # one error; a config error listing several fields continues on indented lines
    assert token in err[err.index(errors[0]):], err[-3000:]
    assert _snapshot(work) == before, "a bad input wrote into the working directory"
    assert os.getcwd() == str(work)


def _run_server_command(argv: list[str], work: Path, timeout: float) -> tuple[object, str, str]:
    proc = subprocess.Popen([sys.executable, "-m", "ctloop", *argv], cwd=work, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return "hung (serving)", out, err




# --------------------------------------------------------------------------- component cores
def _credit(rows: int = 400):
    from ctloop.synthetic import make_credit_data

    return make_credit_data(n_rows=rows, seed=3)


def _bad_frames():
    """(case id, frame change, prepare() keyword overrides, text the error must contain)."""
    import numpy as np

    def badtime(f):
        f["application_date"] = f["application_date"].astype(str)
        f.loc[5, "application_date"] = "not a date"
        return f

    return [
        ("time-unparseable", badtime, {}, "not a date"),
        ("time-as-numbers", lambda f: f.assign(application_date=range(len(f))), {}, "application_date"),
        ("time-all-null", lambda f: f.assign(application_date=None), {}, "application_date"),
        ("time-out-of-range", lambda f: f.assign(application_date="9999-01-01"), {}, "9999-01-01"),
        ("target-renamed", lambda f: f.rename(columns={"default": "dflt"}), {}, "default"),
        ("time-column-renamed", lambda f: f.rename(columns={"application_date": "when"}), {}, "application_date"),
        ("duplicate-column", lambda f: f.set_axis([*f.columns[:-1], "age"], axis=1), {}, "age"),
        ("infinite-values", lambda f: f.assign(income=np.where(f.index % 7 == 0, np.inf, f["income"])), {},
         "income"),
        ("as-of-junk", lambda f: f, {"as_of": "yesterday"}, "as_of"),
        ("window-junk", lambda f: f, {"window": "a while"}, "window"),
        ("window-out-of-range", lambda f: f, {"window": "9999999999D"}, "9999999999D"),
        ("current-window-junk", lambda f: f, {"current_window": "now"}, "current_window"),
        ("half-life-junk", lambda f: f, {"recency_half_life": "soon"}, "recency_half_life"),
        ("holdout-fraction-1", lambda f: f, {"holdout_fraction": 1.0}, "holdout_fraction"),
        ("contract-unknown-dtype", lambda f: f, {"contract": {"columns": {"age": {"dtype": "uuid"}}}}, "uuid"),
        ("contract-junk-column", lambda f: f, {"contract": {"columns": {"nope": {"dtype": "int"}}}}, "nope"),
        ("empty-table", lambda f: f.head(0), {}, "0 row"),
    ]


@pytest.mark.parametrize("change,overrides,token", [
    pytest.param(c[1], c[2], c[3], id=c[0]) for c in _bad_frames()
])
def test_prepare_core_refuses_bad_data_with_one_line(change, overrides, token):
    from ctloop.components.prepare.core import prepare
    from ctloop.errors import CtloopError

    kw = {"target": "default", "time_column": "application_date", "window": None, **overrides}
    with pytest.raises(CtloopError) as info:
        prepare(change(_credit()), **kw)
    message = str(info.value)
    assert "\n" not in message and token in message, message


def test_prepare_core_reads_mixed_offsets_as_utc():
    """Times with different offsets (and without one: UTC) are one UTC column (was an
    ``AttributeError: Can only use .dt accessor`` from ctloop.contract.coerce)."""
    import pandas as pd

    from ctloop.components.prepare.core import prepare

    f = _credit()
    utc = f["application_date"].copy()
    f["application_date"] = [(t + pd.Timedelta(hours=2)).isoformat() + "+02:00" if i % 3 == 0 else
                             t.isoformat() + ("Z" if i % 3 == 1 else "") for i, t in enumerate(utc)]
    out = prepare(f, target="default", time_column="application_date", window=None)
    got = pd.concat([out.train, out.holdout])["application_date"]
    assert str(got.dtype) == "datetime64[ns]"
    assert sorted(got) == sorted(utc)


@pytest.mark.parametrize("change,token", [
    pytest.param(lambda f: f.assign(income=[1.0 if i % 2 else "x" for i in range(len(f))]), "income",
                 id="mixed-types-column"),
    pytest.param(lambda f: f.assign(income=float("inf")), "income", id="infinite-values"),
])
def test_train_core_refuses_bad_data_naming_the_column(change, token):
    from ctloop.components.train.core import fit
    from ctloop.errors import CtloopError

    with pytest.raises(CtloopError, match=token):
        fit(change(_credit().drop(columns=["application_date"])), target="default")


def test_train_core_warns_about_a_unique_id_column():
    from ctloop.components.train.core import fit

    frame = _credit().drop(columns=["application_date"])
    frame["customer_id"] = [f"c{i}" for i in range(len(frame))]
    with pytest.warns(UserWarning, match="customer_id"):
        fit(frame, target="default")
