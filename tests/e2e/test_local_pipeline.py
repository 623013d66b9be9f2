"""The continuous-training pipeline end to end through kfp.local.

Real parts: the KFP compiler and local subprocess runner, an ``mlflow server`` (sqlite) on
loopback, the input read from ``gs://`` through the GCS emulator with the real client.
"""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from ctloop.config import PlatformConfig
from ctloop.local import run_pipeline_locally
from ctloop.pipelines.continuous_training import build
from ctloop.registry import MlflowRegistry
from ctloop.storage import write_table
from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, credit_contract, make_credit_data

pytestmark = pytest.mark.slow

# as `ctloop run --local` builds it: no step retries (a failed step fails the run at once)
continuous_training = build(PlatformConfig(retries=0))


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return make_credit_data(n_rows=12000, seed=11)


def _as_of(frame: pd.DataFrame, period: int) -> str:
    t0 = pd.Timestamp(frame[CREDIT_TIME_COLUMN].min()).normalize()
    return (t0 + pd.Timedelta(days=30 * (period + 1))).isoformat()


def _run(tmp_path, mlflow_url, model_name, data_uri, warm=True, as_of="", force_retrain=False):
    args = {"model_name": model_name, "tracking_uri": mlflow_url,
            "data": {"uri": data_uri, "target": CREDIT_TARGET, "time_column": CREDIT_TIME_COLUMN,
                     "contract": credit_contract(), "window": "120D", "as_of": as_of},
            "gate": {"thresholds": {"roc_auc": 0.7}, "bootstrap_rounds": 200},
            "drift": {"force_retrain": force_retrain}}
    if warm:
        return run_pipeline_locally(continuous_training, args, workdir=tmp_path)
    # cold: every task a plain fresh process, without the package's warm task server
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CTLOOP_TASK_SERVER", raising=False)
        return run_pipeline_locally(continuous_training, args, workdir=tmp_path, warm=False)


def test_first_model_then_drift_retrain_promote(tmp_path, mlflow_url, gcs_bucket, credit):
    uri = f"gs://{gcs_bucket}/credit/credit.parquet"
    write_table(credit, uri)
    name = f"credit-{uuid.uuid4().hex[:8]}"
    registry = MlflowRegistry(mlflow_url)

    first = _run(tmp_path, mlflow_url, name, uri, as_of=_as_of(credit, 3))
    assert first.succeeded, first.error
    assert first.output("detect-drift", "retrain") is True
    assert "no champion" in first.output("detect-drift", "reason")
    assert first.output("evaluate-model", "approved") is True, first.output("evaluate-model", "reason")
    assert first.output("register-model", "version") == "1"
    champion = registry.champion(name)
    assert champion is not None and champion.version == "1"
    tags = registry.get_version(name, "1").tags
    assert tags["ctloop.dataset_digest"] == first.output("prepare-data", "digest")
    assert tags["ctloop.gate_decision"] == "approved"
    assert tags["ctloop.pipeline_run_id"]
    assert tags["ctloop.gate_champion"] == ""  # the gate judged it against no champion (what its promotion checks)

    quiet = _run(tmp_path, mlflow_url, name, uri, as_of=_as_of(credit, 4))
    assert quiet.succeeded, quiet.error
    assert quiet.output("detect-drift", "retrain") is False, quiet.output("detect-drift", "reason")
    assert "train-model" not in quiet.tasks
    assert registry.champion(name).version == "1"

    shock = _run(tmp_path, mlflow_url, name, uri, as_of=_as_of(credit, 8))
    assert shock.succeeded, shock.error
    assert shock.output("detect-drift", "drifted") is True, shock.output("detect-drift", "reason")
    assert shock.output("evaluate-model", "approved") is True, shock.output("evaluate-model", "reason")
    assert registry.champion(name).version == "2"
    assert registry.get_version(name, "2").tags["ctloop.gate_champion"] == "1"  # through the Metrics metadata
    assert [h["version"] for h in registry.champion_history(name)] == ["1", "2"]
    assert registry.aliases(name)["previous-champion"] == "1"


# One case per way prepare-data fails (a contract violation read from Parquet and from CSV, an
# empty file, an unreadable one): each fails the run at its first task and leaves the champion as
# it was. The other contract rules fail the same way on the same path; their messages are checked
# where they are made: tests/unit/test_prepare_core.py (test_each_rule_is_reported_with_rows: an
# all-null column, an unseen category; test_target_or_time_missing); the component itself is run on
# an empty file, a corrupt Parquet file and a missing column in tests/component/test_components.py
# (test_prepare_bad_inputs).
BAD_INPUTS = {
    "missing_column": (lambda f: f.drop(columns=["income"]), "parquet", "'income'"),
    "wrong_dtype": (lambda f: f.assign(income=f["income"].astype(str).where(f.index % 7 != 0, "n/a")), "csv", "'income'"),
    "empty_file": (None, "csv", "empty"),
    "corrupt_parquet": (None, "parquet", "not a readable parquet"),
}


@pytest.fixture(scope="module")
def champion_model(mlflow_url, credit):
    """A registered champion (made directly with the registry API, not by a pipeline run)."""
    from ctloop import tracking
    from ctloop.components.train import core as train_core

    name = f"credit-bad-{uuid.uuid4().hex[:8]}"
    train = credit.drop(columns=[CREDIT_TIME_COLUMN]).head(3000)
    result = train_core.fit(train, target=CREDIT_TARGET, task="classification",
                            estimator="logistic_regression")
    run_id, model_uri = tracking.log_training_run(
        tracking_uri=mlflow_url, experiment=name, model=result.model, meta=result.meta, params={},
        metrics={}, train_frame=train, dataset_digest="d0", data_uri="test",
    )
    registry = MlflowRegistry(mlflow_url)
    version = registry.register(name, model_uri=model_uri, run_id=run_id, tags={})
    registry.promote(name, version.version, reason="fixture")
    return name


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_clearly_and_leaves_the_champion(tmp_path, mlflow_url, gcs_bucket, credit,
                                                         champion_model, case):
    name = champion_model
    registry = MlflowRegistry(mlflow_url)
    before = registry.aliases(name)
    versions_before = len(registry.versions(name))

    mutate, fmt, expected = BAD_INPUTS[case]
    bad_uri = f"gs://{gcs_bucket}/bad-{case}.{fmt}"
    if case == "empty_file":
        from ctloop.storage import write_bytes

        write_bytes(bad_uri, b"")
    elif case == "corrupt_parquet":
        from ctloop.storage import write_bytes

        write_bytes(bad_uri, b"PAR1\x00\x01garbage" * 10)
    else:
        write_table(mutate(credit.copy()), bad_uri)
    bad = _run(tmp_path, mlflow_url, name, bad_uri, as_of=_as_of(credit, 8), force_retrain=True,
               warm=case != "missing_column")
    assert not bad.succeeded
    assert expected in bad.error, bad.error
    assert "train-model" not in bad.tasks
    assert registry.aliases(name) == before
    assert len(registry.versions(name)) == versions_before
