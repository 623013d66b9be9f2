"""A token of the wrong audience under MULTIUSER_SHARED_READ reached a bare HTTP 400 on upload.

Sent straight to multi-user KFP (no Istio in front: a port-forward, the in-cluster Service), a token is
reviewed for the audience ``pipelines.kubeflow.org`` (kubeflow/pipelines 2.17.0
``backend/src/apiserver/auth/authenticator_token_review.go``); ``kubectl create token`` issues one for the
Kubernetes API server's. With ``MULTIUSER_SHARED_READ`` (2.17.0 ``common/config.go``) ``IsAuthorized``
(``resource/resource_manager.go``) lets every get and list through before it looks for an identity, so
every read of ``ctloop upload`` passed, and the upload server's own check (``server/pipeline_upload_server.go``
``canUploadVersionedPipeline``) turns ``IsAuthorized``'s Unauthenticated into the one answer it has for
any refusal: ``400 {"error_message": "Failed to create a pipeline"}`` (``writeErrorToResponse``). ctloop then
advised ``kubectl -n <profile> create token default-editor``: the same token again. When the token's
``aud`` claim (read without verifying, as its ``exp`` is) lacks ``pipelines.kubeflow.org`` and the host is
not Kubeflow's ingress (``…/pipeline``, where Istio identifies the caller by a header and the audience
does not matter), the line now says so and gives the recipe with ``--audience``; a token of KFP's
audience that is refused keeps the contributor advice.
"""

from __future__ import annotations

import base64
import json

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "rollout.yaml"


def _jwt(aud: list[str]) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    claims = {"aud": aud, "sub": "system:serviceaccount:team-risk:default-editor"}
    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2ln"


# `kubectl create token` without --audience: the API server's default audience
API_AUDIENCE = _jwt(["https://kubernetes.default.svc.cluster.local"])
KFP_AUDIENCE = _jwt(["pipelines.kubeflow.org"])


def test_an_upload_refused_for_the_tokens_audience_gets_the_audience_fix(monkeypatch, tmp_path):
    tokens = {API_AUDIENCE: "kfp-audience", KFP_AUDIENCE: "kfp-deny"}
    with kfp_for_cli(
        monkeypatch, tmp_path, multi_user=True, shared_read=True, tokens=tokens
    ) as kfp:
        platform = Platform(host=kfp.url, token=API_AUDIENCE, namespace="team-risk")
        platform.verify_access()  # the reads pass: MULTIUSER_SHARED_READ
        assert platform.find_pipeline("rollout") is None
        with pytest.raises(PlatformError) as caught:
            platform.ensure_pipeline("rollout", GOLDEN)
        assert kfp.calls[-1].path.endswith("/pipelines/upload") and not kfp.state.pipelines
        line = str(caught.value)
        assert "\n" not in line and "HTTP 400" in line and "Failed to create a pipeline" in line, (
            line
        )
        assert "is for the audience https://kubernetes.default.svc.cluster.local, while" in line, (
            line
        )
        assert (
            "kubectl -n team-risk create token default-editor --audience pipelines.kubeflow.org"
            in line
        ), line
        assert "contributor" not in line, line

        # KFP's audience, refused by the SubjectAccessReview: the same 400, the contributor advice
        platform = Platform(host=kfp.url, token=KFP_AUDIENCE, namespace="team-risk")
        with pytest.raises(PlatformError) as caught:
            platform.ensure_pipeline("rollout", GOLDEN)
        line = str(caught.value)
        assert "HTTP 400" in line and "contributor of profile team-risk" in line, line
        assert "--audience" not in line, line


def test_behind_kubeflows_ingress_the_audience_is_not_blamed():
    """Istio names the caller there (a header), so the 400 is the SubjectAccessReview's: no audience fix."""
    from ctloop.ops.platform import _behind_ingress

    assert _behind_ingress("https://kubeflow.example.com/pipeline/")
    assert _behind_ingress("kubeflow.example.com/pipeline")
    assert not _behind_ingress("http://localhost:8888")
    assert not _behind_ingress("http://ml-pipeline.kubeflow:8888/")
