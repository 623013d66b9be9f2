"""Review D of round 38 on the compile fixes:

* Argo adds ``var-run-argo`` (argoexec, mounted in the main container at /var/run/argo) and
  ``tmp-dir-argo`` to every pod before KFP's patch (argo-workflows v3
  ``workflow/controller/workflowpod.go``); KFP 2.17.0 adds ``custom-ca`` at /kfp/certs when the
  cluster sets a CA bundle (``argocompiler/common.go`` ``ConfigureCustomCABundle``): a claim of
  those names or on those paths was accepted;
* the compiled files were 0600 (``mkstemp``), and a symlinked target was replaced by a file;
* an output directory that cannot be created was a traceback;
* a write failure of one pipeline left the others written: a mixed set."""

from __future__ import annotations

import os
import stat

import pytest

from ctloop.cli import main
from ctloop.compiler import compile_all


@pytest.mark.parametrize("mount", ["var-run-argo:/mnt/x", "data:/var/run/argo", "tmp-dir-argo:/mnt/x",
                                   "custom-ca:/mnt/y", "data:/kfp/certs"])
def test_a_claim_argo_or_the_ca_bundle_already_has_is_refused(tmp_path, mount, capsys):
    assert main(["compile", "--output-dir", str(tmp_path / "o"), "--mount-pvc", mount]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PVC mount" in err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())


def test_compiled_files_are_readable_as_a_plain_write_makes_them(tmp_path):
    old = os.umask(0o022)
    try:
        paths = compile_all(tmp_path / "o")
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths} == {0o644}


def test_a_symlinked_target_is_written_through(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "rollout.yaml").write_text("old\n")
    out = tmp_path / "build"
    out.mkdir()
    (out / "rollout.yaml").symlink_to(elsewhere / "rollout.yaml")
    compile_all(out)
    assert (out / "rollout.yaml").is_symlink()
    assert (elsewhere / "rollout.yaml").read_text().startswith("# PIPELINE DEFINITION")


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs Linux sysfs (no directory can be made there)")
def test_an_output_directory_that_cannot_be_made_is_one_line(capsys):
    assert main(["compile", "--output-dir", "/sys/ctloop-r38-build"]) == 2  # EPERM, root included
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the compiled pipeline" in err


def test_a_failed_write_leaves_the_set_as_it_was(tmp_path, capsys):
    out = tmp_path / "o"
    (out / "rollout.yaml").mkdir(parents=True)  # a directory of that name in the way
    assert main(["compile", "--output-dir", str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["rollout.yaml"]
    assert "cannot write the compiled pipeline" in capsys.readouterr().err


def test_a_symlink_loop_at_a_target_is_one_line(tmp_path, capsys):
    """Review F1: ``Path.resolve`` raises RuntimeError for a loop on Python 3.11 (not OSError): a
    traceback out of ``ctloop compile``; nothing is left behind."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "loopa").symlink_to(out / "loopb")
    (out / "loopb").symlink_to(out / "loopa")
    (out / "monitoring.yaml").symlink_to(out / "loopa")
    assert main(["compile", "--output-dir", str(out)]) == 2
    assert "cannot write the compiled pipeline" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["loopa", "loopb", "monitoring.yaml"]
