"""``make compile``/``upload``/``schedule`` choose the image as the CLI does alone (``CTLOOP_IMAGE``
— docs/operations.md exports it before compiling — then ``platform.image``/its default): they
pass ``--image`` only when ``IMAGE`` is given (``make IMAGE=…`` or the environment)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def _dry_run(target: str, *args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("CTLOOP_IMAGE", "IMAGE", "MAKEFLAGS")}
    out = subprocess.run(["make", "-n", "-s", target, *args], cwd=ROOT, env={**clean, **env},
                         capture_output=True, text=True, check=True).stdout
    return next(line for line in out.splitlines() if f"ctloop {target}" in line).rstrip()


@pytest.mark.parametrize("target", ["compile", "upload", "schedule"])
def test_the_cli_chooses_unless_image_is_given(target):
    assert "--image" not in _dry_run(target)  # the CLI's own choice (ctloop.image.resolve_image)
    assert "--image" not in _dry_run(target, CTLOOP_IMAGE="registry.example.com/ml/ctloop:9.9")  # read by the CLI
    assert _dry_run(target, IMAGE="a/b:1").endswith("--image a/b:1")
    assert _dry_run(target, "IMAGE=c/d:2", CTLOOP_IMAGE="e/f:3").endswith("--image c/d:2")


def test_docker_builds_ctloop_image_else_the_release_image():
    clean = {k: v for k, v in os.environ.items() if k not in ("CTLOOP_IMAGE", "IMAGE", "MAKEFLAGS")}
    run = lambda **env: subprocess.run(["make", "-n", "-s", "push"], cwd=ROOT, env={**clean, **env},  # noqa: E731
                                       capture_output=True, text=True, check=True).stdout.strip()
    assert run(CTLOOP_IMAGE="registry.example.com/ml/ctloop:9.9") == "docker push registry.example.com/ml/ctloop:9.9"
    assert run().startswith("docker push ghcr.io/ctloop/ctloop:")


def test_schedule_passes_params_and_pipeline():
    """Before: ``make schedule`` had no way to give the required ``model_name``/``data.*``
    parameters, so every run was refused before KFP was called."""
    line = _dry_run("schedule", "PARAMS=model_name=credit data.uri=gs://b/c.csv", "PIPELINE=monitoring",
                    "IMAGE=a/b:1")
    assert ("--pipeline monitoring --param 'model_name=credit' --param 'data.uri=gs://b/c.csv' "
            "--image a/b:1") in line, line
