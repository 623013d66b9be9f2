"""platform.resources: a memory quantity with the suffix ``K`` compiled, and no pod could run it.

kfp 2.17.0 ``kfp/dsl/pipeline_task.py`` ``_validate_memory_request_limit`` takes
it, but Kubernetes' decimal kilo is ``k`` (apimachinery v0.35.2 ``pkg/api/resource/suffix.go``:
n u m "" k M G T P E, Ki … Ei): the driver's ``ParseQuantity("512K")`` fails and every task of the
step failed to start ("failed to init podSpecPatch"). Lower-case ``k`` is refused by KFP's own
check, so only ``Ki`` writes kibibytes.
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


@pytest.mark.parametrize("field", ["memory_request", "memory_limit"])
def test_the_suffix_k8s_cannot_parse_is_refused(field):
    with pytest.raises(ConfigError) as refused:
        PlatformConfig.from_dict({"resources": {"train_model": {field: "4000000K"}}})
    message = str(refused.value)
    assert f"platform.resources.train_model.{field}" in message and "'4000000K'" in message, message
    assert "Ki" in message and "\n" not in message


def test_kibibytes_still_compile(tmp_path):
    assert main(["compile", "--output-dir", str(tmp_path), "--resources",
                 '{"train_model": {"memory_request": "1000000Ki", "memory_limit": "4000000Ki"}}']) == 0
    doc = next(yaml.load_all((tmp_path / "continuous-training.yaml").read_text(), Loader=SAFE_LOADER))
    res = doc["deploymentSpec"]["executors"]["exec-train-model"]["container"]["resources"]
    assert (res["resourceMemoryRequest"], res["resourceMemoryLimit"]) == ("1000000Ki", "4000000Ki")
