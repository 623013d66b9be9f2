"""A small inference log with every case the exactly-once reading must get right, in the sink's
layout (``<root>/model=<m>/date=<day>/revision=<r>/*.parquet``), and a champion to judge it by.

Cases: several revisions and files per day; at-least-once duplicates (a replayed WAL: the same
complete row twice, in another file); request and response halves of one request in different
files (written by two sink replicas), one pair either side of midnight and of the window start;
two requests that reused a ce-id (complete rows, different times); batched requests (instances
0..2); older files without ``model_version`` and ``has_request``; v1 list instances logged as
``f0..f2``; rows before the label lookback and after the window end.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from ctloop.config import MonitoringConfig
from ctloop.monitoring.champion import Champion

MODEL = "credit"
FEATURES = ["income", "age", "region"]
END = pd.Timestamp("2026-01-05T01:00:00Z")
FIRST = pd.Timestamp("2026-01-03T22:00:00Z")  # before the label lookback (1D)


def champion(seed: int = 0, since: str = "2026-01-04T06:00:00Z") -> Champion:
    rng = np.random.default_rng(seed)
    n = 600
    reference = pd.DataFrame({"income": rng.normal(50, 10, n), "age": rng.integers(18, 80, n),
                              "region": rng.choice(["n", "s", "e", "w"], n)})
    return Champion("1", "classification", list(FEATURES), [0, 1], reference, {"roc_auc": 0.8},
                    pd.Timestamp(since))


def config(root: Path, labels: Path | None = None, **extra) -> MonitoringConfig:
    return MonitoringConfig.from_dict({"log_root": str(root), "window": "2h", "label_lookback": "1D",
                                       "min_labels": 5, **({"labels_root": str(labels)} if labels else {}),
                                       "rules": {"drift_share": 0.5, "realized_drop": 0.05,
                                                 "min_rows_since_training": 100}, **extra})


def _rows(rng: np.random.Generator, n: int, times: pd.DatetimeIndex, shift: float) -> pd.DataFrame:
    label = rng.integers(0, 2, n)
    p = np.clip(0.5 + (label - 0.5) * 0.5 + rng.normal(0, 0.25, n), 0.01, 0.99)
    return pd.DataFrame({
        "income": rng.normal(50 + shift, 10, n), "age": rng.integers(18, 80, n),
        "region": rng.choice(["n", "s", "e", "w"], n), "prediction_0": 1 - p, "prediction_1": p,
        "request_id": [uuid.UUID(int=int(rng.integers(0, 2**63))).hex for _ in range(n)], "instance": 0,
        "model": MODEL, "revision": "r1", "model_version": "1",
        "time": [t.isoformat() for t in times], "has_request": True, "has_response": True,
        "meta_x_order_id": [str(int(v)) for v in rng.integers(10**6, 10**7, n)], "_label": label,
    })


def _write(root: Path, frame: pd.DataFrame, revision: str, name: str | None = None) -> None:
    frame = frame.drop(columns=["_label"], errors="ignore")
    for day, part in frame.groupby(pd.to_datetime(frame["time"], utc=True, format="ISO8601").dt.strftime("%Y-%m-%d")):
        d = root / f"model={MODEL}" / f"date={day}" / f"revision={revision}"
        d.mkdir(parents=True, exist_ok=True)
        part.to_parquet(d / f"{name or uuid.uuid4().hex}-{day}.parquet", index=False)


def write_log(root: Path, n: int = 1200, seed: int = 1, shift: float = 0.0, files: int = 6) -> pd.DataFrame:
    """Write the log; returns every distinct logged row with its true label (``_label``)."""
    rng = np.random.default_rng(seed)
    span = (END + pd.Timedelta("30min") - FIRST).total_seconds()
    times = pd.DatetimeIndex(sorted(FIRST + pd.to_timedelta(rng.uniform(0, span, n), unit="s")))
    rows = _rows(rng, n, times, shift)
    rows.loc[rows.index % 3 == 0, ["revision", "model_version"]] = ["r2", "2"]
    rows.loc[rows.index % 7 == 0, "model_version"] = ""  # unknown version (revision counts)
    everyone = [rows]
    # batched requests: instances 0..2 of one request id
    batch = rows.iloc[-40:-31].copy()
    batch["request_id"] = np.repeat([f"batch-{i}" for i in range(3)], 3)
    batch["instance"] = np.tile([0, 1, 2], 3)
    batch["meta_x_order_id"] = np.repeat(["9000001", "9000002", "9000003"], 3)
    rows = rows.drop(index=batch.index)
    # halves: request and response written by different replicas (in different files)
    halves = rows.iloc[-80:-45].copy()
    rows = rows.drop(index=halves.index)
    # a pair either side of the window start and one either side of midnight
    start = END - pd.Timedelta("2h")
    late_halves = []
    for i, (t_req, t_resp) in enumerate([(start - pd.Timedelta("1s"), start + pd.Timedelta("1s")),
                                         (pd.Timestamp("2026-01-04T23:59:59Z"), pd.Timestamp("2026-01-05T00:00:01Z"))]):
        halves.iloc[i, halves.columns.get_loc("time")] = t_req.isoformat()
        halves.iloc[i, halves.columns.get_loc("meta_x_order_id")] = f"77{i}"
        late_halves.append(t_resp)
    request = halves.copy()
    request[["prediction_0", "prediction_1"]] = np.nan
    request["has_response"], request["model_version"] = False, ""
    response = halves.copy()
    response[["income", "age", "region"]] = [np.nan, np.nan, None]
    response["has_request"] = False
    response["age"] = response["age"].astype("float64")
    for i, t in enumerate(late_halves):
        response.iloc[i, response.columns.get_loc("time")] = t.isoformat()
    # at-least-once: complete rows replayed (the same row twice)
    replay = rows.iloc[100:130].copy()
    # a reused ce-id: two requests sent with one id, each complete, at their own times
    reused = rows.iloc[200:210].copy()
    reused["time"] = [(pd.Timestamp(t) + pd.Timedelta("13min")).isoformat() for t in reused["time"]]
    reused["income"] = reused["income"] + 1.0
    # write: rows in several files per revision, old files without model_version/has_request,
    # positional v1 rows
    for rev in ("r1", "r2"):
        part = rows[rows["revision"] == rev]
        for k, at in enumerate(np.array_split(np.arange(len(part)), files)):
            chunk = part.iloc[at].copy()
            if k == 0:
                chunk = chunk.drop(columns=["model_version", "has_request"])
            if k == 1:
                chunk = chunk.rename(columns={"income": "f0", "age": "f1", "region": "f2"})
            _write(root, chunk, rev)
    _write(root, batch, "r1")
    _write(root, request, "r1", "replica-a")
    _write(root, response, "r1", "replica-b")
    _write(root, replay, "r1", "replay")
    _write(root, reused, "r1", "reused")
    everyone += [batch, reused]
    return pd.concat(everyone, ignore_index=True).drop_duplicates(subset=["request_id", "instance", "time"])


def write_labels(store: Path, truth: pd.DataFrame, share: float = 0.4, seed: int = 2, key: str = "request_id"
                 ) -> pd.DataFrame:  # fmt: skip
    """Labels for a share of the rows (a few corrected later, batched ones without instance)."""
    rng = np.random.default_rng(seed)
    chosen = truth[rng.random(len(truth)) < share]
    labels = pd.DataFrame({key: chosen[key].astype(str), "label": chosen["_label"].astype(float),
                           "label_time": "2026-01-05T02:00:00Z"})
    late = labels.iloc[:10].assign(label=lambda f: 1 - f["label"], label_time="2026-01-05T03:00:00Z")
    batched = pd.DataFrame({key: truth.loc[truth["request_id"].str.startswith("batch"), key].astype(str).unique(),
                            "label": 1.0, "label_time": "2026-01-05T02:00:00Z"})
    out = pd.concat([labels, late, batched], ignore_index=True)
    (store / "labels").mkdir(parents=True, exist_ok=True)
    out.to_parquet(store / "labels" / "part-0.parquet", index=False)
    return out


def replay_through_store(report, cfg, tracking_uri: str, model: str, *, metric: str) -> None:
    """Judge each of a backtest's window records again, stripped of what the policy wrote, from the
    history a real MLflow monitoring store reads back, and record it there as ``monitor_model``
    does: every rule, CUSUM and recovery state must equal the backtest's (one policy engine, its
    state carried by the store)."""
    import mlflow
    import pandas as pd
    import pytest
    from mlflow.tracking import MlflowClient

    from ctloop.components.monitor import core
    from ctloop.config import MonitoringConfig
    from ctloop.monitoring import policy
    from ctloop.monitoring.store import MonitoringStore

    mlflow.set_tracking_uri(tracking_uri)
    store = MonitoringStore(MlflowClient(tracking_uri), model)
    need = core.history_depth(MonitoringConfig(log_root="unused", window=cfg.window, rules=cfg.rules))
    written = ("cusum", "change", "gap", "train_since", "try_since", *policy.LEVEL_FIELDS, "budget",
               "triggered", "rule", "champion_gate", "loss_z")
    for done in report.records:
        current = {k: v for k, v in done.items() if k not in written}
        current["champion_version"] = str(current["champion_version"])
        history = store.history(window_end=current["window_end"], need=need, window=cfg.window)
        verdict = policy.judge(history, current, cfg.rules.active(), champion_gate=done["champion_gate"],
                               metric=metric, min_labels=cfg.min_labels, window=cfg.window,
                               recovery=cfg.rules.recovery)
        state = ("rule", "change", "gap", "train_since", "try_since", "budget")
        assert [current[k] for k in state] == [done[k] for k in state], (current["window_end"], [current[k] for k in state], [done[k] for k in state])
        levels = policy.LEVEL_FIELDS
        assert [current[k] for k in levels] == pytest.approx([done[k] for k in levels]), current["window_end"]
        assert current.get("cusum") == pytest.approx(done.get("cusum")), current["window_end"]
        series, tags = core.carried(current)
        for key in ("rows", "drift_share", "realized", "realized_rows"):
            if current.get(key) is not None:
                series[key] = float(current[key])
        run = store.record(window_end=pd.Timestamp(current["window_end"]), metrics=series,
                           tags={**tags, "champion_version": current["champion_version"]}, retrain=verdict.fire,
                           rule=verdict.rule, reason=verdict.reason, metric=metric, warnings=[])
        if done["triggered"]:  # the retrain started (trigger_training marks the window)
            store.mark_triggered(run, "kfp-run")
