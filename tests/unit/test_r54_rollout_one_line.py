"""``ctloop rollout`` and ``ctloop audit`` refused bad input with argparse's usage block (five to
seven lines) above the line naming the option and value, where the values their handlers refuse
(a ConfigError, a ServingError) are one line (``ctloop.cli.main``). Now every such refusal is the
one line, exit 2: a value an option's type refuses, a missing option, an unknown action, an
argument no action knows (it was refused by the top-level parser, under its own usage)."""

from __future__ import annotations

import pytest

from tests.helpers import run_main

K8S = ["--isvc", "credit", "--namespace", "ml"]


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["rollout", "canary", *K8S, "--percent", "150"],
            "ctloop rollout canary: error: argument --percent: must be a whole number in 0..100, got '150'",
        ),
        (
            ["rollout", "canary", *K8S],
            "ctloop rollout canary: error: the following arguments are required: --percent",
        ),
        (
            ["rollout", "status", "--isvc", "Credit_X", "--namespace", "ml"],
            "ctloop rollout status: error: argument --isvc: must be a Kubernetes name",
        ),
        (
            ["rollout", "promote", *K8S, "--version", "abc"],
            "ctloop rollout promote: error: argument --version: model version 'abc'",
        ),
        (
            ["rollout", "bogus"],
            "ctloop rollout: error: argument ACTION: invalid choice: 'bogus'",
        ),
        (
            ["rollout", "canary", *K8S, "--percent", "5", "--force", "--bogus", "x"],
            "ctloop rollout canary: error: unrecognized arguments: --bogus x",
        ),
        (
            ["rollout", "--bogus", "status", *K8S],
            "ctloop rollout: error: unrecognized arguments: --bogus",
        ),
        (
            ["audit", "--model-name", "m", "--limit", "0"],
            "ctloop audit: error: argument --limit: must be a whole number >= 1, got '0'",
        ),
        (
            ["rollout", "canary", *K8S, "--percent", "1\x1b[2J"],
            "ctloop rollout canary: error: argument --percent: must be a whole number in 0..100, got '1\\x1b[2J'",
        ),
    ],
)
def test_bad_input_is_one_line(argv, line, capsys):
    code, out, err = run_main(argv, capsys, 10)
    assert code == 2 and out == "", (code, out)
    assert err.count("\n") == 1 and err.startswith(line), err  # was: "usage: ..." lines first


def test_help_still_shows_the_usage(capsys):
    code, out, _ = run_main(["rollout", "canary", "--help"], capsys, 10)
    assert code == 0 and out.startswith("usage: ctloop rollout canary "), out[:200]
