"""The demo's "where to look" line for MLflow is pasted into a shell: from a workdir whose path
holds a space it was ``mlflow ui --backend-store-uri sqlite:////home/me/ML Platform/...``, two
arguments."""

import shlex

from ctloop.demo import mlflow_ui_command


def test_the_mlflow_ui_hint_is_one_argument_per_value():
    uri = "sqlite:////home/me/ML Platform/ctloop/demo-output/mlflow.db"
    assert shlex.split(mlflow_ui_command(uri)) == ["mlflow", "ui", "--backend-store-uri", uri]
    plain = "sqlite:////srv/ctloop/demo-output/mlflow.db"
    assert mlflow_ui_command(plain) == f"mlflow ui --backend-store-uri {plain}"
