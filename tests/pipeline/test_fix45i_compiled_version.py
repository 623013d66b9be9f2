"""Round-45 review of CTLOOP_COMPILED_VERSION (every compiled task stops on an image of another
ctloop version):

* ``ctloop compile --image registry.example.com/ml/ctloop:0.1.1`` (and upload, schedule, apply)
  took an image tagged with another release without a word; every task then stopped on the
  cluster, after its retries, at 2 a.m. The tag names a version: refused at once, exit 2.
* the exit handler record_run_outcome carried the variable too, so on such an image it stopped
  like the tasks whose failure it exists to record: no run_failed, ``ctloop audit`` empty.
* a user's own pipeline of ctloop components, configured with ``apply_platform_settings`` as
  docs/operations.md shows, got no variable although the docs say every compiled task carries it.
* ``python -m ctloop --version`` in such a task pod printed a 9-line traceback (exit 1).
"""

import os
import subprocess
import sys

import pytest
import yaml

from ctloop._version import __version__
from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.image import COMPILED_VERSION_ENV, resolve_image
from tests.helpers import REPO

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

GOLDEN = REPO / "tests" / "golden" / "pipelines"
PIPELINES = ("batch-scoring", "continuous-training", "monitoring", "rollout")
OTHER = (
    "registry.example.com/ml/ctloop:0.1.1"
    if __version__ != "0.1.1"
    else "registry.example.com/ml/ctloop:0.1.2"
)


def _env(executor: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in executor["container"].get("env", [])}


@pytest.mark.parametrize("purpose", ["compile", "upload", "schedule", "apply"])
def test_an_image_tagged_with_another_version_is_refused(purpose, monkeypatch):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    with pytest.raises(ConfigError) as err:
        resolve_image(OTHER, None, purpose=purpose)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(
        f"--image {OTHER!r}: its tag names ctloop {OTHER.rsplit(':', 1)[1]}, but this is "
        f"ctloop {__version__}"
    ), message
    assert (
        f"compile with ctloop {OTHER.rsplit(':', 1)[1]}, or use the image built from ctloop {__version__}"
        in message
    )
    monkeypatch.setenv("CTLOOP_IMAGE", OTHER)
    with pytest.raises(ConfigError, match=r"^CTLOOP_IMAGE '.*': its tag names ctloop"):
        resolve_image(None, None, purpose=purpose)
    monkeypatch.delenv("CTLOOP_IMAGE")
    with pytest.raises(
        ConfigError, match=r"^platform.image in ctloop.yaml '.*': its tag names ctloop"
    ):
        resolve_image(None, OTHER, purpose=purpose)


@pytest.mark.parametrize(
    "image",
    [
        f"registry.example.com/ml/ctloop:{__version__}",
        f"registry.example.com/ml/ctloop:v{__version__}",
        f"registry.example.com/ml/ctloop:{__version__}-gpu",
        "registry.example.com/ml/ctloop:nightly-42",  # no version: nothing can be told
        "registry.example.com/ml/ctloop:3f2a9c1",
        "registry.example.com/ml/ctloop@sha256:" + "a" * 64,  # a digest names no version
        "registry.example.com/ml/ctloop:0.1.1@sha256:" + "a" * 64,
        "localhost:5000/ctloop:build-7",  # the registry's port is no tag
    ],
    ids=["same", "v-same", "same-suffix", "nightly", "commit", "digest", "tag-and-digest", "port"],
)
def test_the_same_version_or_a_tag_that_names_none_is_accepted(image, monkeypatch):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    assert resolve_image(image, None, purpose="apply") == image


def test_ctloop_compile_refuses_it_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    out = tmp_path / "out"
    assert main(["compile", "--image", OTHER, "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(
        f"error: --image {OTHER!r}: its tag names ctloop"
    ), err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_the_exit_handler_runs_unchecked_so_it_records_the_failed_run(pipeline):
    spec = next(yaml.load_all((GOLDEN / f"{pipeline}.yaml").read_text(), Loader=SAFE_LOADER))
    executors = spec["deploymentSpec"]["executors"]
    outcome = [name for name in executors if name.startswith("exec-record-run-outcome")]
    assert outcome, sorted(executors)
    for name, executor in executors.items():
        expected = None if name in outcome else __version__
        assert _env(executor).get(COMPILED_VERSION_ENV) == expected, name


def test_a_users_own_pipeline_with_apply_platform_settings_carries_it(tmp_path):
    """docs/operations.md ("Your own pipeline"): ctloop components + apply_platform_settings."""
    from kfp import compiler, dsl

    from ctloop.components.prepare.component import prepare_data
    from ctloop.components.record.component import record_run_outcome
    from ctloop.ops.settings import apply_platform_settings

    @dsl.pipeline(name="own")
    def own(data: dict):
        outcome = apply_platform_settings(record_run_outcome(model_name="m", pipeline="own"))
        with dsl.ExitHandler(outcome):
            apply_platform_settings(prepare_data(data=data))

    path = tmp_path / "own.yaml"
    compiler.Compiler().compile(own, str(path))
    executors = next(yaml.load_all(path.read_text(), Loader=SAFE_LOADER))["deploymentSpec"]["executors"]
    assert _env(executors["exec-prepare-data"]).get(COMPILED_VERSION_ENV) == __version__
    assert COMPILED_VERSION_ENV not in _env(executors["exec-record-run-outcome"])


def test_the_cli_in_a_task_pod_of_another_version_says_one_line():
    env = {**os.environ, COMPILED_VERSION_ENV: "0.0.1"}
    out = subprocess.run(
        [sys.executable, "-m", "ctloop", "--version"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 2, out
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(
        f"error: {COMPILED_VERSION_ENV}: this task was compiled with ctloop '0.0.1'"
    )
