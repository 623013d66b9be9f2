"""Typed configuration: every setting of ctloop, its default, its meaning and its checks — once.

A section is a frozen dataclass whose fields carry their documentation and checks (:func:`opt`).
Everything else is derived from them:

* the pipelines take one ``dict`` parameter per section, defaulting to ``Section.defaults()``;
* the components parse the section they receive (``GateConfig.from_dict(gate)``), so a value a
  user leaves out takes the default written here;
* ``ctloop.yaml`` (:mod:`ctloop.ops.spec`) is validated section by section with the same checks,
  reporting every problem with its path in one pass;
* CLI flags (:func:`add_arguments`) take their defaults and help from the fields;
* docs/configuration.md is generated from the fields (``ctloop config docs``; a test keeps it true).

Sections: :class:`DataConfig`, :class:`TrainingConfig`, :class:`GateConfig`,
:class:`DriftConfig`, :class:`RolloutConfig` (with :class:`CanaryRules` and
:class:`QualityRules`), :class:`MonitoringConfig` (with :class:`MonitoringRules`),
:class:`ScoringConfig` (batch scoring), :class:`ScheduleConfig`, :class:`PlatformConfig` (compile time: image, resources, retries) and
:class:`KfpConfig` (where the KFP API is).

KFP passes dict parameters through ``google.protobuf.Struct``, which stores every number as a
double: an integer field accepts an integral float (``1000.0``) and turns it back into ``1000``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import json
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ctloop.errors import ConfigError, problem_list
from ctloop.serving.metric_sources import DEFAULT_SOURCE, range_problem

REQUIRED: Any = dataclasses.MISSING  # a field without a default: the user must give it
STRATEGIES = ("canary", "blue-green")
# The recurring run `ctloop apply` keeps per model and pipeline is <prefix><model name>; a
# monitoring trigger starts the version the model's continuous-training schedule runs.
SCHEDULE_PREFIXES = {"continuous-training": "ct-", "monitoring": "monitor-", "batch-scoring": "score-"}


def schedule_name(pipeline: str, model_name: str) -> str:
    return SCHEDULE_PREFIXES[pipeline] + model_name
APPROVALS = ("none", "required")
CORRECTIONS = ("", "bonferroni", "fdr")
K8S_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?\Z")  # DNS-1035 label: InferenceService, schedule names
# DNS-1123 label: namespaces (k8s.io/apimachinery pkg/util/validation/validation.go, dns1123LabelFmt and
# DNS1123LabelMaxLength; pkg/api/validation ValidateNamespaceName = NameIsDNSLabel; Kubernetes 1.31)
K8S_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


# --------------------------------------------------------------------------- field checks
# A check takes the value and returns None (fine) or what is wrong, e.g. "must be > 0".
SEED_MAX = 2**32 - 1  # numpy's and scikit-learn's random_state: 0..2**32-1
# Repetitions and waits past these never finish in a run (a typo of a few zeros; sleep overflows)
MAX_SEARCH_ITERATIONS, MAX_BOOTSTRAP_ROUNDS, MAX_CALIBRATION_ROUNDS = 10_000, 1_000_000, 10_000
MAX_WAIT_SECONDS = 7 * 86_400
Check = Callable[[Any], "str | None"]


def positive(value: Any) -> str | None:
    return None if value > 0 else "must be > 0"


def non_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be >= 0"


def _bound(number: float) -> str:
    """A bound as a message shows it: a whole one exactly (``4294967295``, ``1000000``; ``:g`` showed
    them as ``4.29497e+09``, another number, and ``1e+06``), else as ``:g`` (``0.5``)."""
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e16 else f"{number:g}"


def at_least(low: float) -> Check:
    def check(value: Any) -> str | None:
        return None if value >= low else f"must be >= {_bound(low)}"

    return check


def between(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Check:
    def check(value: Any) -> str | None:
        ok_low = value > low if low_open else value >= low
        ok_high = value < high if high_open else value <= high
        if ok_low and ok_high:
            return None
        return f"must be in {'(' if low_open else '['}{_bound(low)}, {_bound(high)}{')' if high_open else ']'}"

    return check


def one_of(*choices: Any) -> Check:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        close = difflib.get_close_matches(str(value), [str(c) for c in choices if c], n=1)
        shown = ", ".join(repr(c) for c in choices)
        return f"must be one of {shown}" + (f"; did you mean {close[0]!r}?" if close else "")

    return check


def duration(value: Any) -> str | None:
    from ctloop.timeutil import parse_duration

    try:
        parse_duration(value)
    except ConfigError as exc:
        return str(exc).replace(f"duration {value!r} ", "")
    return None


def optional_duration(value: Any) -> str | None:
    return None if value == "" else duration(value)


def _iso_time(empty: str) -> Callable[[Any], str | None]:
    """A check: an ISO 8601 time or empty (which means ``empty``)."""

    def check(value: Any) -> str | None:
        from ctloop.timeutil import to_utc

        if value == "":
            return None
        try:
            to_utc(value)
        except ConfigError as exc:
            said = str(exc).removeprefix(f"time {value!r} ")
            if not said.startswith("is not an ISO 8601 time"):  # ISO 8601 it is: out of range, a leap second
                return said
            return f"is not an ISO 8601 time, e.g. 2026-01-31T00:00:00Z (empty = {empty})"
        return None

    return check


iso_time_or_empty = _iso_time("now / the newest data")
iso_time = _iso_time("none")


def strftime_format(value: Any) -> str | None:
    from ctloop.timeutil import time_format_problem

    return None if value == "" else time_format_problem(value)


def k8s_name(value: Any) -> str | None:
    if value == "" or (len(value) <= 63 and K8S_NAME.match(value)):
        return None
    return "must be a Kubernetes name: lower-case letters, digits and '-', starting with a letter, at most 63"


# The longest InferenceService name ctloop deploys to. It creates services with tag routing, so
# KServe v0.20.0 names its Knative targets "latest" and "prev" (ksvc_reconciler.go
# createKnativeService) on the Knative Service "<name>-predictor" (constants.PredictorServiceName),
# and Knative serves each tag at "{{.Tag}}-{{.Name}}" (config-network tag-template's default),
# refusing a host whose label passes 63 characters (knative-v1.21.1 pkg/reconciler/route/domains/
# domains.go DomainNameFromTemplate): no traffic[] is reported (kserve#2428, kserve#1377). Checked
# by rollout.inference_service and by the deploy (ctloop.serving.isvc.check_tag_routing_name); a
# CLI --isvc naming an existing service keeps k8s_name's 63.
TAG_ROUTED_NAME_MAX = 63 - len("latest--predictor")


def tag_routed_name(value: Any) -> str | None:
    """:func:`k8s_name`, at most :data:`TAG_ROUTED_NAME_MAX` characters (its canary's tag host)."""
    if problem := k8s_name(value):
        return problem
    if len(value) > TAG_ROUTED_NAME_MAX:
        return (f"is {len(value)} characters: at most {TAG_ROUTED_NAME_MAX}, as Knative serves its canary at the "
                f"host 'latest-{value}-predictor', which must fit a 63-character DNS label")
    return None


# Label syntax (kubernetes v1.31 staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go:
# IsQualifiedName for keys, IsValidLabelValue for values)
_LABEL_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
# DNS-1123 subdomain (k8s.io/apimachinery validation.go dns1123SubdomainFmt, at most 253): object names
K8S_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


def label_key_problem(value: Any) -> str | None:
    """Why ``value`` is no Kubernetes label key (``[prefix/]name``: a DNS subdomain of at most 253
    characters, a name of at most 63 alphanumerics with ``-_.`` inside), or None."""
    if not isinstance(value, str):
        return f"expected text, got {value!r}"
    parts = value.split("/")
    name, prefix = parts[-1], parts[0] if len(parts) == 2 else ""
    if len(parts) > 2 or len(parts) == 2 and not (len(prefix) <= 253 and K8S_SUBDOMAIN.match(prefix)) \
            or not (len(name) <= 63 and _LABEL_PART.match(name)):
        return (f"not a Kubernetes label key ([prefix/]name: a name of at most 63 letters, digits, '-', '_', "
                f"'.', starting and ending with a letter or digit; a DNS-subdomain prefix), got {value!r}")
    return None


def label_value_problem(value: Any) -> str | None:
    """Why ``value`` is no Kubernetes label value (empty, or at most 63 alphanumerics with ``-_.``
    inside), or None."""
    if not isinstance(value, str):
        return f"expected text, got {value!r}"
    if value and not (len(value) <= 63 and _LABEL_PART.match(value)):
        return (f"not a Kubernetes label value (at most 63 letters, digits, '-', '_', '.', starting and ending "
                f"with a letter or digit), got {value!r}")
    return None


TOLERATION_FIELDS = ("key", "operator", "value", "effect", "tolerationSeconds")
TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _choice_problem(value: str, choices: tuple[str, ...]) -> str:
    """"must be one of …, got …" ending with a did-you-mean when one is close (case too)."""
    close = difflib.get_close_matches(value, choices, n=1) or [c for c in choices if c.lower() == value.lower()]
    return (f"must be one of {', '.join(map(repr, choices))}, got {value!r}"
            + (f"; did you mean {close[0]!r}?" if close else ""))


def toleration_problems(toleration: Any, where: str) -> list[str]:
    """What Kubernetes refuses in one toleration, as ``ValidateTolerations`` (kubernetes v1.31
    ``pkg/apis/core/validation/validation.go``) does when the pod is created, long after
    ``ctloop apply``; plus a field kfp-kubernetes' ``add_toleration`` would drop without a word."""
    if not isinstance(toleration, dict):
        return [f"{where}: every entry must be a mapping with key/operator/value/effect, got {toleration!r}"]
    out = []
    for name in toleration:
        if name not in TOLERATION_FIELDS:
            close = difflib.get_close_matches(str(name), TOLERATION_FIELDS, n=1, cutoff=0.6) \
                or [f for f in TOLERATION_FIELDS if f.lower() == str(name).lower()]
            out.append(f"{where}.{name}: not a toleration field; "
                       + (f"did you mean {close[0]!r}?" if close else f"use {', '.join(TOLERATION_FIELDS)}"))
    for name in ("key", "operator", "value", "effect"):
        if toleration.get(name) is not None and not isinstance(toleration[name], str):
            out.append(f"{where}.{name}: expected text, got {toleration[name]!r}")
    if out:
        return out
    key, operator = toleration.get("key") or "", toleration.get("operator") or ""
    value, effect, seconds = toleration.get("value") or "", toleration.get("effect") or "", \
        toleration.get("tolerationSeconds")
    if key and (problem := label_key_problem(key)):
        out.append(f"{where}.key: {problem}")
    if operator not in ("", *TOLERATION_OPERATORS):
        out.append(f"{where}.operator: {_choice_problem(operator, TOLERATION_OPERATORS)}")
    elif not key and operator != "Exists":
        out.append(f"{where}.operator: must be Exists when key is empty (a toleration of every taint), "
                   f"got {operator or 'Equal'!r}")
    elif operator == "Exists" and value:
        out.append(f"{where}.value: must be empty when operator is Exists, got {value!r}")
    elif operator != "Exists" and (problem := label_value_problem(value)):
        out.append(f"{where}.value: {problem}")
    if effect and effect not in TAINT_EFFECTS:
        out.append(f"{where}.effect: {_choice_problem(effect, TAINT_EFFECTS)}")
    if seconds is not None:
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            out.append(f"{where}.tolerationSeconds: must be a whole number of seconds, got {seconds!r}")
        elif not -2**63 <= seconds < 2**63:  # an int64 in Kubernetes and in kfp-kubernetes' protobuf
            out.append(f"{where}.tolerationSeconds: must fit in 64 bits (at most {2**63 - 1}), got {seconds}")
        elif effect != "NoExecute":
            out.append(f"{where}.tolerationSeconds: needs effect NoExecute (Kubernetes refuses it otherwise), "
                       f"got effect {effect or 'empty'!r}")
    return out


# characters only (legacy S3 buckets may hold capitals and '_'); Azure's special containers are
# $root, $web (static websites) and $logs
_BUCKET = {"gs": re.compile(r"[A-Za-z0-9._-]+\Z"), "s3": re.compile(r"[A-Za-z0-9._-]+\Z"),
           "az": re.compile(r"(\$(root|web|logs)|[a-z0-9-]+)\Z")}


def storage_location(value: Any) -> str | None:
    """Why ``value`` is no location ctloop can read or write (:func:`ctloop.storage.parse`: a
    scheme it has no backend for, no bucket, a bucket or container name with characters no object
    store allows), or None; empty is fine (the field's own default or an optional root)."""
    from ctloop import storage

    if value == "":
        return None
    if isinstance(value, str) and (control := re.search(r"[\x00-\x1f\x7f]", value)):
        # a pasted newline: storage.parse kept it in the key ('x.parquet\n'), and every run found no such object
        return f"holds a control character ({control[0]!r} at offset {control.start()}; a pasted newline?)"
    try:
        loc = storage.parse(value)
    except ConfigError as exc:
        return str(exc)
    if loc.scheme in _BUCKET and not _BUCKET[loc.scheme].match(loc.bucket):
        word = "container" if loc.scheme == "az" else "bucket"
        return (f"{word} {loc.bucket!r} holds characters no {word} name has (letters, digits, "
                + ("'-'" if loc.scheme == "az" else "'.', '-', '_'") + ")")
    return None


def http_url(value: Any) -> str | None:
    """Why ``value`` is no KFP API URL (without a scheme, https:// is meant, as ``kfp.Client`` takes
    it), or None; empty is fine. The rule of ``kfp.host``, ``--host`` and ``KF_PIPELINES_ENDPOINT``:
    :func:`ctloop.urls.kfp_host_problem`."""
    from ctloop.urls import kfp_host_problem

    return kfp_host_problem(value)


def _url_problem(said: str) -> str:
    """A URL check's message as a field's problem: without its leading "<what> URL '<url>'" (the
    line shows the value, its credentials masked) and its trailing example (the field has one)."""
    said = re.sub(r"^\w+ URL ('[^']*'|\S+) ", "", said)
    return re.sub(r",? e\.g\. \S+$", "", said)


def prometheus_url(value: Any) -> str | None:
    """Why ``value`` is no Prometheus base URL the rollout can query, by the rule of its client
    (:class:`ctloop.serving.metric_sources.Prometheus`: http(s), a host, no password, no query), or
    None; blank is "not given" (``PROMETHEUS_URL``)."""
    from ctloop.serving.metric_sources import Prometheus, PrometheusAuth, configured_url

    url = configured_url(value, "") if isinstance(value, str) else value
    if url == "":
        return None
    try:
        Prometheus(url, auth=PrometheusAuth())  # no request: the URL's checks only
    except ConfigError as exc:
        return _url_problem(str(exc))
    return None


PUSHGATEWAY_EXAMPLE = "http://prometheus-pushgateway.monitoring.svc:9091"


def check_pushgateway_url(url: Any) -> str:
    """``url`` when it is a Pushgateway base URL ctloop can push a group to (the one rule of
    ``ctloop.monitoring.prometheus.group_url`` and of ``monitoring.pushgateway_url``): http(s), a
    host, no user name or password (urllib never sends them: ``PUSHGATEWAY_*`` are the
    credentials), no query or fragment (the group's path went after them) and no group path
    ``/metrics/job/`` (ctloop appends its own: two grouping keys, every push refused with HTTP
    400); else a ConfigError."""
    from urllib.parse import urlsplit

    from ctloop.serving.metric_sources import url_without_credentials
    from ctloop.urls import check_http_url

    shown = url_without_credentials(url) if isinstance(url, str) else None  # any '@': a password may hold '/', '?', '#'
    if shown is not None:
        raise ConfigError(f"pushgateway URL {shown!r} holds a user name or password: set "
                          "PUSHGATEWAY_USERNAME/PUSHGATEWAY_PASSWORD (or PUSHGATEWAY_TOKEN) instead "
                          "(docs/serving.md#pushgateway-behind-an-auth-proxy); an '@' in its path is written %40")
    check_http_url(url, "pushgateway URL", f"e.g. {PUSHGATEWAY_EXAMPLE}")
    parts = urlsplit(url)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigError(f"pushgateway URL {parts.scheme}://{parts.netloc}{parts.path} has a query or fragment "
                          f"('?', '#'): give the Pushgateway's base URL, e.g. {PUSHGATEWAY_EXAMPLE}")
    if "/metrics/job/" in f"{parts.path}/":
        raise ConfigError(f"pushgateway URL {parts.scheme}://{parts.netloc}{parts.path} is a group's URL "
                          f"(/metrics/job/…): give the Pushgateway's base URL, e.g. {PUSHGATEWAY_EXAMPLE} "
                          "(ctloop appends its own group path)")
    return url


def pushgateway_url(value: Any) -> str | None:
    """Why ``value`` is no Pushgateway base URL the monitoring run can push to
    (:func:`check_pushgateway_url`, the rule ``ctloop.monitoring.prometheus.group_url`` applies),
    or None; blank is "not given" (``PUSHGATEWAY_URL``)."""
    from ctloop.serving.metric_sources import configured_url

    url = configured_url(value, "") if isinstance(value, str) else value
    if url == "":
        return None
    try:
        check_pushgateway_url(url)
    except ConfigError as exc:
        return _url_problem(str(exc))
    return None


# MLflow's alias rule (mlflow 3.17.2 utils/validation.py _validate_model_alias_name and
# _validate_model_alias_name_reserved): word characters and '-', at most 255; 'latest' (any case)
# and v<digits> are reserved, so no version ever has such an alias
_ALIAS = re.compile(r"^[\w\-]+\Z")
_ALIAS_VERSION = re.compile(r"^[vV]\d+\Z")


def registry_alias(value: Any) -> str | None:
    """Why ``value`` is no alias a registered model version can have in MLflow, or None."""
    if not isinstance(value, str) or not _ALIAS.match(value) or len(value) > 255:
        return "must be an MLflow alias: 1-255 letters, digits, '_' or '-'"
    if value.lower() == "latest" or _ALIAS_VERSION.match(value):
        return "is reserved by MLflow ('latest' and v<number> name versions, never an alias): no version has it"
    return None


def not_blank(value: Any) -> str | None:
    """A name that must be given: the KFP 2.17 API server refuses an experiment without one (HTTP 500,
    ``backend/src/apiserver/server/api_converter.go`` ``toModelExperiment``; ``ops.platform.check_name``);
    a canary's score column (a blank one failed every quality check)."""
    return None if value.strip() else "must not be blank"


def k8s_namespace(value: Any) -> str | None:
    if value == "" or (len(value) <= 63 and K8S_LABEL.match(value)):
        return None
    return ("must be a Kubernetes namespace (DNS-1123 label): lower-case letters, digits and '-', starting and "
            "ending with a letter or digit, at most 63")


def model_name(value: Any) -> str | None:
    if not value:
        return "is required"
    if len(value) <= 60 and K8S_NAME.match(value):
        return None
    return ("must be a valid Kubernetes and MLflow name: lower-case letters, digits and '-', starting with a "
            "letter, at most 60 characters (it names the InferenceService and the schedule ct-<name>)")


def drift_method(value: Any) -> str | None:
    from ctloop.drift.stats import METHODS

    return None if value == "" else one_of(*METHODS)(value)


def estimator_name(value: Any) -> str | None:
    from ctloop.estimators import name_problem

    return name_problem(value)


def trusted_type_names(value: Any) -> str | None:
    from ctloop.estimators import trusted_type_problem

    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return "must be a list of type names (module.Type)"
    return trusted_type_problem(value)


def traffic_plan(value: Any) -> str | None:
    # the range first: int() of YAML's .inf or .nan raises
    if (not value or any(isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 100 or p != int(p)
                         for p in value) or list(value) != sorted(value) or len(set(value)) != len(value)):
        return "must be increasing whole percentages in 1..100"
    return None


def prometheus_range(value: Any) -> str | None:
    return range_problem(value)


def number_map(value: Any) -> str | None:
    bad = [k for k, v in value.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if bad:
        return f"{bad[0]!r} must be a number (is {value[bad[0]]!r})"
    bad = [k for k, v in value.items() if not math.isfinite(v)]
    return None if not bad else f"{bad[0]!r} must be a finite number (is {value[bad[0]]!r})"


def non_negative_map(value: Any) -> str | None:
    """Numbers per name, none below 0 (drift thresholds: a distance, a significance level)."""
    problem = number_map(value)
    bad = [k for k, v in value.items() if v < 0] if problem is None else []
    return problem or (f"{bad[0]!r} must be >= 0 (is {value[bad[0]]!r})" if bad else None)


def metric_bounds(value: Any) -> str | None:
    """Numbers per metric name that a metric can reach (a gate's thresholds)."""
    from ctloop.metrics import never_met

    problem = number_map(value)
    if problem:
        return problem
    return next((why for k, v in value.items() if (why := never_met(str(k), float(v)))), None)


def method_map(value: Any) -> str | None:
    for key, method in value.items():
        problem = drift_method(method) if method else "must name a method"
        if problem:
            return f"{key!r}: {method!r} {problem}"
    return None


def metric_source(value: Any) -> str | None:
    from ctloop.serving.metric_sources import SOURCES

    return one_of(*SOURCES)(value)


def cron(value: Any) -> str | None:
    from ctloop.ops.cron import validate_cron

    try:
        validate_cron(value)
    except ConfigError as exc:
        return str(exc)
    return None


# Kubernetes quantities as KFP 2.17.0 accepts them (kfp/dsl/pipeline_task.py,
# _validate_cpu_request_limit and _validate_memory_request_limit): anything else is a ValueError
# traceback when the pipeline is compiled.
CPU_QUANTITY = re.compile(r"([0-9]*[.])?[0-9]+m?\Z")
MEMORY_QUANTITY = re.compile(r"^[0-9]+(E|Ei|P|Pi|T|Ti|G|Gi|M|Mi|K|Ki){0,1}\Z")
_MEMORY_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
                 "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def cpu_quantity(value: Any) -> str | None:
    if value == "" or CPU_QUANTITY.match(str(value)):
        return None
    return "must be a CPU quantity: a number of cores or of millicores, e.g. 2, 0.5 or 500m"


def memory_quantity(value: Any) -> str | None:
    # KFP takes K, the driver's resource.ParseQuantity does not (Kubernetes' kilo is k, which KFP
    # refuses: apimachinery v0.35.2 pkg/api/resource/suffix.go): every task of the step failed to start
    if value == "" or MEMORY_QUANTITY.match(str(value)) and not str(value).endswith("K"):
        return None
    return ("must be a memory quantity KFP accepts and Kubernetes reads: whole bytes or a whole number with one of "
            "M, G, T, P, E (powers of 1000) or Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), e.g. 16G or 512Mi")


def _limit(quantity: Callable[[Any], str | None], memory: bool) -> Callable[[Any], str | None]:
    """A limit's check: ``quantity``'s, and not zero — the driver passes "0" to the pod as written
    (KFP 2.17.0 backend/src/v2/driver/driver.go getPodResource) and Kubernetes reads a zero limit as
    none (the kubelet sets no CPU quota, no memory.max): the step ran without any limit."""
    def check(value: Any) -> str | None:
        if problem := quantity(value):
            return problem
        if value != "" and quantity_value(str(value), memory) == 0:
            return ("a limit of 0 is no limit at all to Kubernetes; leave it empty for no limit or give one above 0, "
                    f"e.g. {'16G' if memory else '2'}")
        return None
    return check


def accelerator_resource(value: Any) -> str | None:
    """An accelerator KFP 2.17 can put into the pod: the driver sets ``limits[<type>] = <count>``
    (backend/src/v2/driver/driver.go), and Kubernetes (v1.31 validateContainerResourceName,
    helper.IsExtendedResourceName) takes only an extended resource there: ``<domain>/<name>``, the
    domain not kubernetes.io, no ``requests.`` prefix (``gpu`` fails every pod, ``cpu`` would
    replace the CPU limit)."""
    prefix = str(value).partition("/")[0]
    if value == "" or ("/" in value and label_key_problem(f"requests.{value}") is None
                       and not prefix.endswith("kubernetes.io") and not prefix.startswith("requests.")):
        return None
    return "must be an extended resource name <domain>/<name> such as nvidia.com/gpu or amd.com/gpu"


def quantity_value(text: str, memory: bool) -> float:
    """A checked quantity as a number (cores, bytes), for comparing a request with its limit."""
    if memory:
        number = re.match(r"[0-9]+", text).group(0)  # type: ignore[union-attr]
        return float(number) * _MEMORY_UNITS[text[len(number):]]
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def parse_pvc_mount(text: str) -> tuple[str, str]:
    """``CLAIM:PATH`` → ``(claim, path)``; a ConfigError says what is wrong.

    The claim must also be a volume name: the KFP 2.17.0 driver names the pod's volume and its mount
    after the claim (``backend/src/v2/driver/k8s.go`` ``makeVolumeMountPatch``), and a volume name is a
    DNS-1123 label (no ``.``, at most 63 characters), stricter than a claim name (a DNS subdomain):
    ``data.v2`` compiled and uploaded, and every task of every run failed to start."""
    claim, sep, path = str(text).partition(":")
    if not sep or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", claim) or not path.startswith("/"):
        raise ConfigError(
            f"PVC mount {text!r} must be CLAIM:PATH with a Kubernetes claim name and an absolute "
            "path, e.g. ctloop-inference-log-records:/mnt/inference-log"
        )
    if bad := next((c for c in path if ord(c) < 32 or ord(c) == 127), None):
        raise ConfigError(f"PVC mount {text!r}: the path holds the control character {bad!r} (a pasted line break?); "
                          "a NUL is no path at all — fix: e.g. ctloop-inference-log-records:/mnt/inference-log")
    if "." in claim or len(claim) > 63:
        raise ConfigError(
            f"PVC mount {text!r}: KFP names the pod's volume after the claim, and a volume name takes no '.' and "
            "at most 63 characters (a DNS-1123 label): every task would fail to start — fix: mount a claim "
            "named so, e.g. ctloop-inference-log-records:/mnt/inference-log"
        )
    return claim, path.rstrip("/") or "/"


# The volumes every KFP 2.17.0 task pod already has, name → mount path (emptyDirs of the executor
# template: backend/src/v2/compiler/argocompiler/container.go). The driver names a claim's volume
# after the claim (backend/src/v2/driver/k8s.go) and Argo merges the pod spec patch by volume name
# and mount path: a claim of one of these names makes one volume of two kinds (the pod is refused), a
# claim on one of these paths replaces the mount (no launcher at /kfp-launcher: every task fails).
# Argo adds its own before the patch: ``var-run-argo`` (an emptyDir holding argoexec, mounted in the
# main container at /var/run/argo) and ``tmp-dir-argo`` (its init and wait containers' /tmp only:
# the name is taken, the path is not) — argo-workflows v3 ``workflow/controller/workflowpod.go``. A
# cluster whose KFP sets CABUNDLE_SECRET_NAME or CABUNDLE_CONFIGMAP_NAME also gets ``custom-ca`` at
# /kfp/certs (2.17.0 ``argocompiler/common.go`` ``ConfigureCustomCABundle``, ``common.CABundleDir``).
KFP_POD_VOLUMES = {"kfp-launcher": "/kfp-launcher", "gcs-scratch": "/gcs", "s3-scratch": "/s3",
                   "minio-scratch": "/minio", "dot-local-scratch": "/.local", "dot-cache-scratch": "/.cache",
                   "dot-config-scratch": "/.config", "var-run-argo": "/var/run/argo", "custom-ca": "/kfp/certs"}
KFP_POD_NAMES_ONLY = {"tmp-dir-argo": "Argo's volume tmp-dir-argo (its init and wait containers' /tmp)"}
# Where a task's outputs go is no reason to keep a claim off /tmp. KFP 2.17.0's driver
# (backend/src/v2/driver/driver.go provisionOutputs) puts each task's executor output file under its
# own task root, LocalPathForURI(<pipeline root>/<task>/<salt>)/output_metadata.json (/gcs, /s3,
# /minio: launcher_v2.go LocalPathForURI); the fixed /tmp/kfp_outputs/output_metadata.json
# (launcher_v2.go OutputMetadataFilepath) is its fallback for any other pipeline root, which the
# object store takes only as the in-memory mem:// (objectstore/config.go), where no artifact passes
# between pods. The path every task gets alike, /tmp/kfp/outputs/<output name>, is read only for an
# output parameter the executor output lacks (launcher_v2.go); ctloop's components return theirs in it
# (tests/pipeline/test_fix39e_pvc_over_tmp.py). A claim at / is refused: it hides the image's own files.


def same_mount_path(path: str) -> str:
    """``path`` as the container runtime mounts it (``/mnt//x`` and ``/mnt/y/../x`` are ``/mnt/x``)."""
    import posixpath

    return posixpath.normpath(re.sub("/+", "/", path))


def check_pvc_mounts(mounts: list[tuple[str, str]]) -> None:
    """One volume per claim, one mount per path: the driver makes a volume named after each claim, and
    a pod with two volumes of one name or two mounts at one path is refused (every task fails to start);
    nor may a claim take a name or path every task pod already has (:data:`KFP_POD_VOLUMES`; the
    compiler also checks each step's own Secret and ConfigMap volumes)."""
    taken = {same_mount_path(p): name for name, p in KFP_POD_VOLUMES.items()}
    for claim, path in mounts:
        if claim in KFP_POD_VOLUMES or claim in KFP_POD_NAMES_ONLY or same_mount_path(path) in taken:
            what = (f"its volume name {claim} (KFP names a claim's volume after the claim) is taken by "
                    + (KFP_POD_NAMES_ONLY.get(claim) or f"KFP's volume {claim} (at {KFP_POD_VOLUMES.get(claim)})")
                    if claim in KFP_POD_VOLUMES or claim in KFP_POD_NAMES_ONLY
                    else f"{same_mount_path(path)} is where KFP's volume {taken[same_mount_path(path)]} is mounted")
            volume = claim if claim in KFP_POD_VOLUMES else taken.get(same_mount_path(path), "")
            where = (" on a cluster whose KFP sets CABUNDLE_SECRET_NAME or CABUNDLE_CONFIGMAP_NAME (the compiled "
                     "file does not know its cluster)" if volume == "custom-ca" else " in every task pod")
            raise ConfigError(f"PVC mount {claim}:{path}: {what}{where}: the task could not run as it "
                              "should — fix: another claim name or mount path, e.g. "
                              "ctloop-inference-log-records:/mnt/inference-log")
        if same_mount_path(path) == "/":
            raise ConfigError(f"PVC mount {claim}:{path}: a claim at / hides the image's own files (Python, ctloop) in "
                              f"every task pod: no task could run — fix: mount it at a directory, e.g. {claim}:/mnt/data")
    for i, (claim, path) in enumerate(mounts):
        for other_claim, other_path in mounts[:i]:
            if claim == other_claim or same_mount_path(path) == same_mount_path(other_path):
                what = f"claim {claim} twice" if claim == other_claim else f"two claims at {path}"
                raise ConfigError(f"PVC mounts {other_claim}:{other_path} and {claim}:{path} mount {what}: a pod "
                                  "takes one volume per claim and one mount per path — fix: keep one of them")


def pvc_mounts(value: Any) -> str | None:
    """The ``platform.pvc_mounts`` check: :func:`parse_pvc_mount` of each, then :func:`check_pvc_mounts`
    (what ``ctloop compile --mount-pvc`` checks too)."""
    try:
        check_pvc_mounts([parse_pvc_mount(m) for m in value])
    except ConfigError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- fields and sections
def opt(default: Any, doc: str, *, example: str = "", check: Check | None = None) -> Any:
    """A documented field. ``default=REQUIRED`` makes it required; mutable defaults are copied."""
    metadata = {"doc": doc, "example": example, "check": check}
    if default is REQUIRED:
        return field(metadata=metadata)
    if isinstance(default, dict | list):
        return field(default_factory=lambda d=default: copy.deepcopy(d), metadata=metadata)
    return field(default=default, metadata=metadata)


_JSON_TYPES = {str: "text", int: "a whole number", float: "a number", bool: "true/false", dict: "a mapping",
               list: "a list"}


class Section:
    """Mixin of the configuration dataclasses (see the module doc)."""

    NAME: ClassVar[str] = ""  # the key of the section in ctloop.yaml and the pipeline parameter

    # ------------------------------------------------------------------ introspection
    @classmethod
    def fields(cls) -> list[dataclasses.Field]:
        return list(dataclasses.fields(cls))  # type: ignore[arg-type]

    @classmethod
    def types(cls) -> dict[str, Any]:
        return typing.get_type_hints(cls)

    @classmethod
    def required(cls) -> list[str]:
        return [f.name for f in cls.fields() if f.default is REQUIRED and f.default_factory is REQUIRED]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every field with a default, as JSON values (the pipeline parameter's default)."""
        out = {}
        for f in cls.fields():
            if f.default is not REQUIRED:
                value = f.default
            elif f.default_factory is not REQUIRED:
                value = f.default_factory()
            else:
                continue
            out[f.name] = value.to_dict() if isinstance(value, Section) else value
        return out

    @classmethod
    def parameter_default(cls) -> dict[str, Any]:
        """:meth:`defaults` without the fields whose default is null (KFP cannot compile a null in a
        parameter default; a missing key takes the same default when the section is parsed)."""
        return without_nulls(cls.defaults())

    @classmethod
    def default_of(cls, name: str) -> Any:
        return cls.defaults()[name]

    @classmethod
    def doc_of(cls, name: str) -> str:
        return next(f.metadata["doc"] for f in cls.fields() if f.name == name)

    # ------------------------------------------------------------------ parsing
    @classmethod
    def parse(cls, data: Any, path: str, errors: list[str]) -> Any:
        """An instance from ``data`` (missing keys take their defaults); every problem is appended
        to ``errors`` as ``path.key: what is wrong, got value; e.g. key: example``. Returns None
        when the section cannot be built."""
        path = path or cls.NAME
        if data is None:
            data = {}
        if not isinstance(data, dict):
            errors.append(f"{path}: expected a mapping, got {type(data).__name__} {_show(data)}")
            return None
        types = cls.types()
        known = {f.name: f for f in cls.fields()}
        values: dict[str, Any] = {}
        ok = True
        for key, value in data.items():
            where = f"{path}.{key}"
            if key not in known:
                # a lenient cutoff: short keys (``cpus``) against longer field names (``cpu_limit``)
                close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.45)
                errors.append(f"{where}: unknown key; " + (f"did you mean {close[0]!r}?" if close
                                                           else f"allowed: {', '.join(known)}"))
                ok = False
                continue
            converted, problem = _convert(value, types[key], where, errors)
            if problem is None:
                check = known[key].metadata.get("check")
                problem = check(converted) if check and converted is not None else None
            if problem is not None:
                if problem:
                    shown = _show_host(value) if known[key].metadata.get("check") is http_url else _show(value)
                    errors.append(_problem_line(where, problem, shown, _example(known[key])))
                ok = False
                continue
            values[key] = converted
        for name in cls.required():
            if name not in values and name not in data:
                errors.append(f"{path}.{name}: required — {known[name].metadata['doc'].rstrip('.')}"
                              + _example(known[name]))
                ok = False
        if not ok:
            return None
        instance = cls(**values)
        for problem in instance.problems():
            errors.append(f"{path}.{problem}")
            ok = False
        return instance if ok else None

    @classmethod
    def from_dict(cls, data: Any, path: str = "") -> Any:
        """An instance from ``data``, or one ConfigError listing every problem (one per line)."""
        errors: list[str] = []
        instance = cls.parse(data, path or cls.NAME, errors)
        if errors:
            raise problem_list(errors, header=f"{len(errors)} problems:")
        return instance

    def problems(self) -> list[str]:
        """Checks across fields of one section: ``field: what is wrong``. Overridden by sections."""
        return []

    def to_dict(self) -> dict[str, Any]:
        return {f.name: (v.to_dict() if isinstance(v := getattr(self, f.name), Section) else copy.deepcopy(v))
                for f in self.fields()}

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    return value


OFF = "off"  # how a null (a rule turned off) travels through KFP parameters


def nulls_as_off(value: Any) -> Any:
    """``value`` with every null inside a mapping written as ``"off"``. KFP cannot carry a null in a
    dict parameter (kfp 2.17 ``pipeline_spec_builder.to_protobuf_value`` refuses None), and dropping
    the key would bring the field's default back: a rule turned off would be on again. Sections read
    ``"off"`` as null for every field that may be null."""
    if isinstance(value, dict):
        return {k: (OFF if v is None else nulls_as_off(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [nulls_as_off(v) for v in value]
    return value


def long_number(digits: int) -> str:
    """What is wrong with a whole number of ``digits`` digits beyond :func:`too_many_digits`, said after where
    it was given (ctloop.yaml's line, ``--param NAME``)."""
    return f"a number of {digits} digits: no setting takes one (is it the right value?)"


def too_many_digits(text: str) -> int:
    """The digits of the longest run of digits in ``text`` when Python converts no integer of so many
    (``sys.get_int_max_str_digits()``, 4300: ``int()``, ``json.loads`` and PyYAML raise ``ValueError``
    "Exceeds the limit (4300 digits) for integer string conversion"), else 0."""
    import sys

    limit = sys.get_int_max_str_digits()
    if not limit or len(text) <= limit:
        return 0
    longest = max((len(run) for run in re.findall(r"[0-9]+", text)), default=0)
    return longest if longest > limit else 0


def _show(value: Any) -> str:
    if isinstance(value, str) and re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*:", value) and ("?" in value or "@" in value):
        # a URL's user, password and query (a SAS signature) stay out, also when it is written wrongly (az:/c?sig=)
        from ctloop.storage import _without_secrets

        value = _without_secrets(value.strip())
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _show_host(value: Any) -> str:
    """``kfp.host`` as ``--host`` and ``KF_PIPELINES_ENDPOINT`` show it (``argtypes._shown_url``): what
    follows the last '@', also of a host without a scheme (``u:S3CRET@kfp.example.com``), which
    :func:`_show` quoted whole."""
    from ctloop.serving.metric_sources import url_without_credentials

    masked = url_without_credentials(value)
    return _show(value) if masked is None else f"{_show(masked)} (its credentials not shown)"


_SUGGESTION = re.compile(r"^(?P<what>.*?)(?P<sep>[;.]?\s*)(?P<hint>[Dd]id you mean .*\?)$", re.S)


def _problem_line(where: str, problem: str, shown: str, example: str) -> str:
    """``where: problem, got value; e.g. key: example`` — or, when the problem ends by suggesting
    the fix (``…; did you mean 'xgboost'?``), ``where: problem, got value; did you mean …?``: the
    line ends with the suggestion, and no generic example contradicts it."""
    hint = _SUGGESTION.match(problem)
    if hint is None:
        return f"{where}: {problem}, got {shown}{example}"
    return f"{where}: {hint['what']}, got {shown}; d{hint['hint'][1:]}"


def _example(f: dataclasses.Field) -> str:
    example = f.metadata.get("example")
    if not example:
        default = f.default if f.default is not REQUIRED else (
            f.default_factory() if f.default_factory is not REQUIRED else None)
        if default in (None, "", {}, []):
            return ""
        example = json.dumps(default.to_dict() if isinstance(default, Section) else default)
    return f"; e.g. {f.name}: {example}"


def _convert(value: Any, kind: Any, where: str, errors: list[str]) -> tuple[Any, str | None]:
    """``(converted value, problem)`` for ``value`` against the annotation ``kind``."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, type(int | None)) and type(None) in args:
        if value is None or value == OFF:
            return None, None
        kind = next(a for a in args if a is not type(None))
    if isinstance(kind, type) and issubclass(kind, Section):
        before = len(errors)
        instance = kind.parse(value, where, errors)
        return instance, ("" if len(errors) > before else None)  # "": reported already
    base = typing.get_origin(kind) or kind
    if base is float:
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\s*", value):
            # YAML 1.1 (PyYAML) reads 1e-9, 1.0e9 and 1.5E5 as text (it wants a point and a signed
            # exponent); YAML 1.2 and JSON read them as the numbers they are
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, f"expected {_JSON_TYPES[float]}"
        if value != value or value in (float("inf"), float("-inf")):
            return None, "expected a finite number"
        return float(value), None
    if base is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?0[oO][0-7]+\s*", value):
            # YAML 1.2's octal 0o17 is text to YAML 1.1 (PyYAML): say so, and the number it means
            return None, (f"expected {_JSON_TYPES[int]} (an 0o octal number is text to YAML 1.1 and JSON: write "
                          f"{int(value.strip().replace('0o', '').replace('0O', ''), 8)} in decimal)")
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"expected {_JSON_TYPES[int]}"
        return value, None
    if base is bool:
        if not isinstance(value, bool):
            return None, f"expected {_JSON_TYPES[bool]}"
        return value, None
    if base in (str, dict, list):
        import datetime

        if base is str and isinstance(value, bool):
            # YAML 1.1 (PyYAML) reads an unquoted on, off, yes, no, true or false as a boolean
            return None, (f"expected {_JSON_TYPES[base]} (quote it: read as the boolean {str(value).lower()}; YAML "
                          "reads an unquoted on, off, yes, no, true or false as one)")
        if base is str and isinstance(value, datetime.date):  # datetime.datetime is a date too
            # YAML 1.1 (PyYAML) reads an unquoted 2024-10-01 as a date, 2024-10-01 10:00:00 as a date and time
            what = "a date and time" if isinstance(value, datetime.datetime) else "a date"
            return None, f"expected {_JSON_TYPES[base]} (quote it: YAML read it as {what})"
        if base is str and value is None:  # YAML reads an unquoted null, Null, NULL or ~ as no value
            return None, f"expected {_JSON_TYPES[base]} (quote it: YAML reads an unquoted null or ~ as no value)"
        if base is str and isinstance(value, int | float):
            # YAML and JSON read an unquoted 2024 or 07.10 as a number (7.1): only quotes keep the text
            return None, f"expected {_JSON_TYPES[base]} (quote it: YAML and JSON read it as a number)"
        if not isinstance(value, base):
            return None, f"expected {_JSON_TYPES[base]}"
        return copy.deepcopy(value), None
    raise TypeError(f"unsupported configuration type {kind!r} at {where}")  # a bug in a section


# --------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class DataConfig(Section):
    """The training table (``prepare_data``): where it is, what it must look like, which window."""

    NAME: ClassVar[str] = "data"
    uri: str = opt(REQUIRED, "Table to train on: a local path or an object-store URI (gs://, s3://, az://), "
                   "CSV or Parquet: a file, or a directory of part files as Spark, Hive or Dask write it (read as "
                   "one table; _SUCCESS and other '_'/'.' names left out, key=value directories read as "
                   "columns).", example="gs://bucket/credit.parquet", check=storage_location)
    target: str = opt(REQUIRED, "Label column.", example="default")
    time_column: str = opt(REQUIRED, "Event-time column used for windowing and the time split.",
                           example="application_date")
    format: str = opt("", "Table format, csv or parquet; empty = from the file extension.",
                      check=one_of("", "csv", "parquet"))
    time_format: str = opt("", "How time_column's text is written, a strftime format such as %d/%m/%Y or "
                           "%d.%m.%Y %H:%M (pandas to_datetime(format=...)); values written otherwise are refused, "
                           "an offset (%z) is converted to UTC, none means UTC. Empty = inferred: ISO 8601, and "
                           "03/02/2025 day first when some first number above 12 says so, else the reading under "
                           "which the rows are in time order, else with dots day first and with slashes month "
                           "first (with a warning).", example="'%d/%m/%Y'", check=strftime_format)
    contract: dict = opt({}, "Data contract checked before training (see docs/configuration.md#data-contract); "
                         "empty = no checks.", example="{columns: {income: {dtype: float, min: 0}}}")
    window: str = opt("180D", "Training window ending at as_of (e.g. 180D, 12h); empty = all data.",
                      check=optional_duration)
    as_of: str = opt("", "End of the training window (ISO 8601); empty = the newest time in the data.",
                     check=iso_time_or_empty)
    current_window: str = opt("30D", "Recent slice compared with the champion's training reference for drift.",
                              check=duration)
    holdout_fraction: float = opt(0.2, "Newest share of the window held out for the gate.",
                                  check=between(0, 1, low_open=True, high_open=True))
    recency_half_life: str = opt("", "Half-life of recency sample weights (newer rows weigh more), e.g. 30D; "
                                 "empty = all rows weigh the same.", check=optional_duration)

    def problems(self) -> list[str]:
        from ctloop.contract import DataContract

        out = []
        for name in ("uri", "target", "time_column"):
            if not getattr(self, name).strip():
                out.append(f"{name}: must not be empty — {self.doc_of(name)}")
        if self.target and self.target == self.time_column:
            out.append(f"time_column: {self.time_column!r} is also the target")
        try:
            contract = DataContract.from_dict(self.contract or None)
        except ConfigError as exc:
            out.append(str(exc))
        else:  # refused here, by apply --dry-run and compile, not first by the run's prepare_data
            if problem := contract.time_format_problem(self.time_column, self.time_format):
                out.append(problem)
        return out


@dataclass(frozen=True)
class TrainingConfig(Section):
    """How a challenger is trained (``train_model``)."""

    NAME: ClassVar[str] = "training"
    task: str = opt("classification", "classification or regression.", check=one_of("classification", "regression"))
    estimator: str = opt("hist_gradient_boosting", "Estimator: a catalogue name (hist_gradient_boosting, random_forest, "
                         "logistic_regression, linear_regression, xgboost, lightgbm) or a scikit-learn estimator "
                         "class as module:Class (see docs/estimators.md).", check=estimator_name)
    hyperparameters: dict = opt({}, "Estimator hyperparameters; empty = ctloop's defaults for the estimator.",
                                example="{max_iter: 300, learning_rate: 0.05}")
    search_iterations: int = opt(0, "Randomized-search iterations with time-series CV; 0 = no search.",
                                 check=between(0, MAX_SEARCH_ITERATIONS))
    seed: int = opt(0, "Random seed of the estimator and the search.", check=between(0, SEED_MAX))
    trusted_types: list = opt([], "Types a module:Class estimator's fitted model holds beyond ctloop's skops "
                              "allow-list, declared after review (skops builds only trusted types); training "
                              "names any that are missing.", example="[mypkg.models.MyClassifier]",
                              check=trusted_type_names)
    max_number_classes: int = opt(100, "A classification target of numbers with more distinct values than this is "
                                  "refused before any fit (an amount or an ID set as the target); 0 = no limit. "
                                  "Text labels (c101) are never limited.", check=between(0, 1_000_000))
    candidate_since: str = opt("", "A recovery's candidate start (ISO time, set by trigger_training from the "
                               "monitoring window's try_from tag): also train on the rows since then and keep that "
                               "model when confidently better on the newest of them (ctloop.retrain); empty = the "
                               "whole window.", example="2026-01-31T00:00:00Z", check=iso_time)

    def problems(self) -> list[str]:
        from ctloop.estimators import ESTIMATORS, task_problem

        if self.estimator not in ESTIMATORS and estimator_name(self.estimator):
            return []  # reported by the field check
        problem = task_problem(self.estimator, self.task)
        return [f"estimator: {problem}"] if problem else self._hyperparameter_problems()

    def _hyperparameter_problems(self) -> list[str]:
        """What the estimator refuses in ``hyperparameters``, found where the spec is validated
        rather than at the first training run in the cluster: a name it does not take (with a
        did-you-mean), a value its constructor or scikit-learn's parameter constraints
        (``_validate_params``, what ``fit`` runs first) refuse. The model is built as training
        builds it (:func:`ctloop.estimators.build`), not fitted."""
        from ctloop.estimators import ESTIMATORS, build, wrapper_params

        if not self.hyperparameters:
            return []
        try:
            empty, _ = build(self.task, self.estimator, {}, self.seed)
        except (ConfigError, ImportError):
            return []  # the estimator's own problem, reported elsewhere; a library this machine lacks
        spec = ESTIMATORS.get(self.estimator)
        boosted = spec is not None and spec.boosted
        inner = empty.estimator if boosted else empty
        valid = set(inner.get_params(deep=False)) | (set(wrapper_params(self.task)) if boosted else set())
        unknown = [str(k) for k in self.hyperparameters if k not in valid]
        if unknown:
            out = []
            for name in unknown:
                close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.7)
                out.append(f"hyperparameters.{name}: not a parameter of {type(inner).__name__}; "
                           + (f"did you mean {close[0]!r}?" if close else f"it takes {', '.join(sorted(valid))}"))
            return out
        try:
            model, _ = build(self.task, self.estimator, dict(self.hyperparameters), self.seed)
            target = model.estimator if boosted else model
            if hasattr(target, "_parameter_constraints") and callable(getattr(target, "_validate_params", None)):
                target._validate_params()
        except ConfigError as exc:
            return [f"hyperparameters: {exc}"]
        except (TypeError, ValueError) as exc:  # sklearn's InvalidParameterError is both
            text = " ".join(str(exc).split())
            named = re.match(r"The '(\w+)' parameter", text)
            return [f"hyperparameters{'.' + named.group(1) if named else ''}: {text}"]
        return []


@dataclass(frozen=True)
class GateConfig(Section):
    """The evaluation gate (``evaluate_model``): the challenger against absolute thresholds and against
    the champion on the same holdout rows."""

    NAME: ClassVar[str] = "gate"
    thresholds: dict = opt({}, "Absolute bounds every challenger must meet: {roc_auc: 0.7} means roc_auc >= 0.7, "
                           "{rmse: 12} means rmse <= 12. Empty = never approve (fail safe).",
                           example="{roc_auc: 0.72}", check=metric_bounds)
    primary_metric: str = opt("", "Metric compared with the champion; empty = roc_auc (classification) or rmse.")
    tolerance: float = opt(0.01, "Allowed regression of the primary metric against the champion: rejected only "
                           "when the whole confidence interval of the difference is below -tolerance.",
                           check=non_negative)
    slice_column: str = opt("", "Categorical column whose worst slice must not regress either; empty = none. The target not with "
                                    "primary_metric roc_auc, r2, precision, recall or f1; never the time column.")
    bootstrap_rounds: int = opt(1000, "Paired bootstrap resamples of the champion comparison.",
                                check=between(1, MAX_BOOTSTRAP_ROUNDS))
    confidence: float = opt(0.95, "Confidence level of the bootstrap interval.",
                            check=between(0.5, 1, high_open=True))
    seed: int = opt(0, "Seed of the bootstrap.", check=between(0, SEED_MAX))


@dataclass(frozen=True)
class DriftConfig(Section):
    """Feature drift of the recent data against the champion's training reference (``detect_drift``),
    with evidently 0.7's DataDriftPreset rules."""

    NAME: ClassVar[str] = "drift"
    share: float = opt(0.5, "Share of drifted columns at which the dataset counts as drifted (share >= this).",
                       check=between(0, 1, low_open=True))
    method: str = opt("", "Method for every column (ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, "
                      "hellinger); empty = evidently's automatic choice per column.", check=drift_method)
    threshold: float | None = opt(None, "Threshold for every column; null = the method's default (p-value 0.05, "
                                  "distance 0.1).", check=non_negative)
    column_methods: dict = opt({}, "Per-column methods, e.g. {income: psi}.", check=method_map)
    column_thresholds: dict = opt({}, "Per-column thresholds, e.g. {income: 0.2}.", check=non_negative_map)
    correction: str = opt("", "Multiple-testing correction across p-value columns: bonferroni, fdr or empty.",
                          check=one_of(*CORRECTIONS))
    calibration_rounds: int = opt(0, "> 0: calibrate per-column thresholds on that many random splits of the "
                                  "reference.", check=between(0, MAX_CALIBRATION_ROUNDS))
    force_retrain: bool = opt(False, "Retrain whatever the drift verdict.")
    report_sample_size: int = opt(20000, "Rows per side rendered in the HTML report (0 = all); the verdict uses "
                                  "all rows.", check=non_negative)
    seed: int = opt(0, "Seed of the report sample and the calibration splits.", check=between(0, SEED_MAX))


@dataclass(frozen=True)
class CanaryRules(Section):
    """Live-traffic rules judged at every canary step (Prometheus). No data is a failed check."""

    NAME: ClassVar[str] = "rules"
    max_error_rate: float = opt(0.01, "Largest canary 5xx share.", check=between(0, 1))
    max_p99_seconds: float = opt(0.5, "Largest canary p99 latency, seconds.", check=positive)
    max_p99_ratio: float = opt(2.0, "Largest canary p99 as a multiple of the stable revision's (at least 1: "
                               "below, a canary as fast as the stable revision fails).", check=at_least(1))
    max_client_error_excess: float = opt(0.01, "Largest excess of the canary's 4xx share over the stable revision's "
                                         "in the same window, judged on its 99 % lower confidence bound: clients' bad "
                                         "requests hit both alike, a canary refusing what the stable takes does not "
                                         "(docs/serving.md#the-4xx-rule).", check=between(0, 1))
    min_requests: int = opt(50, "Fewest canary requests in the window to judge it at all.", check=positive)
    window: str = opt("5m", "Prometheus range each check looks back over.", check=prometheus_range)
    metric_source: str = opt(DEFAULT_SOURCE, "Where the request metrics come from: ctloop (the serving runtime's "
                             "own counters; works on a stock KServe 0.20), knative-otel (Knative >= 1.19 with "
                             "request-metrics-protocol set), knative-legacy (Knative <= 1.18) or istio "
                             "(docs/serving.md#metric-sources).", check=metric_source)


@dataclass(frozen=True)
class QualityRules(Section):
    """Model-quality rules of the canary (inference log, optional labels)."""

    NAME: ClassVar[str] = "quality_rules"
    max_auc_drop: float = opt(0.05, "With labels: largest drop of the canary's realized ROC AUC below the "
                              "stable's.", check=non_negative)
    max_psi: float = opt(0.2, "Without labels: largest PSI of the canary's predicted scores against the "
                         "stable's.", check=positive)
    min_labelled: int = opt(200, "Labelled rows needed on each side for the AUC comparison.", check=positive)
    min_rows: int = opt(200, "Logged rows with a prediction needed on each side.", check=positive)
    score_column: str = opt("prediction_1", "Logged score column of a binary model.", check=not_blank)


@dataclass(frozen=True)
class RolloutConfig(Section):
    """What happens to an approved challenger: a KServe canary (``inference_service`` set) or a registry
    promotion, optionally after a person approves it."""

    NAME: ClassVar[str] = "rollout"
    inference_service: str = opt("", "KServe InferenceService to roll an approved challenger out to; empty = "
                                 "registry only.", example="credit-default", check=tag_routed_name)
    namespace: str = opt("", "The InferenceService's namespace.", example="ctloop", check=k8s_namespace)
    kserve_namespace: str = opt("", "Namespace of KServe's ConfigMap inferenceservice-config, where its controller "
                                "runs (a service naming no deployment mode takes the default there); empty = "
                                "CTLOOP_KSERVE_NAMESPACE, else kserve, then kubeflow.",
                                example="redhat-ods-applications", check=k8s_namespace)
    strategy: str = opt("canary", "canary (traffic steps) or blue-green (all at once once ready).",
                        check=one_of(*STRATEGIES))
    traffic_plan: list = opt([5, 25, 50, 100], "Canary percentages per step (blue-green: judged at 100 % once "
                             "per step).", check=traffic_plan)
    interval_seconds: int = opt(300, "Time at each canary step before judging it.",
                                check=between(1, MAX_WAIT_SECONDS))
    rules: CanaryRules = opt(CanaryRules(), "Live-traffic rules (see CanaryRules).",
                             example="{max_error_rate: 0.01, min_requests: 200}")
    quality_rules: QualityRules = opt(QualityRules(), "Model-quality rules (see QualityRules); used when "
                                      "inference_log_root is set.")
    max_failed_checks: int = opt(1, "Failed canary checks that trigger a rollback (at most the steps of "
                                 "traffic_plan).", check=positive)
    max_holds: int = opt(3, "Analyses of one version held for too little evidence (a quiet canary: no traffic to "
                         "judge it by) before the next quiet one rolls it back instead of holding.", check=positive)
    prometheus_url: str = opt("", "Prometheus base URL; empty = PROMETHEUS_URL from ConfigMap ctloop-settings.",
                              example="http://prometheus.monitoring.svc:9090", check=prometheus_url)
    inference_log_root: str = opt("", "Inference log root; when set the canary is also judged on model quality.",
                                  example="gs://ctloop-inference-log", check=storage_location)
    labels_root: str = opt("", "Label store root for the canary's realized metric.", example="gs://ctloop-labels",
                           check=storage_location)
    timeout_seconds: int = opt(600, "How long to wait for each traffic change to show in the status.",
                               check=between(1, MAX_WAIT_SECONDS))
    auto_promote: bool = opt(True, "Without inference_service: promote an approved challenger in the registry "
                             "right away.")
    approval: str = opt("none", "required: an approved challenger waits for `ctloop approve` before it is "
                        "deployed or promoted.", check=one_of(*APPROVALS))

    def problems(self) -> list[str]:
        out = []
        if self.inference_service and not self.namespace:
            out.append("namespace: required with inference_service — the InferenceService's namespace")
        steps = len(self.traffic_plan) if isinstance(self.traffic_plan, list) else 0
        if steps and self.max_failed_checks > steps:
            out.append(f"max_failed_checks: {self.max_failed_checks} failed checks can never happen in the "
                       f"{steps} steps of traffic_plan {self.traffic_plan}: no canary would ever be rolled back; "
                       f"use at most {steps}, or add steps")
        return out


@dataclass(frozen=True)
class MonitoringRules(Section):
    """When monitoring asks for retraining. A rule set to null (or ``"off"``) is off."""

    NAME: ClassVar[str] = "rules"
    drift_share: float | None = opt(0.5, "Drift share from which a window counts as drifted (share >= "
                                    "drift_share, as drift.share, detect_drift's verdict, and evidently read it).",
                                    check=between(0, 1, low_open=True))
    drift_windows: int = opt(2, "Consecutive drifted windows that trigger retraining.", check=positive)
    realized_floor: float | None = opt(None, "Absolute bound of the champion's realized metric (below it for "
                                       "higher-is-better metrics, above it for log_loss/rmse/mae).")
    realized_drop: float | None = opt(None, "Largest drop of the realized metric below the champion's "
                                      "validation value — after a retrain that did not replace the champion, "
                                      "below its own realized value in that window (the re-based reference) — "
                                      "(no sampling error: with a few hundred labels it fires on noise; "
                                      "realized_z is the default).", check=non_negative)
    min_rows_since_training: int | None = opt(None, "Rows logged since the champion was promoted needed "
                                              "before any rule may fire (a rule of its own when alone).",
                                              check=positive)
    cooldown: str | None = opt("24h", "No trigger within this long of the previous successful trigger.",
                               check=duration)
    realized_z: float | None = opt(2.326, "Realized loss vs what the champion scored at its gate (ROC AUC, or "
                                   "the Brier score; a regressor's mean squared or absolute error), in standard errors of the difference (the sampling "
                                   "error of the window's labels and of the gate holdout): 2.326 = one-sided "
                                   "99 %. Needs the gate statistics registered with the champion.",
                                   check=positive)
    realized_min_effect: float | None = opt(0.01, "The smallest loss realized_z and cusum_h count, as a share of "
                                            "issue 14's scale (0.01 = its tolerance of 0.5 points): 0.005 of ROC "
                                            "AUC (1 % of the 0.5 between chance and 1), 1 % of the Brier score "
                                            "of predicting the gate holdout's class shares (a point of Brier "
                                            "skill), a regressor's squared error 1 % and absolute error 0.5 % "
                                            "above the champion's at its gate (0.5 % of the RMSE or MAE). A loss "
                                            "confident but smaller does not fire (a near-perfect champion's "
                                            "standard error collapses). Null: any confident loss; 0 is refused.",
                                            check=between(0, 0.5, low_open=True, high_open=True))
    cusum_h: float | None = opt(5.0, "Slow loss: a one-sided CUSUM of the standardised realized losses "
                                "(slack 0.5 standard errors) at or above this fires, when the mean loss of its "
                                "run is also realized_z standard errors above 0 (the reference's own error and "
                                "the windows' spread).", check=positive)
    recovery: bool = opt(True, "After a confident loss on labels (realized_z, cusum_h, below chance, realized_drop, "
                         "realized_floor), keep retraining every other window on the data since the loss while "
                         "the retrains pay (each challenger replaced the champion and scored better at the gate); "
                         "after one that did not, wait twice as long; two in a row that did not end it. It ends "
                         "at once when the loss's own retrain was not confidently better, the loss was not strong "
                         "(loss_z under a tenth of realized_z's one-sided tail: 3.09 standard errors at 2.326; "
                         "realized_drop and realized_floor record none) and the champion is not confidently behind "
                         "the level before it (by realized_min_effect at least): a false alarm costs one retrain (ctloop.monitoring.policy).")
    prediction_psi: float | None = opt(0.2, "Prediction drift: PSI of the champion's scores against its gate "
                                       "holdout's score deciles above this and above sampling noise, for "
                                       "drift_windows windows. Neither feature nor prediction drift fires on "
                                       "a window whose labels show no loss (realized_z/cusum_h).",
                                       check=positive)

    def active(self) -> dict[str, Any]:
        """The rules that are on, as the rule engine reads them."""
        rules = {k: v for k, v in self.to_dict().items() if v is not None}
        if "drift_share" not in rules:
            rules.pop("drift_windows", None)
        return rules


@dataclass(frozen=True)
class MonitoringConfig(Section):
    """The monitoring pipeline: what it reads and when it asks for retraining."""

    NAME: ClassVar[str] = "monitoring"
    log_root: str = opt(REQUIRED, "Inference log root written by `ctloop logger serve`.",
                        example="gs://ctloop-inference-log", check=storage_location)
    window: str = opt("1h", "Window judged per run (match the schedule: hourly runs → 1h).", check=duration)
    labels_root: str = opt("", "Label store root for the realized metric; empty = none.", check=storage_location)
    rules: MonitoringRules = opt(MonitoringRules(), "Retraining rules (see MonitoringRules).")
    metric: str = opt("", "Realized metric; empty = roc_auc (classification) or rmse (regression).")
    score_column: str = opt("", "Logged prediction column scored; empty = prediction_1 (binary), every "
                            "prediction_<i> (multiclass) or prediction (regression).")
    label_lookback: str = opt("7D", "Predictions of this period whose labels have arrived count for the "
                              "realized metric.", check=duration)
    min_labels: int = opt(100, "Labelled champion rows needed before the realized rules may fire.",
                          check=positive)
    pushgateway_url: str = opt("", "Prometheus Pushgateway the window's metrics are pushed to; empty = "
                               "PUSHGATEWAY_URL from the environment, else none.",
                               example="http://prometheus-pushgateway.monitoring.svc:9091", check=pushgateway_url)
    partitions: int = opt(1, "Tasks the window's log is read by in parallel (dsl.ParallelFor over file groups; "
                          "one task merges and judges): raise it when one pod is too slow for the window.",
                          check=positive)

    def problems(self) -> list[str]:
        from ctloop.metrics import never_dropped, never_met

        out = [] if self.log_root.strip() else [f"log_root: must not be empty — {self.doc_of('log_root')}"]
        floor = self.rules.realized_floor if self.rules is not None else None
        if self.metric and floor is not None and (why := never_met(self.metric, float(floor))):
            out.append(f"rules.realized_floor: {why} (the rule would fire on every window)")
        drop = self.rules.realized_drop if self.rules is not None else None
        if self.metric and drop is not None and (why := never_dropped(self.metric, float(drop))):
            out.append(f"rules.realized_drop: {why}")
        return out


@dataclass(frozen=True)
class ScoringConfig(Section):
    """Batch scoring (``score_batch``, ``ctloop score``): a table scored by a registry alias in chunks,
    the predictions written with the model version and the run id, the rows logged into the
    inference log (docs/batch-scoring.md)."""

    NAME: ClassVar[str] = "scoring"
    data: str = opt(REQUIRED, "Table to score: a Parquet or CSV file, a directory or glob of them; local, gs://, "
                    "s3:// or az://.", example="gs://bucket/applications/2026-12-01/",
                    check=storage_location)
    output: str = opt(REQUIRED, "Directory the predictions go to, one Parquet file per chunk "
                      "(part-<run id>-<chunk>.parquet); local, gs://, s3:// or az://.",
                      example="gs://bucket/scores/", check=storage_location)
    alias: str = opt("champion", "Registry alias whose version scores (its model file is verified against the "
                     "recorded sha256 before it is loaded).", check=registry_alias)
    id_column: str = opt("", "Input column whose values (unique, not null) become the rows' request_id, the key "
                         "late labels join on; empty = a deterministic id from the data URI and the row number.")
    batch_rows: int = opt(100_000, "Rows read, scored and written at a time: memory is bounded by this.",
                          check=positive)
    log_root: str = opt("", "Inference log root the scored rows are logged into (layout and column types of the "
                        "sink), so monitoring and late labels cover batch scoring; empty = not logged.",
                        check=storage_location)

    def problems(self) -> list[str]:
        return [f"{name}: must not be empty — {self.doc_of(name)}" for name in ("data", "output")
                if not getattr(self, name).strip()]


@dataclass(frozen=True)
class ScheduleConfig(Section):
    """A recurring run (KFP cron: six fields, seconds first, UTC)."""

    NAME: ClassVar[str] = "schedule"
    cron: str = opt(REQUIRED, "Six-field KFP cron, seconds first, UTC.", example='"0 0 3 * * *"', check=cron)
    no_catchup: bool = opt(True, "A paused schedule never backfills the runs it missed.")
    max_concurrency: int = opt(1, "Runs of this schedule at once (KFP allows 1-10).", check=between(1, 10))
    enabled: bool = opt(True, "False keeps the schedule but pauses it.")


@dataclass(frozen=True)
class StepResources(Section):
    """Kubernetes resources of one pipeline step."""

    NAME: ClassVar[str] = "resources"
    cpu_request: str = opt("", "CPU request, e.g. 500m or 2.", check=cpu_quantity)
    cpu_limit: str = opt("", "CPU limit; OMP_NUM_THREADS follows it.", check=_limit(cpu_quantity, memory=False))
    memory_request: str = opt("", "Memory request, e.g. 2G or 512Mi.", check=memory_quantity)
    memory_limit: str = opt("", "Memory limit.", check=_limit(memory_quantity, memory=True))
    accelerator_type: str = opt("", "Accelerator resource, e.g. nvidia.com/gpu; empty = none.",
                                check=accelerator_resource)
    accelerator_limit: int = opt(0, "Accelerators per pod.", check=non_negative)

    def problems(self) -> list[str]:
        if self.accelerator_limit >= 2**63:  # AcceleratorConfig.count is an int64 (kfp pipeline_spec.proto)
            return [f"accelerator_limit: must fit in 64 bits (at most {2**63 - 1}), got {self.accelerator_limit}"]
        # the KFP driver drops an accelerator with either half missing: the step would run without it
        if bool(self.accelerator_type) != (self.accelerator_limit > 0):
            given = (f"accelerator_type {self.accelerator_type!r} without accelerator_limit"
                     if self.accelerator_type else f"accelerator_limit {self.accelerator_limit} without accelerator_type")
            return [f"accelerator: {given} would run the step without any accelerator; set both, e.g. "
                    "{accelerator_type: nvidia.com/gpu, accelerator_limit: 1}, or neither"]
        return []


# The steps of the compiled pipelines (a test compares them with the golden pipelines) and the
# default resources per step, written once here; ``platform.resources`` in ctloop.yaml overrides
# them field by field. Sized for the synthetic demo's scale up to ~1M rows
# (benchmarks/bench_train_speed.py): training is the heavy step.
def _r(cpu_request: str, cpu_limit: str, memory_request: str, memory_limit: str) -> dict[str, str]:
    return {"cpu_request": cpu_request, "cpu_limit": cpu_limit, "memory_request": memory_request,
            "memory_limit": memory_limit}


STEP_RESOURCES: dict[str, dict[str, str]] = {
    "prepare_data": _r("1", "2", "2G", "8G"),
    "detect_drift": _r("1", "2", "2G", "8G"),
    "train_model": _r("2", "4", "4G", "16G"),
    "evaluate_model": _r("1", "2", "2G", "8G"),
    "monitor_model": _r("1", "2", "2G", "8G"),
    "plan_monitoring": _r("1", "1", "1G", "2G"),  # pass 1 over request_id+instance (bounded, spills to disk)
    "summarise_partition": _r("1", "2", "1G", "2G"),  # bounded by batch size, features and labelled rows
    "score_batch": _r("1", "2", "2G", "8G"),
}
SMALL_STEP = _r("250m", "1", "512M", "2G")  # registry, audit, KServe and KFP API calls
STEPS = frozenset({*STEP_RESOURCES, "register_model", "record_decision", "record_run_outcome", "validate_serving",
                   "deploy_canary", "analyze_canary", "promote_model", "rollback_model", "trigger_training"})


def step_resources(step: str, overrides: dict | None = None) -> dict[str, Any]:
    """The resources of ``step``: its defaults with ``overrides`` (``platform.resources[step]``) over them."""
    return {**STEP_RESOURCES.get(step, SMALL_STEP), **(overrides or {})}


@dataclass(frozen=True)
class PlatformConfig(Section):
    """How the steps run on the cluster. Compile-time: changes the compiled pipeline."""

    NAME: ClassVar[str] = "platform"
    # checked where it is used (ctloop.image.resolve_image, without --image and CTLOOP_IMAGE), not here: an
    # overridden image, or one that `run --local` and `doctor` never use, is no reason to refuse the file
    image: str = opt("", "Component image (a registry you push to), pinned by a tag or digest; --image and then "
                     "CTLOOP_IMAGE win over it (this one is checked only when it is the one used); none of them "
                     "(or blank) = the image of this ctloop version (a placeholder that cluster commands refuse).",
                     example="registry.example.com/ml/ctloop:0.1.0")
    service_account: str = opt("", "Kubernetes ServiceAccount that runs the steps (RBAC for KServe).",
                               example="ctloop-pipeline-runner", check=k8s_name)
    pvc_mounts: list = opt([], "PersistentVolumeClaims mounted into every step, CLAIM:PATH.",
                           example='["ctloop-inference-log-records:/mnt/inference-log"]', check=pvc_mounts)
    resources: dict = opt({}, "Per-step resources over the defaults, e.g. {train_model: {cpu_limit: '8', "
                          "memory_limit: 32G}} (see docs/configuration.md#resources--stepresources).")
    retries: int = opt(2, "Retries of the steps that only read or are idempotent (storage, MLflow, Kubernetes, "
                       "Prometheus outages), with exponential backoff.", check=between(0, 10))
    node_selector: dict = opt({}, "Node labels every step must run on, e.g. {pool: ml}.")
    tolerations: list = opt([], "Tolerations of every step, Kubernetes form, e.g. [{key: ml, operator: Exists, "
                            "effect: NoSchedule}].")

    def problems(self) -> list[str]:
        out = []
        for step, value in self.resources.items():
            if step not in STEPS:
                close = difflib.get_close_matches(str(step), sorted(STEPS), n=1, cutoff=0.45)
                out.append(f"resources.{step}: no step of that name; " + (
                    f"did you mean {close[0]!r}?" if close else f"the steps: {', '.join(sorted(STEPS))}"))
                continue
            errors: list[str] = []
            if StepResources.parse(value, f"resources.{step}", errors) is not None:
                errors += _request_above_limit(step, value or {})
            out.extend(errors)
        for key, value in self.node_selector.items():
            if problem := label_key_problem(key) or label_value_problem(value):
                out.append(f"node_selector.{key}: {problem}")
        for i, toleration in enumerate(self.tolerations):
            out.extend(toleration_problems(toleration, f"tolerations[{i}]"))
        return out


def _request_above_limit(step: str, given: dict) -> list[str]:
    """A request above its limit once over the step's defaults: Kubernetes refuses the pod ("must be
    less than or equal to memory limit") when the run starts, long after ``ctloop apply``."""
    merged = step_resources(step, given)
    out = []
    for kind in ("cpu", "memory"):
        request, limit = merged.get(f"{kind}_request"), merged.get(f"{kind}_limit")
        if request and limit and quantity_value(request, kind == "memory") > quantity_value(limit, kind == "memory"):
            said = [f"{kind}_{end} {value}" + ("" if f"{kind}_{end}" in given else " (the default)")
                    for end, value in (("request", request), ("limit", limit))]
            out.append(f"resources.{step}: {said[0]} is above {said[1]}; e.g. "
                       f"{step}: {{{kind}_request: {limit}, {kind}_limit: {limit}}}")
    return out


@dataclass(frozen=True)
class KfpConfig(Section):
    """Where the KFP API is (``ctloop upload/schedule/apply/runs``)."""

    NAME: ClassVar[str] = "kfp"
    host: str = opt("", "KFP API URL (--host wins); empty = KF_PIPELINES_ENDPOINT, else in the cluster or the "
                    "kubeconfig API proxy.",
                    example="https://kfp.example.com/pipeline", check=http_url)
    namespace: str = opt("", "Multi-user Kubeflow: the profile namespace.", example="team-credit", check=k8s_namespace)
    experiment: str = opt("ctloop", "KFP experiment that holds the runs.", check=not_blank)
    install_namespace: str = opt("", "The namespace KFP is installed in, where ctloop apply and ctloop doctor -f find "
                                 "it without a host (the kubeconfig API proxy; the in-cluster service when ctloop "
                                 "apply runs in a pod); --kfp-namespace wins; empty = CTLOOP_KFP_INSTALL_NAMESPACE, "
                                 "else KFP_INSTALL_NAMESPACE, else kubeflow. Not the profile "
                                 "(namespace). trigger_training (a task) reads ctloop-settings' KFP_INSTALL_NAMESPACE "
                                 "instead (doctor warns when the two differ).", example="kfp-system",
                                 check=k8s_namespace)


SECTIONS: tuple[type[Section], ...] = (DataConfig, TrainingConfig, GateConfig, DriftConfig, RolloutConfig,
                                       MonitoringConfig, ScoringConfig, ScheduleConfig, PlatformConfig, KfpConfig)
NESTED: tuple[type[Section], ...] = (CanaryRules, QualityRules, MonitoringRules, StepResources)


# --------------------------------------------------------------------------- cross-section checks
def check_metrics(training: TrainingConfig, gate: GateConfig, *, require_thresholds: bool = False,
                  path: str = "") -> list[str]:
    """Gate metrics against the task: ``gate.thresholds`` keys and ``gate.primary_metric``."""
    from ctloop import metrics as M

    prefix = f"{path}." if path else ""
    out = []
    valid = M.names(training.task)
    for name in gate.thresholds:
        if name not in valid:
            close = difflib.get_close_matches(str(name), valid, n=1)
            out.append(f"{prefix}gate.thresholds.{name}: not a {training.task} metric; "
                       + (f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(valid)}"))
    if gate.primary_metric and gate.primary_metric not in valid:
        out.append(f"{prefix}gate.primary_metric: {gate.primary_metric!r} is not a {training.task} metric; use one "
                   f"of {', '.join(valid)}")
    if require_thresholds and not gate.thresholds:
        out.append(f"{prefix}gate.thresholds: empty — the gate would never approve; e.g. thresholds: "
                   f"{{{M.default_primary(training.task)}: ...}}")
    return out


def check_gate_columns(data: DataConfig, gate: GateConfig, *, task: str = "", path: str = "") -> list[str]:
    """``gate.slice_column`` against ``data`` and the ``task`` (empty: :class:`TrainingConfig`'s
    default). The target is no slice column where a slice of it could not tell a challenger that
    loses a class or a value: roc_auc and r2 are undefined on a slice of one class or one value
    (``components/evaluate/core.py`` skips every such slice), and precision, recall and f1 are 0 for
    both models on the negative class's slice, so a challenger that loses the negative class passes.
    With accuracy or log_loss each class's slice compares the models (accuracy there is the class's
    recall), and with rmse or mae each target value's slice of enough rows (a count target; a
    continuous one gives slices under the gate's minimum, skipped and said so). Nor is the time
    column a slice column (every row its own slice). A primary metric that is not the task's is
    :func:`check_metrics`' to say."""
    from ctloop import metrics as M

    prefix = f"{path}." if path else ""
    sliced = gate.slice_column
    task = task or TrainingConfig.task
    if sliced and sliced == data.target and task in ("classification", "regression"):
        primary = gate.primary_metric or M.default_primary(task)
        if primary in ("roc_auc", "r2"):
            held, other = (("one class", "accuracy or log_loss (each class its own slice)") if primary == "roc_auc"
                           else ("one target value", "rmse or mae (each value's slice of enough rows)"))
            return [f"{prefix}gate.slice_column: {sliced!r} is also data.target and the primary metric is {primary}: "
                    f"each slice would hold {held}, on which {primary} is undefined, so every slice would be skipped "
                    f"and the worst-slice check would never run — slice by a feature such as a region or a product, "
                    f"or compare on {other}"]
        if primary in ("precision", "recall", "f1"):
            return [f"{prefix}gate.slice_column: {sliced!r} is also data.target and the primary metric is {primary}: "
                    f"{primary} is 0 for both models on the negative class's slice, so a challenger that loses that "
                    "class would pass the worst-slice check — slice by a feature such as a region or a product, or "
                    "compare on accuracy or log_loss (each class its own slice, accuracy there its recall)"]
    if sliced and sliced == data.time_column:
        return [f"{prefix}gate.slice_column: {sliced!r} is also data.time_column: every row would be its own slice "
                "— slice by a feature such as a region or a product"]
    return []


def check_monitoring_metric(training: TrainingConfig, monitoring: MonitoringConfig, *, path: str = "") -> list[str]:
    """``monitoring.metric`` against the task, a ``realized_floor`` the metric monitored (the task's
    default when none is named) can never meet (it would fire on every window), and a
    ``realized_drop`` it can never make (it would never fire)."""
    from ctloop import metrics as M

    prefix = f"{path}." if path else ""
    valid = M.names(training.task)
    if monitoring.metric and monitoring.metric not in valid:
        return [f"{prefix}monitoring.metric: {monitoring.metric!r} is not a {training.task} metric; use one of "
                f"{', '.join(valid)}"]
    if monitoring.metric or monitoring.rules is None:
        return []  # a named metric's floor and drop are MonitoringConfig.problems'
    metric, rules, out = M.default_primary(training.task), monitoring.rules, []
    if rules.realized_floor is not None and (why := M.never_met(metric, float(rules.realized_floor))):
        out.append(f"{prefix}monitoring.rules.realized_floor: {why} (the rule would fire on every window)")
    if rules.realized_drop is not None and (why := M.never_dropped(metric, float(rules.realized_drop))):
        out.append(f"{prefix}monitoring.rules.realized_drop: {why}")
    return out


# --------------------------------------------------------------------------- CLI flags
def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser, section: type[Section], names: list[str] | None = None, *,
                  rename: dict[str, str] | None = None, defaults: dict[str, Any] | None = None,
                  arg_types: dict[str, Callable[[str], Any]] | None = None) -> None:
    """One ``--flag`` per field of ``section`` (all, or ``names``), defaults and help from the fields.
    dict/list fields take JSON; ``arg_types`` gives a text field an argparse ``type`` (a path's checks,
    :mod:`ctloop.cli.argtypes`). ``rename`` maps a field to another flag name; ``defaults`` shows the
    command's own base values (what it passes to :func:`from_arguments` as ``base``)."""
    types = section.types()
    defaults = {**section.defaults(), **(defaults or {})}
    for f in section.fields():
        if names is not None and f.name not in names:
            continue
        kind = types[f.name]
        if typing.get_origin(kind) is not None:  # X | None
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        opt_name = flag((rename or {}).get(f.name, f.name))
        required = f.name not in defaults
        default = defaults.get(f.name)
        shown = json.dumps(default.to_dict() if isinstance(default, Section) else default)
        help_text = f.metadata["doc"] + ("" if required else f" (default: {shown})")
        help_text = help_text.replace("%", "%%")
        kwargs: dict[str, Any] = {"dest": f"{section.NAME}__{f.name}", "help": help_text,
                                  "default": argparse.SUPPRESS}
        if required:
            kwargs["required"] = True
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif kind in (dict, list) or (isinstance(kind, type) and issubclass(kind, Section)):
            kwargs["type"] = _json_arg(opt_name)
            kwargs["metavar"] = "JSON"
        elif kind in (int, float):
            kwargs["type"] = _number_arg(opt_name, kind, f.metadata.get("check"))
            kwargs["metavar"] = opt_name[2:].upper().replace("-", "_")
        else:
            kwargs["metavar"] = opt_name[2:].upper().replace("-", "_")
            if f.name in (arg_types or {}):
                kwargs["type"] = arg_types[f.name]
        parser.add_argument(opt_name, **kwargs)
        parser.set_defaults(**{f"{_FLAG_OF}{section.NAME}__{f.name}": opt_name})


_FLAG_OF = "_flag_of__"  # namespace key: the flag :func:`add_arguments` made for a field (renamed or not)


# YAML 1.2 core schema (yaml.org/spec/1.2.2 §10.3.2) plain scalars; JSON's literals are among them
_YAML12_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")  # 010 is 10 in 1.2, 8 in 1.1
_YAML12_ANY = re.compile(r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|"
                         r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_YAML11_OCTAL = re.compile(r"[-+]?0[0-7]+")  # PyYAML's int resolver, its digit separators taken out


class Yaml11Reading(typing.NamedTuple):
    """How PyYAML (YAML 1.1) reads a plain scalar that YAML 1.2 reads otherwise (:func:`yaml11_reading`).

    ``says`` completes "``<scalar>`` is ...". ``misread`` is true when 1.1 reads a number other than
    the one written: ``1:30`` is 90 (base 60) and ``010`` is 8 (octal) — where readers differ on
    them: kubectl's sigs.k8s.io/yaml (go-yaml v2 ``resolve.go``: ``strconv.ParseInt(plain, 0, 64)``)
    reads ``010`` as 8 too but ``1:30`` as text; the KFP SDK reads YAML with PyYAML (1.1); JSON has
    neither form. ``1_000`` and ``0b101`` are the numbers written (text to YAML 1.2), ``yes`` a
    boolean (text to YAML 1.2), ``1e-3`` text (a number to YAML 1.2): not misread."""

    says: str
    misread: bool = False


def yaml11_reading(node: Any) -> Yaml11Reading | None:
    """What PyYAML makes of the composed plain scalar ``node`` when YAML 1.2's core schema reads it
    otherwise; None when they agree, or ``node`` is not a plain scalar. The one place the two
    readings are told apart: ``ctloop.yaml`` (:mod:`ctloop.ops.spec`) refuses a misread number,
    :func:`json_of_yaml` suggests no JSON for a flow value with any scalar read otherwise."""
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return None
    text, tag = node.value, node.tag.rpartition(":")[2]
    if tag == "bool":
        return None if text.lower() in ("true", "false") else Yaml11Reading("a boolean; YAML 1.2 reads text")
    if tag in ("int", "float"):
        digits = text.replace("_", "")
        if ":" in digits:
            sign = -1 if digits.startswith("-") else 1
            number: float = 0.0 if tag == "float" else 0
            for part in digits.lstrip("+-").split(":"):
                number = number * 60 + (float(part) if tag == "float" else int(part))
            return Yaml11Reading(f"a base-60 number (read as {sign * number}); YAML 1.2 and JSON read text", True)
        if tag == "int" and _YAML11_OCTAL.fullmatch(digits) and int(digits, 8) != int(digits, 10):
            return Yaml11Reading(f"an octal number (read as {int(digits, 8)}); YAML 1.2 reads {int(digits, 10)}", True)
        if not (_YAML12_INT if tag == "int" else _YAML12_ANY).fullmatch(text):  # 1_000, 0b101, +0x1F, 1_0.5
            return Yaml11Reading("a number; YAML 1.2 reads text")
        return None
    if tag == "str" and _YAML12_ANY.fullmatch(text):  # 1e-3, 0o17: a number, null or boolean to YAML 1.2
        return Yaml11Reading("text; YAML 1.2 reads a number, a boolean or null")
    return None


def _read_otherwise_in_yaml12(node: Any) -> bool:
    """Whether YAML 1.2 reads some plain scalar of the composed ``node`` otherwise than PyYAML (YAML
    1.1) does (:func:`yaml11_reading`): ``yes``/``no``/``on``/``off``, ``010``, ``0b101``, ``1_000``,
    ``1:30``, ``1e-3``."""
    import yaml

    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            todo += [part for pair in current.value for part in pair]
        elif isinstance(current, yaml.SequenceNode):
            todo += current.value
        elif yaml11_reading(current) is not None:
            return True
    return False


def json_of_yaml(raw: str) -> str:
    """``raw`` as JSON when it is a YAML flow mapping or list (``{roc_auc: 0.7}``, as ctloop.yaml
    writes one) that JSON cannot read; empty otherwise (a flag or ``--param`` then suggests it), and
    when YAML 1.2 reads a scalar of it otherwise than PyYAML's YAML 1.1 (``[yes, no]`` is not
    ``[true, false]``, nor ``010`` 8: :func:`_read_otherwise_in_yaml12`)."""
    import yaml

    try:
        node = yaml.compose(raw, Loader=yaml.SafeLoader)
        if node is None or _read_otherwise_in_yaml12(node):
            return ""
        value = yaml.safe_load(raw)
    except (yaml.YAMLError, RecursionError, ValueError):  # ValueError: an int of 4300+ digits (too_many_digits)
        return ""
    if not isinstance(value, dict | list) or _nests_deeper(value, 100):
        return ""
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):  # a date, a NaN: no JSON to suggest
        return ""


def _nests_deeper(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists/mappings deeper than ``limit`` (walked without recursion; a YAML
    alias that holds itself counts as deep)."""
    stack, seen = [(value, 0)], set()
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit or id(item) in seen:
                return True
            seen.add(id(item))
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _json_arg(name: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return json.loads(text, parse_constant=_not_json, parse_float=_finite_float)
        except json.JSONDecodeError as exc:
            meant = json_of_yaml(text) if text.lstrip().startswith(("{", "[")) else ""
            raise argparse.ArgumentTypeError(f"{name} takes JSON ({exc.msg} at character {exc.pos}), got "
                                             f"{text!r}" + (f"; did you mean {name} '{meant}'?" if meant else "")) from exc
        except ValueError as exc:  # NaN, Infinity, 1e400: Python's json reads them, JSON has no such number
            raise argparse.ArgumentTypeError(f"{name} takes JSON, whose numbers are finite ({exc}), got "
                                             f"{text!r}") from exc

    return parse


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is beyond a float")
    return value


def _number_arg(name: str, kind: type, check: Callable[[Any], str | None] | None = None) -> Callable[[str], Any]:
    """The flag's argparse ``type``: the number, checked by its field's own rule so that a bad value
    is refused naming the flag the user typed (not the configuration field behind it)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{name} takes {_JSON_TYPES[kind]}, got {_show(text)}") from exc
        if kind is float and not math.isfinite(value):  # nan, inf, 1e400
            raise argparse.ArgumentTypeError(f"{name} takes a finite number, got {_show(text)}")
        problem = check(value) if check else None
        if problem:
            raise argparse.ArgumentTypeError(f"{problem}, got {_show(text)}")
        return value

    return parse


def from_arguments(section: type[Section], args: argparse.Namespace, base: dict[str, Any] | None = None) -> Any:
    """The section from the flags :func:`add_arguments` added (given ones override ``base``)."""
    values = dict(base or {})
    prefix = f"{section.NAME}__"
    given: dict[str, str] = {}  # field path -> the flag the user typed for it
    for key, value in vars(args).items():
        if key.startswith(prefix):
            values[key[len(prefix):]] = value
            given[f"{section.NAME}.{key[len(prefix):]}"] = getattr(args, _FLAG_OF + key, flag(key[len(prefix):]))
    errors: list[str] = []
    instance = section.parse(values, section.NAME, errors)
    if errors:  # a problem of a value given by flag is said with the flag: `--resources: platform.resources.x: ...`
        errors = [next((f"{name}: {line}" for path, name in given.items()
                        if line.startswith((f"{path}:", f"{path}.", f"{path}["))), line) for line in errors]
        raise problem_list(errors, header=f"{len(errors)} problems:")
    return instance


# --------------------------------------------------------------------------- documentation
def render_docs() -> str:
    """docs/configuration.md: every section and field with its default and meaning."""
    lines = ["# Configuration reference", "",
             "Generated from `src/ctloop/config.py` by `ctloop config docs` — do not edit by hand. Every setting",
             "has one definition there; the pipelines' parameters, `ctloop.yaml`, the CLI flags and this page",
             "are derived from it.", ""]
    for section in (*SECTIONS, *NESTED):
        lines += [f"## `{section.NAME}` — {section.__name__}", "", " ".join((section.__doc__ or "").split()), "",
                  "| key | default | meaning |", "|---|---|---|"]
        defaults = section.defaults()
        for f in section.fields():
            default = "**required**" if f.name not in defaults else f"`{json.dumps(defaults[f.name])}`"
            lines.append(f"| `{f.name}` | {default} | {f.metadata['doc']} |")
        lines.append("")
    return "\n".join(lines + _contract_docs())


def _contract_docs() -> list[str]:
    """The "Data contract" section of docs/configuration.md (``data.contract``; the keys and their
    checks are :data:`ctloop.contract.CONTRACT_KEYS` and :data:`ctloop.contract.COLUMN_KEYS`)."""
    from ctloop import contract

    lines = ["## Data contract", "",
             "`data.contract` states what the training table must "
             "look like; it is checked before anything is trained, every broken rule reported at once "
             "(`data contract violated (N rule(s)): column 'x' breaks rule 'min' in 3 row(s): …`, exit code 2). "
             "For example:", "", "```yaml", "contract:", "  min_rows: 500", "  columns:",
             "    income: {dtype: float, min: 0, max: 10000000, max_null_fraction: 0.01}",
             "    region: {dtype: category, allowed: [north, south]}",
             "    note: {dtype: string, required: false}", "```", "",
             "| key | default | meaning |", "|---|---|---|"]
    def rows(keys: dict[str, tuple[str, str]]) -> list[str]:
        return [f"| `{k}` | {f'`{d}`' if d else 'not set'} | {m} |" for k, (d, m) in keys.items()]

    lines += rows(contract.CONTRACT_KEYS)
    lines += ["", "Rules of one column (`columns.<name>`):", "", "| key | default | meaning |", "|---|---|---|"]
    lines += rows(contract.COLUMN_KEYS)
    return [*lines, ""]


__all__ = ["REQUIRED", "STRATEGIES", "APPROVALS", "Section", "opt", "DataConfig", "TrainingConfig", "GateConfig",
           "DriftConfig", "CanaryRules", "QualityRules", "RolloutConfig", "MonitoringRules", "MonitoringConfig",
           "ScoringConfig", "ScheduleConfig", "StepResources", "PlatformConfig", "KfpConfig", "SECTIONS", "NESTED", "check_metrics",
           "add_arguments", "from_arguments", "check_gate_columns", "render_docs", "flag", "without_nulls",
           "OFF", "nulls_as_off", "Yaml11Reading", "yaml11_reading"]
