"""A login proxy in front of MLflow (oauth2-proxy's sign-in page, an ingress' login) answers every
request with an HTML page and HTTP 200, the redirect to it followed by ``requests``. MLflow's client
takes a 200 for success and then finds no JSON (mlflow 3.17.2 ``mlflow/utils/rest_utils.py``
``verify_rest_response``: "API request to endpoint was successful but the response body was not in a
valid JSON format. Response body: '<!DOCTYPE html>...'", or a ``JSONDecodeError`` where it parses the
answer itself): every command printed the whole page, naming no server, and training ended in an
MlflowException traceback. Now it is one line naming the tracking URI (password masked) and saying
it answered HTML, not MLflow JSON. The page here is the shape of oauth2-proxy's sign-in page (v7
``pkg/app/pagewriter/sign_in.html``: a form posting to ``/oauth2/start``)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry
from tests.fixtures.servers import SHUTDOWN_POLL_S
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow

PASSWORD = "Pw-s3cret"
PAGE = (b'<!DOCTYPE html>\n<html lang="en" charset="utf-8">\n<head>\n<title>Sign In</title>\n</head>\n'
        b'<body><form method="GET" action="/oauth2/start"><button type="submit" class="button">'
        b"Sign in with OpenID Connect</button></form></body>\n</html>\n")


@pytest.fixture
def login_page():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def _serve(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    yield f"http://admin:{PASSWORD}@127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _one_line(text: str, url: str) -> None:
    shown = url.replace(PASSWORD, "***")
    assert len(text.strip().splitlines()) == 1, text
    assert shown in text and PASSWORD not in text, text
    assert "answered HTML, not MLflow JSON" in text and "'Sign In'" in text, text
    assert "<form" not in text and "DOCTYPE" not in text, text


@pytest.mark.parametrize("argv", [["registry", "status"], ["audit"], ["monitor", "history"]])
def test_cli_against_a_login_page_is_one_line(login_page, capsys, argv):
    code, out, err = run_main([*argv, "--model-name", "m", "--tracking-uri", login_page], capsys, 60)
    assert code == 2, (out, err)
    _one_line(err.removeprefix("error: "), login_page)


def test_training_logged_against_a_login_page_is_one_line(login_page):
    with pytest.raises(RegistryError) as info:
        log_small_model(login_page, "r39-login")
    _one_line(str(info.value), login_page)


def test_register_against_a_login_page_is_one_line(login_page):
    with pytest.raises(RegistryError) as info:
        MlflowRegistry(login_page).register("m", model_uri="runs:/0123/model", run_id="0123", tags={})
    _one_line(str(info.value), login_page)


def test_an_answer_mlflow_parses_itself_is_one_line(login_page):
    """Where MLflow's client parses the answer itself it raises ``JSONDecodeError`` (requests' own,
    a ValueError), not an MlflowException: the same line."""
    reg = MlflowRegistry(login_page)

    def parses_itself(*_args, **_kwargs):
        return json.loads(PAGE.decode())

    reg.client._client.list_artifacts = parses_itself
    with pytest.raises(RegistryError) as info:
        reg.client.list_artifacts("0123")
    _one_line(str(info.value), login_page)
