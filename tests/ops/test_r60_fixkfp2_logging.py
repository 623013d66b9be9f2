"""kfp's root-logger records inside ctloop's call, without touching the root logger's handlers (round 60 review 2:
M-a, M-b).

kfp 2.17.0 logs with the module functions of ``logging`` (``kfp/client/auth.py``, ``client.py``,
``set_volume_credentials.py``); ``logging.warning`` runs ``basicConfig`` on a root logger without handlers. ctloop
had added a NullHandler for its call: every record the filter let through then reached it and nothing else, so the
interactive OAuth flow's ``get_auth_code`` (``auth.py`` 2.17.0: ``except OSError as err: logging.warning('%s.\\n
Error occurred while creating a local web-server ... Falling back to manual mode ...')``) printed nothing; and two
threads adding and removing it raced (one removed it while the other's kfp call ran: ``basicConfig`` added a stderr
handler for good). Now kfp's modules see a ``logging`` whose functions decide inside ctloop's call and log on the
root logger itself (no ``basicConfig``): a record that passes prints through ``logging.lastResort``."""

from __future__ import annotations

import logging
import threading

import pytest

from ctloop.ops.platform import kfp_logs_dropped, kfp_prints_dropped


@pytest.fixture
def bare_root(monkeypatch):
    """The root logger as a CLI process has it: no handler. Call it in the test's body: pytest adds its capture
    handlers after the fixtures ran."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/no-such-adc.json")  # no real ADC read

    def bare() -> logging.Logger:
        root = logging.getLogger()
        monkeypatch.setattr(root, "handlers", [])
        return root

    return bare


def test_the_interactive_oauth_flows_warning_prints_inside_ctloops_call(bare_root, monkeypatch, capsys):
    root = bare_root()
    from kfp.client import auth

    def in_use(*_a, **_k):
        raise OSError("[Errno 98] Address already in use")

    monkeypatch.setattr(auth, "get_auth_response_local", in_use)
    monkeypatch.setattr(auth, "get_auth_response_ssh", lambda *a, **k: "http://localhost:9901/?code=c")
    monkeypatch.setattr(auth, "fetch_auth_token_from_response", lambda *a, **k: "c", raising=False)
    with kfp_prints_dropped():
        try:
            auth.get_auth_code("cid")
        except Exception:  # noqa: BLE001 (what follows the warning is not this test's)
            pass
    err = capsys.readouterr().err
    assert "Address already in use." in err and "Falling back to manual mode" in err, err
    assert root.handlers == [], root.handlers


def test_another_loggers_warning_prints_inside_ctloops_call(bare_root, capsys):
    """A logger without handlers of its own (not urllib3's: urllib3 2.x ``__init__.py`` gives its logger a
    NullHandler) reaches ``logging.lastResort``, also while ctloop's call runs."""
    root = bare_root()
    with kfp_logs_dropped():
        logging.getLogger("a_library.of_someone_else").warning("disk almost full")
    assert "disk almost full" in capsys.readouterr().err and root.handlers == []


def test_a_dropped_record_is_collected_and_leaves_no_handler(bare_root, capsys):
    root = bare_root()
    from kfp.client import auth

    with kfp_logs_dropped() as dropped:
        auth.get_gcp_access_token()
    assert dropped and dropped[0].startswith("Failed to get GCP access token"), dropped
    assert dropped.errors and isinstance(dropped.errors[0], BaseException), dropped.errors
    assert root.handlers == [] and capsys.readouterr().err == ""


def test_two_threads_leave_the_root_loggers_handlers_as_they_were(bare_root):
    """/tmp/rev60_race.py: B enters, A enters, B leaves while A's kfp call logs."""
    root = bare_root()
    from kfp.client import auth

    b_in, a_in, b_out = threading.Event(), threading.Event(), threading.Event()
    got: list[list[str]] = []

    def b():
        with kfp_logs_dropped():
            b_in.set()
            a_in.wait(10)
        b_out.set()

    def a():
        b_in.wait(10)
        with kfp_logs_dropped() as dropped:
            a_in.set()
            b_out.wait(10)
            auth.get_gcp_access_token()
        got.append(dropped)

    threads = [threading.Thread(target=b), threading.Thread(target=a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert got and got[0] and got[0][0].startswith("Failed to get GCP access token"), got
    assert root.handlers == [], root.handlers


def test_kfp_records_keep_kfps_function_and_file(caplog):
    """The record names kfp's function (``stacklevel``), not ctloop's shim: outside ctloop's call it is
    upstream's record."""
    from kfp.client import auth

    with caplog.at_level(logging.WARNING):
        auth.get_gcp_access_token()
    rec = [r for r in caplog.records if r.getMessage().startswith("Failed to get GCP access token")]
    assert rec and rec[-1].funcName == "get_gcp_access_token" and rec[-1].pathname == auth.__file__, rec
