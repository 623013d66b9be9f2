"""Issue 14 item 4: what the backtest's windows say since stop 58 (commits 28a6513a and f7c5caa4), monitoring's
window says too, from the same code (:mod:`ctloop.unseen`), and records as fields a dashboard or alert can read:

* labels of a class the champion never saw: the realized metric leaves them out (``labels.realized.scorable``),
  and the warning said ``"6 labels left out of the realized metric: not a class of the champion [0, 1] (e.g.
  2.0)"`` with no field to count them; now ``"6 of the window's 60 labelled rows are labelled '2', a class v1
  never saw: left out of the realized metric"``, with ``unseen_labels`` in the window's metrics and ``unseen_classes`` in its tags;
* a feature the champion learnt with values and none in the window's requests (stop 58's medicare_private_gap:
  the income feed broken for three days): the drift engine counted the column drifted and the window said
  nothing; now ``"column 'x' has no values in this window (the champion learnt it with values)"``, with
  ``empty_features`` (how many) and the tag ``empty_features`` (which).

Both readers alike: the window read in memory (``judge``) and streamed in partitions (``judge_state``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ctloop.components.monitor import core
from ctloop.config import MonitoringConfig
from ctloop.labels.store import ingest_labels
from ctloop.monitoring.champion import Champion
from ctloop.monitoring.prometheus import window_samples
from tests.monitoring.test_hunt_labels_window import _cfg
from tests.monitoring.test_hunt_labels_window import _log as _log_calls
from tests.monitoring.test_r51_labels_unjoinable_hints import _both

N = 60


def _log(root: Path, x: np.ndarray) -> None:
    """N served calls of one feature ``x`` in two files, as the inference-log sink lays them out."""
    _log_calls(root, [str(i) for i in range(N)], x=x)


REFERENCE = pd.DataFrame({"x": np.random.default_rng(0).normal(size=200)})


def _judged(
    tmp_path: Path,
    labels: list,
    classes: list | None = None,
    reference: pd.DataFrame | None = REFERENCE,
) -> list[core.WindowJudgement]:
    (tmp_path / "labels.csv").write_text(
        "request_id,label\n" + "".join(f"{i},{y}\n" for i, y in enumerate(labels))
    )
    if labels:
        ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    champion = Champion(
        "1",
        "classification",
        ["x"],
        [0, 1] if classes is None else classes,
        reference,
        {"roc_auc": 0.8},
        pd.Timestamp("2026-01-01", tz="UTC"),
    )
    cfg = _cfg(tmp_path)
    return list(_both(tmp_path / "logs", champion, cfg, 2, tmp_path / "store", batch_rows=13))


def test_labels_of_a_class_the_champion_never_saw_are_said_as_the_backtest_says_them_and_counted(
    tmp_path,
):
    labels = [i % 2 for i in range(N)]
    for i in range(0, N, 10):  # 6 labels of a class the binary champion never saw
        labels[i] = 2
    _log(tmp_path / "logs", np.random.default_rng(1).normal(size=N))
    for judged in _judged(tmp_path, labels):
        # round 59: scored as errors at their share, as the backtest scores them (were left out)
        said = "6 of the window's 60 labelled rows are labelled '2', a class v1 never saw: scored as errors"
        assert said in judged.warnings, judged.warnings
        assert not any("not a class of the champion" in w for w in judged.warnings), judged.warnings
        assert judged.record["realized_rows"] == N
        assert judged.record["unseen_labels"] == judged.series["unseen_labels"] == 6
        assert judged.tags["unseen_classes"] == "2"
        assert judged.output_metrics()["unseen_labels"] == 6  # the KFP Metrics of the window
        pushed = window_samples(
            judged.published(MonitoringConfig.from_dict({"log_root": "x"})), now=0
        )
        assert (
            "ctloop_monitoring_unseen_labels",
            {"version": "1"},
            6.0,
        ) in pushed  # the Pushgateway's gauge


def test_a_feature_with_no_values_in_the_window_is_named_and_counted(tmp_path):
    _log(tmp_path / "logs", np.full(N, np.nan))
    for judged in _judged(tmp_path, [i % 2 for i in range(N)]):
        said = "column 'x' has no values in this window (the champion learnt it with values)"
        assert said in judged.warnings, judged.warnings
        assert said in judged.reason
        assert judged.record["empty_features"] == judged.series["empty_features"] == 1
        assert judged.tags["empty_features"] == "x"
        assert judged.record["unseen_labels"] == 0 and "unseen_classes" not in judged.tags
        pushed = window_samples(
            judged.published(MonitoringConfig.from_dict({"log_root": "x"})), now=0
        )
        assert ("ctloop_monitoring_empty_features", {"version": "1"}, 1.0) in pushed


def test_a_window_with_values_and_known_labels_says_neither(tmp_path):
    _log(tmp_path / "logs", np.random.default_rng(1).normal(size=N))
    for judged in _judged(tmp_path, [i % 2 for i in range(N)]):
        assert not any("never saw" in w or "has no values" in w for w in judged.warnings), (
            judged.warnings
        )
        assert judged.series["unseen_labels"] == judged.series["empty_features"] == 0


def test_a_champion_of_unknown_classes_counts_no_unseen_labels(tmp_path):
    # a review of round 58: 'yes'/'no' were counted as labels of a class it never saw (the gauge fired alerts)
    _log(tmp_path / "logs", np.random.default_rng(1).normal(size=N))
    for judged in _judged(tmp_path, [("yes", "no", "maybe")[i % 3] for i in range(N)], classes=[]):
        assert judged.record.get("unseen_labels") is None, judged.record
        assert "unseen_labels" not in judged.series and "unseen_classes" not in judged.tags
        pushed = window_samples(
            judged.published(MonitoringConfig.from_dict({"log_root": "x"})), now=0
        )
        assert not [s for s in pushed if s[0] == "ctloop_monitoring_unseen_labels"], pushed


def test_unchecked_counts_are_none_not_zero(tmp_path):
    # a review of round 58: no reference recorded and pushed empty_features 0 ("checked, none"), and a window
    # with no labels put unseen_labels 0.0 in MLflow while its record said None
    _log(tmp_path / "logs", np.random.default_rng(1).normal(size=N))
    for judged in _judged(tmp_path, [], reference=None):
        for name in ("unseen_labels", "empty_features"):
            assert judged.record.get(name) is None and name not in judged.series, (
                name,
                judged.record,
            )
        pushed = window_samples(
            judged.published(MonitoringConfig.from_dict({"log_root": "x"})), now=0
        )
        assert not [s for s in pushed if s[0].endswith(("unseen_labels", "empty_features"))], pushed


# the history's counts (ctloop monitor history): tests/monitoring/test_hunt37_monitor_history_clocks.py,
# in that test's store (a fresh store here cost 9 s as the process's first, a review of round 58 measured)
