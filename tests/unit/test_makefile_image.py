"""``make compile``/``upload``/``schedule`` take the image the CLI takes: ``CTLOOP_IMAGE`` when set
(docs/operations.md exports it before compiling), else the release's image; ``IMAGE=`` wins."""

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
    return next(line for line in out.splitlines() if "--image" in line)


def test_ctloop_image_reaches_compile_upload_and_schedule():
    for target in ("compile", "upload", "schedule"):
        assert _dry_run(target, CTLOOP_IMAGE="registry.example.com/ml/ctloop:9.9").endswith(
            "--image registry.example.com/ml/ctloop:9.9")


def test_without_it_the_release_image_and_image_wins():
    assert _dry_run("compile").rstrip().split("--image ")[1].startswith("ghcr.io/ctloop/ctloop:")
    assert _dry_run("compile", "IMAGE=a/b:1", CTLOOP_IMAGE="c/d:2").endswith("--image a/b:1")
