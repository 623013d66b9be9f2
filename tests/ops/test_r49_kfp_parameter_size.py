"""Round 49, kfp surface: run parameters too long for the one argument KFP passes them in are
refused before anything reaches KFP.

kubeflow/pipelines 2.17.0 ``backend/src/v2/compiler/argocompiler/dag.go`` marshals a run's runtime
config with ``stablyMarshalJSON`` (protojson, then Go's ``encoding/json``: ``<``, ``>``, ``&`` become
``\\u003c``...) into the ``runtime-config`` parameter of the root driver, which the
``system-dag-driver`` template passes as a single ``--runtime_config`` argument
(``argocompiler/testdata/hello_world.yaml``). KFP 2.17.0 installs Argo v4.0.5
(``manifests/kustomize/third-party/argo/base/kustomization.yaml``), which moves an argument longer
than 131,072 bytes into a file and passes ``@/tmp/argo_arg_N.txt`` instead (argo-workflows v4.0.5
``workflow/controller/workflowpod.go``, ``cmd/argoexec/commands/emissary.go``); the KFP 2.17.0
driver reads ``@file`` only for ``--component`` (``backend/src/v2/cmd/driver/main.go``), so it
fails with "KFP driver: failed to unmarshal runtime config". One of exactly 131,072 bytes stays an
argument, which Linux refuses (MAX_ARG_STRLEN counts its NUL: "argument list too long").
``ctloop schedule`` took a 70,000-character non-ASCII value (140,000 bytes) and KFP stored the
schedule; every run then failed at its first pod. Now it is one line naming the parameter, exit 2.
The etcd object limit (1.5 MiB, ``check_object_size``) is far above this one."""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line, schedule_argv

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _values(target: str) -> dict:
    return {
        "model_name": "credit",
        "data": {"uri": "gs://b/c.parquet", "target": target, "time_column": "t"},
    }


@pytest.mark.parametrize(
    ("value", "said"),
    [("é" * 70_000, "data.target"), ("<" * 30_000, "data.target"), ("x" * 140_000, "data.target")],
    ids=["two-byte-characters", "html-escaped-by-go", "ascii"],
)
def test_schedule_refuses_parameters_longer_than_one_argument(
    monkeypatch, tmp_path, capsys, value, said
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(
            schedule_argv(
                kfp.url,
                "model_name=credit",
                "data.uri=gs://b/c.parquet",
                f"data.target={value}",
                "data.time_column=t",
            )
        )
        line = one_error_line(capsys)
        assert code == 2
        assert line.startswith(f"error: {said}: the run parameters are "), line[:200]
        assert "at most 131,071 bytes" in line
        assert '"KFP driver: failed to unmarshal runtime config"' in line
        assert len(line) < 600  # the value itself is not echoed
        assert kfp.calls == []


def test_a_value_within_the_limit_is_taken():
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines import all_pipelines

    func = all_pipelines()["continuous-training"]
    assert pipeline_arguments(func, _values("x" * 70_000))["data"]["target"] == "x" * 70_000
    # a local run passes no argument through Argo: not judged
    assert (
        pipeline_arguments(func, _values("é" * 70_000), for_kfp=False)["data"]["target"]
        == "é" * 70_000
    )


@pytest.mark.parametrize(
    ("value", "go"),
    [
        ("<a&b>", '"\\u003ca\\u0026b\\u003e"'),
        ({"b": 1, "a": "é\n"}, '{"a":"é\\n","b":1}'),
        ("\u2028", '"\\u2028"'),
    ],
    ids=["html", "sorted-utf8", "line-separator"],
)
def test_go_json_bytes_counts_as_go_encoding_json_writes(value, go):
    """The expected texts are what Go 1.24's encoding/json.Marshal writes for these values."""
    from ctloop.ops.params import go_json_bytes

    assert go_json_bytes(value) == len(go.encode("utf-8"))
    assert json.loads(go) == value
