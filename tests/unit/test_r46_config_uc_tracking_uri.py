"""A Unity Catalog URI (``databricks-uc``, ``databricks-uc://profile``, ``uc:http://...``) given as the
tracking URI (``--tracking-uri``, a model's ``tracking_uri``, ``MLFLOW_TRACKING_URI``) passed ctloop's
checks and came out of every command as a traceback: mlflow 3.17 takes it as a registry URI only
(``tracking/_tracking_service/utils.py`` ``_get_databricks_uc_rest_store``: "Setting the tracking URI
to a Unity Catalog backend is not supported"), and ctloop's registry is its tracking server's — whose
promotion lock ``<name>.ctloop-promotion-lock`` no three-level UC name could be anyway. Refused now
in one line, before MLflow is asked, saying what to give instead."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.tracking import configure


@pytest.fixture
def databricks_env(monkeypatch, tmp_path):
    # a host nothing answers: the refusal comes before any request
    monkeypatch.setenv("DATABRICKS_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test-only")
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.mark.parametrize(
    "uri", ["databricks-uc", "databricks-uc://team", "uc:http://127.0.0.1:9", "UC:http://h"]
)
def test_a_unity_catalog_tracking_uri_is_refused_in_one_line(databricks_env, uri):
    with pytest.raises(ConfigError) as caught:
        configure(uri)
    said = str(caught.value)
    assert "\n" not in said and "Unity Catalog" in said and "databricks://<profile>" in said, said


def test_the_cli_says_it_with_exit_2(databricks_env, capsys):
    assert (
        main(
            [
                "registry",
                "status",
                "--model-name",
                "main.ml.credit",
                "--tracking-uri",
                "databricks-uc",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "Unity Catalog URI" in err, err


def test_a_local_directory_named_uc_is_still_a_file_store(tmp_path, monkeypatch):
    from ctloop.tracking import check_unity_catalog_uri

    monkeypatch.chdir(tmp_path)
    # the bare uc is Unity Catalog to mlflow 3.17 (tracking/registry.py), not a path
    with pytest.raises(ConfigError):
        check_unity_catalog_uri("uc")
    check_unity_catalog_uri("./uc")  # a path, as MLflow reads it
