"""Does the retraining trigger pay on drifting streams? Replay every stream of
benchmarks/streams.py under every policy of ``ctloop.backtest.run_backtest`` (never, always, drift,
default = the monitoring rules) and compare them with always-retrain.

Everything is the product's defaults: derived training window, the backtest gate (a bar at
chance plus the paired bootstrap against the champion), ``MonitoringRules()`` for ``default``.
``--label-delay-windows`` delays labels by that many replay windows (0: labels known at the end
of their row's window).

A crash is recorded (exception, message, innermost ctloop frame), never fatal. Prints one table,
writes ``benchmarks/results/<output>.json`` (``--output``, default ``backtest_quality``), one PNG
per stream (``<output>_<stream>.png``: metric per window with retrain markers, retrains vs mean
metric) and ``<output>.png`` (every stream: Δ vs always against retrain ratio) — an experiment
under another ``--output`` leaves the README's plots alone.

    .venv/bin/python benchmarks/bench_backtest_quality.py --streams holdout
    .venv/bin/python benchmarks/bench_backtest_quality.py --streams sea_abrupt --policies never,default

Needs the ``bench`` extra: ``.venv/bin/pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# One OpenMP thread: HistGradientBoosting's threads spin against each other on a shared 2-core
# machine (a 3,000-row fit took ~100 s with 2 threads at load 9, ~8 s with one).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import streams as catalogue  # noqa: E402
from _common import RESULTS, save, table  # noqa: E402

ENGINES = {"ctloop": ("never", "always", "every:2", "drift", "default")}  # every:2: a cron at the goal's budget
SEED = 7
COLUMNS = ["stream", "half", "kind", "windows", "rows_per_window", "engine", "policy", "mean_metric",
           "retrains", "delta_vs_always_pts", "retrain_ratio", "seconds", "crashed"]


def where(exc: BaseException) -> str:
    """``file:line in function`` of the innermost frame in ctloop's own code (else the last)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if "/ctloop/" in f.filename or "/components/" in f.filename
           or "/src/ctloop" in f.filename]
    f = (own or frames)[-1]
    path = f.filename
    for marker in ("/src/ctloop/", "/components/", "/benchmarks/"):
        if marker in path:
            path = marker.strip("/") + "/" + path.split(marker, 1)[1]
            break
    return f"{path}:{f.lineno} in {f.name}"


LABEL_DELAY_WINDOWS = 0.0
QUIET = False


def run_ctloop(stream, frame, policy: str) -> dict:
    import pandas as pd

    from ctloop.backtest import BacktestConfig, run_backtest
    from ctloop.config import TrainingConfig
    from ctloop.timeutil import parse_duration

    delay = ""
    if LABEL_DELAY_WINDOWS:
        delay = f"{int(parse_duration(stream.window) / pd.Timedelta(seconds=1) * LABEL_DELAY_WINDOWS)}s"
    cfg = BacktestConfig(target=catalogue.TARGET, time_column=catalogue.TIME, window=stream.window,
                         policy=policy, label_delay=delay, training=TrainingConfig(seed=SEED))
    t = time.perf_counter()

    def progress(msg: str) -> None:  # every policy reports every window
        if not QUIET:
            print(f"      [{stream.name} {policy} {time.perf_counter() - t:6.0f}s] {msg}", flush=True)

    report = run_backtest(frame, cfg, progress=progress)
    out = report.to_dict()
    out.pop("config")
    return out


RUNNERS = {"ctloop": run_ctloop}


def run_all(selected, engines, policies_by_engine, say=print, infos: list | None = None,
            after_stream=None) -> list[dict]:
    rows: list[dict] = []
    for stream in selected:
        t = time.perf_counter()
        frame = stream.load()
        info = catalogue.describe(stream, frame)
        if infos is not None:
            infos.append(info)
        say(f"== {stream.name}: {info['rows']} rows, {info['windows']} x {stream.window} windows, "
            f"{info['classes']} classes ({info['label_type']} labels), loaded in "
            f"{time.perf_counter() - t:.1f}s")
        for engine in engines:
            for policy in policies_by_engine[engine]:
                t = time.perf_counter()
                row = {k: info[k] for k in ("stream", "half", "kind", "windows", "rows_per_window",
                                           "drift", "in_goal_scope")}
                row.update(engine=engine, policy=policy, replicate=catalogue.REPLICATE)
                try:
                    row.update(RUNNERS[engine](stream, frame, policy))
                    row["crashed"] = ""
                except Exception as exc:  # noqa: BLE001 - a benchmark records every crash and goes on
                    row.update(mean_metric=None, retrains=None, windows_detail=None,
                               crashed=f"{type(exc).__name__} at {where(exc)}: {str(exc)[:300]}")
                row["seconds"] = round(time.perf_counter() - t, 1)
                if "windows" in row and isinstance(row["windows"], list):
                    row["windows_detail"] = row.pop("windows")
                    row["windows"] = info["windows"]
                rows.append(row)
                metric = row.get("mean_metric")
                say(f"   {engine:5s} {policy:8s} "
                    + (f"mean {metric:.4f}  retrains {row['retrains']}" if metric is not None
                       else f"mean n/a  retrains {row.get('retrains')}")
                    + f"  {row['seconds']}s" + (f"  CRASH {row['crashed'][:160]}" if row["crashed"] else ""))
        if after_stream is not None:
            after_stream(rows)
    add_comparisons(rows)
    return rows


def same(a: dict, b: dict) -> bool:
    """The same stream, engine and replicate (``--replicate``: other seeds of a synthetic stream)."""
    return (a["stream"], a["engine"], a.get("replicate", 0)) == (b["stream"], b["engine"], b.get("replicate", 0))


def add_comparisons(rows: list[dict]) -> None:
    """Δ vs always (points = 100 x metric) and retrain ratio vs always, per stream and engine."""
    for row in rows:
        ref = next((r for r in rows if same(r, row) and r["policy"] == "always"), None)
        row["delta_vs_always_pts"] = None
        row["retrain_ratio"] = None
        if ref is None or ref.get("mean_metric") is None or row.get("mean_metric") is None:
            continue
        row["delta_vs_always_pts"] = round(100 * (row["mean_metric"] - ref["mean_metric"]), 2)
        if ref.get("retrains"):
            row["retrain_ratio"] = round(row["retrains"] / ref["retrains"], 2)


def goal(rows: list[dict], engine: str = "ctloop", policy: str = "default") -> list[dict]:
    """The issue's goal per stream, for ``policy`` of ``engine``:

    * within 0.5 points of always-retrain, with at most half of its retrains;
    * on a drifting stream where always gains >= 1 point over never: at least half of that gain;
    * on a no-drift control: at most one retrain.
    """
    out = []
    for r in rows:
        if r["engine"] != engine or r["policy"] != policy:
            continue
        pick = {p: next((x for x in rows if same(x, r) and x["policy"] == p), None) for p in ("never", "always")}
        ok, why = True, []
        if r.get("crashed"):
            out.append({"stream": r["stream"], "half": r["half"], "replicate": r.get("replicate", 0), "pass": False,
                        "why": "crashed"})
            continue
        always, never = pick["always"], pick["never"]
        if always and always.get("mean_metric") is not None:
            d = r["delta_vs_always_pts"]
            if d is not None and d < -0.5:
                ok, why = False, [*why, f"{d:+.2f} pts vs always"]
            if always.get("retrains") and r["retrains"] > 0.5 * always["retrains"]:
                ok, why = False, [*why, f"{r['retrains']}/{always['retrains']} retrains"]
            if never and never.get("mean_metric") is not None and r["drift"]:
                gap = 100 * (always["mean_metric"] - never["mean_metric"])
                gain = 100 * (r["mean_metric"] - never["mean_metric"])
                if gap >= 1.0 and gain < 0.5 * gap:
                    ok, why = False, [*why, f"gains {gain:.2f} of always's {gap:.2f} pts over never"]
        if not r["drift"] and r["retrains"] > 1:
            ok, why = False, [*why, f"{r['retrains']} retrains on a no-drift control"]
        out.append({"stream": r["stream"], "half": r["half"], "replicate": r.get("replicate", 0),
                    "in_goal_scope": r["in_goal_scope"], "pass": ok, "why": "; ".join(why)})
    return out


def summary(rows: list[dict], engine: str = "ctloop") -> str:
    """One line per stream (the README's table): every policy's mean, the default's difference with
    always, its retrains against always's, and the goal — for the default and for the cron at the
    goal's budget (``every:2``) where it was replayed."""
    def mean(stream: str, policy: str) -> str:
        r = next((x for x in rows if x["stream"] == stream and x["engine"] == engine and x["policy"] == policy), None)
        return "—" if r is None or r.get("mean_metric") is None else f"{r['mean_metric']:.4f}"

    rows = [r for r in rows if r.get("replicate", 0) == 0]  # the published streams (replicates: replicates())
    policies = [p for p in ENGINES[engine] if any(r["policy"] == p for r in rows)]
    verdicts = {p: {g["stream"]: g for g in goal(rows, engine, p)} for p in ("default", "every:2") if p in policies}
    head = ["half", "stream", *policies, "default vs always", "retrains default / always", "goal (default)"]
    if "every:2" in verdicts:
        head.append("goal (every:2)")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def said(g: dict | None) -> str:
        if g is None:
            return ""
        if not g.get("in_goal_scope", True):
            return "out of scope"
        return "met" if g["pass"] else f"**missed**: {g['why']}"

    for stream in dict.fromkeys(r["stream"] for r in rows):
        d = next((x for x in rows if x["stream"] == stream and x["policy"] == "default"), None)
        a = next((x for x in rows if x["stream"] == stream and x["policy"] == "always"), None)
        if d is None:
            continue
        name = stream + ("" if d["drift"] else " (no drift)")
        delta = "" if d.get("delta_vs_always_pts") is None else f"{d['delta_vs_always_pts']:+.2f} pts"
        cells = [d["half"], name, *(mean(stream, p) for p in policies), delta,
                 f"{d.get('retrains')} / {a.get('retrains') if a else '—'}",
                 said(verdicts["default"].get(stream))]
        if "every:2" in verdicts:
            cells.append(said(verdicts["every:2"].get(stream)))
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def replicates(rows: list[dict], policy: str = "default") -> str:
    """The default against always on every replicate of each synthetic stream (``--replicate``):
    one line per stream and replicate, and how many replicates meet the goal. Empty without
    replicates."""
    if not any(r.get("replicate", 0) for r in rows):
        return ""
    verdicts = {(g["stream"], g["replicate"]): g for g in goal(rows, policy=policy)}
    lines = [f"| stream | replicate | always | {policy} | {policy} vs always | retrains {policy} / always | goal |",
             "|---|---|---|---|---|---|---|"]
    met: dict[str, list[bool]] = {}
    for r in sorted((r for r in rows if r["policy"] == policy),
                    key=lambda r: (r["stream"], r.get("replicate", 0))):
        key = (r["stream"], r.get("replicate", 0))
        if not any(x.get("replicate", 0) for x in rows if x["stream"] == r["stream"]):
            continue  # a stream without replicates (the real ones)
        a = next((x for x in rows if same(x, r) and x["policy"] == "always"), None)
        g = verdicts.get(key)
        met.setdefault(r["stream"], []).append(bool(g and g["pass"]))
        always = "—" if a is None or a.get("mean_metric") is None else f"{a['mean_metric']:.4f}"
        why = "met" if g and g["pass"] else "**missed**: " + (g["why"] if g else "")
        mean = "—" if r.get("mean_metric") is None else f"{r['mean_metric']:.4f}"
        delta = "—" if r.get("delta_vs_always_pts") is None else f"{r['delta_vs_always_pts']:+.2f} pts"
        lines.append(f"| {r['stream']} | {key[1]} | {always} | {mean} | {delta} | {r.get('retrains')} / "
                     f"{'—' if a is None else a['retrains']} | {why} |")
    lines += ["", "| stream | replicates meeting the goal |", "|---|---|"]
    lines += [f"| {name} | {sum(ok)} of {len(ok)} |" for name, ok in met.items()]
    return "\n".join(lines) + "\n"


def markdown(rows: list[dict], goal_rows: list[dict] | None = None) -> str:
    """The result table as Markdown (docs/backtest-quality.md quotes it)."""
    head = ["stream", "half", "kind", "windows", "rows/window", "engine", "policy", "mean AUC",
            "retrains", "Δ vs always (pts)", "retrains / always", "crashed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        m = r.get("mean_metric")
        crash = (r.get("crashed") or "").split(":")[0]
        lines.append("| " + " | ".join(str(v) for v in [
            r["stream"], r["half"], r["kind"], r["windows"], r["rows_per_window"], r["engine"], r["policy"],
            "—" if m is None else f"{m:.4f}", "—" if r.get("retrains") is None else r["retrains"],
            "" if r.get("delta_vs_always_pts") is None else f"{r['delta_vs_always_pts']:+.2f}",
            "" if r.get("retrain_ratio") is None else f"{r['retrain_ratio']:.2f}", crash]) + " |")
    if goal_rows:
        lines += ["", "| stream | half | in goal scope | goal met | why not |", "|---|---|---|---|---|"]
        lines += [f"| {g['stream']} | {g['half']} | {g.get('in_goal_scope', '')} | "
                  f"{'yes' if g['pass'] else 'NO'} | {g['why']} |" for g in goal_rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- plots
def plot_stream(name: str, rows: list[dict], output: str = "backtest_quality") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    mine = [r for r in rows if r["stream"] == name]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    colors = {"never": "#7f7f7f", "always": "#1f77b4", "drift": "#ff7f0e", "default": "#2ca02c", "every:2": "#9467bd"}
    styles = {"ctloop": "-"}
    for r in mine:
        detail = r.get("windows_detail") or []
        pts = [(pd.Timestamp(w["start"]), w["metric"]) for w in detail if w.get("metric") is not None]
        label = f"{r['engine']}/{r['policy']}"
        color = colors.get(r["policy"], "k")
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax1.plot(xs, ys, styles[r["engine"]], color=color, lw=1.2, alpha=0.85,
                     label=f"{label} (mean {r['mean_metric']:.3f}, {r['retrains']} retrains)")
            marks = [(pd.Timestamp(w["end"]), w["metric"]) for w in detail
                     if w.get("retrained") and w.get("metric") is not None and r["policy"] not in ("always",)]
            if marks and r["policy"] != "never":
                mx, my = zip(*marks, strict=True)
                ax1.scatter(mx, my, marker="v", color=color, s=22, zorder=3)
        elif r.get("crashed"):
            ax1.plot([], [], styles[r["engine"]], color=color, label=f"{label}: CRASHED")
        if r.get("mean_metric") is not None:
            ax2.scatter(r["retrains"], r["mean_metric"], color=color,
                        marker="o", s=50)
            ax2.annotate(label, (r["retrains"], r["mean_metric"]), fontsize=7, xytext=(3, 3),
                         textcoords="offset points")
    ax1.set_ylabel("prequential metric (ROC AUC; macro one-vs-rest for multiclass)")
    ax1.set_title(f"{name}: champion quality per window (▼ = retrained at the end of that window)")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7, loc="lower left")
    ax2.set_xlabel("retrains")
    ax2.set_ylabel("mean metric")
    ax2.set_title("cost vs quality")
    ax2.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    path = RESULTS / f"{output}_{name}.png"  # named after --output: an experiment keeps the README's
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_summary(rows: list[dict], engine: str, output: str = "backtest_quality") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    colors = {"never": "#7f7f7f", "drift": "#ff7f0e", "default": "#2ca02c", "every:2": "#9467bd"}
    for r in rows:
        if r["engine"] != engine or r["policy"] == "always" or r.get("delta_vs_always_pts") is None:
            continue
        ratio = r["retrain_ratio"] if r["retrain_ratio"] is not None else 0.0
        ax.scatter(ratio, r["delta_vs_always_pts"], color=colors.get(r["policy"], "k"),
                   marker="o" if r["half"] == "design" else "s", s=40)
        ax.annotate(r["stream"], (ratio, r["delta_vs_always_pts"]), fontsize=6, xytext=(3, 2),
                    textcoords="offset points")
    ax.axhline(-0.5, color="red", ls=":", label="goal: within 0.5 points of always")
    ax.axvline(0.5, color="red", ls="--", label="goal: at most half of always's retrains")
    for p, c in colors.items():
        ax.scatter([], [], color=c, label=p)
    ax.scatter([], [], color="k", marker="o", label="design half")
    ax.scatter([], [], color="k", marker="s", label="other halves (holdout, fresh, fresh2)")
    ax.set_xlabel("retrains / always's retrains")
    ax.set_ylabel("mean metric − always's (points)")
    ax.set_title(f"engine={engine}: every stream, every policy vs always-retrain")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = RESULTS / f"{output}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def merge(names: list[str], output: str) -> int:
    """Combine saved results (rows, streams) into one table, goal check, Markdown and plots."""
    import json

    rows, infos, seconds = [], [], 0.0
    for name in names:
        payload = json.loads((RESULTS / f"{name}.json").read_text())
        rows += payload["rows"]
        infos += payload.get("streams", [])
        seconds += payload.get("seconds", 0.0)
    # one block per stream (catalogue order), policies in the engine's order, whichever file they came from
    order = {s.name: k for k, s in enumerate(catalogue.STREAMS)}
    rows.sort(key=lambda r: (order.get(r["stream"], len(order)), ENGINES[r["engine"]].index(r["policy"])))
    infos = list({i["stream"]: i for i in infos}.values())
    add_comparisons(rows)
    results = {"goal": goal(rows)} if any(r["policy"] == "default" for r in rows) else {}
    print(table(rows, COLUMNS))
    if results:
        print()
        print(table(results["goal"], ["stream", "half", "in_goal_scope", "pass", "why"]))
    published = [r for r in rows if r.get("replicate", 0) == 0]  # the plots show the published streams
    for name in dict.fromkeys(r["stream"] for r in published):
        plot_stream(name, published, output)
    for engine in dict.fromkeys(r["engine"] for r in published):
        plot_summary(published, engine, output)
    extra = replicates(rows)
    (RESULTS / f"{output}.md").write_text((summary(rows) + "\n" if results else "") + (extra + "\n" if extra else "")
                                          + markdown(rows, results.get("goal")))
    out = save(output, {"seconds": seconds, "merged": names, "rows": rows, **results, "streams": infos})
    print(f"\nwrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--streams", default="", help="comma list of stream names, or design / holdout / fresh / fresh2")
    ap.add_argument("--engine", default="ctloop", help="ctloop (the only engine; kept for old result files)")
    ap.add_argument("--label-delay-windows", type=float, default=0.0,
                    help="labels arrive this many replay windows after the event (default 0)")
    ap.add_argument("--quiet", action="store_true", help="no per-window progress lines")
    ap.add_argument("--policies", default="", help="comma list (default: every policy of the engine)")
    ap.add_argument("--replicate", type=int, default=0,
                    help="K > 0: the synthetic streams again with other generator seeds (seed + 1000 K; the real "
                         "streams have none and are left out); no plots. --merge puts replicates into one table")
    ap.add_argument("--output", default="", help="result name under benchmarks/results (default: backtest_quality, "
                    "the README's, for every stream and policy; backtest_quality_partial for a subset)")
    ap.add_argument("--merge", default="", help="comma list of result names to combine into --output "
                    "(e.g. the design and holdout halves run as two processes); runs nothing")
    args = ap.parse_args(argv)
    if not args.output:  # a subset never overwrites the published table and plots
        whole = not args.streams and not args.policies and not args.replicate and not args.label_delay_windows
        args.output = "backtest_quality" if whole or args.merge else "backtest_quality_partial"
    if args.merge:
        return merge(args.merge.split(","), args.output)
    global LABEL_DELAY_WINDOWS, QUIET
    LABEL_DELAY_WINDOWS, QUIET = args.label_delay_windows, args.quiet
    engines = [e for e in args.engine.split(",") if e]
    for e in engines:
        if e not in ENGINES:
            raise SystemExit(f"--engine {e!r}: choose from {', '.join(ENGINES)}")
    policies = {e: tuple(p for p in (args.policies.split(",") if args.policies else ENGINES[e])
                         if p in ENGINES[e] or p.startswith("every:")) for e in engines}
    selected = list(catalogue.select(args.streams or None))
    if args.replicate < 0:
        raise SystemExit(f"--replicate {args.replicate}: a whole number >= 0")
    catalogue.REPLICATE = args.replicate
    if args.replicate:
        selected = [s for s in selected if s.source.startswith("river")]
    t0 = time.perf_counter()
    infos: list[dict] = []
    def checkpoint(done: list[dict]) -> None:  # a long run keeps what it finished
        save(f"{args.output}.partial", {"rows": done, "streams": infos})

    rows = run_all(selected, engines, policies, infos=infos, after_stream=checkpoint)
    print()
    print(table(rows, COLUMNS))
    results = {}
    if "default" in policies["ctloop"]:
        results = {"goal": goal(rows)}
        print()
        print(table(results["goal"], ["stream", "half", "in_goal_scope", "pass", "why"]))
    if not args.replicate:  # a replicate does not overwrite the published streams' plots
        for s in selected:
            plot_stream(s.name, rows, args.output)
        for e in engines:
            plot_summary(rows, e, args.output)
    extra = replicates(rows)
    (RESULTS / f"{args.output}.md").write_text((summary(rows) + "\n" if results else "") + (extra + "\n" if extra else "")
                                               + markdown(rows, results.get("goal")))
    out = save(args.output, {"seconds": round(time.perf_counter() - t0, 1), "rows": rows, **results,
                             "streams": infos, "label_delay_windows": args.label_delay_windows})
    print(f"\nwrote {out}, {RESULTS / (args.output + '.md')} and {0 if args.replicate else len(selected) + 1} PNG(s) "
          f"({args.output}*.png) in {RESULTS} in {time.perf_counter() - t0:.0f}s "
          "(shared 2-core machine: seconds are indicative only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
