"""Round 48, kfp surface: a relative local path in a run or schedule on KFP is refused.

``ctloop schedule --param data.uri=data/credit.parquet`` (or ``data.uri: data/credit.parquet`` in
``ctloop.yaml``) was valid — it is, for ``ctloop run --local`` — and was scheduled. On KFP every task
runs in its own pod from the image's working directory (kubeflow/pipelines 2.17.0
``backend/src/v2/driver``: the container's ``workingDir`` is left to the image), where the path
names nothing: the nightly run failed reading it, and a relative ``scoring.output`` would have
been written into the pod and lost with it. Now it is one line naming the key and the value, exit
2, before anything reaches KFP; an absolute path (a mounted volume), ``file:///...`` and object
stores are taken, and a local run keeps relative paths."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.cli.ops import apply_spec
from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.ops.platform import Platform
from ctloop.ops.spec import parse_spec
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line, schedule_argv
from tests.helpers import REPO

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]
DATA = ["--param", "data.target=default", "--param", "data.time_column=application_date"]


@pytest.mark.parametrize(
    "uri", ["data/credit.parquet", "./credit.csv", "credit.parquet", "../inputs/x.parquet"]
)
def test_schedule_refuses_a_relative_data_uri_before_kfp(monkeypatch, tmp_path, capsys, uri):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(schedule_argv(kfp.url, "model_name=credit", f"data.uri={uri}", extra=DATA))
        line = one_error_line(capsys)
        assert code == 2
        assert f"data.uri: {uri!r} is a relative local path" in line, line
        assert "--mount-pvc" in line and "gs://" in line
        assert kfp.calls == []


@pytest.mark.parametrize(
    "uri",
    [
        "/mnt/data/credit.parquet",
        "file:///mnt/data/credit.parquet",
        "gs://b/c.parquet",
        "s3://b/c.parquet",
        "az://c/x.parquet",
    ],
)
def test_absolute_and_object_store_locations_are_taken(uri):
    func = all_pipelines()["continuous-training"]
    args = pipeline_arguments(
        func, {"model_name": "credit", "data": {"uri": uri, "target": "y", "time_column": "t"}}
    )
    assert args["data"]["uri"] == uri


def test_a_local_run_keeps_relative_paths():
    func = all_pipelines()["continuous-training"]
    values = {
        "model_name": "credit",
        "data": {"uri": "data/credit.parquet", "target": "y", "time_column": "t"},
    }
    assert pipeline_arguments(func, values, for_kfp=False)["data"]["uri"] == "data/credit.parquet"


def test_every_location_field_and_the_runs_monitoring_starts():
    funcs = all_pipelines()
    with pytest.raises(ConfigError) as err:
        pipeline_arguments(
            funcs["batch-scoring"],
            {
                "model_name": "credit",
                "scoring": {"data": "gs://b/in/", "output": "scores/", "log_root": "log"},
            },
        )
    assert "scoring.output: 'scores/' is a relative local path" in str(err.value)
    assert "scoring.log_root: 'log' is a relative local path" in str(err.value)
    assert "scoring.data" not in str(err.value)
    with pytest.raises(
        ConfigError, match=r"training_parameters.data.uri: 'x.csv' is a relative local path"
    ):
        pipeline_arguments(
            funcs["monitoring"],
            {
                "model_name": "credit",
                "monitoring": {"log_root": "gs://b/log"},
                "training_parameters": {
                    "data": {"uri": "x.csv", "target": "y", "time_column": "t"}
                },
            },
        )


def test_apply_refuses_it_before_any_upload(monkeypatch, tmp_path):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["models"][0]["data"]["uri"] = "data/credit.parquet"
    spec = parse_spec(data)
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        with pytest.raises(
            ConfigError, match=r"data.uri: 'data/credit.parquet' is a relative local path"
        ):
            apply_spec(
                spec,
                platform_factory=lambda _: Platform(host=kfp.url),
                image=None,
                dry_run=False,
                out=lambda *_: None,
            )
        assert kfp.writes() == []
