"""Round 46 review F: ``gate.slice_column`` naming the target was refused for every gate, but the
worst-slice check runs on it wherever the primary metric is defined on one class or one value: with
accuracy, recall, f1 or log_loss each slice compares the models on one class (its recall, its log
loss), and with rmse or mae on each target value (``components/evaluate/core.py`` skips a one-class
slice only for roc_auc). Refused now only where it can never run: roc_auc (the classification
default), undefined on one class, and r2, undefined on one target value."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

EXAMPLE = yaml.safe_load((Path(__file__).parents[2] / "examples" / "ctloop.yaml").read_text())


def _spec(task: str = "classification", **gate) -> dict:
    spec = copy.deepcopy(EXAMPLE)
    spec["models"] = spec["models"][:1]
    model = spec["models"][0]
    model.setdefault("training", {})["task"] = task
    model["gate"] = {**model.get("gate", {}), "thresholds": {}, **gate}
    model["gate"]["thresholds"] = {
        gate.get("primary_metric") or ("roc_auc" if task == "classification" else "rmse"): 0.1
    }
    model.pop("monitoring", None)
    return spec


@pytest.mark.parametrize(
    ("task", "metric"),
    [
        ("classification", "accuracy"),
        ("classification", "log_loss"),
        ("classification", "recall"),
        ("regression", "rmse"),
        ("regression", "mae"),
    ],
)
def test_slicing_by_the_target_is_taken_where_the_check_runs(task, metric):
    target = EXAMPLE["models"][0]["data"]["target"]
    parse_spec(_spec(task, slice_column=target, primary_metric=metric))


@pytest.mark.parametrize(
    ("task", "metric", "said"),
    [
        ("classification", "", "roc_auc"),
        ("classification", "roc_auc", "roc_auc"),
        ("regression", "r2", "r2"),
    ],
    ids=["default", "roc_auc", "r2"],
)
def test_it_is_refused_where_the_check_never_runs(task, metric, said):
    target = EXAMPLE["models"][0]["data"]["target"]
    with pytest.raises(ConfigError) as caught:
        parse_spec(_spec(task, slice_column=target, primary_metric=metric))
    lines = [line for line in str(caught.value).splitlines() if "slice_column" in line]
    assert (
        len(lines) == 1
        and f"{target!r} is also data.target" in lines[0]
        and f"{said} is undefined" in lines[0]
    ), str(caught.value)


def test_run_params_take_the_task_and_metric_given():
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines import all_pipelines

    pipeline = all_pipelines()["continuous-training"]
    data = {"uri": "gs://b/x.parquet", "target": "default", "time_column": "t"}
    pipeline_arguments(
        pipeline,
        {
            "data": data,
            "gate.slice_column": "default",
            "gate.primary_metric": "accuracy",
            "gate.thresholds": {"accuracy": 0.7},
            "model_name": "m",
        },
        require=False,
    )
    with pytest.raises(
        ConfigError, match=r"^gate\.slice_column: 'default' is also data\.target .*r2 is undefined"
    ):
        pipeline_arguments(
            pipeline,
            {
                "data": data,
                "training.task": "regression",
                "gate.slice_column": "default",
                "gate.primary_metric": "r2",
                "gate.thresholds": {"r2": 0.1},
                "model_name": "m",
            },
            require=False,
        )


def test_the_gate_does_compare_per_class_slices_with_accuracy():
    # the behaviour the config check now allows: each class's slice is compared, the worst one decides
    from sklearn.dummy import DummyClassifier

    from ctloop.components.evaluate.core import gate

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=400), "y": (rng.random(400) < 0.3).astype(int)})
    champion = DummyClassifier(strategy="constant", constant=1).fit(frame[["x"]], frame["y"])
    challenger = DummyClassifier(strategy="constant", constant=0).fit(frame[["x"]], frame["y"])
    decision = gate(
        challenger,
        frame,
        target="y",
        task="classification",
        champion=champion,
        primary_metric="accuracy",
        slice_column="y",
    )
    assert [s.get("skipped") for s in decision.slices] == [None, None]
    assert any(c["check"] == "worst_slice" and c["slice"] == "y=1" for c in decision.checks), (
        decision.checks
    )
