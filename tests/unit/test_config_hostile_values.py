"""Every field of every configuration section, given a hostile value, is accepted or refused with
a ConfigError naming it — never another exception (a traceback from ``ctloop apply``). A
``traffic_plan: [5, 1e400]`` (YAML's ``.inf``) raised OverflowError from ``int(inf)``."""

from __future__ import annotations

import dataclasses

import pytest

import ctloop.config as C
from ctloop.errors import ConfigError

SECTIONS = [C.DataConfig, C.TrainingConfig, C.GateConfig, C.DriftConfig, C.CanaryRules, C.QualityRules,
            C.RolloutConfig, C.MonitoringRules, C.MonitoringConfig, C.ScoringConfig, C.ScheduleConfig,
            C.PlatformConfig, C.KfpConfig]
NAN, INF = float("nan"), float("inf")
HOSTILE = [NAN, INF, -INF, 10**30, -(10**30), 2**63, -0.0, 1e-320, True, "x" * 5000, "\x00", "\u202e",
           [INF], [NAN, 1], [5, INF], [None], [[1]], [{"a": 1}], [10**30], ["a", 1],
           {"a": INF}, {"a": [1]}, {"a": {"b": NAN}}, {1: 2}, {None: 1}, {"a": None}]


def valid(section) -> dict:
    """The defaults, with each required field set to its documented example."""
    data = dict(section.defaults())
    for field in dataclasses.fields(section):
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            example = field.metadata["example"]
            data[field.name] = example.strip('"') if isinstance(example, str) else example
    section.from_dict(data)  # the base itself is valid
    return data


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.__name__)
def test_a_hostile_value_is_a_config_error_or_accepted(section):
    failures = []
    for field in dataclasses.fields(section):
        for value in HOSTILE:
            data = {**valid(section), field.name: value}
            try:
                section.from_dict(data)
            except ConfigError as exc:
                assert field.name in str(exc), (field.name, str(exc))
            except Exception as exc:  # noqa: BLE001 - the point of the test
                failures.append(f"{field.name} = {value!r:.30}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("plan", [[5, INF], [5, NAN], [5, -INF], [5, 1e400]])
def test_a_traffic_plan_with_a_non_finite_step_names_the_field(plan):
    with pytest.raises(ConfigError, match="traffic_plan.*whole percentages"):
        C.RolloutConfig.from_dict({**C.RolloutConfig.defaults(), "traffic_plan": plan})
