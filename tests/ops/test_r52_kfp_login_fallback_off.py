"""oauth2-proxy's bare 403 for a token it cannot verify was read as "authenticated, but not allowed".

Behind oauth2-proxy with ``skip_jwt_bearer_tokens`` (kubeflow/manifests ``common/oauth2-proxy``), the option
``bearer_token_login_fallback`` (oauth2-proxy v7.9.0+, ``pkg/apis/options/options.go``; default true, which
kubeflow/manifests keeps) set to false makes ``pkg/middleware/jwt_session.go`` ``loadSession`` (v7.15.3) answer a
bearer token that no longer verifies (expired, revoked, another issuer) with ``http.Error(rw, "Forbidden",
403)``: ``text/plain``, the body ``Forbidden``, no login page (the double's ``login_fallback=False``). ctloop
took that 403 for KFP's authorization ("authenticated, but not allowed: use an identity with access to KFP in
this namespace"), after calls that token had just made, too. The line now says the proxy could not verify the
token: expired after N accepted calls, or not valid here, with the fix for that.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_oauth2_proxys_forbidden_says_the_token_did_not_verify(monkeypatch, tmp_path):
    with kfp_for_cli(
        monkeypatch,
        tmp_path,
        tokens={"tok": "ok"},
        expire_after=3,
        expired_by="oauth2-proxy",
        login_fallback=False,
    ) as kfp:
        platform = Platform(host=kfp.url, token="tok")
        platform.find_pipeline("continuous-training")  # accepted
        with pytest.raises(PlatformError) as caught:
            for _ in range(5):  # the double refuses the 4th call (expire_after=3): bounded, never a hang
                platform.ensure_experiment("ctloop")
            pytest.fail("five calls accepted after the session expired after 3")
        answer = kfp.calls[-1]
        assert answer.headers["authorization"] == "Bearer tok"
        line = str(caught.value)
        assert "\n" not in line and "HTTP 403 (Forbidden)" in line, line
        assert "authenticated, but not allowed" not in line, line
        assert (
            "after it accepted the token from --token for" in line and "session expired" in line
        ), line
        assert "bearer_token_login_fallback" in line, line
        assert line.endswith("; then run the command again: what it did before stays done"), line

        # refused on the first call: not verified at all, no "accepted" to tell of
        kfp.accepted, kfp.expire_after = 0, 1
        platform = Platform(host=kfp.url, token="tok")  # the healthz probe passes
        with pytest.raises(PlatformError) as caught:
            platform.find_pipeline("continuous-training")
        line = str(caught.value)
        assert "HTTP 403 (Forbidden)" in line and "accepted" not in line, line
        assert "authenticated, but not allowed" not in line, line
        assert "could not verify the token from --token" in line, line
        # "tok" is no JWT: oauth2-proxy refuses every such bearer token (jwt_session.go findTokenFromHeader)
        assert "the token is not a JWT, the only bearer token oauth2-proxy takes" in line, line
        assert "kubectl -n <profile> create token default-editor" in line, line


def test_a_jwt_refused_so_is_told_to_be_made_again_and_an_ingress_denial_is_not():
    from ctloop.ops.platform import KfpAuth, explain_status

    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"  # {"alg": "RS256"}.{"sub": "u"}.sig, no exp
    plain = {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}
    line = explain_status(
        403, b"Forbidden\n", plain, url="https://kfp", auth=KfpAuth("--token", token=jwt)
    )
    assert "could not verify the token from --token" in line, line
    assert (
        "fix: the token is expired, revoked, or not issued for this cluster; create a fresh one"
        in line
    )
    # Istio's DENY policy (text/plain too) and a 403 without a token keep their own wording
    line = explain_status(
        403, b"RBAC: access denied", plain, url="https://kfp", auth=KfpAuth("--token", token=jwt)
    )
    assert "could not verify" not in line and "RBAC: access denied" in line, line
    line = explain_status(403, b"Forbidden\n", plain, url="https://kfp", auth=KfpAuth(""))
    assert "could not verify" not in line, line
