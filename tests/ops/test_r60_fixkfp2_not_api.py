"""A 2xx answer that is no JSON to the first call after healthz: "sent without a token" only when nothing was sent
(round 60 review 2: L1).

6564b95f decided it from the credentials ctloop resolved alone (``KfpAuth``). kfp 2.17.0 ``client.py``
``_load_config`` without a host, in a pod, sends the pipelines token itself (``_get_config_with_default_credentials``:
``ServiceAccountTokenVolumeCredentials``, ``/var/run/secrets/kubeflow/pipelines/token`` or
``KF_PIPELINES_SA_TOKEN_PATH``) with ``KfpAuth("")``: the line told to give a token that had been sent. Now the
client's configuration (what kfp put in the request) decides; the kubeconfig's API-server proxy route, whose
credentials are the kubeconfig's (a token, a client certificate, an exec plugin), is left out."""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import PREFIX, KfpApiDouble
from tests.ops.test_r58_kfp_token_without_host import pod_double

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class _PlainOk(KfpApiDouble):
    """A proxy in front of KFP replacing every answer but healthz with ``200 OK`` (text/plain), token or not."""

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _ingress(self, path, query, headers):
                if path != double.path_prefix + PREFIX + "/healthz":
                    self._raw(200, "text/plain", "OK")
                    return True
                return super()._ingress(path, query, headers)

        return Handler


def test_in_a_pod_the_pipelines_token_kfp_sent_is_no_call_without_a_token(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.setattr("tests.doubles.kfp_api.KfpApiDouble", _PlainOk)
    with pod_double(monkeypatch, tmp_path) as double:
        platform = Platform(timeout=5)
        with pytest.raises(PlatformError) as info:
            platform.ensure_experiment("ctloop")
    assert {c.headers.get("authorization") for c in double.calls if "healthz" not in c.path} == {"Bearer s3cr3t-pod"}
    line = str(info.value)
    assert "not the KFP API's JSON" in line, line
    assert "sent without a token" not in line and "run the command again" in line, line


def test_a_host_without_a_token_still_says_so(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    with _PlainOk() as double:
        platform = Platform(host=double.url, timeout=5)
        with pytest.raises(PlatformError) as info:
            platform.ensure_experiment("ctloop")
    assert "sent without a token" in str(info.value), str(info.value)
