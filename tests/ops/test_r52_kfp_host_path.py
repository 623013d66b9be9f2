"""A --host whose path is one step off the KFP API got the general 404 fix, not the URL that works.

The KFP API answers at the root of the API server (``kubectl port-forward svc/ml-pipeline 8888``, the
in-cluster Service) and under ``/pipeline`` behind Kubeflow's ingress (kubeflow/pipelines 2.17.0
``manifests/kustomize/base/installs/multi-user/virtual-service.yaml``); kfp 2.17.0 appends
``/apis/v2beta1/...`` to the host as text. ``/pipeline`` given for a port-forward, left out behind the ingress,
or the API base pasted whole (``…/apis/v2beta1``) was "no KFP API at …: HTTP 404 — fix: --host must be the URL
the KFP API is served at, including any path prefix" with two examples. On that 404 ctloop now asks the
neighbouring URL's healthz once (same scheme and server) and, when KFP answers there, names it in the fix.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _refused(host: str) -> str:
    with pytest.raises(PlatformError) as caught:
        Platform(host=host)
    line = str(caught.value)
    assert "\n" not in line and "HTTP 404" in line, line
    return line


def test_a_404_names_the_neighbouring_url_where_kfp_answers(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble() as direct, KfpApiDouble(path_prefix="/pipeline") as ingress:
        line = _refused(direct.url + "/pipeline")
        assert line.endswith(f"— fix: KFP answers at {direct.url}: give --host {direct.url}"), line
        line = _refused(direct.url + "/apis/v2beta1/")
        assert line.endswith(f"— fix: KFP answers at {direct.url}: give --host {direct.url}"), line
        line = _refused(ingress.root_url)
        assert line.endswith(f"— fix: KFP answers at {ingress.url}: give --host {ingress.url}"), (
            line
        )
        line = _refused(ingress.url + "/apis/v2beta1")
        assert line.endswith(f"— fix: KFP answers at {ingress.url}: give --host {ingress.url}"), (
            line
        )
        assert [c.path for c in ingress.calls[-2:]] == [
            "/pipeline/apis/v2beta1/apis/v2beta1/healthz",
            "/pipeline/apis/v2beta1/healthz",
        ]
        # the host from KF_PIPELINES_ENDPOINT (kfp.Client's own healthz, ctloop's bounded one)
        monkeypatch.setenv("KF_PIPELINES_ENDPOINT", direct.url + "/pipeline")
        line = _refused("")
        assert line.endswith(
            f"— fix: KFP answers at {direct.url}: set KF_PIPELINES_ENDPOINT to {direct.url}, or give "
            f"--host {direct.url}"
        ), line  # the setting it came from (review of round 52)
        line = _refused(direct.url + "/pipeline")  # --host given: the variable is not read
        assert line.endswith(f"— fix: KFP answers at {direct.url}: give --host {direct.url}"), line
        monkeypatch.delenv("KF_PIPELINES_ENDPOINT")
        # nowhere near: the general fix, after one look at the neighbour
        line = _refused(direct.url + "/kfp/api")
        assert "including any path prefix" in line and "KFP answers at" not in line, line
