"""The Makefile's kubectl workflow for real: ``make canary / promote / rollback`` run with real
``kubectl`` and the real ``ctloop`` CLI against the Kubernetes API double (reached through a
kubeconfig) and a real MLflow registry.

Before, ``make rollback`` only set ``canaryTrafficPercent: 0``: the spec still named the bad model,
and a later ``make promote`` sent it 100 %. Now ``make rollback`` writes the champion back
(``ctloop rollout rollback``), and ``make canary``/``make promote`` refuse a pinned-back canary.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ctloop.registry import MlflowRegistry
from ctloop.serving import isvc, rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.helpers import REPO
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow

NS, ISVC, MODEL = "ml", "credit", "credit-model"


@pytest.fixture
def cluster(tmp_path, sqlite_tracking):
    if shutil.which("kubectl") is None:
        pytest.fail("kubectl is required (make rollback's guards run it): install kubectl >= 1.27")
    registry = MlflowRegistry(sqlite_tracking)
    for seed in (1, 2):
        _, run_id, uri, _ = log_small_model(sqlite_tracking, MODEL, seed=seed)
        registry.register(MODEL, model_uri=uri, run_id=run_id, tags={})
    registry.promote(MODEL, "1", reason="fixture")
    with KubeApiDouble(ready_after_reads=1) as double:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", double.url)
        env = {
            **os.environ,
            "KUBECONFIG": kubeconfig,
            "KUBECACHEDIR": str(tmp_path / "kube-cache"),
            "MLFLOW_TRACKING_URI": sqlite_tracking,
        }
        isvcs = InferenceServices(NS, api_client=double.api_client())
        for v in ("1", "2"):
            rollout.deploy(
                isvcs,
                name=ISVC,
                model_name=MODEL,
                version=v,
                storage_uri=registry.model_artifact_uri(MODEL, v),
                model_sha256=registry.serving_sha256(MODEL, v),
                percent=10,
                timeout_s=10,
            )
        yield double, isvcs, registry, env


def make(env, target: str, **variables) -> subprocess.CompletedProcess:
    args = [
        "make",
        "--no-print-directory",
        "-C",
        str(REPO),
        target,
        f"ISVC={ISVC}",
        f"NAMESPACE={NS}",
        f"MODEL={MODEL}",
        *(f"{k}={v}" for k, v in variables.items()),
    ]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)


def test_make_rollback_is_durable_and_a_pinned_back_canary_is_not_promoted(cluster):
    double, isvcs, registry, env = cluster
    v1, v2 = (registry.model_artifact_uri(MODEL, v) for v in ("1", "2"))
    assert make(env, "canary", PERCENT=20).returncode == 0
    assert isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 20

    # the first step of a rollback alone (what `make rollback` used to be): traffic back, spec on v2
    assert make(env, "canary", PERCENT=0).returncode == 0
    pinned = isvcs.get(ISVC)
    assert pinned["spec"]["predictor"]["model"]["storageUri"] == v2
    refused = make(env, "promote")
    assert refused.returncode != 0 and "canaryTrafficPercent 0" in refused.stderr, refused.stderr
    assert "make rollback" in refused.stderr
    resumed = make(env, "canary", PERCENT=30)
    assert resumed.returncode != 0 and "FORCE=1" in resumed.stderr
    assert isvcs.get(ISVC)["spec"]["predictor"]["canaryTrafficPercent"] == 0  # nothing moved

    done = make(env, "rollback", REASON="canary errors")
    assert done.returncode == 0, done.stdout + done.stderr
    spec = isvcs.get(ISVC)
    predictor = spec["spec"]["predictor"]
    assert predictor["model"]["storageUri"] == v1 and "canaryTrafficPercent" not in predictor
    assert predictor["annotations"][isvc.SHA256_ANNOTATION] == registry.serving_sha256(MODEL, "1")
    assert isvc.spec_version(spec) == "1"
    (revision,) = double.traffic(NS, ISVC)
    assert double.revision_uri(NS, ISVC, revision) == v1
    assert [e["event"] for e in registry.audit_log(MODEL)][-1] == "rollback"

    # a later promote cannot resurrect version 2: the spec names version 1
    assert make(env, "promote").returncode == 0
    (revision,) = double.traffic(NS, ISVC)
    assert double.revision_uri(NS, ISVC, revision) == v1
