"""Fix 47c2: a typo of a tracking scheme MLflow has is refused; another scheme warns once.

Fix 47c took any tracking_uri scheme MLflow has no store for here with a warning (the component
image may have the plugin: ``azureml://``), so ``htps://``, ``htttp://``, ``sqllite:///`` and
``postgres://`` (SQLAlchemy's old name, dropped in 1.4; mlflow 3.17 registers its database stores
for ``store/db/db_types.py`` DATABASE_ENGINES, ``postgresql`` among them, not ``postgres``) were
scheduled, and every run failed at its first MLflow step. ``apply`` warned once per model (two
near-identical lines for two models) and listed Unity Catalog among the stores, which it refuses."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.cli.ops import _check_tracking
from ctloop.errors import ConfigError
from tests.helpers import REPO


@pytest.mark.parametrize(
    ("uri", "meant"),
    [
        ("postgres://u:S3CRET@db/mlflow", "postgresql"),
        ("postgres+psycopg2://u:S3CRET@db/mlflow", "postgresql"),
        ("htps://mlflow.example.com", "https"),
        ("htttp://mlflow:5000", "http"),
        ("sqllite:///mlflow.db", "sqlite"),
        ("HTPS://mlflow.example.com", "https"),
        ("databrick://profile", "databricks"),
    ],
    ids=["postgres", "postgres+driver", "htps", "htttp", "sqllite", "upper-case", "databrick"],
)
def test_a_typo_of_a_known_scheme_is_refused_with_what_was_meant(uri, meant):
    with pytest.raises(ConfigError) as err:
        _check_tracking({"tracking_uri": uri})
    message = str(err.value)
    assert message.startswith("--param tracking_uri: MLflow has no store for ")
    assert (
        f"did you mean {meant}://?" in message and "S3CRET" not in message and "\n" not in message
    )


@pytest.mark.parametrize(
    "uri", ["azureml://eastus.api.azureml.ms/mlflow/v1.0/x", "ftp://host/x", "mlflowx://x"]
)
def test_another_scheme_is_a_warning_without_unity_catalog(capsys, uri):
    _check_tracking({"tracking_uri": uri})
    err = capsys.readouterr().err
    assert err.startswith("warning: --param tracking_uri: MLflow here has no store for ")
    assert len(err.splitlines()) == 1
    stores = err.split("(it has ", 1)[1].split(")", 1)[0].split(", ")
    assert "https" in stores and "databricks-uc" not in stores and "uc" not in stores


def _spec(tmp_path, uris: list[str]):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    for model, uri in zip(data["models"], uris, strict=True):
        model["tracking_uri"] = uri
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_trigger_refuses_a_typo_before_any_call(capsys):
    code = main(
        [
            "trigger",
            "--host",
            "http://127.0.0.1:9",
            "--param",
            "data.uri=gs://b/x.parquet",
            "--param",
            "model_name=m",
            "--param",
            "data.target=y",
            "--param",
            "data.time_column=t",
            "--param",
            "tracking_uri=sqllite:///mlflow.db",
        ]
    )
    err = capsys.readouterr().err
    assert (
        code == 2
        and err.startswith("error: --param tracking_uri: ")
        and "did you mean sqlite://" in err
    )
    assert "cannot reach" not in err and len(err.splitlines()) == 1


def test_apply_refuses_a_models_typo(tmp_path, capsys):
    code = main(
        [
            "apply",
            "-f",
            _spec(tmp_path, ["http://mlflow:5000", "postgres://u:S3CRET@db/m"]),
            "--dry-run",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and "valid" not in out and "S3CRET" not in err
    assert (
        "models[1].tracking_uri: MLflow has no store for postgres:// — did you mean postgresql://?"
        in err
    )


def test_apply_warns_once_a_scheme(tmp_path, capsys):
    path = _spec(
        tmp_path, ["azureml://eastus.api.azureml.ms/a", "azureml://eastus.api.azureml.ms/b"]
    )
    main(["apply", "-f", path, "--dry-run", "--host", "http://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert "valid (2 model(s))" in out, (out, err)
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, warnings
    assert (
        warnings[0].startswith("warning: ")
        and "models[0].tracking_uri (and 1 more): " in warnings[0]
    )
