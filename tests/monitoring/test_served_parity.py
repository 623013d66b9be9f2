"""The default policy's window record is computed in three places from one rule engine: the
backtest (``ctloop backtest --policy default``: the champion's in-memory predictions of the
window's rows) and production monitoring (``monitor_model``: the logged prediction columns of the
inference log, read into memory by :func:`core.judge` or streamed into a window state by
:func:`core.judge_state`). For the same rows, the same champion and the same gate record, the
three must give the same record: a binary classifier's ``prediction_1`` read as a one-class
matrix gave PSI ~8 in every monitored window while the backtest read ~0 (7e51ba0), and nothing
compared the paths.

Each case: a small fitted sklearn champion, its gate record from the real gate
(``eval_core.run``: ``triggers.gate_reference`` / ``regression_reference``) as each path reads it
back (the backtest: ``registered``, the evaluate metrics; monitoring: the registration tags read
by ``champion.load``), one window of labelled rows scored by it, written as the sink logs them
(``model=/date=/revision=`` partitions, the prediction columns the model server answers,
:meth:`ctloop.scoring.Scorer.predict`) with the labels ingested into a label store."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ctloop import metrics as M
from ctloop.columns import PREDICTION, prediction_column
from ctloop.components.evaluate import core as eval_core
from ctloop.components.monitor import core
from ctloop.components.register.core import registration_tags
from ctloop.config import GateConfig, MonitoringConfig
from ctloop.monitoring import champion as champion_mod
from ctloop.monitoring import triggers

MODEL = "parity"
FEATURES = ["x1", "x2"]
END = pd.Timestamp("2026-01-05T01:00:00Z")  # the window (END - 2h, END] spans midnight: two date partitions
WINDOW_ROWS = 300

CLASSIFIER_FIELDS = ("psi", "psi_bound", "realized", "realized_se", "brier", "brier_se", "chance_gap",
                     "chance_gap_se")
REGRESSOR_FIELDS = ("psi", "psi_bound", "realized", "mse", "mse_se", "mae", "mae_se", "chance_gap", "chance_gap_se")


def _frame(rng: np.random.Generator, n: int, kind: str, shift: float = 0.0) -> pd.DataFrame:
    x1, x2 = rng.normal(shift, 1, n), rng.normal(size=n)
    noise = rng.normal(size=n)
    if kind in ("regressor", "tree_regressor"):
        y = 3 * x1 - 2 * x2 + noise
    elif kind == "multiclass":  # three classes, the middle one the widest
        y = np.digitize(x1 + 0.5 * x2 + 0.7 * noise, [-0.6, 0.6])
    else:
        y = (x1 + 0.5 * x2 + noise > 0).astype(int)
        if kind == "binary_text":
            y = np.where(y == 1, "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "y": y})


def _case(kind: str, seed: int = 0):
    """``(task, model, classes, train, holdout, window)``: the champion fitted on ``train``, gated on
    ``holdout``; the window's rows moved a little (prediction drift is neither 0 nor saturated)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(seed)
    train, holdout, window = _frame(rng, 600, kind), _frame(rng, 400, kind), _frame(rng, WINDOW_ROWS, kind, 0.4)
    task = "regression" if kind.endswith("regressor") else "classification"
    model = {"regressor": LinearRegression(), "tree_regressor": DecisionTreeRegressor(max_depth=3, random_state=0),
             "forest": RandomForestClassifier(n_estimators=7, max_depth=3, min_samples_leaf=5, random_state=0),
             "knn": KNeighborsClassifier(7)}.get(kind, LogisticRegression()).fit(train[FEATURES], train["y"])
    classes = model.classes_.tolist() if task == "classification" else None
    return task, model, classes, train, holdout, window


def _gates(model, holdout: pd.DataFrame, task: str) -> tuple[dict[str, float], dict[str, float]]:
    """The gate record as the backtest keeps it (``backtest.registered``: the evaluate component's
    ``challenger.*`` metrics) and as monitoring reads it back from the registration tags."""
    metric = M.default_primary(task)
    decision = eval_core.run(model, holdout, GateConfig(thresholds={metric: 100 if task == "regression" else 0.5}),
                             target="y", task=task)
    values = eval_core.metric_values(decision)
    backtest_gate = {k[len("challenger."):]: float(v) for k, v in values.items() if k.startswith("challenger.")}
    tags = registration_tags(meta={"task": task}, gate_metrics=values, gate_reason="", dataset_digest="",
                             pipeline_run_id="", pipeline_run_name="", code_version="")
    registry = SimpleNamespace(champion=lambda name: SimpleNamespace(version="1", tags=tags),
                               load_meta=lambda name, version: {"features": FEATURES})
    served_gate = champion_mod.load(registry, MODEL, with_reference=False).gate_metrics
    assert {"score_q10", "score_q90", "rows"} <= set(backtest_gate) and backtest_gate.keys() <= served_gate.keys()
    return backtest_gate, served_gate


def backtest_record(model, task: str, classes: list | None, gate: dict[str, float], window: pd.DataFrame,
                    reference: pd.DataFrame | None = None) -> dict:  # fmt: skip
    """The window's record as ``run_backtest`` computes it under ``--policy default`` (its
    ``proba_of``, ``M.compute`` of the primary metric, the trigger functions and, given the
    champion's training ``reference``, feature drift with the default drift settings), every row
    of the window labelled within it."""
    from ctloop.config import DriftConfig
    from ctloop.drift import engine
    x = window[list(model.feature_names_in_)]
    proba = model.predict_proba(x) if task == "classification" else np.asarray(model.predict(x), dtype=float)
    y = window["y"].to_numpy()
    realized = M.compute(task, y, proba, classes)[M.default_primary(task)]
    record = {"realized": realized if realized == realized else None, "realized_rows": len(window)}
    if reference is not None:
        drift = DriftConfig()
        record["drift_share"] = float(engine.detect(reference, window[FEATURES], columns=FEATURES,
                                                    drift_share=drift.share, method=drift.method or None,
                                                    threshold=drift.threshold).share)
    record.update(triggers.prediction_drift(gate, proba))
    record.update(triggers.realized_inputs(y, proba, classes or []) if task == "classification"
                  else triggers.realized_regression(y, proba))
    return record


def served_columns(model, task: str, window: pd.DataFrame, decimals: int | None) -> dict[str, np.ndarray]:
    """The prediction columns the model server answers and the sink logs (``Scorer.predict``):
    ``prediction_<i>`` per class, a regressor's ``prediction``; ``decimals``: as a JSON log might
    round them."""
    x = window[FEATURES]
    if task == "classification":
        proba = model.predict_proba(x)
        out = {prediction_column(i): proba[:, i] for i in range(proba.shape[1])}
    else:
        out = {PREDICTION: np.asarray(model.predict(x), dtype=float)}
    return {k: (v if decimals is None else np.round(v, decimals)) for k, v in out.items()}


def write_served(root: Path, labels_root: Path, window: pd.DataFrame, served: dict[str, np.ndarray],
                 seed: int = 1) -> None:
    """The window's rows as the inference-log sink writes them, and their labels ingested into the
    label store (``ctloop.labels.store.ingest_labels``)."""
    from ctloop.labels.store import ingest_labels

    rng = np.random.default_rng(seed)
    n = len(window)
    times = pd.DatetimeIndex(sorted(END - pd.to_timedelta(rng.uniform(1, 7000, n), unit="s")))
    ids = [uuid.UUID(int=int(rng.integers(0, 2**63))).hex for _ in range(n)]
    log = pd.DataFrame({**{f: window[f].to_numpy() for f in FEATURES}, **served, "request_id": ids, "instance": 0,
                        "model": MODEL, "revision": "r1", "model_version": "1",
                        "time": [t.isoformat() for t in times], "has_request": True, "has_response": True})
    for day, part in log.groupby(times.strftime("%Y-%m-%d")):
        d = root / f"model={MODEL}" / f"date={day}" / "revision=r1"
        d.mkdir(parents=True, exist_ok=True)
        part.to_parquet(d / f"{uuid.uuid4().hex}.parquet", index=False)
    source = labels_root.parent / "labels-source.parquet"
    pd.DataFrame({"request_id": ids, "label": window["y"].to_numpy(),
                  "label_time": (END - pd.Timedelta("10min")).isoformat()}).to_parquet(source, index=False)
    assert ingest_labels(str(source), str(labels_root)) == n


def monitored(tmp_path: Path, task: str, classes: list | None, gate: dict[str, float], reference: pd.DataFrame,
              window: pd.DataFrame, served: dict[str, np.ndarray]):
    """``(judge, judge_state)`` of the window as ``monitor_model`` judges it, from the log read into
    memory and from the streamed window state."""
    from ctloop.inference_log.reader import read_log
    from ctloop.labels.join import label_index
    from ctloop.labels.store import read_labels
    from ctloop.monitoring import window as W

    logs, store = tmp_path / "logs", tmp_path / "store"
    write_served(logs, store, window, served)
    champ = champion_mod.Champion("1", task, list(FEATURES), classes, reference, gate,
                                  pd.Timestamp("2026-01-01T00:00:00Z"))
    cfg = MonitoringConfig.from_dict({"log_root": str(logs), "labels_root": str(store), "window": "2h",
                                      "label_lookback": "1D", "min_labels": 50})
    bounds = core.bounds(END, cfg)
    labels = read_labels(str(store))
    frame = core.judge(window=bounds, logs=read_log(str(logs), MODEL, bounds.read_from, bounds.end), labels=labels,
                       champion=champ, history=[], previous=None, cfg=cfg, model_name=MODEL)
    state = W.collect(str(logs), MODEL, core.window_spec(bounds, champ, None, cfg), label_index(labels),
                      progress=False)
    streamed = core.judge_state(state=state, labels=labels, champion=champ, history=[], previous=None, cfg=cfg,
                                model_name=MODEL)
    return frame, streamed


def _disagreements(expected: dict, got: dict, fields: tuple[str, ...], **tolerance) -> list[str]:
    out = []
    for key in fields:
        if expected.get(key) is None or got.get(key) is None or got[key] != pytest.approx(expected[key], **tolerance):
            out.append(f"{key}: backtest {expected.get(key)!r}, monitoring {got.get(key)!r}")
    return out


@pytest.mark.parametrize("kind", ["binary", "binary_text", "multiclass", "regressor", "forest", "tree_regressor"])
def test_backtest_and_both_monitoring_paths_give_one_record_for_the_same_window(tmp_path, kind):
    task, model, classes, train, holdout, window = _case(kind)
    backtest_gate, served_gate = _gates(model, holdout, task)
    expected = backtest_record(model, task, classes, backtest_gate, window, train[FEATURES])
    frame, streamed = monitored(tmp_path, task, classes, served_gate, train[FEATURES], window,
                                served_columns(model, task, window, None))
    fields = (*(CLASSIFIER_FIELDS if task == "classification" else REGRESSOR_FIELDS), "drift_share")
    assert 0.01 < expected["psi"] < 1.0, expected  # the window moved: its PSI is no trivial 0
    for name, out in (("judge", frame), ("judge_state", streamed)):
        assert out.record["realized_rows"] == expected["realized_rows"] == WINDOW_ROWS, (name, out.warnings)
        assert not _disagreements(expected, out.record, fields, rel=1e-6, abs=1e-9), (name, _disagreements(
            expected, out.record, fields, rel=1e-6, abs=1e-9))
        assert out.series["realized_rows"] == WINDOW_ROWS and out.series["realized"] == pytest.approx(
            expected["realized"])


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regressor"])
def test_predictions_logged_to_four_decimals_give_the_same_record_closely(tmp_path, kind):
    """A JSON log may round what was served: the realized fields barely move, and the PSI is the
    backtest's of the logged scores; it moves from the unrounded one only by the rows whose score
    lay within 0.5e-4 of a decile and crossed it (one row moves two bins' shares by 1/n)."""
    task, model, classes, train, holdout, window = _case(kind, seed=1)
    backtest_gate, served_gate = _gates(model, holdout, task)
    expected = backtest_record(model, task, classes, backtest_gate, window)
    served = served_columns(model, task, window, 4)
    frame, streamed = monitored(tmp_path, task, classes, served_gate, train[FEATURES], window, served)
    fields = tuple(k for k in (CLASSIFIER_FIELDS if task == "classification" else REGRESSOR_FIELDS) if k != "psi")
    raw = np.column_stack(list(served.values()))
    logged = M.probability_matrix(raw, len(classes)) if classes else raw[:, 0]
    exact, rounded = triggers.scores_of(model.predict_proba(window[FEATURES]) if classes else
                                        model.predict(window[FEATURES])), triggers.scores_of(logged)
    deciles = triggers.deciles_from(served_gate)
    edges = triggers.score_edges(deciles)
    moved = int((np.searchsorted(edges, exact, side="right") != np.searchsorted(edges, rounded, side="right")).sum())
    for name, out in (("judge", frame), ("judge_state", streamed)):
        assert out.record["realized_rows"] == WINDOW_ROWS, (name, out.warnings)
        assert not _disagreements(expected, out.record, fields, rel=1e-3, abs=1e-3), (name, _disagreements(
            expected, out.record, fields, rel=1e-3, abs=1e-3))
        assert out.record["psi"] == pytest.approx(triggers.prediction_drift(
            served_gate, logged, triggers.served_rounding(raw if classes else raw[:, 0]))["psi"], rel=1e-9)
        assert abs(out.record["psi"] - expected["psi"]) <= 4 * moved / WINDOW_ROWS + 1e-9, (name, moved)


@pytest.mark.parametrize("decimals", [2, 4])
@pytest.mark.parametrize("kind", ["knn", "forest", "tree_regressor"])
def test_a_models_few_values_logged_rounded_are_read_as_the_backtest_reads_them(tmp_path, kind, decimals):
    """A model whose scores take a few values (7 neighbours' k/7 votes, a small forest's, a tree's
    leaves) has deciles that are those values; logged rounded (a JSON log, a custom predictor's
    ``round(p, 4)``) each landed just beside its own bin: both monitoring paths read PSI 4-10 where
    the backtest read the same window's exact scores at ~0.1 (prediction drift fired on every
    window). The logged scores that round a value the gate's scores share are read as it; two
    decimals also move the forest's unshared scores across deciles (0.13 for 0.095; 0.21 before)."""
    task, model, classes, train, holdout, window = _case(kind, seed=3)
    backtest_gate, served_gate = _gates(model, holdout, task)
    expected = backtest_record(model, task, classes, backtest_gate, window)
    frame, streamed = monitored(tmp_path, task, classes, served_gate, train[FEATURES], window,
                                served_columns(model, task, window, decimals))
    psi = {"judge": frame.record["psi"], "judge_state": streamed.record["psi"]}
    close = 0.03 if decimals == 4 else 0.05
    assert psi == pytest.approx(dict.fromkeys(psi, expected["psi"]), abs=close), (expected["psi"], psi)


@pytest.mark.parametrize("kind", ["forest", "tree_regressor"])
def test_the_registered_gates_rounding_keeps_a_tied_decile_on_the_scores_that_share_it(tmp_path, kind):
    """A tree's scores take a few values, so deciles tie on them (2ab2388: such a value is a bin of
    its own). The gate's deciles are registered rounded (six decimals in the evaluate metrics the
    backtest keeps, six significant digits in the registry tags monitoring reads): a tied decile
    -2.851410630345174 recorded as -2.851411 / -2.85141 no longer equals the scores at it, which
    all fell in the bin beside it. This window read PSI 0.25 against the gate's own deciles, 8.14
    in the backtest and 9.77 in both monitoring paths (a forest's votes: 0.36 for 0.17); an
    unmoved window of a tree regressor 7.3 and 5.9 for 0.02: prediction drift fired on every
    window."""
    task, model, classes, train, holdout, window = _case(kind, seed=2)
    backtest_gate, served_gate = _gates(model, holdout, task)
    scores = model.predict_proba(holdout[FEATURES]) if classes else model.predict(holdout[FEATURES])
    exact = (triggers.gate_reference(holdout["y"].to_numpy(), scores, classes) if classes
             else triggers.regression_reference(holdout["y"], scores))
    served = model.predict_proba(window[FEATURES]) if classes else model.predict(window[FEATURES])
    truth = triggers.prediction_drift(exact, served)
    deciles = triggers.deciles_from(exact)
    assert len(set(deciles)) < len(deciles) or kind == "forest"  # a tied decile (the case of the test)
    frame, streamed = monitored(tmp_path, task, classes, served_gate, train[FEATURES], window,
                                served_columns(model, task, window, None))
    psi = {"backtest": backtest_record(model, task, classes, backtest_gate, window)["psi"],
           "judge": frame.record["psi"], "judge_state": streamed.record["psi"]}
    assert psi == pytest.approx(dict.fromkeys(psi, truth["psi"]), rel=1e-6), (truth, psi)
