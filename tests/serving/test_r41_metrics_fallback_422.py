"""The native-histogram fallback on a back end that cannot execute it: VictoriaMetrics' MetricsQL
has no ``histogram_count`` (VictoriaMetrics issue #5346, open), and the Prometheus HTTP API
answers an expression it cannot execute with 422 (prometheus v2.42 ``web/api/v1/api.go``:
``errorExec`` -> ``http.StatusUnprocessableEntity``; 400 ``errorBadData`` for one it cannot
parse). The fallback is asked only when the classic series had no data: its 422 is that same "no
data", never a ServingError that turns a silent canary's reason into "Prometheus rejected
histogram_count(...)". The first (classic) query's 422 stays an error."""

from __future__ import annotations

import urllib.parse

import pytest

from ctloop.errors import ServingError
from ctloop.serving.metric_sources import Prometheus, get_source
from tests.fixtures.servers import InThreadServer, JsonHandler

EMPTY = {"status": "success", "data": {"resultType": "vector", "result": []}}


def _backend(refuse: str):
    class Handler(JsonHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
            self.send_json(*((422, {"status": "error", "errorType": "execution",
                                    "error": f'unknown func "{refuse}"'}) if refuse in query else (200, EMPTY)))

    return InThreadServer(Handler)


def test_a_fallback_the_back_end_cannot_execute_is_no_data():
    with _backend("histogram_count") as backend:
        prom = Prometheus(backend.root_url)
        stats = get_source("knative-otel").stats(prom, "credit-predictor-00002", "ml", "5m")
        assert stats.requests is None and stats.p99_seconds is None
        assert not get_source("knative-otel").series_exist(prom, "credit-predictor-00002", "ml")


def test_the_first_query_refused_is_still_an_error():
    with _backend("increase") as backend:
        with pytest.raises(ServingError, match="HTTP 422"):
            get_source("knative-otel").stats(Prometheus(backend.root_url), "credit-predictor-00002", "ml", "5m")
