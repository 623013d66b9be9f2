"""Shared by the monitoring tests: a registered champion and logged traffic in the inference-log
layout (``<root>/model=<isvc>/date=<day>/revision=<rev>/*.parquet``) of the sink's contract."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ctloop import tracking
from ctloop.components.evaluate.core import score
from ctloop.components.train.core import fit
from ctloop.registry import MlflowRegistry
from ctloop.storage import write_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data
from tests.integration.registry_support import _plain_dir, copy_store

MODEL = "credit"
REVISION = "credit-predictor-00001"


@dataclass
class Champion:
    model: object
    features: list[str]
    validation_auc: float
    quiet: pd.DataFrame  # traffic like the training data
    shocked: pd.DataFrame  # traffic after the synthetic shock (drifted)


def promote_trained(tracking_uri: str, name: str, result, train: pd.DataFrame, holdout: pd.DataFrame,
                    target: str) -> float:
    """Log ``result`` (a ``fit`` result) as a training run of ``name``, register it as version 1
    with its holdout ROC AUC as the validation metric, promote it; returns that AUC."""
    auc = score(result.model, holdout, target=target, task="classification")["roc_auc"]
    run_id, model_uri = tracking.log_training_run(tracking_uri=tracking_uri, experiment=name, model=result.model,
                                                  meta=result.meta, params={}, metrics={}, train_frame=train,
                                                  dataset_digest="d", data_uri="test")
    registry = MlflowRegistry(tracking_uri)
    registry.register(name, model_uri=model_uri, run_id=run_id,
                      tags={"ctloop.metric.challenger.roc_auc": f"{auc:.6g}", "ctloop.task": "classification"})
    registry.promote(name, "1", reason="fixture")
    return auc


_CHAMPIONS: dict[int, tuple[Path, Champion]] = {}  # n_rows -> the store registered once, its champion


def register_champion(tracking_uri: str, n_rows: int = 24000) -> Champion:
    """Train on the first four periods, register as version 1 with its holdout ROC AUC, promote.

    The registration depends on ``n_rows`` alone (the data's seed, the model's name and estimator
    are fixed): into a fresh local sqlite store (:func:`registry_support.copy_store` takes it) it is
    made once per test process and copied, as :func:`registry_support.register_fitted` does (a fit
    and ~1.5 s of CPU, and the registration's sqlite transactions, each fsynced: 9 s of 11 s of one
    call here on a loaded disk). The champion's frames are the caller's own copies."""
    if _plain_dir(tracking_uri) is None:
        return _register_champion(tracking_uri, n_rows)
    memo = _CHAMPIONS.get(n_rows)
    if memo is None or not (memo[0] / "mlflow.db").exists():
        from tests import conftest

        root = conftest.template_store_dir("champion-")  # under pytest's base temp; removed at session end
        if root.as_uri() != f"file://{root}":
            return _register_champion(tracking_uri, n_rows)
        memo = _CHAMPIONS[n_rows] = root, _register_champion(f"sqlite:///{root / 'mlflow.db'}", n_rows)
    root, champion = memo
    copy_store(root, tracking_uri)
    return Champion(champion.model, list(champion.features), champion.validation_auc, champion.quiet.copy(),
                    champion.shocked.copy())


def _register_champion(tracking_uri: str, n_rows: int) -> Champion:
    data = make_credit_data(n_rows=n_rows, seed=3)
    period = (data[CREDIT_TIME_COLUMN] - data[CREDIT_TIME_COLUMN].min()).dt.days // 30
    train = data[period <= 2].drop(columns=[CREDIT_TIME_COLUMN])
    holdout = data[period == 3].drop(columns=[CREDIT_TIME_COLUMN])
    result = fit(train, target=CREDIT_TARGET, estimator="logistic_regression")
    auc = promote_trained(tracking_uri, MODEL, result, train, holdout, CREDIT_TARGET)
    return Champion(result.model, list(result.meta["features"]), auc, data[period == 4], data[period == 8])


def log_window(root: Path, source: pd.DataFrame, champion: Champion, end: pd.Timestamp, *, version: str = "1",
               revision: str = REVISION, positional: bool = False, order_ids: range | None = None,
               with_version: bool = True) -> pd.DataFrame:
    """Rows served in the hour ending at ``end``; returns them with the true label (``_label``)."""
    rows = source.drop(columns=[CREDIT_TIME_COLUMN, CREDIT_TARGET]).reset_index(drop=True)
    proba = champion.model.predict_proba(rows[champion.features])
    out = rows[champion.features].copy()
    if positional:  # v1 list instances: the sink names them f0..fN in the model's feature order
        out.columns = [f"f{i}" for i in range(len(champion.features))]
    out["prediction_0"], out["prediction_1"] = proba[:, 0], proba[:, 1]
    out["request_id"] = [uuid.uuid4().hex for _ in range(len(out))]
    out["instance"] = 0
    out["model"], out["namespace"], out["revision"], out["component"] = MODEL, "ctloop", revision, "predictor"
    if with_version:
        out["model_version"] = version
    start = end - pd.Timedelta("1h")
    out["time"] = [(start + pd.Timedelta(seconds=1 + i * 3599 // max(len(out), 1))).isoformat()
                   for i in range(len(out))]
    out["has_request"] = out["has_response"] = True
    if order_ids is not None:
        out["meta_x_order_id"] = [str(i) for i in order_ids]
    day = f"{start + pd.Timedelta(seconds=1):%Y-%m-%d}"
    write_table(out, str(root / f"model={MODEL}" / f"date={day}" / f"revision={revision}" / f"{uuid.uuid4().hex}.parquet"))
    return out.assign(_label=source[CREDIT_TARGET].to_numpy())
