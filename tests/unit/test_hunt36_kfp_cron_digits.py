"""A cron field written with non-ASCII digits is refused in one line.

Python's ``str.isdigit`` is true for ``²`` and ``٣``: ``int('²')`` then raised ``ValueError`` (a
traceback from ``ctloop schedule``), and ``int('٣')`` read 3, a schedule the server refuses:
robfig/cron (v1, what kubeflow/pipelines 2.17.0 ``backend/src/apiserver/server/job_server.go``
validates with ``cron.Parse``) reads numbers with Go's ``strconv.Atoi``, ASCII digits only.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron


@pytest.mark.parametrize("expr", ["0 ² * * * *", "0 0 ٣ * * *", "0 0 3 * * 1-٥", "0 */² * * * *",
                                  "0 0 3 １ * *", "0 0 3 * * MON-FRI/²"])
def test_non_ascii_digits_are_a_config_error(expr):
    with pytest.raises(ConfigError, match="cron"):
        validate_cron(expr)


def test_the_cli_says_it_in_one_line(capsys):
    assert main(["schedule", "--cron", "0 ² * * * *", "--host", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "cron" in err, err
