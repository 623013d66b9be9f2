import copy
import re

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.cron import describe, validate_cron
from ctloop.ops.spec import load_spec, monitoring_parameters, parse_spec, pipeline_parameters
from ctloop.pipelines.continuous_training import continuous_training
from ctloop.pipelines.monitoring import monitoring as monitoring_pipeline
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 3 * * *",
        "0 30 4 * * 1",
        "0 0 9 ? * 2-6",
        "0 */30 * * * *",
        "0 0 0 1 JAN,JUL *",
        "@daily",
        "@every 1h30m",
        "0  0  3 * * *",
    ],
)
def test_valid_cron(expr):
    assert validate_cron(expr) == " ".join(expr.split())


def test_five_fields_explains_the_trap_and_the_fix():
    with pytest.raises(ConfigError) as exc:
        validate_cron("0 3 * * *")
    message = str(exc.value)
    assert "5 fields" in message and "seconds first" in message and '"0 0 3 * * *"' in message


@pytest.mark.parametrize(
    "expr, match",
    [
        ("60 0 3 * * *", "second 60 is out of range"),
        ("0 0 24 * * *", "hour 24"),
        ("0 0 3 * 13 *", "month 13"),
        ("0 0 3 * * MONDAY", "day-of-week field has 'MONDAY'"),
        ("0 */0 * * * *", "step"),
        ("0 0 3 * * * *", "7 fields"),
        ("", "empty"),
        ("0 0 5-3 * * *", "backwards"),
    ],
)
def test_invalid_cron(expr, match):
    with pytest.raises(ConfigError, match=match):
        validate_cron(expr)


def test_describe_says_utc():
    assert describe("0 0 3 * * *") == "every day at 03:00:00 UTC"
    assert "UTC" in describe("0 30 4 * * 1")


def test_example_spec_is_valid_and_maps_to_pipeline_parameters():
    spec = load_spec(EXAMPLE)
    assert [m.name for m in spec.models] == ["credit-default", "loss-given-default"]
    known = set(continuous_training.component_spec.inputs)
    for model in spec.models:
        params = pipeline_parameters(model)
        assert set(params) <= known, set(params) - known
    credit = pipeline_parameters(spec.models[0])
    assert credit["data"]["window"] == "180D" and credit["gate"]["thresholds"] == {"roc_auc": 0.72, "log_loss": 0.5}
    assert pipeline_parameters(spec.models[1])["training"]["estimator"] == "random_forest"
    assert credit["rollout"]["inference_service"] == "credit-default"
    assert credit["rollout"]["traffic_plan"] == [5, 25, 50, 100]
    assert credit["rollout"]["rules"]["min_requests"] == 200 and credit["rollout"]["approval"] == "required"
    assert pipeline_parameters(spec.models[1])["rollout"]["inference_service"] == ""  # registry only
    monitoring = monitoring_parameters(spec.models[0], spec)
    assert set(monitoring) <= set(monitoring_pipeline.component_spec.inputs)
    assert monitoring["monitoring"]["log_root"] == "gs://credit-data/inference-log"
    assert monitoring["training_parameters"] == credit
    assert spec.models[0].monitoring_schedule.cron == "0 5 * * * *" and spec.models[1].monitoring_schedule is None


def test_a_v1alpha1_spec_is_read_as_v1alpha2_and_says_what_moved():
    old = load_spec(REPO / "tests" / "fixtures" / "ctloop-v1alpha1.yaml")
    new = load_spec(EXAMPLE)
    assert "models[0].target → models[0].data.target" in old.notes
    assert "kfp.service_account → platform.service_account" in old.notes
    lgd = pipeline_parameters(old.models[1])
    assert lgd["training"] == {**pipeline_parameters(new.models[1])["training"]}
    assert lgd["data"]["window"] == "365D" and lgd["data"]["target"] == "loss_amount"
    assert old.platform.service_account == new.platform.service_account == "ctloop-pipeline-runner"


def _broken(mutate):
    data = yaml.safe_load(EXAMPLE.read_text())
    mutate(data)
    return data


@pytest.mark.parametrize(
    "mutate, path, fix",
    [
        (lambda d: d["models"][1]["schedule"].update(cron="30 4 * * 1"), "models[1].schedule.cron",
         '"0 30 4 * * 1"'),
        (lambda d: d["models"][0]["data"].update(targt="x"), "models[0].data.targt", "did you mean 'target'"),
        (lambda d: d["models"][0].update(gatee={}), "models[0].gatee", "did you mean 'gate'"),
        (lambda d: d["models"][0]["gate"].update(thresholds={"auc": 0.7}), "models[0].gate.thresholds.auc",
         "roc_auc"),
        (lambda d: d["models"][0]["gate"].update(thresholds={}), "models[0].gate.thresholds", "never approve"),
        (lambda d: d["models"][0]["gate"].update(tolerance=-0.5), "models[0].gate.tolerance", "must be >= 0"),
        (lambda d: d["models"][0]["gate"].update(bootstrap_rounds=0), "models[0].gate.bootstrap_rounds",
         "must be in [1, 1000000]"),
        (lambda d: d["models"][0]["data"].update(window="3 months"), "models[0].data.window", "write 90D"),
        (lambda d: d["models"][1]["training"].update(estimator="randomforest"), "models[1].training.estimator",
         "did you mean 'random_forest'"),
        (lambda d: d["models"][0]["schedule"].update(max_concurrency=20), "models[0].schedule.max_concurrency",
         "must be in [1, 10]"),
        (lambda d: d["models"][0]["schedule"].update(cron=""), "models[0].schedule.cron", "cron is empty"),
        (lambda d: d["models"][0]["schedule"].update(cron="@every 0s"), "models[0].schedule.cron", "at least 1s"),
        (lambda d: d["models"][0]["schedule"].update(cron="0 0 3 31 2 *"), "models[0].schedule.cron",
         "never runs"),
        (lambda d: d["models"][0]["data"]["contract"]["columns"]["income"].update(max_null_fraction=2),
         "models[0].data.contract.columns.income.max_null_fraction", "between 0 and 1"),
        (lambda d: d["models"][0]["data"].pop("target"), "models[0].data.target", "required"),
        (lambda d: d["models"][0]["rollout"].update(traffic_plan=[50, 5]), "models[0].rollout.traffic_plan",
         "increasing"),
        (lambda d: d["models"][0]["rollout"].update(strategy="shadow"), "models[0].rollout.strategy", "blue-green"),
        (lambda d: d["models"][0]["rollout"].update(rules={"max_errors": 1}), "models[0].rollout.rules.max_errors",
         "max_error_rate"),
        (lambda d: d["models"][0]["rollout"].update(interval_seconds=0), "models[0].rollout.interval_seconds",
         "must be in [1, 604800]"),
        (lambda d: d["models"][0]["rollout"].update(max_failed_checks=-1), "models[0].rollout.max_failed_checks",
         "must be > 0"),
        (lambda d: d["models"][0]["rollout"].update(traffic_plan=[10, 100], max_failed_checks=3),
         "models[0].rollout.max_failed_checks", "no canary would ever be rolled back; use at most 2"),
        (lambda d: d["models"][0]["monitoring"]["rules"].update(realized_floor=1.5),
         "models[0].monitoring.rules.realized_floor", "roc_auc is at most 1, so 1.5 is never met"),
        (lambda d: d["models"][0]["monitoring"].update(metric="rmse"), "models[0].monitoring.metric",
         "not a classification metric"),
        (lambda d: d["models"][0]["rollout"].update(rules={"min_requests": 0}), "models[0].rollout.rules.min_requests",
         "must be > 0"),
        (lambda d: d["models"][0]["rollout"].pop("namespace"), "models[0].rollout.namespace", "required"),
        (lambda d: d["models"][0].update(name="Credit_Default"), "models[0].name", "Kubernetes and MLflow name"),
        (lambda d: d.update(apiVersion="v1"), "apiVersion", "ctloop.dev/v1alpha2"),
        (lambda d: d["models"].append(copy.deepcopy(d["models"][0])), "models[2].name", "declared twice"),
        (lambda d: d["models"][0]["drift"].update(method="wasserstien"), "models[0].drift.method",
         "did you mean 'wasserstein'"),
        (lambda d: d["models"][0]["monitoring"].update(window="hourly"), "models[0].monitoring.window", "e.g. 30s"),
    ],
)
def test_every_bad_field_gives_path_and_fix(mutate, path, fix):
    with pytest.raises(ConfigError) as exc:
        parse_spec(_broken(mutate), "ctloop.yaml")
    message = str(exc.value)
    line = next((x for x in message.splitlines() if x.strip().startswith(path)), None)
    assert line is not None, message
    assert fix in line, line


def test_all_problems_reported_at_once_structural_and_value_errors_alike():
    def mutate(d):
        d["models"][0]["data"].update(targt="x")  # structural (unknown key)
        d["models"][1]["schedule"].update(cron="30 4 * * 1")  # a value
        d["models"][1]["gate"].update(tolerance=-1)  # a value in another section
        d["models"][0]["rollout"] = "canary please"  # structural (not a mapping)

    with pytest.raises(ConfigError, match=r"4 problem\(s\)"):
        parse_spec(_broken(mutate))


@pytest.mark.parametrize(
    "expr, match",
    [
        ("0 0 3 32 * *", "day-of-month 32"),
        ("0 0 3 0 * *", "day-of-month 0"),
        ("0 0 3 * * 7", "day-of-week 7"),
        ("0 60 3 * * *", "minute 60"),
        ("0 ? 3 * * *", "'?' is only allowed"),
        ("0 0 3 * * 1,,2", "empty list item"),
        ("@fortnightly", "unknown descriptor"),
    ],
)
def test_field_ranges(expr, match):
    with pytest.raises(ConfigError, match=re.escape(match)):
        validate_cron(expr)


def test_five_field_error_shows_the_six_field_equivalent_for_any_expression():
    for expr in ("*/15 * * * *", "30 4 * * 1-5"):
        with pytest.raises(ConfigError) as exc:
            validate_cron(expr)
        assert f'"0 {expr}"' in str(exc.value) and "silently" in str(exc.value)


def _messages(data) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        parse_spec(data, "ctloop.yaml")
    return [x.strip() for x in str(exc.value).splitlines()[1:]]


def test_required_and_type_errors_show_a_valid_example():
    data = yaml.safe_load(EXAMPLE.read_text())
    del data["models"][0]["data"]["uri"]
    data["models"][0]["gate"]["tolerance"] = "a lot"
    data["models"][1]["schedule"]["no_catchup"] = "yes"
    lines = _messages(data)
    assert any(line.startswith("models[0].data.uri: required — Table to train on") and
               line.endswith("e.g. uri: gs://bucket/credit.parquet") for line in lines), lines
    assert "models[0].gate.tolerance: expected a number, got 'a lot'; e.g. tolerance: 0.01" in lines
    assert "models[1].schedule.no_catchup: expected true/false, got 'yes'; e.g. no_catchup: true" in lines


def test_missing_gate_thresholds_is_an_error_not_a_silent_default():
    data = yaml.safe_load(EXAMPLE.read_text())
    del data["models"][1]["gate"]
    (line,) = _messages(data)
    assert line == "models[1].gate.thresholds: empty — the gate would never approve; e.g. thresholds: {rmse: ...}"


def test_every_error_line_has_a_path_and_a_fix():
    data = yaml.safe_load(EXAMPLE.read_text())
    data["kfp"]["hots"] = "x"
    data["defaults"]["windw"] = "30D"
    data["models"][0]["training"]["task"] = "ranking"
    data["models"][0]["data"]["holdout_fraction"] = 1.5
    data["models"][0]["drift"] = {"share": 0}
    data["models"][1]["data"]["format"] = "xlsx"
    data["models"][1]["gate"]["thresholds"] = {"rmse": "low"}
    data["models"].append("not a model")
    lines = _messages(data)
    assert len(lines) == 8, lines
    fixes = ("did you mean", "e.g.", "use ", "must be", "allowed:")
    for line in lines:
        path, sep, message = line.partition(": ")
        assert sep and re.fullmatch(r"[\w.\[\]]+", path), line
        assert any(f in message for f in fixes), line


def test_defaults_merge_one_level_and_unknown_default_keys_are_errors():
    spec = load_spec(EXAMPLE)
    lgd = pipeline_parameters(spec.models[1])
    assert lgd["data"]["window"] == "365D" and lgd["data"]["current_window"] == "30D"  # model wins, default fills
    assert lgd["drift"]["share"] == 0.3 and lgd["drift"]["column_methods"] == {"loan_amount": "psi"}
    data = yaml.safe_load(EXAMPLE.read_text())
    data["defaults"]["gate"] = {"tolerance": 0.05}
    data["models"][0]["gate"].pop("tolerance")
    merged = parse_spec(data)
    assert pipeline_parameters(merged.models[0])["gate"]["tolerance"] == 0.05  # section merged, not replaced
    assert pipeline_parameters(merged.models[0])["gate"]["thresholds"] == {"roc_auc": 0.72, "log_loss": 0.5}
    data["defaults"]["name"] = "x"
    assert "defaults.name: every model needs its own name; move it into models[]" in _messages(data)


def test_yaml_alias_expansion_is_bounded(tmp_path):
    bomb = "\n".join(["apiVersion: ctloop.dev/v1alpha2", "kind: ContinuousTraining", "a: &a [x, x, x, x, x, x, x, x, x]"]
                     + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                        f"*{chr(97 + i)}]" for i in range(8)] + ["models: [*i]"])
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb)
    with pytest.raises(ConfigError, match="expands to more than 100000 values"):
        load_spec(path)


def test_drift_correction_and_calibration_reach_the_pipeline_and_are_validated():
    data = yaml.safe_load(EXAMPLE.read_text())
    data["models"][0].setdefault("drift", {}).update(correction="fdr", calibration_rounds=20)
    params = pipeline_parameters(parse_spec(data).models[0])
    assert params["drift"]["correction"] == "fdr" and params["drift"]["calibration_rounds"] == 20
    data["models"][0]["drift"].update(correction="holm", calibration_rounds=-1)
    lines = _messages(data)
    assert any(line.startswith("models[0].drift.correction: must be one of") for line in lines), lines
    assert any(line.startswith("models[0].drift.calibration_rounds: must be in [0, 10000], got -1") for line in lines), lines


@pytest.mark.parametrize(
    "expr, text",
    [
        ("0 0 3 * * *", "every day at 03:00:00 UTC"),
        ("0 30 4 * * 1", "every Monday at 04:30:00 UTC"),
        ("15 30 4 * * SAT", "every Saturday at 04:30:15 UTC"),
        ("0 5 * * * *", "every hour at :05:00 UTC"),
        (
            "0 0 3 1 * *",
            "cron '0 0 3 1 * *' (sec min hour day-of-month month day-of-week), times in UTC",
        ),
        ("@daily", "@daily (times in UTC)"),
    ],
)
def test_describe_reads_common_schedules_and_always_says_utc(expr, text):
    assert describe(validate_cron(expr)) == text


def test_platform_pvc_mounts_are_validated():
    data = yaml.safe_load(EXAMPLE.read_text())
    data["platform"]["pvc_mounts"] = ["ctloop-inference-log-records:/mnt/inference-log"]
    assert parse_spec(data).platform.pvc_mounts == ["ctloop-inference-log-records:/mnt/inference-log"]
    data["platform"]["pvc_mounts"] = ["records"]
    (line,) = [x for x in _messages(data) if x.startswith("platform.pvc_mounts")]
    assert line.startswith("platform.pvc_mounts: PVC mount 'records' must be CLAIM:PATH")


def test_a_rule_turned_off_in_ctloop_yaml_stays_off_in_the_pipeline_parameters():
    """KFP cannot carry a null inside a dict parameter (kfp 2.17.0 compiler/pipeline_spec_builder.py
    ``to_protobuf_value`` raises for None, in compiled defaults and in kfp.local arguments), so a rule
    set to null used to be dropped from the parameters, and the component parsed the section back
    with the rule's default: a rule the user turned off came back on."""
    from ctloop import config as C
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines.monitoring import monitoring

    data = yaml.safe_load(EXAMPLE.read_text())
    model = next(m for m in data["models"] if "monitoring" in m)
    model["monitoring"]["rules"] = {"drift_share": None, "cooldown": None, "realized_drop": 0.02}
    spec = parse_spec(data, "ctloop.yaml")
    params = monitoring_parameters(next(m for m in spec.models if m.name == model["name"]), spec)
    args = pipeline_arguments(monitoring, params)
    rules = C.MonitoringConfig.from_dict(args["monitoring"]).rules  # what monitor_model parses
    assert rules.drift_share is None and rules.cooldown is None and rules.realized_drop == 0.02
    assert "drift_share" not in rules.active()

    def has_null(value):
        return value is None or (isinstance(value, dict) and any(map(has_null, value.values())))

    assert not has_null(args)  # nothing KFP would refuse
    assert C.MonitoringRules.from_dict({"drift_share": "off"}).drift_share is None


def test_a_key_given_twice_in_one_mapping_is_refused_naming_both_lines(tmp_path):
    """YAML keeps the last of two equal keys without a word (PyYAML, like most loaders): a second
    ``target:`` pasted under the first trained on the other column, a second ``gate:`` dropped the
    first's thresholds. The spec is refused naming the key and both lines; a merge key (``<<``)
    still lets a model's own keys win over the merged ones."""
    text = EXAMPLE.read_text()
    first = text.index("      target: default\n")
    line = text[:first].count("\n") + 1
    path = tmp_path / "ctloop.yaml"
    path.write_text(text[:first] + "      target: default\n      target: income\n" + text[first + 22:])
    with pytest.raises(ConfigError) as info:
        load_spec(path)
    assert str(info.value) == (f"{path} line {line + 1}: 'target' is given twice in one mapping (first on line {line}): "
                               "YAML would keep only the last; remove one")
    merged = text.replace("defaults:\n", "defaults: &base\n", 1).replace(
        "  - name: credit-default ", "  - <<: *base\n    name: credit-default ", 1)
    path.write_text(merged)
    assert load_spec(path).models[0].name == "credit-default"


def test_a_model_name_yaml_reads_as_a_number_says_so():
    """``name: 123`` (or ``name: 2024``) is a number to YAML: it said 'is required, got 123'."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data["models"][0]["name"] = 123
    assert ("models[0].name: expected text (quote it: YAML reads it as a number), got 123; "
            "e.g. name: credit-default") in _messages(data)
    data["models"][0].pop("name")
    assert "models[0].name: is required, got None; e.g. name: credit-default" in _messages(data)


def test_a_merge_source_with_its_own_merge_and_override_is_not_a_repeated_key(tmp_path):
    """A mapping that merges an anchor and overrides one of its keys, merged again by a later
    mapping: PyYAML flattens a merge into the merged node itself, so its keys were checked after
    that and the spec refused ('estimator' is given twice). yaml.safe_load reads it."""
    text = """apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: credit-default
    data: {uri: credit.csv, target: default, time_column: t}
    training: &tr
      <<: {task: classification, estimator: logistic_regression}
      estimator: random_forest
    gate: {thresholds: {roc_auc: 0.7}}
defaults:
  training:
    <<: *tr
    seed: 3
"""
    path = tmp_path / "ctloop.yaml"
    path.write_text(text)
    spec = load_spec(path)
    assert yaml.safe_load(text)["defaults"]["training"]["estimator"] == "random_forest"
    assert spec.models[0].section("training").estimator == "random_forest"
    assert spec.models[0].section("training").seed == 3  # the defaults' own key reached the model
    path.write_text(text.replace("    seed: 3\n", "    seed: 3\n    seed: 4\n"))
    with pytest.raises(ConfigError, match="line 14: 'seed' is given twice in one mapping \\(first on line 13\\)"):
        load_spec(path)
