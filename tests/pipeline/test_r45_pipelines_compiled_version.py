"""A pipeline compiled with one ctloop version, run on the image of another.

KFP embeds each task's code in the compiled pipeline; ``--image`` (``CTLOOP_IMAGE``,
``platform.image``) may name an image of any ctloop release, and nothing compared the two: the
task code of 0.1.0 ran against the image's ctloop, failing somewhere inside (a missing function, a
changed signature) or, worse, running with other semantics. Now every compiled task carries
``CTLOOP_COMPILED_VERSION`` and a task whose image has another version stops at its first import
of ctloop, before it reads or writes anything.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from ctloop._version import __version__
from ctloop.errors import ConfigError
from ctloop.image import COMPILED_VERSION_ENV, check_compiled_version
from tests.helpers import REPO

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

GOLDEN = REPO / "tests" / "golden" / "pipelines"
PIPELINES = ("batch-scoring", "continuous-training", "monitoring", "rollout")


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_every_compiled_task_carries_the_version_it_was_compiled_with(pipeline):
    spec = next(yaml.load_all((GOLDEN / f"{pipeline}.yaml").read_text(), Loader=SAFE_LOADER))
    executors = spec["deploymentSpec"]["executors"]
    assert executors
    for name, executor in executors.items():
        env = {e["name"]: e["value"] for e in executor["container"].get("env", [])}
        # the exit handler runs unchecked, to record a run whose tasks stopped
        expected = None if name.startswith("exec-record-run-outcome") else __version__
        assert env.get(COMPILED_VERSION_ENV) == expected, name


def _first_import(compiled: str | None) -> subprocess.CompletedProcess:
    """What a task's embedded code does first (``from ctloop.components.record import core``, in
    the record-run-outcome task), in a fresh interpreter with the task's environment."""
    env = {k: v for k, v in os.environ.items() if k != COMPILED_VERSION_ENV}
    if compiled is not None:
        env[COMPILED_VERSION_ENV] = compiled
    return subprocess.run(
        [sys.executable, "-c", "from ctloop.components.record import core"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_task_on_an_image_of_another_version_stops_before_anything():
    out = _first_import("0.0.9")
    assert out.returncode == 2
    (last,) = out.stderr.strip().splitlines()
    assert last.startswith(
        "error: CTLOOP_COMPILED_VERSION: this task was compiled with ctloop "
        "'0.0.9', but its image runs ctloop " + repr(__version__)
    ), last
    assert "nothing done" in last


@pytest.mark.parametrize("compiled", [__version__, None, ""], ids=["same", "unset", "empty"])
def test_the_same_version_or_none_runs(compiled):
    out = _first_import(compiled)
    assert out.returncode == 0, out.stderr


def test_check_compiled_version():
    check_compiled_version({})
    check_compiled_version({COMPILED_VERSION_ENV: f" {__version__} "})
    with pytest.raises(ConfigError, match=r"compiled with ctloop '9\.9\.9'.*nothing done$"):
        check_compiled_version({COMPILED_VERSION_ENV: "9.9.9"})
