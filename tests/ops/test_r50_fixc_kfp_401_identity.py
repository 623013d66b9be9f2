"""Review 50 C: KFP's own 401 after calls that needed no identity.

On multi-user KFP the API server authorises each call (kubeflow/pipelines 2.17.0
``backend/src/apiserver/resource/resource_manager.go`` ``IsAuthorized``, ``server`` ``isAuthorized``); a
request whose user identity it cannot resolve is refused ``Unauthenticated`` (gRPC code 16, HTTP 401,
"Failed to check authorization. User identity is empty in the request header"), but with ``MULTIUSER_SHARED_READ`` a get or list
passes before the identity is looked at. So reads that passed say nothing about the token, and ctloop
said "after it accepted it for N calls of this command" counting them. It now counts only the writes
(not GET) KFP accepted before; the ingress' text 401 (Istio's ``Jwt is expired``) keeps counting every
call (tests/ops/test_r50_kfp_token_expires_midway.py).

The KFP API is the module's double (tests/doubles/kfp_api.py), a subclass here for the identity."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble, status_body
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

# 2.17.0 resource_manager.go IsAuthorized with neither a kubeflow-userid header nor a token: both
# authenticators answer auth/auth.go IdentityHeaderMissingError (k8s.io/apimachinery's aggregate of two equal
# errors is that one error), in util.NewUnauthenticatedError wrapped by the server's "Failed to authorize with
# API", as grpc-gateway writes a google.rpc.Status (tests/doubles/kfp_api.py status_body)
NO_IDENTITY = json.dumps(
    status_body(
        16,
        "Failed to authorize with API: Unauthenticated: Failed to check authorization. User identity is empty in "
        "the request header: Unauthenticated: Request header error: there is no user identity header.: Request "
        "header error: there is no user identity header.",
        "Failed to check authorization. User identity is empty in the request header",
    )
)


class SharedReadKfp(KfpApiDouble):
    """Multi-user KFP with MULTIUSER_SHARED_READ: while ``identity`` is False, a get or list (GET)
    passes unauthenticated and any other call is refused with KFP's own 401."""

    identity = True

    def dispatch(self, method, path, query, body):
        if not self.identity and method != "GET":
            return 401, {"raw": ("application/json", NO_IDENTITY, [])}
        return super().dispatch(method, path, query, body)


def _refused(platform, *names):
    with pytest.raises(PlatformError) as caught:
        for name in names:
            platform.ensure_experiment(name)
    return str(caught.value)


def test_kfps_401_after_reads_only_does_not_say_it_accepted_the_token(monkeypatch, tmp_path):
    with kfp_for_cli(
        monkeypatch, tmp_path, SharedReadKfp, multi_user=True, tokens={"t": "ok"}
    ) as kfp:
        kfp.identity = False
        platform = Platform(host=kfp.url, token="t", namespace="team-risk")
        for _ in range(3):  # reads pass without an identity
            assert platform.find_experiment("ctloop") == ""
        line = _refused(platform, "ctloop")
    assert "HTTP 401 (Failed to check authorization. User identity is empty in the request header)" in line, line
    assert "accepted it" not in line and "run the command again" not in line, line


def test_kfps_401_counts_the_writes_it_accepted_before(monkeypatch, tmp_path):
    with kfp_for_cli(
        monkeypatch, tmp_path, SharedReadKfp, multi_user=True, tokens={"t": "ok"}
    ) as kfp:
        platform = Platform(host=kfp.url, token="t", namespace="team-risk")
        platform.ensure_experiment("first")  # a list (GET), then the create (POST)
        kfp.identity = False
        line = _refused(platform, "second", "third")  # its list passes; its create is refused
    assert ", after it accepted it for 1 call of this command — fix:" in line, line
    assert line.endswith("; then run the command again: what it did before stays done"), line
