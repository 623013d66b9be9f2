"""The monitor's streamed window (``monitor_model``'s path: :class:`ctloop.monitoring.window.WindowState`)
tells what the in-memory join tells when labels and log do not meet: a key written another way
("001" stored, "1" logged) is the first thing to check, and the streamed path said only "0 labelled rows"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.components.monitor import core
from ctloop.config import MonitoringConfig
from ctloop.inference_log.reader import read_log
from ctloop.labels.join import index_store
from ctloop.labels.store import read_labels
from ctloop.monitoring import window as W
from ctloop.monitoring.champion import Champion

END = pd.Timestamp("2026-01-05T01:00:00Z")


def _log(root: Path, ids: list[str], p: np.ndarray | None = None, x: np.ndarray | None = None) -> None:
    """The calls ``ids`` in two files, as the inference-log sink lays them out (``x``: a feature column too)."""
    n = len(ids)
    p = np.linspace(0.05, 0.95, n) if p is None else p
    day = root / "model=m" / "date=2026-01-05" / "revision=r1"
    day.mkdir(parents=True)
    for k, part in enumerate(np.array_split(np.arange(n), 2)):  # two files: two chunks of the stream
        pd.DataFrame({"request_id": [ids[i] for i in part], "instance": 0, "model": "m", "revision": "r1",
                      "model_version": "1", "has_request": True, "has_response": True,
                      "time": [(END - pd.Timedelta(minutes=30) + pd.Timedelta(seconds=int(i))).isoformat() for i in part],
                      "prediction_0": 1 - p[part], "prediction_1": p[part],
                      **({} if x is None else {"x": x[part]})}).to_parquet(day / f"part-{k}.parquet")


def _cfg(tmp_path: Path) -> MonitoringConfig:
    """A 2h window of ``tmp_path/logs`` judged on the labels of ``tmp_path/store`` (a day's lookback, one label enough)."""
    return MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "window": "2h", "label_lookback": "1D",
                                       "labels_root": str(tmp_path / "store"), "min_labels": 1})


def _judged(tmp_path: Path, partitions: int) -> tuple[core.WindowJudgement, core.WindowJudgement]:
    champion = Champion("1", "classification", ["x"], [0, 1], None, {"roc_auc": 0.8}, pd.Timestamp("2026-01-01", tz="UTC"))
    cfg = _cfg(tmp_path)
    window = core.bounds(END, cfg)
    frame = core.judge(window=window, logs=read_log(str(tmp_path / "logs"), "m", window.read_from, window.end),
                       labels=read_labels(str(tmp_path / "store")), champion=champion, history=[], previous=None,
                       cfg=cfg, model_name="m")
    spec = core.window_spec(window, champion, None, cfg)
    index = index_store(str(tmp_path / "store"))
    plan = W.plan(str(tmp_path / "logs"), "m", spec, partitions, progress=False)
    parts = []
    for i in range(partitions):  # each partition's state saved and loaded, as the KFP fan-out passes them
        W.collect_partition(plan, i, index, batch_rows=7, progress=False).save(str(tmp_path / f"p{i}"))
        parts.append(W.Partial.load(str(tmp_path / f"p{i}"), index))
    state = W.merge_partials(parts, index)
    streamed = core.judge_state(state=state, labels=None, champion=champion, history=[], previous=None, cfg=cfg,
                                model_name="m", consume=True)
    return frame, streamed


@pytest.mark.parametrize("partitions", [1, 2])
def test_labels_whose_keys_match_no_logged_key_are_said_with_one_key_of_each_side(tmp_path, capsys, partitions):
    _log(tmp_path / "logs", [str(i) for i in range(1, 41)])
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"{i:03d},{i % 2}\n" for i in range(1, 41)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    frame, streamed = _judged(tmp_path, partitions)
    note = "40 labelled keys in the store, none matched a logged request_id: e.g. logged '1' vs stored '001'"
    assert note in frame.tags["label_join"]
    assert streamed.tags["label_join"] == frame.tags["label_join"]


def test_a_matched_window_has_no_such_note(tmp_path, capsys):
    _log(tmp_path / "logs", [str(i) for i in range(1, 41)])
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"{i},{i % 2}\n" for i in range(1, 41)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    frame, streamed = _judged(tmp_path, 2)
    assert streamed.tags["label_join"] == frame.tags["label_join"] == "40 labelled rows (key request_id)"
    assert streamed.record["realized_rows"] == frame.record["realized_rows"] == 40


def test_labels_the_champion_never_saw_are_named_as_written_and_scored_as_errors_at_their_share(tmp_path, capsys):
    from sklearn.metrics import roc_auc_score

    _log(tmp_path / "logs", [str(i) for i in range(1, 41)])
    labels = [(i * 7) % 3 for i in range(1, 41)]  # 0, 1 and a class 2 the binary champion never saw
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"{i},{y}\n" for i, y in enumerate(labels, start=1)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    frame, streamed = _judged(tmp_path, 1)
    y, p = np.array(labels), np.linspace(0.05, 0.95, 40)
    share = float((y == 2).mean())
    for judged in (frame, streamed):
        # round 59: the unseen labels are errors at their share, as the backtest scores them (were left out)
        assert judged.record["realized_rows"] == 40
        assert judged.record["realized"] == pytest.approx(
            (1 - share) * roc_auc_score(y[y < 2], p[y < 2]) + share * 0.5, rel=1e-12)
        said = [w for w in judged.warnings if "never saw" in w]
        # worded as the backtest's windows (ctloop.unseen) since round 58
        assert said == [f"{int((y == 2).sum())} of the window's 40 labelled rows are labelled '2', a class v1 never "
                        "saw: scored as errors"], judged.warnings
        assert not any("left out" in w for w in judged.warnings), judged.warnings


def test_a_partition_saved_again_into_its_directory_does_not_keep_the_rows_of_the_earlier_save(tmp_path, capsys):
    """A retried partition task writing into the directory an earlier attempt filled (a reused
    output path): a state without labelled or held rows left the earlier attempt's
    ``labelled.parquet``/``held.parquet`` there, and the merge counted those rows again."""
    _log(tmp_path / "logs", [str(i) for i in range(1, 41)])
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"{i},{i % 2}\n" for i in range(1, 41)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    champion = Champion("1", "classification", ["x"], [0, 1], None, {"roc_auc": 0.8}, pd.Timestamp("2026-01-01", tz="UTC"))
    cfg = MonitoringConfig.from_dict({"log_root": str(tmp_path / "logs"), "window": "2h", "label_lookback": "1D",
                                      "labels_root": str(tmp_path / "store"), "min_labels": 1})
    spec = core.window_spec(core.bounds(END, cfg), champion, None, cfg)
    index = index_store(str(tmp_path / "store"))
    plan = W.plan(str(tmp_path / "logs"), "m", spec, 1, progress=False)
    full = W.collect_partition(plan, 0, index, progress=False)
    full.held = full.state.labelled_rows().iloc[:3]  # stands for rows held aside
    full.save(str(tmp_path / "p"))
    empty = W.Partial(W.WindowState(spec, index), pd.DataFrame(), 0)  # the same partition, read again: no rows
    empty.save(str(tmp_path / "p"))
    again = W.Partial.load(str(tmp_path / "p"), index)
    assert len(again.state.labelled_rows()) == 0 and len(again.held) == 0


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_an_infinite_logged_score_is_left_out_of_the_rules_realized_metric_as_of_the_per_version_one(tmp_path, capsys, bad):
    """The per-version series (realized_metrics) left rows with an infinite score out, the rules'
    realized metric and realized_rows counted them (the record: 40 rows, the series: 35)."""
    from sklearn.metrics import roc_auc_score

    p = np.linspace(0.05, 0.95, 40)
    logged = p.copy()
    logged[[3, 9, 17, 25, 33]] = bad
    _log(tmp_path / "logs", [str(i) for i in range(1, 41)], logged)
    y = np.array([(i * 7) % 2 for i in range(1, 41)])
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(y, start=1)))
    assert main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "store")]) == 0
    frame, streamed = _judged(tmp_path, 1)
    finite = np.isfinite(logged)
    for judged in (frame, streamed):
        assert judged.record["realized_rows"] == 35 == judged.series["realized_rows.model_version.1"]
        assert judged.record["realized"] == pytest.approx(roc_auc_score(y[finite], p[finite]), rel=1e-12)
        assert judged.series["realized_roc_auc.model_version.1"] == pytest.approx(judged.record["realized"], rel=1e-12)
