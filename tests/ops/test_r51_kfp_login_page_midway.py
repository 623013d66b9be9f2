"""A login page in the middle of a command said "no usable token was sent" of a token KFP had just taken.

Behind oauth2-proxy (kubeflow/manifests ``common/oauth2-proxy``, ``skip_jwt_bearer_tokens``) a bearer JWT
is verified by the proxy: oauth2-proxy v7 ``pkg/middleware/jwt_session.go`` ``loadSession`` logs a token
that no longer verifies and carries on without a session, so once the token expires the next call is
answered as one without a token: a redirect to Dex's login page (``skip_provider_button``) or the HTML
sign-in page with 403 (the double's ``expired_by="oauth2-proxy"``). ctloop said the token "was not
accepted" / "no usable token was sent" although it had been accepted for the calls before; the line now
says it was accepted for N calls of this command, then a login page came: the session (the token) expired,
and running the command again with a fresh one carries on from what is done.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


@pytest.mark.parametrize("page", ["302", "403"])
def test_a_login_page_after_accepted_calls_says_the_session_expired(monkeypatch, tmp_path, page):
    with kfp_for_cli(
        monkeypatch,
        tmp_path,
        tokens={"tok": "ok"},
        expire_after=3,
        expired_by="oauth2-proxy",
        unauthenticated=page,
    ) as kfp:
        platform = Platform(host=kfp.url, token="tok")
        platform.find_pipeline("continuous-training")  # accepted
        with pytest.raises(PlatformError) as caught:
            while True:
                platform.ensure_experiment("ctloop")
    line = str(caught.value)
    assert "\n" not in line, line
    assert "no usable token was sent" not in line and "was not accepted" not in line, line
    assert "after it accepted the token from --token for" in line, line
    assert "calls of this command" in line and "session expired" in line, line
    assert line.endswith("; then run the command again: what it did before stays done"), line


def test_a_login_page_on_the_first_call_keeps_its_wording(monkeypatch, tmp_path):
    with kfp_for_cli(
        monkeypatch,
        tmp_path,
        tokens={"tok": "ok"},
        expire_after=1,
        expired_by="oauth2-proxy",
        unauthenticated="403",
    ) as kfp:
        platform = Platform(host=kfp.url, token="tok")  # the healthz probe passes
        with pytest.raises(PlatformError, match="no usable token was sent") as caught:
            platform.find_pipeline("continuous-training")
    assert "accepted" not in str(caught.value), caught.value
