"""Round 50, kfp surface: a token that expires in the middle of a command (``ctloop apply``).

A ServiceAccount token (``kubectl create token``, one hour by default) or an OIDC token may expire
between two calls of one command: the ingress accepted it for the uploads, then Istio's
RequestAuthentication answers ``401 Jwt is expired`` (google/jwt_verify_lib ``src/status.cc``; the
double's ``expire_after``). ctloop said "the token is expired or not issued for this cluster" — the
second half wrong for a token KFP had just accepted — and nothing of the half-done command. The line
now says KFP accepted the token for N calls of this command and that running it again with a fresh one
carries on from what is done (what was uploaded is found again, not uploaded twice)."""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


def test_a_401_after_accepted_calls_says_the_token_expired_during_the_command(
    monkeypatch, tmp_path
):
    # the ingress lets the healthz probe and four API calls through with the token, then it is expired
    with kfp_for_cli(
        monkeypatch, tmp_path, tokens={"tok": "ok", "fresh": "ok"}, expire_after=5
    ) as kfp:
        platform = Platform(host=kfp.url, token="tok")
        upload = platform.ensure_pipeline(
            "continuous-training", GOLDEN
        )  # done before the token expired
        with pytest.raises(PlatformError) as caught:
            while True:  # the next calls, until the token's end
                platform.ensure_experiment("ctloop")
        line = str(caught.value)
        assert (
            "rejected the token from --token: HTTP 401 (Jwt is expired), after it accepted it for"
            in line
        ), line
        assert "calls of this command — fix: it expired or was revoked meanwhile" in line, line
        assert "not issued for this cluster" not in line, line
        assert line.endswith("; then run the command again: what it did before stays done"), line

        # again with a fresh token: what was done is found, not done twice
        kfp.expire_after = None
        again = Platform(host=kfp.url, token="fresh").ensure_pipeline("continuous-training", GOLDEN)
        assert (again.pipeline_id, again.version_id) == (upload.pipeline_id, upload.version_id)
        assert len(kfp.state.versions[upload.pipeline_id]) == 1


def test_a_401_on_the_first_call_keeps_its_wording(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"tok": "ok"}, expire_after=1) as kfp:
        platform = Platform(host=kfp.url, token="tok")  # the healthz probe passes
        with pytest.raises(
            PlatformError, match="the token is expired or not issued for this cluster"
        ) as caught:
            platform.find_pipeline("continuous-training")
        assert "accepted it" not in str(caught.value) and "run the command again" not in str(
            caught.value
        )
