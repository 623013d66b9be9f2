"""docs/monitoring.md documents every monitoring parameter with its real default."""

import inspect
import re

from ctloop.components.monitor.core import DEFAULT_LABEL_LOOKBACK, DEFAULT_MIN_LABELS, RULE_KEYS
from tests.helpers import REPO

DOC = (REPO / "docs" / "monitoring.md").read_text()


def documented_parameters() -> dict[str, str]:
    section = DOC.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", section, re.M)}


def test_every_pipeline_parameter_is_documented_with_its_default():
    from ctloop.pipelines.monitoring import monitoring

    params = inspect.signature(monitoring.pipeline_func).parameters
    table = documented_parameters()
    assert set(table) == set(params)
    for name, p in params.items():
        default, cell = p.default, table[name]
        if isinstance(default, str) and default:
            assert f"`{default}`" in cell, (name, cell)
        elif isinstance(default, int | float) and not isinstance(default, bool):
            assert f"`{default}`" in cell, (name, cell)
        elif default == "":
            assert cell.startswith('`""`'), (name, cell)
    assert DEFAULT_LABEL_LOOKBACK == params["label_lookback"].default and DEFAULT_MIN_LABELS == params["min_labels"].default


def test_every_rule_is_documented():
    for key in RULE_KEYS:
        assert f"`{key}`" in DOC, key
    from ctloop.pipelines.monitoring import DEFAULT_RULES

    assert all(f"{k}: {v}" in DOC for k, v in DEFAULT_RULES.items())  # the default rules as documented
