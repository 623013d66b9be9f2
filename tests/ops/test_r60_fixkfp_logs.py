"""What kfp logs on the root logger inside ctloop's call (round 60 review: M5, L1, L2).

kfp 2.17.0 ``kfp/client/auth.py`` ``get_gcp_access_token`` (the ``*.googleusercontent.com`` route) catches
google-auth's failure and logs ``logging.warning('Failed to get GCP access token: %s', e)``: the record's
``args[0]`` is google-auth's exception. A metadata server answering 503 (google-auth 2.62.2
``compute_engine/_metadata.py`` ``get`` retries it, then ``TransportError('... Compute Engine Metadata server
unavailable ...')``, wrapped by ``compute_engine/credentials.py`` in a RefreshError) was 'kfp found no Google
credentials ... (... unavailab)': cut mid-word, and a fix for missing credentials. ``logging.warning`` on a root
logger without handlers runs ``basicConfig`` before any filter drops the record: the root logger kept a stderr
handler. The filter let through only ``get_auth_code``'s records: a renamed kfp function was dropped."""

from __future__ import annotations

import logging

import pytest

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform, _cut, _KfpLogging, kfp_logs_dropped
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.servers import InThreadServer, JsonHandler
from tests.ops import test_r59_kfp_review3 as review3

kfp_env = review3.kfp_env  # the fixture


class _Unavailable(JsonHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_json(503, {"error": "unavailable"})


def test_a_metadata_server_answering_503_on_the_googleusercontent_route_is_transient(kfp_env, monkeypatch):
    import google.auth
    from google.auth import compute_engine

    monkeypatch.setattr("google.auth._exponential_backoff.time.sleep", lambda _: None)
    with InThreadServer(_Unavailable) as metadata:
        monkeypatch.setattr("google.auth.compute_engine._metadata._GCE_METADATA_HOST",
                            metadata.root_url.split("://", 1)[1])
        creds = compute_engine.Credentials()
        monkeypatch.setattr(google.auth, "default", lambda *a, **k: (creds, "p"))
        with KfpApiDouble(path_prefix="/kfp.googleusercontent.com", tokens={"t": "alice"}) as double:
            with pytest.raises((PlatformError, ConfigError)) as info:
                Platform(host=double.url, timeout=5).verify_access()
            assert not [c for c in double.calls if not c.path.endswith("/healthz")]  # nothing sent without a token
    line = str(info.value)
    assert not isinstance(info.value, ConfigError), line
    assert line.startswith("could not reach Google's token endpoint, metadata server or IAM for the "
                           "googleusercontent.com host: "), line
    assert line.endswith("; retry") and "no Google credentials" not in line and "\n" not in line, line


def test_google_text_is_cut_at_a_word_boundary():
    text = "Failed to retrieve http://169.254.169.254/x from the Google Compute Engine metadata service. " * 4
    cut = _cut(text, 100)
    assert len(cut) <= 102 and cut.endswith(" …"), cut
    assert text.startswith(cut[:-2]) and text[len(cut) - 2] == " ", cut
    assert _cut("short", 100) == "short"


def test_the_root_logger_keeps_no_handler_kfp_added(monkeypatch):
    """``logging.warning`` runs ``basicConfig()`` on a root logger without handlers; inside ctloop's call kfp's
    ``logging`` logs on the root logger without it (test_r60_fixkfp2_logging.py)."""
    from kfp.client import auth

    # google-auth's ADC would read the machine's own credentials: a missing file instead, as kfp_env has it
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/no-such-adc.json")
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    with kfp_logs_dropped() as dropped:
        auth.get_gcp_access_token()
    assert dropped and dropped[0].startswith("Failed to get GCP access token"), dropped
    assert root.handlers == [], root.handlers


def test_a_root_logger_with_handlers_is_left_as_it_is(monkeypatch):
    root = logging.getLogger()
    mine = logging.NullHandler()
    monkeypatch.setattr(root, "handlers", [mine])
    with kfp_logs_dropped():
        assert root.handlers == [mine]
    assert root.handlers == [mine]


def _logging_from(func: str):
    """A function named ``func`` that logs as kfp's modules do, through the ``logging`` they see."""
    namespace: dict = {}
    exec(f"def {func}(logging, *args):\n    logging.warning(*args)\n", namespace)  # noqa: S102 (a name only)
    return namespace[func]


@pytest.mark.parametrize("func,dropped", [
    ("get_gcp_access_token", True),  # auth.py
    ("_get_config_with_default_credentials", True),  # client.py
    ("_get_token", True),  # set_volume_credentials.py: the token reads
    ("get_auth_code", False),  # the interactive OAuth flow's prompts
    ("a_function_kfp_added_later", False),  # unknown: passes
])
def test_only_known_non_interactive_records_are_dropped(func, dropped, caplog):
    with caplog.at_level(logging.WARNING), kfp_logs_dropped() as seen:
        _logging_from(func)(_KfpLogging(), "m %s", "x")
    assert seen == (["m x"] if dropped else [])
    assert [r.getMessage() for r in caplog.records if r.funcName == func] == ([] if dropped else ["m x"])


def test_the_logged_exception_is_kept():
    error = RuntimeError("google-auth's")
    with kfp_logs_dropped() as seen:
        _logging_from("get_gcp_access_token")(_KfpLogging(), "Failed to get GCP access token: %s", error)
    assert seen == ["Failed to get GCP access token: google-auth's"] and seen.errors == [error]
