"""An error answer whose body is not the grpc-gateway shape was a traceback.

kubeflow/pipelines 2.17.0's API server answers errors with a ``google.rpc.Status`` (``{"code",
"message", "details": [...]}``, grpc-gateway ``runtime/errors.go``); what sits in front of it (an
ingress, an auth proxy, a service mesh) or a different server at ``--host`` answers with anything:
``"details": 5`` (``for detail in 5``: ``TypeError``), a JSON ``null``, an HTML login page, a redirect.
And a ``2xx`` JSON object whose fields have other types than the API's (``{"pipelines": 5}``) failed
inside ``kfp_server_api``'s deserializer (``api_client.py``) with a ``TypeError``/``ValueError``.
Each is now one line naming the call and the host (exit 2), and nothing is created.
"""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class ListPipelinesAnswers(KfpApiDouble):
    """The double, with ``GET /pipelines`` (the upload's lookup) answered by ``answer``."""

    answer: tuple[int, str, str, tuple] = (500, "application/json", "{}", ())

    def dispatch(self, method, path, query, body):
        if method == "GET" and path == "/apis/v2beta1/pipelines":
            status, ctype, text, headers = self.answer
            return status, {"raw": (ctype, text, headers)}
        return super().dispatch(method, path, query, body)


ANSWERS = {
    "details-number": (500, "application/json", json.dumps({"code": 13, "message": "boom", "details": 5}), ()),
    "details-text": (503, "application/json", json.dumps({"code": 14, "message": "down", "details": "x"}), ()),
    "details-object": (500, "application/json", json.dumps({"code": 13, "message": "m", "details": {"a": 1}}), ()),
    "message-object": (500, "application/json", json.dumps({"code": 13, "message": {"a": [1]}}), ()),
    "null": (500, "application/json", "null", ()),
    "html-500": (500, "text/html", "<html><head><title>Bad gateway</title></head><body>x</body></html>", ()),
    "login-302": (302, "text/html", "<a href='/dex/auth'>Found</a>", (("Location", "/dex/auth?state=x"),)),
    "login-200": (200, "text/html; charset=utf-8",
                  "<!DOCTYPE html><html><head><title>Sign In</title></head><body>Log in</body></html>", ()),
    "pipelines-number": (200, "application/json", json.dumps({"pipelines": 5}), ()),
    "total-size-text": (200, "application/json", json.dumps({"pipelines": [], "total_size": "many"}), ()),
}


@pytest.mark.parametrize("case", sorted(ANSWERS))
def test_a_malformed_answer_is_one_line(monkeypatch, tmp_path, capsys, case):
    ListPipelinesAnswers.answer = ANSWERS[case]
    with kfp_for_cli(monkeypatch, tmp_path, cls=ListPipelinesAnswers) as kfp:
        code = main(["upload", "--host", kfp.url])
        line = one_error_line(capsys)
        assert code == 2, line
        assert "list pipelines" in line, line
        assert kfp.writes() == [], kfp.writes()
