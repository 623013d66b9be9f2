"""Stop 58's unseen stream births_cigarettes_dst (statsmodels' cataneo2 births, the mother's cigarettes a day
in four text classes; the form's '11+ daily' box appears on 1 May): from window 8 on, 6-18 labels a window
(3-10 %) are a class the champion never saw, each scored as an error, for 18 windows. The window records
held it (``unseen_classes``), but the replay's lines said only ``176 rows, roc_auc=0.6055, drift share 0.06,
176 labels`` and the reason ``no confident loss on 176 labels (...)``: the one thing a user had to learn
there was not said. A window now says how many of its labels are classes the champion never saw, and which."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.backtest import BacktestConfig, run_backtest
from ctloop.config import GateConfig, TrainingConfig


def _stream() -> pd.DataFrame:
    rng = np.random.default_rng(58)
    rows = 480  # 80 a day for 6 days; 'heavy' from day 4 on, written 'moderate' before
    ts = pd.Timestamp("2002-04-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 6, unit="D")
    a = rng.normal(size=rows)
    y = np.select([a < 0, a < 1], ["none", "moderate"], "heavy").astype(object)
    y[(y == "heavy") & (ts < pd.Timestamp("2002-04-04"))] = "moderate"
    return pd.DataFrame({"ts": ts, "a": a, "b": rng.normal(size=rows), "y": y})


def test_a_window_says_its_labels_of_a_class_the_champion_never_saw():
    data = _stream()
    cfg = BacktestConfig(
        target="y",
        time_column="ts",
        window="1D",
        train_window="2D",
        policy="never",
        training=TrainingConfig(estimator="logistic_regression", seed=0),
        gate=GateConfig.from_dict(
            {"bootstrap_rounds": 20, "seed": 0, "thresholds": {"roc_auc": 0.5}}
        ),
    )
    lines: list[str] = []
    report = run_backtest(data, cfg, progress=lines.append)
    day = (data["ts"] - pd.Timestamp("2002-04-01")) // pd.Timedelta("1D")
    said = 0
    for w in report.windows:
        line = next((x for x in lines if x.startswith(f"window {w.index} [")), "")
        heavy = int(((day == w.index) & (data["y"] == "heavy")).sum())
        if w.unseen_classes:
            assert w.unseen_classes == ["heavy"]
            part = f"{heavy} labels of a class v1 never saw ('heavy': scored as errors)"
            assert part in line, line
            assert part in w.reason, w.reason
            said += 1
        else:
            assert "never saw" not in line, line
    assert said == 3, lines
