"""Replay history window by window through the same cores the pipeline runs.

For every window after the first:

1. **prequential score** — the current champion predicts the window before its labels are used;
2. **decide** — drift of the window against the champion's training reference (the same
   ``detect`` the ``detect_drift`` component runs); the policy says whether to retrain:
   ``never`` (train once, then never), ``always`` (every window), ``drift`` (only when drifted);
3. **retrain, gate, promote** — a challenger is trained on the latest ``train_window`` of data
   (the same ``fit``), gated against the champion on a time holdout (the same ``gate``), and
   promoted when approved.

The report has one row per window and the totals ``mean_metric`` (row-weighted over scored
windows) and ``retrains`` (challengers trained after the initial model).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.config import DataConfig, DriftConfig, GateConfig, TrainingConfig
from ctloop.errors import ConfigError, DataValidationError
from ctloop.metrics import default_primary

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

POLICIES = ("drift", "always", "never")


# A backtest replays many windows: it trains with the pipeline's settings but judges each challenger
# with fewer bootstrap rounds, and with a bar that makes the first model usable (roc_auc >= 0.7;
# a regression backtest must name its own thresholds). Each is overridden by its flag.
BACKTEST_GATE = {"bootstrap_rounds": 300}
BACKTEST_THRESHOLDS = {"classification": {"roc_auc": 0.7}}


@dataclass
class BacktestConfig:
    """What to replay and how: the replay step and policy, and the pipeline's own sections."""

    target: str
    time_column: str
    window: str = "30D"
    policy: str = "drift"
    train_window: str = "90D"
    holdout_fraction: float = DataConfig.holdout_fraction
    training: TrainingConfig = field(default_factory=TrainingConfig)
    gate: GateConfig | None = None  # None: the pipeline's gate with BACKTEST_GATE and BACKTEST_THRESHOLDS
    drift: DriftConfig = field(default_factory=DriftConfig)

    def validate(self) -> None:
        if self.policy not in POLICIES:
            raise ConfigError(f"--policy {self.policy!r} is not one of {', '.join(POLICIES)}")
        if not 0.0 < self.holdout_fraction < 1.0:
            raise ConfigError(f"holdout_fraction must be in (0, 1), got {self.holdout_fraction}")
        if self.gate is None:
            thresholds = BACKTEST_THRESHOLDS.get(self.training.task)
            if thresholds is None:
                raise ConfigError(f"a {self.training.task} backtest needs gate thresholds: pass --thresholds, e.g. "
                                  "--thresholds '{\"rmse\": 10}'")
            self.gate = GateConfig.from_dict({**BACKTEST_GATE, "thresholds": thresholds})

    @property
    def task(self) -> str:
        return self.training.task

    @property
    def primary_metric(self) -> str:
        assert self.gate is not None
        return self.gate.primary_metric or default_primary(self.training.task)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "time_column": self.time_column, "window": self.window, "policy": self.policy,
                "train_window": self.train_window, "holdout_fraction": self.holdout_fraction,
                "training": self.training.to_dict(), "gate": self.gate.to_dict() if self.gate else None,
                "drift": self.drift.to_dict(), "drift_share": self.drift.share}


@dataclass
class WindowResult:
    index: int
    start: str
    end: str
    rows: int
    metric: float | None
    drift_share: float | None
    drifted: bool
    retrained: bool
    approved: bool
    promoted: bool
    champion_version: int
    reason: str


@dataclass
class BacktestReport:
    config: dict[str, Any]
    windows: list[WindowResult]
    mean_metric: float | None
    retrains: int
    promotions: int
    metric: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "metric": self.metric,
            "mean_metric": self.mean_metric,
            "retrains": self.retrains,
            "promotions": self.promotions,
            "windows": [asdict(w) for w in self.windows],
        }


def _features(frame: pd.DataFrame, cfg: BacktestConfig) -> list[str]:
    from ctloop.columns import WEIGHT

    return [c for c in frame.columns if c not in (cfg.target, cfg.time_column, WEIGHT)]


def run_backtest(
    frame: pd.DataFrame,
    cfg: BacktestConfig,
    progress: Callable[[str], None] | None = None,
) -> BacktestReport:
    """Replay ``frame`` (any order; sorted by ``cfg.time_column`` here). See the module doc."""
    import numpy as np
    import pandas as pd

    from ctloop.components.evaluate import core as eval_core
    from ctloop.components.train import core as train_core
    from ctloop.drift import engine as drift_core
    from ctloop.timeutil import parse_duration

    cfg.validate()
    say = progress or (lambda _msg: None)
    for col in (cfg.target, cfg.time_column):
        if col not in frame.columns:
            raise DataValidationError([(col, "required", len(frame), "column is missing from the data")])
    step = parse_duration(cfg.window)
    train_span = parse_duration(cfg.train_window) if cfg.train_window else None
    data = frame.copy()
    data[cfg.time_column] = pd.to_datetime(data[cfg.time_column])
    data = data.dropna(subset=[cfg.target]).sort_values(cfg.time_column, kind="stable")
    if data.empty:
        raise DataValidationError([(cfg.target, "non_null", 0, "no rows with a target value")])
    t0 = data[cfg.time_column].min().floor("D" if step >= pd.Timedelta(days=1) else "min")
    edges = [t0]
    while edges[-1] <= data[cfg.time_column].max():
        edges.append(edges[-1] + step)
    times = data[cfg.time_column].to_numpy()
    bounds = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    if len(bounds) < 2:
        raise ConfigError(
            f"--window {cfg.window} gives {len(bounds)} window over {data[cfg.time_column].min()} "
            f"… {data[cfg.time_column].max()}: choose a shorter window"
        )
    features = _features(data, cfg)

    def window_rows(lo, hi) -> pd.DataFrame:
        mask = (times >= np.datetime64(lo)) & (times < np.datetime64(hi))
        return data.loc[mask]

    def train_and_gate(hist: pd.DataFrame, champion_model):
        hist = hist.sort_values(cfg.time_column, kind="stable")
        cut = int(len(hist) * (1 - cfg.holdout_fraction))
        train, holdout = hist.iloc[:cut], hist.iloc[cut:]
        result = train_core.run(train, cfg.training, target=cfg.target, time_column=cfg.time_column)
        decision = eval_core.run(result.model, holdout.drop(columns=[cfg.time_column]), cfg.gate,
                                 target=cfg.target, task=cfg.task, champion=champion_model)
        return result, train, decision

    # Initial champion: trained on the first window, judged on absolute thresholds only.
    first = window_rows(*bounds[0])
    result, train, decision = train_and_gate(first, None)
    champion_model = result.model
    champion_reference = train
    champion_version = 1
    say(f"window 0 [{bounds[0][0].date()} … {bounds[0][1].date()}): initial model v1 "
        f"on {len(first)} rows" + ("" if decision.approved else " (fails the gate; used anyway as the starting point)"))
    windows = [WindowResult(0, str(bounds[0][0]), str(bounds[0][1]), len(first), None, None, False,
                            True, decision.approved, True, 1, "initial model")]
    retrains = promotions = 0
    for i, (lo, hi) in enumerate(bounds[1:], start=1):
        current = window_rows(lo, hi)
        if current.empty:
            continue
        # 1. prequential score of the champion on data it has never seen
        scored = eval_core.score(champion_model, current.drop(columns=[cfg.time_column]),
                                 target=cfg.target, task=cfg.task)
        metric = float(scored[cfg.primary_metric]) if cfg.primary_metric in scored else None
        # 2. drift against the champion's training reference
        drift = drift_core.detect(
            champion_reference[features], current[features], columns=features,
            drift_share=cfg.drift.share, method=cfg.drift.method or None, threshold=cfg.drift.threshold,
        )
        retrain = cfg.policy == "always" or (cfg.policy == "drift" and drift.drifted)
        approved = promoted = False
        reason = drift.reason if cfg.policy == "drift" else f"policy {cfg.policy}"
        if retrain:
            retrains += 1
            hist_lo = hi - train_span if train_span is not None else edges[0]
            hist = data.loc[(times >= np.datetime64(hist_lo)) & (times < np.datetime64(hi))]
            result, train, decision = train_and_gate(hist, champion_model)
            approved = decision.approved
            reason = decision.reason
            if approved:
                promotions += 1
                promoted = True
                champion_model, champion_reference = result.model, train
                champion_version += 1
        say(
            f"window {i} [{lo.date()} … {hi.date()}): {len(current)} rows, "
            f"{cfg.primary_metric}={metric if metric is None else round(metric, 4)}, "
            f"drift share={drift.share:.2f}{' DRIFT' if drift.drifted else ''}"
            + (f", retrained → {f'promoted v{champion_version}' if promoted else 'rejected'}" if retrain else "")
        )
        windows.append(WindowResult(i, str(lo), str(hi), len(current), metric, float(drift.share),
                                    bool(drift.drifted), retrain, approved, promoted,
                                    champion_version, reason))
    scored = [w for w in windows if w.metric is not None and w.rows > 0]
    total = sum(w.rows for w in scored)
    mean_metric = sum(w.metric * w.rows for w in scored) / total if total else None
    return BacktestReport(
        config=cfg.to_dict(), windows=windows, mean_metric=mean_metric, retrains=retrains,
        promotions=promotions, metric=cfg.primary_metric,
    )


def plot_timeline(report: BacktestReport, path: str | Path, title: str = "") -> Path:
    """PNG timeline: metric per window, drift share, retrain and promotion markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    rows = report.windows
    starts = [pd.Timestamp(w.start) for w in rows]
    mids = [pd.Timestamp(w.start) + (pd.Timestamp(w.end) - pd.Timestamp(w.start)) / 2 for w in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                   gridspec_kw={"height_ratios": [2, 1]})
    xs = [m for m, w in zip(mids, rows, strict=True) if w.metric is not None]
    ys = [w.metric for w in rows if w.metric is not None]
    ax1.plot(xs, ys, marker="o", color="#1f77b4", label=f"champion {report.metric} (prequential)")
    for w in rows:  # decisions happen at the end of the window they were made in
        if w.retrained and w.index > 0 and not w.promoted:
            ax1.axvline(pd.Timestamp(w.end), color="#ff7f0e", alpha=0.6, linestyle="--")
        if w.promoted and w.index > 0:
            ax1.axvline(pd.Timestamp(w.end), color="#2ca02c", alpha=0.8)
    ax1.plot([], [], color="#ff7f0e", linestyle="--", label="retrained, rejected by the gate")
    ax1.plot([], [], color="#2ca02c", label="retrained and promoted")
    ax1.set_ylabel(report.metric)
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    mean = "n/a" if report.mean_metric is None else f"{report.mean_metric:.4f}"
    ax1.set_title(title or f"policy={report.config.get('policy')}  mean {report.metric}={mean}  "
                  f"retrains={report.retrains}  promotions={report.promotions}")
    shares = [w.drift_share if w.drift_share is not None else 0.0 for w in rows]
    widths = [(pd.Timestamp(w.end) - pd.Timestamp(w.start)) * 0.8 for w in rows]
    ax2.bar(starts, shares, width=widths, color="#9467bd", align="edge", label="drift share")
    ax2.axhline(report.config.get("drift_share", 0.5), color="red", linestyle=":", label="drift threshold")
    ax2.set_ylabel("drift share")
    ax2.set_ylim(0, 1)
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def write_report(report: BacktestReport, output_dir: str | Path) -> tuple[Path, Path]:
    """Write ``backtest.json`` and ``backtest.png`` into ``output_dir``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    js = out / "backtest.json"
    js.write_text(json.dumps(report.to_dict(), indent=2, default=str))
    png = plot_timeline(report, out / "backtest.png")
    return js, png


__all__ = ["POLICIES", "BacktestConfig", "BacktestReport", "WindowResult", "run_backtest",
           "plot_timeline", "write_report"]
