"""platform.resources.<step>.accelerator_*: what compiled but no pod could run, or ran without the GPU.

The KFP 2.17.0 driver (backend/src/v2/driver/driver.go, initPodSpecPatch) puts the accelerator into
the pod as ``limits[<accelerator type>] = <count>`` when both are set, and drops it when either is
missing. Kubernetes (v1.31 pkg/apis/core/validation/validation.go validateContainerResourceName,
pkg/apis/core/helper IsExtendedResourceName) takes as such a limit only an extended resource name:
``<domain>/<name>`` (a qualified name), the domain not ``kubernetes.io``, no ``requests.`` prefix.
So ``accelerator_type: gpu`` failed every pod of the step ("must be a standard resource for
containers"), ``cpu`` silently replaced the CPU limit, and a limit without a type (or a type without
a limit) compiled into a pipeline without any GPU, without a word.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.config import PlatformConfig
from ctloop.errors import ConfigError

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refused(resources: dict) -> str:
    with pytest.raises(ConfigError) as refused:
        PlatformConfig.from_dict({"resources": resources})
    return str(refused.value)


@pytest.mark.parametrize("kind", ["gpu", "GPU", "cpu", "nvidia.com/GPU card", "kubernetes.io/gpu",
                                  "requests.nvidia.com/gpu", "nvidia.com/", "/gpu", "a/b/c"])
def test_an_accelerator_type_kubernetes_refuses_as_a_limit_is_refused(kind):
    message = _refused({"train_model": {"accelerator_type": kind, "accelerator_limit": 1}})
    assert "platform.resources.train_model.accelerator_type" in message and repr(kind) in message
    assert "\n" not in message


@pytest.mark.parametrize("given", [{"accelerator_limit": 1}, {"accelerator_type": "nvidia.com/gpu"}])
def test_half_an_accelerator_is_refused_not_dropped(given):
    message = _refused({"train_model": given})
    assert "platform.resources.train_model" in message and "accelerator_type" in message
    assert "accelerator_limit" in message


def test_the_cli_says_it_in_one_line_and_writes_nothing(tmp_path, capsys):
    code = main(["compile", "--output-dir", str(tmp_path), "--resources",
                 '{"train_model": {"accelerator_limit": 1}}'])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.glob("*.yaml"))


def test_a_valid_accelerator_reaches_the_pod_limit(tmp_path):
    assert PlatformConfig.from_dict({"resources": {"train_model": {}}}).resources == {"train_model": {}}
    assert main(["compile", "--output-dir", str(tmp_path), "--resources",
                 '{"train_model": {"accelerator_type": "nvidia.com/gpu", "accelerator_limit": 2}}']) == 0
    doc = next(yaml.load_all((tmp_path / "continuous-training.yaml").read_text(), Loader=SAFE_LOADER))
    accelerator = doc["deploymentSpec"]["executors"]["exec-train-model"]["container"]["resources"]["accelerator"]
    assert (accelerator["resourceType"], accelerator["resourceCount"]) == ("nvidia.com/gpu", "2")
