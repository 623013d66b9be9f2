"""The monitoring window's counts (``rows``, ``realized_rows``) must be numbers: NaN in one was
published as the text ``None`` (the real Pushgateway then refuses the whole push: every series
of the window lost) or raised a TypeError traceback. Now a ConfigError naming the field."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError, ServingError
from ctloop.monitoring.prometheus import exposition, window_samples


def window(hour: int = 0, **over) -> dict:
    """A judged window, as tests/monitoring/test_monitoring_metrics.py's ``window``."""
    return {"window_end": "2026-12-02T10:00:00+00:00", "champion_version": "3", "rows": 1000,
            "drift_share": 0.1, "drift_scores": {"income": 0.2}, "drifted": {"income": False},
            "realized": None, "realized_metric": "roc_auc", "realized_rows": 0, "gate_value": 0.8,
            "retrain": False, "rule": "none", **over}


@pytest.mark.parametrize("field, over", [
    ("rows", {}),
    ("realized_rows", {"realized": 0.81}),  # with a realized value: compared with min_labels
    ("realized_rows", {}),
])
def test_a_count_that_is_nan_is_a_config_error_naming_it(field, over):
    with pytest.raises(ConfigError, match=rf"window\['{field}'\] must be a number, got nan"):
        exposition(window_samples(window(0, **{field: float("nan")}, **over), now=0.0))


def test_an_optional_value_that_is_nan_is_still_an_absent_series():
    """Unchanged: NaN in an optional value means "not computed" (test_absent_values_...)."""
    text = exposition(window_samples(window(0, drift_share=float("nan")), now=0.0))
    assert "ctloop_monitoring_drift_share" not in text and " None" not in text


# ------------------------------------------------------------------ a gateway URL that speaks no HTTP
@pytest.fixture
def not_http():
    """A loopback port answering each connection with ``reply[0]`` raw bytes (a TLS alert, an SSH
    banner, an HTTP answer cut short), then closing."""
    import socket
    import threading

    reply = [b""]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def run():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(reply[0])

    threading.Thread(target=run, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", reply
    server.close()


@pytest.mark.parametrize("raw", [b"\x15\x03\x01\x00\x02\x02\x50", b"SSH-2.0-OpenSSH_9.6\r\n",
                                 b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"])
def test_a_gateway_port_that_speaks_no_http_is_a_warning_not_a_failed_run(not_http, raw):
    """Before: http.client's BadStatusLine / IncompleteRead escaped push_window (documented: a
    failed push is a warning, never a failed run)."""
    from ctloop.monitoring.prometheus import push_window
    from ctloop.serving.metric_sources import Prometheus

    url, reply = not_http
    reply[0] = raw
    warning = push_window(url, model="credit", window=window(0))
    assert warning and warning.startswith(f"monitoring metrics of credit not pushed to {url}: "), warning
    assert "\n" not in warning and "the window is recorded in MLflow" in warning
    with pytest.raises(ServingError) as err:  # the canary analysis' client, the same port
        Prometheus(url).scalar("sum(x)")
    assert "\n" not in str(err.value) and url in str(err.value), str(err.value)


@pytest.mark.parametrize("url", ["http://pushgateway:abc", "http://push gateway:9091", "http://[::1",
                                 "http://", "http://:9091"])
def test_a_malformed_gateway_url_is_a_config_error_before_the_window_is_judged(url):
    """monitoring/publish.py check() calls group_url to refuse an unusable URL before judging
    (its module docstring); it checked only the scheme, and the push then failed with InvalidURL /
    ValueError ("[::1": a traceback) after the window was judged."""
    from ctloop.monitoring.publish import check

    with pytest.raises(ConfigError) as err:
        check(url, "credit")
    assert repr(url) in str(err.value)
