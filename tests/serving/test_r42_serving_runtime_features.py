"""The runtime trusted ``ctloop-model.json``'s ``features`` (the column order of every frame it
builds) without comparing it with the estimator's own ``feature_names_in_`` — the meta is not
covered by the deployment's sha256, so a directory whose meta was edited or copied from another
version started and answered every request with a 500 (scikit-learn's "feature names must be in
the same order as they were in fit"), counted against the revision. The runtime now refuses such
a directory at start-up with one line (exit 2), as it refuses a model it cannot verify: KServe
keeps the previous revision serving. Through the real KServe model server from .venv-serving."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.helpers import REPO
from tests.serving.test_runtime_server import MODEL, SERVING_PYTHON, sha256_of

pytestmark = pytest.mark.slow


def run_to_exit(directory, tmp_path, sha256) -> tuple[int, str]:
    """The runtime of this checkout (PYTHONPATH: its src, whichever checkout .venv-serving was
    installed from), started as KServe starts it; it must stop by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "CTLOOP_MODEL"))}
    env.update(PYTHONPATH=str(REPO / "src"), CTLOOP_MODEL_SHA256=sha256, CTLOOP_MODEL_VERSION="3")
    try:
        out = subprocess.run(
            [
                str(SERVING_PYTHON),
                "-m",
                "ctloop.serving.runtime",
                "--model_name",
                MODEL,
                "--model_dir",
                str(directory),
                "--http_port",
                "0",
                "--grpc_port",
                "0",
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=str(tmp_path),
            timeout=60,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the runtime served the directory instead of refusing it: {exc.stderr}")
    return out.returncode, out.stdout + out.stderr


def test_a_meta_whose_feature_order_is_not_the_models_is_refused_at_start(trained, tmp_path):
    directory, result, _ = trained
    swapped = tmp_path / "swapped"
    shutil.copytree(directory, swapped)
    meta_file = swapped / "ctloop-model.json"
    meta = json.loads(meta_file.read_text())
    fitted = [str(f) for f in result.model.feature_names_in_]
    assert meta["features"] == fitted  # what training writes
    meta["features"] = fitted[::-1]
    meta_file.write_text(json.dumps(meta))
    code, log = run_to_exit(swapped, tmp_path, sha256_of(swapped))
    assert code == 2, log
    assert "disagree with the model's fitted feature_names_in_" in log and "Traceback" not in log, (
        log
    )
    assert str(meta_file) in log
