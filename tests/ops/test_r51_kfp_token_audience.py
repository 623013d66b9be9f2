"""A token of the wrong audience, sent straight to multi-user KFP, was told to be made again the same way.

Without Istio in front (``kubectl port-forward svc/ml-pipeline``, the in-cluster Service) no ``kubeflow-userid``
header arrives, so kubeflow/pipelines 2.17.0 identifies the caller by a TokenReview of the bearer token for the
audience ``pipelines.kubeflow.org`` (``backend/src/apiserver/auth/authenticator_token_review.go``,
``common/const.go`` ``DefaultTokenReviewAudience``). ``kubectl create token default-editor`` issues a token for
the Kubernetes API server's audience, which Kubernetes refuses for that one (``pkg/serviceaccount/jwt.go``:
"token audiences [...] is invalid for the target audiences [...]"): every call but healthz is answered 401,
gRPC ``Unauthenticated``, with that reason in the status message only (the detail says "User identity is
empty in the request header"). ctloop said "the token is expired or not issued for this cluster — create a
fresh one, e.g. kubectl -n <profile> create token default-editor": the same token again. It now says the token
is for another audience and gives the recipe with ``--audience pipelines.kubeflow.org`` (what the PodDefault
``access-ml-pipeline`` projects into pods).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_a_token_of_another_audience_gets_the_audience_fix(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True, tokens={"sa": "kfp-audience"}) as kfp:
        monkeypatch.setenv("KFP_TOKEN", "sa")
        code = main(["runs", "--host", kfp.url, "--namespace", "team-risk"])
        line = one_error_line(capsys)
    assert code == 2, line
    assert "HTTP 401" in line and "audience" in line, line
    assert "--audience pipelines.kubeflow.org" in line, line
    assert "expired or not issued for this cluster" not in line, line
