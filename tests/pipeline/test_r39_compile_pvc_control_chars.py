"""A PVC mount path holding a control character compiled: a NUL (``"a:/x\\0y"`` in ctloop.yaml) can be
no path on Linux — the runtime fails every task's container — and a newline or tab is, nearly
always, a pasted line break (``--mount-pvc`` took ``$'data:/mnt/x\\n'``). Refused now in one line,
as ``--output-dir`` refuses them."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.config import PlatformConfig, pvc_mounts
from ctloop.errors import ConfigError


@pytest.mark.parametrize("mount", ["a:/x\x00y", "a:/x\ny", "a:/mnt/x\n", "a:/x\ty", "a:/x\x7f"])
def test_a_mount_path_with_a_control_character_is_refused(mount):
    problem = pvc_mounts([mount])
    assert problem is not None and "control character" in problem and "\n" not in problem, problem
    with pytest.raises(ConfigError, match="platform.pvc_mounts"):
        PlatformConfig.from_dict({"pvc_mounts": [mount]})


def test_the_cli_says_it_in_one_line_and_writes_nothing(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path), "--mount-pvc", "data:/mnt/x\n"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "control character" in err, err
    assert not list(tmp_path.iterdir())


def test_other_characters_still_compile():
    assert pvc_mounts(["a:/mnt/dätä", "b:/mnt/a b", "c:/mnt/x:y"]) is None
