"""Model quality and drift as Prometheus metrics: each judged monitoring window, pushed to a
Pushgateway (docs/monitoring.md#prometheus-and-alerts).

The monitoring pipeline records every window in MLflow; :func:`push_window` also publishes the
window's numbers so that Prometheus alerts (``manifests/components/monitoring/
prometheusrule-model-quality.yaml``) and the Grafana dashboard see them. One push per model
replaces that model's previous window (HTTP PUT on grouping key ``job=ctloop-monitoring``,
``model=<model>``), so a column that is no longer logged disappears instead of going stale.

Labels are bounded: ``model`` and ``job`` (the grouping key), ``version`` (the champion judged),
``column`` (a feature of the champion), ``metric`` (the realized metric's name) and ``rule`` (a
retraining rule's name). Nothing per request, per row or per time.

Gauges, prefix ``ctloop_monitoring_``:

* ``run_timestamp_seconds``, ``window_end_timestamp_seconds``: when pushed; the window's end;
* ``rows{version}``: rows logged in the window;
* ``drift_share{version}`` (absent when not computed); ``drift_score{version,column}`` (p-value
  or distance) and ``column_drifted{version,column}`` (0/1);
* ``realized{version,metric}`` over the label lookback and ``realized_rows{version}``; ``unseen_labels{version}``
  (labels of a class the champion never saw) and ``empty_features{version}`` (features it learnt with values
  and none in the window: :mod:`ctloop.unseen`);
* ``gate_value{version,metric}``: the champion's metric at its evaluation gate;
* ``realized_worse_than_gate{version,metric}``, ``realized_worse_than_floor{version,metric}``;
* ``retrain{version,rule}``: the decision (0/1) and the deciding rule;
* ``threshold{rule}``: the rules' thresholds (when the window carries ``rules``).

"Worse" is positive whichever the metric's direction (``log_loss``/``rmse``/``mae``: above),
so one alert expression serves every metric. The two ``worse_than`` series are published only
with a realized value on at least ``window["min_labels"]`` labelled rows (default 1).

A failed push is a **warning, never a failed run**: the window is recorded in MLflow anyway, the
warning is logged and returned, and the ``CtloopMonitoringRunMissing`` alert fires when no push
arrives. Bad input (a URL without scheme, a window that is not a judged window) is a
:class:`~ctloop.errors.ConfigError` naming the field.
"""

from __future__ import annotations

import base64
import http.client
import logging
import math
import numbers
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from ctloop.errors import ConfigError
from ctloop.metrics import worse_by

JOB = "ctloop-monitoring"
PREFIX = "ctloop_monitoring_"
THRESHOLD_RULES = ("drift_share", "drift_windows", "realized_floor", "realized_drop")
REQUIRED = (
    "window_end",
    "champion_version",
    "rows",
    "drift_share",
    "drift_scores",
    "drifted",
    "realized",
    "realized_metric",
    "realized_rows",
    "gate_value",
    "retrain",
    "rule",
)
HELP = {
    "run_timestamp_seconds": "When the monitoring window was pushed (Unix seconds).",
    "window_end_timestamp_seconds": "End of the judged monitoring window (Unix seconds).",
    "rows": "Rows logged in the window.",
    "drift_share": "Share of drifted features in the window.",
    "drift_score": "Per-feature drift score (p-value or distance, as detect_drift).",
    "column_drifted": "Per-feature drift verdict (1 drifted, 0 not).",
    "realized": "The champion's realized metric over the label lookback.",
    "realized_rows": "Labelled rows behind the realized metric.",
    "unseen_labels": "Labels over the lookback of a class the champion never saw (errors at their share "
    "in the realized metric).",
    "empty_features": "Features the champion learnt with values that have no value in the window's "
    "requests.",
    "gate_value": "The champion's metric at its evaluation gate.",
    "realized_worse_than_gate": "How much worse the realized metric is than the gate value "
    "(positive = worse).",
    "realized_worse_than_floor": "How much worse the realized metric is than realized_floor "
    "(positive = breached).",
    "retrain": "The window's retraining decision (1 retrain, 0 not) and the deciding rule.",
    "threshold": "Thresholds of the monitoring rules.",
}
log = logging.getLogger("ctloop.monitoring")
# The realized-drop alert's own fallback: the pipeline's realized_drop rule is off by default
# (MonitoringRules.realized_drop None), so this value is the alert's, written here only.
REALIZED_DROP_ALERT_FALLBACK = 0.05


def alert_fallbacks() -> dict[str, float | None]:
    """The thresholds the model-quality alerts compare with when a window pushed none of its own
    (the rule switched off in ctloop.yaml, or a window without ``rules``): ``drift_share`` is
    :class:`ctloop.config.MonitoringRules`' default, the one place it is written."""
    from ctloop.config import MonitoringRules

    return {"drift_share": MonitoringRules().drift_share, "realized_drop": REALIZED_DROP_ALERT_FALLBACK}


def threshold_alert_expr(series: str, rule: str, op: str, fallback: float | None) -> str:
    """The PromQL of an alert on ``series op threshold``: the run's pushed ``threshold{rule}`` where
    the model has one, else ``fallback`` (none: only where a threshold was pushed). Generated into
    ``manifests/components/monitoring/prometheusrule-model-quality.yaml`` (``make golden``)."""
    pushed = (f"(\n    {series}\n  {op} on (job, model) group_left ()\n"
              f'    {PREFIX}threshold{{rule="{rule}"}}\n)\n')
    if fallback is None:
        return pushed
    return (f"{pushed}or\n(\n    {series} {op} {float(fallback)!r}\n  unless on (job, model)\n"
            f'    {PREFIX}threshold{{rule="{rule}"}}\n)\n')


def alert_exprs() -> dict[str, str]:
    """The generated expressions of the model-quality alerts, by alert name."""
    fallbacks = alert_fallbacks()
    return {
        "CtloopModelDrift": threshold_alert_expr(f"{PREFIX}drift_share", "drift_share", ">=",
                                                 fallbacks["drift_share"]),
        "CtloopRealizedDropped": threshold_alert_expr(f"{PREFIX}realized_worse_than_gate", "realized_drop", ">",
                                                      fallbacks["realized_drop"]),
    }


def _number(field: str, value: Any, *, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(
            f"window[{field!r}] must be a number{' or None' if optional else ''}, got {value!r}"
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float (10**400)
        raise ConfigError(f"window[{field!r}] must be a number a float can hold, got {value!r}") from None
    if math.isnan(value):
        if not optional:  # a count: None would be published as the text "None" (the push refused)
            raise ConfigError(f"window[{field!r}] must be a number, got {value!r}")
        return None
    return number


def _flag(field: str, value: Any) -> float:
    """A yes/no (``retrain``, ``drifted``) as 1.0/0.0; None is no. The text "false" or a NaN is
    truthy, and was published as 1 (a retraining decided, a drifted column): refused instead."""
    if value is None:
        return 0.0
    try:
        ok = not isinstance(value, str | bytes) and value in (0, 1)
    except (TypeError, ValueError):  # an array: its truth value is ambiguous
        ok = False
    if not ok:
        raise ConfigError(f"window[{field!r}] must be true or false, got {value!r}")
    return 1.0 if value else 0.0


def _label(field: str, value: Any) -> str:
    """``value`` as a label value: UTF-8 text (a lone surrogate cannot be sent)."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"window[{field!r}] {value!r} is no UTF-8 text, which a Prometheus "
                          "label value must be") from None
    return text


def _columns(field: str, mapping: dict) -> list[tuple[str, Any]]:
    """``(column label, value)`` of a per-column mapping, in label order; two keys written as
    one label (1 and '1') would be one series twice, and the Pushgateway refuses the push.
    A column written '' comes first, its value to be checked like any other's and then left out
    of the samples (:func:`window_samples`)."""
    seen: dict[str, Any] = {}
    unnamed: list[tuple[str, Any]] = []
    for key in mapping:
        name = _label(field, key)
        if not name:
            unnamed.append((name, mapping[key]))
            continue
        if name in seen:
            raise ConfigError(f"window[{field!r}] has two columns written {name!r} ({seen[name]!r} "
                              f"and {key!r}): they would be one series")
        seen[name] = key
    return unnamed + sorted((name, mapping[key]) for name, key in seen.items())


def _check(window: Any) -> None:
    if not isinstance(window, dict):
        raise ConfigError(
            f"window must be a mapping (the judged monitoring window), got {type(window).__name__}"
        )
    missing = [k for k in REQUIRED if k not in window]
    if missing:
        raise ConfigError(
            f"window lacks {', '.join(missing)} (keys of a judged window: {', '.join(REQUIRED)})"
        )
    for key in ("drift_scores", "drifted"):
        if not isinstance(window[key], dict):
            raise ConfigError(
                f"window[{key!r}] must map column names to values, got {window[key]!r}"
            )
    if not isinstance(window.get("rules") or {}, dict):
        raise ConfigError(
            f"window['rules'] must be the monitoring rules mapping, got {window['rules']!r}"
        )


def _timestamp(value: Any) -> float:
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(
            f"window['window_end'] must be an ISO 8601 time, e.g. 2026-12-02T10:00:00+00:00, "
            f"got {value!r}"
        ) from exc
    if stamp.tzinfo is None:
        raise ConfigError(f"window['window_end'] {value!r} has no time zone; give UTC, e.g. +00:00")
    return stamp.timestamp()


def window_samples(
    window: dict[str, Any], *, now: float
) -> list[tuple[str, dict[str, str], float]]:
    """``(name, labels, value)`` of one judged window (the grouping labels ``job``/``model`` are
    added by the Pushgateway)."""
    _check(window)
    version = {"version": _label("champion_version", window["champion_version"] or "")}
    metric = _label("realized_metric", window["realized_metric"] or "")
    out = [
        ("run_timestamp_seconds", {}, float(now)),
        ("window_end_timestamp_seconds", {}, _timestamp(window["window_end"])),
        ("rows", version, _number("rows", window["rows"], optional=False)),
    ]
    share = _number("drift_share", window["drift_share"])
    if share is not None:
        out.append(("drift_share", version, share))
    # a column written '' is checked, then not published: Prometheus drops a label whose value is
    # empty, and its series would read as the model's own (drift_score{version}); push_window
    # says so (the window is in MLflow whole: the run is not failed for it)
    for column, score in _columns("drift_scores", window["drift_scores"]):
        value = _number(f"drift_scores.{column}", score)
        if value is not None and column:
            out.append(("drift_score", {**version, "column": str(column)}, value))
    for column, drifted in _columns("drifted", window["drifted"]):
        flag = _flag(f"drifted.{column}", drifted)
        if column:
            out.append(("column_drifted", {**version, "column": str(column)}, flag))
    realized = _number("realized", window["realized"])
    labelled = _number("realized_rows", window["realized_rows"], optional=False)
    gate = _number("gate_value", window["gate_value"])
    rules = dict(window.get("rules") or {})
    min_labels = _number("min_labels", window.get("min_labels")) or 1
    enough = realized is not None and labelled >= min_labels
    if realized is not None:
        out.append(("realized", {**version, "metric": metric}, realized))
    out.append(("realized_rows", version, labelled))
    # what the champion never saw (ctloop.unseen): counts a dashboard or an alert can read
    for name in ("unseen_labels", "empty_features"):
        count = _number(name, window.get(name))
        if count is not None:
            out.append((name, version, count))
    if gate is not None:
        out.append(("gate_value", {**version, "metric": metric}, gate))
        if enough:
            out.append(
                (
                    "realized_worse_than_gate",
                    {**version, "metric": metric},
                    worse_by(metric, realized, gate),
                )
            )
    floor = _number("rules.realized_floor", rules.get("realized_floor"))
    if enough and floor is not None:
        out.append(
            (
                "realized_worse_than_floor",
                {**version, "metric": metric},
                worse_by(metric, realized, floor),
            )
        )
    out.append(
        (
            "retrain",
            {**version, "rule": _label("rule", window["rule"] or "none")},
            _flag("retrain", window["retrain"]),
        )
    )
    for rule in THRESHOLD_RULES:
        value = _number(f"rules.{rule}", rules.get(rule))
        if value is not None:
            out.append(("threshold", {"rule": rule}, value))
    return [
        (PREFIX + name, {k: v for k, v in labels.items() if v}, value)
        for name, labels, value in out
    ]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def exposition(samples: list[tuple[str, dict[str, str], float]]) -> str:
    """Prometheus text format 0.0.4, every family a gauge."""
    lines, seen = [], set()
    for name, labels, value in sorted(samples, key=lambda s: s[0]):
        if name not in seen:
            seen.add(name)
            lines += [f"# HELP {name} {HELP[name[len(PREFIX) :]]}", f"# TYPE {name} gauge"]
        body = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{body}}} {value!r}" if body else f"{name} {value!r}")
    return "\n".join(lines) + "\n"


def group_url(gateway_url: str, model: str) -> str:
    """The Pushgateway URL of ``model``'s group; the model name base64-encoded (any character).
    A URL holding a user name or password is refused (urllib never sends them, and every warning
    quoted the URL): credentials are ``PUSHGATEWAY_*`` (:func:`gateway_auth`)."""
    from ctloop.config import check_pushgateway_url

    check_pushgateway_url(gateway_url)  # monitoring.pushgateway_url is checked by this same rule
    if not isinstance(model, str) or not model:
        raise ConfigError(f"model must be the registered model name, got {model!r}")
    try:
        encoded = base64.urlsafe_b64encode(model.encode("utf-8")).decode()
    except UnicodeEncodeError:  # a lone surrogate: bytes that were not UTF-8, decoded with surrogateescape
        raise ConfigError(f"model {model!r} is no UTF-8 text, which the Pushgateway's group name "
                          "must be: give the registered model name") from None
    return f"{gateway_url.rstrip('/')}/metrics/job/{JOB}/model@base64/{encoded}"


def gateway_auth(env: Any = None):
    """The Pushgateway's credentials from ``PUSHGATEWAY_TOKEN``, ``PUSHGATEWAY_TOKEN_FILE``,
    ``PUSHGATEWAY_USERNAME``/``PUSHGATEWAY_PASSWORD`` and ``PUSHGATEWAY_CA_FILE``, with the rules
    of Prometheus' (:class:`ctloop.serving.metric_sources.PrometheusAuth`); a contradiction or an
    unreadable file is a ConfigError naming the variable."""
    from ctloop.serving.metric_sources import PUSHGATEWAY, PrometheusAuth

    return PrometheusAuth.from_env(env, prefix=PUSHGATEWAY)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A push never follows a redirect: urllib would copy the Authorization header to wherever a
    3xx points (CPython 3.11 ``urllib/request.py``); the 3xx is the warning instead."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def push_window(
    gateway_url: str, *, model: str, window: dict, timeout_s: float = 10.0, clock=time.time, auth: Any = None
) -> str | None:
    """Publish one judged monitoring window of ``model``, replacing its previous one.

    ``window`` holds ``window_end`` (ISO 8601 with zone), ``champion_version``, ``rows``,
    ``drift_share`` (None when not computed), ``drift_scores`` and ``drifted`` (per column),
    ``realized`` (None without labels), ``realized_metric``, ``realized_rows``, ``gate_value`` (the
    champion's gate metric, None when unknown), ``retrain`` and ``rule``; optionally ``rules`` (the
    monitoring rules, published as thresholds the alerts compare with) and ``min_labels``.

    ``auth`` (a :class:`~ctloop.serving.metric_sources.PrometheusAuth`) defaults to
    :func:`gateway_auth` (``PUSHGATEWAY_*``): a Pushgateway behind an auth proxy or its own
    ``--web.config.file``. Credentials never follow a redirect and never appear in a warning.

    Returns None when the Pushgateway accepted the push, else the one-line warning (also logged):
    a failed push never fails the run. Bad input raises ConfigError. A feature named ``""`` is not
    published (Prometheus drops an empty label value: its series read as the model's own), and
    the accepted push returns the warning naming it.
    """
    url = group_url(gateway_url, model)
    body = exposition(window_samples(window, now=clock())).encode()
    unnamed = "" in window["drift_scores"] or "" in window["drifted"]
    handlers: list[Any] = [_NoRedirect()]
    try:
        auth = gateway_auth() if auth is None else auth
        headers = auth.headers()  # a token file is read now: one rotated away is a warning, not a failed run
        context = auth.ssl_context()
    except ConfigError as exc:
        return _warn(model, gateway_url, str(exc))
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8", **headers},
    )
    from ctloop.serving.metric_sources import AnswerTooLong, read_answer

    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=timeout_s) as resp:
            read_answer(resp, timeout_s)  # an endless answer is no accepted push (not read for ever)
        if unnamed:
            warning = (f"monitoring metrics of {model} pushed without the drift of the column named '' "
                       "(an empty name, which Prometheus drops as a label value): give the feature a name; "
                       "the window is recorded in MLflow whole")
            log.warning(warning)
            return warning
        return None
    except AnswerTooLong as exc:
        warning = f"no Pushgateway answer ({exc})"
    except urllib.error.HTTPError as exc:
        try:
            detail = " ".join(read_answer(exc, timeout_s, 65536).decode(errors="replace").split())[:300]
        except (OSError, http.client.HTTPException, AnswerTooLong):  # the error body cut short or endless
            detail = ""
        finally:
            exc.close()  # its answer's socket (metric_sources._error_answer)
        warning = f"HTTP {exc.code} {detail or exc.reason}"
        if exc.code in (401, 403):
            warning += (f" (sent {auth.describe()}"
                        + ("; set PUSHGATEWAY_TOKEN_FILE, PUSHGATEWAY_TOKEN or PUSHGATEWAY_USERNAME/"
                           "PUSHGATEWAY_PASSWORD, docs/serving.md#pushgateway-behind-an-auth-proxy)"
                           if not auth.sends_credentials else ")"))
        elif 300 <= exc.code < 400:
            warning += " (a redirect, not followed: give the Pushgateway's own URL)"
    except (OSError, http.client.HTTPException) as exc:
        # URLError, timeouts, refused connections; and a port that answers no HTTP (a TLS or
        # SSH port: BadStatusLine) or cuts the answer short (IncompleteRead), which were tracebacks
        why = getattr(exc, "reason", exc)
        warning = " ".join(str(why).split()) or type(exc).__name__
        if isinstance(exc, http.client.HTTPException):
            warning = f"no HTTP answer ({type(exc).__name__}: {warning[:80]!r})"
        if "CERTIFICATE_VERIFY_FAILED" in warning:
            warning += "; set PUSHGATEWAY_CA_FILE to the CA bundle that signed its certificate"
    return _warn(model, gateway_url, warning)


def _warn(model: str, gateway_url: str, warning: str) -> str:
    warning = (
        f"monitoring metrics of {model} not pushed to {gateway_url}: {warning}; "
        "the window is recorded in MLflow, Prometheus alerts will not see it"
    )
    log.warning(warning)
    return warning


__all__ = ["JOB", "alert_exprs", "alert_fallbacks", "threshold_alert_expr", "push_window", "window_samples",
           "exposition", "group_url", "gateway_auth"]
