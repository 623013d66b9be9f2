"""KFP unreachable with a proxy in the environment did not say that the proxy is not used.

kfp 2.17.0's client connects directly unless given ``proxy=`` (``kfp/client/client.py``; kfp-server-api 2.17.0
``rest.py`` takes a ``ProxyManager`` only for ``configuration.proxy``, urllib3 reads no environment), and
ctloop's own healthz probe does the same (``urllib.request.ProxyHandler({})``). Behind a corporate proxy
(``HTTPS_PROXY`` set, curl and kubectl going through it) ``ctloop`` read "cannot reach KFP at …: Name or
service not known — fix: check --host", and the host was right. The line now says the proxy variable is set
and not used, unless ``NO_PROXY`` exempts the host anyway.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.ops.test_platform import isolate_kfp_env


@pytest.mark.parametrize(
    "host, no_proxy, noted",
    [
        ("https://kfp.invalid:9/pipeline", "", True),
        ("https://kfp.invalid:9/pipeline", "kfp.invalid", False),  # NO_PROXY exempts it: no proxy
        ("https://kfp.invalid:9/pipeline", "127.0.0.1", True),
        # no proxy is the way to these (review of round 52: a stopped port-forward was told to start one)
        ("https://127.0.0.1:9/pipeline", "", False),
        ("http://localhost:9", "", False),
        ("http://[::1]:9", "", False),
        ("http://ml-pipeline:9", "", False),  # in-cluster names
        ("http://ml-pipeline.kubeflow.svc:9", "", False),
        ("http://ml-pipeline.kubeflow.svc.cluster.local:9", "", False),
    ],
)
def test_an_unreachable_host_says_the_environments_proxy_is_not_used(
    monkeypatch, tmp_path, host, no_proxy, noted
):
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with pytest.raises(PlatformError) as caught:
        Platform(host=host, token="t", timeout=5)
    line = str(caught.value)
    assert line.startswith(f"cannot reach KFP at {host}:"), line
    said = "is set, and ctloop, like kfp.Client, connects to KFP directly, not through it"
    assert (said in line) == noted, line
