"""The registry commands against a real ``mlflow server`` behind authentication. In front of it, a
proxy answers as MLflow's own basic-auth app does (mlflow 3.17.2 ``mlflow/server/auth/__init__.py``
``make_basic_auth_response``: 401, text "You are not authenticated ...", ``WWW-Authenticate:
Basic``; ``make_forbidden_response``: 403 "Permission denied"), or a reverse proxy with a bearer
token: user ``admin`` (or the token) may write, user ``reader`` may only read. MLflow's client sends
``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD`` as basic auth, ``MLFLOW_TRACKING_TOKEN`` as a
bearer token (``mlflow/utils/rest_utils.py``). A refusal is one line naming the variables to set, with
no secret in it (was: "cannot read registered model 'm': API request to endpoint ... failed with error
code 401 != 200. Response body: 'You are not authenticated ...'", naming none)."""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ctloop.errors import RegistryError
from ctloop.registry import MlflowRegistry
from tests.fixtures.servers import SHUTDOWN_POLL_S
from tests.helpers import run_main
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow

SECRET = "s3cr3t-Pa55"
TOKEN = "tok-0123456789abcdef"
USERS = {"admin": SECRET, "reader": SECRET}


def _auth_proxy(upstream: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _user(self) -> str:
            got = self.headers.get("Authorization", "")
            if got == f"Bearer {TOKEN}":
                return "admin"
            if got.startswith("Basic "):
                user, _, password = base64.b64decode(got[6:]).decode().partition(":")
                if USERS.get(user) == password:
                    return user
            return ""

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/health"):
                user = "anyone"
            else:
                user = self._user()
            if not user:
                return self._answer(401, b"You are not authenticated. Please see https://www.mlflow.org/docs/latest/"
                                    b"auth/index.html#authenticating-to-mlflow on how to authenticate.",
                                    {"WWW-Authenticate": 'Basic realm="mlflow"', "Content-Type": "text/html"})
            write = self.command != "GET" and not self.path.split("?")[0].endswith("/search")
            if user == "reader" and write:
                return self._answer(403, b"Permission denied", {"Content-Type": "text/html"})
            request = urllib.request.Request(upstream + self.path, data=body if self.command != "GET" else None,
                                             method=self.command,
                                             headers={"Content-Type": self.headers.get("Content-Type", "")})
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status, data, kind = answer.status, answer.read(), answer.headers.get("Content-Type", "")
            except urllib.error.HTTPError as exc:
                status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
            self._answer(status, data, {"Content-Type": kind})

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def guarded(mlflow_url):
    """``(proxy URL, model name)``: a model with one version, registered directly (unguarded)."""
    _, run_id, uri, _ = log_small_model(mlflow_url, f"r38-auth-{uuid.uuid4().hex[:6]}")
    name = f"r38-auth-{uuid.uuid4().hex[:8]}"
    MlflowRegistry(mlflow_url).register(name, model_uri=uri, run_id=run_id, tags={})
    server = _auth_proxy(mlflow_url)
    yield f"http://127.0.0.1:{server.server_address[1]}", name, run_id, uri
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_credentials(monkeypatch):
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def _status(url, name, capsys):
    return run_main(["registry", "status", "--model-name", name, "--tracking-uri", url], capsys, 60)


def test_with_the_right_credentials_it_works(guarded, no_credentials, capsys):
    url, name, _, _ = guarded
    no_credentials.setenv("MLFLOW_TRACKING_USERNAME", "admin")
    no_credentials.setenv("MLFLOW_TRACKING_PASSWORD", SECRET)
    code, out, err = _status(url, name, capsys)
    assert code == 0, err
    no_credentials.delenv("MLFLOW_TRACKING_USERNAME")
    no_credentials.setenv("MLFLOW_TRACKING_TOKEN", TOKEN)
    code, out, err = _status(url, name, capsys)
    assert code == 0, err


def test_no_credentials_is_one_line_naming_the_variables(guarded, no_credentials, capsys):
    url, name, _, _ = guarded
    code, out, err = _status(url, name, capsys)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "401" in err and "MLFLOW_TRACKING_USERNAME" in err and "MLFLOW_TRACKING_TOKEN" in err, err
    assert "set" in err and "none of them is set" in err, err


@pytest.mark.parametrize("variable, value", [("MLFLOW_TRACKING_PASSWORD", "wrong-" + SECRET),
                                             ("MLFLOW_TRACKING_TOKEN", "wrong-" + TOKEN)])
def test_refused_credentials_name_the_variables_not_their_values(guarded, no_credentials, capsys, variable, value):
    url, name, _, _ = guarded
    if variable == "MLFLOW_TRACKING_PASSWORD":
        no_credentials.setenv("MLFLOW_TRACKING_USERNAME", "admin")
    no_credentials.setenv(variable, value)
    code, out, err = _status(url, name, capsys)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "401" in err and variable in err and "refused" in err, err
    assert value not in err and SECRET not in err and TOKEN not in err, err


def test_a_reader_registering_is_refused_in_one_line_naming_the_user(guarded, no_credentials):
    url, name, run_id, uri = guarded
    no_credentials.setenv("MLFLOW_TRACKING_USERNAME", "reader")
    no_credentials.setenv("MLFLOW_TRACKING_PASSWORD", SECRET)
    reg = MlflowRegistry(url)
    with pytest.raises(RegistryError) as info:
        reg.register(name, model_uri=uri, run_id=run_id, tags={})
    text = str(info.value)
    assert "\n" not in text and "403" in text and "'reader'" in text and "MLFLOW_TRACKING_USERNAME" in text, text
    assert SECRET not in text


def test_training_logged_without_credentials_is_one_line(guarded, no_credentials):
    """train_model logs its run through MLflow's fluent API (``ctloop.tracking.log_training_run``): a
    401 was an MlflowException traceback out of the component."""
    url, _, _, _ = guarded
    with pytest.raises(RegistryError) as info:
        log_small_model(url, f"r38-auth-train-{uuid.uuid4().hex[:6]}")
    text = str(info.value)
    assert "\n" not in text and "401" in text and "MLFLOW_TRACKING_TOKEN" in text, text
