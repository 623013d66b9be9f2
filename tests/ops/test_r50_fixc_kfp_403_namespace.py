"""Review 50 C: a 403 of the KFP API server itself (gRPC code 7 PermissionDenied; kubeflow/pipelines
2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``IsAuthorized`` writes the request's
``&ResourceAttributes{Namespace:...,Verb:...}``) named the Platform's namespace, not the one KFP refused
(a call given another namespace): the namespace is now read from KFP's message.

The KFP API is the module's double (tests/doubles/kfp_api.py)."""

from __future__ import annotations

import json

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import KfpAuth, Platform, explain_status
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


# util.NewUnauthenticatedError wrapped by the server's "Failed to authorize with API" (2.17.0), as
# grpc-gateway writes a google.rpc.Status
def test_kfps_403_names_the_namespace_kfp_refused(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True, tokens={"t": "kfp-deny"}) as kfp:
        platform = Platform(host=kfp.url, token="t", namespace="team-risk")
        with pytest.raises(PlatformError) as caught:
            platform.find_experiment("ctloop", "team-fraud")
    line = str(caught.value)
    assert "Namespace:team-fraud" in line and "not allowed in namespace 'team-fraud'" in line, line
    assert "kubectl -n team-fraud create token default-editor" in line, line
    assert "team-risk" not in line, line


def _denied(namespace_in_message):
    body = json.dumps(
        {
            "code": 7,
            "message": "Failed to authorize with API: PermissionDenied: User 'u' is not authorized with reason:  "
            f"(request: &ResourceAttributes{{{namespace_in_message}Verb:list,Group:pipelines.kubeflow.org,"
            "Version:v1beta1,Resource:pipelines}): Unauthorized access",
        }
    )
    return explain_status(
        403, body, {}, url="http://kfp", auth=KfpAuth("--token", token="t"), namespace="team-risk"
    )


def test_kfps_403_of_no_namespace_keeps_the_general_wording():
    """Namespace: empty (a cluster-wide resource, e.g. shared pipelines) names none; a message without
    the attributes falls back to the namespace ctloop asked for."""
    general = _denied("Namespace:,")
    assert (
        "not allowed in namespace" not in general and "not allowed: use an identity" in general
    ), general
    assert "not allowed in namespace 'team-risk'" in _denied(""), _denied("")
