"""Fix 48 D: a relative local ``tracking_uri`` (``mlruns``, ``./mlruns``, ``file:mlruns``,
``sqlite:///mlflow.db``) was accepted by ``ctloop schedule``/``trigger``/``apply``: every KFP task
runs in its own pod from the image's working directory (kubeflow/pipelines 2.17.0
``backend/src/v2/driver`` leaves ``workingDir`` to the image), so each would have written its
registry and audit into its own pod and lost them. Now one line naming the key and the value,
exit 2, nothing sent to KFP (the repo's double, tests/doubles/kfp_api.py)."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from tests.doubles.kfp_cli import (
    TRIGGER_PARAMS,
    kfp_for_cli,
    one_error_line,
    schedule_argv,
    spec_file,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


@pytest.mark.parametrize(
    "uri",
    [
        "mlruns",
        "./mlruns",
        "file:mlruns",
        "file:./mlruns",
        "sqlite:///mlflow.db",
        "sqlite:///data/mlflow.db",
    ],
)
@pytest.mark.parametrize("command", ["schedule", "trigger"])
def test_a_relative_tracking_uri_is_refused_before_kfp(monkeypatch, tmp_path, capsys, uri, command):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        when = ["--cron", "0 0 3 * * *"] if command == "schedule" else []
        code = main(
            [command, "--host", kfp.url, *when, *TRIGGER_PARAMS, "--param", f"tracking_uri={uri}"]
        )
        line = one_error_line(capsys)
        assert code == 2
        assert f"tracking_uri: {uri!r}" in line and "relative" in line, line
        assert "pod" in line and "http" in line, line
        assert kfp.calls == []


@pytest.mark.parametrize(
    "uri",
    [
        "/mnt/mlruns",
        "file:///mnt/mlruns",
        "sqlite:////mnt/mlflow.db",
        "http://mlflow.kubeflow:5000",
        "databricks",
        "postgresql://u@db/mlflow",
        "",
    ],
)
def test_tracking_uris_a_pod_can_reach_are_taken(uri):
    from ctloop.cli.ops import _tracking_scheme

    assert _tracking_scheme({"tracking_uri": uri}) == ""


def test_the_continuous_training_uri_a_monitoring_rule_starts_is_checked_too(
    monkeypatch, tmp_path, capsys
):
    training = (
        '{"tracking_uri": "mlruns", "data": {"uri": "gs://b/c.parquet", "target": "y", '
        '"time_column": "t"}}'
    )
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(schedule_argv(kfp.url, "model_name=credit", "monitoring.log_root=gs://b/log",
                                  f"training_parameters={training}", pipeline="monitoring"))
        line = one_error_line(capsys)
        assert code == 2
        assert "training_parameters.tracking_uri: 'mlruns'" in line, line
        assert kfp.calls == []


def test_apply_refuses_a_relative_tracking_uri_naming_the_model(monkeypatch, tmp_path, capsys):
    def edit(data):
        data["models"][0]["tracking_uri"] = "sqlite:///mlflow.db"

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["apply", "-f", spec_file(tmp_path, kfp.url, edit)])
        line = one_error_line(capsys)
        assert code == 2
        assert "models[0].tracking_uri: 'sqlite:///mlflow.db'" in line, line
        assert kfp.calls == []


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("file://./mlruns", "a file URI with a host part ('.'"),
        ("file://mlruns/x", "a file URI with a host part ('mlruns'"),
        ("file://./mlruns-$(X)", "a file URI with a host part ('.'"),
        ("sqlite:///mlflow-$(POD_NAME).db", "a database file at a relative local path"),
        ("mlruns-$(X)", "a relative local path"),
    ],
)
def test_a_file_uri_with_a_host_or_a_fixed_relative_part_is_refused_review_2d(uri, said):
    """Review 2D of fix48d: MLflow 3.17.2's local_file_uri_to_path opens file://./mlruns as /mlruns
    (the pod's own disk); a $(VAR) later in a relative path does not make it absolute (review M2)."""
    from ctloop.cli.ops import _pod_store

    assert said in _pod_store(uri)


@pytest.mark.parametrize(
    "uri",
    ["file://localhost/mnt/mlruns", "file:///mnt/mlruns", "$(MLFLOW_TRACKING_URI)", "sqlite:///$(DB)", "file://$(H)/x"],
)
def test_localhost_file_uris_and_kubernetes_variables_are_left_alone(uri):
    from ctloop.cli.ops import _pod_store

    assert _pod_store(uri) == ""


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("${MLFLOW_TRACKING_URI}", "'${MLFLOW_TRACKING_URI}'"),
        ("http://${MLFLOW_HOST}:5000", "'http://${MLFLOW_HOST}:5000'"),
        ("postgresql://ml:hunter2@db:5432/${DB_NAME}", "'postgresql://db:5432/${DB_NAME}' (its credentials not shown)"),
    ],
)
def test_a_shell_variable_is_refused_in_one_line_without_credentials_review_m2(uri, shown):
    """``${VAR}`` reaches the task as written (nothing expands it); the refusal names it as such, not
    as a store of the pod, and never prints a password (reviews 2D and M2 of round 48)."""
    from ctloop.cli.ops import _tracking_scheme

    with pytest.raises(ConfigError) as refused:
        _tracking_scheme({"tracking_uri": uri})
    message = str(refused.value)
    assert f"{shown} names a shell variable nothing expands" in message and "\n" not in message
    assert "hunter2" not in message and "its own pod" not in message
