"""Round 53's hunt of the CLI as a platform engineer meets it on day one: hostile but real-shaped
settings and tables through ``ctloop backtest`` (in-process, ``ctloop.cli.main``); each case a small
reproduction of a wrong answer or a misleading message, with what it did before."""

import re

import pytest

from ctloop.cli import main
from tests.unit.test_backtest_inputs import frame


def _backtest(tmp_path, data, *flags):
    data.to_csv(tmp_path / "stream.csv", index=False)
    return main(
        [
            "backtest",
            "--data",
            str(tmp_path / "stream.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "1D",
            "--train-window",
            "1D",
            "--estimator",
            "logistic_regression",
            "--bootstrap-rounds",
            "20",
            "--quiet",
            "--output",
            str(tmp_path / "out"),
            *flags,
        ]
    )


@pytest.mark.parametrize("yes, no", [("yes", "no"), ("Yes", "No"), ("YES", "NO")])
def test_labels_that_turn_from_numbers_to_yes_no_in_a_csv_are_refused_not_learned_as_four_classes(
    tmp_path, capsys, yes, no
):
    """A CSV export of two sources: the label 0/1, then from row 300 on yes/no (a source that changed
    how it writes it). read_table reads '0', '1', 'yes', 'no': four text classes, learned so; the
    replay (policy always) exited 0 with the last window scored 0.6113 (0.8898 when the stream says 0/1
    throughout), mean 0.7440 (0.8942).
    True/False after 0/1 was refused already (test_r52_backtest_hunt); yes/no is the same relabelling."""
    data = frame()
    y = data["y"].astype(object)
    y[data.index >= 300] = y[data.index >= 300].map({0: no, 1: yes})
    assert _backtest(tmp_path, data.assign(y=y), "--policy", "always") == 2
    err = capsys.readouterr().err
    assert (
        f"column 'y' breaks rule 'labels' in 100 row(s): labels mix {yes.lower()}/{no.lower()} and numbers, "
        f"as text (e.g. '{no}' and '0'): one class written two ways is learned as two" in err
    ), err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_yes_no_classes_alone_and_beside_words_are_classes():
    """yes/no alone is a binary target; 'yes'/'no'/'maybe' (a survey) and 'no'/'1 year'/'2 years' are
    classes of text, not numbers relabelled."""
    from ctloop.components.train.core import check_labels

    data = frame()
    check_labels(data["y"].map({0: "no", 1: "yes"}), "y")
    check_labels(data["y"].map({0: "no", 1: "yes"}).where(data.index % 7 != 0, "maybe"), "y")
    check_labels(data["y"].map({0: "no", 1: "1 year"}).where(data.index % 7 != 0, "2 years"), "y")


@pytest.mark.parametrize(
    "policies, named",
    [
        ("never,every:2,every:02", "every:2 twice ('every:2' and 'every:02')"),
        ("never, never", "never twice"),
        ("every:007,every:7", "every:7 twice ('every:007' and 'every:7')"),
    ],
)
def test_a_policy_named_twice_in_compare_is_refused_naming_it(tmp_path, capsys, policies, named):
    """`--compare every:2,every:02` replayed the same schedule twice and printed it as two policies
    with the same numbers (compare.csv two rows); `never,never` was replayed once under a banner
    "policies never, never". A policy named twice is a typo for another one: refused before any read."""
    with pytest.raises(SystemExit) as exited:
        _backtest(tmp_path, frame(), "--compare", policies)
    err = capsys.readouterr().err
    assert (
        exited.value.code == 2
        and f"argument --compare: names {named}: name each policy once, got {policies!r}" in err
    ), err
    assert not (tmp_path / "out").exists()


def test_compare_replays_every_n_under_one_name():
    """The library's compare() takes every:02 as every:2: one replay, under the name every:2."""
    from ctloop.backtest import check_policy

    assert check_policy("every:02") == "every:2" and check_policy("every:10") == "every:10"


@pytest.mark.parametrize(
    "flags, said",
    [
        (
            ["--thresholds", '{"rmse": 3}'],
            "--thresholds: gate.thresholds.rmse: not a classification metric; use one of",
        ),
        (
            ["--primary-metric", "rmse"],
            "--primary-metric: gate.primary_metric: 'rmse' is not a classification metric",
        ),
        (
            ["--thresholds", '{"roc_auc": 0.5, "r2": 0.1}'],
            "--thresholds: gate.thresholds.r2: not a classification",
        ),
    ],
)
def test_a_gate_metric_of_the_wrong_task_names_the_flag_given(tmp_path, capsys, flags, said):
    """`ctloop backtest --thresholds '{"rmse": 3}'` (the task left at classification) said
    "error: gate.thresholds.rmse: not a classification metric": a ctloop.yaml path the user never
    wrote; --hyperparameters and the other flags' values are said with the flag."""
    assert _backtest(tmp_path, frame(), *flags) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said}") and err.count("\n") == 1, err


def test_empty_thresholds_are_refused_not_replaced_by_the_backtest_default(tmp_path, capsys):
    """`--thresholds '{}'` (the help: "Empty = never approve (fail safe)") was replaced without a word
    by the backtest's {roc_auc: 0.5} and its other gate settings by the backtest's: every challenger
    judged against a bar the user had just removed, retrains promoted, exit 0."""
    assert _backtest(tmp_path, frame(), "--thresholds", "{}", "--primary-metric", "log_loss") == 2
    err = capsys.readouterr().err
    assert err == (
        "error: --thresholds {}: a gate without thresholds approves no challenger (fail safe), so the replay "
        "would promote none: give one, e.g. --thresholds '{\"roc_auc\": 0.5}', or leave --thresholds out "
        "(the backtest's default, a bar at chance)\n"
    ), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "image", ["Registry.Example.com/ML/ctloop:0.1.0", "registry.example.com/ml/ctloop@sha256:abc"]
)
def test_an_image_no_kubelet_can_pull_is_said_with_where_it_came_from(
    tmp_path, capsys, monkeypatch, image
):
    """CTLOOP_IMAGE (or platform.image) with upper case in the repository path was refused by the
    compiler as "error: image '...' is not a reference the kubelet can pull", naming no setting,
    and `apply --dry-run` called such a platform.image valid: the reference's source checks
    (ctloop.image.resolve_image) looked for a tag only. Said with the source, as a missing tag is."""
    from ctloop.errors import ConfigError
    from ctloop.image import resolve_image

    monkeypatch.setenv("CTLOOP_IMAGE", image)
    assert main(["compile", "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: CTLOOP_IMAGE {image!r}: ") and "InvalidImageName" in err, err
    assert not (tmp_path / "out").exists()
    monkeypatch.delenv("CTLOOP_IMAGE")
    with pytest.raises(
        ConfigError, match=r"^platform.image in ctloop.yaml '.*': .*InvalidImageName"
    ):
        resolve_image(None, image, purpose="apply")


@pytest.mark.parametrize(
    "monitoring, metric",
    [
        ({"rules": {"realized_drop": 5}}, "roc_auc"),  # 5 meant as 5 points (0.05)
        ({"rules": {"realized_drop": 1}}, "roc_auc"),
        ({"rules": {"realized_drop": 1.5}, "metric": "accuracy"}, "accuracy"),
    ],
)
def test_a_realized_drop_the_metric_can_never_make_is_refused(tmp_path, monitoring, metric):
    """`realized_drop: 5` (five points, written as a percentage) on a classifier's roc_auc, which
    lies in [0, 1]: the rule fires when the realized metric is worse than the champion's by more
    than that (monitoring/rules.py), which it never is, and the spec was valid: the rule was off
    without a word. A realized_floor above the metric's range was refused already."""
    import yaml

    from ctloop.errors import ConfigError
    from ctloop.ops.spec import load_spec

    model = {
        "name": "credit-default",
        "data": {"uri": "gs://b/t.parquet", "target": "y", "time_column": "ts"},
        "gate": {"thresholds": {"roc_auc": 0.7}},
        "monitoring": {"log_root": "gs://b/log", **monitoring},
    }
    spec = {"apiVersion": "ctloop.dev/v1alpha2", "kind": "ContinuousTraining", "models": [model]}
    (tmp_path / "ctloop.yaml").write_text(yaml.safe_dump(spec))
    drop = monitoring["rules"]["realized_drop"]
    with pytest.raises(
        ConfigError,
        match=rf"models\[0\]\.monitoring\.rules\.realized_drop: {metric} lies in "
        rf"\[0, 1\], so it never drops by more than 1: a drop of {drop:g} never "
        r"fires \(a drop of 5 points is 0\.05\)",
    ):
        load_spec(tmp_path / "ctloop.yaml")
    model["monitoring"]["rules"]["realized_drop"] = 0.05
    (tmp_path / "ctloop.yaml").write_text(yaml.safe_dump(spec))
    load_spec(tmp_path / "ctloop.yaml")
    model["training"], model["gate"] = (
        {"task": "regression"},
        {"thresholds": {"rmse": 5}},
    )  # rmse: any drop
    model["monitoring"]["rules"]["realized_drop"] = 5
    model["monitoring"].pop("metric", None)
    (tmp_path / "ctloop.yaml").write_text(yaml.safe_dump(spec))
    load_spec(tmp_path / "ctloop.yaml")


@pytest.mark.parametrize(
    "params, said",
    [
        ({"gate.thresholds": {"rmse": 3}}, "gate.thresholds.rmse: not a classification metric"),
        (
            {"gate.primary_metric": "r2", "training.task": "classification"},
            "gate.primary_metric: 'r2' is not a",
        ),
        (
            {"training.task": "regression", "gate.thresholds": {"roc_auc": 0.7}},
            "gate.thresholds.roc_auc: not a regr",
        ),
        (
            {
                "training_parameters": {
                    "data": {"uri": "gs://b/t.csv", "target": "y", "time_column": "ts"},
                    "gate": {"thresholds": {"mae": 1}},
                }
            },
            "training_parameters.gate.thresholds.mae: not a classification metric",
        ),
    ],
)
def test_a_gate_metric_of_another_task_is_refused_before_the_run_not_by_its_evaluate_step(
    params, said
):
    """`ctloop run --local --param 'gate.thresholds={"rmse": 3}'` (the task left at classification)
    trained a model and logged its MLflow run, and only evaluate_model refused it ("threshold
    metric 'rmse' is not a classification metric", exit 2 after the training); `schedule`, `trigger`
    and the monitoring pipeline's training_parameters took it and failed every run at night.
    ctloop.yaml refused it up front already (spec.py: check_metrics)."""
    from ctloop.errors import ConfigError
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines import all_pipelines

    pipeline = "monitoring" if "training_parameters" in params else "continuous-training"
    values = {
        "model_name": "credit",
        "data.uri": "gs://b/t.csv",
        "data.target": "y",
        "data.time_column": "ts",
        "monitoring.log_root": "gs://b/log",
    }
    values = {
        k: v
        for k, v in values.items()
        if k.partition(".")[0]
        in ("model_name", "data" if pipeline != "monitoring" else "monitoring")
    }
    with pytest.raises(ConfigError, match=re.escape(said)):
        pipeline_arguments(all_pipelines()[pipeline], {**values, **params}, for_kfp=False)


def test_a_count_target_whose_zero_is_written_no_is_three_classes():
    """Round 53's review: 'no', '1', '2' (prior defaults: none, one, two) was refused as a yes/no target
    relabelled, with advice no 3-class target can follow; only numbers that are 0/1 beside yes/no (or
    true/false) are one class written two ways."""
    from ctloop.components.train.core import check_labels

    data = frame()
    check_labels(data["y"].map({0: "no", 1: "1"}).where(data.index % 5 != 0, "2"), "y")
    check_labels(data["y"].map({0: "-1", 1: "1"}).where(data.index % 5 != 0, "no"), "y")


def test_empty_thresholds_of_a_regression_name_a_regression_metric(tmp_path, capsys):
    """Round 53's review: the refusal named {"roc_auc": 0.5} and "leave --thresholds out" for a
    regression, where the first is refused as not a regression metric and the second as missing."""
    data = frame()
    assert (
        _backtest(
            tmp_path,
            data,
            "--task",
            "regression",
            "--estimator",
            "linear_regression",
            "--thresholds",
            "{}",
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "e.g. --thresholds '{\"rmse\": 10}'" in err and "leave --thresholds out" not in err, err


def test_a_library_config_names_every_n_as_compare_does():
    from ctloop.backtest import BacktestConfig

    cfg = BacktestConfig(target="y", time_column="ts", window="1D", policy="every:02")
    cfg.validate()
    assert cfg.policy == "every:2"  # before: every:02 in the report, every:2 in compare()
