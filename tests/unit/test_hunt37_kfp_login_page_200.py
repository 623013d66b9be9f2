"""A KFP API call answered ``200`` with something that is not the API's JSON (an SSO proxy's HTML
login page) is one line saying so, not an empty answer.

Every v2beta1 method answers a JSON object through grpc-gateway (kubeflow/pipelines 2.17.0
``backend/src/apiserver/main.go``; ``google.protobuf.Empty`` is ``{}``). kfp_server_api 2.17.0
(``kfp_server_api/api_client.py`` ``deserialize``) reads any other ``200`` body as an empty model:
behind a proxy that serves its login page with ``200`` (a SAML/OIDC auto-submit form, Dex's page
reached without a redirect) ``ctloop runs`` printed "no runs" (exit 0), ``ctloop runs --experiment
ctloop`` said the experiment does not exist, ``ctloop upload`` ended in kfp_server_api's
``ApiValueError`` traceback. Healthz is open (a health-check route exempted from authentication).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import LOGIN_PAGE, PREFIX, KfpApiDouble
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class Answers200(KfpApiDouble):
    """The double behind a proxy answering every unauthenticated API call but healthz with ``200``
    and ``page`` (``content_type``)."""

    def __init__(self, page: str = LOGIN_PAGE, content_type: str = "text/html; charset=utf-8", **kwargs):
        self.page, self.content_type = page, content_type
        super().__init__(**kwargs)

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def _ingress(self, path, query, headers):
                if path != double.path_prefix + PREFIX + "/healthz" and not headers.get("authorization"):
                    self._raw(200, double.content_type, double.page)
                    return True
                return super()._ingress(path, query, headers)

        return Handler


@pytest.fixture
def proxy(monkeypatch, tmp_path):
    import tests.doubles.kfp_cli as kfp_cli

    monkeypatch.setattr(kfp_cli, "KfpApiDouble", Answers200)
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


@pytest.mark.parametrize("command", [["runs", "--experiment", ""], ["runs", "--experiment", "ctloop"], ["upload"],
                                     ["trigger", *TRIGGER_PARAMS]])
def test_a_200_login_page_is_one_line_naming_it_and_the_token(proxy, capsys, command):
    assert main([*command, "--host", proxy.url]) == 2
    line = one_error_line(capsys)
    assert "sign-in page (HTTP 200" in line and "--token-file" in line and "KFP_TOKEN" in line, line
    assert not [c for c in proxy.calls if c.method == "POST"]  # nothing written on a login page's word


def test_a_200_answer_that_is_no_json_names_the_host(monkeypatch, tmp_path, capsys):
    import tests.doubles.kfp_cli as kfp_cli

    monkeypatch.setattr(kfp_cli, "KfpApiDouble", lambda **kw: Answers200("OK", "text/plain", **kw))
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        assert main(["runs", "--experiment", "", "--host", double.url]) == 2
    line = one_error_line(capsys)
    assert "answered HTTP 200 with 'OK', not the KFP API's JSON" in line and "--host" in line, line
    # round 60: healthz answered as KFP, this first call went without a token: the proxy's, not a cut answer
    assert "sent without a token" in line and "--token-file" in line and "run the command again" not in line, line


def test_the_api_answering_json_is_read_as_before(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        assert main(["runs", "--experiment", "", "--host", double.url]) == 0
    assert "no runs" in capsys.readouterr().out
