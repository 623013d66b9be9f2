"""Round 49, kfp surface: a parameter that is not UTF-8 text is refused before anything is sent.

A byte of another encoding on the command line (``--param data.target=caf$'\\xe9'`` in a UTF-8
locale: Python reads it as U+DCE9) or a ``"\\ud800"`` escape in ``ctloop.yaml`` is a lone UTF-16
surrogate. The kfp client sends it as a ``\\udce9`` escape, and KFP 2.17's API server refuses it
(google.golang.org/protobuf ``internal/encoding/json/decode_string.go``: a surrogate not followed
by its pair is "invalid escape code"), HTTP 400 after ``ctloop schedule`` had uploaded the
pipeline. Now one line names the parameter and the byte, exit 2, and KFP is not called."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line, schedule_argv

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_schedule_refuses_a_byte_that_is_not_utf8(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(
            schedule_argv(
                kfp.url,
                "model_name=credit",
                "data.uri=gs://b/c.parquet",
                "data.target=caf\udce9",
                "data.time_column=t",
            )
        )
        line = one_error_line(capsys)
        assert code == 2
        assert line.startswith("error: data.target: character 4 is the byte 0xE9, not UTF-8"), line
        assert kfp.calls == []


def test_a_lone_surrogate_in_a_nested_value_is_named():
    values = {
        "model_name": "credit",
        "data": {
            "uri": "gs://b/c.parquet",
            "target": "y",
            "time_column": "t",
            "contract": {"columns": {"city": {"allowed": ["Z\u00fcrich", "x\ud800"]}}},
        },
    }
    with pytest.raises(
        ConfigError,
        match=r"contract\.columns\.city\.allowed\[1\]: character 2 is a lone surrogate U\+D800",
    ):
        pipeline_arguments(all_pipelines()["continuous-training"], values)
    values["data"]["contract"]["columns"]["city"]["allowed"] = [
        "Z\u00fcrich"
    ]  # non-ASCII UTF-8 is text
    assert pipeline_arguments(all_pipelines()["continuous-training"], values)["data"]["contract"]
