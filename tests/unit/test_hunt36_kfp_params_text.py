"""``--param NAME=VALUE`` for a text (``String``) pipeline parameter keeps the text as written.

A value that parses as JSON was re-written by ``json.dumps``: ``experiment=2024.10`` (the monitoring
pipeline's experiment for the runs it starts) became ``"2024.1"``, ``model_name=1e3`` ``"1000.0"``:
runs went to another experiment / model than the one on the command line. kfp 2.17.0 types a
``str`` pipeline input ``STRING`` (``kfp/dsl/types/type_utils.py``) and passes the text unchanged
into the run's ``runtime_config.parameters``.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

DATA = ["data.uri=gs://bucket/credit.csv", "data.target=default", "data.time_column=application_date"]


@pytest.fixture(scope="module")
def pipelines():
    return all_pipelines()


@pytest.mark.parametrize("written", ["2024.10", "1e3", "1E400", "007", "1.50", "-0", "2024"])
def test_a_text_parameter_keeps_the_number_as_written(pipelines, written):
    args = pipeline_arguments(pipelines["monitoring"], parse_pairs(
        ["model_name=credit", f"experiment={written}", f"as_of={written}"]), require=False)
    assert args["experiment"] == written and args["as_of"] == written


def test_a_number_model_name_is_refused_as_written(pipelines):
    """Round 54: a model name is one ctloop.yaml takes (``ctloop.config.model_name``), quoted as written."""
    with pytest.raises(ConfigError, match=r"^model_name: must be a valid Kubernetes .*, got '2\.10'"):
        pipeline_arguments(pipelines["continuous-training"], parse_pairs(["model_name=2.10", *DATA]))


def test_numbers_for_section_fields_stay_numbers(pipelines):
    args = pipeline_arguments(pipelines["continuous-training"], parse_pairs(
        ["model_name=m", "gate.tolerance=0.010", "drift.seed=50", *DATA]))
    assert args["gate"]["tolerance"] == 0.01 and type(args["gate"]["tolerance"]) is float
    assert args["drift"]["seed"] == 50 and type(args["drift"]["seed"]) is int


def test_a_text_section_field_given_in_digits_is_its_text(pipelines):
    """Review D: a target column named 2024 (data.target=2024) was refused 'expected text'."""
    args = pipeline_arguments(pipelines["continuous-training"], parse_pairs(
        ["model_name=m", "data.uri=gs://b/x.csv", "data.target=2024", "data.time_column=07.10"]))
    assert args["data"]["target"] == "2024" and args["data"]["time_column"] == "07.10"
