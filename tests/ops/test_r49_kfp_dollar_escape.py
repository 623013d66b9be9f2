"""Round 49, kfp surface: a parameter value holding ``$$`` is refused for a run on KFP.

kubeflow/pipelines 2.17.0 ``backend/src/v2/driver`` (``container.go``, the launcher command)
passes a task's parameters inside its container's arguments (``--executor_input <json>``), and the
kubelet expands container arguments (Kubernetes ``third_party/forked/golang/expansion``:
``$(VAR)`` from the container's environment, ``$$`` → ``$``). A contract value ``US$$`` was
scheduled and every task received ``US$`` (its check then refused rows the user allowed). Now one
line names where, exit 2, before anything reaches KFP; ``$(VAR)`` (expanded on purpose, e.g.
``$(MLFLOW_TRACKING_URI)``) and a single ``$`` are kept, and a local run (no kubelet) is not judged."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_trigger_refuses_a_doubled_dollar(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        params = [p.replace("=default", "=cost_US$$") for p in TRIGGER_PARAMS]
        code = main(["trigger", "--host", kfp.url, *params])
        line = one_error_line(capsys)
        assert code == 2, line
        assert line.startswith("error: data.target: character 8 starts '$$'"), line
        assert "Kubernetes turns into '$'" in line, line
        assert kfp.calls == []


def _values(allowed):
    return {
        "model_name": "credit",
        "data": {
            "uri": "gs://b/c.parquet",
            "target": "y",
            "time_column": "t",
            "contract": {"columns": {"currency": {"allowed": allowed}}},
        },
    }


def test_a_nested_value_is_named():
    with pytest.raises(
        ConfigError, match=r"data\.contract\.columns\.currency\.allowed\[1\]: character 3 starts"
    ):
        pipeline_arguments(all_pipelines()["continuous-training"], _values(["EUR", "US$$"]))


@pytest.mark.parametrize("allowed", [["US$"], ["$(CURRENCY)"], ["a$b$c"]])
def test_a_single_dollar_and_a_variable_are_kept(allowed):
    args = pipeline_arguments(all_pipelines()["continuous-training"], _values(allowed))
    assert args["data"]["contract"]["columns"]["currency"]["allowed"] == allowed


def test_a_local_run_is_not_judged():
    args = pipeline_arguments(
        all_pipelines()["continuous-training"], _values(["US$$"]), for_kfp=False
    )
    assert args["data"]["contract"]["columns"]["currency"]["allowed"] == ["US$$"]
