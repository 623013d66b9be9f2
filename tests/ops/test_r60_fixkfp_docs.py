"""docs/operations.md shows the lines the commands print now (round 60 review: M3): regenerated from the same
doubles, not written by hand. Before, it showed kfp's ``WARNING:root:Failed to get GCP access token`` (dropped since
round 60), IAM's refusal without its answer (``(HTTP 403 PERMISSION_DENIED, IAM_PERMISSION_DENIED)``), and not the
lines for a proxy's 5xx and a 2xx that is no JSON. Since review 2 (L6) also IAM's 429 and 404, the metadata server's
503, no Application Default Credentials, and KFP not in the install namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops import test_r59_kfp_review3 as review3
from tests.ops import test_r59_kfp_routes as routes
from tests.ops import test_r60_fixkfp_google_answers as google_answers
from tests.ops import test_r60_fixkfp_logs as google_logs
from tests.ops import test_r60_kfp_answers_sweep as sweep
from tests.ops import test_r60_kfp_root_warnings as root_warnings
from tests.ops.test_r60_kfp_google_structured import DENIED, _iam

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
env = sweep.env  # the fixture
kfp_env = review3.kfp_env  # the fixture


def _shown(line: str) -> str:
    return re.sub(r"http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", line)


def test_kfps_root_warning_is_no_longer_shown():
    assert "WARNING:root:" not in DOCS  # what the CLI printed before ctloop's line


@pytest.mark.parametrize("answer", ["503-envoy", "502-nginx-html", "200-not-json"])
def test_the_answers_sweeps_lines_are_shown(env, capsys, answer):
    line = _shown(sweep._line(env, capsys, "schedule", answer, 4).splitlines()[-1])
    assert line in DOCS, line


def test_iams_refusal_is_shown_with_its_answer(kfp_env, monkeypatch):
    with _iam(403, DENIED) as server:
        monkeypatch.setattr("google.auth.iam._IAM_SIGN_ENDPOINT",
                            f"{server.root_url}/v1/projects/-/serviceAccounts/{{}}:signBlob")
        review3._gce_credentials(monkeypatch)
        monkeypatch.setenv(review3.IAP_ENV, "cid.apps.googleusercontent.com")
        with KfpApiDouble(tokens={"ok": "ok"}) as double:
            with pytest.raises((PlatformError, ConfigError)) as info:
                Platform(host=double.url, timeout=5)
    assert f"error: {info.value}" in DOCS, str(info.value)


# round 60 review 2 (L6): the other lines of the Google and install-namespace sections, regenerated too

@pytest.mark.parametrize("status,body", [
    (429, google_answers._error(429, "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED")),
    (404, google_answers._error(404, "NOT_FOUND")),
], ids=["429", "404"])
def test_iams_other_answers_are_shown(kfp_env, monkeypatch, status, body):
    exc = google_answers._platform_error(monkeypatch, status, body)
    assert f"error: {exc}" in DOCS, str(exc)


def test_the_metadata_servers_503_is_shown(kfp_env, monkeypatch):
    import google.auth
    from google.auth import compute_engine

    from tests.fixtures.servers import InThreadServer

    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", lambda _: None)
    with InThreadServer(google_logs._Unavailable) as metadata:
        monkeypatch.setattr("google.auth.compute_engine._metadata._GCE_METADATA_HOST",
                            metadata.root_url.split("://", 1)[1])
        creds = compute_engine.Credentials()
        monkeypatch.setattr(google.auth, "default", lambda *a, **k: (creds, "p"))
        with KfpApiDouble(path_prefix="/kfp.googleusercontent.com", tokens={"t": "alice"}) as double:
            with pytest.raises(PlatformError) as info:
                Platform(host=double.url, timeout=5).verify_access()
    line = _shown(f"error: {info.value}")
    assert line in DOCS, line


def test_no_adc_on_the_googleusercontent_route_is_shown(tmp_path):
    import subprocess
    import sys

    with KfpApiDouble(path_prefix="/kfp.googleusercontent.com", tokens={"t": "alice"}) as double:
        done = subprocess.run([sys.executable, "-m", "ctloop", "runs", "--host", double.url, "--experiment", "",
                               "--timeout", "5"], capture_output=True, text=True, env=root_warnings._env(tmp_path),
                              timeout=120)
    line = _shown(done.stderr.strip()).replace(str(tmp_path), "/tmp/r60")
    assert line.startswith("error: ") and "no-such-adc.json" in line and line in DOCS, line


def test_kfp_not_in_the_install_namespace_is_shown(kfp_env, monkeypatch, capsys):
    from ctloop.cli import main

    with KfpApiDouble(path_prefix=routes.PROXY.format("kfp-system")) as double:
        config = routes._kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
    line = _shown(capsys.readouterr().err.strip())
    assert "$ ctloop runs --experiment ''\n" + line + "\n" in DOCS, line
