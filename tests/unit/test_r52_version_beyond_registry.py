"""A version number no MLflow registry can hold (``--version 99999999999999999999``, a paste of
another id) was taken as a version and asked of the registry: MLflow's ``model_versions.version`` is
a SQL ``Integer`` (mlflow 3.17.2 ``store/model_registry/dbmodels/models.py`` ``SqlModelVersion``,
32-bit in PostgreSQL and MySQL), and its sqlite store answers such a number with INTERNAL_ERROR
("Python int too large to convert to SQLite INTEGER": HTTP 500, which MLflow's client retries), so
the user waited for retries and read "cannot read version ... of model" — a registry failure, not
the typo it was. Refused as every other bad version, before any store is opened."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.registry import check_model_version


def test_the_largest_version_a_registry_holds_is_taken():
    assert check_model_version("2147483647") == "2147483647"


@pytest.mark.parametrize("version", ["2147483648", "99999999999999999999"])
def test_a_version_beyond_the_registry_is_one_line_and_touches_no_store(tmp_path, capsys, version):
    with pytest.raises(ConfigError) as refused:
        check_model_version(version)
    assert str(refused.value) == (
        f"model version {version!r}: beyond 2147483647, the largest version an MLflow "
        "registry holds (a 32-bit number): is it another id?"
    )
    store = tmp_path / "mlflow.db"
    with pytest.raises(SystemExit) as exited:  # argparse's type error: exit 2, usage and the line
        main(
            [
                "registry",
                "verify",
                "--model-name",
                "m",
                "--version",
                version,
                "--tracking-uri",
                f"sqlite:///{store}",
            ]
        )
    assert exited.value.code == 2
    assert f"argument --version: {refused.value}" in capsys.readouterr().err
    assert not store.exists()
