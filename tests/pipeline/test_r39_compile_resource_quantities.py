"""platform.resources: a limit of zero compiled as no limit at all.

KFP 2.17.0 passes ``resourceCpuLimit``/``resourceMemoryLimit`` to the pod as
written (backend/src/v2/driver/driver.go ``getPodResource`` → k8s.io/apimachinery v0.35.2
``resource.ParseQuantity``, which takes "0", "0m", "0Gi"); Kubernetes reads a zero limit as none
(the kubelet sets no CFS quota and no memory.max for 0), so ``cpu_limit: "0"`` compiled into a step
without any limit, without a word — and the request-above-limit refusal even suggested
``{cpu_request: 0, cpu_limit: 0}``.
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


@pytest.mark.parametrize("field,value", [("cpu_limit", "0"), ("cpu_limit", "0m"), ("cpu_limit", "0.0"),
                                       ("cpu_limit", ".0"), ("cpu_limit", "000"),
                                       ("memory_limit", "0"), ("memory_limit", "0Gi"), ("memory_limit", "00M")])
def test_a_zero_limit_is_refused_not_compiled_as_no_limit(field, value):
  kind = field.split("_")[0]
  message = _refused({"train_model": {f"{kind}_request": "0", field: value}})
  assert f"platform.resources.train_model.{field}" in message and repr(value) in message, message
  assert "no limit" in message and "\n" not in message


def test_the_request_above_limit_hint_never_suggests_a_zero_limit():
  message = _refused({"train_model": {"cpu_limit": "0"}})
  assert "cpu_limit: 0}" not in message and "platform.resources.train_model.cpu_limit" in message, message


def test_the_cli_says_it_in_one_line_and_writes_nothing(tmp_path, capsys):
  code = main(["compile", "--output-dir", str(tmp_path), "--resources",
               '{"train_model": {"cpu_request": "0", "cpu_limit": "0"}}'])
  err = capsys.readouterr().err
  assert code == 2 and len(err.strip().splitlines()) == 1 and "cpu_limit" in err, err
  assert not list(tmp_path.glob("*.yaml"))


def test_zero_requests_and_limits_above_zero_still_compile(tmp_path):
  assert main(["compile", "--output-dir", str(tmp_path), "--resources",
               '{"train_model": {"cpu_request": "0", "cpu_limit": "500m", "memory_request": "0", '
               '"memory_limit": "16G"}}']) == 0
  doc = next(yaml.load_all((tmp_path / "continuous-training.yaml").read_text(), Loader=SAFE_LOADER))
  res = doc["deploymentSpec"]["executors"]["exec-train-model"]["container"]["resources"]
  assert (res["resourceCpuRequest"], res["resourceCpuLimit"]) == ("0", "500m")
  assert (res["resourceMemoryRequest"], res["resourceMemoryLimit"]) == ("0", "16G")
