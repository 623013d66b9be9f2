"""Randomized crash hunt of ``ctloop backtest``: seeded, real-shaped tables through the real CLI.

Each case draws a table (a time column written naive, with ``Z``, with one offset or mixed
offsets, dates only, duplicated, unsorted, with gaps of empty windows; a binary, multiclass or
regression target as numbers, text or bools, with missing labels, classes that appear late or
vanish, a window of one class; features numeric with NaN, all-NaN in some windows, constant,
high-cardinality text, bool, numbers mixed with text, integers stored as floats, 1e300 and
1e-300 magnitudes, negative zero, categories whose vocabulary changes, names with spaces or
unicode or named like the target) and random but plausible flags (``--window``, ``--policy`` or
``--compare``, ``--label-delay``, ``--train-window``, ``--min-labels``, ``--task regression``,
``--estimator``, ``--primary-metric``, ``--drift-method``, ``--time-format``, ``--hyperparameters``),
writes it as CSV or Parquet and runs ``ctloop.cli.main`` in this process.

A failure is: a traceback (an exception out of ``main``), an exit code other than 0 and 2, an
exit 2 whose ``error:`` line names no column, flag or parameter (or names a setting by its
internal name, ``method = ...``, instead of its flag), an exit 2 after the initial model trained
(a refusal in the middle of the replay, not up front), a case running longer than
``--timeout`` seconds, an exit 0 with no window scored and no reason said (a report, or a compared
policy's, whose every window has no metric and none a "not scored: <reason>" note), a NaN/inf ``mean_metric`` while windows were scored, or a report whose
counts disagree (retrains or skipped windows above the windows, promotions above the retrains
plus the initial model, window rows other than the rows with a label and a time, a mean_metric
other than the row-weighted mean of the scored windows). The summary also lists the exit-2
messages, the rules that retrained (coverage of the replay's paths), the reasons windows were
skipped and the warnings of the successful cases. Each failure is printed with its seed,
and its flags, table description and output are written to ``--keep``/seed<N>.json; the table is
drawn again from the seed: ``--seed N --cases 1 -v`` replays it alone.

Not part of ``make test`` (it takes minutes). Run it sequentially on one OpenMP thread:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz_backtest.py --cases 300 --seed 0
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fuzz_backtest.py --seed 17 --cases 1 -v  # one case, its output
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import re
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

WINDOWS = ("1D", "7D", "12h", "3D")
POLICIES = ("never", "always", "drift", "default", "every:2", "every:3")
ESTIMATORS = ("hist_gradient_boosting", "random_forest", "logistic_regression")


class Hang(BaseException):
    """A case ran past --timeout (BaseException: no ``except Exception`` of the code under test eats it)."""


def _times(rng: np.random.Generator, n: int, window: str, nwin: int) -> tuple[pd.Series, dict]:
    """Event times of ``n`` rows over ``nwin`` ``window``s (sometimes over an implausible span)."""
    step = pd.Timedelta(window).total_seconds() / 86400
    days = max(1, round(step * nwin))
    if rng.random() < 0.1:
        days = int(rng.choice([2, 5, 10, 21, 40, 90]))
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
    seconds = np.sort(rng.uniform(0, days * 86400, n))
    how: dict = {"days": days}
    if rng.random() < 0.25:  # a gap of empty windows
        a, b = sorted(rng.uniform(0.2, 0.8, 2) * days * 86400)
        seconds = np.where(seconds > a, seconds + (b - a) + 3 * 86400, seconds)
        how["gap"] = True
    t = start + pd.to_timedelta(seconds, unit="s")
    t = pd.Series(t).dt.floor("s")
    if rng.random() < 0.2:  # duplicate timestamps: rounded to the hour or the day
        t = t.dt.floor(str(rng.choice(["h", "D"])))
        how["dup"] = True
    return t, how


def _write_times(rng: np.random.Generator, t: pd.Series) -> tuple[pd.Series, str]:
    style = str(rng.choice(["datetime", "iso", "z", "offset", "mixed", "date", "aware", "frac", "space", "dmy",
                            "epoch", "compact"]))
    if rng.random() < 0.1:  # a few rows without a time
        t = t.copy()
        t[rng.random(len(t)) < 0.05] = pd.NaT
    if style == "frac":
        return t.dt.strftime("%Y-%m-%dT%H:%M:%S.%f"), style
    if style == "space":
        return t.dt.strftime("%Y-%m-%d %H:%M"), style
    if style == "dmy":  # day first, as a European export writes it
        return t.dt.strftime("%d.%m.%Y %H:%M"), style
    if style == "epoch":  # Unix seconds (refused with a hint)
        return (t - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1), style
    if style == "compact":  # yyyymmdd numbers: needs --time-format %Y%m%d
        return t.dt.strftime("%Y%m%d").astype(float).astype("Int64"), style
    if style == "datetime":
        return t, style
    if style == "iso":
        return t.dt.strftime("%Y-%m-%dT%H:%M:%S"), style
    if style == "z":
        return t.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), style
    if style == "offset":
        return t.dt.strftime("%Y-%m-%dT%H:%M:%S+02:00"), style
    if style == "mixed":
        offs = rng.choice(["+00:00", "+02:00", "-05:00", "+05:30"], len(t))
        return pd.Series([a + o if isinstance(a, str) else None for a, o in zip(t.dt.strftime("%Y-%m-%dT%H:%M:%S"), offs, strict=True)]), style
    if style == "aware":
        return t.dt.tz_localize("UTC").dt.tz_convert(str(rng.choice(["Europe/Berlin", "America/New_York"]))), style
    return t.dt.strftime("%Y-%m-%d"), style


def _target(rng: np.random.Generator, n: int, x: np.ndarray, pos: np.ndarray) -> tuple[pd.Series, str, dict]:
    """The label column (``pos``: each row's place in time, 0..1) and its kind."""
    kind = str(rng.choice(["binary", "binary", "multiclass", "regression", "regression"]))
    how: dict = {"kind": kind}
    score = x + rng.normal(0, 1, n)
    if rng.random() < 0.4:  # a concept change: the relation flips at some time
        flip = rng.uniform(0.3, 0.8)
        score = np.where(pos > flip, -2 * x, 2 * x) + rng.normal(0, 0.5, n)
        how["flip"] = round(float(flip), 2)
    if kind == "regression":
        y = pd.Series(3 * score + 10)
        r = rng.random()
        if r < 0.15:
            y = y * 1e6
            how["scale"] = "1e6"
        elif r < 0.25:
            y = y.round()  # integers stored as floats
            how["scale"] = "round"
        elif r < 0.3:
            y = y * float(rng.choice([1e120, 1e-300, 1e149]))
            how["scale"] = "extreme"
        elif r < 0.35:
            y = pd.Series(np.full(n, 5.0))
            how["scale"] = "constant"
        elif r < 0.4:
            y = y.clip(lower=0).round().astype(int)  # counts (zeros)
            how["scale"] = "counts"
    elif kind == "binary":
        y = pd.Series((score > np.quantile(score, rng.uniform(0.3, 0.9))).astype(int))
        enc = str(rng.choice(["int", "text", "bool", "float", "yesno", "signed", "spaces", "twelve"]))
        how["enc"] = enc
        if enc == "text":
            y = y.map({0: "good", 1: "bad"})
        elif enc == "bool":
            y = y.astype(bool)
        elif enc == "float":
            y = y.astype(float)
        elif enc == "yesno":
            y = y.map({0: "no", 1: "yes"})
        elif enc == "signed":
            y = y.map({0: -1, 1: 1})
        elif enc == "spaces":  # the same label written two ways
            y = y.map({0: "no", 1: "yes"}).where(rng.random(n) < 0.9, y.map({0: "No ", 1: " yes"}))
        elif enc == "twelve":  # classes 1 and 2 (not 0/1)
            y = y + 1
    else:
        k = int(rng.integers(3, 6))
        y = pd.Series(np.digitize(score, np.quantile(score, np.linspace(0, 1, k + 1)[1:-1])))
        if rng.random() < 0.5:
            y = y.map(lambda v: f"class {chr(65 + v)}")
            how["enc"] = "text"
        if rng.random() < 0.3:  # a class appearing late
            late = y.iloc[0] if len(y) else 0
            first = y[pos < 0.6].unique()
            if len(first):
                y = y.where(~((pos < 0.6) & (y == first[0])), y.iloc[-1])
            how["late"] = str(late)
        if rng.random() < 0.3:  # a class vanishing
            v = y.iloc[0]
            y = y.where(~((pos > 0.5) & (y == v)), y.iloc[-1])
            how["vanish"] = True
        if rng.random() < 0.3:  # a rare class: a row or two, late or early
            k = int(rng.integers(1, 3))
            at = rng.choice(n, size=min(k, n), replace=False)
            y = y.astype(object)
            y.iloc[at] = "rare" if isinstance(y.iloc[0], str) else 99
            how["rare"] = k
        if rng.random() < 0.15:  # many classes
            y = pd.Series(rng.integers(0, int(rng.choice([8, 20, 40])), n))
            how["many"] = True
    if kind != "regression" and rng.random() < 0.2:  # one window (a span of time) of one class
        a = rng.uniform(0, 0.8)
        sel = (pos > a) & (pos < a + 0.15)
        y = y.where(~sel, y.iloc[0])
        how["one_class_span"] = True
    if rng.random() < 0.25:  # missing labels
        y = y.astype(object) if kind != "regression" else y
        y[rng.random(n) < rng.uniform(0.05, 0.5)] = np.nan
        how["nan"] = True
    return y, kind, how


def _features(rng: np.random.Generator, n: int, pos: np.ndarray, x: np.ndarray, target: str) -> dict:
    cols: dict = {}
    kinds = ["num", "num_nan", "allnan_window", "const", "highcard", "bool", "mixed", "intfloat", "huge",
             "tiny", "negzero", "vocab", "cat", "prefix", "allnan", "bool_nan", "int", "text_num"]
    weights = np.array([4, 3, 2, 1, 1, 2, 0.3, 1, 0.3, 0.3, 1, 2, 2, 1, 0.5, 1, 1, 0.5])
    chosen = rng.choice(kinds, size=int(rng.integers(1, 7)), replace=True, p=weights / weights.sum())
    names = ["amount", "income x", "größe", "région", "score 2", "age", "n_items", "kind", "城市", "a-b"]
    for j, kind in enumerate(chosen):
        name = f"{names[j % len(names)]}{'' if j < len(names) else j}"
        if kind == "prefix":
            name = f"{target}_prev" if rng.random() < 0.5 else f"{target} 2"
        if name in cols or name == target:
            name = f"{name}_{j}"
        if kind == "num":
            v = pd.Series(x * rng.uniform(0.5, 2) + rng.normal(0, 1, n))
        elif kind == "num_nan":
            v = pd.Series(x + rng.normal(0, 1, n))
            v[rng.random(n) < rng.uniform(0.05, 0.9)] = np.nan
        elif kind == "allnan_window":
            v = pd.Series(x + rng.normal(0, 1, n))
            a = rng.uniform(0, 0.7)
            v[(pos > a) & (pos < a + 0.3)] = np.nan
        elif kind == "allnan":
            v = pd.Series(np.full(n, np.nan))
        elif kind == "const":
            v = pd.Series(np.full(n, rng.choice([0.0, 1.0, 7.5])))
        elif kind == "highcard":
            v = pd.Series([f"id-{k}-{rng.integers(1e9)}" for k in range(n)])
        elif kind == "bool":
            v = pd.Series(x + rng.normal(0, 1, n) > 0)
        elif kind == "bool_nan":
            v = pd.Series(x + rng.normal(0, 1, n) > 0).astype(object)
            v[rng.random(n) < 0.2] = None
        elif kind == "mixed":
            v = pd.Series(np.round(x + rng.normal(0, 1, n), 2)).astype(object)
            v[rng.random(n) < rng.choice([0.01, 0.5])] = str(rng.choice(["n/a", "?", "unknown"]))
        elif kind == "text_num":
            v = pd.Series([f"{a:.2f}" for a in x + rng.normal(0, 1, n)])
        elif kind == "intfloat":
            v = pd.Series(np.round(x * 3 + rng.normal(0, 2, n))).astype(float)
        elif kind == "int":
            v = pd.Series(rng.integers(-5, 50, n))
        elif kind == "huge":
            v = pd.Series((x + rng.normal(0, 1, n)) * 1e300)
        elif kind == "tiny":
            v = pd.Series((x + rng.normal(0, 1, n)) * 1e-300)
        elif kind == "negzero":
            v = pd.Series(np.where(rng.random(n) < 0.5, -0.0, 0.0) + np.where(rng.random(n) < 0.3, x, 0.0))
        elif kind == "vocab":  # the vocabulary changes over time
            old = np.array(["red", "green", "blue"])
            new = np.array(["cyan", "magenta", "Red", "red "])
            v = pd.Series(np.where(pos < rng.uniform(0.3, 0.8), old[rng.integers(0, 3, n)], new[rng.integers(0, 4, n)]))
        else:  # cat
            v = pd.Series(np.where(x > 0, "A", "B"))
            v[rng.random(n) < 0.1] = "C"
        cols[name] = v
    return cols


def make_case(seed: int) -> tuple[pd.DataFrame, list[str], dict]:
    """``(table, flags without --data/--output, description)`` of case ``seed``."""
    rng = np.random.default_rng(seed)
    window = str(rng.choice(WINDOWS))
    nwin = int(rng.choice([2, 4, 6, 10, 15, 30], p=[0.05, 0.15, 0.2, 0.25, 0.2, 0.15]))
    per = int(rng.choice([1, 5, 20, 40, 100, 300, 600], p=[0.03, 0.07, 0.15, 0.25, 0.25, 0.15, 0.1]))
    n = max(3, min(nwin * per + int(rng.integers(0, per + 1)), 8000))
    t, thow = _times(rng, n, window, nwin)
    span = (t - t.min()) / max(t.max() - t.min(), pd.Timedelta(seconds=1))
    pos = span.to_numpy(dtype=float)
    x = rng.normal(0, 1, n) + (pos > rng.uniform(0.3, 0.9)) * rng.choice([0, 1.5])
    target = str(rng.choice(["y", "label", "default", "target value", "étiquette"]))
    y, kind, yhow = _target(rng, n, x, pos)
    feats = _features(rng, n, pos, x, target)
    written, tstyle = _write_times(rng, t)
    time_col = str(rng.choice(["ts", "event time", "date"]))
    frame = pd.DataFrame({time_col: written, **feats, target: y})
    frame = frame[[c for c in rng.permutation(list(frame.columns))]]  # column order
    if rng.random() < 0.3:
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        thow["unsorted"] = True
    flags = ["--target", target, "--time-column", time_col, "--window", window, *(["--quiet"] if rng.random() < 0.3 else []),
             "--bootstrap-rounds", "20"]
    r = rng.random()
    if r < 0.3:
        flags += ["--compare", str(rng.choice(["never,always,default", "never,drift", "default,every:2,never"])),
                  *(["--jobs", "1"] if rng.random() < 0.9 else [])]
    else:
        flags += ["--policy", str(rng.choice(POLICIES))]
    if rng.random() < 0.4:
        flags += ["--label-delay", str(rng.choice(["0D", "12h", "1D", "2D", "10D"]))]
    if rng.random() < 0.3:
        flags += ["--train-window", str(rng.choice(["1D", "3D", "7D", "14D"]))]
    if rng.random() < 0.5:
        flags += ["--min-labels", str(rng.choice([1, 5, 10, 30, 50]))]
    regression = kind == "regression" or (kind != "regression" and rng.random() < 0.05)
    if regression:
        metric = str(rng.choice(["", "", "mae", "r2"]))
        bound = {"": ("rmse", 1e9), "mae": ("mae", 1e9), "r2": ("r2", -1e9)}[metric]
        flags += ["--task", "regression", "--thresholds", json.dumps({bound[0]: bound[1]})]
        est = str(rng.choice(["hist_gradient_boosting", "random_forest", "linear_regression"]))
    else:
        metric = str(rng.choice(["", "", "", "accuracy", "log_loss", "f1", "recall"]))
        if metric:
            flags += ["--thresholds", json.dumps({metric: 10.0 if metric == "log_loss" else 0.0})]
        est = str(rng.choice(ESTIMATORS, p=[0.6, 0.15, 0.25]))
    if metric:
        flags += ["--primary-metric", metric]
    if rng.random() < 0.25:
        flags += ["--drift-method", str(rng.choice(["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi",
                                                    "kl_div", "hellinger"]))]
    if rng.random() < 0.1:
        flags += ["--drift-share", str(rng.choice([0.0, 0.01, 1.0]))]
    if rng.random() < 0.1:
        flags += ["--tolerance", str(rng.choice([0.0, 0.5]))]
    if est == "hist_gradient_boosting" and rng.random() < 0.2:
        flags += ["--hyperparameters", json.dumps(dict([rng.choice([("early_stopping", False), ("max_iter", 5),
                                                                    ("min_samples_leaf", 1),
                                                                    ("class_weight", "balanced")])]))]
    if est != "hist_gradient_boosting":
        flags += ["--estimator", est]
    if est == "random_forest":
        flags += ["--hyperparameters", json.dumps({"n_estimators": 20, "n_jobs": 1})]
    formats = {"space": "%Y-%m-%d %H:%M", "dmy": "%d.%m.%Y %H:%M", "compact": "%Y%m%d", "date": "%Y-%m-%d",
               "offset": "%Y-%m-%dT%H:%M:%S%z", "mixed": "%Y-%m-%dT%H:%M:%S%z"}
    if tstyle in formats and rng.random() < 0.5:
        flags += ["--time-format", formats[tstyle] if rng.random() < 0.85 else "%d/%m/%Y"]
    fmt = "parquet" if rng.random() < 0.4 else "csv"
    desc = {"seed": seed, "rows": n, "time": {**thow, "style": tstyle}, "target": yhow,
            "features": {c: str(frame[c].dtype) for c in frame.columns if c not in (target, time_col)},
            "format": fmt, "target_column": target, "time_column": time_col}
    return frame, flags, desc


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".parquet":
        out = frame.copy()
        for c in out.columns:  # mixed object columns: pyarrow needs one type, as a real writer would give
            if out[c].dtype == object and out[c].map(type).nunique() > 1 and \
                    not out[c].map(lambda v: isinstance(v, (bool, type(None))) or v != v).all():
                out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
        out.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


# a setting named by its internal name, not the flag the user gave (a check deep in the replay)
UNFLAGGED = re.compile(r"^error: (method|threshold|share|column_methods|column_thresholds)\b")
NAMED = re.compile(r"--[a-z]|column|'[^']+'|\"[^\"]+\"|parameter|training\.|gate\.|data\.")


def reasons(out: Path) -> list[str]:
    """The reasons of the report's skipped retrains and unscored windows, numbers masked."""
    found = []
    for name in ("backtest.json", "compare.json"):
        if (out / name).exists():
            found += re.findall(r"(?:retrain skipped|no initial model yet|not scored): [^;\"]*",
                                (out / name).read_text())
    return sorted({re.sub(r"\d+(\.\d+)?", "N", r)[:200] for r in found})


def rules(out: Path) -> list[str]:
    """The rules that fired (a retrain was trained) in the report(s): which paths of the replay ran."""
    found = []
    for name in ("backtest.json", "compare.json"):
        if (out / name).exists():
            js = json.loads((out / name).read_text())
            for r in ([js] if name == "backtest.json" else list(js["reports"].values())):
                found += [f"{r['config']['policy']}:{w['rule']}" + (":promoted" if w["promoted"] else "")
                          for w in r["windows"] if w["retrained"]]
    return found


def _unscored_reasons(windows: list[dict]) -> list[str]:
    """The windows' "not scored: <reason>" notes (``ctloop.backtest`` writes one in a window's reason)."""
    return [part for w in windows for part in str(w.get("reason") or "").split("; ")
            if part.startswith("not scored: ") and part[len("not scored: "):].strip()]


def check_report(out: Path, rows: int) -> list[str]:
    """Problems of the written report(s); ``rows``: the table's rows with a label and a time."""
    problems = []
    reports = []
    if (out / "backtest.json").exists():
        reports.append(("", json.loads((out / "backtest.json").read_text())))
    if (out / "compare.json").exists():
        reports += list(json.loads((out / "compare.json").read_text())["reports"].items())
    if not reports:
        problems.append("exit 0 without a report")
    for policy, r in reports:
        ws = r["windows"]
        scored = [w for w in ws if w["metric"] is not None]
        m = r["mean_metric"]
        # a replay that judged nothing and says no why is no success; one whose windows say why ("not scored: ...",
        # which the CLI prints as "n/a (no window scored: <reason>)", a constant target say) is (was: a failure)
        if not scored and not _unscored_reasons(ws):
            problems.append(f"{policy + ': ' if policy else ''}exit 0 with no window scored ({len(ws)} windows)")
        if scored and (m is None or not math.isfinite(m)):
            problems.append(f"{policy}: mean_metric {m} with {len(scored)} scored windows")
        if not scored and m is not None:
            problems.append(f"{policy}: mean_metric {m} without scored windows")
        for w in scored:
            if not math.isfinite(w["metric"]):
                problems.append(f"{policy}: window {w['index']} metric {w['metric']}")
        if r["retrains"] > len(ws) or r["skipped"] > len(ws) or r["promotions"] > r["retrains"] + 1:
            problems.append(f"{policy}: counts retrains {r['retrains']} promotions {r['promotions']} "
                            f"skipped {r['skipped']} windows {len(ws)}")
        if r["retrains"] != sum(1 for w in ws if w["retrained"] and w["rule"] != "initial"):
            problems.append(f"{policy}: retrains {r['retrains']} != windows retrained")
        if r["promotions"] != sum(1 for w in ws if w["promoted"] and w["rule"] != "initial"):
            problems.append(f"{policy}: promotions {r['promotions']} != windows promoted")
        if sum(w["rows"] for w in ws) != rows:
            problems.append(f"{policy}: {sum(w['rows'] for w in ws)} window rows != {rows} rows with a label and time")
        weighted = [(w["metric"], w["rows"]) for w in scored]
        if weighted and m is not None and math.isfinite(m):
            expected = sum(a * b for a, b in weighted) / sum(b for _, b in weighted)
            if not math.isclose(m, expected, rel_tol=1e-6, abs_tol=1e-9):
                problems.append(f"{policy}: mean_metric {m} != row-weighted {expected}")
        if [w["index"] for w in ws] != list(range(len(ws))):
            problems.append(f"{policy}: window indexes not 0..n-1")
    return problems


def run_case(seed: int, workdir: Path, timeout: float, verbose: bool = False) -> dict:
    from ctloop.cli import main

    frame, flags, desc = make_case(seed)
    data = workdir / f"case{seed}.{desc['format']}"
    _write(frame, data)
    out = workdir / f"out{seed}"
    argv = ["backtest", "--data", str(data), "--output", str(out), *flags]
    stdout, stderr = io.StringIO(), io.StringIO()
    result = {"seed": seed, "argv": argv, "desc": desc, "failure": None}

    def alarm(_signum, _frame):
        raise Hang()

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(int(timeout))
    started = time.monotonic()
    code = None
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            import warnings
            with warnings.catch_warnings():
                code = main(argv)
    except Hang:
        result["failure"] = f"hang: more than {timeout:.0f} s"
    except SystemExit as exc:  # argparse
        code = exc.code
    except BaseException as exc:  # noqa: BLE001 - a traceback is what is hunted
        result["failure"] = "traceback: " + "".join(traceback.format_exception_only(exc)).strip()
        result["traceback"] = traceback.format_exc()
    finally:
        signal.alarm(0)
    result["seconds"] = round(time.monotonic() - started, 2)
    result["code"] = code
    err = stderr.getvalue()
    result["stderr"] = err[-2000:]
    result["stdout"] = stdout.getvalue()[-3000:]
    errors = [ln for ln in err.splitlines() if ln.startswith("error:")]
    result["error"] = errors[-1] if errors else (err.strip().splitlines()[-1] if err.strip() else "")
    if result["failure"] is None:
        if code not in (0, 2):
            result["failure"] = f"exit {code}"
        elif code == 2 and "Traceback" in err:
            result["failure"] = "exit 2 with a traceback"
        elif code == 2 and not NAMED.search(result["error"]):
            result["failure"] = f"exit 2 naming nothing: {result['error']}"
        elif code == 2 and "initial model v1 on" in stdout.getvalue():  # refused after a model was trained
            result["failure"] = f"exit 2 after the replay started: {result['error']}"
        elif code == 2 and UNFLAGGED.search(result["error"]):
            result["failure"] = f"exit 2 naming a setting without its flag: {result['error']}"
        elif code == 0:
            valid = frame[desc["target_column"]].notna() & frame[desc["time_column"]].notna()
            if desc["format"] == "csv":  # text that a CSV reads back as missing
                valid &= ~frame[desc["target_column"]].astype(str).str.strip().isin(["", "nan", "None"])
            problems = check_report(out, int(valid.sum()))
            result["reasons"] = reasons(out)
            result["rules"] = rules(out)
            if problems:
                result["failure"] = "report: " + "; ".join(problems)
    if verbose:
        print(" ".join(argv))
        print(json.dumps(desc, indent=1))
        print(stdout.getvalue())
        print(err)
        print(result.get("traceback", ""))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0, help="first case's seed (case k uses seed + k)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a case may take")
    parser.add_argument("--budget", type=float, default=1200.0, help="stop starting cases after this many seconds")
    parser.add_argument("--keep", default="", help="directory to keep the failing cases' tables in")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    keep = Path(args.keep) if args.keep else None
    failures: dict[str, list[dict]] = {}
    codes: dict = {}
    messages: dict[str, int] = {}
    seen_reasons: dict[str, list[int]] = {}
    warned: dict[str, list[int]] = {}
    fired: dict[str, int] = {}
    began = time.monotonic()
    ran = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-backtest-") as tmp:
        for seed in range(args.seed, args.seed + args.cases):
            if time.monotonic() - began > args.budget:
                break
            r = run_case(seed, Path(tmp), args.timeout, args.verbose)
            ran += 1
            codes[r["code"]] = codes.get(r["code"], 0) + 1
            if r["code"] == 2:
                key = re.sub(r"\d+", "N", r["error"])[:140]
                messages[key] = messages.get(key, 0) + 1
            if r["code"] == 0:
                for ln in r["stderr"].splitlines():
                    key = re.sub(r"\d+(\.\d+)?", "N", ln)[:160]
                    warned.setdefault(key, []).append(seed)
            for rule in r.get("rules", []):
                fired[rule] = fired.get(rule, 0) + 1
            for why in r.get("reasons", []):
                seen_reasons.setdefault(why, []).append(seed)
            line = f"seed {seed}: exit {r['code']} in {r['seconds']} s"
            if r["failure"]:
                key = re.sub(r"\d+(\.\d+)?", "N", r["failure"])[:160]
                failures.setdefault(key, []).append(r)
                line += f"  FAIL {r['failure'][:300]}"
                if keep:
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / f"seed{seed}.json").write_text(json.dumps(r, indent=1, default=str))
            print(line, flush=True)
    print(f"\n{ran} cases in {time.monotonic() - began:.0f} s; exit codes {codes}")
    print("exit-2 messages:")
    for key, k in sorted(messages.items(), key=lambda kv: -kv[1]):
        print(f"  {k:4d}  {key}")
    print("retrains by policy:rule (coverage):")
    print("  " + ", ".join(f"{k} {v}" for k, v in sorted(fired.items())))
    print("reasons of skipped retrains and unscored windows (seeds):")
    for why, seeds in sorted(seen_reasons.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(seeds):4d}  {why}  {seeds[:5]}")
    print("stderr lines of exit-0 cases (seeds):")
    for ln, seeds in sorted(warned.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(seeds):4d}  {ln}  {seeds[:5]}")
    print(f"{len(failures)} distinct failure(s)")
    for key, rs in failures.items():
        print(f"  {len(rs):3d}x {key}\n       seeds {[r['seed'] for r in rs][:10]}")
        if "traceback" in rs[0]:
            print("       " + rs[0]["traceback"].strip().splitlines()[-3].strip())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
