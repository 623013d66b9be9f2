"""A KFP API call answered with a redirect to a login page is one line, not a silent empty answer.

The generated REST client under kfp 2.17.0 (``kfp_server_api/rest.py``) lets urllib3 follow
redirects; ctloop's transport allowed three (``Retry(redirect=3)``). An authenticating proxy that
answers an unauthenticated call with ``302`` to its login page (oauth2-proxy outside Kubeflow's
``api_routes``, ``oauthproxy.go``; healthz left open as a health-check route) then gave the client
a ``200`` HTML page, which it read as an empty object: ``ctloop runs`` printed "no runs" (exit 0),
an experiment or pipeline "created" had the id ``None``, and ``upload`` ended in kfp_server_api's
``ApiValueError`` traceback, after POSTing the compiled pipeline to the login URL. Healthz already
refused any redirect; now every call does, and says why.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"good": "ok"}, unauthenticated="302", open_healthz=True) as double:
        yield double


@pytest.mark.parametrize("command", [["runs", "--experiment", ""], ["runs", "--experiment", "ctloop"],
                                     ["upload"]])
def test_a_call_redirected_to_a_login_page_is_one_line(kfp, capsys, command):
    assert main([*command, "--host", kfp.url]) == 2
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "redirected to a login page (/dex/auth" in lines[0] and "--token" in lines[0], lines[0]
    assert not [c for c in kfp.calls if c.path.startswith("/dex/")]  # not followed: nothing sent there


def test_healthz_is_open_but_the_api_is_not(kfp):
    """The double's ``open_healthz``: healthz answers without a token, the API does not."""
    import urllib.request

    with urllib.request.urlopen(kfp.url + "/apis/v2beta1/healthz", timeout=5) as resp:
        assert resp.status == 200
    assert main(["runs", "--host", kfp.url, "--token", "good", "--experiment", ""]) == 0
