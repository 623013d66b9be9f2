"""The monitoring pipeline's ``training_parameters`` are checked as the continuous-training run they
start: ``data`` (required by that pipeline) and no unknown key.

``ctloop schedule --pipeline monitoring --param training_parameters='{}'`` (or ``{"dat": ...}``) was
accepted; the schedule ran hourly, and each time a rule fired its ``create run`` was refused by KFP
(2.17.0 ``backend/src/apiserver/template/v2_template.go`` ``validatePipelineJobInputs``: a required
input missing, an input the pipeline does not have), so no retraining ever started. Only the
sections given were parsed.
"""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

DATA = {"uri": "gs://bucket/credit.parquet", "target": "default", "time_column": "application_date"}
BASE = ["model_name=credit-default", "monitoring.log_root=gs://logs/ctloop"]


def _check(training: dict):
    return pipeline_arguments(all_pipelines()["monitoring"],
                              parse_pairs([*BASE, f"training_parameters={json.dumps(training)}"]))


@pytest.mark.parametrize("training, said", [
    ({}, "training_parameters.data: required"),
    ({"dat": DATA}, "training_parameters.dat: not a parameter of continuous-training"),
    ({"data": {"uri": "gs://bucket/credit.parquet"}}, "training_parameters.data.target: required"),
    ({"data": DATA, "gate": "strict"}, "training_parameters.gate: expected a mapping"),
])
def test_training_parameters_a_triggered_run_would_be_refused_with_are_refused(training, said):
    with pytest.raises(ConfigError) as exc:
        _check(training)
    assert said in str(exc.value), exc.value


def test_complete_training_parameters_pass():
    args = _check({"data": DATA, "gate": {"tolerance": 0.01}, "tracking_uri": "http://mlflow:5000"})
    assert args["training_parameters"]["data"] == DATA


def test_the_keys_are_those_of_the_continuous_training_pipeline():
    from ctloop.ops.params import TRAINING_KEYS

    assert TRAINING_KEYS == set(all_pipelines()["continuous-training"].component_spec.inputs)


def test_schedule_says_it_before_connecting(capsys):
    code = main(["schedule", "--pipeline", "monitoring", "--cron", "0 5 * * * *", "--host", "http://127.0.0.1:9",
                 *[x for p in BASE for x in ("--param", p)], "--param", "training_parameters={}"])
    err = capsys.readouterr().err
    assert code == 2 and "training_parameters.data: required" in err and "Traceback" not in err, err
