"""``rollout.quality_rules.score_column: ""`` was accepted (round 52).

``monitoring.score_column`` reads an empty value as its default (prediction_1 for a binary model), but
``quality_rules.score_column`` has no such reading: its default is the column itself, and a blank one
was looked up in the log as the column ``''``, so every canary check failed ("no score column ''") and
each canary was rolled back for a config line. It is refused where the spec is read, in one line naming
the setting."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_quality_score_column_is_refused_when_the_spec_is_read(blank):
    with pytest.raises(ConfigError) as told:
        RolloutConfig.from_dict({"quality_rules": {"score_column": blank}})
    line = str(told.value)
    assert "\n" not in line and "quality_rules.score_column" in line and "blank" in line, line


def test_a_named_score_column_is_read():
    cfg = RolloutConfig.from_dict({"quality_rules": {"score_column": "prediction_output-0_1"}})
    assert cfg.quality_rules.score_column == "prediction_output-0_1"
    assert RolloutConfig.from_dict({}).quality_rules.score_column == "prediction_1"
