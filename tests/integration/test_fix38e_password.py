"""A tracking URI's password (``http://user:pw@host``, ``postgresql://user:pw@host/db``) is never
printed: every message names the store through ``tracking.display_uri`` (``user:***@``)."""

from __future__ import annotations

import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from ctloop import tracking
from ctloop.errors import ConfigError
from tests.fixtures.servers import SHUTDOWN_POLL_S
from tests.helpers import run_main

pytestmark = pytest.mark.slow

PASSWORD = "hunter2-Pw"


@pytest.mark.parametrize("argv", [
    ["audit", "--model-name", "fix38e-nope"],
    ["monitor", "history", "--model-name", "fix38e-nope"],
])
def test_a_model_that_is_not_there_is_named_without_the_password(mlflow_url, capsys, argv):
    with_user = mlflow_url.replace("http://", f"http://admin:{PASSWORD}@")
    code, out, err = run_main([*argv, "--tracking-uri", with_user], capsys, 60)
    assert code == 2, err
    assert PASSWORD not in err + out and "admin:***@" in err, err


@pytest.mark.parametrize("uri", [f"postgresql://u:{PASSWORD}@db:notaport/mlflow",
                                 f"postgresql+nosuchdriver://u:{PASSWORD}@db/mlflow"])
def test_a_database_uri_is_named_without_the_password(uri):
    with pytest.raises(ConfigError) as info:
        tracking.configure(uri)
    assert PASSWORD not in str(info.value) and "u:***@db" in str(info.value), str(info.value)


def test_a_failed_training_run_log_is_worded_without_the_password():
    """A server that hangs up on every API call (its /health answers): MLflow's message names the
    URL, userinfo and all (mlflow 3.17.2 ``utils/rest_utils.py`` ``http_request``)."""
    from sklearn.linear_model import LogisticRegression

    class HangUp(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def do_GET(self):
            if self.path.startswith("/health"):
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.connection.close()

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), HangUp)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    frame = pd.DataFrame({"a": [0.0, 1.0, 0.0, 1.0]})
    try:
        with pytest.raises(Exception) as info:
            tracking.log_training_run(
                tracking_uri=f"http://admin:{PASSWORD}@127.0.0.1:{server.server_address[1]}",
                experiment=f"fix38e-{uuid.uuid4().hex[:6]}", model=LogisticRegression().fit(frame, [0, 1, 0, 1]),
                meta={}, params={}, metrics={}, train_frame=frame, dataset_digest="d", data_uri="x.csv")
    finally:
        server.shutdown()
        server.server_close()
    assert PASSWORD not in str(info.value), str(info.value)[:300]


def test_a_percent_encoded_password_is_hidden_in_both_forms():
    uri = "http://admin:p%40ss-Pw@mlflow:5000"
    assert tracking.hide_password("to http://admin:p%40ss-Pw@mlflow:5000/api and p@ss-Pw", uri) == \
        "to http://admin:***@mlflow:5000/api and ***"
