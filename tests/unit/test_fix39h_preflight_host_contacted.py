"""``http://admin:2024/Hunter2@mlflow:5000``: a '/' in the password ends the host part for urllib3
2.7 (``src/urllib3/util/url.py`` ``parse_url``; requests 2.33 hands it the URL), so the MLflow client
and the preflight probe connect to host ``admin`` (port 2024), while ``display_uri`` shows
``http://***@mlflow:5000``. The preflight and ``ctloop doctor`` said the server shown "is not
answering", blaming a server that may be up. Now they name the host contacted (never its port:
digits of the password) and say to write '/', '?', '#' in a password as %2F, %3F, %23 (review G1,
finding 3)."""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ctloop import tracking
from ctloop.errors import RegistryError
from ctloop.ops.doctor import FAIL, Doctor, DoctorOptions
from tests.fixtures.servers import SHUTDOWN_POLL_S


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


@pytest.fixture
def mlflow_up():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def asked(monkeypatch):
    """The hosts the probe asks; any but 127.0.0.1 is unknown (no DNS needed)."""
    hosts: list[str] = []
    real = urllib.request.urlopen

    def urlopen(url, *args, **kwargs):
        host = urllib.parse.urlsplit(url).hostname
        hosts.append(host)
        if host != "127.0.0.1":
            raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))
        return real(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(tracking, "PREFLIGHT_ATTEMPTS", 2)
    monkeypatch.setattr(tracking, "PREFLIGHT_PAUSE_S", 0)
    return hosts


@pytest.mark.parametrize("cut", ["/", "?", "#"])
def test_preflight_names_the_host_it_asked_not_the_server_shown(mlflow_up, asked, cut):
    uri = f"http://admin:2024{cut}Hunter2@127.0.0.1:{mlflow_up}"
    said: list[str] = []
    with pytest.raises(RegistryError) as caught:
        tracking.preflight(uri, say=said.append)
    message = str(caught.value)
    assert set(asked) == {"admin"}
    assert "host 'admin'" in message and "%2F, %3F, %23" in message
    assert "start it" not in message  # the server shown was never asked
    for text in [message, *said]:
        assert "host 'admin'" in text and "\n" not in text
        assert "Hunter2" not in text and "2024" not in text.replace(str(mlflow_up), "")  # the port: digits of the password


def test_preflight_of_the_encoded_password_reaches_the_server_shown(mlflow_up, asked):
    tracking.preflight(f"http://admin:2024%2FHunter2@127.0.0.1:{mlflow_up}", say=print)
    assert asked == ["127.0.0.1"]


def test_preflight_of_a_server_down_still_says_start_it(asked):
    with pytest.raises(RegistryError) as caught:
        tracking.preflight("http://admin:secret@mlflow.invalid:5000", say=lambda line: None)
    assert "mlflow.invalid" in str(caught.value) and "start it" in str(caught.value)
    assert "host 'admin'" not in str(caught.value)


def test_doctor_names_the_host_contacted(mlflow_up):
    uri = f"http://admin:2024/Hunter2@127.0.0.1:{mlflow_up}"
    check = Doctor(DoctorOptions(tracking_uri=uri, timeout=2)).check_mlflow()
    assert check.status == FAIL
    assert "'admin'" in check.detail and "%2F, %3F, %23" in check.fix
    shown = (check.detail + check.fix).replace(str(mlflow_up), "")
    assert "Hunter2" not in shown and "2024" not in shown
