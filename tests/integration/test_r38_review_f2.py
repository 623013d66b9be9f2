"""Review F2 of round 38:

* ``restore_command`` printed ``MLFLOW_TRACKING_URI='http://u:***@host' mlflow experiments restore``:
  pasted, requests sends the URL's userinfo (``u:***``) over the variables and it is refused. An
  http(s) store is now named without userinfo, with the variables to set; a database URI says to
  put the password back;
* ``display_uri``/``hide_password`` returned an unparsable URI (an unclosed IPv6 bracket, given
  through ``MLFLOW_TRACKING_URI``) unchanged, password included;
* ``ctloop monitor history`` against an MLflow answering 503 for the experiment lookup ended in
  an MlflowException traceback (``monitoring/store.py``, unguarded ``get_experiment_by_name``)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

from ctloop.cli import main
from ctloop.tracking import display_uri, hide_password, restore_command
from tests.fixtures.servers import InThreadServer


def test_the_restore_command_of_an_http_store_with_a_password_can_be_pasted():
    command = restore_command("http://admin:s3cret@mlflow:5000", "7")
    assert "s3cret" not in command and "***" not in command
    assert command.startswith("MLFLOW_TRACKING_URI=http://mlflow:5000 MLFLOW_TRACKING_USERNAME=")
    db = restore_command("postgresql://u:s3cret@h/db", "7")
    assert "s3cret" not in db and "put the password back" in db


def test_an_unparsable_uri_never_shows_its_password():
    uri = "http://u:s3cret@[::1/"
    assert "s3cret" not in display_uri(uri)
    assert "s3cret" not in hide_password(f"MLflow at {uri} not answering", uri)


class _Unavailable(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"{}" if self.path.startswith("/health") else json.dumps(
            {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "try later"}).encode()
        self.send_response(200 if self.path.startswith("/health") else 503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_monitor_history_against_a_503_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with InThreadServer(_Unavailable) as server:
        uri = server.root_url.replace("http://", "http://u:s3cret@")
        code = main(["monitor", "history", "--model-name", "m", "--tracking-uri", uri])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "s3cret" not in err, err[-1500:]


def test_an_overflow_with_a_short_exponent_is_a_text_cell_to_the_filter():
    """Review F2, F1: ``1`` + 250 zeros + ``e99`` overflows (Arrow: inf) with no 3-digit exponent
    and fewer than 309 digits; pandas reads its column as text, so the pre-filter must offer it."""
    import pyarrow as pa

    from ctloop.drift import streaming

    cell = "1" + "0" * 250 + "e99"
    assert streaming.pandas_text_cell(cell)
    assert list(streaming._pandas_text_cells(pa.array(["1.5", cell]))) == [(1, cell)]


class _SearchUnavailable(_Unavailable):
    """The monitoring experiment is found; the search of its runs answers 503 (review G)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        if "experiments/get-by-name" in self.path:
            body = json.dumps({"experiment": {"experiment_id": "1", "name": "m-monitoring",
                                              "lifecycle_stage": "active", "artifact_location": "/tmp/a"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    do_POST = do_GET


def test_monitor_history_whose_runs_search_answers_503_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with InThreadServer(_SearchUnavailable) as server:
        uri = server.root_url.replace("http://", "http://u:s3cret@")
        code = main(["monitor", "history", "--model-name", "m", "--tracking-uri", uri])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "s3cret" not in err, err[-1500:]


def test_passwords_urlsplit_cannot_see_are_masked_everywhere():
    """review G: ``https://u:p/q@host`` (urlsplit: netloc ``u:p``, no password) was printed whole by
    restore_command and left in messages by hide_password; an '@' in a path or query is no userinfo."""
    from ctloop.tracking import _without_userinfo

    for uri, secret in (("https://u:p/q@host", "p/q"), ("mysql://u:p/w@h/db", "p/w"),
                        ("postgresql://u:p#w@h/db", "p#w")):
        assert secret not in restore_command(uri, "3") and secret not in display_uri(uri)
        assert secret not in hide_password(f"at {uri}: refused", uri) and secret not in _without_userinfo(uri)
    for uri in ("https://host/x?next=a:b@c", "sqlite:////data/run:2024@x/mlflow.db",
                "https://host.example.com:8080/x?next=a@c"):
        assert display_uri(uri) == uri
    # a user name alone is masked like a password (round 39: it is often a token), the path kept as written
    assert display_uri("https://u@host/a:b@c") == "https://***@host/a:b@c"
