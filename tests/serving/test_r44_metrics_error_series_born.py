"""The ctloop serving runtime's ``ctloop_predictions_total{outcome="error"}`` (and ``invalid``)
series exist, at 0, from the moment the model is loaded.

prometheus_client creates a labelled child at its first ``.labels(...).inc()``, so the runtime's
error series was born at its first failed batch with the batch's instances already counted.
Prometheus' ``increase()`` sees nothing before a series' first sample: the canary analysis
(``ctloop`` source: ``increase(ctloop_predictions_total{outcome="error", …}[5m])``), the
recording rule and ``CtloopRevisionErrorRateHigh`` all missed every error before the first scrape
that found the series (up to 30 s of a canary's errors; a canary with a few errors, all of them).
Now ``load()`` creates the three outcomes' series at 0.

The runtime runs as in tests/serving/test_runtime_server.py (``python -m ctloop.serving.runtime``
from .venv-serving, KServe 0.20.0's model server); its ``/metrics`` is read before any request.
"""

import urllib.request

import pytest

from tests.fixtures.servers import stop_group, wait_http
from tests.serving.test_runtime_server import MODEL, sha256_of, start_runtime, trained  # noqa: F401

pytestmark = pytest.mark.slow


def test_every_outcome_is_a_series_at_zero_before_the_first_request(trained, tmp_path):  # noqa: F811
    directory, _, _ = trained
    log = tmp_path / "runtime.log"
    proc, url = start_runtime(directory, log, sha256_of(directory))
    try:
        wait_http(f"{url}/v1/models/{MODEL}", proc, log, timeout=90)
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as resp:
            page = resp.read().decode()
    finally:
        stop_group(proc)
    for outcome in ("ok", "invalid", "error"):
        line = f'ctloop_predictions_total{{model_name="{MODEL}",model_version="3",outcome="{outcome}"}} 0.0'
        assert line in page, page[:2000]
