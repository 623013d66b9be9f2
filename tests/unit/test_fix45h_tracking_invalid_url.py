"""The tracking server preflight's ``InvalidURL`` says what http.client found (Python 3.11
``http/client.py``: ``nonnumeric port`` from ``_get_hostport``, "can't contain control
characters" from ``_validate_path``): ``http://127.0.0.1:1/my mlflow`` from MLFLOW_TRACKING_URI was
"its port is not a number"."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.tracking import preflight


@pytest.mark.parametrize(
    ("uri", "said", "not_said"),
    [
        ("http://127.0.0.1:1/my mlflow", "space or control character", "port"),
        ("http://127.0.0.1:1/ml\tflow", "space or control character", "port"),
        ("http://user:s3cret@127.0.0.1:99x", "port is not a number", "control"),
    ],
    ids=["space-in-path", "tab-in-path", "bad-port"],
)
def test_the_problem_found_is_the_one_said(uri, said, not_said):
    with pytest.raises(ConfigError) as exc:
        preflight(uri, say=lambda line: None)
    line = str(exc.value)
    assert "is not a URL" in line and said in line and not_said not in line.split("(", 1)[1], line
    assert "s3cret" not in line and "\n" not in line, line
