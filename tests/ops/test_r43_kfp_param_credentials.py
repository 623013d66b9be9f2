"""A URI with credentials is never sent to KFP as a run's or a schedule's parameter.

KFP 2.17.0 stores the parameters of a run and of a recurring run as given (``model/run.go``
``RuntimeConfig.Parameters``, ``model/job.go``) and answers them to everyone who may list the namespace's
runs (``GET /apis/v2beta1/runs``, the UI's run details). ``ctloop trigger --param
tracking_uri=https://alice:s3cret@mlflow.example.com`` (or ``ctloop approve --tracking-uri`` with one, which
becomes the rollout run's ``tracking_uri``) stored the password in KFP. Now each is refused in one line
that names the parameter or flag and shows the URI masked, exit 2, nothing created or recorded.

Through the KFP API double (tests/doubles/kfp_api.py)."""

from __future__ import annotations

import argparse

import pytest

from ctloop.cli import main
from ctloop.cli.approval import _check_run
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines"
SECRET = "s3cret"
URI = f"https://alice:{SECRET}@mlflow.example.com"


def test_trigger_refuses_a_tracking_uri_with_a_password(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        argv = ["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--param", f"tracking_uri={URI}"]
        assert main(argv) == 2
        assert not kfp.state.runs and not [c for c in kfp.calls if c.method == "POST"]
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and SECRET not in err, err
    assert "tracking_uri: 'https://alice:***@mlflow.example.com' carries credentials" in err


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"tracking_uri": URI}, "parameter tracking_uri"),
        # a token as the user name of a data URI, deep in the training parameters
        (
            {"training": {"data": {"uri": f"https://{SECRET}@files.example.com/credit.parquet"}}},
            "parameter training.data.uri",
        ),
        (
            {"rollout": {"uris": ["s3://bucket/a", f"postgresql://ml:{SECRET}@db/mlflow"]}},
            "parameter rollout.uris[1]",
        ),
    ],
    ids=["tracking-uri", "nested-token", "in-a-list"],
)
def test_create_run_refuses_credentials_anywhere_in_its_parameters(
    monkeypatch, tmp_path, params, where
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        with pytest.raises(
            ConfigError, match=rf"^{where.replace('[', '.').replace(']', '.')}: '"
        ) as raised:
            platform.create_run(
                GOLDEN / "continuous-training.yaml",
                experiment="credit-ct",
                params={"model_name": "credit", **params},
                run_name="r",
            )
        assert SECRET not in str(raised.value)
        assert not kfp.state.runs and not kfp.state.experiments


def test_a_schedule_refuses_them_too(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        with pytest.raises(ConfigError, match="parameter tracking_uri: .* carries credentials"):
            platform.reconcile_schedule(
                experiment_id="e",
                job_name="ct-credit",
                pipeline_id="p",
                version_id="v",
                cron="0 0 3 * * *",
                params={"tracking_uri": URI},
            )
        assert not kfp.state.recurring and not [c for c in kfp.calls if c.method != "GET"]


def test_uris_without_credentials_pass(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        Platform(host=kfp.url).create_run(
            GOLDEN / "continuous-training.yaml",
            experiment="credit-ct",
            run_name="r",
            params={
                "model_name": "credit",
                "tracking_uri": "http://mlflow.mlflow.svc:5000",
                "data": "abfss://container@account.dfs.core.windows.net/credit.parquet",
            },
        )
        assert len(kfp.state.runs) == 1


@pytest.mark.parametrize("recorded", [False, True], ids=["new", "recorded"])
def test_approve_refuses_it_before_the_approval_is_recorded(recorded):
    args = argparse.Namespace(tracking_uri=URI, model_name="credit", by="alice")
    with pytest.raises(ConfigError) as raised:
        _check_run(
            args,
            "2",
            "alice",
            "fairness review passed",
            {"inference_service": "credit"},
            recorded=recorded,
        )
    said = str(raised.value)
    assert said.startswith(
        "--tracking-uri: 'https://alice:***@mlflow.example.com' carries credentials"
    )
    assert SECRET not in said
    assert ("v2 is still pending approval" in said) is not recorded
