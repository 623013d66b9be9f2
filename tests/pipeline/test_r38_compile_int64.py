"""Whole numbers past 64 bits in the platform settings: a traceback from protobuf, exit 1.

kfp-kubernetes 2.17 puts ``tolerationSeconds`` into ``Toleration.toleration_seconds`` and kfp 2.17
the accelerator count into ``AcceleratorConfig.count``, both int64 fields (kubernetes_executor_config
.proto, pipeline_spec.proto; Kubernetes' own ``tolerationSeconds`` is an int64 too): a value past
2**63-1 passed ctloop's checks and ended `ctloop compile` in ``ValueError: Value out of range``.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main

BIG = 2**63


@pytest.mark.parametrize("flags", [
    ["--tolerations", f'[{{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": {BIG}}}]'],
    ["--tolerations", f'[{{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": -{BIG + 1}}}]'],
    ["--resources", f'{{"train_model": {{"accelerator_type": "nvidia.com/gpu", "accelerator_limit": {BIG}}}}}'],
])
def test_a_number_past_64_bits_is_one_line_exit_2(tmp_path, capsys, flags):
    assert main(["compile", "--output-dir", str(tmp_path), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {flags[0]}: platform.") and str(BIG)[:6] in err, err
    assert not list(tmp_path.glob("*.yaml"))


def test_the_largest_64_bit_number_still_compiles(tmp_path):
    assert main(["compile", "--output-dir", str(tmp_path), "--tolerations",
                 f'[{{"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": {BIG - 1}}}]']) == 0
