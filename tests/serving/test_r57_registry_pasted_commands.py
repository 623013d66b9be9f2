"""Every command a registry or approval message prints with a model name in it pastes into bash and does what it
says (round 57). MLflow refuses only ``/`` and ``:`` in a registered model name (and ``..``-like paths; mlflow 3.17.2
``mlflow/utils/validation.py`` ``_validate_model_name``), so a name may hold a space, quotes, ``$``, ``;``, ``&`` and
start with ``-``. Was: only the missing-version hint quoted the name (round 56); ``registry status``' ``run:`` line,
the lock's ``--break-lock`` hint, ``ctloop reject`` and ``ctloop rollout promote`` in an approval's refusal and the
status note printed ``--model-name {name}`` raw: pasted, bash split the name, expanded ``$HOME`` and ran what followed
``;``. Each printed command is run here through ``bash -c`` with ``ctloop`` a shell function that prints its argv,
then parsed by ctloop's own parser (and, where the command is registry-only, run by ``ctloop.cli.main``). MLflow is
real (copies of the ``registered`` sqlite store); ``ctloop`` in bash is the argv-capturing stand-in, named so."""

from __future__ import annotations

import ast
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from ctloop import approval
from ctloop.cli import build_parser, main
from ctloop.errors import RegistryError, shell_option
from ctloop.registry import (
    CHAMPION,
    LOCK_SUFFIX,
    TAG_LOCK_EXPIRES,
    TAG_LOCK_MODEL,
    TAG_LOCK_OWNER,
    MlflowRegistry,
)
from tests.fixtures.rollout_store import MODEL
from tests.integration.registry_support import copy_store

# a name MLflow registers: a leading '-', quotes, '$', ';', '&' and spaces (check_model_name takes it too)
HOSTILE = '-it\'s "cr" $HOME; echo pwned & x'

# the stand-in: bash's own printf, each argument ended by \x1f (a control character no model name holds)
_ARGV = "ctloop() { local a; for a in \"$@\"; do printf '%s\\037' \"$a\"; done; printf '\\n'; }\n"


def pasted(*commands: str) -> list[list[str]]:
    """The argv each of ``commands`` gives ``ctloop`` when pasted into bash, one ``bash -c`` for all: ``ctloop`` is a
    shell function printing its arguments (the stand-in); anything else a command ran shows as another line."""
    env = {"PATH": os.environ["PATH"], "HOME": "/home-expanded"}
    out = subprocess.run(["bash", "-c", _ARGV + "\n".join(commands)], env=env, capture_output=True, text=True,
                         check=True).stdout.splitlines()  # fmt: skip
    assert len(out) == len(commands), out  # a ';' or '&' ran a second command
    return [line.split("\x1f")[:-1] for line in out]


def commands_in(text: str) -> list[str]:
    """The commands a message shows between backticks."""
    return re.findall(r"`(ctloop [^`]*)`", text)


def parsed(argv: list[str]):
    """``argv`` as ctloop's parser reads it, the placeholders ``--isvc ... --namespace ...`` filled in."""
    filled = [{"--isvc": "credit", "--namespace": "ml"}.get(argv[i - 1], w) if w == "..." else w
              for i, w in enumerate(argv)]  # fmt: skip
    return build_parser(argv[0]).parse_args(filled)


def test_shell_option_round_trips_through_bash_and_argparse():
    names = [HOSTILE, "credit default", "it's", "$HOME", "a;b", "a`id`b", "$(id)", "-x", "--model-name", "-", "*",
             "~root", "!!", "credit-default"]  # fmt: skip
    argvs = pasted(*(f"ctloop registry status {shell_option('--model-name', n)}" for n in names))
    for name, argv in zip(names, argvs, strict=True):
        assert parsed(argv).model_name == name, (name, argv)
    assert (
        shell_option("--model-name", "credit-default") == "--model-name credit-default"
    )  # plain names stay plain


@pytest.fixture(scope="module")
def hostile_template(registered_template, tmp_path_factory):
    """A store directory (as :func:`tests.fixtures.rollout_store.registered_template`) with model ``HOSTILE`` too:
    copies of ``MODEL`` v1, v2 and v2 again (v3), tags and all, made once for this module."""
    root = tmp_path_factory.mktemp("hostile")
    reg = copy_store(registered_template, f"sqlite:///{root / 'mlflow.db'}")
    for version in ("1", "2", "2"):
        reg.client.copy_model_version(f"models:/{MODEL}/{version}", HOSTILE)
    return root


@pytest.fixture
def hostile(hostile_template, tmp_path):
    """``(uri, registry)`` of a copy of :func:`hostile_template` of its own (as ``registered``)."""
    uri = f"sqlite:///{tmp_path / 'store' / 'mlflow.db'}"
    return uri, copy_store(hostile_template, uri)


def test_registry_status_run_line_and_break_lock_hint_paste_and_repair(
    hostile, capsys, monkeypatch
):
    """The ``run:`` line carries the store status read (was: no ``--tracking-uri``: pasted where
    MLFLOW_TRACKING_URI is unset, it read MLflow's default); then a held lock's ``--break-lock`` hint."""
    uri, reg = hostile
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    reg.client.create_registered_model(HOSTILE + LOCK_SUFFIX, tags={
        TAG_LOCK_OWNER: "dead-host:1:x", TAG_LOCK_EXPIRES: past, TAG_LOCK_MODEL: HOSTILE})  # fmt: skip
    assert main(["registry", "status", "--model-name", HOSTILE, "--tracking-uri", uri]) == 1
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  run: ")]
    (argv,) = pasted(line.removeprefix("  run: "))
    assert (parsed(argv).model_name, parsed(argv).tracking_uri) == (HOSTILE, uri)
    # ctloop's configure() set it in this process
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert main(argv) == 0  # what it says, in the store status read: the expired lock is broken
    assert reg.inspect(HOSTILE).consistent

    soon = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    reg.client.create_registered_model(HOSTILE + LOCK_SUFFIX, tags={
        TAG_LOCK_OWNER: "other-host:1:y", TAG_LOCK_EXPIRES: soon, TAG_LOCK_MODEL: HOSTILE})  # fmt: skip
    waiting = MlflowRegistry(uri, lock_timeout_s=0)
    with pytest.raises(RegistryError, match="is held by other-host") as refused:
        waiting.promote(HOSTILE, "2", reason="v2 better")
    (command,) = commands_in(str(refused.value))
    (argv,) = pasted(command)
    args = parsed(argv)
    assert (args.registry_command, args.model_name, args.break_lock) == ("repair", HOSTILE, True)
    assert main([*argv, "--tracking-uri", uri]) == 0  # the lock broken, nothing else to repair
    assert reg.inspect(HOSTILE).lock is None


def test_an_approval_refused_for_a_newer_champion_pastes_reject_and_promote(hostile):
    """v1 pending approval, v3 promoted by hand meanwhile: the refusal names ``ctloop reject`` (run here: v1 is
    rejected) and ``ctloop rollout promote`` (parsed: it needs a cluster); v1 made champion again by hand, the status
    note on v2, passed over, names the latter too."""
    uri, reg = hostile
    approval.request(reg, HOSTILE, "1", reason="gate passed", rollout={"approval": "required"})
    reg.promote(HOSTILE, "3", reason="v3 by hand")
    with pytest.raises(RegistryError, match="registered after it, is champion") as refused:
        approval.decide(reg, HOSTILE, "1", approve=True, by="alice", reason="looks good")
    reject, promote = pasted(*commands_in(str(refused.value)))
    assert (parsed(reject).model_name, parsed(reject).version) == (HOSTILE, "1")
    assert (parsed(promote).model_name, parsed(promote).version) == (HOSTILE, "1")
    assert (
        main([*reject[: reject.index("--reason")], "--reason", "superseded", "--tracking-uri", uri])
        == 0
    )
    assert reg.get_version(HOSTILE, "1").tags[approval.TAG_STATE] == approval.REJECTED
    # a version passed over (v2, when v1 is champion again after v3): the status note's override
    reg.client.set_registered_model_alias(HOSTILE, CHAMPION, "1")
    notes = [c for n in reg.challenger_notes(HOSTILE, reg.aliases(HOSTILE)) for c in commands_in(n)]
    assert notes and all(parsed(a).model_name == HOSTILE for a in pasted(*notes)), notes


_FLAG = re.compile(r"--model-name[ =]$")


def raw_model_names(source: str) -> list[int]:
    """The lines of ``source`` (Python) where a command's ``--model-name`` takes a value other than through
    :func:`shell_option`: an f-string field right after it (also across implicitly joined literals, ``"...
    --model-name " f"{name}"``, which Python joins into one f-string), ``+`` after it, or a ``str.format``/``%``
    template (``--model-name {}``, ``--model-name %s``)."""

    def ends_with_flag(node) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return bool(_FLAG.search(node.value))
        if isinstance(node, ast.JoinedStr) and node.values:
            return ends_with_flag(node.values[-1])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return ends_with_flag(node.right)
        return False

    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            lines |= {node.lineno for a, b in zip(node.values, node.values[1:], strict=False)
                      if ends_with_flag(a) and isinstance(b, ast.FormattedValue)}  # fmt: skip
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add)
            and ends_with_flag(node.left)
        ):
            lines.add(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.search(r"--model-name[ =](\{|%)", node.value):
                lines.add(node.lineno)
    return sorted(lines)


def test_no_message_puts_a_model_name_into_a_command_raw():
    """The sites above and the two a failure mid-promotion prints (completion failed, the champion alias write
    failed), which these tests do not provoke: none writes ``--model-name`` and a value without :func:`shell_option`
    (was: a regex for ``--model-name {`` on one line, blind to ``"--model-name " f"{name}"`` and ``+ name``). The scan
    first shown to find each raw form."""
    from pathlib import Path

    forms = ['f"ctloop audit --model-name {name}"', '"ctloop audit --model-name " f"{name}"',
             '("`ctloop audit "\n "--model-name " f"{name} --version 1`")', '"ctloop audit --model-name " + name',
             'f"ctloop audit --model-name=" + name', '"ctloop audit --model-name {}".format(name)',
             '"ctloop audit --model-name %s" % name']  # fmt: skip
    assert [raw_model_names(f"x = {form}\n") for form in forms] == [[1]] * len(forms)
    assert (
        raw_model_names("x = f\"ctloop audit {shell_option('--model-name', name)} --version 1\"\n")
        == []
    )
    root = Path(__file__).resolve().parents[2]
    raw = [f"{path.relative_to(root)}:{line}" for folder in ("src/ctloop", "components")
           for path in sorted((root / folder).rglob("*.py")) if "--model-name" in (text := path.read_text())
           for line in raw_model_names(text)]  # fmt: skip
    assert raw == [], raw


def test_config_docs_stale_line_pastes_and_writes_the_file(tmp_path, capsys):
    """Not the registry's, the one other printed command with a user's value in it: the path (was: raw)."""
    page = tmp_path / "-my docs $x.md"
    page.write_text("old\n")
    assert main(["config", "docs", "--check", "--output", str(page)]) == 1
    (command,) = commands_in(capsys.readouterr().out)
    (argv,) = pasted(command)
    assert parsed(argv).output == str(page)
    assert main(argv) == 0
    assert main(["config", "docs", "--check", "--output", str(page)]) == 0
