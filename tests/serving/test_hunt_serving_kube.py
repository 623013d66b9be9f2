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
from tests.fixtures.servers import SHUTDOWN_POLL_S

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
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
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


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers (a hung API server or proxy)."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def _client(host: str):
    from kubernetes import client

    config = client.Configuration()
    config.host = host
    config.retries = 0
    return client.ApiClient(config)


def test_an_api_server_that_never_answers_is_a_serving_error_not_a_hang(silent_port):
    """Before: the kubernetes client waits forever by default, so deploy/rollback/wait_for hung
    past every timeout_seconds. The thread join below only detects that hang."""
    isvcs = InferenceServices("ml", api_client=_client(silent_port), retries=1, request_timeout_s=0.5)
    outcome: list = []

    def get():
        try:
            isvcs.get("credit")
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=get, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "InferenceServices.get hung on an API server that never answers"
    assert isinstance(outcome[0], ServingError), repr(outcome[0])
    assert "did not answer" in str(outcome[0]) and "\n" not in str(outcome[0])


def test_a_refused_connection_is_a_serving_error_line():
    """Before: urllib3's MaxRetryError escaped as a traceback (it is no ApiException)."""
    import socket

    with socket.socket() as probe:  # a port bound and never listened on: connections are refused
        probe.bind(("127.0.0.1", 0))
        isvcs = InferenceServices("ml", api_client=_client(f"http://127.0.0.1:{probe.getsockname()[1]}"),
                                  retries=1, request_timeout_s=2)
        with pytest.raises(ServingError, match="did not answer") as err:
            isvcs.patch("credit", {"spec": {}})
    assert "\n" not in str(err.value)
