"""docs/operations.md's ``ctloop doctor`` example ("A cluster that is not ready") is the real output
of the command against the test doubles. It was written by hand once and predated the ``Argo
retries`` line (round 49): nothing compared it with the command. This test builds that cluster —
KFP 2.14.4, a RawDeployment InferenceService, a runner that may not patch it, no Prometheus URL,
the settings missing, KFP 2.17.0's Argo ConfigMap (tests/ops/test_doctor.py ``healthy``) — runs
the documented command and compares every line with the block, ports, the checkout's version
and the seconds replaced. Regenerate the block from this test's output when a check changes."""

from __future__ import annotations

import re

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.helpers import REPO
from tests.ops.test_doctor import RUNNER, healthy

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
DOC = REPO / "docs" / "operations.md"
COMMAND = (
    '$ ctloop doctor --host http://127.0.0.1:PORT --token "$TOKEN" --isvc ctloop/credit-default'
)


def documented() -> list[str]:
    text = DOC.read_text()
    block = text.split("A cluster that is not ready", 1)[1].split("```\n", 2)[1]
    return block.splitlines()


def normal(line: str) -> str:
    line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)
    line = re.sub(r"this checkout is \S+ —", "this checkout is VERSION —", line)
    return re.sub(r"\(\d+\.\d s\)$", "(S s)", line)


def test_the_documented_doctor_output_is_the_commands(monkeypatch, tmp_path, capsys):
    for name in (
        "KFP_TOKEN",
        "KFP_TOKEN_FILE",
        "KF_PIPELINES_ENDPOINT",
        "KUBERNETES_SERVICE_HOST",
        "PROMETHEUS_URL",
        "PUSHGATEWAY_URL",
        "MLFLOW_TRACKING_URI",
        "MLFLOW_TRACKING_TOKEN",
        "MLFLOW_TRACKING_USERNAME",
        "CTLOOP_IMAGE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kfp.client.Client._LOCAL_KFP_CONTEXT", str(tmp_path / "home" / "kfp.json"))
    with (
        KfpApiDouble(tag_name="2.14.4", tokens={"tok": "ok"}) as kfp,
        KubeApiDouble(ready_after_reads=1) as kube,
    ):
        healthy(kube, prometheus_url="")
        settings = kube.resources["/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"]["data"]
        del settings["PROMETHEUS_URL"]
        kube.resources.pop("/api/v1/namespaces/kubeflow/secrets/ctloop-gcp")
        kube.objects[("ctloop", "credit-default")]["status"]["deploymentMode"] = "RawDeployment"
        kube.grants[RUNNER] = {g for g in kube.grants[RUNNER] if g[2] != "patch"}
        monkeypatch.setenv("KUBECONFIG", write_kubeconfig(tmp_path / "kubeconfig", kube.url))
        code = main(
            ["doctor", "--host", kfp.url, "--token", "tok", "--isvc", "ctloop/credit-default"]
        )
    out = capsys.readouterr().out
    assert code == 1, out
    got = [COMMAND] + [normal(line) for line in out.splitlines()]
    want = [normal(line) for line in documented()]
    assert got == want, "\n".join(got)
