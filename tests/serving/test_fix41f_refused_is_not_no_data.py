"""Which refusals of a query count as "no data". The Prometheus HTTP API answers 400 ``bad_data``
for an expression it cannot parse and 422 ``execution`` for one it parsed but could not run
(prometheus v2.42.0 ``web/api/v1/api.go``: ``errorBadData`` -> 400, ``errorExec`` -> 422) —
including a real execution failure such as ``--query.max-samples`` exceeded (v2.42.0
``promql/engine.go`` ``ErrTooManySamples``: "query processing would load too many samples into
memory in query execution"). Every 400/422 of a fallback counted as no data: the stable's native
p99 failing that way left stable_p99 None, and the "p99 > 2x stable" rule was skipped ("stable
n/a", a pass). Now only a refusal of what the back end cannot parse (400 ``bad_data``: no
``histogram_count`` before 2.40, a quoted label before 3.0) or does not know (an error naming
``histogram_count``: VictoriaMetrics' 422 ``unknown func``) is no data; any other raises."""

from __future__ import annotations

import urllib.parse

import pytest

from ctloop.config import CanaryRules
from ctloop.errors import ServingError
from ctloop.serving import analysis
from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, get_source
from tests.fixtures.servers import InThreadServer, JsonHandler

CANARY, STABLE, NS = "credit-predictor-00002", "credit-predictor-00001", "ml"
TOO_MANY = {"status": "error", "errorType": "execution",
            "error": "query processing would load too many samples into memory in query execution"}
UNKNOWN = {"status": "error", "errorType": "execution", "error": 'unknown func "histogram_count"'}
PARSE = {"status": "error", "errorType": "bad_data",
         "error": '1:5: parse error: unexpected "(" in aggregation'}


def _vector(value):
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [] if value is None else [{"metric": {}, "value": [0, str(value)]}]}}


def _backend(native_p99_refusal: tuple[int, dict]):
    """The canary's p99 in classic buckets (0.4 s); the stable's only native, and its query refused."""

    class Handler(JsonHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["query"][0]
            code, body = 200, _vector(1000)
            if "histogram_quantile" in query:
                native = "_bucket" not in query
                if CANARY in query:
                    body = _vector(None if native else 0.4)
                else:
                    code, body = native_p99_refusal if native else (200, _vector(None))
            elif 'outcome="error"' in query:
                body = _vector(0)
            self.send_json(code, body)

    return InThreadServer(Handler)


def _check(backend):
    prom = Prometheus(backend.root_url, auth=PrometheusAuth())
    return analysis.make_check(prom, source="ctloop", canary_revision=lambda: CANARY, stable_revision=lambda: STABLE,
                               namespace=NS, rules=CanaryRules())


def test_the_stables_p99_failing_to_execute_is_an_error_not_a_skipped_rule():
    with _backend((422, TOO_MANY)) as backend:
        with pytest.raises(ServingError, match="HTTP 422.*too many samples"):
            _check(backend)(5)


@pytest.mark.parametrize("refusal", [(422, UNKNOWN), (400, PARSE)], ids=["unknown-func", "parse-error"])
def test_a_native_query_the_back_end_cannot_parse_or_does_not_know_is_still_no_data(refusal):
    with _backend(refusal) as backend:
        passed, why, measured = _check(backend)(5)
        assert passed and measured["stable_p99_seconds"] is None, why
        stats = get_source("ctloop").stats(Prometheus(backend.root_url, auth=PrometheusAuth()), STABLE, NS, "5m")
        assert stats.p99_seconds is None and stats.requests == 1000
