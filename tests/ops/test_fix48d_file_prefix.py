"""Fix 48 D: ``file:data/x.parquet``, ``file:./x`` and ``scoring.output=file:out/`` passed the r48
refusal of relative local paths on KFP: any ``file:`` prefix was taken for a file URI, yet
``storage.parse`` (RFC 8089: only ``file:/...`` is one) reads them as the relative paths they are,
which name nothing in a KFP task's pod. Now the parsed location decides: scheme file and a key not
starting with '/' is refused, one line, exit 2, nothing sent (the KFP API is the repo's double,
tests/doubles/kfp_api.py, as in test_r48_kfp_relative_uri.py)."""

from __future__ import annotations

import re

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line, schedule_argv

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
DATA = {"target": "y", "time_column": "t"}


@pytest.mark.parametrize(
    "uri", ["file:data/x.parquet", "file:./x.csv", "FILE:x.parquet", "file:../up/x.csv"]
)
def test_a_file_prefix_on_a_relative_path_is_refused(uri):
    with pytest.raises(ConfigError, match=re.escape(f"data.uri: {uri!r} is a relative local path")):
        pipeline_arguments(
            all_pipelines()["continuous-training"],
            {"model_name": "credit", "data": {"uri": uri, **DATA}},
        )


@pytest.mark.parametrize(
    "uri", ["file:/mnt/x.parquet", "file:///mnt/x.parquet", "file://localhost/mnt/x.parquet"]
)
def test_absolute_file_uris_are_taken(uri):
    args = pipeline_arguments(
        all_pipelines()["continuous-training"],
        {"model_name": "credit", "data": {"uri": uri, **DATA}},
    )
    assert args["data"]["uri"] == uri


def test_schedule_refuses_a_relative_file_uri_output(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(
            schedule_argv(
                kfp.url,
                "model_name=credit",
                "scoring.data=gs://b/in/",
                "scoring.output=file:out/",
                pipeline="batch-scoring",
            )
        )
        line = one_error_line(capsys)
        assert code == 2
        assert "scoring.output: 'file:out/' is a relative local path" in line, line
        assert kfp.calls == []
