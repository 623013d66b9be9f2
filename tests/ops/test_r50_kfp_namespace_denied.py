"""Round 50, kfp surface: a 403 of multi-user KFP names the namespace that was refused.

On multi-user KFP the API server authorises each call by a SubjectAccessReview in the namespace asked
for (kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``IsAuthorized``:
``NewPermissionDeniedError`` "User '...' is not authorized with reason: ... (request:
&ResourceAttributes{Namespace:...})", HTTP 403). A token of one profile's ``default-editor`` used with
``--namespace`` of another (or a spec's ``kfp.namespace``) was told to "use an identity with access to
KFP in this namespace ... kubectl -n <profile> create token default-editor; and --namespace <profile>":
the namespace ctloop had asked for was known, and not said. The fix now names it, and the recipe of a
token for it."""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_a_denied_namespace_is_named_with_the_recipe_for_its_token(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True, tokens={"t": "kfp-deny"}) as kfp:
        platform = Platform(host=kfp.url, token="t", namespace="team-risk")
        with pytest.raises(PlatformError) as caught:
            platform.find_experiment("ctloop")
    line = str(caught.value)
    assert "HTTP 403" in line and "Namespace:team-risk" in line, line
    assert "not allowed in namespace 'team-risk'" in line, line
    assert "kubectl -n team-risk create token default-editor" in line, line
    assert "<profile>" not in line.split(" — fix: ", 1)[1], line


def test_an_ingress_denial_names_no_namespace(monkeypatch, tmp_path):
    """Istio's DENY AuthorizationPolicy (``403 RBAC: access denied``, text) refuses every path, not a
    namespace: its fix stays the general one."""
    with kfp_for_cli(
        monkeypatch, tmp_path, multi_user=True, tokens={"t": "ok", "d": "ingress-deny"}
    ) as kfp:
        platform = Platform(host=kfp.url, token="t", namespace="team-risk")
        kfp.tokens["t"] = "ingress-deny"  # after the probe
        with pytest.raises(PlatformError) as caught:
            platform.find_experiment("ctloop")
    line = str(caught.value)
    assert "HTTP 403 (RBAC: access denied)" in line and "namespace 'team-risk'" not in line, line
