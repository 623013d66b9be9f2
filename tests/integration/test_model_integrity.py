"""No loader runs a tampered model file: each refuses it, naming the file and both hashes, and the
payload inside never runs (its marker file never appears).

The payloads are live: ``test_the_payloads_run_when_loaded_unsafely`` shows that a plain
``joblib.load`` of the tampered pickle, or a skops load that trusts the crafted type, writes the
marker. Against a real ``mlflow server`` (artifacts on local disk, as a gs:// root would be).
"""

from __future__ import annotations

import json
import pickle
import shutil
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import joblib
import pytest

from ctloop import artifacts, tracking
from ctloop.errors import ModelIntegrityError
from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import log_small_model, small_frame

pytestmark = pytest.mark.slow


class _Payload:
    """Unpickling this runs ``open(marker, 'w')`` (``__reduce__`` → ``exec``)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('payload ran')",))


def evil_pickle(marker: Path) -> bytes:
    return pickle.dumps(_Payload(marker))


def evil_skops(tmp_path: Path, marker: Path) -> bytes:
    """A skops file holding an object whose ``__setstate__`` writes ``marker`` — if its type is trusted."""
    import skops.io as sio

    module = f"ctloop_evil_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(
        "class Evil:\n    def __setstate__(self, state):\n        open(state['marker'], 'w').write('payload ran')\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        evil = __import__(module).Evil()
        evil.__dict__["marker"] = str(marker)
        return sio.dumps(evil)
    finally:
        sys.path.remove(str(tmp_path))


@pytest.fixture(scope="module")
def trained(mlflow_url):
    """One registered version; tests tamper with its files and the fixture below restores them."""
    model, run_id, uri, frame = log_small_model(mlflow_url, f"integrity-{uuid.uuid4().hex[:6]}")
    reg = MlflowRegistry(mlflow_url)
    name = f"integrity-{uuid.uuid4().hex[:8]}"
    version = reg.register(name, model_uri=uri, run_id=run_id, tags={}).version
    serving = Path(urlparse(reg.model_artifact_uri(name, version)).path)
    return reg, name, version, run_id, serving, model, frame


@pytest.fixture
def version(trained, tmp_path):
    reg, name, version, run_id, serving, model, frame = trained
    backup = tmp_path / "backup"
    shutil.copytree(serving, backup)
    tags = reg.client.get_run(run_id).data.tags
    yield trained
    shutil.rmtree(serving)
    shutil.copytree(backup, serving)
    for key in (tracking.TAG_JOBLIB_SHA256, tracking.TAG_SKOPS_SHA256):
        reg.client.set_tag(run_id, key, tags[key])


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "payload-ran"
    yield path
    assert not path.exists(), "the payload of a tampered model file ran"


def test_the_payloads_run_when_loaded_unsafely(tmp_path):
    import skops.io as sio

    marker = tmp_path / "ran"
    joblib.load(_write(tmp_path / "model.joblib", evil_pickle(marker)))
    assert marker.read_text() == "payload ran"
    marker.unlink()
    data = evil_skops(tmp_path, marker)
    sys.path.insert(0, str(tmp_path))
    try:
        sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    finally:
        sys.path.remove(str(tmp_path))
    assert marker.read_text() == "payload ran"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_training_records_the_hash_of_every_model_file(version):
    reg, name, v, run_id, serving, _, _ = version
    tags = reg.client.get_run(run_id).data.tags
    assert tags[tracking.TAG_JOBLIB_SHA256] == artifacts.sha256_file(serving / "model.joblib")
    assert tags[tracking.TAG_SKOPS_SHA256] == artifacts.sha256_file(serving / "model.skops")
    assert len(tags[tracking.TAG_LOGGED_MODEL_SHA256]) == 64
    assert reg.serving_sha256(name, v) == tags[tracking.TAG_SKOPS_SHA256]
    meta = json.loads((serving / "ctloop-model.json").read_text())
    assert meta["skops_sha256"] == tags[tracking.TAG_SKOPS_SHA256]


def test_download_joblib_refuses_a_tampered_pickle_and_deletes_it(version, marker, tmp_path):
    reg, name, v, run_id, serving, _, _ = version
    expected = reg.client.get_run(run_id).data.tags[tracking.TAG_JOBLIB_SHA256]
    _write(serving / "model.joblib", evil_pickle(marker))
    dst = tmp_path / "dl"
    dst.mkdir()
    with pytest.raises(ModelIntegrityError) as err:
        reg.download_joblib(name, v, str(dst))
    message = str(err.value)
    assert "model.joblib" in message and expected in message
    assert artifacts.sha256_file(serving / "model.joblib") in message
    assert not (dst / "model.joblib").exists()


def test_validate_serving_refuses_a_tampered_pickle(version, marker):
    """The validate_serving component, unchanged: registry.download_joblib + validate_export."""
    from ctloop.components.validate.component import validate_serving

    reg, name, v, _, serving, _, _ = version
    _write(serving / "model.joblib", evil_pickle(marker))
    with pytest.raises(ModelIntegrityError, match="model.joblib"):
        validate_serving.python_func(
            model_name=name, version=v, sample_rows=20, tracking_uri=reg.tracking_uri
        )


def test_validate_export_checks_both_files_and_refuses_without_a_hash(version, tmp_path, marker):
    from ctloop.serving.validate import validate_export

    reg, name, v, _, _, model, frame = version
    dst = tmp_path / "dl"
    dst.mkdir()
    path = reg.download_joblib(name, v, str(dst))
    result = validate_export(path, model, frame[["a", "b"]].head(20), trained_sklearn="")
    assert result.valid and "model.joblib and model.skops" in result.reason, result.reason
    # a file the child would load after the download was verified: refused there
    _write(path, evil_pickle(marker))
    with pytest.raises(ModelIntegrityError, match="receipt model.joblib.sha256"):
        validate_export(path, model, frame[["a", "b"]].head(20), trained_sklearn="")
    bare = tmp_path / "bare"
    bare.mkdir()
    joblib.dump(model, bare / "model.joblib")
    with pytest.raises(ModelIntegrityError, match="no sha256 was recorded"):
        validate_export(
            bare / "model.joblib", model, frame[["a", "b"]].head(20), trained_sklearn=""
        )


def test_registry_load_model_never_runs_a_tampered_file(version, marker, tmp_path):
    reg, name, v, run_id, serving, model, frame = version
    rows = frame[["a", "b"]]
    _write(serving / "model.joblib", evil_pickle(marker))
    # a version with a skops copy loads that one (verified): the pickle is never read
    assert (reg.load_model(name, v).predict_proba(rows) == model.predict_proba(rows)).all()
    _write(serving / "model.skops", evil_skops(tmp_path, marker))
    with pytest.raises(ModelIntegrityError, match="model.skops.*tag ctloop.skops_sha256"):
        reg.load_model(name, v)
    # a version trained before the skops copy: the pickle, only if its hash matches
    reg.client.delete_tag(run_id, tracking.TAG_SKOPS_SHA256)
    with pytest.raises(ModelIntegrityError, match="model.joblib.*tag ctloop.joblib_sha256"):
        reg.load_model(name, v)
    reg.client.delete_tag(run_id, tracking.TAG_JOBLIB_SHA256)
    with pytest.raises(ModelIntegrityError, match="no sha256 was recorded"):
        reg.load_model(name, v)
    with pytest.raises(
        ModelIntegrityError, match="neither ctloop.skops_sha256 nor ctloop.joblib_sha256"
    ):
        reg.serving_sha256(name, v)


def test_load_logged_model_refuses_a_tampered_file(version, marker, tmp_path):
    reg, name, v, _, _, model, frame = version
    rows = frame[["a", "b"]]
    assert (reg.load_logged_model(name, v).predict_proba(rows) == model.predict_proba(rows)).all()
    model_id = reg.client.get_model_version(name, v).source.removeprefix("models:/")
    logged = Path(urlparse(reg.client.get_logged_model(model_id).artifact_location).path)
    original = (logged / "model.skops").read_bytes()
    try:
        _write(logged / "model.skops", evil_skops(tmp_path, marker))
        with pytest.raises(ModelIntegrityError, match="tag ctloop.logged_model_sha256"):
            reg.load_logged_model(name, v)
    finally:
        (logged / "model.skops").write_bytes(original)


def test_artifacts_load_model_never_runs_a_tampered_file(tmp_path, marker):
    """The KFP Model artifact (the challenger in evaluate_model): skops with ctloop's allow-list."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = small_frame(1)
    model = HistGradientBoostingClassifier(max_iter=10).fit(frame[["a", "b"]], frame.y)
    path = artifacts.save_model(
        str(tmp_path / "model"), model, {"features": ["a", "b"], "target": "y"}
    )
    loaded, meta = artifacts.load_model(str(path))
    assert (loaded.predict_proba(frame[["a", "b"]]) == model.predict_proba(frame[["a", "b"]])).all()

    _write(path / "model.joblib", evil_pickle(marker))
    artifacts.load_model(str(path))  # never reads the pickle
    good = (path / "model.skops").read_bytes()
    _write(path / "model.skops", evil_skops(tmp_path, marker))
    with pytest.raises(
        ModelIntegrityError,
        match=f"its sha256 is .* but .*ctloop-model.json.*recorded {meta['skops_sha256']}",
    ):
        artifacts.load_model(str(path))
    # whoever can rewrite the directory can rewrite the hash too: the format still refuses
    meta["skops_sha256"] = artifacts.sha256_file(path / "model.skops")
    (path / "ctloop-model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelIntegrityError, match="names types ctloop does not trust"):
        artifacts.load_model(str(path))
    # a hash from outside the directory (the KFP artifact's metadata) must match too
    _write(path / "model.skops", good)
    with pytest.raises(ModelIntegrityError, match="the sha256 passed by the caller"):
        artifacts.load_model(str(path), sha256="0" * 64)


def test_a_model_with_an_untrusted_type_fails_at_training(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    from ctloop.errors import TrainingError

    odd = FunctionTransformer(func=json.dumps)  # a function skops does not trust
    with pytest.raises(TrainingError, match="json.dumps"):
        artifacts.save_model(str(tmp_path / "m"), odd, {})


def test_training_writes_a_many_tree_model_without_a_scan_per_array(mlflow_url, monkeypatch):
    """Every skops copy training writes — the serving directory and MLflow's own ``log_model``
    (``mlflow/sklearn/__init__.py`` saves with ``skops.io.dump``) — is linear in the model's arrays
    (tests/unit/test_skops_writes.py has why)."""
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier

    from tests.helpers import count_zip_name_scans

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=240), "b": rng.normal(size=240)})
    frame["y"] = rng.integers(0, 8, len(frame))
    model = HistGradientBoostingClassifier(max_iter=5, early_stopping=False).fit(frame[["a", "b"]], frame.y)
    meta = {"features": ["a", "b"], "numeric": ["a", "b"], "target": "y", "task": "classification"}
    scanned = count_zip_name_scans(monkeypatch)
    run_id, uri = tracking.log_training_run(tracking_uri=mlflow_url, experiment=f"trees-{uuid.uuid4().hex[:6]}",
                                            model=model, meta=meta, params={}, metrics={}, train_frame=frame,
                                            dataset_digest="d", data_uri="")
    assert scanned["names"] == 0  # main: 8,389 names scanned
    assert run_id and uri


@pytest.mark.parametrize("content", [b"\xff\xfe\x00garbage", b'{"features": ["x1"', b'["x1", "x2"]'],
                         ids=["binary", "cut-short", "not-an-object"])
def test_a_model_meta_that_is_not_a_json_object_is_one_line_naming_the_version(version, content):
    """The model's meta (``ctloop/ctloop-model.json`` among its run's artifacts, read by
    monitoring, scoring, validate_serving and the rollout) overwritten, cut short or not an object
    is a ModelIntegrityError naming the model, version, run and artifact — not a
    UnicodeDecodeError/JSONDecodeError traceback, nor a list that fails later on ``meta["…"]``."""
    reg, name, v, run_id, _, _, _ = version
    meta = Path(urlparse(reg.client.get_run(run_id).info.artifact_uri).path) / tracking.META_ARTIFACT_DIR \
        / artifacts.MODEL_META_FILE
    saved = meta.read_bytes()
    assert isinstance(reg.load_meta(name, v), dict)
    try:
        meta.write_bytes(content)
        with pytest.raises(ModelIntegrityError) as err:
            reg.load_meta(name, v)
    finally:
        meta.write_bytes(saved)
    message = str(err.value)
    assert "\n" not in message and f"{name} v{v}" in message and run_id in message
    assert f"{tracking.META_ARTIFACT_DIR}/{artifacts.MODEL_META_FILE}" in message
