"""Where canary analysis reads each revision's traffic: the metric *sources*.

See docs/serving.md#metric-sources. A source names the Prometheus series that count one
revision's requests, its 5xx (and 4xx) answers and its latency, and how a revision is selected in them.
The Python queries (:meth:`MetricSource.stats`) and the recording rules of
``manifests/components/monitoring`` (:meth:`MetricSource.rule_group`) are built from the same
definition, so they cannot drift apart.

* ``ctloop`` (**default**): the ctloop serving runtime's own ``ctloop_predictions_total`` /
  ``ctloop_predict_seconds`` (``serving/runtime.py``), per revision through the monitoring
  component's PodMonitor. The only source that works on a stock KServe 0.20 install with nothing
  but ctloop's manifests. Blind to the 503/504 the queue-proxy answers itself; counts instances
  (its 4xx share is of requests: ``ctloop_requests_total``, which an older runtime image lacks).
* ``knative-otel``: Knative >= 1.19 queue-proxy (OpenTelemetry): otelhttp's
  ``http.server.request.duration`` around the whole queue-proxy handler chain, so its own
  503/504 count; the revision joined from ``target_info``. Needs
  ``request-metrics-protocol: prometheus`` in ``knative-serving/config-observability`` (the
  default is ``none``).
* ``knative-legacy``: Knative <= 1.18 queue-proxy (OpenCensus): ``revision_request_count`` /
  ``revision_request_latencies`` (milliseconds), which include the queue-proxy's own 503/504
  (``revision_app_request_*`` do not).
* ``istio``: Istio as Knative's ingress: the gateway's ``istio_requests_total`` /
  ``istio_request_duration_milliseconds`` (``reporter="source"``), the revision as
  ``destination_service_name`` (Knative routes each split to the Service named after the
  revision). Needs Prometheus to scrape the Istio gateways.

Upstream sources of every name (read, not guessed): knative/serving
``pkg/queue/request_metric.go``, ``pkg/queue/sharedmain/{handlers,otel}.go``,
``pkg/metrics/key.go`` at knative-v1.18.0 and knative-v1.21.1; knative/pkg
``observability/metrics/prometheus_enabled.go`` (4a022ed9999a, pinned by serving 1.21.1):
``otlptranslator.UnderscoreEscapingWithSuffixes``; OpenTelemetry Go ``exporters/prometheus``
v0.61.0 (``target_info``, ``otel_scope_*``) and otelhttp v0.64.0 (``internal/semconv/server.go``);
istio 1.27.1 dashboards; knative/serving ``pkg/reconciler/route/resources/ingress.go``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from typing import Any

from ctloop.errors import ConfigError, ServingError
from ctloop.urls import check_http_url

DOC = "docs/serving.md#metric-sources"
RULE_WINDOW = "5m"  # the recording rules' window: names end in :rate5m / :5m
SOURCE_GROUP = (
    "ctloop-source"  # group 0 of the PrometheusRule, replaced by the sources/<name> components
)
SOURCE_REQUESTS = "ctloop:source_requests:rate5m"  # {namespace, isvc, revision, code_class}
# instances/s by code_class, of a source counting instances beside requests (ctloop) only
SOURCE_INSTANCES = "ctloop:source_instances:rate5m"  # {namespace, isvc, revision, code_class}
# each request's instances squared /s by code_class, of a source counting them (ctloop; none for a pod of an
# image without the counter): the 5xx rule's effective count of failed requests
SOURCE_SQUARES = "ctloop:source_instances_squared:rate5m"  # {namespace, isvc, revision, code_class}
QUANTILE = 0.99  # the latency quantile the canary rules judge (p99)
SOURCE_P99 = "ctloop:source_latency_p99_seconds:5m"  # {namespace, isvc, revision}
# A range as Prometheus parses it: prometheus/common model.ParseDuration (model/time.go
# durationRE): ASCII digits, units in descending order, compounds such as 1h30m; above 0 (v2.42
# promql/parser/parse.go parseDuration) and within a Go time.Duration (2**63-1 ns, 292 years:
# "duration out of range"); tests/serving/test_fix40a_prometheus_range.py puts every form to a
# real Prometheus 2.42. One check for rollout.rules.window (ctloop.config) and probe --lookback.
_RANGE = re.compile(r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?"
                    r"(?:([0-9]+)s)?(?:([0-9]+)ms)?")
_RANGE_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)


def range_ms(value: Any) -> int:
    """The milliseconds of a Prometheus range (0 when ``value`` is none, 2**63 when too long)."""
    match = _RANGE.fullmatch(value) if isinstance(value, str) else None
    # the leading zeros gone, more than 19 digits is out of range (and int() of 4301 raises)
    numbers = [(n or "").lstrip("0") or "0" for n in match.groups()] if match else ["0"]
    return (sum(int(n) * unit for n, unit in zip(numbers, _RANGE_MS, strict=False))
            if max(map(len, numbers)) < 20 else 2**63)


def format_range(ms: int) -> str:
    """``ms`` milliseconds as a Prometheus range: 120000 -> ``2m``."""
    for unit, size in (("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def range_problem(value: Any) -> str | None:
    """Why ``value`` is no Prometheus range (PromQL ``[...]``), or None."""
    ms = range_ms(value)
    if not 0 < ms * 1_000_000 < 2**63:
        return "must be a Prometheus range above 0 such as 5m, 30s, 1h or 1h30m"
    return None


# KServe's Knative configuration <isvc>-predictor (<isvc>-predictor-default before 0.9)
PREDICTOR = "(.+)-predictor(-default)?"
# The queue-proxy's request-metrics port (knative/serving pkg/apis/serving/v1/revision_helpers.go
# UserQueueMetricsPortName, 9091). Declared on every pod, but in Knative >= 1.19 served only with
# request-metrics-protocol: prometheus (knative-v1.21.1 pkg/queue/sharedmain/otel.go; the default
# "none" gets a no-op meter provider, knative/pkg observability/metrics/provider.go): scraped on a
# stock install, each predictor pod would be a target that is down (kube-prometheus' TargetDown).
QUEUE_PROXY_PORT = "http-usermetric"
PODMONITOR = "ctloop-inferenceservices"  # manifests/components/monitoring/podmonitor.yaml
PODMONITOR_INTERVAL = "30s"  # its endpoints' scrape interval
# the relabelings of every endpoint of that PodMonitor: pod labels KServe/Knative/ctloop set
PODMONITOR_RELABELINGS = (
    ("serving.kserve.io/inferenceservice", "isvc"),
    ("serving.knative.dev/revision", "revision"),
    ("ctloop.dev/model-version", "model_version"),
)


# what an answer marked "isPartial": true (VictoriaMetrics cluster's vmselect) is kept as, among the warnings
PARTIAL_VM = ("isPartial: true (VictoriaMetrics: a vmstorage node did not answer, the series it holds are "
              "missing; vmselect -search.denyPartialResponse makes that an error)")


# Credentials for a Prometheus behind an auth proxy (OpenShift's thanos-querier behind
# kube-rbac-proxy, oauth2-proxy, Prometheus' own web config): environment variables, set from
# Secret ctloop-prometheus (token / username / password) and ConfigMap ctloop-settings (the file
# paths) on every pipeline task (ctloop.ops.settings), or exported before `ctloop doctor`.
TOKEN_ENV = "PROMETHEUS_TOKEN"
TOKEN_FILE_ENV = "PROMETHEUS_TOKEN_FILE"
USERNAME_ENV = "PROMETHEUS_USERNAME"
PASSWORD_ENV = "PROMETHEUS_PASSWORD"  # noqa: S105 - the variable's name, not a password
CA_FILE_ENV = "PROMETHEUS_CA_FILE"
AUTH_DOC = "docs/serving.md#prometheus-behind-an-auth-proxy"
# the same settings for the Pushgateway the monitoring pipeline pushes to (PUSHGATEWAY_TOKEN, ...)
PUSHGATEWAY = "PUSHGATEWAY"
PUSHGATEWAY_AUTH_DOC = "docs/serving.md#pushgateway-behind-an-auth-proxy"
SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"  # noqa: S105 - a path


def _header_safe(value: str, where: str, doc: str = AUTH_DOC) -> str:
    """``value`` when an HTTP header can carry it (RFC 9110 field-value: visible ASCII and inner
    spaces); a line break would end the header and start another. The value is never echoed."""
    if not value or any(not (32 <= ord(c) < 127) for c in value):
        raise ConfigError(f"{where} is empty or holds a character an HTTP header cannot carry "
                          f"(a line break, a control or non-ASCII character); see {doc}")
    return value


@dataclass(frozen=True)
class PrometheusAuth:
    """How ctloop authenticates to Prometheus: a bearer token (given, or read from a file at each
    query — a projected service-account token rotates under the pod), HTTP basic auth, and a CA
    bundle for a certificate no system CA signed. Secrets never appear in ``repr`` or messages.

    ``prefix`` names the variables: ``PROMETHEUS`` (``PROMETHEUS_TOKEN``, ...) for the queries,
    ``PUSHGATEWAY`` (``PUSHGATEWAY_TOKEN``, ...) for the monitoring pushes (:data:`PUSHGATEWAY`)."""

    token: str = field(default="", repr=False)
    token_file: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""
    prefix: str = "PROMETHEUS"

    def var(self, suffix: str) -> str:
        """The environment variable of one setting: ``TOKEN``, ``TOKEN_FILE``, ``USERNAME``, ..."""
        return f"{self.prefix}_{suffix}"

    @property
    def doc(self) -> str:
        return AUTH_DOC if self.prefix == "PROMETHEUS" else PUSHGATEWAY_AUTH_DOC

    @classmethod
    def from_env(cls, env: Any = None, prefix: str = "PROMETHEUS") -> PrometheusAuth:
        env = os.environ if env is None else env
        names = {key: f"{prefix}_{key.upper()}" for key in ("token", "token_file", "username", "password", "ca_file")}
        # a password is sent as given (spaces are legal in it); the rest loses a Secret's trailing newline
        got = {key: (env.get(name) or "") if key == "password" else (env.get(name) or "").strip()
               for key, name in names.items()}
        auth = cls(**got, prefix=prefix)
        auth.check()
        return auth

    def check(self) -> None:
        """One ConfigError naming the variables when the settings contradict each other or name
        a file that cannot be read."""
        token, token_file, user, password = (self.var(s) for s in ("TOKEN", "TOKEN_FILE", "USERNAME", "PASSWORD"))
        if self.token and self.token_file:
            raise ConfigError(f"both {token} and {token_file} are set: set one ({self.doc})")
        if (self.token or self.token_file) and (self.username or self.password):
            raise ConfigError(f"a bearer token ({token}/{token_file}) and basic auth "
                              f"({user}/{password}) are both set: set one ({self.doc})")
        if bool(self.username) != bool(self.password):
            given, missing = ((user, password) if self.username else (password, user))
            raise ConfigError(f"{given} is set but {missing} is not: basic auth needs both ({self.doc})")
        if self.token:
            _header_safe(self.token, token, self.doc)
        if self.username and ":" in self.username:
            raise ConfigError(f"{user} holds ':', which basic auth cannot carry in a user name "
                              "(RFC 7617)")
        if self.token_file:
            self.bearer()  # readable now, not only at the first query
        if self.ca_file:
            self.ssl_context()

    @property
    def sends_credentials(self) -> bool:
        return bool(self.token or self.token_file or self.username)

    def describe(self) -> str:
        """What is sent, for messages: never the secret itself."""
        if self.token_file:
            return f"the bearer token in {self.var('TOKEN_FILE')}={self.token_file}"
        if self.token:
            return f"the bearer token in {self.var('TOKEN')}"
        if self.username:
            return f"basic auth as {self.var('USERNAME')}={self.username!r}"
        return "no credentials"

    def bearer(self) -> str:
        """The token to send now: a token file is read at every call (kubelet rewrites a projected
        service-account token before it expires)."""
        if not self.token_file:
            return self.token
        where = self.var("TOKEN_FILE")
        try:
            with open(self.token_file, encoding="utf-8") as fh:  # closed here, not by the collector
                text = fh.read().strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ConfigError(f"{where}={self.token_file!r} cannot be read: {why} "
                              f"(in a pod, the service-account token is {SERVICE_ACCOUNT_TOKEN})") from None
        return _header_safe(text, f"the token in {where}={self.token_file!r}", self.doc)

    def headers(self) -> dict[str, str]:
        if self.username:
            import base64

            pair = f"{self.username}:{self.password}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        token = self.bearer()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.ca_file:
            return None
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(f"{self.var('CA_FILE')}={self.ca_file!r} is no readable PEM CA bundle: {why}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Credentials go to prometheus_url only: urllib's redirect handler copies the Authorization
    header to wherever a 3xx points (CPython 3.11 ``urllib/request.py`` redirect_request)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise ServingError(f"Prometheus at {_origin(req.full_url)} answered HTTP {code} to {_origin(newurl)}: "
                           "ctloop does not follow a redirect with credentials (a login page?); give "
                           "prometheus_url the query API itself")


def url_without_credentials(url: Any) -> str | None:
    """``url`` as a message may show it when it holds an '@' anywhere (a user name or password,
    which may itself hold '/', '?', '#' or '@'), else None: the scheme and what follows the last
    '@' up to any query or fragment — never the text before it. (An '@' of a path or query is
    refused too, and the message says to write it %40: no rule tells it from a password's.) urlsplit's netloc is cut at the first '/', '?' or '#' (CPython
    3.11 ``urllib/parse.py``), inside such a password, so it is not used here."""
    if not isinstance(url, str) or "@" not in url:
        return None
    scheme, sep, _ = url.partition("://")
    host = re.split(r"[?#]", url.rpartition("@")[2], maxsplit=1)[0]
    return f"{scheme}://{host}" if sep and "@" not in scheme else host


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


ANSWER_LIMIT = 16 * 2**20  # bytes: ctloop's instant queries are aggregates, a few hundred bytes


class AnswerTooLong(Exception):
    """An answer larger than :data:`ANSWER_LIMIT` or still arriving when its time is up."""


def read_answer(resp: Any, timeout_s: float, limit: int = ANSWER_LIMIT, prefix: bool = False,
                floor_s: float = 1.0) -> bytes:
    """The body of ``resp`` (an http.client response, or urllib's HTTPError) read for at most
    ``timeout_s`` (at least ``floor_s``) and ``limit`` bytes, else AnswerTooLong: the socket
    timeout bounds each receive, not the answer, and an endless or trickled body (a stream, not
    an API) was read for ever. ``prefix``: a longer body is no error, its first ``limit`` bytes
    are the answer (a snippet of an error page). ``floor_s`` 0 where the caller's own deadline
    must hold (a retried query given what is left of its timeout)."""
    read = getattr(resp, "read1", None) or resp.read
    budget = max(timeout_s, floor_s)
    deadline = time.monotonic() + budget
    parts, size = [], 0
    while chunk := read(65536):
        size += len(chunk)
        if size > limit or (prefix and size == limit):
            if prefix:
                return b"".join([*parts, chunk])[:limit]
            raise AnswerTooLong(f"an answer of more than {limit // 2**20} MiB" if limit >= 2**20
                                else f"an answer of more than {limit} bytes")
        if time.monotonic() > deadline:
            # the limit kept, to a tenth of a second ("1 s", "0.4 s"), not the caller's timeout_s
            raise AnswerTooLong(f"an answer still arriving after {round(budget, 1):g} s" if budget >= 0.05
                                else "an answer still arriving at the end of its timeout")
        parts.append(chunk)
    missing = getattr(resp, "length", None)  # http.client: read1 ends quietly short of Content-Length
    if not prefix and isinstance(missing, int) and missing > 0:  # (a snippet may be cut short)
        raise http.client.IncompleteRead(b"".join(parts), missing)
    return b"".join(parts)


def _error_text(exc: urllib.error.HTTPError, timeout_s: float = 10.0) -> str:
    """Why Prometheus (its JSON ``error``) or a proxy in front of it (a short text/plain body such
    as kube-rbac-proxy's ``Forbidden (user=…)``; never an HTML page) refused a query."""
    return _error_answer(exc, timeout_s)[0]


def _error_answer(exc: urllib.error.HTTPError, timeout_s: float = 10.0, floor_s: float = 1.0) -> tuple[str, str]:
    """``(why, errorType)``: :func:`_error_text` and the JSON ``errorType`` (``""`` if none;
    Prometheus v2.42 ``web/api/v1/api.go``: ``bad_data`` for a query it cannot parse,
    ``execution`` for one it could not run)."""
    try:
        raw = read_answer(exc, timeout_s, 65536, floor_s=floor_s)
    except (OSError, http.client.HTTPException, AnswerTooLong):
        raw = b""
    finally:  # the error holds its answer's socket (read1 does not close it at the end): one per refusal
        exc.close()  # stayed open as long as the ServingError raised from it (round 52)
    why: Any = None
    kind = ""
    try:
        body = json.loads(raw)
        why = body.get("error") if isinstance(body, dict) else body if isinstance(body, str) else None
        kind = str(body.get("errorType") or "") if isinstance(body, dict) else ""
    except (json.JSONDecodeError, UnicodeDecodeError):
        ctype = (exc.headers.get("Content-Type") or "") if exc.headers else ""
        if ctype.startswith("text/plain"):
            why = raw.decode("utf-8", "replace")
    text = " ".join(str(why or "").split())[:200]
    reason = " ".join(str(exc.reason or "").split())
    return (f"{reason}: {text}" if text and text.lower() != reason.lower() else reason or text), kind


# what a back end that cannot parse or does not know a fallback's PromQL says in its refusal: an
# unknown function (VictoriaMetrics' 422 'unknown func "histogram_count"') or a parse error (a quoted
# name before Prometheus 3). Not a series it quotes: a query it parsed and could not run prints them
# too (a many-to-many join: [{__name__="target_info", …}, …], HTTP 422 execution)
_UNKNOWN_PROMQL = re.compile(r"unknown func|unsupported func|parse error|cannot parse", re.IGNORECASE)


def refused_as_unknown(exc: BaseException) -> bool:
    """Whether a ServingError of :meth:`Prometheus.query` says the back end cannot parse or does
    not know the query (no data for a fallback), not that it failed to run it: 400 ``bad_data``
    (a parse error), or a 400/422 saying it does not know a function or cannot parse the query.
    A 422 ``execution`` error such as ``--query.max-samples`` exceeded or a many-to-many join
    (which quotes the series) is a failure, never no data."""
    status = getattr(exc, "status", None)
    if status == 400 and getattr(exc, "error_type", "") == "bad_data":
        return True
    return status in (400, 422) and bool(_UNKNOWN_PROMQL.search(getattr(exc, "why", "")))


def configured_url(given: Any, env: str) -> str:
    """The URL of a setting: ``given`` (a flag, ``ctloop.yaml``), else the environment variable
    ``env`` (ConfigMap ``ctloop-settings``), without the whitespace around it: a ConfigMap value
    written as a YAML block (``PROMETHEUS_URL: |``) ends in a newline. One rule for
    ``PROMETHEUS_URL`` and ``PUSHGATEWAY_URL``. A blank ``given`` (``" "``) is not given: the
    environment variable's value is taken. Only spaces, tabs and line ends are stripped
    (``str.strip()`` would also take ``\\x1f``, ``\\x85`` or ``\\u2028`` off); any other control
    character, and a space inside the URL, is still refused by :func:`ctloop.urls.check_http_url`."""
    if isinstance(given, str):
        given = given.strip(_URL_BLANKS)
    value = given or os.environ.get(env, "")
    return value.strip(_URL_BLANKS) if isinstance(value, str) else value


_URL_BLANKS = " \t\r\n"
UNAVAILABLE_RETRIES = (0.5, 1.5)  # s: the pauses before asking again after a 502/503/504
RETRY_FLOOR_S = 0.1  # s: less of the timeout left is no retry (the 502/503/504 is the answer)


class Prometheus:
    """Instant queries over the Prometheus HTTP API (``/api/v1/query``).

    ``auth`` defaults to :meth:`PrometheusAuth.from_env` (``PROMETHEUS_TOKEN``,
    ``PROMETHEUS_TOKEN_FILE``, ``PROMETHEUS_USERNAME``/``PROMETHEUS_PASSWORD``,
    ``PROMETHEUS_CA_FILE``)."""

    def __init__(self, url: str, timeout_s: float = 10.0, auth: PrometheusAuth | None = None):
        url = url.strip(_URL_BLANKS) if isinstance(url, str) else url  # a ConfigMap value written with '|' ends in "\n"
        if not url:
            raise ConfigError(
                "no Prometheus URL: set PROMETHEUS_URL (ConfigMap ctloop-settings) "
                "or pass prometheus_url"
            )
        # urllib never sends a URL's user:password, and every message showed them: refused first,
        # before check_http_url quotes the URL whole
        shown = url_without_credentials(url)
        if shown is not None:
            raise ConfigError(f"Prometheus URL {shown!r} holds a user name or password: set "
                              f"{USERNAME_ENV}/{PASSWORD_ENV} (Secret ctloop-prometheus) instead ({AUTH_DOC}); an "
                              "'@' in its path or query is written %40")
        check_http_url(url, "Prometheus URL", "e.g. http://prometheus-operated.monitoring.svc:9090")
        parts = urllib.parse.urlsplit(url)
        if parts.query or parts.fragment or url.endswith(("?", "#")):
            # /api/v1/query went after them: into the query string, or cut off with the fragment
            raise ConfigError(f"Prometheus URL {parts.scheme}://{parts.netloc}{parts.path} has a query or "
                              "fragment ('?', '#'): give its base URL (a path prefix such as /prometheus is "
                              "kept), e.g. http://prometheus-operated.monitoring.svc:9090")
        self.url = url.rstrip("/")
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not 0 < timeout_s < math.inf:
            # 0 made every socket non-blocking (connect: [Errno 115] Operation now in progress)
            raise ConfigError(f"Prometheus timeout_s {timeout_s!r}: give a positive number of seconds, e.g. 10")
        self.timeout_s = timeout_s
        self.auth = PrometheusAuth.from_env() if auth is None else auth
        handlers: list[Any] = []
        if self.auth.sends_credentials:
            handlers.append(_NoRedirect())
        context = self.auth.ssl_context()
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._open = urllib.request.build_opener(*handlers).open
        # the "warnings" of every answer so far (Prometheus' HTTP API: a remote-read store or a
        # Thanos store that failed — the data is partial; newer PromQL warnings too)
        self.warnings: list[str] = []

    def query(self, expr: str, at: float | None = None, *, parse: Any = None) -> list[Any]:
        """The samples of ``expr`` at ``at``. An HTTP 502/503/504 (a proxy or Thanos Querier
        whose Prometheus is restarting, an overloaded querier) is asked again after
        :data:`UNAVAILABLE_RETRIES` pauses, within the query timeout: the check of a canary step
        that waited minutes was otherwise failed, and the canary rolled back, by a blip of
        Prometheus. Any other refusal is final at once (see :meth:`_retried`)."""
        return self._retried(lambda timeout_s: self._query(expr, at, timeout_s, parse))

    def _retried(self, attempt: Any) -> Any:
        """``attempt(timeout_s)``, asked again after an HTTP 502/503/504 after each
        :data:`UNAVAILABLE_RETRIES` pause while the timeout lasts; one rule for the queries and
        :meth:`api`. Each attempt is given what is left of the timeout (its connection and its
        answer): an answer taking its whole timeout after a retry made a query of ``timeout_s``
        2 s take 3.3 s. Less than :data:`RETRY_FLOOR_S` left after a pause (a sleep returns late
        on a loaded machine) is no retry: the 502/503/504 is raised as it was, never a socket
        timeout of zero or less (urllib's ``ValueError('Timeout value out of range')``) or a
        "timed out" hiding it."""
        deadline = time.monotonic() + self.timeout_s
        timeout_s = self.timeout_s
        for pause in (*UNAVAILABLE_RETRIES, None):
            try:
                return attempt(timeout_s)
            except ServingError as exc:
                if (getattr(exc, "status", None) not in (502, 503, 504) or pause is None
                        or time.monotonic() + pause + RETRY_FLOOR_S >= deadline):
                    raise
                time.sleep(pause)
                timeout_s = min(self.timeout_s, deadline - time.monotonic())
                if timeout_s < RETRY_FLOOR_S:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, target: str, timeout_s: float, what: str, failed: str) -> bytes:
        """The body of one GET of ``target`` (a path and query string under the base URL), its
        connection, answer and body within ``timeout_s`` (a body read by :func:`read_answer`
        with its 1 s floor ran a retry up to 1 s past the query's timeout), sent with the
        credentials and CA file, no redirect followed. The one mapping of its failures to a
        ServingError, for the queries and :meth:`api` alike: an HTTP error is "rejected
        ``what`` (HTTP n): why" with ``status``, ``error_type`` and ``why`` (401/403: what to
        set, :meth:`_refused`); any other failure starts with ``failed`` (a certificate not
        verified says to set PROMETHEUS_CA_FILE)."""
        deadline = time.monotonic() + timeout_s

        def left() -> float:  # what reading a body may still take
            return max(deadline - time.monotonic(), 0.0)
        req = urllib.request.Request(f"{self.url}{target}", headers=self.auth.headers())
        try:
            with self._open(req, timeout=timeout_s) as resp:
                return read_answer(resp, left(), floor_s=0.0)
        except urllib.error.HTTPError as exc:  # 400/422: Prometheus says why in the JSON body
            why, kind = _error_answer(exc, left(), floor_s=0.0)
            if exc.code in (401, 403):  # an auth proxy in front of Prometheus (oauth2-proxy, ...)
                error = ServingError(self._refused(exc.code, why))
            else:
                error = ServingError(f"Prometheus at {self.url} rejected {what} (HTTP {exc.code}): {why}")
            error.status = exc.code  # 400: it does not parse here (an older PromQL); 422: cannot run
            error.error_type, error.why = kind, why  # what refused_as_unknown() tells apart
            raise error from exc
        except AnswerTooLong as exc:
            raise ServingError(f"{failed}: {exc}, which is no answer of its HTTP API; is prometheus_url "
                               "the Prometheus HTTP API?") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            why = " ".join(str(exc).split())[:200]  # an SSH/TLS banner or HTML spans lines
            if isinstance(exc, http.client.HTTPException):
                why = f"no HTTP answer ({type(exc).__name__}: {why[:80]!r})"
            if "CERTIFICATE_VERIFY_FAILED" in why:
                why += (f"; set {CA_FILE_ENV} to the CA bundle that signed its certificate (OpenShift: "
                        "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt)")
            raise ServingError(f"{failed}: {why}") from exc

    def _query(self, expr: str, at: float | None = None,
               timeout_s: float | None = None, parse: Any = None) -> list[Any]:
        """One attempt of :meth:`query` within ``timeout_s``. ``parse(expr, payload)`` reads the
        answer (default :meth:`_samples`, an instant vector)."""
        timeout_s = self.timeout_s if timeout_s is None else timeout_s
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        failed = f"Prometheus query failed ({self.url})"
        body = self._get(f"/api/v1/query?{urllib.parse.urlencode(params)}", timeout_s, repr(expr), failed)
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            why = " ".join(str(exc).split())[:200]
            raise ServingError(f"{failed}: {why}") from exc
        samples = (parse or self._samples)(expr, payload)
        self._warned(payload)
        return samples

    def _warned(self, payload: Any) -> None:
        """Keep the ``warnings`` of an answer (a Thanos store or remote-read store that failed:
        the data is partial), and VictoriaMetrics' ``"isPartial": true`` as one: its cluster
        version answers with the vmstorage nodes that did answer, ``status: success`` and no
        warning (``app/vmselect/prometheus/query_response.qtpl`` ``QueryResponse(isPartial, …)``,
        since v1.47.0; partial answers are its default, ``-search.denyPartialResponse`` off)."""
        warnings = (payload.get("warnings") if isinstance(payload, dict) else None) or []
        # an info annotation says nothing of missing data (Prometheus 2.45-2.51 sent PromQL's "PromQL info:"
        # annotations among the warnings, promql/annotations/annotations.go; 2.52 moved them to "infos")
        self.warnings += [text for w in (warnings if isinstance(warnings, list) else [warnings])
                          if not (text := " ".join(str(w).split())).lower().startswith("promql info:")]
        if isinstance(payload, dict) and payload.get("isPartial") is True:
            self.warnings.append(PARTIAL_VM)

    def api(self, path: str) -> dict[str, Any]:
        """The ``data`` of a GET of another read endpoint of the HTTP API (``/api/v1/rules``,
        ``/api/v1/targets``: Prometheus v2.42 ``web/api/v1/api.go``), sent, retried and its
        failures told as the queries' (:meth:`_get`, :meth:`_retried`); its ``warnings`` are
        kept in :attr:`warnings`. A refusal is a ServingError with ``status`` (404: a back end
        without that endpoint); an answer that is no API response (a login page, HTML with
        HTTP 200) is one naming the URL and the path."""
        failed = f"Prometheus at {self.url} did not answer GET {path}"

        def attempt(timeout_s: float) -> dict[str, Any]:
            body = self._get(path, timeout_s, f"GET {path}", failed)
            try:
                payload = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                payload = None
            data = payload.get("data") if isinstance(payload, dict) else None
            if not isinstance(payload, dict) or payload.get("status") != "success" or not isinstance(data, dict):
                shown = " ".join(body[:60].decode(errors="replace").split())
                raise ServingError(f"Prometheus at {self.url} answered GET {path} with no Prometheus API response "
                                   f"({shown!r}); is prometheus_url its HTTP API?")
            self._warned(payload)
            return data
        return self._retried(attempt)

    def _refused(self, code: int, why: str) -> str:
        where = f"Prometheus at {self.url} refused the query (HTTP {code} {why})"
        if not self.auth.sends_credentials:
            return (f"{where}: ctloop sends no credentials; set {TOKEN_FILE_ENV} (e.g. the pod's "
                    f"service-account token {SERVICE_ACCOUNT_TOKEN}), {TOKEN_ENV} or "
                    f"{USERNAME_ENV}/{PASSWORD_ENV} ({AUTH_DOC}), or give a prometheus_url that needs "
                    "none (e.g. the in-cluster prometheus-operated service, port 9090)")
        if code == 401:
            return (f"{where}: it did not accept {self.auth.describe()} (expired, revoked, or for "
                    "another server)")
        return (f"{where}: {self.auth.describe()} was accepted but may not query (OpenShift's "
                "thanos-querier needs cluster role cluster-monitoring-view for the service account)")

    def _samples(self, expr: str, payload: Any) -> list[tuple[dict[str, str], float]]:
        """The samples of an instant-query answer (Prometheus v2.42 ``web/api/v1/api.go``:
        ``data.resultType`` ``vector`` or ``scalar``); anything else — an answer of a proxy or
        a look-alike API — is one ServingError naming the URL, never a KeyError/TypeError."""
        where = f"Prometheus at {self.url}"
        if not isinstance(payload, dict):
            raise ServingError(f"{where} answered {expr!r} with JSON that is no Prometheus API "
                               f"response ({type(payload).__name__}); is prometheus_url its HTTP API?")
        if payload.get("status") != "success":
            raise ServingError(f"{where} rejected {expr!r}: {payload.get('error')}")
        data = payload.get("data")
        kind = data.get("resultType") if isinstance(data, dict) else None
        result = data.get("result") if isinstance(data, dict) else None
        try:
            if kind == "scalar":
                return [({}, float(result[1]))]
            if kind != "vector" or not isinstance(result, list):
                raise ValueError(f"resultType {kind!r}, not an instant vector")
            return [(dict(r["metric"]), float(r["value"][1])) for r in result]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ServingError(
                f"{where} answered {expr!r} with an unreadable result ({exc.__class__.__name__}: "
                f"{exc}); is prometheus_url the Prometheus HTTP API?") from None

    def sample_times(self, expr: str, at: float | None = None) -> list[list[float]]:
        """The timestamps (s) of the raw samples of each series of a range selector ``expr``
        (``metric{…}[1h]``: an instant query answered with a ``matrix``; float samples in
        ``values``, native histograms in ``histograms``, Prometheus v2.42 ``web/api/v1/api.go``)."""
        def parse(expr: str, payload: Any) -> list[list[float]]:
            if not isinstance(payload, dict) or payload.get("status") != "success":
                why = payload.get("error") if isinstance(payload, dict) else "no Prometheus API response"
                raise ServingError(f"Prometheus at {self.url} rejected {expr!r}: {why}")
            data = payload.get("data")
            try:
                if not isinstance(data, dict) or data.get("resultType") != "matrix" \
                        or not isinstance(data.get("result"), list):
                    raise ValueError(f"resultType {data.get('resultType')!r}, not a range vector")
                return [sorted(float(p[0]) for p in [*(r.get("values") or []), *(r.get("histograms") or [])])
                        for r in data["result"]]
            except (AttributeError, IndexError, TypeError, ValueError) as exc:
                raise ServingError(f"Prometheus at {self.url} answered {expr!r} with an unreadable result "
                                   f"({exc.__class__.__name__}: {exc}); is prometheus_url the Prometheus HTTP "
                                   "API?") from None
        return self.query(expr, at, parse=parse)

    def scalar(self, expr: str, at: float | None = None) -> float | None:
        """The first sample's value; ``None`` for no data (or NaN)."""
        result = self.query(expr, at)
        if not result:
            return None
        value = result[0][1]
        return None if math.isnan(value) else value


@dataclass
class RevisionStats:
    """One revision over one window: ``requests`` (``None``/0 = no data), 5xx share, p99 (s)."""

    revision: str
    requests: float | None
    error_rate: float | None
    p99_seconds: float | None
    warnings: tuple[str, ...] = ()  # what Prometheus warned of while answering (partial data)
    # the 4xx share (clients' errors, or a canary refusing what the stable takes) of
    # ``client_requests`` requests (one a request: ``requests`` may count instances); None: not
    # measured, ``client_unseen`` says why when the source cannot tell a 4xx, ``client_missing``
    # when this revision has no series to tell it (a runtime image without the request counter)
    client_error_rate: float | None = None
    client_unseen: str = ""
    client_requests: float | None = None
    client_missing: str = ""
    # where ``client_missing``: an upper bound of the 4xx share (refused instances over the model
    # server's predict calls, :attr:`MetricSource.predict_calls`) and that count, else None
    client_error_ceiling: float | None = None
    client_ceiling_requests: float | None = None
    # ``requests`` counts instances (the ctloop runtime), its requests are ``client_requests``
    counts_instances: bool = False
    # where ``counts_instances`` and the revision counts requests: ``error_rate`` is of requests
    # (a 5xx is a whole failed request), ``failed_requests`` their count and
    # ``failed_instance_share`` the share of the instances they carried; else None
    failed_requests: float | None = None
    failed_instance_share: float | None = None
    # where the runtime also counts each request's instances squared (:attr:`MetricSource.instance_squares`):
    # the failed instances' sum, squared, over the failed requests' sum of squares (S²/Σr², equal to
    # ``failed_requests`` for equal batches, fewer for mixed ones); None: not counted (an older image)
    failed_effective_requests: float | None = None


@dataclass(frozen=True)
class Relabel:
    """One ``label_replace(v, dst, replacement, src, regex)`` step (regex anchored by PromQL)."""

    dst: str
    src: str
    regex: str = "(.+)"
    replacement: str = "$1"

    def apply(self, expr: str) -> str:
        inner = expr.replace("\n", "\n  ")
        args = f'"{self.dst}", "{self.replacement}", "{self.src}", "{self.regex}"'
        return f"label_replace(\n  {inner},\n  {args})"


@dataclass(frozen=True)
class InfoJoin:
    """Series that carry the revision only on an info metric (OTel resource attributes on
    ``target_info``), joined by the scrape target. ``max_over_time`` keeps pods that went away
    within the window; ``max by`` folds duplicate info series of one target.

    The target is ``job``, ``instance`` *and* ``pod``: a pod IP freed by one revision's pod is
    soon given to another revision's (every queue-proxy listens on 9091), and within the window
    one ``job``/``instance`` then has two ``target_info`` series, which Prometheus refuses to
    join ("many-to-many matching not allowed"). The PodMonitor (prometheus-operator) sets
    ``pod`` on both sides; where nothing sets it (Prometheus' OTLP receiver: ``instance`` is
    ``service.instance.id``, the pod name), it is absent on both sides and matches.

    ``exported_job`` and ``exported_instance`` are part of the target too: an OpenTelemetry
    Collector's ``prometheus`` exporter writes ``job`` (``service.name``) and ``instance``
    (``service.instance.id``: the queue-proxy's pod) on every series and on ``target_info``
    (opentelemetry-collector-contrib ``exporter/prometheusexporter/collector.go``
    ``getMetricMetadata``, ``createTargetInfoMetrics``), and scraped without ``honor_labels``
    (a PodMonitor/ServiceMonitor's default) Prometheus renames them ``exported_*`` and sets the
    Collector's own (``scrape/scrape.go`` ``mutateSampleLabels``): keyed on ``job``/``instance``/
    ``pod`` alone every queue-proxy behind the Collector was one target, and each revision was
    given the requests of all of them. Absent elsewhere, on both sides."""

    revision_label: str
    namespace_label: str
    configuration_label: str
    metric: str = "target_info"
    on: tuple[str, ...] = ("job", "instance", "pod", "exported_job", "exported_instance")

    @property
    def legacy(self) -> bool:
        """Whether every label is a name PromQL before Prometheus 3 can write (``group_left``
        then carries them; a dotted one is only matched, :meth:`restrict`)."""
        labels = (self.revision_label, self.namespace_label, self.configuration_label)
        return all(_LEGACY_LABEL.fullmatch(label) for label in labels)

    def attach(self, expr: str, matchers: list[str], window: str) -> str:
        labels = ", ".join((self.revision_label, self.namespace_label, self.configuration_label))
        on = ", ".join(self.on)
        return (
            f"(\n  {expr}\n  * on ({on}) group_left ({labels})\n  max by ({on}, {labels}) "
            f"(max_over_time({_selector(self.metric, matchers)}[{window}]))\n)"
        )

    def restrict(self, expr: str, matchers: list[str], window: str) -> str:
        """``expr`` kept where the info metric matches, labels unchanged: ``and on``. What a
        native histogram is joined with: Prometheus 2.42 drops a histogram sample from ``*``
        (float-only arithmetic), while ``and`` keeps it."""
        on = ", ".join(self.on)
        return (f"(\n  {expr}\n  and on ({on})\n  "
                f"max_over_time({_selector(self.metric, matchers)}[{window}])\n)")


_LEGACY_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LEGACY_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _selector(metric: str, matchers: list[str]) -> str:
    """``metric{matchers}``; a name PromQL before Prometheus 3 cannot write bare (dots: OTLP
    names kept by NoUTF8EscapingWithSuffixes/NoTranslation) as ``{__name__="…", matchers}``."""
    if not _LEGACY_METRIC.fullmatch(metric):
        return "{" + ", ".join([f'__name__="{_quote(metric)}"', *matchers]) + "}"
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


def _label(name: str) -> str:
    """A label name in a matcher: quoted when only Prometheus 3 takes it (``"kn.revision.name"``,
    prometheus.io/docs/guides/utf8; Prometheus 2 answers HTTP 400, a parse error)."""
    return name if _LEGACY_LABEL.fullmatch(name) else f'"{_quote(name)}"'


def _utf8(**names: Any) -> None:
    """A ConfigError naming the first of ``names`` that is no UTF-8 text (bytes of another
    encoding, arrived as lone surrogates, PEP 383): a query cannot carry it."""
    for field_name, value in names.items():
        try:
            str(value or "").encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"{field_name} {value!r} is no UTF-8 text, which a Prometheus query cannot "
                              "carry (a name in another encoding?)") from None


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@dataclass(frozen=True)
class MetricSource:
    """Per-revision requests, 5xx and 4xx answers and latency in one family of Prometheus series."""

    name: str
    description: str
    required_config: str  # what must be installed/configured for the series to exist (docs, doctor)
    missing_hint: str  # the question to ask when neither revision has a series
    requests: str  # counter of every answered request (or a histogram's _count)
    buckets: str  # latency histogram _bucket
    seconds_per_unit: float  # latency unit -> seconds (0.001 for milliseconds)
    errors: str  # matcher selecting 5xx answers in ``requests``
    # matcher selecting 4xx answers in ``requests``; blank: the source cannot tell them, and
    # ``client_unseen`` says why (the 4xx rule of the analysis is then skipped with that note)
    client_errors: str = ""
    client_unseen: str = ""
    # a counter of requests (one a request) that ``client_errors`` selects in, where ``requests``
    # counts something else (instances: the ctloop runtime); the 4xx share is of it, the 4xx bound
    # assuming independent requests. ``client_missing``: why a revision without it is not judged
    client_requests: str = ""
    client_missing: str = ""
    # a count of every request that reached the model, in runtime images without ``client_requests``
    # too (KServe's predict histogram): ``client_errors`` in ``requests`` over it is an upper bound
    # of such a revision's 4xx share (a refused request is at least one refused instance)
    predict_calls: str = ""
    # a counter of each request's instances squared, by the outcome ``errors`` selects in (the ctloop
    # runtime from round 57): the 5xx rule's effective count of failed requests; a revision without it
    # has the count of its failed requests (an older image)
    instance_squares: str = ""
    revision_label: str = ""  # where a revision is named (unused with ``join``)
    namespace_label: str = ""
    scope: tuple[str, ...] = ()  # matchers on every query (e.g. the reporter)
    rule_scope: tuple[
        str, ...
    ] = ()  # extra matchers of the recording rules: KServe predictors only
    join: InfoJoin | None = None
    to_contract: tuple[Relabel, ...] = ()  # label_replace steps giving namespace, isvc, revision
    code_class: tuple[Relabel, ...] = ()  # label_replace steps giving code_class = 2xx..5xx
    upstream: str = ""  # the upstream files and tags the names come from
    # a predictor-pod port the source's series are scraped from beyond the model server's
    # user-port, added to the PodMonitor by sources/<name> (:func:`podmonitor_patch`)
    scrape_port: str = ""
    # the same series under other names (another OTLP translation strategy), asked in turn
    # when this source's own names have no data (:meth:`stats`); in the recording rules only
    # where PromQL before Prometheus 3 can write them (:meth:`rule_group`, :attr:`promql2`)
    alternates: tuple[MetricSource, ...] = ()
    # what scrapes the series and how often, for the "window too short" reason (ctloop.serving.
    # analysis); blank: ctloop's PodMonitor, every PODMONITOR_INTERVAL
    scraped_by: str = ""

    # ---------------------------------------------------------------- PromQL building blocks
    def _series(
        self,
        metric: str,
        fn: str,
        window: str,
        revision: str,
        namespace: str,
        extra: tuple[str, ...] = (),
        rules: bool = False,
        wrap: str = "",
        native: bool = False,
    ) -> str:
        """``fn(metric{...}[window])`` of one revision (or every predictor when ``rules``), inside
        ``wrap(...)`` when given; ``native``: the series are native histograms (joined with
        :meth:`InfoJoin.restrict`, which keeps them)."""
        matchers = [*self.scope, *extra]
        info: list[str] = []
        if rules:
            (info if self.join else matchers).extend(self.rule_scope)
        if self.join is None:
            if revision:
                matchers.append(f'{_label(self.revision_label)}="{_quote(revision)}"')
            if namespace:
                matchers.append(f'{_label(self.namespace_label)}="{_quote(namespace)}"')
        else:
            if revision:
                info.append(f'{_label(self.join.revision_label)}="{_quote(revision)}"')
            if namespace:
                info.append(f'{_label(self.join.namespace_label)}="{_quote(namespace)}"')
            if not info:
                info.append(f'{_label(self.join.revision_label)}!=""')
        expr = f"{fn}({_selector(metric, matchers)}[{window}])"
        expr = f"{wrap}({expr})" if wrap else expr
        if self.join is None:
            return expr
        keep = native or not self.join.legacy
        return (self.join.restrict if keep else self.join.attach)(expr, info, window)

    def _seconds(self, expr: str) -> str:
        return expr if self.seconds_per_unit == 1 else f"{expr} * {self.seconds_per_unit:g}"

    # A native histogram (Prometheus' --enable-feature=native-histograms scraping protobuf,
    # Prometheus 3's convert_classic_histograms_to_nhcb, OTLP exponential histograms) is one
    # series under the histogram's own name, without le: no <name>_bucket, _count or _sum exists.
    # Each quantity is asked of the classic series first, then of the native one (:meth:`stats`).
    @property
    def histogram(self) -> str:
        """The latency histogram's own name: what a native histogram's series are called."""
        return self.buckets.removesuffix("_bucket")

    @property
    def counts_histogram(self) -> bool:
        """Whether ``requests`` is the latency histogram's ``_count`` (knative-otel)."""
        return self.requests == f"{self.histogram}_count"

    def _counted(self, fn: str, window: str, revision: str, namespace: str, extra: tuple[str, ...] = (),
                 native: bool = False) -> str:
        if not native:
            return self._series(self.requests, fn, window, revision, namespace, extra)
        return self._series(self.histogram, fn, window, revision, namespace, extra, wrap="histogram_count")

    def _per_target(self, fn: str, window: str, revision: str, namespace: str,
                    extra: tuple[str, ...] = ()) -> str:
        """Both kinds of a histogram's count, summed per scrape target (``job``/``instance``/
        ``pod``) and combined by :meth:`_kinds`: during a migration (some pods, or Prometheus 3's
        ``convert_classic_histograms_to_nhcb`` on some targets, scraped as native histograms)
        every pod's requests count, a target scraped both ways (``always_scrape_classic_histograms``)
        is counted once, and a target switched from one kind to the other within the window
        counts its answers before the switch (the stale kind) and after it (the live one)."""
        on = ", ".join(self.join.on if self.join else InfoJoin.on)
        native, classic = (f"sum by ({on}) (\n    {_indent(self._counted(fn, window, revision, namespace, extra, k), 4)}\n  )"
                           for k in (True, False))
        return f"sum(\n  {_indent(self._kinds(native, classic, on, window), 2)}\n)"

    def _kinds(self, native: str, classic: str, on: str, window: str) -> str:
        """``native`` and ``classic`` (the two kinds' counts over ``window`` of the same label
        sets) as one per target:

        * both kinds live (scraped both ways: the same answers twice): the native count;
        * a switch within the window (the two kinds never live at once in it: Prometheus marks
          the series a scrape no longer has stale at that scrape): their sum, the stale kind
          holding the answers before the switch, the live one those after;
        * else (scraped both ways, then one kind turned off: the live kind has every answer of
          the window, the stale kind those before it turned off again) the live kind's count;
        * else (neither live: a target gone) the native count, or the classic one.

        "Live at once" is asked at the window's start (``offset``), every tenth of it
        (:func:`_kinds_step`) and at its end. Without the start, a kind turned off within the
        window's first tenth, before the subquery's first step, was taken for a switch and its
        answers of that tenth counted twice. The native count alone lost a switch's answers
        before it for a whole window; summed wherever one kind alone was live, a target turned
        from both kinds to one was counted nearly twice."""
        native_sel = _selector(self.histogram, list(self.scope))
        classic_sel = _selector(self.histogram + "_count", list(self.scope))
        live_native, live_classic = (f"group by ({on}) ({sel})" for sel in (native_sel, classic_sel))
        both_live = f"{live_native}\nand on ({on}) {live_classic}"
        at_start = (f"group by ({on}) ({native_sel} offset {window})\n"
                    f"and on ({on}) group by ({on}) ({classic_sel} offset {window})")
        together = f"count_over_time((\n  {_indent(both_live, 2)}\n)[{window}:{_kinds_step(window)}])"
        # each count written twice (PromQL evaluates every repetition)
        return (f"(\n  {_indent(native, 2)}\n  +\n  {_indent(classic, 2)}\n)\n"
                f"unless on ({on}) (\n  {_indent(together, 2)}\n  or\n  {_indent(both_live, 2)}\n"
                f"  or\n  {_indent(at_start, 2)}\n)\n"
                f"or\n(\n  {_indent(native, 2)}\n  unless on ({on}) ({live_classic} unless on ({on}) {live_native})\n)\n"
                f"or\n{classic}")

    def requests_expr(self, revision: str, namespace: str, window: str, native: bool = False,
                      both: bool = False) -> str:
        if both:
            return self._per_target("increase", window, revision, namespace)
        return f"sum({self._counted('increase', window, revision, namespace, native=native)})"

    def errors_expr(self, revision: str, namespace: str, window: str, native: bool = False,
                    both: bool = False, matcher: str = "") -> str:
        """The answers selected by ``matcher`` (default :attr:`errors`, the 5xx) in ``window``."""
        matcher = matcher or self.errors
        if both:
            return self._per_target("increase", window, revision, namespace, (matcher,))
        return f"sum({self._counted('increase', window, revision, namespace, (matcher,), native)})"

    def p99_expr(self, revision: str, namespace: str, window: str, native: bool = False,
                 quantile: float = QUANTILE) -> str:
        level = f"{quantile:.6g}"
        if native:
            rates = self._series(self.histogram, "rate", window, revision, namespace, native=True)
            return self._seconds(f"histogram_quantile({level}, sum({rates}))")
        rates = self._series(self.buckets, "rate", window, revision, namespace)
        return self._seconds(f"histogram_quantile({level}, sum by (le) ({rates}))")

    def observed_expr(self, revision: str, namespace: str, window: str, native: bool | None) -> str:
        """How many answers the latency histogram observed in ``window``: of the classic series
        (``<name>_count``, ``native`` false), of the native one (``histogram_count``, true), or of
        both per scrape target, the native one where a target has both (``None``)."""
        def one(kind: bool) -> str:
            if kind:
                return self._series(self.histogram, "increase", window, revision, namespace,
                                    wrap="histogram_count", native=True)
            return self._series(f"{self.histogram}_count", "increase", window, revision, namespace)

        if native is not None:
            return f"sum({one(native)})"
        on = ", ".join(self.join.on if self.join else InfoJoin.on)
        kinds = [f"sum by ({on}) (\n    {_indent(one(k), 4)}\n  )" for k in (True, False)]
        return f"sum(\n  {_indent(self._kinds(*kinds, on, window), 2)}\n)"

    def presence_expr(self, revision: str, namespace: str, lookback: str, native: bool = False) -> str:
        if native:  # counted as histograms: Prometheus 2.42's histogram_count(last_over_time()) is empty
            return f"count({self._series(self.histogram, 'last_over_time', lookback, revision, namespace, native=True)})"
        return f"count({self._series(self.requests, 'last_over_time', lookback, revision, namespace)})"

    def _first(self, prom: Prometheus, exprs: list[str], at: float | None,
               nan: bool = False, must: int = 0) -> tuple[int, float | None]:
        """``(index, value)`` of the first of ``exprs`` with a value (``(0, None)``: none has).
        A query the back end cannot parse or does not know (:func:`refused_as_unknown`: HTTP 400
        ``bad_data``, ``histogram_count`` before Prometheus 2.40, a dotted label before 3.0; a 422
        saying ``unknown func``, a back end without the function such as VictoriaMetrics) has
        no data; any other refusal (a 422 execution error: ``--query.max-samples`` exceeded, a
        timeout) and the refusal of ``exprs[must]`` (the source's own classic query) are errors. ``nan``: a NaN is a value (a count that is no number, which judge()
        fails as such), else no data."""
        for i, expr in enumerate(exprs):
            try:
                result = prom.query(expr, at)
                value = result[0][1] if result else None
                value = None if value is not None and math.isnan(value) and not nan else value
            except ServingError as exc:
                if i == must or not refused_as_unknown(exc):
                    raise
                continue
            if value is not None:
                return i, value
        return 0, None

    # ---------------------------------------------------------------- the API ctloop calls
    def stats(
        self, prom: Prometheus, revision: str, namespace: str, window: str, at: float | None = None
    ) -> RevisionStats:
        """Requests, 5xx share, 4xx share and p99 (s) of ``revision`` over the ``window`` ending ``at``.
        A blank ``revision`` has no data (it is not "every revision of the namespace", which
        :meth:`series_exist` means by it): a canary or stable judged on the namespace's sum
        would be judged on other revisions' traffic. Nor has a blank ``namespace``: revisions
        are named ``<configuration>-<n>``, so one name exists in every namespace holding an
        InferenceService of that name, and their traffic would be summed.

        A histogram scraped as classic series on some targets and as a native histogram on
        others (a migration) counts both: requests and 5xx per target (:meth:`_per_target`),
        and the p99 is an upper bound of their union's (:meth:`_union_quantile`), at most the
        larger of the two kinds' p99s: the slow part of the traffic is never hidden behind the
        fast one, and a kind with under 1 % of the answers cannot fail it alone."""
        if not str(revision or "").strip() or not str(namespace or "").strip():
            return RevisionStats(revision, None, None, None)
        _utf8(revision=revision, namespace=namespace)
        seen = len(prom.warnings)
        # this source's names, then its alternates'; a count that is a histogram's (knative-otel)
        # asked of both kinds per target, then of the classic series alone (a back end without
        # histogram_count). The errors and the p99 are read from the names that had requests.
        tries = self._count_tries()
        must = tries.index((self, False))
        i, requests = self._first(prom, [s.requests_expr(revision, namespace, window, both=b) for s, b in tries],
                                  at, nan=True, must=must)
        source, both = tries[i]
        errors = prom.scalar(source.errors_expr(revision, namespace, window, both=both), at) if requests else None
        rate = None if not requests else (errors or 0.0) / requests
        # the 4xx of the same names: no series is none yet (a status code's series is born at its first answer)
        client = asked = ceiling = calls_seen = failed_requests = failed_share = failed_effective = None
        missing = ""
        if requests and source.client_errors and source.client_requests:  # of its own request counter
            counted = source._series(source.client_requests, "increase", window, revision, namespace)
            asked = source._first(prom, [f"sum({counted})"], at, nan=True)[1]
            missing = "" if asked is not None else source.client_missing
            if missing and source.predict_calls:
                called = source._series(source.predict_calls, "increase", window, revision, namespace)
                calls = source._first(prom, [f"sum({called})"], at, nan=True)[1]
                if calls is not None:
                    refused = prom.scalar(source.errors_expr(revision, namespace, window, both=both,
                                                             matcher=source.client_errors), at) or 0.0
                    ceiling, calls_seen = (refused / calls if calls else None), calls
            if asked:
                refused = source._series(source.client_requests, "increase", window, revision, namespace,
                                         (source.client_errors,))
                client = (source._first(prom, [f"sum({refused})"], at, nan=True)[1] or 0.0) / asked
                # a 5xx is a whole failed request: the 5xx share is of requests too, and the share of
                # instances the failed requests carried is kept for the large-batch bound (analysis)
                failed = source._series(source.client_requests, "increase", window, revision, namespace,
                                        (source.errors,))
                failed_requests = source._first(prom, [f"sum({failed})"], at, nan=True)[1] or 0.0
                failed_share, rate = rate, failed_requests / asked
                if source.instance_squares and errors:  # the failed instances' S²/Σr²: batches of mixed sizes
                    squared = source._series(source.instance_squares, "increase", window, revision, namespace,
                                             (source.errors,))
                    squares = source._first(prom, [f"sum({squared})"], at, nan=True)[1]
                    if squares is not None and squares > 0 and math.isfinite(squares):
                        failed_effective = errors * errors / squares
        elif requests and source.client_errors:
            asked = requests
            client = (prom.scalar(source.errors_expr(revision, namespace, window, both=both,
                                                     matcher=source.client_errors), at) or 0.0) / requests
        p99s = [self._first(prom, [source.p99_expr(revision, namespace, window, k)], at, must=0 if not k else -1)[1]
                for k in (False, True)]
        p99 = max((v for v in p99s if v is not None), default=None)
        if all(v is not None for v in p99s) and p99s[0] != p99s[1]:
            p99 = source._union_quantile(prom, revision, namespace, window, at, p99)
        return RevisionStats(revision, requests, rate, p99, tuple(dict.fromkeys(prom.warnings[seen:])),
                             client_error_rate=client, client_unseen=source.client_unseen,
                             client_requests=asked, client_missing=missing,
                             client_error_ceiling=ceiling, client_ceiling_requests=calls_seen,
                             counts_instances=bool(source.client_requests), failed_requests=failed_requests,
                             failed_instance_share=failed_share, failed_effective_requests=failed_effective)

    def _union_quantile(self, prom: Prometheus, revision: str, namespace: str, window: str, at: float | None,
                        larger: float, quantile: float = QUANTILE) -> float:
        """An upper bound of the ``quantile`` of the union of both kinds' answers, at most
        ``larger`` (the larger of the kinds' own quantiles). PromQL cannot merge a classic and a
        native histogram, but with N answers in all and N_k of kind k, at most (1-q)·N answers may
        lie above the union's q-quantile; split that budget into b_k (sum at most (1-q)·N): every
        answer above max over k of kind k's (1 - b_k/N_k)-quantile is among the b_k slowest of its
        kind, so that maximum bounds the union's quantile from above. A kind with b_k >= N_k adds
        nothing. The splits tried: in proportion to N_k, and each kind's whole count when it fits
        into the budget (a handful of slow native answers beside many classic ones), the rest to
        the other kind; the lowest bound is taken. A count that cannot be read keeps ``larger``."""
        counts = [prom.scalar(self.observed_expr(revision, namespace, window, k), at) for k in (False, True)]
        total = prom.scalar(self.observed_expr(revision, namespace, window, None), at)
        if any(c is None or not math.isfinite(c) or c <= 0 for c in (*counts, total)):
            return larger
        budget = (1.0 - quantile) * min(total, sum(counts))
        splits = [[budget * c / sum(counts) for c in counts]]
        for fits in (0, 1):
            if counts[fits] <= budget:
                split = [budget - counts[fits]] * 2
                split[fits] = counts[fits]
                splits.append(split)
        best = larger
        for split in splits:
            bound = None
            for kind, (share, count) in enumerate(zip(split, counts, strict=True)):
                level = 1.0 - share / count
                if level <= 0:
                    continue  # all of this kind's answers fit into its share of the budget
                level = min(math.ceil(level * 1e6) / 1e6, 1.0)  # rounded up: still a bound
                value = prom.scalar(self.p99_expr(revision, namespace, window, bool(kind), level), at)
                if value is None or math.isnan(value):
                    bound = None
                    break
                bound = value if bound is None else max(bound, value)
            if bound is not None:
                best = min(best, bound)
        return best

    def _count_tries(self) -> list[tuple[MetricSource, bool]]:
        """``(names, both kinds)`` in the order the request counts are asked for."""
        return [(s, both) for s in (self, *self.alternates)
                for both in ((True, False) if s.counts_histogram else (False,))]

    def _tries(self) -> list[tuple[MetricSource, bool]]:
        """``(names, native)`` in the order the series are looked for (:meth:`series_exist`)."""
        return [(s, native) for s in (self, *self.alternates)
                for native in ((False, True) if s.counts_histogram else (False,))]

    def series_exist(
        self,
        prom: Prometheus,
        revision: str,
        namespace: str,
        *,
        at: float | None = None,
        lookback: str = "1h",
    ) -> bool:
        """Whether Prometheus holds any of this source's request series for ``revision`` (any
        revision of ``namespace`` when ``revision`` is empty) in the ``lookback`` before ``at``."""
        return self.found_names(prom, revision, namespace, at=at, lookback=lookback) is not None

    def samples_in(self, prom: Prometheus, revision: str, namespace: str, window: str,
                   at: float | None = None) -> float | None:
        """The most samples one request series of ``revision`` has in the ``window`` before ``at``
        (``None``: none): ``increase()`` needs two, so a window shorter than two scrape intervals
        has no requests whatever the traffic."""
        _utf8(revision=revision, namespace=namespace)
        exprs = [f"max({s._series(s.histogram if native else s.requests, 'count_over_time', window, revision, namespace, native=native)})"
                 for s, native in self._tries()]
        return self._first(prom, exprs, at)[1]

    def scrape_interval_ms(self, prom: Prometheus, revision: str, namespace: str, lookback: str = "1h",
                           at: float | None = None) -> int | None:
        """How often ``revision``'s series were scraped, in ms: the median spacing of their samples
        in the ``lookback`` before ``at`` (``None``: fewer than two samples). The series are the
        source's request counter (its ``target_info`` where the revision is only there: scraped
        with the rest of the target). What the window advice is computed from: the Istio gateways
        are scraped by a monitor ctloop does not set, and a PodMonitor's interval may have been
        changed (it was taken to be :data:`PODMONITOR_INTERVAL`, 30 s, for every source).

        Two small answers, whatever the number of series: the labels of the series with the most
        samples (``topk(1, count_over_time(…))``), then the sample times of the series carrying all
        of them (that one, unless others carry the same labels and more: their samples are merged,
        and series scraped at one interval keep its median; an answer over the limit is caught by
        the caller, which assumes 30 s). Every raw sample
        of every series (2600 Istio series scraped every 10 s: an answer over the 16 MiB
        :data:`ANSWER_LIMIT`) made the no-data reason a ServingError."""
        _utf8(revision=revision, namespace=namespace)
        if self.join is None:
            metric = self.requests
            matchers = [*self.scope, f'{_label(self.revision_label)}="{_quote(revision)}"',
                        f'{_label(self.namespace_label)}="{_quote(namespace)}"']
        else:
            metric = self.join.metric
            matchers = [f'{_label(self.join.revision_label)}="{_quote(revision)}"',
                        f'{_label(self.join.namespace_label)}="{_quote(namespace)}"']
        most = prom.query(f"topk(1, count_over_time({_selector(metric, matchers)}[{lookback}]))", at)
        if not most:
            return None
        # its labels (count_over_time drops the name) each matched exactly
        one = _selector(metric, [f'{_label(k)}="{_quote(v)}"' for k, v in sorted(most[0][0].items())
                                 if k != "__name__"])
        gaps = sorted(b - a for times in prom.sample_times(f"{one}[{lookback}]", at)
                      for a, b in zip(times, times[1:], strict=False) if b > a)
        if not gaps:
            return None
        ms = round(gaps[len(gaps) // 2] * 1000)
        # a scrape's few ms of jitter: whole seconds from 10 s, tenths from 1 s (2.5 s stays 2.5 s)
        return round(ms, -3) if ms >= 10_000 else round(ms, -2) if ms >= 1000 else ms

    def found_names(
        self,
        prom: Prometheus,
        revision: str,
        namespace: str,
        *,
        at: float | None = None,
        lookback: str = "1h",
    ) -> MetricSource | None:
        """The names (this source or one of its :attr:`alternates`) under which Prometheus holds
        request series for ``revision`` (any revision of ``namespace`` when blank) in the
        ``lookback`` before ``at``; ``None`` when none has any. What tells a naming the analysis
        reads but the recording rules cannot (:attr:`promql2` false: dotted OTLP names)."""
        _utf8(revision=revision, namespace=namespace)
        tries = self._tries()
        exprs = [s.presence_expr(revision, namespace, lookback, k) for s, k in tries]
        index, value = self._first(prom, exprs, at)
        return tries[index][0] if value else None

    # ---------------------------------------------------------------- recording rules
    def rule_group(self) -> dict[str, Any]:
        """The PrometheusRule group ``ctloop-source``: the two rules the contract rules read.

        Built from what :meth:`stats` asks, so that the rules, the alerts and the dashboard see
        what the analysis sees: the source's names and its alternates' that PromQL before
        Prometheus 3 can write (a dotted name would make Prometheus 2 refuse the whole rule
        file), and of each histogram both its classic series and its native one (Prometheus'
        native histograms, Prometheus 3's ``convert_classic_histograms_to_nhcb``). Requests are
        both kinds' counts combined per target (:meth:`_kinds`): a target scraped both ways counted
        once, and after a switch both the stale kind's answers (before it) and the live kind's. The p99 is the larger of
        the classic p99 and the native one; a source whose revision is on ``target_info`` takes
        the native p99 per target only of targets without live classic buckets (one slow pod's
        p99 would otherwise stand for a revision its classic series describe; a target switched to
        native histograms is native-only from the switch on). A native histogram is
        summed by the source's own labels before they are relabelled: Prometheus 2.42's
        ``label_replace`` turns a native sample into a float 0."""

        def contract(expr: str, *extra: Relabel) -> str:
            for step in (*self.to_contract, *extra):
                expr = step.apply(expr)
            return expr

        names = [s for s in (self, *self.alternates) if s.promql2]
        counted = []
        for s in names:
            classic_rate = s._series(s.requests, "rate", RULE_WINDOW, "", "", rules=True)
            if s.counts_histogram:  # once when scraped both ways, both sides of a switch (_kinds)
                native_rate = s._series(s.histogram, "rate", RULE_WINDOW, "", "", rules=True,
                                        wrap="histogram_count")
                on = ", ".join(s.join.on if s.join else InfoJoin.on)
                counted.append(s._kinds(native_rate, classic_rate, on, RULE_WINDOW))
            elif s.client_requests:  # a 5xx is a whole failed request: of requests where a pod counts them
                counted.append(_any([s._series(s.client_requests, "rate", RULE_WINDOW, "", "", rules=True),
                                     classic_rate]))
            else:
                counted.append(classic_rate)
        requests = contract(_any(counted), *self.code_class)
        # the instances too, where requests carry several (the 5xx rule's large-batch bound), of the
        # pods counting requests only: on an older image's pod (no request counter) the requests'
        # fallback above counts instances, which the bound would take for requests
        instances = [contract(f"(\n  {_indent(s._series(s.requests, 'rate', RULE_WINDOW, '', '', rules=True), 2)}\n"
                              f"  and\n  {_indent(s._series(s.client_requests, 'rate', RULE_WINDOW, '', '', rules=True), 2)}"
                              "\n)", *self.code_class)
                     for s in names if s.client_requests]
        # each request's instances squared (the bound's effective count of failed requests), where counted
        squares = [contract(s._series(s.instance_squares, "rate", RULE_WINDOW, "", "", rules=True), *self.code_class)
                   for s in names if s.instance_squares]
        buckets = contract(_any([s._series(s.buckets, "rate", RULE_WINDOW, "", "", rules=True) for s in names]))
        by_class = "sum by (namespace, isvc, revision, code_class)"
        by_le = "sum by (namespace, isvc, revision, le)"
        contract_labels = "namespace, isvc, revision"
        classic = self._seconds(f"histogram_quantile({QUANTILE:g},\n  {by_le} (\n    {_indent(buckets, 4)}\n  )\n)")
        native = []
        for s in names:
            if s.join is None:  # the revision is on the histogram itself
                # summed by the source's own labels, relabelled after the quantile: Prometheus
                # 2.42's label_replace turns a native histogram sample into a float 0
                own = ", ".join(dict.fromkeys([*(r.src for r in s.to_contract), "namespace", "isvc", "revision"]))
                rates = s._series(s.histogram, "rate", RULE_WINDOW, "", "", rules=True)
                native.append(contract(f"histogram_quantile({QUANTILE:g},\n  sum by ({own}) (\n    "
                                       f"{_indent(rates, 4)}\n  )\n)"))
            else:
                # the revision is on target_info, and Prometheus 2.42 drops a native histogram
                # from '*' (the join): each target's p99 joined, the largest taken (an upper
                # bound of the revision's p99: at most 1 % of each target's answers are above),
                # of the targets without live classic buckets only: where a classic p99 exists it
                # is the revision's, not one slow pod's
                on = ", ".join(s.join.on)
                # live classic buckets: a target switched to native histograms has classic rates
                # for 5 minutes after the switch, which described only its answers before it
                classic_targets = " or ".join(f"(rate({_selector(c.buckets, list(c.scope))}[{RULE_WINDOW}]) > 0 "
                                              f"and on ({on}) {_selector(c.buckets, list(c.scope))})"
                                              for c in names)
                per_target = (f"(histogram_quantile({QUANTILE:g}, sum by ({on}) "
                              f"(rate({_selector(s.histogram, list(s.scope))}[{RULE_WINDOW}])))"
                              f"\n  unless on ({on})\n  ({classic_targets}))")
                native.append(contract(s.join.attach(per_target, list(s.rule_scope), RULE_WINDOW)))
        native_p99 = Relabel("histogram", "namespace", "(.*)", "native").apply(self._seconds(_any(native)))
        p99 = f"max by ({contract_labels}) (\n  {_indent(classic, 2)}\n  or\n  {_indent(native_p99, 2)}\n)"
        return {
            "name": SOURCE_GROUP,
            "interval": "30s",
            "rules": [
                {"record": SOURCE_REQUESTS, "expr": f"{by_class} (\n  {_indent(requests, 2)}\n)\n"},
                {"record": SOURCE_P99, "expr": p99 + "\n"},
                *([{"record": SOURCE_INSTANCES, "expr": f"{by_class} (\n  {_indent(_any(instances), 2)}\n)\n"}]
                  if instances else []),
                *([{"record": SOURCE_SQUARES, "expr": f"{by_class} (\n  {_indent(_any(squares), 2)}\n)\n"}]
                  if squares else []),
            ],
        }

    @property
    def promql2(self) -> bool:
        """Whether every name of this source is one PromQL before Prometheus 3 can write (no
        dotted OTLP name or label): what the recording rules may hold."""
        metrics = (self.requests, self.buckets, self.histogram)
        return all(_LEGACY_METRIC.fullmatch(m) for m in metrics) and (self.join is None or self.join.legacy)


def _kinds_step(window: str) -> str:
    """The subquery step :meth:`MetricSource._kinds` asks whether both kinds are live at: a
    tenth of ``window`` (30s of the rules' 5m: the PodMonitor's scrape interval), at least 1 ms."""
    return format_range(max(range_ms(window) // 10, 1))


def _any(exprs: list[str]) -> str:
    """``exprs`` joined with ``or`` (the first that has a series of a label set)."""
    if len(exprs) == 1:
        return exprs[0]
    return "(\n  " + "\n  or\n  ".join(_indent(e, 2) for e in exprs) + "\n)"


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


def _status_class(label: str) -> tuple[Relabel, ...]:
    return (Relabel("code_class", label, "([1-5])[0-9][0-9]", "${1}xx"),)


_CTLOOP = MetricSource(
    name="ctloop",
    description="the ctloop serving runtime's per-version counters (instances, outcome "
    "ok/invalid/error) and predict latency, per revision through the monitoring component's "
    "PodMonitor",
    required_config="the ctloop-sklearn ServingRuntime (serving image) and the PodMonitor "
    "ctloop-inferenceservices of manifests/components/monitoring (port user-port)",
    missing_hint="does the InferenceService run the ctloop-sklearn runtime, and is the PodMonitor "
    "ctloop-inferenceservices (manifests/components/monitoring) installed and scraping port "
    "user-port?",
    requests="ctloop_predictions_total",
    buckets="ctloop_predict_seconds_bucket",
    seconds_per_unit=1,
    errors='outcome="error"',
    client_errors='outcome="invalid"',
    client_requests="ctloop_requests_total",
    client_missing="has no ctloop_requests_total series (an older serving image, or a scrape that drops it)",
    instance_squares="ctloop_request_instances_squared_total",  # ctloop.serving.runtime SQUARES
    # kserve v0.20.0 kserve/metrics.py PREDICT_HIST_TIME, observed around every predict call
    # (kserve/model.py Model.__call__): in every ctloop runtime image, scraped by the same PodMonitor
    predict_calls="request_predict_seconds_count",
    revision_label="revision",
    namespace_label="namespace",
    code_class=(
        Relabel("code_class", "outcome", "ok", "2xx"),
        Relabel("code_class", "outcome", "invalid", "4xx"),
        Relabel("code_class", "outcome", "error", "5xx"),
    ),
    upstream="src/ctloop/serving/runtime.py; namespace/isvc/revision from the PodMonitor",
)
_KNATIVE_OTEL = MetricSource(
    name="knative-otel",
    description="Knative >= 1.19 queue-proxy OpenTelemetry metrics: otelhttp's "
    "http.server.request.duration around the whole queue-proxy (its own 503/504 included), "
    "revision from target_info",
    required_config="knative-serving/config-observability: request-metrics-protocol: prometheus "
    "(default none; with the Knative Operator set in KnativeServing spec.config.observability); "
    "queue-proxy port http-usermetric (9091) scraped (this source's component "
    "adds it to the monitoring component's PodMonitor)",
    missing_hint="is request-metrics-protocol: prometheus set in "
    "knative-serving/config-observability (the default is none; with the Knative Operator, "
    "KServe 0.20's install, set it in KnativeServing spec.config.observability: the operator "
    "overwrites edits of the ConfigMap), and is the queue-proxy port http-usermetric scraped?",
    requests="http_server_request_duration_seconds_count",
    buckets="http_server_request_duration_seconds_bucket",
    seconds_per_unit=1,
    errors='http_response_status_code=~"5.."',
    client_errors='http_response_status_code=~"4.."',
    rule_scope=(f'kn_configuration_name=~"{PREDICTOR}"',),
    join=InfoJoin(
        revision_label="kn_revision_name",
        namespace_label="k8s_namespace_name",
        configuration_label="kn_configuration_name",
    ),
    to_contract=(
        Relabel("namespace", "k8s_namespace_name"),
        Relabel("revision", "kn_revision_name"),
        Relabel("isvc", "kn_configuration_name", PREDICTOR),
    ),
    code_class=_status_class("http_response_status_code"),
    upstream="knative/serving knative-v1.21.1 pkg/queue/sharedmain/handlers.go (otelhttp "
    "outermost), otel.go (resource kn.revision.name); knative/pkg 4a022ed9999a "
    "observability/metrics/prometheus_enabled.go; otelhttp v0.64.0; exporters/prometheus v0.61.0",
    scrape_port=QUEUE_PROXY_PORT,
)
_KNATIVE_LEGACY = MetricSource(
    name="knative-legacy",
    description="Knative <= 1.18 queue-proxy OpenCensus metrics revision_request_count / "
    "revision_request_latencies (milliseconds), the queue-proxy's own 503/504 included",
    required_config="Knative Serving <= 1.18 (request metrics on Prometheus by default); "
    "queue-proxy port http-usermetric (9091) scraped (this source's component adds it to the "
    "monitoring component's PodMonitor)",
    missing_hint="is this Knative Serving <= 1.18 (1.19+ has OpenTelemetry names: use "
    "knative-otel), and is the queue-proxy port http-usermetric scraped?",
    requests="revision_request_count",
    buckets="revision_request_latencies_bucket",
    seconds_per_unit=0.001,
    errors='response_code_class="5xx"',
    client_errors='response_code_class="4xx"',
    revision_label="revision_name",
    namespace_label="namespace_name",
    rule_scope=(f'configuration_name=~"{PREDICTOR}"',),
    to_contract=(
        Relabel("namespace", "namespace_name"),
        Relabel("revision", "revision_name"),
        Relabel("isvc", "configuration_name", PREDICTOR),
    ),
    code_class=(Relabel("code_class", "response_code_class"),),
    upstream="knative/serving knative-v1.18.0 pkg/queue/request_metric.go, "
    "pkg/queue/sharedmain/handlers.go, pkg/metrics/key.go; knative/pkg ed3e2158b883 "
    "metrics/prometheus_exporter.go",
    scrape_port=QUEUE_PROXY_PORT,
)
_ISTIO = MetricSource(
    name="istio",
    description="Istio ingress gateway metrics istio_requests_total / "
    "istio_request_duration_milliseconds (reporter=source), the revision as "
    "destination_service_name",
    required_config="Istio as Knative's ingress (net-istio, KServe's default serverless install) "
    "and Prometheus scraping the Istio gateways' /stats/prometheus",
    missing_hint="is Istio Knative's ingress here, and does Prometheus scrape the Istio gateways "
    "(port 15020 /stats/prometheus)?",
    requests="istio_requests_total",
    buckets="istio_request_duration_milliseconds_bucket",
    seconds_per_unit=0.001,
    errors='response_code=~"5.."',
    client_errors='response_code=~"4.."',
    revision_label="destination_service_name",
    namespace_label="destination_service_namespace",
    scope=('reporter="source"',),
    rule_scope=(f'destination_service_name=~"{PREDICTOR}-[0-9]+"',),
    to_contract=(
        Relabel("namespace", "destination_service_namespace"),
        Relabel("revision", "destination_service_name"),
        Relabel("isvc", "destination_service_name", f"{PREDICTOR}-[0-9]+"),
    ),
    code_class=_status_class("response_code"),
    scraped_by="the monitor scraping the Istio gateways (Istio's own, not ctloop's PodMonitor)",
    upstream="istio 1.27.1 (KServe v0.20.0 kserve-deps.env) standard metrics; knative/serving "
    "knative-v1.21.1 pkg/reconciler/route/resources/ingress.go (a split names the revision's "
    "Service)",
)


def _otlp_names(name: str, *, dotted: bool) -> MetricSource:
    """``knative-otel`` with the names of another OTLP translation strategy (prometheus/
    otlptranslator ``strategy.go``): ``name`` the histogram's, dotted labels when ``dotted``."""
    label = (lambda n: n) if dotted else (lambda n: n.replace(".", "_"))
    return replace(
        _KNATIVE_OTEL,
        requests=f"{name}_count",
        buckets=f"{name}_bucket",
        errors=f'{_label(label("http.response.status_code"))}=~"5.."',
        client_errors=f'{_label(label("http.response.status_code"))}=~"4.."',
        join=InfoJoin(revision_label=label("kn.revision.name"), namespace_label=label("k8s.namespace.name"),
                      configuration_label=label("kn.configuration.name")),
    )


_KNATIVE_OTEL = replace(_KNATIVE_OTEL, alternates=(
    _otlp_names("http_server_request_duration", dotted=False),  # UnderscoreEscapingWithoutSuffixes
    _otlp_names("http.server.request.duration_seconds", dotted=True),  # NoUTF8EscapingWithSuffixes
    _otlp_names("http.server.request.duration", dotted=True),  # NoTranslation
))
SOURCES: dict[str, MetricSource] = {
    s.name: s for s in (_CTLOOP, _KNATIVE_OTEL, _KNATIVE_LEGACY, _ISTIO)
}
DEFAULT_SOURCE = "ctloop"


def get_source(name: str | MetricSource) -> MetricSource:
    """The source named ``name`` (a :class:`MetricSource` is returned as is)."""
    if isinstance(name, MetricSource):
        return name
    try:
        return SOURCES[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown metric source {name!r}; choose one of {', '.join(SOURCES)} (see {DOC})"
        ) from None


def probe(
    prom: Prometheus,
    namespace: str,
    revision: str = "",
    *,
    lookback: str = "1h",
    at: float | None = None,
) -> dict[str, bool]:
    """For every source: does Prometheus hold its series for ``revision`` (or any revision of
    ``namespace``)? What ``ctloop doctor`` and the docs' troubleshooting ask first."""
    found = probe_names(prom, namespace, revision, lookback=lookback, at=at)
    return {name: names is not None for name, names in found.items()}


def probe_names(
    prom: Prometheus,
    namespace: str,
    revision: str = "",
    *,
    lookback: str = "1h",
    at: float | None = None,
) -> dict[str, MetricSource | None]:
    """:func:`probe` with the names each source's series were found under (``None``: none)."""
    return {
        name: source.found_names(prom, revision, namespace, at=at, lookback=lookback)
        for name, source in SOURCES.items()
    }


def rules_blind(names: MetricSource) -> str:
    """Why the recording rules (and so the alerts and dashboard) do not see series found under
    ``names`` (:meth:`MetricSource.found_names`), ``""`` when they do: a dotted OTLP name
    (``NoUTF8EscapingWithSuffixes``, ``NoTranslation``; Knative 1.19 scraped by Prometheus 3) is
    left out of the rules, which Prometheus 2 would refuse whole."""
    if names.promql2:
        return ""
    return (f"found under dotted OTLP names ({names.requests}, {names.join.revision_label if names.join else ''}"
            f"): the canary analysis reads them, the recording rules of manifests/components/monitoring "
            f"(and so its alerts and dashboard) do not; have them stored with underscores (Prometheus 3 "
            f"scrape: metric_name_escaping_scheme: underscores; OTLP receiver: otlp.translation_strategy: "
            f"UnderscoreEscapingWithSuffixes), see {DOC}")


# ------------------------------------------------------------------------------------ CLI
def dump_yaml(data: Any) -> str:
    """YAML with multi-line strings (PromQL) as literal blocks, keys in order."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value):
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, width=1000, allow_unicode=True)


def rule_patch(source: MetricSource | str) -> list[dict[str, Any]]:
    """The JSON patch of ``manifests/components/monitoring/sources/<name>``: replace group 0 of
    the PrometheusRule ``ctloop-canary`` (after testing it is the source group) with
    ``source``'s."""
    source = get_source(source)
    return [
        {"op": "test", "path": "/spec/groups/0/name", "value": SOURCE_GROUP},
        {"op": "replace", "path": "/spec/groups/0", "value": source.rule_group()},
    ]


def podmonitor_endpoint(port: str) -> dict[str, Any]:
    """One ``podMetricsEndpoints`` item of the PodMonitor ``ctloop-inferenceservices``."""
    def meta(label: str) -> str:
        return "__meta_kubernetes_pod_label_" + "".join(c if c.isalnum() else "_" for c in label)

    return {"port": port, "path": "/metrics", "interval": PODMONITOR_INTERVAL,
            "relabelings": [{"sourceLabels": [meta(label)], "targetLabel": target}
                            for label, target in PODMONITOR_RELABELINGS]}


def podmonitor_patch(source: MetricSource | str) -> list[dict[str, Any]]:
    """The JSON patch of ``sources/<name>`` adding the source's ``scrape_port`` to the PodMonitor
    ``ctloop-inferenceservices`` (``[]``: the model server's user-port is enough)."""
    source = get_source(source)
    if not source.scrape_port:
        return []
    return [{"op": "add", "path": "/spec/podMetricsEndpoints/-", "value": podmonitor_endpoint(source.scrape_port)}]


def _rules(args: argparse.Namespace) -> int:
    print(dump_yaml(get_source(args.source).rule_group()), end="")
    return 0


def _probe(args: argparse.Namespace) -> int:
    if not args.namespace.strip():  # every namespace: other InferenceServices' series counted as these
        raise ConfigError("--namespace is blank: give the InferenceService's namespace")
    if problem := range_problem(args.lookback):  # PromQL would take "1h offset 1d"
        raise ConfigError(f"--lookback {args.lookback!r} {problem}")
    found = probe_names(
        Prometheus(args.prometheus_url), args.namespace, args.revision, lookback=args.lookback
    )
    what = f"revision {args.revision}" if args.revision else f"namespace {args.namespace}"
    for name, names in found.items():
        source = SOURCES[name]
        note = f"  -> {source.missing_hint}" if names is None else (
            f"  -> {blind}" if (blind := rules_blind(names)) else "")
        print(f"{'no ' if names is None else 'yes':3}  {name:15} {what}{note}")
    return 0 if any(n is not None for n in found.values()) else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m ctloop.serving.metric_sources rules SOURCE | probe ...``"""
    parser = argparse.ArgumentParser(
        prog="python -m ctloop.serving.metric_sources",
        description="Canary analysis metric sources (docs/serving.md#metric-sources).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rules = sub.add_parser(
        "rules", help="print the recording-rule group of a source (PrometheusRule group 0)"
    )
    rules.add_argument("source", help=f"one of {', '.join(SOURCES)}")
    rules.set_defaults(run=_rules)
    check = sub.add_parser("probe", help="which sources have series for a namespace or revision")
    check.add_argument("--prometheus-url", required=True)
    check.add_argument("--namespace", required=True)
    check.add_argument("--revision", default="")
    check.add_argument("--lookback", default="1h")
    check.set_defaults(run=_probe)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"ctloop: error: {exc}", file=sys.stderr)
        return 2
    except ServingError as exc:
        print(f"ctloop: error: {exc}", file=sys.stderr)
        return 1


__all__ = [
    "DEFAULT_SOURCE",
    "SOURCES",
    "MetricSource",
    "Prometheus",
    "RevisionStats",
    "get_source",
    "probe",
    "probe_names",
    "rules_blind",
    "rule_patch",
    "url_without_credentials",
    "configured_url",
    "podmonitor_patch",
    "podmonitor_endpoint",
    "QUEUE_PROXY_PORT",
    "PODMONITOR",
    "PODMONITOR_INTERVAL",
    "dump_yaml",
    "Relabel",
    "InfoJoin",
    "RULE_WINDOW",
    "SOURCE_GROUP",
    "SOURCE_REQUESTS",
    "SOURCE_INSTANCES",
    "SOURCE_SQUARES",
    "SOURCE_P99",
]

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
