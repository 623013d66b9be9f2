"""Every setting has one definition (ctloop.config): the pipelines' parameters, ctloop.yaml, the CLI
flags, the cores' keyword defaults and docs/configuration.md are derived from it or agree with it —
checked field by field, for every field of every section."""

from __future__ import annotations

import argparse
import inspect

import pytest

from ctloop import config as C
from ctloop.errors import ConfigError
from tests.helpers import REPO

ALL = (*C.SECTIONS, *C.NESTED)


def test_docs_configuration_is_generated_from_the_sections():
    doc = REPO / "docs" / "configuration.md"
    assert doc.read_text() == C.render_docs() + "\n", "docs/configuration.md is stale: run `ctloop config docs`"


@pytest.mark.parametrize("section", ALL, ids=lambda s: s.__name__)
def test_every_field_is_documented_and_parses_its_own_default(section):
    for f in section.fields():
        assert f.metadata.get("doc", "").strip(), f"{section.__name__}.{f.name} has no documentation"
    defaults = section.defaults()
    required = {name: f"x-{name}" for name in section.required()}
    if section is C.ScheduleConfig:
        required = {"cron": "0 0 3 * * *"}
    parsed = section.from_dict({**defaults, **required})
    for name, value in defaults.items():
        got = getattr(parsed, name)
        assert (got.to_dict() if isinstance(got, C.Section) else got) == value, (section.__name__, name)


def _pipeline_inputs():
    from ctloop.pipelines import all_pipelines

    for name, func in all_pipelines().items():
        for param, spec in func.component_spec.inputs.items():
            yield name, param, spec


SECTION_PARAMETERS = {"data": C.DataConfig, "training": C.TrainingConfig, "gate": C.GateConfig, "drift": C.DriftConfig,
                      "rollout": C.RolloutConfig, "monitoring": C.MonitoringConfig, "scoring": C.ScoringConfig}


def test_pipeline_parameters_default_to_their_sections():
    seen = set()
    for pipeline, param, spec in _pipeline_inputs():
        section = SECTION_PARAMETERS.get(param)
        if section is None:
            continue
        seen.add(param)
        if section.required() or (pipeline == "rollout" and param == "rollout"):
            assert spec.default is None and not spec.optional, f"{pipeline}.{param} must be required"
        else:
            assert spec.default == section.parameter_default(), f"{pipeline}.{param} default differs from {section}"
    assert seen == set(SECTION_PARAMETERS)


def test_cluster_pipelines_carry_no_demo_defaults():
    for pipeline, param, spec in _pipeline_inputs():
        text = repr(spec.default)
        for demo in ("credit", "REPLACE-ME", "data/", "application_date"):
            assert demo not in text, f"{pipeline}.{param} defaults to demo value {spec.default!r}"


def test_cli_flags_default_to_their_sections():
    """Every flag made by add_arguments takes the section's default when not given."""
    for section in C.SECTIONS:
        parser = argparse.ArgumentParser()
        optional = [f.name for f in section.fields() if f.name not in section.required()]
        C.add_arguments(parser, section, optional)
        base = {name: ("0 0 3 * * *" if section is C.ScheduleConfig else f"x-{name}") for name in section.required()}
        built = C.from_arguments(section, parser.parse_args([]), base=base)
        for name in optional:
            got = getattr(built, name)
            assert (got.to_dict() if isinstance(got, C.Section) else got) == section.defaults()[name]


CORE_DEFAULTS = {
    # core function -> {keyword: (section, field)}
    "ctloop.components.prepare.core:prepare": {"window": (C.DataConfig, "window"),
                                               "current_window": (C.DataConfig, "current_window"),
                                               "holdout_fraction": (C.DataConfig, "holdout_fraction")},
    "ctloop.components.train.core:fit": {"task": (C.TrainingConfig, "task"),
                                         "estimator": (C.TrainingConfig, "estimator"),
                                         "search_iterations": (C.TrainingConfig, "search_iterations"),
                                         "seed": (C.TrainingConfig, "seed")},
    "ctloop.components.evaluate.core:gate": {"primary_metric": (C.GateConfig, "primary_metric"),
                                             "tolerance": (C.GateConfig, "tolerance"),
                                             "slice_column": (C.GateConfig, "slice_column"),
                                             "bootstrap_rounds": (C.GateConfig, "bootstrap_rounds"),
                                             "confidence": (C.GateConfig, "confidence"),
                                             "seed": (C.GateConfig, "seed")},
    "ctloop.drift.engine:check_options": {"drift_share": (C.DriftConfig, "share")},  # detect(**options)
}


@pytest.mark.parametrize("target", sorted(CORE_DEFAULTS))
def test_core_keyword_defaults_are_the_sections(target):
    import importlib

    module, _, name = target.partition(":")
    params = inspect.signature(getattr(importlib.import_module(module), name)).parameters
    for keyword, (section, field) in CORE_DEFAULTS[target].items():
        assert params[keyword].default == section.defaults()[field], f"{target}({keyword}=...)"


def test_spec_defaults_are_the_sections():
    from ctloop.ops.spec import parse_spec, pipeline_parameters

    spec = parse_spec({"apiVersion": "ctloop.dev/v1alpha2", "kind": "ContinuousTraining", "models": [
        {"name": "m", "data": {"uri": "gs://b/t.parquet", "target": "y", "time_column": "t"},
         "gate": {"thresholds": {"roc_auc": 0.7}}}]})
    params = pipeline_parameters(spec.models[0])
    for name in ("training", "drift", "rollout"):  # a null default travels as "off" (C.nulls_as_off)
        section = SECTION_PARAMETERS[name]
        assert section.from_dict(params[name]) == section.from_dict(section.parameter_default()), name
        assert params[name] == C.nulls_as_off(section.defaults()), name
    assert params["gate"] == {**C.nulls_as_off(C.GateConfig.defaults()), "thresholds": {"roc_auc": 0.7}}
    assert spec.kfp == C.KfpConfig() and spec.platform == C.PlatformConfig()


@pytest.mark.parametrize("section, data, message", [
    (C.GateConfig, {"tolerance": -0.1}, "gate.tolerance: must be >= 0, got -0.1"),
    (C.GateConfig, {"bootstrap_rounds": 0}, "gate.bootstrap_rounds: must be in [1, 1000000], got 0"),
    (C.GateConfig, {"bootstrap_rounds": 2.5}, "gate.bootstrap_rounds: expected a whole number, got 2.5"),
    (C.RolloutConfig, {"interval_seconds": -5}, "rollout.interval_seconds: must be in [1, 604800], got -5"),
    (C.RolloutConfig, {"max_failed_checks": 0}, "rollout.max_failed_checks: must be > 0, got 0"),
    (C.RolloutConfig, {"rules": {"min_requests": 0}}, "rollout.rules.min_requests: must be > 0, got 0"),
    (C.RolloutConfig, {"traffic_plan": [50, 5]}, "rollout.traffic_plan: must be increasing whole percentages"),
    (C.RolloutConfig, {"inference_service": "Credit_Default"}, "rollout.inference_service: must be a Kubernetes name"),
    (C.ScheduleConfig, {"cron": ""}, "schedule.cron: cron is empty"),
    (C.ScheduleConfig, {"cron": "@every 0s"}, "the interval must be at least 1s"),
    (C.ScheduleConfig, {"cron": "0 0 0 31 2 *"}, "never runs: day 31 does not occur in month 2"),
    (C.DataConfig, {"uri": "x", "target": "y", "time_column": "t", "window": "0D"}, "data.window: "),
    (C.DataConfig, {"uri": "x", "target": "y", "time_column": "t", "window": "999999D"}, "longer than 36500 days"),
    (C.DriftConfig, {"share": 1.5}, "drift.share: must be in (0, 1]"),
    (C.DriftConfig, {"method": "kss"}, "did you mean 'ks'?"),
    (C.TrainingConfig, {"estimator": "xgbost"}, "training.estimator: must be one of"),
    (C.MonitoringConfig, {"log_root": "x", "rules": {"cooldown": "soon"}}, "monitoring.rules.cooldown: "),
    # a bound no model can meet: the gate never approved, and nothing said why (1.72 for 0.72)
    (C.GateConfig, {"thresholds": {"roc_auc": 1.72}}, "gate.thresholds: roc_auc is at most 1, so 1.72 is never met"),
    (C.GateConfig, {"thresholds": {"log_loss": -0.5}}, "log_loss is at least 0, so -0.5 is never met"),
    (C.GateConfig, {"thresholds": {"roc_auc": float("nan")}}, "gate.thresholds: 'roc_auc' must be a finite number"),
    (C.DriftConfig, {"column_thresholds": {"income": float("inf")}}, "'income' must be a finite number"),
    (C.MonitoringConfig, {"log_root": "x", "metric": "roc_auc", "rules": {"realized_floor": 1.5}},
     "monitoring.rules.realized_floor: roc_auc is at most 1, so 1.5 is never met"),
    # a canary had to be twice as fast as the stable revision: nearly every canary rolled back
    (C.RolloutConfig, {"rules": {"max_p99_ratio": 0.5}}, "rollout.rules.max_p99_ratio: must be >= 1"),
    # a negative drift threshold: the column drifted in every run, whatever its data
    (C.DriftConfig, {"column_thresholds": {"income": -1}}, "drift.column_thresholds: 'income' must be >= 0 (is -1)"),
    # KFP 2.17.0 kfp/dsl/pipeline_task.py (_validate_cpu_request_limit, _validate_memory_request_limit)
    # raised a ValueError traceback at compile time, after `ctloop apply --dry-run` said "valid"
    (C.PlatformConfig, {"resources": {"train_model": {"cpu_request": "two"}}},
     "platform.resources.train_model.cpu_request: must be a CPU quantity"),
    (C.PlatformConfig, {"resources": {"train_model": {"memory_limit": "16GB"}}},
     "platform.resources.train_model.memory_limit: must be a memory quantity KFP accepts"),
    (C.PlatformConfig, {"resources": {"train_model": {"memory_limit": "1.5Gi"}}}, "got '1.5Gi'"),
    # a step no pipeline has was ignored without a word (the docs' own example said `train`)
    (C.PlatformConfig, {"resources": {"train": {"cpu_limit": "8"}}},
     "platform.resources.train: no step of that name; did you mean 'train_model'?"),
    # Kubernetes refuses the pod ("must be less than or equal to memory limit") when the run starts
    (C.PlatformConfig, {"resources": {"train_model": {"memory_limit": "2G"}}},
     "platform.resources.train_model: memory_request 4G (the default) is above memory_limit 2G"),
    (C.PlatformConfig, {"resources": {"monitor_model": {"cpu_request": "1500m", "cpu_limit": "1"}}},
     "platform.resources.monitor_model: cpu_request 1500m is above cpu_limit 1"),
])
def test_bad_values_name_the_field_and_the_value(section, data, message):
    with pytest.raises(ConfigError) as info:
        section.from_dict(data)
    assert message in str(info.value)
    assert "\n" not in str(info.value)  # one problem, one line


def test_every_problem_is_reported_in_one_pass():
    with pytest.raises(ConfigError) as info:
        C.GateConfig.from_dict({"tolerance": -1, "bootstrap_rounds": 0, "tolerence": 1})
    text = str(info.value)
    assert text.startswith("3 problems:") and "did you mean 'tolerance'" in text


@pytest.mark.parametrize("section,data,head,tail", [
    (C.TrainingConfig, {"estimator": "xgbost"}, "training.estimator: must be one of",
     ", got 'xgbost'; did you mean 'xgboost'?"),
    (C.DataConfig, {"uri": "d.csv", "target": "y", "time_column": "t", "format": "parqet"},
     "data.format: must be one of", ", got 'parqet'; did you mean 'parquet'?"),
    (C.ScheduleConfig, {"cron": "30 4 ? * 1"}, "schedule.cron: cron '30 4 ? * 1' has 5 fields",
     ", got '30 4 ? * 1'; did you mean \"0 30 4 ? * 1\"?"),  # a suggestion holding a '?' (review)
])
def test_a_suggestion_ends_the_error_line(section, data, head, tail):
    """A problem that already suggests the fix ends with it: the value given sits before it and no
    generic example follows (was "…did you mean 'xgboost'?, got 'xgbost'; e.g. estimator:
    "hist_gradient_boosting"": the example contradicted the suggestion)."""
    with pytest.raises(ConfigError) as err:
        section.from_dict(data, section.__name__.removesuffix("Config").lower())
    line = next(x for x in str(err.value).splitlines() if head.split(":")[0] in x)
    assert head in line and line.endswith(tail) and "e.g." not in line, line
