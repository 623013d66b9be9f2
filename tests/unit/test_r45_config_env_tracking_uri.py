"""``MLFLOW_TRACKING_URI`` from the environment (no ``--tracking-uri``) whose port is not a number:
``http.client.InvalidURL: nonnumeric port`` was a traceback (exit 1) from the tracking server's
preflight probe — the flag's argparse type checks a given URI, the environment's was never checked.
It is one line naming the variable, exit 2, the password never shown."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    "uri",
    [
        "http://user:s3cret@mlflow.example.com:99x",
        "https://mlflow.example.com:5o00",
    ],
    ids=["bad-port", "letter-o-port"],
)
def test_an_environment_uri_that_is_no_url_is_one_line(uri, monkeypatch, capsys):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert main(["monitor", "history", "--model-name", "credit"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert "MLFLOW_TRACKING_URI" in err and "is not a URL" in err, err
    assert "s3cret" not in err, err
