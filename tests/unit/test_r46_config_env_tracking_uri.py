"""``MLFLOW_TRACKING_URI`` (no ``--tracking-uri``) is checked as the flag's value is, and said by its
own name. It was not: ``http://admin:1234/pa@h`` (urlsplit reads host ``admin``, port 1234; meant, a
password ``1234/pa`` on ``h``) was retried for seconds, then "not answering" in three lines; a blank
one was said as ``--tracking-uri ' '``, and a missing sqlite file as ``--tracking-uri '...'``."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    ("uri", "said"),
    [
        (
            "http://admin:1234/Hunter2@mlflow",
            "MLFLOW_TRACKING_URI 'http://***@mlflow' is not a URL",
        ),
        (
            "https://mlflow.example.com:99999",
            "MLFLOW_TRACKING_URI 'https://mlflow.example.com:99999' is not a URL",
        ),
        (" ", "MLFLOW_TRACKING_URI is blank"),
        (
            "sqlite:////r46-config-absent/x.db",
            "MLFLOW_TRACKING_URI 'sqlite:////r46-config-absent/x.db': no MLflow",
        ),
        ("databricks-uc", "MLFLOW_TRACKING_URI 'databricks-uc': a Unity Catalog URI"),
    ],
    ids=["cut-password", "port-range", "blank", "no-sqlite-file", "unity-catalog"],
)
def test_the_variable_is_checked_and_named(monkeypatch, capsys, uri, said):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert main(["registry", "status", "--model-name", "credit"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err and "--tracking-uri" not in err, err
    assert "Hunter2" not in err and "(or MLFLOW_TRACKING_URI)" not in err, err


def test_the_flag_is_still_named_when_given(monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example.com:5000")
    assert (
        main(
            [
                "registry",
                "status",
                "--model-name",
                "credit",
                "--tracking-uri",
                "sqlite:////r46-config-absent/x.db",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(
        "error: --tracking-uri 'sqlite:////r46-config-absent/x.db': no MLflow database"
    ), err
