"""ctloop.tracking + ctloop.registry against a real ``mlflow server`` on loopback."""

import uuid
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline

from ctloop import tracking
from ctloop.errors import ConfigError, RegistryError
from ctloop.registry import MlflowRegistry

pytestmark = pytest.mark.slow


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    df["y"] = (df.a + 0.3 * rng.normal(size=400) > 0).astype(int)
    return df


def _log(url, name, frame, seed=0):
    model = make_pipeline(HistGradientBoostingClassifier(max_iter=15, random_state=seed))
    model.fit(frame[["a", "b"]], frame.y)
    meta = {"features": ["a", "b"], "target": "y", "task": "classification"}
    run_id, uri = tracking.log_training_run(
        tracking_uri=url, experiment=name, model=model, meta=meta, params={"max_iter": 15},
        metrics={"train_roc_auc": 0.9}, train_frame=frame, dataset_digest=f"digest-{seed}",
        data_uri="gs://bucket/data.parquet",
    )
    return model, run_id, uri


def test_register_promote_and_history(mlflow_url, frame):
    name = f"m-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    assert reg.champion(name) is None  # no model yet: not an error

    model1, run1, uri1 = _log(mlflow_url, name, frame, seed=1)
    v1 = reg.register(name, model_uri=uri1, run_id=run1, tags={"ctloop.gate_reason": "ok"})
    assert v1.version == "1" and v1.run_id == run1
    assert reg.aliases(name) == {"challenger": "1"}
    assert reg.promote(name, "1", reason="first model") is None
    # the new champion is no challenger any more (round 55: the promotion left the alias on it)
    assert reg.aliases(name) == {"champion": "1"}

    _, run2, uri2 = _log(mlflow_url, name, frame, seed=2)
    v2 = reg.register(name, model_uri=uri2, run_id=run2, tags={})
    # a newer version (of the same run: no second training) the gate passed, challenger as register points it
    v3 = reg._create_version(name, uri2, run2, tags={"ctloop.registration_id": uuid.uuid4().hex})
    reg._point_challenger(name, int(v3.version))
    assert reg.aliases(name) == {"champion": "1", "challenger": "3"}
    assert reg.promote(name, v2.version, reason="better", pipeline_run="run-2") == "1"
    # an older challenger promoted: the newer one stays challenger (round 55)
    assert reg.aliases(name) == {"champion": "2", "previous-champion": "1", "challenger": "3"}
    # promoting the champion again is a no-op, not a second history entry, and answers as the
    # promotion did (a retried pipeline step gets the same previous champion)
    assert reg.promote(name, "2", reason="again") == "1"

    history = reg.champion_history(name)
    assert [h["version"] for h in history] == ["1", "2"]
    assert history[0]["until"] == history[1]["since"] != ""
    assert history[1]["previous_champion"] == "1" and history[1]["reason"] == "better"

    events = reg.audit_log(name)
    assert [(e["event"], e["version"]) for e in events] == [("promote", "1"), ("promote", "2")]

    loaded = reg.load_model(name, "1")
    np.testing.assert_allclose(loaded.predict_proba(frame[["a", "b"]]), model1.predict_proba(frame[["a", "b"]]))
    assert reg.load_meta(name, "2")["target"] == "y"
    assert reg.load_reference(name, "2").shape == frame.shape


def test_tampered_model_is_refused(mlflow_url, frame):
    """More loaders and live payloads: tests/integration/test_model_integrity.py."""
    name = f"m-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    _, run_id, uri = _log(mlflow_url, name, frame)
    version = reg.register(name, model_uri=uri, run_id=run_id, tags={})
    location = reg.model_artifact_uri(name, version.version)
    path = Path(urlparse(location).path) / "model.skops"
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(RegistryError, match="refusing to load .*model.skops: its sha256 is"):
        reg.load_model(name, version.version)


def test_missing_version_and_bad_name(mlflow_url):
    reg = MlflowRegistry(mlflow_url)
    with pytest.raises(RegistryError, match="has no version '7'"):
        reg.get_version(f"absent-{uuid.uuid4().hex[:6]}", "7")
    with pytest.raises(ConfigError, match="model name is required"):
        reg.champion("")


def test_integer_features_are_declared_double_so_pyfunc_accepts_a_missing_one(mlflow_url):
    """An int64 input schema would make MLflow's pyfunc refuse NaN although the model imputes it."""
    import mlflow
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    df = pd.DataFrame({"age": rng.integers(18, 80, 300), "x": rng.normal(size=300)})
    df["y"] = (df.x > 0).astype(int)
    model = make_pipeline(SimpleImputer(), LogisticRegression()).fit(df[["age", "x"]], df.y)
    meta = {"features": ["age", "x"], "target": "y", "task": "classification"}
    _, uri = tracking.log_training_run(
        tracking_uri=mlflow_url, experiment=f"ints-{uuid.uuid4().hex[:6]}", model=model, meta=meta, params={},
        metrics={}, train_frame=df, dataset_digest="d", data_uri="")
    mlflow.set_tracking_uri(mlflow_url)
    info = mlflow.models.get_model_info(uri)
    assert {c["name"]: c["type"] for c in info.signature.inputs.to_dict()} == {"age": "double", "x": "double"}
    loaded = mlflow.pyfunc.load_model(uri)
    scored = loaded.predict(pd.DataFrame({"age": [np.nan, 40.0], "x": [0.5, -0.5]}))
    assert list(scored) == list(model.predict(pd.DataFrame({"age": [np.nan, 40.0], "x": [0.5, -0.5]})))
