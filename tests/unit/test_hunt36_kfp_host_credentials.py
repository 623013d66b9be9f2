"""A KFP URL holding credentials (``--host https://user:password@...``, ``kfp.host``,
``KF_PIPELINES_ENDPOINT``): one ``error:`` line that does not repeat them, exit code 2, nothing sent.

kfp 2.17.0 sends no URL credentials: ``Client._load_config`` (``kfp/client/client.py``) puts the
host into ``kfp_server_api.Configuration.host`` and the generated REST client hands the URL to
urllib3's pool, which takes ``user:password@host`` as the host name.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import one_error_line
from tests.ops.test_platform import isolate_kfp_env
from tests.unit.test_hunt36_kfp_token_host import SECRET

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    with KfpApiDouble(tokens={SECRET: "ok"}) as double:
        yield double


@pytest.mark.parametrize("userinfo", ["admin:s3cr3t-pw@", "admin@", "admin:s3cr3t-pw@@"])
def test_a_host_holding_credentials_is_refused_without_repeating_them(kfp, capsys, userinfo):
    """kfp.Client sends no URL credentials (kfp_server_api's urllib3 pool takes the host as given);
    ctloop's healthz probe looked the whole ``admin:s3cr3t-pw@127.0.0.1`` up in DNS, and every message
    then printed the password."""
    host = kfp.url.replace("http://", "http://" + userinfo)
    assert main(["runs", "--host", host, "--token", SECRET, "--experiment", ""]) == 2
    line = one_error_line(capsys)
    assert "--host" in line and "credentials" in line, line
    assert "s3cr3t" not in line
    assert not kfp.calls


def test_an_endpoint_variable_holding_credentials_is_refused_too(kfp, monkeypatch, capsys):
    monkeypatch.setenv("KF_PIPELINES_ENDPOINT", kfp.url.replace("http://", "http://admin:s3cr3t-pw@"))
    assert main(["runs", "--token", SECRET, "--experiment", ""]) == 2
    line = one_error_line(capsys)
    assert "KF_PIPELINES_ENDPOINT" in line and "credentials" in line and "s3cr3t" not in line, line
    assert not kfp.calls


@pytest.mark.parametrize("tail", ["?token=s3cr3t-pw", "#s3cr3t-pw", "/pipeline?access_token=s3cr3t-pw"])
def test_a_host_with_a_query_or_fragment_is_refused_without_repeating_it(kfp, capsys, tail):
    """kfp 2.17.0 appends the API path to the host as text (``kfp_server_api`` ``Configuration.host``
    + ``/apis/v2beta1/...``): a query there took the API path into the query (the request went to the
    ingress's root), and a token in it was printed in every message."""
    assert main(["runs", "--host", kfp.url + tail, "--token", SECRET, "--experiment", ""]) == 2
    line = one_error_line(capsys)
    assert "--host" in line and ("query" in line or "fragment" in line), line
    assert "s3cr3t" not in line
    assert not kfp.calls
