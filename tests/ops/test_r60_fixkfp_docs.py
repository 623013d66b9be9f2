"""docs/operations.md shows the lines the commands print now (round 60 review: M3): regenerated from the same
doubles, not written by hand. Before, it showed kfp's ``WARNING:root:Failed to get GCP access token`` (dropped since
round 60), IAM's refusal without its answer (``(HTTP 403 PERMISSION_DENIED, IAM_PERMISSION_DENIED)``), and not the
lines for a proxy's 5xx and a 2xx that is no JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops import test_r59_kfp_review3 as review3
from tests.ops import test_r60_kfp_answers_sweep as sweep
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
