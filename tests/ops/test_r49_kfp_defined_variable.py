"""Round 49, kfp surface (review B, item 7): a ``$(NAME)`` of a variable the task's container
defines, in any parameter but tracking_uri, is refused for a run on KFP.

kubeflow/pipelines 2.17.0 ``backend/src/v2/driver`` passes a task's parameters inside its
container's arguments, and the kubelet expands ``$(NAME)`` there from the container's environment
(Kubernetes ``third_party/forked/golang/expansion``). The containers define the settings
ConfigMap's and Secrets' variables and KFP's own ``KFP_POD_NAME``/``KFP_POD_UID``
(``ctloop.ops.settings.task_env_names``): a contract value ``$(AWS_SECRET_ACCESS_KEY)`` was
scheduled, and every task received the secret itself as an allowed value (written into its
profile). Now one line names where and which variable, exit 2, before anything reaches KFP; a
``$(NAME)`` no container defines (left as written by the kubelet) and tracking_uri's
``$(MLFLOW_TRACKING_URI)`` (expanded on purpose) are kept."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import defined_variable, pipeline_arguments
from ctloop.ops.settings import task_env_names
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_trigger_refuses_a_variable_the_task_defines(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        params = [p.replace("=default", "=$(AWS_SECRET_ACCESS_KEY)") for p in TRIGGER_PARAMS]
        code = main(["trigger", "--host", kfp.url, *params])
        line = one_error_line(capsys)
        assert code == 2, line
        assert line.startswith("error: data.target: character 1 starts '$(AWS_SECRET_ACCESS_KEY)'"), line
        assert "the task would receive its value" in line, line
        assert kfp.calls == []


def _values(allowed, tracking_uri=None):
    values = {
        "model_name": "credit",
        "data": {
            "uri": "gs://b/c.parquet",
            "target": "y",
            "time_column": "t",
            "contract": {"columns": {"currency": {"allowed": allowed}}},
        },
    }
    if tracking_uri is not None:
        values["tracking_uri"] = tracking_uri
    return values


def test_a_nested_value_is_named():
    with pytest.raises(ConfigError, match=r"allowed\[1\]: character 4 starts '\$\(KFP_POD_NAME\)'"):
        pipeline_arguments(all_pipelines()["continuous-training"], _values(["EUR", "US-$(KFP_POD_NAME)"]),
                           defined=task_env_names())


@pytest.mark.parametrize("allowed", [["$(CURRENCY)"], ["US$"], ["a$(b"]])
def test_a_variable_no_container_defines_is_kept(allowed):
    args = pipeline_arguments(all_pipelines()["continuous-training"], _values(allowed), defined=task_env_names())
    assert args["data"]["contract"]["columns"]["currency"]["allowed"] == allowed


def test_tracking_uri_keeps_its_variable():
    args = pipeline_arguments(all_pipelines()["continuous-training"],
                              _values(["EUR"], tracking_uri="$(MLFLOW_TRACKING_URI)"), defined=task_env_names())
    assert args["tracking_uri"] == "$(MLFLOW_TRACKING_URI)"
    assert defined_variable({"tracking_uri": "$(MLFLOW_TRACKING_URI)"}, "training_parameters",
                            task_env_names()) == ""


def test_a_local_run_and_unknown_environments_are_not_judged():
    values = _values(["$(KFP_POD_NAME)"])
    assert pipeline_arguments(all_pipelines()["continuous-training"], values, for_kfp=False)
    assert pipeline_arguments(all_pipelines()["continuous-training"], values)  # defined not given
