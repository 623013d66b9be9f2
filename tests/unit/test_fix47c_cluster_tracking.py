"""Fix 47c: the ``tracking_uri`` a scheduled run uses is checked for its shape, not against this
machine's MLflow plugins.

Round 47 checked ``--param tracking_uri`` of ``schedule``/``trigger`` and each model's
``tracking_uri`` of ``apply`` by the rule of ``--tracking-uri``, whose schemes are MLflow's own and
those of the plugins installed where ctloop runs (``argtypes.tracking_schemes``). The steps run in
the component image: ``azureml://...`` (the azureml-mlflow plugin, in the image, not on a laptop)
was refused where it had been scheduled before. Now a blank, a control character, a malformed URL
and a Unity Catalog URI are refused; a scheme MLflow has no store for here is a warning."""

from __future__ import annotations

import pytest

from ctloop.cli.ops import _check_tracking
from ctloop.errors import ConfigError

AZUREML = (
    "azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/0000/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws"
)


def test_a_plugin_scheme_of_the_image_is_taken_with_a_warning(capsys):
    _check_tracking({"tracking_uri": AZUREML}, "models[0].tracking_uri")
    err = capsys.readouterr().err
    assert err.startswith(
        "warning: models[0].tracking_uri: MLflow here has no store for azureml://"
    )
    assert "the pipeline's image must have its plugin" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "uri", ["http://mlflow:5000", "mysql+pymysql://u:p@db/mlflow", "databricks", "/mnt/mlruns"]
)
def test_a_scheme_mlflow_has_here_is_taken_silently(capsys, uri):
    _check_tracking({"tracking_uri": uri})
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("http://mlflow:5000\n", "without blanks or control characters"),
        ("  ", "must name a path or URI"),
        ("http://mlflow:50o0", "is not a URL"),
        ("1nosuch://x", "must start with a scheme such as"),
        ("databricks-uc://profile", "a Unity Catalog URI names a model registry"),
        ("uc:http://u:S3CRET@uc-server", "a Unity Catalog URI names a model registry"),
        ("uc", "a Unity Catalog URI names a model registry"),
    ],
    ids=["newline", "blank", "port", "no-scheme", "databricks-uc", "uc-url", "uc"],
)
def test_what_no_step_could_use_is_still_refused(uri, said):
    with pytest.raises(ConfigError) as err:
        _check_tracking({"tracking_uri": uri})
    assert str(err.value).startswith("--param tracking_uri") and said in str(err.value)
    assert "S3CRET" not in str(err.value)


def test_apply_takes_a_plugin_scheme_and_warns_once(tmp_path, capsys):
    import yaml

    from ctloop.cli import main
    from tests.helpers import REPO

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["models"][1]["tracking_uri"] = AZUREML
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    # no KFP there: the file is valid, and apply goes on to ask KFP (through apply_spec's own check)
    code = main(["apply", "-f", str(path), "--dry-run", "--host", "http://127.0.0.1:9"])
    out, err = capsys.readouterr()
    assert "valid (2 model(s))" in out and "127.0.0.1:9" in err, (code, out, err)
    assert err.count("warning: ") == 1
    assert "models[1].tracking_uri: MLflow here has no store for azureml://" in err
