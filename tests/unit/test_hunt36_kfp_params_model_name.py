"""``--param model_name=...`` (schedule, trigger, run --local) that MLflow cannot register is refused
before anything is compiled or sent: ``model_name=`` (empty), ``a/b``, a pasted line break.

``ctloop.ops.params`` promises that a scheduled run does not fail at night for a value never set;
``model_name`` went through unchecked (``ctloop schedule --param model_name=`` made a nightly
schedule whose every run failed in its first MLflow call). The rule is the registry's
(``ctloop.registry.check_model_name``: mlflow ``_validate_model_name``), as for ``--model-name``.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

DATA = ["data.uri=gs://bucket/credit.parquet", "data.target=default", "data.time_column=application_date"]


@pytest.mark.parametrize("pipeline", ["continuous-training", "monitoring", "batch-scoring", "rollout"])
@pytest.mark.parametrize("value", ["", "   ", "team/credit", "credit:v2", "credit\ndefault"])
def test_a_model_name_mlflow_cannot_register_is_refused(pipeline, value):
    with pytest.raises(ConfigError) as exc:
        pipeline_arguments(all_pipelines()[pipeline], parse_pairs([f"model_name={value}"]), require=False)
    assert str(exc.value).startswith("model_name: ") and "unknown" not in str(exc.value), exc.value


def test_a_good_model_name_passes():
    args = pipeline_arguments(all_pipelines()["continuous-training"], parse_pairs(["model_name=credit-default", *DATA]))
    assert args["model_name"] == "credit-default"


def test_schedule_refuses_it_before_connecting(capsys):
    code = main(["schedule", "--cron", "0 0 3 * * *", "--host", "http://127.0.0.1:9", "--param", "model_name=",
                 *[x for d in DATA for x in ("--param", d)]])
    err = capsys.readouterr().err
    assert code == 2 and "model_name" in err and "Traceback" not in err, err
