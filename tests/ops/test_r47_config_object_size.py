"""Round 47, config surface: a pipeline spec and parameters too large for one Kubernetes object are
refused before anything is uploaded.

kubeflow/pipelines 2.17.0 keeps a run's pipeline spec and parameters in one object (the Argo
Workflow: ``backend/src/v2/compiler/argocompiler/argo.go`` puts the component specs and the runtime
config into the workflow's arguments; a schedule's ScheduledWorkflow holds both too), and etcd
stores at most ``--max-request-bytes`` (default 1,572,864 bytes, etcd ``server/embed/config.go``).
A contract listing many allowed values (a product id column, zip codes) made ``ctloop apply`` upload
the pipelines and then fail the schedule with KFP's HTTP 500 ``etcdserver: request is too large``
(or, on a cluster with a higher limit, every run at night). Now the size is checked first.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli.ops import ETCD_MAX_REQUEST_BYTES, apply_spec, check_object_size
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from ctloop.ops.spec import parse_spec
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"
pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    for name in (
        "KFP_TOKEN",
        "KFP_TOKEN_FILE",
        "KF_PIPELINES_ENDPOINT",
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    with KfpApiDouble() as double:
        yield double


def _spec_with_regions(count: int):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    region = data["models"][0]["data"]["contract"]["columns"]["region"]
    region["allowed"] = [f"region-{i:05d}-{'x' * 2000}" for i in range(count)]
    return parse_spec(data)


def test_apply_refuses_a_schedule_no_run_can_be_made_of_before_any_upload(kfp):
    spec = _spec_with_regions(800)  # 2 kB a value: 1.6 MB of parameters
    with pytest.raises(ConfigError) as err:
        apply_spec(
            spec,
            platform_factory=lambda _: Platform(host=kfp.url),
            image=None,
            dry_run=False,
            out=lambda *_: None,
        )
    message = str(err.value)
    # round 49: the parameters are refused first by the tighter limit of one exec argument
    # (tests/ops/test_r49_kfp_parameter_size.py); the etcd check is check_object_size's, below
    assert message.startswith(
        "model credit-default: data.contract.columns.region.allowed: the run parameters are"
    )
    assert "KFP driver: failed to unmarshal runtime config" in message
    assert kfp.writes() == []  # no pipeline uploaded, no experiment, no schedule


def test_a_spec_and_parameters_within_the_limit_pass(tmp_path):
    package = tmp_path / "p.yaml"
    package.write_text(
        yaml.safe_dump({"pipelineInfo": {"name": "p"}, "root": {"dag": {"tasks": {}}}})
    )
    check_object_size(
        package, {"data": {"contract": {"x": "a" * (ETCD_MAX_REQUEST_BYTES - 200)}}}, "x"
    )
    with pytest.raises(ConfigError, match=r"^trigger: .* the largest is data.contract.x \("):
        check_object_size(
            package,
            {"model_name": "m", "data": {"contract": {"x": "a" * ETCD_MAX_REQUEST_BYTES}}},
            "trigger",
        )
