"""``rollout.rules.window: 0m`` passed the configuration check, and every canary check then
asked Prometheus for ``increase(...[0m])``, which it refuses (HTTP 400 "duration must be greater
than 0", prometheus v2.42 ``promql/parser/parse.go``): every canary was rolled back with a
serving error. A range of zero is now refused where the configuration is read."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError


@pytest.mark.parametrize("window", ["0m", "0s", "00h"])
def test_a_zero_window_is_refused_with_the_configuration(window):
    with pytest.raises(ConfigError, match=r"rollout\.rules\.window: .*got '" + window + "'"):
        RolloutConfig.from_dict({"inference_service": "credit", "namespace": "ml", "rules": {"window": window}})


@pytest.mark.parametrize("window", ["30s", "5m", "10m", "1h", "100d"])
def test_a_positive_window_is_kept(window):
    cfg = RolloutConfig.from_dict({"inference_service": "credit", "namespace": "ml", "rules": {"window": window}})
    assert cfg.rules.window == window
