"""Round 49, kfp surface: an absolute local path on KFP is taken only on a mounted volume, and
``ctloop apply`` says the file is valid only after every parameter refusal.

``ctloop schedule --param data.uri=/data/credit.parquet`` (or ``data.uri: /data/...`` in
``ctloop.yaml``) was scheduled with no volume mounted: every task runs in its own pod
(kubeflow/pipelines 2.17.0 ``backend/src/v2/driver/k8s.go`` mounts a claim only where
``--mount-pvc``/``platform.pvc_mounts`` put it), where the file does not exist (or an output is
written into the pod and lost with it). Now one line names the key, the value and the mounts, exit 2,
before anything reaches KFP; a path under a mounted volume is taken. The same for a local tracking
store (``sqlite:////data/mlflow.db``).

``ctloop apply`` printed ``ctloop.yaml: valid (2 model(s))`` and then exited 2 on a parameter
refusal: now the parameters are judged before that line (the KFP API is the repo's double)."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.doubles.kfp_cli import (
    kfp_for_cli,
    one_error_line,
    schedule_argv,
    spec_file,
    trigger_argv,
)
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
DATA = ["--param", "data.target=default", "--param", "data.time_column=application_date"]


def _schedule(kfp, uri, *extra):
    return main(
        schedule_argv(kfp.url, "model_name=credit", f"data.uri={uri}", extra=[*DATA, *extra])
    )


@pytest.mark.parametrize(
    "uri", ["/data/credit.parquet", "file:///data/credit.parquet", "/mnt/data/../etc/x.csv"]
)
def test_schedule_refuses_an_absolute_path_on_no_mounted_volume(monkeypatch, tmp_path, capsys, uri):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = _schedule(kfp, uri, "--mount-pvc", "data:/mnt/data")
        line = one_error_line(capsys)
        assert code == 2
        assert (
            f"data.uri: {uri!r} is a local path on no volume the KFP tasks mount (mounted: /mnt/data)"
            in line
        )
        assert "--mount-pvc" in line and kfp.calls == []


def test_schedule_without_mounts_says_none_is_mounted(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert _schedule(kfp, "/data/credit.parquet") == 2
        assert "(none is mounted)" in one_error_line(capsys)
        assert kfp.calls == []


def test_trigger_refuses_it_too(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(
            trigger_argv(kfp.url, "model_name=credit", "data.uri=/data/credit.parquet", extra=DATA)
        )
        assert (
            code == 2
            and "data.uri: '/data/credit.parquet' is a local path on no volume"
            in one_error_line(capsys)
        )
        assert kfp.calls == []


def test_a_path_on_a_mounted_volume_is_taken():
    from ctloop.ops.params import pipeline_arguments
    from ctloop.pipelines import all_pipelines

    values = {
        "model_name": "credit",
        "data": {"uri": "/mnt/data/credit.parquet", "target": "y", "time_column": "t"},
    }
    args = pipeline_arguments(all_pipelines()["continuous-training"], values, mounts=["/mnt/data"])
    assert args["data"]["uri"] == "/mnt/data/credit.parquet"


@pytest.mark.parametrize(
    ("path", "mounts", "expected"),
    [
        ("/mnt/data", ["/mnt/data"], True),
        ("/mnt/data/x/y.csv", ["/srv", "/mnt/data"], True),
        ("/mnt/database/x.csv", ["/mnt/data"], False),
        ("/mnt/data/../x.csv", ["/mnt/data"], False),
        ("/x.csv", ["/"], True),
        ("/x.csv", [], False),
    ],
)
def test_mounted(path, mounts, expected):
    from ctloop.ops.params import mounted

    assert mounted(path, mounts) is expected


def test_schedule_refuses_a_local_tracking_store_on_no_volume(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = _schedule(
            kfp, "gs://b/c.parquet", "--param", "tracking_uri=sqlite:////data/mlflow.db"
        )
        line = one_error_line(capsys)
        assert (
            code == 2
            and "tracking_uri: 'sqlite:////data/mlflow.db' is a local store on no volume" in line
        ), line
        assert kfp.calls == []
    from ctloop.cli.ops import _tracking_scheme

    for uri in (
        "/mnt/ml/mlruns",
        "file:///mnt/ml/mlruns",
        "sqlite:////mnt/ml/mlflow.db",
        "http://mlflow:5000",
    ):
        assert _tracking_scheme({"tracking_uri": uri}, mounts=["/mnt/ml"]) == ""


def test_apply_takes_an_absolute_path_only_under_platform_pvc_mounts():
    """What ``ctloop apply`` judges before it says the file is valid (:func:`plan_schedules`; the
    command itself: the test below), with the pipelines built once for the module."""
    from ctloop.cli.ops import plan_schedules
    from ctloop.errors import ConfigError
    from ctloop.ops.spec import parse_spec
    from ctloop.pipelines import all_pipelines

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["models"][1]["data"]["uri"] = "/data/recoveries.parquet"
    with pytest.raises(ConfigError) as err:
        plan_schedules(parse_spec(data), all_pipelines())
    message = str(err.value)
    assert message.startswith(
        "model loss-given-default: data.uri: '/data/recoveries.parquet' is a local "
        "path on no volume the KFP tasks mount (none is mounted)"
    ), message
    assert "platform.pvc_mounts" in message and "--mount-pvc" not in message
    data.setdefault("platform", {})["pvc_mounts"] = ["recoveries:/data"]
    plans = plan_schedules(parse_spec(data), all_pipelines())
    assert [p[4]["data"]["uri"] for p in plans if p[0].name == "loss-given-default"] == [
        "/data/recoveries.parquet"
    ]


def test_apply_says_valid_only_when_no_parameter_refusal_follows(monkeypatch, tmp_path, capsys):
    def edit(data):
        data["models"][1]["data"]["uri"] = "data/recoveries.parquet"

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["apply", "-f", spec_file(tmp_path, kfp.url, edit), "--dry-run"])
        out, err = capsys.readouterr()
        assert code == 2 and "valid" not in out, (out, err)
        assert "data.uri: 'data/recoveries.parquet' is a relative local path" in err
        assert kfp.calls == []
