"""``gate.slice_column`` naming the target was accepted, and the gate's worst-slice check then never
ran: each slice holds one label, so for roc_auc every slice is skipped as "a single class" and for
an amount every slice is one value, too few rows (``components/evaluate/core.py``) — the gate
approved with no slice checked, and no word of it. Refused now where ctloop.yaml and ``--param`` are
validated, in one line naming both fields."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

EXAMPLE = yaml.safe_load((Path(__file__).parents[2] / "examples" / "ctloop.yaml").read_text())


def _spec(**gate) -> dict:
    spec = copy.deepcopy(EXAMPLE)
    spec["models"] = spec["models"][:1]
    spec["models"][0].setdefault("gate", {}).update(gate)
    return spec


def test_the_example_spec_parses():
    parse_spec(_spec(slice_column="region"))


@pytest.mark.parametrize(
    ("column", "said"),
    [("default", "is also data.target"), ("application_date", "is also data.time_column")],
)
def test_a_slice_column_that_is_the_target_or_the_time_is_refused(column, said):
    with pytest.raises(ConfigError) as caught:
        parse_spec(_spec(slice_column=column))
    lines = [line for line in str(caught.value).splitlines() if "slice_column" in line]
    assert len(lines) == 1 and f"models[0].gate.slice_column: {column!r} {said}" in lines[0], str(
        caught.value
    )


def test_run_params_refuse_it_too():
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines import all_pipelines

    pipeline = all_pipelines()["continuous-training"]

    data = {"uri": "gs://b/x.parquet", "target": "default", "time_column": "t"}
    with pytest.raises(ConfigError, match=r"^gate\.slice_column: 'default' is also data\.target"):
        pipeline_arguments(
            pipeline,
            {
                "data": data,
                "gate.slice_column": "default",
                "gate.thresholds": {"roc_auc": 0.7},
                "model_name": "m",
            },
            require=False,
        )
    pipeline_arguments(
        pipeline, {"data": data, "gate.slice_column": "region", "model_name": "m"}, require=False
    )


def test_the_training_parameters_of_a_monitoring_run_refuse_it_too():
    from ctloop.ops.params import TRAINING_PARAMETERS, pipeline_arguments
    from ctloop.pipelines import all_pipelines

    training = {
        "data": {"uri": "gs://b/x.parquet", "target": "y", "time_column": "t"},
        "gate": {"slice_column": "y", "thresholds": {"roc_auc": 0.7}},
        "model_name": "m",
    }
    with pytest.raises(
        ConfigError, match=rf"{TRAINING_PARAMETERS}\.gate\.slice_column: 'y' is also data\.target"
    ):
        pipeline_arguments(
            all_pipelines()["monitoring"], {TRAINING_PARAMETERS: training}, require=False
        )
