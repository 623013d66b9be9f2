"""InferenceServices through the real ``kubernetes`` client against a server that is not quite the
API server: an SSO/auth proxy's login page answered 200, a proxy's HTML 502, bytes that are no
UTF-8. Before: the HTML came back as "the InferenceService" (deploy then failed with an
AttributeError on a str), the bytes as a UnicodeDecodeError traceback, and the 502 page as an
error message spanning lines. Each is now one ServingError line."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.errors import ServingError
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices

ANSWER: dict[str, tuple[int, str, bytes]] = {}
HTML_502 = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body>\r\n</html>\r\n"


@pytest.fixture(scope="module")
def isvcs():
    from kubernetes import client

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            code, ctype, body = ANSWER["now"]
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PATCH = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    yield InferenceServices("ml", api_client=client.ApiClient(config), retries=1)
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("answer, says", [
    ((200, "text/html", b"<html><body>Sign in with SSO</body></html>"), "not an InferenceService"),
    ((200, "application/json", b"[]"), "not an InferenceService"),
    ((200, "application/json", b"\xff\xfe{}"), "not text"),
    ((502, "text/html", HTML_502), "HTTP 502"),
])
def test_an_answer_that_is_no_inferenceservice_is_one_serving_error_line(isvcs, answer, says):
    ANSWER["now"] = answer
    for call in (lambda: isvcs.get("credit"), lambda: isvcs.patch("credit", {"spec": {}})):
        with pytest.raises(ServingError) as err:
            call()
        assert says in str(err.value) and "\n" not in str(err.value), str(err.value)


def test_a_deploy_behind_a_login_page_fails_in_one_line(isvcs):
    ANSWER["now"] = (200, "text/html", b"<html><body>Sign in with SSO</body></html>")
    with pytest.raises(ServingError, match="not an InferenceService"):
        rollout.deploy(isvcs, name="credit", model_name="credit", version="2", storage_uri="gs://m/2",
                       timeout_s=1)


def test_a_status_error_is_its_message(isvcs):
    ANSWER["now"] = (403, "application/json", b'{"kind":"Status","apiVersion":"v1","status":"Failure",'
                     b'"message":"inferenceservices.serving.kserve.io \\"credit\\" is forbidden: User '
                     b'\\"x\\" cannot get resource","reason":"Forbidden","code":403}')
    with pytest.raises(ServingError) as err:
        isvcs.get("credit")
    assert str(err.value) == ('get InferenceService ml/credit: HTTP 403 Forbidden: inferenceservices.serving.kserve.io '
                              '"credit" is forbidden: User "x" cannot get resource')
