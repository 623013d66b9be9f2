"""A gateway's rate limit in front of KFP (HTTP 429) was answered with the wrong fix.

A gateway's rate limit answers before the request reaches the KFP API server: Istio's (Envoy's) local rate
limit with ``429 Too Many Requests``; ingress-nginx's ``limit-rps`` with 503 by default, or with an HTML 429
page given ``limit-req-status-code: 429`` (ingress-nginx ``internal/ingress/controller/config/config.go``
``NewDefault``: ``LimitReqStatusCode: 503``; nginx's ``limit_req`` sends no ``Retry-After``); some gateways
add ``Retry-After``. An HTML 429 read "answered HTTP
429 (429 Too Many Requests) — fix: check --host and the credentials" (neither is wrong); a JSON one gave no
fix at all; with ``Retry-After`` (also a 503 maintenance page's) urllib3 turned the answer into MaxRetryError "too
many 429 error responses" (ctloop's ``Retry(status=0)`` allows none), read as "cannot reach KFP — fix: check
--host". It now says the request was refused by a rate limit, and when to retry; a 503 with ``Retry-After`` is
the failing API server it is."""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

# ingress-nginx's limit-rps page with limit-req-status-code: 429 (nginx's built-in error page; no Retry-After)
NGINX_429 = (
    "<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many "
    "Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class RateLimited(KfpApiDouble):
    answer: tuple[str, str, tuple] | None = None
    status = 429

    def _handler(self):
        base = super()._handler()
        double = self

        class Handler(base):
            def do_GET(self):
                if double.answer and "/runs" in self.path:
                    return self._raw(
                        double.status, double.answer[0], double.answer[1], double.answer[2]
                    )
                return super().do_GET()

        return Handler


@pytest.mark.parametrize(
    "answer, when",
    [
        (("text/html", NGINX_429, ()), "in a minute"),
        (
            ("application/json", '{"error": "rate limited"}', (("Retry-After", "30"),)),
            "after 30 s (Retry-After)",
        ),
    ],
    ids=["nginx-html-429", "json-retry-after"],
)
def test_a_rate_limit_says_retry(monkeypatch, tmp_path, answer, when):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    with RateLimited() as kfp:
        platform = Platform(host=kfp.url)
        experiment_id = platform.ensure_experiment("ctloop")
        kfp.answer = answer
        with pytest.raises(PlatformError) as caught:
            platform.recent_runs(experiment_id)
    line = str(caught.value)
    assert "is limiting requests: HTTP 429" in line and f"retry {when}" in line, line
    assert "check --host" not in line and "\n" not in line and "<" not in line, line


def test_a_503_with_retry_after_is_the_api_failing_not_unreachable(monkeypatch, tmp_path):
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    with RateLimited() as kfp:
        platform = Platform(host=kfp.url)
        experiment_id = platform.ensure_experiment("ctloop")
        kfp.answer = (
            "text/html",
            "<html><head><title>503 Service Temporarily Unavailable</title></head></html>",
            (("Retry-After", "120"),),
        )
        kfp.status = 503
        with pytest.raises(PlatformError) as caught:
            platform.recent_runs(experiment_id)
    line = str(caught.value)
    assert (
        "HTTP 503 (503 Service Temporarily Unavailable)" in line and "cannot reach" not in line
    ), line
    # ingress-nginx's limit-rps answers 503 by default: said, beside the API server
    assert "ingress-nginx's rate limit (limit-rps answers 503" in line, line
