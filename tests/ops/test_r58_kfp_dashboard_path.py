"""A --host one path step off the KFP API on Kubeflow's ingress was not pointed at the right URL.

On Kubeflow every path outside ``/pipeline`` reaches the central dashboard (kubeflow/manifests: its
VirtualService matches ``prefix: /``; kubeflow/dashboard ``components/centraldashboard/app/server.ts``:
``app.get('/*', ...)`` sends ``index.html``, HTTP 200), so ``--host https://kubeflow.example.com`` (the prefix
left out) or the dashboard's own URL of KFP, ``https://kubeflow.example.com/_/pipeline`` (its iframe route),
is answered ``200`` with the dashboard's page, never the 404 on which ctloop looked one path step away
(``_kfp_nearby``). The line said only "answered with an HTML page ('Kubeflow Central Dashboard'), not the KFP
API — fix: give --host the URL the KFP API is served at, e.g. https://kubeflow.example.com/pipeline ...",
which for ``/_/pipeline`` reads as the URL already given. Now a page that is not the API is followed by the
same one look one step away, and ``/_/pipeline`` is looked for at ``/pipeline``.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env


@pytest.fixture
def kubeflow(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble(
        path_prefix="/pipeline", tokens={"ok": "ok"}, central_dashboard=True
    ) as double:
        yield double


@pytest.mark.parametrize("given", ["", "/", "/_/pipeline", "/_/pipeline/"])
@pytest.mark.parametrize("via", ["host", "KF_PIPELINES_ENDPOINT"])
def test_the_dashboards_page_leads_to_where_kfp_answers(kubeflow, monkeypatch, given, via):
    host = kubeflow.root_url + given
    if via == "host":
        kwargs = {"host": host}
    else:
        monkeypatch.setenv("KF_PIPELINES_ENDPOINT", host)
        kwargs = {}
    with pytest.raises(PlatformError) as caught:
        Platform(token="ok", timeout=5, **kwargs)
    line = str(caught.value)
    shown = host.rstrip("/")
    there = kubeflow.url
    assert line.startswith(
        f"no KFP API at {shown}: it answered with an HTML page ('Kubeflow Central Dashboard')"
    ), line
    fix = (
        f"set KF_PIPELINES_ENDPOINT to {there}, or give --host {there}"
        if via != "host"
        else f"give --host {there}"
    )
    assert line.endswith(f"— fix: KFP answers at {there}: {fix}"), line
    assert [c.path for c in kubeflow.calls if c.method != "GET"] == []


def test_a_page_with_no_kfp_nearby_keeps_its_line(kubeflow):
    host = kubeflow.root_url + "/jupyter"
    with pytest.raises(PlatformError) as caught:
        Platform(host=host, token="ok", timeout=5)
    line = str(caught.value)
    assert line.startswith(
        f"{host} answered with an HTML page ('Kubeflow Central Dashboard'), not the KFP API"
    ), line


def test_the_right_host_connects(kubeflow):
    assert Platform(host=kubeflow.url, token="ok", timeout=5).backend.tag_name == "2.17.0"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE"])
def test_the_dashboard_double_routes_get_and_head_alone(kubeflow, method):
    """The double of the central dashboard answered every method with its page. ``server.ts``'s
    ``app.get('/*', ...)`` takes GET, and HEAD (Express 4 ``lib/router/route.js`` ``_handles_method``: a HEAD
    without its own route is a GET's, sent without the body); any other method reaches no route, so finalhandler
    1.3 (``index.js``) answers 404 ``Cannot <METHOD> <url>``."""
    import http.client

    conn = http.client.HTTPConnection(kubeflow.address, timeout=5)
    conn.request(
        method,
        "/_/pipeline/?ns=a",
        body=b"{}" if method == "POST" else None,
        headers={"Authorization": "Bearer ok"},
    )
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    if method in ("GET", "HEAD"):
        assert (resp.status, resp.getheader("Content-Type")) == (200, "text/html; charset=UTF-8")
        assert int(resp.getheader("Content-Length")) > 0
        assert ("Kubeflow Central Dashboard" in body) if method == "GET" else body == "", body
    else:
        assert (resp.status, resp.getheader("Content-Type")) == (404, "text/html; charset=utf-8")
        assert resp.getheader("Content-Security-Policy") == "default-src 'none'"
        assert f"<pre>Cannot {method} /_/pipeline/?ns=a</pre>" in body, body
