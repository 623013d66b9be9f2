"""What ctloop tells people to type keeps the KFP token out of ``ps``.

The fix line of a 401 (and of a multi-user upload refusal) and ``upload --help`` suggested
``--token "$(kubectl ... create token ...)"``: the token then sits in the command line, which every
user of the machine reads in ``ps`` / ``/proc/<pid>/cmdline``. They now suggest ``KFP_TOKEN`` (or
``--token-file``), which ctloop already reads (``ctloop.ops.platform.resolve_auth``).
"""

from __future__ import annotations

import pytest

from ctloop.cli import build_parser, main
from ctloop.cli.ops import UPLOAD_EXAMPLES
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_the_401_fix_puts_the_token_in_the_environment(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"good": "ok"}) as double:
        assert main(["runs", "--experiment", "", "--host", double.url]) == 2
    line = one_error_line(capsys)
    assert 'export KFP_TOKEN="$(kubectl' in line and '--token "$(' not in line, line


def test_the_examples_keep_the_token_off_the_command_line():
    assert '--token "$(' not in UPLOAD_EXAMPLES and 'KFP_TOKEN="$(kubectl' in UPLOAD_EXAMPLES


@pytest.mark.parametrize("command", ["upload", "schedule", "apply", "trigger", "runs", "doctor", "approve"])
def test_every_kfp_command_takes_a_token_file(command):
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    flags = {flag for action in sub._actions for flag in action.option_strings}
    assert {"--token", "--token-file", "--host", "--timeout"} <= flags, command
    token = next(a for a in sub._actions if "--token" in a.option_strings)
    assert "ps" in token.help and "KFP_TOKEN" in token.help, token.help
