"""Every help page renders, and the main commands show examples.

The parser tree is walked from ``ctloop.cli.build_parser()``, so a command added later is
covered without touching this file. ``ctloop rollout --help`` used to crash: argparse expands
``%`` in help strings, and "100 %" in the help of ``rollout promote`` is not a format.
"""

from __future__ import annotations

import argparse

import pytest

from ctloop.cli import build_parser, main

# The commands a user starts from; each shows an "examples:" section.
MAIN_COMMANDS = [
    "doctor",
    "upload",
    "schedule",
    "apply",
    "trigger",
    "runs",
    "rollout",
    "run",
    "compile",
]


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))


PAGES = {" ".join(path) or "ctloop": parser for path, parser in _walk(build_parser())}


def test_the_walk_finds_nested_commands():
    assert {"rollout promote", "labels report", "monitor history", "upload", "doctor"} <= set(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_help_renders(name):
    text = PAGES[name].format_help()  # formats every help string: a stray % raises here
    assert text.startswith("usage: ctloop")


@pytest.mark.parametrize("name", MAIN_COMMANDS)
def test_main_commands_show_examples(name, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*name.split(), "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    examples = out.split("examples:\n", 1)
    assert len(examples) == 2, f"`ctloop {name} --help` has no examples: section"
    lines = [x.strip() for x in examples[1].splitlines() if x.strip()]
    assert lines and all(x.startswith(("ctloop ", "CTLOOP_", "KFP_", "--", "#")) for x in lines), (
        lines
    )
    assert any(x.startswith(f"ctloop {name.split()[0]}") or f" ctloop {name}" in x for x in lines)


def _documented_commands(text: str) -> list[str]:
    """Every ``ctloop ...`` command in the fenced bash blocks of a markdown file."""
    import re

    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip()
            if line.startswith("ctloop "):
                out.extend(part.strip() for part in line.split("&&"))
    return out


@pytest.mark.parametrize("doc", ["README.md", "docs/operations.md"])
def test_documented_cluster_commands_parse(doc):
    """The recipes work as written: every ctloop command in them is accepted by the parser."""
    import shlex

    from tests.helpers import REPO

    commands = _documented_commands((REPO / doc).read_text())
    assert any(c.startswith("ctloop doctor") for c in commands)
    parser = build_parser()
    for command in commands:
        argv = shlex.split(command.split("  #")[0])[1:]
        args = parser.parse_args(argv)  # SystemExit(2) on an unknown flag or a missing value
        assert getattr(args, "handler", None), command


# Pages whose options all say what they do and, when they have one, their default: `--kubeconfig`
# and `--context` of `ctloop rollout` had no help at all, `labels ingest --label-column`, `labels
# report --by/--task` and `trigger --params` none saying what is used when they are left out.
DESCRIBED = ["rollout status", "rollout canary", "rollout promote", "rollout rollback", "labels ingest",
             "labels report", "trigger", "registry status", "registry verify", "audit", "approve", "reject"]


@pytest.mark.parametrize("name", DESCRIBED)
def test_every_option_says_what_it_does_and_its_default(name):
    missing = []
    for action in PAGES[name]._actions:
        if not action.option_strings or action.dest == "help":
            continue
        text = action.help or ""
        has_default = action.default not in (None, False, "", argparse.SUPPRESS) and not action.required
        if not text or (has_default and "default" not in text):
            missing.append(f"{action.option_strings[-1]} (default {action.default!r}): {text!r}")
    assert not missing, f"ctloop {name}: " + "; ".join(missing)


@pytest.mark.parametrize("command", ["registry", "labels", "config", "rollout", "logger", "monitor"])
def test_a_command_without_its_action_shows_its_own_help(command, capsys):
    """`ctloop registry` (no status/repair/verify) printed the top-level list of every command,
    which does not name the actions the user has to choose from."""
    assert main([command]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"usage: ctloop {command} "), out[:200]
    assert "ACTION" in out


def test_no_command_shows_the_top_level_help(capsys):
    assert main([]) == 1
    assert capsys.readouterr().out.startswith("usage: ctloop [-h]")
