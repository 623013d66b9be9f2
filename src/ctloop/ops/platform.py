"""The KFP API through ``kfp.Client``: authentication, the backend's version, idempotent upload,
experiments, schedule reconciliation, runs.

Authentication (first match wins; see docs/operations.md):

* ``--token``/``token``: a bearer token (``existing_token``);
* ``--token-file``/``token_file``: a file holding a bearer token, re-read before every request (a
  projected service-account token that the kubelet rotates);
* ``KFP_TOKEN``, then ``KFP_TOKEN_FILE``: the same from the environment;
* with a host: the projected pipelines token at ``KF_PIPELINES_SA_TOKEN_PATH`` (default
  ``/var/run/secrets/kubeflow/pipelines/token``) when that file exists, after kfp's IAP OAuth client id and
  googleusercontent.com routes (kfp's order: that token is no Google token);
* otherwise ``kfp.Client``'s own: the cookie or header saved in ``~/.config/kfp/context.json``,
  IAP OAuth client ids from its environment variables, and without a host the in-cluster
  service (with the pipelines token) or the API-server proxy of the current kubeconfig context, both in the
  namespace KFP is installed in (``KFP_INSTALL_NAMESPACE``, else ``kubeflow``: :func:`install_namespace`); a
  kubeconfig or context given to :class:`Platform` (``ctloop doctor``'s) goes before the in-cluster service.

Whatever kfp's IAP or googleusercontent.com route sent (a Google token, or nothing) is what a refusal names
(:func:`_google_auth`), not the pipelines token it left unsent.

Without a host a named token (the first four) is sent in a pod (kfp's in-cluster route, the ml-pipeline service)
and refused outside one (:func:`refuse_token_via_kubeconfig`): the kubeconfig's user would replace it. The token
named here is what KFP gets: kfp's own IAP OAuth and googleusercontent.com routes, which kfp 2.17.0 tries before
``credentials``, are kfp's only when no token is named (``_client_class``).

TLS: KFP's certificate is verified with ``--ca-file``/``KFP_CA_FILE`` (a private CA's PEM bundle) when
given, else with certifi's public CAs, as ``kfp.Client`` (its ``ssl_ca_cert``) does. Without a host a CA
bundle is refused (:func:`refuse_ca_without_host`): ``kfp.Client`` would verify with the kubeconfig's CA; in a pod
(plain HTTP to the ml-pipeline service) only ``--ca-file`` is, ``KFP_CA_FILE`` (a profile's PodDefault) is unused.
With no host, no kubeconfig and no pod, "no KFP host" comes before either refusal.

Connecting makes **one** bounded ``GET /apis/v2beta1/healthz`` (``kfp.Client`` itself retries five
times, five seconds apart, logging a traceback each time, and then blames the network). Its
answer is explained in one line with the fix: 401 (no or a rejected token), 403 (an ingress or
RBAC denial, or an HTML sign-in page), 404 (no KFP API under that host: a missing path prefix
such as ``/pipeline``), a redirect to a login page (Dex/oauth2-proxy), an HTML page, a timeout.
The same JSON carries the backend's release (``tag_name``, KFP API server
``backend/src/apiserver/main.go``): ctloop's compiled pipelines mark their ConfigMap/Secret
references ``optional``, which the backend honours from **2.15.0** (kubeflow/pipelines #12216);
on 2.14 every task pod of a run with a missing key fails with ``CreateContainerConfigError``.
Writing a pipeline or a run against an older backend is refused (:meth:`Platform.require_backend`)
unless ``allow_old_backend``; an unknown version (a dev build says ``unknown``) is a warning.
Every later call has a timeout too.

Idempotence:

* a pipeline version is named ``<package version>-<git short sha>[-dirty]``; the sha256 of the
  compiled YAML is kept in the version description. Uploading content that some version already
  has is a no-op ("unchanged"); when the name is taken by other content (edits in a dirty tree,
  another ``--image``), ``-<content hash>`` is appended;
* a recurring run carries the hash of everything that defines it (pipeline version, cron,
  parameters, catch-up, concurrency, enabled, service account) in its description; re-applying
  the same spec changes nothing. A change creates the new recurring run **first**, then disables
  the old one and deletes it only when it has no run in flight (a later reconcile deletes it once
  that run has ended). KFP has no lock: applies running at once each list again after creating and
  keep the one schedule first in one shared order (``_rank``), retiring the others.
"""

from __future__ import annotations

import builtins
import hashlib
import http.client
import importlib
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ctloop.environ import setenv
from ctloop.errors import ConfigError, PlatformError, one_line

HASH_MARK = "ctloop-content-sha256:"
SPEC_MARK = "ctloop-schedule-sha256:"
# ``ctloop-pin:rollout=<pipeline id>/<version id>`` in a schedule's description: the version of another
# pipeline uploaded with the one the schedule runs (what ``ctloop approve`` starts for its model)
PIN_MARK = "ctloop-pin:"
# ``ctloop-spec:<metadata.name>``: the spec whose ``apply`` created the schedule (see ``foreign_schedules``)
OWNER_MARK = "ctloop-spec:"
# a one-time run's description: the idempotency key of the create that made it (``ctloop trigger
# --idempotency-key``, one approval's rollout). Each attempt sends a run id of its own, so the workflow of
# an attempt whose row KFP failed to store has no row and is deleted; the key finds a stored one.
KEY_MARK = "ctloop-idempotency-key:"
# ``ctloop-generation:<n>``: one more than the highest among the schedules of the name the creating apply
# listed (none: 0), so a schedule outranks every one its apply saw within one second (``_rank``)
GENERATION_MARK = "ctloop-generation:"
ACTIVE_STATES = {"PENDING", "RUNNING", "CANCELING", "PAUSED", "RUNTIME_STATE_UNSPECIFIED"}
SA_TOKEN_ENV = "KF_PIPELINES_SA_TOKEN_PATH"
SA_TOKEN_PATH = "/var/run/secrets/kubeflow/pipelines/token"
# the namespace of the pod's service account, written by the kubelet (a KFP task's: its profile)
SA_NAMESPACE_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
TOKEN_ENV = "KFP_TOKEN"
TOKEN_FILE_ENV = "KFP_TOKEN_FILE"
HOST_ENV = "KF_PIPELINES_ENDPOINT"  # kfp.Client's own
# the PEM bundle of the CA that signed KFP's certificate (a private CA: cert-manager's, a company's); kfp 2.17.0
# takes it only as ``Client(ssl_ca_cert=)`` and otherwise verifies with certifi's public CAs
CA_FILE_ENV = "KFP_CA_FILE"
# where KFP is installed: kfp.Client(namespace=...), 'kubeflow' by default (kfp 2.17.0 client.py), which it finds
# without a host as the service ml-pipeline.<it>.svc.cluster.local:8888 in a pod and through the kubeconfig's
# API-server proxy api/v1/namespaces/<it>/services/ml-pipeline:http/proxy elsewhere; never the profile
INSTALL_NAMESPACE = "kubeflow"
INSTALL_NAMESPACE_ENV = "KFP_INSTALL_NAMESPACE"
#: ctloop.yaml's key of where KFP is installed (ctloop.config's ``kfp.install_namespace``), as messages name it
INSTALL_NAMESPACE_KEY = "kfp.install_namespace"
# ... and both in a KFP task (ctloop-settings keys KFP_CA_FILE, KFP_INSTALL_NAMESPACE: ctloop.ops.settings), under
# ctloop's own names: a profile's PodDefault for notebooks may set KFP_CA_FILE, and Kubeflow's admission webhook
# refuses a pod whose env differs from a selecting PodDefault's on a name (admission-webhook main.go mergeEnv)
TASK_CA_FILE_ENV = "CTLOOP_KFP_CA_FILE"
# kfp 2.17.0 client.py: the IAP client id (Google's ID-token route) and the OAuth app of its user-account flow
IAP_ENV = "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"
IAP_APP_ENV = "KF_PIPELINES_APP_OAUTH2_CLIENT_ID"
TASK_INSTALL_NAMESPACE_ENV = "CTLOOP_KFP_INSTALL_NAMESPACE"
PAGE = 100
# the runs of other descriptions :meth:`Platform.keyed_run` reads before it gives up: KFP answers a
# description filter with the key's runs alone, so only a proxy that drops ``?filter=`` sends more
KEY_SCAN = 1000
# seconds: the runs of one idempotency key that a race started were created (KFP's created_at) within this
# of each other (each create is sent before either creator sees the other's run: the client's timeout, a
# store's lock wait), so a scan behind a filter-dropping proxy stops this long before the key's run it found
KEY_RACE = 600
# run states TerminateRun moves to CANCELING (2.17.0 storage/run_store.go TerminateRun; others: 400)
TERMINABLE = frozenset({"PAUSED", "PENDING", "RUNNING", "RUNTIME_STATE_UNSPECIFIED"})
MAX_PAGE = 200  # the most the API server answers in one page (2.17.0 backend/src/apiserver/list/list.go maxPageSize)
# optional ConfigMap/Secret env refs: kubeflow/pipelines #12216, first released in backend 2.15.0
MIN_BACKEND = (2, 15, 0)
DEFAULT_TIMEOUT = 30.0
TOKEN_RECIPE = "kubectl -n <profile> create token default-editor"
# The audience the KFP API server's TokenReview asks for (kubeflow/pipelines 2.17.0
# backend/src/apiserver/common/const.go DefaultTokenReviewAudience, TOKEN_REVIEW_AUDIENCE)
KFP_TOKEN_AUDIENCE = "pipelines.kubeflow.org"
HOST_EXAMPLES = (
    "e.g. https://kubeflow.example.com/pipeline behind Kubeflow's ingress, or "
    "http://localhost:8080 after kubectl -n kubeflow port-forward svc/ml-pipeline-ui 8080:80"
)

# Named branches (``dsl.If(name=...)``) of ctloop's pipelines -> the decision they show.
# A branch that ran (any state but SKIPPED) means its condition held.
DECISION_TASKS = {
    "keep-champion": "no retrain (champion kept)",
    "retrain": "retrain",
    "approved": "gate approved",
    "rejected": "gate rejected",
    "serving-invalid": "not deployed (serving check failed)",
    "canary-passed": "canary promoted",
    # the branch ran rollback_model, which holds (writes nothing of the champion) when another model
    # took the spec meanwhile, and does not apply the rollback when the InferenceService was deleted
    # since (release._not_applied); a task's state cannot tell these apart (its outputs are not in the
    # run details): the registry's tag ctloop.rollout.status (rolled_back / rollback_held) and the
    # last decision ctloop rollout status --model-name shows can
    "canary-failed": ("canary failed: rolled back, held if another model took the spec, or not applied if the "
                      "InferenceService is gone (ctloop rollout status --model-name)"),
    "canary-held": "canary held (changed by hand during the analysis)",
    "auto-promote": "promoted (registry)",
    "registered-only": "registered, not promoted",
    # a retried run (KFP "Retry run") whose register task's version was decided since: nothing done
    "decided-since": "already decided (a retried run): nothing done",
    "no-retrain": "no retraining rule fired",
    "manual-rollback": ("rolled back by hand (rollout action=rollback), or not applied if the InferenceService is "
                        "gone (ctloop rollout status --model-name)"),
}
# Branches that only lead to others' decisions (canary-passed/failed/held follow "rollout").
STRUCTURAL_BRANCHES = frozenset({"rollout", "deploy", "serving-valid"})


# The longest name KFP 2.17.0 stores, as ``(UTF-8 bytes, characters)``. The API server checks some
# (``backend/src/apiserver/validation/length.go`` ``LengthSpecs``, on Go's ``len``: bytes) and its MySQL
# columns hold ``varchar(N)``, N characters (``model/*.go``; a string field without a size is
# ``varchar(255)``: ``client_manager/client_manager.go`` ``DefaultStringSize: 255``); MySQL 8 in strict
# mode (KFP's manifests: ``mysql:8.4``) refuses a longer value ("Error 1406: Data too long for column").
NAME_LIMITS: dict[str, tuple[int, int]] = {
    # Pipeline.Name <= 128 (length.go), and the upload names the first version after it:
    # PipelineVersion.Name varchar(127) (model/pipeline_version.go): 128 was a 500 with nothing created
    "pipeline": (128, 127),
    "version": (127, 127),  # PipelineVersion.Name (length.go, model/pipeline_version.go)
    "experiment": (128, 128),  # Experiment.Name (length.go: a 500 from toModelExperiment)
    # Job.DisplayName / Run.DisplayName: varchar(255), not checked by the API server: the store fails
    # (500 "Failed to store job/run") after the ScheduledWorkflow / Argo workflow was created
    "recurring run": (1 << 30, 255),
    "run": (1 << 30, 255),
}
# Job.Description (model/job.go, 2.17.0): varchar(255) too; what ctloop writes there (see _description)
MAX_DESCRIPTION = 255


def refuse_astral(value: Any, what: str) -> None:
    """A ConfigError naming ``what`` (and where in ``value``: lists/objects are walked) when a text holds a
    character beyond U+FFFF (an emoji). KFP 2.17.0's API server talks to MySQL with ``charset=utf8``
    (``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``: utf8mb3, at most 3 bytes a
    character), so MySQL 8 refuses such a character (Error 1366 "Incorrect string value") when the
    row is stored: for a recurring run or a run (its name, its parameters) an HTTP 500 after KFP made
    the ScheduledWorkflow or workflow, which then runs without a KFP record. The keys of a mapping
    are stored as much as its values (``RuntimeParameters``: the parameters as JSON text). The refusal
    names where the character is, never the text around it (a URI's password)."""
    stack: list[tuple[Any, str, str]] = [(value, what, "")]
    while stack:
        item, where, of = stack.pop()
        if isinstance(item, str):
            at = next((i for i, c in enumerate(item) if ord(c) > 0xFFFF), None)
            if at is not None:
                char = item[at]
                raise ConfigError(f"{where}: character {at + 1}{of} is {char} (U+{ord(char):X}), which KFP's database "
                                  "connection cannot store (MySQL utf8: up to U+FFFF; KFP would fail with HTTP 500 "
                                  "after creating the workflow) — fix: leave it out")
        elif isinstance(item, dict):
            for k, v in reversed(list(item.items())):
                stack.append((v, f"{where}.{k}", ""))
                stack.append((k, where, " of a key"))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]", "") for i, v in reversed(list(enumerate(item))))


# query (or fragment) keys whose value is a credential: a presigned or SAS URL's signature (S3 SigV4
# ``X-Amz-Signature``, its session token, SigV2 ``Signature``, GCS V4 ``X-Goog-Signature``, Azure SAS ``sig``), an
# OAuth/API token (RFC 6750 2.3 ``access_token``; in a fragment, RFC 6749 4.2.2's implicit grant and OpenID
# Connect's ``id_token``), GitLab's ``private_token``, a Google API ``key``, libpq's ``sslpassword`` (the client
# key's password, PostgreSQL 16 libpq-connect 34.1.2), Azure's ``api-key`` (Azure AI Search) and API Management
# ``subscription-key``; compared without regard to case
SECRET_QUERY_KEYS = frozenset({
    "x-amz-signature", "x-amz-security-token", "signature", "x-goog-signature", "sig", "token", "access_token",
    "id_token", "refresh_token", "api_key", "apikey", "password", "passwd", "client_secret", "private_token",
    "sslpassword", "secret", "x-api-key", "api-key", "subscription-key",
})
# keys that are a credential only on some hosts (elsewhere a name: Google Sheets' ``?key=<document id>``,
# Confluence's ``?key=<space>``): a Google API ``key`` (on ``*.googleapis.com``, or any value shaped as a
# Google API key, ``AIza`` and 35 more characters), Firebase Realtime Database's ``auth`` (its REST API's ID
# token or database secret, on ``*.firebaseio.com`` and ``*.firebasedatabase.app``)
HOST_SECRET_QUERY_KEYS = {
    "key": (".googleapis.com",),
    "auth": (".firebaseio.com", ".firebasedatabase.app"),
}
GOOGLE_API_KEY = re.compile(r"AIza[0-9A-Za-z_-]{35}")
# of them, the keys of a signed URL's signature (the rest: a token or password of the service itself)
SIGNATURE_QUERY_KEYS = frozenset({"x-amz-signature", "x-amz-security-token", "signature", "x-goog-signature", "sig"})


def _credentials_shown(uri: str) -> tuple[str, str] | None:
    """``(uri masked, what it carries)`` when ``uri`` (``scheme://...``) carries a credential, else None:
    a userinfo with a password (or, over http(s), a user name alone: a token) or a query key of
    :data:`SECRET_QUERY_KEYS`. The userinfo is what comes before an ``@`` in the authority, which ends at
    the first ``/``, ``?`` or ``#`` after ``//`` (RFC 3986 3.2; urllib3 2.x ``util/url.py`` ``parse_url``
    and urlsplit read it so), so ``http://minio:9000/datasets/team@corp/x`` is host ``minio`` with an
    ``@`` in its path; only an authority that is no ``host[:port]`` at all (``http://admin:pa/ss@host``:
    a password with a ``/`` in it, which every client takes for a port and fails on) is read up to the
    last ``@`` before the path."""
    from urllib.parse import unquote

    scheme, _, rest = uri.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" not in authority and "@" in rest and not re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]*)(:\d*)?", authority):
        at = rest.index("@")  # no host[:port] before the path: a password with a '/', '?' or '#' cut it
        authority = rest[:at] + re.split(r"[/?#]", rest[at:], maxsplit=1)[0]
    shown, carries = uri, []
    if "@" in authority:
        userinfo, _, host = authority.rpartition("@")
        user, _, password = userinfo.partition(":")
        if password or (user and scheme.lower() in ("http", "https")):
            shown = f"{scheme}://{user + ':***' if password else '***'}@{host}{rest[len(authority):]}"
            carries.append("a password in its user part" if password else "a token as its user name")
    before, hash_, fragment = shown.partition("#")
    head, mark, query = before.partition("?")
    secrets: dict[str, list[str]] = {"query": [], "fragment": []}
    hostname = "." + re.sub(r":\d*$", "", authority.rpartition("@")[2]).lower()

    def secret(key: str, val: str) -> bool:
        key = unquote(key).lower()
        if key in SECRET_QUERY_KEYS:
            return True
        if key == "key" and GOOGLE_API_KEY.fullmatch(unquote(val)):
            return True
        return hostname.endswith(HOST_SECRET_QUERY_KEYS.get(key, ()))

    def masked(text: str, where: str) -> str:
        # a single-page app's fragment holds a route and its own query (``#/callback?access_token=``): its
        # parameters start after a '?' as well as after a '&'
        parts = re.split(r"([?&])", text)
        for i in range(0, len(parts), 2):
            key, _, val = parts[i].partition("=")
            if val and secret(key, val):
                parts[i] = f"{key}=***"
                secrets[where].append(unquote(key))
        return "".join(parts)

    query, fragment = masked(query, "query") if mark else query, masked(fragment, "fragment") if hash_ else fragment
    if secrets["query"] or secrets["fragment"]:
        shown = f"{head}{mark}{query}{hash_}{fragment}"
        where = " and ".join(f"its {w} ({', '.join(dict.fromkeys(k))})" for w, k in secrets.items() if k)
        carries.append(f"a signature or token in {where}")
    return (shown, " and ".join(carries)) if carries else None


def _credentials_fix(uri: str, carries: str) -> str:
    """Where ``uri``'s credentials (``carries``: :func:`_credentials_shown`) go instead, by its scheme."""
    scheme = uri.partition("://")[0].lower().partition("+")[0]
    if scheme in ("postgresql", "postgres", "mysql", "mssql", "oracle"):  # an MLflow database tracking URI
        return ("give it without the password: the database driver reads one from its own file (PostgreSQL "
                "~/.pgpass or PGPASSFILE, MySQL an option file), or track through an MLflow server whose "
                "Secret holds the database URL (ctloop-mlflow-db in docs/manifests.md); an empty tracking_uri "
                "makes tasks use MLFLOW_TRACKING_URI from the platform settings")
    from urllib.parse import unquote

    query = uri.partition("?")[2].partition("#")[0]
    signed = any(unquote(part.partition("=")[0]).lower() in SIGNATURE_QUERY_KEYS for part in query.split("&"))
    if "user" not in carries and signed and scheme in ("http", "https"):  # a signed URL
        return ("give the object's own URI (s3://, gs://, abfss://...) instead of a signed URL: tasks read it "
                "with the platform settings' Secret ctloop-storage or the pod's workload identity")
    if scheme in ("http", "https"):
        return ("give it without them; tasks read MLflow's from the platform settings' Secret (ctloop-mlflow by "
                "default: keys username/password or token), ctloop's own commands from MLFLOW_TRACKING_USERNAME/"
                "MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN")
    return ("give it without them: tasks authenticate to storage with the platform settings' Secret "
            "ctloop-storage or the pod's workload identity, to MLflow with its Secret ctloop-mlflow")


def refuse_credentials(value: Any, what: str, *, fix: str = "") -> None:
    """A ConfigError naming ``what`` (and where in ``value``: lists/objects are walked) when a text is a URI
    with credentials in it (:func:`_credentials_shown`: a password in its userinfo, an http(s) user name
    alone, or a signature or token in its query). KFP 2.17.0 stores a run's and a recurring run's parameters as
    they are (``model/run.go`` ``RuntimeConfig.Parameters``) and answers them to everyone who may list the
    namespace's runs (``GET /runs``, the UI's run details): an MLflow URI ``https://user:password@host``
    given as ``tracking_uri`` published the password. The refusal shows the URI with them masked and says,
    for its scheme, where they go instead (``fix``: what to do instead, for a value that is no URI to give
    elsewhere, e.g. a free-text reason)."""
    stack: list[tuple[Any, str]] = [(value, what)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "://" in item and (found := _credentials_shown(item)) is not None:
                shown, carries = found
                raise ConfigError(
                    f"{where}: {shown!r} carries credentials in the URL ({carries}), and KFP would store them with "
                    f"the run, readable by everyone who may list the namespace's runs — fix: "
                    f"{fix or _credentials_fix(item, carries)}")
        elif isinstance(item, dict):
            stack.extend((v, f"{where}.{k}") for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))


def carries_credentials(value: Any) -> bool:
    """Whether :func:`refuse_credentials` refuses ``value``."""
    try:
        refuse_credentials(value, "")
    except ConfigError:
        return True
    return False


def check_name(value: str, what: str, example: str, kind: str = "") -> str:
    """``value`` unless it is empty or blank, or (``kind``: a key of :data:`NAME_LIMITS`) longer than KFP
    stores such a name; else a ConfigError naming ``what`` (a flag or key).
    kfp 2.17.0 refuses a blank pipeline name with a ``ValueError`` (``kfp/client/client.py``
    ``validate_pipeline_display_name``); the 2.17.0 API server an experiment without a name with an
    InternalServerError, HTTP 500 (``backend/src/apiserver/server/api_converter.go``
    ``toModelExperiment``). A name longer than :data:`NAME_LIMITS` was refused by KFP only after
    ``apply`` had uploaded the pipelines (an experiment), or failed to store after KFP had created
    the ScheduledWorkflow or workflow (a recurring run, a run), which then ran without a KFP record."""
    if not value or value.isspace():
        raise ConfigError(f"{what} {value!r} is blank — fix: give a name, e.g. {example}")
    if kind and (control := re.search(r"[\x00-\x1f\x7f]", value)):
        # a name read from a CRLF file ("credit\r"): KFP stored it, a second experiment beside "credit"
        raise ConfigError(f"{what} {value!r} holds a control character ({control[0]!r} at offset {control.start()}; "
                          f"a line end pasted with it?) — fix: give the name alone, e.g. {example}")
    if kind:
        refuse_astral(value, what)
        most_bytes, most_chars = NAME_LIMITS[kind]
        size, chars = len(value.encode("utf-8", "surrogatepass")), len(value)
        if chars > most_chars or size > most_bytes:
            limit = (f"{most_chars} characters" if most_bytes >= 4 * most_chars
                     else f"{most_chars} characters and {most_bytes} bytes of UTF-8")
            shown = one_line(value[:40]) + "…"
            raise ConfigError(f"{what} {shown!r} is {chars} characters ({size} bytes) long; KFP stores a {kind} "
                              f"name of at most {limit} — fix: give a shorter name, e.g. {example}")
    if kind == "recurring run" and not (prefix := swf_name_prefix(value))[0].isalnum():
        raise ConfigError(f"{what} {one_line(value)!r}: KFP names its ScheduledWorkflow {prefix!r}… after it, which "
                          "Kubernetes refuses (a name starts with a letter or digit) — fix: start the name with a "
                          f"letter or digit, e.g. {example}")
    return value


def swf_name_prefix(job_name: str) -> str:
    """The ``generateName`` KFP gives the ScheduledWorkflow of recurring run ``job_name``
    (kubeflow/pipelines 2.17.0 ``template/template.go`` ``toSWFCRDResourceGeneratedName``)."""
    return re.sub("[^a-z0-9-]+", "", job_name.lower())[:25] or "job-"


def content_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_commit(cwd: str | Path | None = None) -> str:
    """The short commit of the ctloop sources (``-dirty`` when tracked files changed);
    ``nogit`` outside a repository."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    return sha + ("-dirty" if dirty else "")


def version_name(commit: str | None = None) -> str:
    """``<package version>-<git short sha>[-dirty]``, e.g. ``0.1.0-1a2b3c4``."""
    from ctloop._version import __version__

    return f"{__version__}-{commit or git_commit()}"


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``(major, minor, patch)`` of a release tag (``2.15.0``, ``v0.20.0``, ``1.21.1-rc.1``);
    ``None`` for anything else (``unknown``, ``master``, ``devel``, ``latest``)."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.-]*)?", (text or "").strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def newest(versions: list[Any]) -> Any:
    """The newest pipeline version (``None`` for none): the latest ``created_at`` (RFC 3339 text
    or a datetime, whole seconds), of two in the same second the later one the API lists (its
    default order is oldest first)."""
    def created(item: tuple[int, Any]) -> tuple[str, int]:
        value = getattr(item[1], "created_at", None)
        return (value.isoformat() if hasattr(value, "isoformat") else str(value or "")), item[0]

    return max(enumerate(versions), key=created, default=(0, None))[1]


def _generation(run: Any) -> int:
    """The :data:`GENERATION_MARK` number of a recurring run; 0 without one (made before it existed)."""
    m = re.search(rf"{re.escape(GENERATION_MARK)}(\d{{1,12}})(?!\d)", getattr(run, "description", None) or "")
    return int(m.group(1)) if m else 0


def _rank(run: Any) -> tuple[bool, bool, str, int, str]:
    """The order in which every ``apply`` picks the one schedule of a name to keep (the greatest): one
    ctloop made (its spec hash) over any other; then a disabled one made before the generation mark
    existed (none: an older ctloop's) below every other, since an older ctloop left the schedule it
    kept enabled and the others disabled (a rollback enabled an older one again while a newer one,
    its run in flight, stayed disabled); then KFP's ``created_at`` (whole seconds), so a schedule an
    older ctloop made after a marked one (a rollout of ctloop not finished everywhere) outranks it;
    then the apply generation, which puts a later apply above what it listed within one second; then
    the id. A function of the schedule alone, so applies running at once agree; the status counts
    only for unmarked schedules, which no apply of this ctloop makes (a disabled one made by a
    concurrent apply of a disabled spec carries a mark and still outranks the enabled one it replaces)."""
    value = getattr(run, "created_at", None)
    created = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
    generation = _generation(run)
    legacy_disabled = generation == 0 and _state(getattr(run, "status", None)) == "DISABLED"
    return (SPEC_MARK in (getattr(run, "description", None) or ""), not legacy_disabled, created, generation,
            str(getattr(run, "recurring_run_id", "") or ""))


SPEC_DIGITS = 32  # of the spec hash: what identifies a schedule's spec (128 bits)


def _description(job_name: str, digest: str, generation: int, marks: dict[str, str]) -> str:
    """A recurring run's description: its spec hash (:data:`SPEC_MARK`), generation, pins and owner,
    after a line for people when it fits. KFP 2.17.0 keeps it in ``varchar(255)`` (``model/job.go``
    ``Description``, :data:`MAX_DESCRIPTION`) and checks nothing first: a longer one (the pin of a
    ``rollout`` version, two 36-character ids, with a ``metadata.name``) failed to store, HTTP 500, after the
    ScheduledWorkflow was made, which then fired without a KFP recurring run. Shortened, in this order,
    until it fits: the line for people, then the hash to :data:`SPEC_DIGITS` digits (what is matched)."""
    tail = f"; {GENERATION_MARK}{generation}" + "".join(
        f"; {key}{value}" if key == OWNER_MARK else f"; {key}={value}" for key, value in marks.items())
    for text in (f"ctloop schedule {job_name}, cron in UTC; {SPEC_MARK}{digest}{tail}",
                 f"{SPEC_MARK}{digest}{tail}", f"{SPEC_MARK}{digest[:SPEC_DIGITS]}{tail}"):
        if len(text) <= MAX_DESCRIPTION:
            return text
    raise ConfigError(f"schedule {one_line(job_name)}: its marks ({len(text)} characters: "
                      f"{one_line(text[len(SPEC_MARK) + SPEC_DIGITS:])[:120]}…) do not fit the "
                      f"{MAX_DESCRIPTION} characters KFP keeps of a recurring run's description — fix: a shorter "
                      "metadata.name")


def _filter(key: str, value: str) -> str:
    return json.dumps({"predicates": [{"operation": "EQUALS", "key": key, "string_value": value}]})


def collation_key(text: str) -> str:
    """``text`` as KFP's MySQL 8 database tells names apart: the manifests deploy MySQL 8 and the API
    server creates its database without a collation, so ``utf8mb4_0900_ai_ci`` compares, accent- and
    case-insensitive (``crédit`` is ``Credit``, ``straße`` is ``STRASSE``); a NO PAD collation, so a
    trailing space still counts. Approximated as the compatibility decomposition without its combining
    marks, casefolded: it misses equalities of the collation (``ł``/``l``, ``æ``/``ae``), so it is used only
    where ctloop must compare itself (:meth:`Platform._free_version_name`); a lookup takes the server's
    filtered answer (:func:`_filtered_match`)."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return bare.casefold()


def _filtered_match(items: list[Any], name: str, stored: Callable[[Any], Any]) -> Any:
    """The item of a list filtered by ``name`` (``EQUALS``) that KFP holds for ``name``, ``None`` for none:
    its exact spelling, else one :func:`collation_key` takes for it, else the only one the server answered
    when the collation may take it for ``name`` (:func:`_may_collate_equal`).
    KFP's database compared with its own collation (``utf8mb4_0900_ai_ci``: ``łódź`` is ``lodz``, ``æble``
    is ``aeble``, equalities :func:`collation_key` does not know), and its answer is taken; several answers
    none of which ctloop can tell is ``name``, or a lone one of another name (a proxy that dropped the
    filter) are no match."""
    items = [i for i in items if stored(i)]
    exact = next((i for i in items if str(stored(i)) == name), None)
    if exact is not None:
        return exact
    close = next((i for i in items if collation_key(str(stored(i))) == collation_key(name)), None)
    if close is not None:
        return close
    lone = items[0] if len(items) == 1 else None
    return lone if lone is not None and _may_collate_equal(str(stored(lone)), name) else None


# letters ``utf8mb4_0900_ai_ci`` (DUCET 9.0.0, primary strength) takes for ASCII ones that the compatibility
# decomposition of :func:`collation_key` leaves alone (allkeys-9.0.0.txt: ``ł`` 0142 is ``l``'s primary 1D77,
# ``æ`` 00E6 those of ``a`` and ``e``, ``ð`` 00F0 ``d``'s 1C8F); applied after its casefold. ``þ`` (00FE) is
# not among them: its primary (1F50) is a letter's own, so the database tells ``þór`` from ``thor``
_EXPANSIONS = str.maketrans({"ł": "l", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ð": "d", "ß": "ss"})


def _may_collate_equal(stored: str, name: str) -> bool:
    """Whether KFP's database may hold ``stored`` and ``name`` for one name although :func:`collation_key`
    tells them apart: only when they are equal once the letters it leaves alone are expanded
    (:data:`_EXPANSIONS`: ``łódź`` is ``lodz``, ``æble`` is ``aeble``). Any other lone answer — ``Łódź-prod``
    for ``default`` — is another name (a proxy that dropped the filter)."""
    return collation_key(stored).translate(_EXPANSIONS) == collation_key(name).translate(_EXPANSIONS)


def _same_name(stored: Any, name: str) -> bool:
    """Whether KFP holds ``stored`` and ``name`` for one name (:func:`collation_key`); a unique index
    (a pipeline's ``Name``, a version's, an experiment's) refuses the other spelling with 409."""
    return bool(stored) and collation_key(str(stored)) == collation_key(name)


def run_id_now() -> str:
    """A new run id: a version-7 UUID (RFC 9562 §5.7), its first 48 bits the Unix time in milliseconds, the
    rest random, so the ids of one key's runs sort by when their creates were sent (:meth:`Platform._settle_key`)."""
    import time
    import uuid

    value = (time.time_ns() // 1_000_000) & ((1 << 48) - 1)
    value = value << 80 | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return str(uuid.UUID(int=value))


def _drawn(run: Any) -> tuple[float, str]:
    """When run ``run``'s create was sent: the milliseconds of its version-7 id (:func:`run_id_now`), else
    (an id KFP or an older ctloop drew) the second KFP stored it."""
    import uuid

    rid = str(getattr(run, "run_id", "") or "")
    try:
        parsed = uuid.UUID(rid)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.version == 7:
        return parsed.int >> 80, rid
    created = getattr(run, "created_at", None)
    return (created.timestamp() * 1000 if hasattr(created, "timestamp") else 0.0), rid


def _created(run: Any) -> float | None:
    """When KFP stored run ``run`` (its ``created_at``, whole seconds), in Unix seconds; None unknown."""
    created = getattr(run, "created_at", None)
    return created.timestamp() if hasattr(created, "timestamp") else None


def _state(value: Any) -> str:
    return str(value or "RUNTIME_STATE_UNSPECIFIED").upper()


def decisions_from_tasks(tasks: Iterable[tuple[str, str]]) -> list[str]:
    """The decisions a run took, from its ``(task display name, state)`` pairs (best effort).

    Named condition branches of ctloop's pipelines that ran give the decisions in pipeline order;
    failed tasks are listed as ``failed: <task>``.
    """
    ran: dict[str, str] = {}
    failed = []
    for name, state in tasks:
        s = _state(state)
        if s == "SKIPPED":
            continue
        ran[name] = s
        if s == "FAILED" and name not in DECISION_TASKS:
            failed.append(f"failed: {name}")
    out = [label for name, label in DECISION_TASKS.items() if name in ran]
    if "retrain" in out and len(out) > 1:
        out.remove("retrain")  # implied by the gate decision
    return out + sorted(failed)


@dataclass
class UploadResult:
    pipeline_id: str
    version_id: str
    version_name: str
    action: str  # created | new-version | unchanged | would-create | would-add-version


@dataclass
class ScheduleResult:
    recurring_run_id: str
    action: str  # created | replaced | unchanged | enabled | disabled | superseded | would-*
    retired: list[str] = field(default_factory=list)
    kept_in_flight: list[str] = field(default_factory=list)
    # the schedule this apply made (or enabled) and retired again: another apply running at the same
    # time made one that outranks it (``recurring_run_id``; ``action`` "superseded" when of another spec)
    superseded: str = ""


@dataclass(frozen=True)
class PreparedRun:
    """What :meth:`Platform.prepare_run` resolved for a run before its create is sent."""

    experiment_id: str
    package: str | None = None  # a compiled .yaml, or
    pipeline_id: str | None = None  # the uploaded pipeline's version to start
    version_id: str | None = None


@dataclass
class RunSummary:
    run_id: str
    name: str
    state: str
    created_at: str
    decisions: list[str]


# ---------------------------------------------------------------------------------- auth
@dataclass(frozen=True)
class KfpAuth:
    """The credentials chosen for the KFP API; ``source`` names them in messages."""

    source: str  # "--token", "KFP_TOKEN_FILE /path", "" = kfp.Client's own discovery
    token: str = ""
    token_file: str = ""
    ca_file: str = ""  # the CA bundle KFP's certificate is verified with (empty: certifi's)
    ca_source: str = ""  # "--ca-file /path" or "KFP_CA_FILE /path"
    # a token the user named (--token, --token-file, KFP_TOKEN, KFP_TOKEN_FILE): it beats kfp's IAP and
    # inverse-proxy routes; the projected pipelines token found in a pod does not (kfp's order)
    named: bool = True
    # the token came from one of kfp's Google routes (:func:`_google_auth`): "iap" or "inverse-proxy", and what
    # kfp got it for ("the IAP client id <id>", "the googleusercontent.com host")
    google: str = ""
    google_for: str = ""
    # where KFP is installed as a setting gave it (ctloop.yaml kfp.install_namespace, doctor --kfp-namespace), checked
    # by kfp_inputs; empty: the environment's, else kubeflow (:func:`install_namespace`)
    install_namespace: str = ""
    install_name: str = ""  # the setting it came from: INSTALL_NAMESPACE_KEY, "--kfp-namespace"
    # the command reads ctloop.yaml's kfp.install_namespace (it takes -f: ctloop apply, ctloop doctor): a fix names
    # that key only then (round 61 review, M1)
    install_spec: bool = False
    # a host was given (--host, KF_PIPELINES_ENDPOINT): the API-server proxy route is then the user's URL, not the
    # kubeconfig's (round 61 review, M4)
    host_given: bool = False


def resolve_ca_file(ca_file: str = "", *, environment: bool = True, ca_name: str = "--ca-file") -> tuple[str, str]:
    """``(path, source)`` of the CA bundle to verify KFP's certificate with: ``ca_file`` (``ca_name``: where it came
    from, ``--ca-file``), else ``KFP_CA_FILE``; ``("", "")`` for none (certifi's public CAs, kfp.Client's default).
    A ConfigError led by the source when the file is no PEM CA bundle, before any request."""
    import ssl

    from_env = os.environ.get(CA_FILE_ENV, "").strip() if environment else ""
    for value, name in ((ca_file, ca_name), (from_env, CA_FILE_ENV)):
        if not value:
            continue
        path = str(Path(value).expanduser())
        source = f"{name} {path}"
        try:
            ssl.create_default_context(cafile=path)  # what urllib3 loads for kfp.Client's ssl_ca_cert
        except FileNotFoundError as exc:
            raise ConfigError(f"{source}: no such file; give the PEM bundle of the CA that signed KFP's "
                              "certificate") from exc
        except IsADirectoryError as exc:
            raise ConfigError(f"{source}: is a directory; give the PEM bundle (a file) of the CA that signed "
                              "KFP's certificate") from exc
        except ssl.SSLError as exc:
            raise ConfigError(f"{source}: no PEM CA certificate in it ({exc.reason or exc}); give the PEM bundle "
                              "of the CA that signed KFP's certificate") from exc
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read it: {exc.strerror or exc}") from exc
        except ValueError as exc:  # a NUL in the path
            raise ConfigError(f"{source}: {exc}") from exc
        return path, source
    return "", ""


def refuse_ca_without_host(ca_source: str) -> str:
    """The line refusing a CA bundle (``ca_source``: ``--ca-file /path`` or ``KFP_CA_FILE /path``) when no
    KFP host is given, so ``kfp.Client`` finds KFP itself and never verifies with the bundle. kfp 2.17.0
    ``_load_config`` (``kfp/client/client.py``) then either (in a pod) sets the host
    ``ml-pipeline.<namespace>.svc.cluster.local:8888``, plain HTTP, or calls kubernetes 30.1.0
    ``load_kube_config(client_configuration=config)``, whose ``KubeConfigLoader._load_cluster_info`` and
    ``_set_config`` (``kubernetes/config/kube_config.py``) overwrite ``ssl_ca_cert`` with the context's
    cluster ``certificate-authority`` (``None`` without one: certifi's) for an https API server: the
    connection goes to the Kubernetes API server's service proxy, which the kubeconfig vouches for."""
    return (f"{ca_source}: no KFP host to verify with it — without --host (or {HOST_ENV}) kfp.Client reaches "
            "KFP through the kubeconfig's API server (verified with the kubeconfig's certificate-authority) or, "
            "in a pod, the ml-pipeline service over plain HTTP — fix: give --host the KFP URL its certificate is "
            f"issued for, or drop --ca-file ({CA_FILE_ENV})")


def sa_token_path() -> str:
    """Where the in-cluster pipelines token is read, as kfp 2.17.0 reads it
    (``set_volume_credentials.py`` ``ServiceAccountTokenVolumeCredentials``: ``os.getenv(...) or`` the
    default): :data:`SA_TOKEN_ENV`, or :data:`SA_TOKEN_PATH` when it is unset **or empty**."""
    return os.environ.get(SA_TOKEN_ENV) or SA_TOKEN_PATH


def install_namespace(given: str = "", given_name: str = INSTALL_NAMESPACE_KEY) -> str:
    """The namespace KFP is installed in, where ``kfp.Client`` finds it without a host: ``given`` (ctloop.yaml's
    ``kfp.install_namespace``, a KFP command's ``--kfp-namespace``: ``given_name`` names it), else
    :data:`TASK_INSTALL_NAMESPACE_ENV` (a task's from ctloop-settings, which wins over a ``KFP_INSTALL_NAMESPACE`` a
    PodDefault set as ``CTLOOP_KFP_CA_FILE`` wins over ``KFP_CA_FILE``, :func:`task_platform`), else
    :data:`INSTALL_NAMESPACE_ENV`, else :data:`INSTALL_NAMESPACE`; a ConfigError (one line naming the setting and
    the value) when it is no namespace's name."""
    return install_namespace_source(given, given_name)[0]


#: what :func:`install_namespace_source` says of the default (no setting, no variable)
INSTALL_NAMESPACE_DEFAULT = "the default"


def install_namespace_source(given: str = "", given_name: str = INSTALL_NAMESPACE_KEY) -> tuple[str, str]:
    """``(namespace, where it came from)`` of :func:`install_namespace`: ``given_name`` (``--kfp-namespace``,
    ``kfp.install_namespace``), :data:`TASK_INSTALL_NAMESPACE_ENV`, :data:`INSTALL_NAMESPACE_ENV` (this process's
    environment: a Kubeflow PodDefault of a notebook may have set it) or :data:`INSTALL_NAMESPACE_DEFAULT`; a
    ConfigError (one line naming the setting and the value) when it is no namespace's name."""
    from ctloop.config import k8s_namespace

    name = next((n for n in (TASK_INSTALL_NAMESPACE_ENV, INSTALL_NAMESPACE_ENV) if os.environ.get(n)), "")
    value = os.environ.get(name, "") if name else ""
    if given:
        name, value = given_name, given
    if not value:
        return INSTALL_NAMESPACE, INSTALL_NAMESPACE_DEFAULT
    if problem := k8s_namespace(value):
        raise ConfigError(f"{name} {one_line(value)[:80]!r}: {problem} (the namespace KFP is "
                          f"installed in; unset: {INSTALL_NAMESPACE})")
    return value, name


#: kfp 2.17.0 ``kfp/client/auth.py`` ``get_gcp_access_token``: what it logs (then the error) when google-auth failed
GCP_TOKEN_FAILED = "Failed to get GCP access token: "


def _google_target(route: str, client_id: str, env: bool = True) -> str:
    """What kfp's Google ``route`` got a token for, in a message: ``the IAP client id <id> (KF_PIPELINES_IAP_...)``
    (``env``: with the variable's name), else ``the googleusercontent.com host``."""
    if route == "iap":
        return f"the IAP client id {client_id}" + (f" ({IAP_ENV})" if env else "")
    return "the googleusercontent.com host"


def _google_auth(route: str, client_id: str, token: str, chosen: KfpAuth, why: str = "") -> KfpAuth:
    """What kfp 2.17.0 ``Client._load_config`` sent when it took one of its Google routes before ctloop's
    ``credentials`` (``route``: ``"iap"``, the client id ``KF_PIPELINES_IAP_OAUTH2_CLIENT_ID``, whose
    ``auth.get_auth_token`` gets a Google ID token for it; ``"inverse-proxy"``, a ``*.googleusercontent.com``
    host, whose ``auth.get_gcp_access_token`` gets the Application Default Credentials' access token, or None
    when there are none): that token (``""``: none was sent), named as such in every message; the CA bundle of
    ``chosen`` (what ctloop chose) stays. ``why``: google-auth's error kfp logged (:data:`GCP_TOKEN_FAILED`)."""
    target = _google_target(route, client_id, env=False)
    if not token and route == "iap":  # get_service_account_credentials: None for user OAuth credentials only
        source = (f"no token: kfp got no ID token for {target}: the Application Default Credentials are user "
                  f"credentials; IAP needs a service account{_oauth_app_fix(', or ')}")
    elif not token:
        source = f"no token: kfp found no Google credentials for {target}" + (f" ({_cut(why)})" if why else "")
    elif route == "iap":
        source = f"the Google ID token kfp got for {target}"
    else:
        source = "the Google access token kfp got from the Application Default Credentials"
    return replace(chosen, source=source, token=token or "", token_file="", named=False, google=route,
                   google_for=target)


def _google_auth_failed(route: str, client_id: str, exc: BaseException) -> str:
    """The line for google-auth failing on kfp's Google route (kfp 2.17.0 ``auth.get_service_account_credentials``
    calls ``google.auth.default()`` uncaught: ``DefaultCredentialsError`` without Application Default Credentials;
    a ``RefreshError`` when they cannot be refreshed)."""
    target = _google_target(route, client_id)
    return (f"kfp could not get a Google ID token for {target}: {_cut(str(exc))} — fix: point "
            "GOOGLE_APPLICATION_CREDENTIALS at a service account's key (or run where one is the default)"
            f"{_oauth_app_fix(', or give ')}; or unset {IAP_ENV} and give --token")


#: google-auth 2.62.2 ``google/auth/iam.py`` ``Signer._make_signing_request``: IAM answered signBlob with a status
#: it does not retry (403: the service account lacks ``iam.serviceAccounts.signBlob`` on itself), a TransportError
SIGN_BLOB_REFUSED = "Error calling the IAM signBlob API"
#: google-auth 2.62.2: IAM's or the metadata server's retryable statuses (5xx) until its retries ran out
_GOOGLE_RETRIES_EXHAUSTED = ("exhausted signBlob endpoint retries", "Compute Engine Metadata server unavailable")
#: google-auth 2.62.2's functions that raise a TransportError on an HTTP answer with that answer in their local
#: ``response``, and the statuses each retries before it gives up: ``iam.py`` ``Signer._make_signing_request``
#: (``IAM_RETRY_CODES``) and ``compute_engine/_metadata.py`` ``get`` (``transport.DEFAULT_RETRYABLE_STATUS_CODES``)
_GOOGLE_ANSWERING = {
    ("google.auth.iam", "_make_signing_request"): frozenset({500, 502, 503, 504}),
    ("google.auth.compute_engine._metadata", "get"): frozenset({500, 503, 504, 408, 429}),
}


#: Google's answers that say "later", not "no" (google.rpc.Code): a rate limit (google-auth 2.62.2 ``iam.py`` does not
#: retry 429 ``RESOURCE_EXHAUSTED``/``RATE_LIMIT_EXCEEDED``), a request timeout, ``UNAVAILABLE``
_GOOGLE_LATER_STATUSES = frozenset({408, 429})
_GOOGLE_LATER_ERRORS = frozenset({"RESOURCE_EXHAUSTED", "UNAVAILABLE"})
#: IAM refusing the caller (only these are "grant roles/iam.serviceAccountTokenCreator")
_GOOGLE_REFUSED_STATUSES = frozenset({401, 403})
_GOOGLE_REFUSED_ERRORS = frozenset({"PERMISSION_DENIED", "UNAUTHENTICATED"})


def _causes(exc: BaseException | None, limit: int = 8) -> Iterator[BaseException]:
    """``exc`` and its ``__cause__`` chain, at most ``limit`` of them (google-auth wraps a ``requests`` error in a
    TransportError, ``compute_engine/credentials.py`` that in a RefreshError; a cycle ends at the limit)."""
    for _ in range(limit):
        if exc is None:
            return
        yield exc
        exc = exc.__cause__


def _google_frame(exc: BaseException) -> tuple[frozenset[int] | None, Any]:
    """(the statuses it retries, the answer) of the frame that raised ``exc`` when that is one of
    :data:`_GOOGLE_ANSWERING`; ``(None, None)`` otherwise (raised elsewhere, or before any answer). google-auth gives
    these TransportErrors no status of their own: the answer is the exception's second argument where google-auth
    passes it (2.62.2 ``compute_engine/_metadata.py`` ``get``, lines 406-412), else the raising frame's local
    ``response``, kept by ``exc.__traceback__``."""
    args = getattr(exc, "args", ())
    given = args[1] if len(args) > 1 and isinstance(getattr(args[1], "status", None), int) else None
    tb = exc.__traceback__
    if tb is None:
        return None, given
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    retried = _GOOGLE_ANSWERING.get((tb.tb_frame.f_globals.get("__name__", ""), code.co_name))
    if retried is None:
        return None, given
    return retried, given if given is not None else tb.tb_frame.f_locals.get("response")


def _google_answered(exc: BaseException) -> tuple[BaseException | None, frozenset[int] | None, Any]:
    """(the exception, the statuses its frame retries, the answer) of the first in ``exc``'s ``__cause__`` chain that
    google-auth raised on an HTTP answer (:func:`_google_frame`); ``(None, None, None)`` when none did."""
    for seen in _causes(exc):
        retried, response = _google_frame(seen)
        if isinstance(getattr(response, "status", None), int):
            return seen, retried, response
    return None, None, None


def _google_error(response: Any) -> tuple[str, str]:
    """(the JSON error's status, its reason) of a Google API's answer ``{"error": {"code", "status", "details":
    [{"reason"}]}}`` (older ones: ``"errors": [{"reason"}]``); ``("", "")`` when the body is no such error."""
    data = getattr(response, "data", b"")
    try:
        error = json.loads(data.decode("utf-8") if isinstance(data, bytes) else str(data)).get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        return "", ""
    reasons = [item.get("reason") for key in ("details", "errors") for item in error.get(key) or []
               if isinstance(item, dict) and isinstance(item.get("reason"), str)]
    return str(error.get("status") or "") if isinstance(error.get("status"), str) else "", (reasons or [""])[0]


def _google_answer(exc: BaseException) -> tuple[int | None, str, str]:
    """``(HTTP status, the JSON error's status, its reason)`` of the answer google-auth raised ``exc`` (or one in its
    ``__cause__`` chain) on (:func:`_google_answered`, :func:`_google_error`); ``(None, "", "")`` when no such answer
    is known (the text decides)."""
    _, _, response = _google_answered(exc)
    if response is None:
        return None, "", ""
    return response.status, *_google_error(response)


def _google_later(status: int | None, error: str) -> bool:
    """Whether a Google answer says "later" (:data:`_GOOGLE_LATER_STATUSES`, :data:`_GOOGLE_LATER_ERRORS`)."""
    return status in _GOOGLE_LATER_STATUSES or error in _GOOGLE_LATER_ERRORS


def _sign_blob_text(exc: BaseException) -> tuple[int | None, str] | None:
    """The fallback without google-auth's frame: (the ``"code"``, the ``"status"``) of the IAM error body that a
    :data:`SIGN_BLOB_REFUSED` text quotes (``(None, "")``: it quotes none); None when it is no such text."""
    from google.auth.exceptions import TransportError

    text = str(exc)
    if not (isinstance(exc, TransportError) and text.startswith(SIGN_BLOB_REFUSED)):
        return None
    code = re.search(r'"code":\s*(\d{3})', text)
    status = re.search(r'"status":\s*"([A-Z_]+)"', text)
    return (int(code.group(1)) if code else None), (status.group(1) if status else "")


def _sign_blob_answer(exc: BaseException) -> str:
    """What IAM's answer to signBlob (google-auth 2.62.2 ``iam.py``, an answer neither 200 nor one it retries) says:
    ``"refused"`` (401/403: ``PERMISSION_DENIED``, ``ACCESS_TOKEN_SCOPE_INSUFFICIENT``), ``"missing"`` (404
    ``NOT_FOUND``: no such service account), ``"later"`` (:func:`_google_later`), ``"other"``; ``""`` when no
    signBlob answer is in ``exc``'s ``__cause__`` chain. Read from the raising frame (:func:`_google_frame`), else the
    text (:data:`SIGN_BLOB_REFUSED`: a body without a code counts as a refusal)."""
    iam = _GOOGLE_ANSWERING[("google.auth.iam", "_make_signing_request")]
    _, retried, response = _google_answered(exc)
    if response is not None and retried is iam:
        status, error = response.status, _google_error(response)[0]
        if status == 200 or status in retried:
            return ""
    else:
        quoted = next((q for q in map(_sign_blob_text, _causes(exc)) if q is not None), None)
        if quoted is None:
            return ""
        status, error = quoted
        if status is None and not error:
            return "refused"
    if _google_later(status, error):
        return "later"
    if status in _GOOGLE_REFUSED_STATUSES or error in _GOOGLE_REFUSED_ERRORS:
        return "refused"
    if status == 404 or error == "NOT_FOUND":
        return "missing"
    return "other"


def _google_account(exc: BaseException) -> str:
    """The service account google-auth asked IAM about when it raised ``exc`` (or one in its ``__cause__`` chain): the
    ``url`` of ``iam.py``'s raising frame (``serviceAccounts/<email>:signBlob``); ``""`` when none is known. (Only a
    signBlob answer comes here, :func:`_google_account_missing`: a metadata server's 404 is no "missing" answer.)"""
    for seen in _causes(exc):
        tb = seen.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        url = tb.tb_frame.f_locals.get("url") if tb is not None else None
        if isinstance(url, str) and (found := re.search(r"serviceAccounts/([^/:]+)[:/]", url)):
            return found.group(1)
    return ""


def _google_transient(exc: BaseException) -> bool:
    """Whether google-auth failed because the transport failed underneath, which a retry may cure: a
    ``requests`` exception (or an OSError) somewhere in the ``__cause__`` chain (google-auth 2.62.2
    ``transport/requests.py`` wraps it in a TransportError; ``compute_engine/credentials.py`` wraps that in a
    RefreshError), a ``RefreshError(retryable=True)`` (``oauth2/_client.py``: the token endpoint's 5xx), retries
    of 5xx answers exhausted, or an answer that says "later" (:func:`_google_later`: a 429 IAM does not retry).
    Not a TransportError of another answer: signBlob refused (``iam.py``), a metadata server's 403/404
    (``compute_engine/_metadata.py``) are no reason to retry."""
    import requests

    for seen in _causes(exc):
        if _google_setup_failure(seen) is not None:
            return False
        if isinstance(seen, (requests.exceptions.RequestException, ConnectionError, TimeoutError)):
            return True
        if getattr(seen, "retryable", False) is True:
            return True
        retried, response = _google_frame(seen)
        status = getattr(response, "status", None)
        if isinstance(status, int):  # google-auth's answer: a status it retries, until it gave up; or "later"
            if (retried is not None and status in retried) or _google_later(status, _google_error(response)[0]):
                return True
        elif any(text in str(seen) for text in _GOOGLE_RETRIES_EXHAUSTED):  # the fallback: its text
            return True
        elif (quoted := _sign_blob_text(seen)) is not None and _google_later(*quoted):  # the body its text quotes
            return True
    return False


def _google_setup_failure(exc: BaseException) -> BaseException | None:
    """The failure under google-auth's that no retry cures, from ``exc``'s ``__cause__`` chain: requests'
    SSLError (a TLS-intercepting egress proxy without ``REQUESTS_CA_BUNDLE``), ProxyError (a wrong
    ``HTTPS_PROXY``), InvalidURL, or an OSError that is no connection failure (google-auth 2.62.2
    ``transport/requests.py`` ``_configure_mtls_if_needed``: a client certificate file missing); None if none."""
    import ssl

    import requests

    for seen in _causes(exc):
        if isinstance(seen, (requests.exceptions.SSLError, requests.exceptions.ProxyError,
                             requests.exceptions.InvalidURL, ssl.SSLError)):
            return seen
        if isinstance(seen, OSError) and not isinstance(seen, (ConnectionError, TimeoutError, requests.exceptions.RequestException)):
            return seen
    return None


def _cut(text: str, limit: int = 200) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary (then ``…``), not mid-word."""
    line = one_line(text)
    if len(line) <= limit:
        return line
    head = line[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:") + " …"


def _google_said(exc: BaseException) -> str:
    """`` (HTTP 429 RESOURCE_EXHAUSTED, RATE_LIMIT_EXCEEDED)``: Google's answer in ``exc`` (:func:`_google_answer`;
    without google-auth's frame the IAM body a signBlob text quotes, :func:`_sign_blob_text`), ``""`` when none is
    known."""
    status, error, reason = _google_answer(exc)
    if status is None:
        status, error = next((q for q in map(_sign_blob_text, _causes(exc)) if q is not None), (None, ""))
    if status is None:
        return f" ({error})" if error else ""
    return " (HTTP " + " ".join(str(part) for part in (status, error) if part) + (f", {reason}" if reason else "") + ")"


def _google_unreachable(route: str, client_id: str, exc: BaseException) -> str:
    """The line for google-auth failing because its transport did (:func:`_google_transient`): the token
    endpoint, the metadata server or IAM did not answer (a reset, a timeout, 5xx) or asked to come back later (a
    429 rate limit), which a retry may cure; the credentials are not the problem."""
    target = _google_target(route, client_id)
    return (f"could not reach Google's token endpoint, metadata server or IAM for {target}: "
            f"{_cut(str(exc))}{_google_said(exc)}; retry")


def _google_account_missing(route: str, client_id: str, exc: BaseException) -> str:
    """The line for IAM answering signBlob 404 ``NOT_FOUND`` about the service account kfp's ID token is signed as
    (:func:`_sign_blob_answer`): it does not exist (deleted, a typo in the key file's project), which neither a role
    nor a retry cures. The account is named when google-auth's frame is there (:func:`_google_account`)."""
    target = _google_target(route, client_id)
    if account := _google_account(exc):
        return (f"IAM has no service account {account} to sign kfp's ID token for {target}{_google_said(exc)} — "
                f"fix: check that it exists (gcloud iam service-accounts describe {account}), or point "
                "GOOGLE_APPLICATION_CREDENTIALS at an existing service account's key")
    return (f"IAM has no service account for the credentials kfp signs its ID token with, for {target}"
            f"{_google_said(exc)} — fix: check that the Application Default Credentials' service account exists "
            "(gcloud iam service-accounts list), or point GOOGLE_APPLICATION_CREDENTIALS at an existing service "
            "account's key")


def _google_sign_refused(route: str, client_id: str, exc: BaseException) -> str:
    """The line for IAM refusing signBlob (:data:`SIGN_BLOB_REFUSED`): on Compute Engine/GKE credentials kfp
    2.17.0 ``auth.get_service_account_credentials`` signs the ID token's JWT with ``google.auth.iam.Signer`` as
    the service account itself, which needs ``iam.serviceAccounts.signBlob`` on it."""
    target = _google_target(route, client_id)
    return (f"IAM refused to sign kfp's ID token for {target}: {_cut(str(exc))}{_google_said(exc)} — fix: grant the "
            "service account roles/iam.serviceAccountTokenCreator on itself (gcloud iam service-accounts "
            "add-iam-policy-binding SA --member serviceAccount:SA --role roles/iam.serviceAccountTokenCreator); "
            "the VM or node also needs the https://www.googleapis.com/auth/iam (or cloud-platform) scope")


def _oauth_app_fix(lead: str) -> str:
    """``lead`` + giving :data:`IAP_APP_ENV` and its secret, outside a pod only: kfp 2.17.0
    ``auth.get_refresh_token_from_client_id`` then runs an interactive OAuth flow (a loopback server on
    localhost:9901 waiting for a browser), which hangs a task pod (:func:`kfp_in_cluster`)."""
    if kfp_in_cluster():
        return ""
    return f"{lead}{IAP_APP_ENV} and {IAP_APP_ENV.replace('_ID', '_SECRET')} (interactive: a browser)"


def _sent_token(auth: KfpAuth) -> str:
    """The token ``auth`` sent, for a message: ``the token from --token``, ``the Google ID token kfp got ...``."""
    return auth.source if auth.google else f"the token from {auth.source}"


def _renew(auth: KfpAuth) -> str:
    """How to get a fresh token of the kind ``auth`` sent."""
    if auth.google == "iap":
        return ("get a fresh Google ID token: check the Google credentials kfp uses for IAP (the service account of "
                "GOOGLE_APPLICATION_CREDENTIALS, or the sign-in kfp saved in ~/.config/kfp/credentials.json) and that "
                "IAP lets them in")
    if auth.google:
        return "refresh the Application Default Credentials (gcloud auth application-default login)"
    return f"create a fresh one, e.g. {TOKEN_RECIPE}"


def resolve_auth(host: str = "", token: str = "", token_file: str = "", *, environment: bool = True) -> KfpAuth:
    """The bearer token or token file to use (order in the module docstring); read when called. Without
    ``environment`` the arguments alone (no ``KFP_TOKEN``, ``KFP_TOKEN_FILE``, in-cluster pipelines token)."""
    if token and token_file:
        raise ConfigError("give --token or --token-file, not both")
    env_token = os.environ.get(TOKEN_ENV, "").strip() if environment else ""
    env_file = os.environ.get(TOKEN_FILE_ENV, "").strip() if environment else ""
    for value, source, is_file in (
        (token, "--token", False),
        (token_file, "--token-file", True),
        (env_token, TOKEN_ENV, False),
        (env_file, TOKEN_FILE_ENV, True),
    ):
        if not value:
            continue
        if not is_file:
            return KfpAuth(source, token=check_token(value.strip(), source))
        path = Path(value).expanduser()
        read_token_file(str(path), f"{source} {value}")  # a ConfigError naming it when unusable
        return KfpAuth(f"{source} {path}", token_file=str(path))
    sa_path = sa_token_path()
    if environment and host and Path(sa_path).is_file():
        auth = KfpAuth(f"the in-cluster pipelines token {sa_path}", token_file=sa_path, named=False)
        read_token_file(sa_path, auth.source)
        return auth
    return KfpAuth("")


TOKEN_MAX_BYTES = 1 << 20  # a bearer token file read at most this far (a service-account JWT is about 1 KB)


def read_token_file(path: str, source: str) -> str:
    """The bearer token in the file ``path``, read as the KFP SDK reads it before every request;
    a ConfigError led by ``source`` (which names the file) when it is not one: missing, a
    directory, unreadable, empty, not UTF-8 text, or holding a character a bearer token (RFC 6750
    ``b64token``, printable ASCII) and an HTTP header cannot hold (a NUL, a line break inside).

    kfp 2.17.0 reads it with ``open(path).read().strip()`` (``kfp/client/token_credentials_base.py``
    ``read_token_from_file``, from ``ServiceAccountTokenVolumeCredentials._get_token`` in
    ``kfp/client/set_volume_credentials.py``), catching only OSError: a file that turned binary
    was a UnicodeDecodeError traceback from the next request, an empty one an empty bearer."""
    try:
        with Path(path).open("rb") as f:  # bounded: --token-file /dev/zero read until MemoryError (round 57)
            data = f.read(TOKEN_MAX_BYTES + 1)
    except IsADirectoryError as exc:
        raise ConfigError(f"{source}: is a directory; give the path of a file holding a bearer token") from exc
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: no such file; give the path of a bearer token") from exc
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the token: {exc.strerror or exc}") from exc
    if len(data) > TOKEN_MAX_BYTES:
        raise ConfigError(f"{source}: the file holds more than {TOKEN_MAX_BYTES // 2**20} MiB, far more than a bearer "
                          "token (a service account's is about 1 KB): is it the right file?")
    try:
        token = data.decode("utf-8-sig").strip()  # a leading BOM (an editor's) is no part of the token
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start}); it must hold a bearer token") from exc
    if not token:
        raise ConfigError(f"{source}: the file is empty; it must hold a bearer token")
    return check_token(token, source)


def check_token(token: str, source: str) -> str:
    """``token`` when an ``Authorization: Bearer`` header can carry it (RFC 6750 ``b64token``: one
    line of printable ASCII, no blank); else a ConfigError led by ``source`` that does not repeat
    it. kfp 2.17.0 (``Client._load_config``, ``kfp/client/client.py``) sends ``existing_token`` as
    given: a line break in it was ``http.client``'s ``ValueError("Invalid header value b'Bearer
    <token>'")`` traceback, printing the token; ``Bearer <token>`` was sent as ``Bearer Bearer ...``
    and answered 401."""
    if re.match(r"bearer\s", token, re.I):
        raise ConfigError(f"{source}: the token starts with its scheme ({token[:6]!r}); give the token "
                          "without it (ctloop sends 'Authorization: Bearer <token>')")
    for at, char in enumerate(token):
        if not " " < char <= "~":
            what = ("blank" if char == " " else "control character" if char < " " or char == "\x7f"
                    else "non-ASCII character")
            raise ConfigError(f"{source}: the token holds a {what} ({char!r} at offset {at}); a bearer "
                              "token is one line of printable ASCII")
    return token


def _token_file_credentials(path: str, source: str) -> Any:
    """``kfp.Client`` credentials re-reading ``path`` before every request with
    :func:`read_token_file` (what kfp's ``ServiceAccountTokenVolumeCredentials`` does, but a bad
    file is a ConfigError naming it)."""
    with pipeline_dsl():
        from kfp.client.token_credentials_base import TokenCredentialsBase

    class TokenFileCredentials(TokenCredentialsBase):
        def refresh_api_key_hook(self, config: Any) -> None:
            config.api_key["authorization"] = read_token_file(path, source)

    return TokenFileCredentials()


class _StaticTokenCredentials:
    """``kfp.Client`` credentials sending one bearer token (``--token``, ``KFP_TOKEN``) when no host is given: as
    ``existing_token`` kfp 2.17.0 ``_load_config`` would return at once with the default host ``http://localhost``
    instead of finding KFP (see :func:`refuse_token_via_kubeconfig`)."""

    def __init__(self, token: str):
        self._token = token

    def refresh_api_key_hook(self, config: Any) -> None:
        config.api_key["authorization"] = self._token


def refuse_token_via_kubeconfig(source: str) -> str:
    """The line refusing a bearer token the user named (``source``: ``--token``, ``--token-file /path``,
    ``KFP_TOKEN``, ``KFP_TOKEN_FILE /path``) when no KFP host is given and ``kfp.Client`` finds KFP through the
    kubeconfig (outside a pod). kfp 2.17.0 ``_load_config`` (``kfp/client/client.py``) then calls kubernetes
    30.1.0 ``load_kube_config(client_configuration=config)``, whose ``KubeConfigLoader._set_config``
    (``kubernetes/config/kube_config.py``) writes the kubeconfig user's token (``token``/``tokenFile``, an exec
    plugin's, an auth-provider's, a user name and password) over ``api_key['authorization']`` and replaces
    ``refresh_api_key_hook``: the named token was dropped without a word. And through the API server's service
    proxy a bearer token authenticates to Kubernetes, not to KFP. In a pod (kfp's in-cluster route, the
    ml-pipeline service itself) the named token is sent (:func:`_client_class`)."""
    name = source.split()[0]
    drop = f"drop {name}" if name.startswith("--") else f"unset {name}"
    return (f"{source}: no KFP host to send the token to — without --host (or {HOST_ENV}) kfp.Client reaches KFP "
            "through the kubeconfig's API server, which authenticates with the kubeconfig's user (its credentials "
            f"replace a named token) — fix: give --host the KFP URL (or set {HOST_ENV}), or {drop} to go through "
            "the kubeconfig")


def kfp_in_cluster() -> bool:
    """Whether kfp 2.17.0 ``_load_config`` (no host, no ``existing_token``) takes its in-cluster route: kubernetes
    30.1.0 ``load_incluster_config`` loads (``kubernetes/config/incluster_config.py`` ``InClusterConfigLoader._load_config``:
    ``KUBERNETES_SERVICE_HOST``/``_PORT`` set and not empty, the service-account token and CA files there, the token
    file and the CA file not empty). Asked of that loader itself, which only reads them."""
    from kubernetes.config import incluster_config
    from kubernetes.config.config_exception import ConfigException

    loader = incluster_config.InClusterConfigLoader(
        token_filename=incluster_config.SERVICE_TOKEN_FILENAME, cert_filename=incluster_config.SERVICE_CERT_FILENAME)
    try:
        loader._load_config()
    except (ConfigException, OSError, ValueError):  # kfp's bare except: no in-cluster route
        return False
    return True


def pod_namespace() -> str:
    """The namespace this process runs in (:data:`SA_NAMESPACE_PATH`); ``""`` outside a pod."""
    try:
        return Path(SA_NAMESPACE_PATH).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def no_host() -> str:
    """The line refusing to connect when ``kfp.Client`` has nowhere to find KFP."""
    return (f"no KFP host: give --host ({HOST_EXAMPLES}), set {HOST_ENV}, or run where a kubeconfig or the "
            "in-cluster service account is available")


def _discoverable(kubeconfig: str = "") -> bool:
    """Whether ``kfp.Client`` can find a host by itself (endpoint env, in-cluster, kubeconfig)."""
    if os.environ.get(HOST_ENV) or os.environ.get("KUBERNETES_SERVICE_HOST"):
        return True
    return _kubeconfig_exists(kubeconfig)


def _kubeconfig_exists(kubeconfig: str = "") -> bool:
    """Whether a kubeconfig file is there (``kubeconfig``, else ``KUBECONFIG``'s, else ``~/.kube/config``)."""
    configs = kubeconfig or os.environ.get("KUBECONFIG", "") or str(Path("~/.kube/config").expanduser())
    return any(Path(c).expanduser().is_file() for c in configs.split(os.pathsep) if c)


# ---------------------------------------------------------------------------------- backend
@dataclass(frozen=True)
class Backend:
    """What the KFP API server says about itself (``GET /apis/v2beta1/healthz``)."""

    url: str
    tag_name: str = ""
    commit_sha: str = ""
    multi_user: bool = False
    pipeline_store: str = ""

    @property
    def version(self) -> tuple[int, int, int] | None:
        return parse_version(self.tag_name)

    def describe(self) -> str:
        mode = "multi-user" if self.multi_user else "single-user"
        return f"backend {self.tag_name or 'unknown'}, {mode}"


def _min_backend() -> str:
    return ".".join(map(str, MIN_BACKEND))


def _body_text(body: Any) -> str:
    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
    return " ".join(text.split())


def _is_html(headers: Any, body: Any) -> bool:
    ctype = str((headers or {}).get("Content-Type") or (headers or {}).get("content-type") or "")
    return "html" in ctype.lower() or _body_text(body)[:200].lower().startswith(
        ("<!doctype", "<html")
    )


def _title(body: Any) -> str:
    m = re.search(r"<title>(.*?)</title>", _body_text(body), re.I)
    return m.group(1).strip() if m else ""


# the fixed external messages of kubeflow/pipelines 2.17.0 backend/src/common/util/error.go
GENERIC_DETAILS = frozenset({"Internal Server Error", "Service unavailable"})


def _json_message(body: Any) -> str:
    """The message of a grpc-gateway/KFP error body (``{"code", "message", "details"}``)."""
    text = _body_text(body)
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("error") or data.get("error_message") or "")
        details = data.get("details")
        # a list of google.protobuf.Any in grpc-gateway's; anything in a proxy's (``"details": 5`` was a TypeError)
        for detail in details if isinstance(details, list) else []:
            if isinstance(detail, dict) and detail.get("message"):
                # the API server's external message (2.17.0 common/util/error.go GRPCStatus); a fixed one
                # (NewInternalServerError, NewUnavailableServerError) says nothing the message does not
                if message and str(detail["message"]) in GENERIC_DETAILS:
                    # its chain ends with the cause: keep the end of a long one
                    return message if len(message) <= 300 else "…" + message[-299:]
                return str(detail["message"])[:300]
        return message[:300]
    return text[:200]


def _from_api_server(body: Any) -> bool:
    """Whether an error body is the KFP API server's own (a UserError: 2.17.0 ``common/util/error.go``
    ``GRPCStatus`` adds the external message as a ``google.rpc.Status`` detail), not grpc-gateway's (no route:
    no details) nor what a proxy or ingress in front of it answers."""
    try:
        data = json.loads(_body_text(body))
    except ValueError:
        return False
    details = data.get("details") if isinstance(data, dict) else None
    return any(isinstance(d, dict) and str(d.get("@type", "")).endswith("/google.rpc.Status")
               for d in (details if isinstance(details, list) else []))


# what oauth2-proxy takes for a JWT in "Authorization: Bearer" (v7.15.3 pkg/middleware/jwt_session.go jwtRegexFormat)
OAUTH2_PROXY_JWT = re.compile(r"^ey[a-zA-Z0-9_-]*\.ey[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")


def _unverified_bearer(headers: Any, body: Any) -> bool:
    """Whether a 403 is oauth2-proxy's refusal of a bearer token it cannot verify: with
    ``bearer_token_login_fallback = false`` (v7.9.0-v7.15.3 ``pkg/middleware/jwt_session.go`` ``loadSession``)
    ``http.Error(rw, "Forbidden", 403)``, Go's plain-text error (``net/http`` ``Error``: ``text/plain``, the
    text and a newline), which Istio's ext_authz hands on with its content type (kubeflow/manifests); not
    Istio's ``RBAC: access denied`` nor the KFP API's JSON."""
    ctype = str((headers or {}).get("Content-Type") or (headers or {}).get("content-type") or "")
    return ctype.lower().startswith("text/plain") and _body_text(body) == "Forbidden"


def _grpc_code(body: Any) -> int | None:
    """The gRPC code of a google.rpc.Status error body (grpc-gateway's, the KFP API server's), else None."""
    try:
        data = json.loads(_body_text(body))
    except ValueError:
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def explain_status(
    status: int, body: Any, headers: Any, *, url: str, auth: KfpAuth, redirected_to: str = "",
    accepted: int = 0, namespace: str = "",
) -> str:
    """One line for an HTTP answer that is not the KFP API's: the problem, ``—``, the fix. ``accepted``:
    how many calls of this command KFP answered before with the same credentials (a 401 then means
    they expired or were revoked meanwhile, and the command stopped halfway); ``namespace``: the profile
    namespace the call was made in on multi-user KFP (a 403 names it)."""
    token_fix = (
        "fix: send a bearer token: --token TOKEN (or KFP_TOKEN), or --token-file PATH (or "
        f'KFP_TOKEN_FILE); on Kubeflow: export KFP_TOKEN="$({TOKEN_RECIPE})" (an environment variable or a file '
        "keeps it out of `ps`)"
    )
    login_page = bool(redirected_to or (300 <= status < 400)) or (
        _is_html(headers, body) and status in (200, 401, 403)
        and ("sign in" in _title(body).lower() or "log in" in _body_text(body).lower() or status != 200))
    if login_page and accepted and (auth.token or auth.token_file):
        # the proxy took the token for the calls before (oauth2-proxy verifies a bearer JWT itself and, once it no
        # longer verifies, answers as if none was sent: v7 pkg/middleware/jwt_session.go loadSession)
        where = redirected_to or str((headers or {}).get("Location") or "")
        page = f"redirected to a login page ({where[:120]})" if where else f"answered with a sign-in page (HTTP {status})"
        expired = _jwt_expired(auth)
        return (
            f"KFP at {url} {page} after it accepted {_sent_token(auth)} for {accepted} "
            f"call{'s' if accepted != 1 else ''} of this command: the session expired — fix: "
            + (f"the token expired at {expired}" if expired else "the token expired or was revoked meanwhile")
            + f"; {_renew(auth)}; then run the command again: what it did before stays done"
        )
    if redirected_to or (300 <= status < 400):
        where = redirected_to or str((headers or {}).get("Location") or "?")
        sent = (
            f" {_sent_token(auth)} was not accepted"
            if auth.token or auth.token_file
            else " no token was sent"
        )
        return (
            f"KFP at {url} redirected to a login page ({where[:120]}): the host is behind an "
            f"authenticating proxy (Dex/oauth2-proxy) and{sent} — {token_fix}"
        )
    if _is_html(headers, body) and status in (200, 401, 403):
        title = _title(body)
        if (
            status == 200
            and "sign in" not in title.lower()
            and "log in" not in _body_text(body).lower()
        ):
            return (
                f"{url} answered with an HTML page{f' ({title!r})' if title else ''}, not the KFP "
                f"API — fix: give --host the URL the KFP API is served at, {HOST_EXAMPLES}"
            )
        return (
            f"KFP at {url} answered with a sign-in page (HTTP {status}"
            f"{f', {title!r}' if title else ''}): the host is behind an authenticating proxy "
            f"and no usable token was sent — {token_fix}"
        )
    # an HTML error page (an ingress' or nginx's 502/503/504) by its title, not its markup
    detail = (one_line(_title(body))[:120] or "an HTML page") if _is_html(headers, body) else _json_message(body)
    said = f" ({detail})" if detail and detail != "{}" else ""
    # a gateway's rate limit: refused, not done. ingress-nginx's limit-rps answers 503 unless the controller's
    # limit-req-status-code is 429 (internal/ingress/controller/config/config.go NewDefault: LimitReqStatusCode
    # 503), and nginx's limit_req sends no Retry-After; Envoy's (Istio's) local rate limit answers 429
    if status == 429:
        wait = str((headers or {}).get("Retry-After") or "").strip()
        return (
            f"KFP at {url} is limiting requests: HTTP 429{said}, the request was refused — fix: retry "
            + (f"after {wait} s (Retry-After)" if wait.isdigit() else "in a minute")
            + "; if it lasts, raise the rate limit of the gateway in front of KFP for this client"
        )
    if status in (401, 403) and (proxied := re.search(_KUBE_PROXY, url)) and _kube_status(body):
        if not auth.host_given and not (auth.named and auth.source):  # the kubeconfig's route and credentials
            return _kube_proxy_refused(status, said, url, proxied.group(1))
        return _kube_api_refused(status, said, url, proxied.group(1), auth)
    if status == 401:
        audiences = re.search(r'token audiences (\[[^\]]*\]) is invalid for the target audiences \["?([^"\]]*)',
                              _body_text(body).replace('\\"', '"'))
        if (auth.token or auth.token_file) and audiences and not auth.google:
            # KFP's own TokenReview (2.17.0 auth/authenticator_token_review.go, audience pipelines.kubeflow.org):
            # reached without Istio's kubeflow-userid header, the token alone says who calls, and Kubernetes
            # refuses it for KFP's audience (pkg/serviceaccount/jwt.go); a fresh one of the same kind is refused too
            wanted = audiences.group(2) or KFP_TOKEN_AUDIENCE
            recipe = f"{TOKEN_RECIPE} --audience {wanted}".replace("<profile>", namespace or "<profile>")
            return (
                f"KFP at {url} rejected the token from {auth.source}: HTTP 401{said}: the token is for the audience "
                f"{audiences.group(1)}, and KFP, reached without the Kubeflow ingress, reviews tokens for {wanted!r} "
                f"— fix: create one for it: {recipe} (what the PodDefault access-ml-pipeline projects), or give --host "
                "the Kubeflow ingress URL (…/pipeline), which identifies you itself"
            )
        if auth.token or auth.token_file:
            expired = _jwt_expired(auth)
            why = (f"the token expired at {expired}" if expired else
                   "it expired or was revoked meanwhile" if accepted else
                   "the token is expired or not issued for this cluster")
            before = f", after it accepted it for {accepted} call{'s' if accepted != 1 else ''} of this command" if accepted else ""
            again = "; then run the command again: what it did before stays done" if accepted else ""
            return f"KFP at {url} rejected {_sent_token(auth)}: HTTP 401{said}{before} — fix: {why}; {_renew(auth)}{again}"
        if auth.google:  # kfp's Google route came first and found no credentials: the pod's token was not sent
            why = auth.source.removeprefix("no token: ")  # _google_auth: why kfp got none
            return (f"KFP at {url} needs authentication: HTTP 401{said} and no token was sent: {why} — fix: "
                    f"{_renew(auth)}, or send KFP a bearer token: --token-file PATH (or KFP_TOKEN_FILE), --token TOKEN "
                    "(or KFP_TOKEN)")
        token_path = sa_token_path()
        if (namespace := pod_namespace()) and not Path(token_path).is_file():
            return (
                f"KFP at {url} needs authentication: HTTP 401{said}, and this pod (namespace {namespace}) "
                f"has no pipelines token at {token_path} — fix: create the PodDefault access-ml-pipeline in "
                f"namespace {namespace}, which projects it into pods labelled access-ml-pipeline=true (ctloop's "
                "trigger_training is; docs/operations.md, Authentication)"
            )
        return (
            f"KFP at {url} needs authentication: HTTP 401{said} and no token was sent — "
            + token_fix
        )
    if status == 403 and (auth.token or auth.token_file) and _unverified_bearer(headers, body):
        # oauth2-proxy v7.9.0+ with bearer_token_login_fallback = false: pkg/middleware/jwt_session.go loadSession
        # answers a bearer token it cannot verify with http.Error(rw, "Forbidden", 403), before any route
        proxy = ("the authenticating proxy in front of KFP could not verify the token (oauth2-proxy with "
                 "bearer_token_login_fallback = false answers so, with no login page)")
        expired = _jwt_expired(auth)
        if accepted:
            return (
                f"KFP at {url} answered HTTP 403{said} after it accepted {_sent_token(auth)} for {accepted} "
                f"call{'s' if accepted != 1 else ''} of this command: the session expired: {proxy} — fix: "
                + (f"the token expired at {expired}" if expired else "the token expired or was revoked meanwhile")
                + f"; {_renew(auth)}; then run the command again: what it did before stays done"
            )
        try:
            jwt = bool(OAUTH2_PROXY_JWT.match(auth.token or read_token_file(auth.token_file, auth.source)))
        except ConfigError:
            jwt = True  # unreadable now: say nothing of its form
        return (
            f"KFP at {url} answered HTTP 403{said}: the authenticating proxy in front of it could not verify "
            f"{_sent_token(auth)} (oauth2-proxy with bearer_token_login_fallback = false answers so, with no login "
            "page) — fix: "
            + (f"the token expired at {expired}" if expired
               else "the token is expired, revoked, or not issued for this cluster" if jwt
               else "the token is not a JWT, the only bearer token oauth2-proxy takes; use one")
            + f"; {_renew(auth)}"
        )
    if status == 403:
        who = f"the identity of {auth.source}" if auth.source and not (auth.google and not auth.token) else "this identity"
        if _grpc_code(body) == 7:  # the API server's PermissionDenied, not an ingress' refusal
            # the namespace KFP refused (a call may ask for another than the Platform's): IsAuthorized
            # writes the request's ResourceAttributes, "&ResourceAttributes{Namespace:team-fraud,Verb:...}"
            # (2.17.0 resource_manager.go); "Namespace:," is a cluster-wide resource: no profile to name
            asked = re.search(r"Namespace:([^,}]*)", _body_text(body))
            namespace = asked.group(1).strip() if asked else namespace
        else:
            namespace = ""
        if namespace:
            return (
                f"KFP at {url} refused {who}: HTTP 403{said} — fix: authenticated, but not allowed in namespace "
                f"{namespace!r}: use the identity of a contributor of that profile, e.g. its default-editor: "
                f"{TOKEN_RECIPE.replace('<profile>', namespace)}; or give --namespace the profile this identity "
                "belongs to"
            )
        return (
            f"KFP at {url} refused {who}: HTTP 403{said} — fix: authenticated, but not allowed: "
            "use an identity with access to KFP in this namespace (multi-user Kubeflow: a "
            f"contributor of the profile, e.g. the token of its default-editor: {TOKEN_RECIPE}; "
            "and --namespace <profile>)"
        )
    if status == 404 and (proxied := re.search(_KUBE_PROXY, url)):
        # kfp's route through the kubeconfig's API server (kfp 2.17.0 client.py _KUBE_PROXY_PATH): no ml-pipeline
        # Service in that namespace (the API server answers its Status 'services "ml-pipeline" not found')
        return (
            f"no KFP API at {url}: HTTP 404{said}: the kubeconfig's API server has no service ml-pipeline in namespace "
            f"{proxied.group(1)} — fix: set {_install_source(auth)} to the namespace KFP is "
            f"installed in (kubectl get svc -A -l app=ml-pipeline{_install_settings(auth)}), check the kubeconfig "
            "context, or give --host the KFP URL"
        )
    if status == 404:
        return (
            f"no KFP API at {url}: HTTP 404 — fix: --host must be the URL the KFP API is served "
            f"at, including any path prefix: {HOST_EXAMPLES}"
        )
    if status >= 500:
        return (
            f"the KFP API at {url} is failing: HTTP {status}{said} — fix: check the API server "
            f"(kubectl -n {shown_install_namespace(auth.install_namespace)} get pods -l app=ml-pipeline) and retry"
            + (
                "; if it is healthy, this may be ingress-nginx's rate limit (limit-rps answers 503 unless "
                "limit-req-status-code is 429): retry in a minute, or raise the limit for this client"
                if status == 503
                else ""
            )
        )
    return f"KFP at {url} answered HTTP {status}{said} — fix: check --host and the credentials"


#: kfp 2.17.0 ``client.py`` ``_KUBE_PROXY_PATH``: KFP through the kubeconfig's API server, in namespace group(1)
_KUBE_PROXY = r"/api/v1/namespaces/([^/]+)/services/ml-pipeline:http/proxy"


def _kube_status(body: Any) -> bool:
    """Whether ``body`` is the Kubernetes API server's own answer (a ``v1`` ``Status``: k8s.io/apiserver
    ``pkg/endpoints/handlers/responsewriters/errors.go``, its authentication filter's ``Unauthorized``), not one
    the KFP API server sent through the proxy (grpc-gateway's ``{"code", "message"}``)."""
    try:
        data = json.loads(_body_text(body))
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("kind") == "Status" and data.get("apiVersion") == "v1"


def _kube_proxy_refused(status: int, said: str, url: str, namespace: str) -> str:
    """The line for the kubeconfig's API server refusing kfp's proxy route (round 61): its credentials (401) or its
    user's RBAC on ``services/proxy`` (403). A token for KFP is no fix here (without a host ctloop refuses one,
    :func:`refuse_token_via_kubeconfig`: the kubeconfig's user would replace it)."""
    other = "or give --host the KFP URL (with a token for KFP)"
    if status == 401:
        return (f"the kubeconfig's API server refused its credentials on the way to KFP at {url}: HTTP 401{said} — "
                "fix: renew the kubeconfig's credentials (kubectl version --output=yaml answers once they work; an "
                f"expired OIDC or cloud login: log in again), check the kubeconfig context, {other}")
    return (f"the kubeconfig's user may not reach KFP through the API server at {url}: HTTP 403{said} — fix: "
            f"grant it {_proxy_rbac(namespace)}, check the kubeconfig context, {other}")


def _proxy_rbac(namespace: str) -> str:
    """The RBAC the API-server proxy route needs: ``services/proxy`` is the subresource ``proxy`` of ``services``
    (``kubectl auth can-i create services/proxy`` would ask about a service named ``proxy``); ctloop reads (GET),
    writes (POST) and deletes (DELETE: :meth:`Platform.delete_recurring_run`) through it."""
    return (f"services/proxy in namespace {namespace}, get for reads, create/delete for writes (kubectl auth can-i "
            f"create services --subresource=proxy -n {namespace})")


def _kube_api_refused(status: int, said: str, url: str, namespace: str, auth: KfpAuth) -> str:
    """The line for a Kubernetes API server's own 401/403 on the proxy route when the host or the token is the
    user's (``--host`` to the API server, ``--token``), not the kubeconfig's: the token is the API server's to
    accept, so the kubeconfig is no fix (round 61 review, M4)."""
    sent = auth.source or "the request (no token was sent)"
    if status == 401:
        return (f"the Kubernetes API server at {url} refused {sent}: HTTP 401{said} — fix: send a token that API "
                "server accepts (e.g. kubectl create token <service-account>), or give --host the KFP URL itself")
    return (f"the Kubernetes API server at {url} refused {sent}: HTTP 403{said} — fix: grant the token's user "
            f"{_proxy_rbac(namespace)}, or give --host the KFP URL itself")


def _install_settings(auth: KfpAuth) -> str:
    """The other settings of where KFP is installed, for a fix that names the one in use (:func:`install_namespace`:
    a setting wins over the variable): ``--kfp-namespace`` of every KFP command (round 61), the spec's key of the
    commands that take ``-f`` (``auth.install_spec``: ``ctloop apply``, ``ctloop doctor``)."""
    return "" if auth.install_name else f"; or {_command_settings(auth)}"


def _command_settings(auth: KfpAuth) -> str:
    """The settings of where KFP is installed that this command takes: ``--kfp-namespace``, and the spec's key
    only when it reads one (``auth.install_spec``; ``ctloop runs -f`` is no option)."""
    return "--kfp-namespace" + (f", {INSTALL_NAMESPACE_KEY} with -f" if auth.install_spec else "")


def _install_source(auth: KfpAuth) -> str:
    """The setting or variable that said where KFP is installed, for a fix that tells to change it:
    ``auth.install_name``, else the environment's (:func:`install_namespace_source`:
    :data:`TASK_INSTALL_NAMESPACE_ENV` wins over :data:`INSTALL_NAMESPACE_ENV`, so setting the latter cannot help
    while the former is set), else :data:`INSTALL_NAMESPACE_ENV` (the default: nothing was set)."""
    if auth.install_name:
        return auth.install_name
    try:
        source = install_namespace_source()[1]
    except ConfigError:  # a bad value stopped the command before any request: not reached
        return INSTALL_NAMESPACE_ENV
    return INSTALL_NAMESPACE_ENV if source == INSTALL_NAMESPACE_DEFAULT else source


def shown_install_namespace(given: str = "") -> str:
    """:func:`install_namespace` for a message (a bad value was refused before any request; never raises)."""
    try:
        return install_namespace(given)
    except ConfigError:
        return INSTALL_NAMESPACE


def _jwt_claims(auth: KfpAuth) -> dict:
    """The claims of the token of ``auth`` when it is a JWT (RFC 7519), read without verifying the signature
    (they only word a refusal KFP made); ``{}`` for an opaque token or one that cannot be read."""
    import base64

    try:
        token = auth.token or read_token_file(auth.token_file, auth.source)
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ConfigError, IndexError, TypeError, ValueError, RecursionError):
        # a payload nested past the parser's stack ([[[...: json.loads raises RecursionError)
        return {}
    return claims if isinstance(claims, dict) else {}


def _jwt_audiences(auth: KfpAuth) -> list[str]:
    """The ``aud`` claim of the token of ``auth`` (RFC 7519 §4.1.3: one string or an array of them), ``[]``
    when it has none or is no JWT."""
    aud = _jwt_claims(auth).get("aud")
    items = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    return [a for a in items if isinstance(a, str) and a]


def _behind_ingress(host: str) -> bool:
    """Whether ``host`` is KFP behind Kubeflow's Istio ingress, which routes ``/pipeline`` to the UI and its
    API proxy (kubeflow/pipelines 2.17.0 ``manifests/kustomize/base/installs/multi-user/virtual-service.yaml``):
    there Istio names the caller in a header and KFP does not review the token."""
    return urllib.parse.urlsplit(normalise_host(host)).path.rstrip("/").endswith("/pipeline")


def _jwt_expired(auth: KfpAuth) -> str:
    """When the token of ``auth`` is a JWT (a Kubernetes ServiceAccount token, an OIDC ID token: RFC
    7519) whose ``exp`` claim has passed, that time and how long ago (``2026-12-06 09:00:00 UTC, 42 min
    ago``); else empty. Read without verifying the signature: it only words the refusal KFP made."""
    import datetime
    import time

    try:
        exp = _jwt_claims(auth)["exp"]
        # RFC 7519 §4.1.4: a NumericDate, a JSON number; true is no time (float(True) said 1970-01-01)
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            return ""
        exp = float(exp)
    except (KeyError, OverflowError):  # no JWT (an opaque token), none with an exp claim: nothing to tell
        return ""
    ago = time.time() - exp
    if not 0 < ago < 100 * 365 * 86400:
        return ""
    when = datetime.datetime.fromtimestamp(exp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    span = (f"{ago / 86400:.0f} days" if ago >= 2 * 86400 else f"{ago / 3600:.0f} h" if ago >= 2 * 3600
            else f"{max(ago / 60, 1):.0f} min")
    return f"{when}, {span} ago (its exp claim)"


def _timeout_of(exc: BaseException) -> bool:
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(exc, MaxRetryError):
        exc = exc.reason or exc
    if isinstance(exc, NewConnectionError):  # a ConnectTimeoutError subclass in urllib3 2
        return False
    return isinstance(exc, (Urllib3Timeout, TimeoutError))


def _maybe_created(exc: BaseException | None) -> bool:
    """Whether a create whose call failed with ``exc`` may still have been done by the API server:
    no answer in time, a connection lost after the request went out, or a gateway in front of it
    that gave up first (an ingress' or Istio's 502/503/504 while the API server goes on)."""
    from urllib3.exceptions import MaxRetryError, ProtocolError

    if exc is None:
        return False
    if _timeout_of(exc):
        return True
    if isinstance(exc, MaxRetryError):
        exc = exc.reason or exc
    if isinstance(exc, (ProtocolError, ConnectionResetError)):
        return True
    return getattr(exc, "status", None) in (502, 503, 504)


def _proxy_unused(url: str) -> str:
    """``"; HTTPS_PROXY/https_proxy is set, …"`` when the environment names a proxy for ``url`` that
    ``NO_PROXY`` does not exempt it from: kfp 2.17.0's client connects directly unless given ``proxy=``
    (kfp-server-api 2.17.0 ``rest.py``: a ``ProxyManager`` only for ``configuration.proxy``), and so does
    :func:`probe_healthz`. Else ``""``."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    if not proxies.get(parts.scheme) or urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        return ""
    if _never_through_a_proxy(parts.hostname or ""):
        return ""
    return (f"; {parts.scheme.upper()}_PROXY/{parts.scheme}_proxy is set, and ctloop, like kfp.Client, connects "
            "to KFP directly, not through it: run it where the KFP host is reachable without the proxy (a VPN, "
            "or kubectl -n kubeflow port-forward svc/ml-pipeline-ui 8080:80 and --host http://localhost:8080)")


def _never_through_a_proxy(host: str) -> bool:
    """Whether ``host`` is one no proxy could be the way to: loopback (a port-forward: it is not
    running) or a cluster-internal name (a single label, ``*.svc``, ``*.cluster.local``: the pod's own
    network). Before round 52 the proxy note told a user whose port-forward had stopped to start one."""
    import ipaddress

    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    return "." not in host or host.endswith((".svc", ".cluster.local"))


def _is_tls(reason: Any) -> bool:
    """Whether ``reason`` is a failed TLS handshake (the standard library's, or urllib3's wrapping it)."""
    import ssl

    if isinstance(reason, ssl.SSLError):
        return True
    urllib3 = sys.modules.get("urllib3.exceptions")  # imported by whoever raised one of its errors
    return urllib3 is not None and isinstance(reason, urllib3.SSLError)


def _tls_failed(url: str, reason: Any, auth: KfpAuth) -> str:
    """The line for a TLS handshake with ``url`` that failed for ``reason``: a certificate no CA of
    ``auth`` vouches for names ``--ca-file``, one for another name says so."""
    said = one_line(_body_text(reason))[:200]
    head = f"cannot reach KFP at {url}: TLS failed ({said}) — fix: "
    if "CERTIFICATE_VERIFY_FAILED" in said and "has expired" in said:  # OpenSSL X509_V_ERR_CERT_HAS_EXPIRED
        ca = f", or the CA in {auth.ca_source} has expired: fetch the current ca.crt" if auth.ca_file else ""
        return head + ("KFP's certificate has expired (or one of its chain): renew it (cert-manager: kubectl describe "
                       f"certificate of the ingress' TLS Secret){ca}, or check this machine's clock")
    if "CERTIFICATE_VERIFY_FAILED" in said and "not yet valid" in said:  # X509_V_ERR_CERT_NOT_YET_VALID
        return head + "KFP's certificate is not valid yet: check this machine's clock"
    if "CERTIFICATE_VERIFY_FAILED" in said and "mismatch" in said:
        return head + "the certificate is not issued for this host name: give --host the name it is issued for"
    if "CERTIFICATE_VERIFY_FAILED" in said and auth.ca_file:
        return head + (f"its certificate is not signed by a CA in {auth.ca_source}: give the bundle of the CA that signed "
                       "it (the CA's certificate, e.g. ca.crt of its cert-manager Secret, not the server's own)")
    if "CERTIFICATE_VERIFY_FAILED" in said:
        return head + (f"when KFP's certificate is from a private CA (cert-manager's, your company's), give --ca-file "
                       f"({CA_FILE_ENV}) the CA bundle that signed its certificate; else check --host")
    return head + "check --host (http or https?) and the server's certificate"


def _network_error(exc: BaseException, url: str, timeout: float, auth: KfpAuth | None = None) -> str:
    if _timeout_of(exc):
        return (
            f"cannot reach KFP at {url}: no answer within {timeout:g} s — fix: check --host and "
            f"that the API is reachable from here (VPN, port-forward still running?){_proxy_unused(url)}"
        )
    reason = getattr(exc, "reason", None) or exc
    if _is_tls(reason):  # kfp.Client's urllib3 (a host from KF_PIPELINES_ENDPOINT is not probed first)
        return _tls_failed(url, reason, auth or KfpAuth(""))
    if in_cluster := re.search(r"(?:^|/)ml-pipeline\.([a-z0-9-]+)\.svc\.cluster\.local:8888/?$", url):
        # kfp's in-cluster route (kfp 2.17.0 client.py _IN_CLUSTER_DNS_NAME of Client(namespace=)): KFP elsewhere?
        # a pod's settings only: doctor's --kfp-namespace is no fix for a task or for ctloop apply in a pod
        used = auth or KfpAuth("")
        setting = (f"{used.install_name} to that namespace" if used.install_name else
                   f"{_install_source(used)} to that namespace (in a task: ctloop-settings' {INSTALL_NAMESPACE_ENV}; "
                   f"for a ctloop command: {_command_settings(used)})")
        return (f"cannot reach KFP at {url}: {_cut(str(reason))} — fix: KFP is looked for in namespace "
                f"{in_cluster.group(1)}: if it is installed elsewhere (kubectl get svc -A -l app=ml-pipeline), set "
                f"{setting}, or give --host (kfp_host) the KFP URL")
    return f"cannot reach KFP at {url}: {_cut(str(reason))} — fix: check --host ({HOST_EXAMPLES}){_proxy_unused(url)}"


def _kfp_context_has_credentials() -> bool:
    """Whether ``kfp.Client`` would add a saved cookie or header (~/.config/kfp/context.json)."""
    path = Path("~/.config/kfp/context.json").expanduser()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and bool(
        data.get("client_authentication_cookie") or data.get("client_authentication_header_value")
    )


def refuse_credentials_in_host(host: str, what: str = "--host") -> None:
    """A ConfigError (not repeating them) when the KFP URL ``host`` holds ``user:password@`` or a
    query or fragment (``?access_token=...``): kfp appends the API path to it as text. For credentials:
    kfp 2.17.0 sends no URL credentials (the generated REST client hands the host to urllib3 as
    it is), and the healthz probe looked the whole ``user:password@host`` up in DNS, so the
    password only went into the resolver's queries and every message that names the host."""
    url = normalise_host(host)
    scheme, sep, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if sep and "@" in netloc:
        shown = f"{scheme}://***@{netloc.rpartition('@')[2]}"
        raise ConfigError(f"{what} {shown!r} holds credentials (user:password@) — fix: give the KFP URL "
                          "without them and authenticate with --token or --token-file (KFP_TOKEN, "
                          "KFP_TOKEN_FILE)")
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=-1)
    if cut >= 0:
        # kfp_server_api appends /apis/v2beta1/... to the host as text: it would land in the query
        raise ConfigError(f"{what} {url[:cut] + url[cut] + '...'!r} has a query or fragment, which the KFP client "
                          "would send the API path inside (and print) — fix: give the base URL alone, e.g. "
                          "https://kubeflow.example.com/pipeline, and a token with --token or --token-file")


def normalise_host(host: str) -> str:
    """The URL ``kfp.Client`` would use for ``host`` (``https://`` when no scheme, no final /)."""
    host = host.strip()
    if host and not host.startswith("http"):
        host = "https://" + host
    return host.rstrip("/")


def can_probe_directly(host: str, auth: KfpAuth) -> bool:
    """Whether :func:`probe_healthz` sends what ``kfp.Client`` would: a host and our token, or no
    credentials of kfp's own (saved context, IAP OAuth, a googleusercontent host)."""
    if not host:
        return False
    if auth.named and (auth.token or auth.token_file):
        return True
    if os.environ.get("KF_PIPELINES_IAP_OAUTH2_CLIENT_ID") or re.match(
        r"\S+\.googleusercontent\.com/?$", host
    ):
        return False
    return not _kfp_context_has_credentials()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to explain, not to follow


def probe_healthz(host: str, auth: KfpAuth, timeout: float) -> Backend:
    """One ``GET <host>/apis/v2beta1/healthz`` with the standard library (no kfp import, so a
    wrong host or token is reported in a fraction of a second); a PlatformError explains any
    answer that is not the KFP API's."""
    import ssl

    url = normalise_host(host)
    opener, headers = _prober(auth)
    request = urllib.request.Request(f"{url}/apis/v2beta1/healthz", headers=headers)
    try:
        with opener.open(request, timeout=timeout) as resp:
            status, body, answer = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        body = exc.read()
        if exc.code == 404 and (there := _kfp_nearby(url, auth, timeout)):
            raise PlatformError(_found_nearby(url, there, host_given=True)) from exc  # Platform probes a --host
        location = exc.headers.get("Location", "") if 300 <= exc.code < 400 else ""
        raise PlatformError(
            explain_status(
                exc.code, body, dict(exc.headers), url=url, auth=auth, redirected_to=location
            )
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLError):
            raise PlatformError(_tls_failed(url, reason, auth)) from exc
        raise PlatformError(_network_error(reason, url, timeout)) from exc
    try:
        return _backend_from(url, status, body, answer, auth)
    except PlatformError as exc:
        raise _nearby_or(exc, url, status, body, answer, auth, timeout, host_given=True) from exc


def _prober(auth: KfpAuth) -> tuple[Any, dict[str, str]]:
    """The opener and headers of ctloop's own healthz requests: ``auth``'s bearer token, its CA file else
    certifi's CAs (as kfp.Client), no proxy from the environment (like kfp.Client), no redirect followed (a
    redirect is an answer to explain)."""
    import ssl

    import certifi

    headers = {"Accept": "application/json"}
    token = auth.token
    if auth.token_file:
        token = read_token_file(auth.token_file, auth.source)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=auth.ca_file or certifi.where())),
        _NoRedirect(),
    )
    return opener, headers


def _found_nearby(url: str, there: str, *, host_given: bool, said: str = "HTTP 404") -> str:
    """The fix for a host one path step off, naming the setting it came from: ``--host`` (the flag, or
    ``kfp.host``, which the CLI passes as it) when one was given, else ``KF_PIPELINES_ENDPOINT`` when that
    is the URL asked (:class:`Platform` reads the variable only without a host). ``said``: what ``url``
    answered."""
    env = os.environ.get(HOST_ENV, "")
    from_env = not host_given and env.strip() and normalise_host(env) == url
    where = f"set {HOST_ENV} to {there}, or give --host {there}" if from_env else f"give --host {there}"
    return f"no KFP API at {url}: {said} — fix: KFP answers at {there}: {where}"


def _nearby_or(refusal: PlatformError, url: str, status: int, body: Any, headers: Any, auth: KfpAuth,
               timeout: float, *, host_given: bool) -> PlatformError:
    """``refusal`` (:func:`_backend_from`'s, of a healthz answer of ``url`` that is not the KFP API's), or,
    when it was a 2xx and the API answers one path step away (:func:`_kfp_nearby`), the fix naming that URL.
    On Kubeflow every
    path outside ``/pipeline`` is the central dashboard's (kubeflow/manifests: its VirtualService matches
    ``prefix: /``; kubeflow/dashboard ``centraldashboard/app/server.ts`` ``app.get('/*')`` sends its
    ``index.html``, HTTP 200): a host without ``/pipeline``, or the dashboard's ``/_/pipeline``, gets that
    page, never the 404 on which the neighbour is looked for otherwise."""
    if not (200 <= status < 300) or not (there := _kfp_nearby(url, auth, timeout)):
        return refusal
    if _is_html(headers, body):
        title = _title(body)
        said = f"it answered with an HTML page{f' ({title!r})' if title else ''}"
    else:
        said = f"it answered healthz with {one_line(_body_text(body))[:80]!r}"
    return PlatformError(_found_nearby(url, there, host_given=host_given, said=said))


def _kfp_nearby(url: str, auth: KfpAuth, timeout: float) -> str:
    """The URL one path step from ``url`` (a host whose healthz was 404, or a page not the API's) where the KFP
    API answers, else ``""``: without ``/apis/v2beta1`` (the API base pasted whole: kfp appends it itself),
    without ``/pipeline`` (a port-forward or the in-cluster Service serve the API at the root), or with it
    (Kubeflow's ingress serves it there: kubeflow/pipelines 2.17.0
    ``manifests/kustomize/base/installs/multi-user/virtual-service.yaml``); ``/_/pipeline`` (the central
    dashboard's page of KFP, an iframe of ``/pipeline``) at ``/pipeline``.
    One request to the same scheme and server, so the token goes nowhere else."""
    opener, headers = _prober(auth)
    path = urllib.parse.urlsplit(url).path
    cut = next((len(tail) for tail in ("/apis/v2beta1", "/apis/v1beta1", "/pipeline") if path.endswith(tail)), 0)
    there = url[:-cut] if cut else url + "/pipeline"
    if path.endswith("/_/pipeline"):  # the central dashboard's page of KFP (its iframe of /pipeline)
        there = url[: -len("/_/pipeline")] + "/pipeline"
    request = urllib.request.Request(f"{there}/apis/v2beta1/healthz", headers=headers)
    try:
        with opener.open(request, timeout=timeout) as resp:
            data = json.loads(resp.read())
    except (OSError, ValueError, http.client.HTTPException):  # HTTPError, URLError are OSErrors; IncompleteRead,
        return ""  # BadStatusLine are not: a probe that only betters a message never raises
    return there if isinstance(data, dict) and ("multi_user" in data or "tag_name" in data) else ""


def _backend_from(url: str, status: int, body: Any, headers: Any, auth: KfpAuth) -> Backend:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or ("multi_user" not in data and "tag_name" not in data):
        if _is_html(headers, body):
            raise PlatformError(explain_status(status, body, headers, url=url, auth=auth))
        raise PlatformError(
            f"{url} answered healthz with {_body_text(body)[:80]!r}, not the KFP API — "
            f"fix: give --host the URL the KFP API is served at, {HOST_EXAMPLES}"
        )
    return Backend(
        url=url,
        tag_name=str(data.get("tag_name") or ""),
        commit_sha=str(data.get("commit_sha") or ""),
        multi_user=bool(data.get("multi_user")),
        pipeline_store=str(data.get("pipeline_store") or ""),
    )


def _client_class(timeout: float, auth: KfpAuth, probed: Backend | None = None, kube: tuple[str, str] = ("", "")):
    """``kfp.Client`` whose healthz is one bounded request, explained when it fails.

    kfp 2.17.0 ``Client.__init__`` (``kfp/client/client.py`` ~203) calls ``get_kfp_healthz`` when
    its context has no namespace; upstream that retries 5 times 5 s apart on any ApiException
    (401/403/404 included), logs a traceback each time and then raises ``TimeoutError``. Here
    it is one request with a timeout; the raw JSON is kept (``tag_name`` is dropped by the
    generated model) on ``ctloop_backend``. ``kube``: the kubeconfig file and context that find KFP without
    a host (empty: kfp's own route). ``ctloop_auth``: the credentials kfp sent (``auth``, or a Google token).
    """
    with pipeline_dsl():  # kfp.client imports the compiler, which needs the whole DSL
        from kfp.client import Client
    quiet_kfp_client()

    class BoundedClient(Client):
        ctloop_backend: Backend | None = None
        ctloop_auth: KfpAuth = auth

        def _get_config_with_default_credentials(self, config: Any) -> Any:
            """Upstream's in-cluster default (no host): the pipelines token through
            ``ServiceAccountTokenVolumeCredentials``, kept, but re-read by
            :func:`read_token_file` so that a file turned bad is one line naming it."""
            from kfp.client import ServiceAccountTokenVolumeCredentials

            if auth.source:  # a token the user named (no host: else kfp never comes here): it, not the pod's
                return config
            config = super()._get_config_with_default_credentials(config)
            upstream = getattr(config.refresh_api_key_hook, "__self__", None)
            if isinstance(upstream, ServiceAccountTokenVolumeCredentials):
                path = str(upstream._token_path)
            elif config.refresh_api_key_hook is None:
                # upstream swallowed the first read's error and sends no token: a missing file is
                # "no credentials" as upstream has it; a file there that is not a token is one line
                path = str(ServiceAccountTokenVolumeCredentials()._token_path)
                if not os.path.lexists(path):
                    return config
            else:
                return config
            mine = _token_file_credentials(path, f"the in-cluster pipelines token {path}")
            config.refresh_api_key_hook = mine.refresh_api_key_hook
            config.api_key_prefix["authorization"] = "Bearer"
            config.refresh_api_key_hook(config)  # a file that is no token: refused here, in one line
            return config

        def _load_config(self, host: Any, client_id: Any, *args: Any, **kwargs: Any) -> Any:
            """Upstream's, with its only account of a kubeconfig it could not load (a printed
            ``Failed to load kube config.``, then the default host) made ctloop's own error; and the token
            ctloop chose is what is sent: upstream (kfp 2.17.0 ``client.py``) tries ``existing_token``, then
            ``client_id`` (``KF_PIPELINES_IAP_OAUTH2_CLIENT_ID``: Google's OAuth flow), then an inverse-proxy host
            (:meth:`_is_inverse_proxy_host`), and ``credentials`` (a token file, a token without a host) last."""
            named = auth.named and bool(auth.token or auth.token_file)
            if named:
                client_id = None
            # kfp's ``namespace`` (its 3rd argument) is where KFP is installed; Platform never passes the profile
            args = (install_namespace(auth.install_namespace), *args[1:]) if args else args
            if "namespace" in kwargs:
                kwargs["namespace"] = install_namespace(auth.install_namespace)
            kube_file, kube_context = kube
            if not host and (kube_file or kube_context) and not client_id:
                return self._load_named_kubeconfig(kube_file, kube_context)
            # kfp's order (client.py): existing_token (named only), client_id, an inverse-proxy host, credentials
            url = normalise_host(host or "") if client_id is None else (host or "")
            route = "" if named else "iap" if client_id else "inverse-proxy" if self._is_inverse_proxy_host(url) else ""
            from google.auth.exceptions import GoogleAuthError

            with kfp_prints_dropped() as printed, kfp_logs_dropped() as logged:
                try:
                    config = super()._load_config(host, client_id, *args, **kwargs)
                except GoogleAuthError as exc:  # kfp 2.17.0 auth.py: google.auth.default() uncaught on the IAP route
                    if (setup := _google_setup_failure(exc)) is not None:  # TLS, proxy, URL, a file: no retry cures
                        target = _google_target(route, client_id or "")
                        raise ConfigError(
                            f"kfp could not get a Google token for {target}: {type(setup).__name__}: "
                            f"{_cut(str(setup), 300)} — fix: check REQUESTS_CA_BUNDLE (a TLS-intercepting "
                            "proxy's CA), HTTPS_PROXY/NO_PROXY and GOOGLE_API_USE_CLIENT_CERTIFICATE's "
                            "certificate files") from exc
                    if _google_transient(exc):  # the token endpoint, metadata server or IAM did not answer
                        raise PlatformError(_google_unreachable(route, client_id or "", exc)) from exc
                    answer = _sign_blob_answer(exc)
                    if answer == "refused":
                        raise ConfigError(_google_sign_refused(route, client_id or "", exc)) from exc
                    if answer == "missing":
                        raise ConfigError(_google_account_missing(route, client_id or "", exc)) from exc
                    raise ConfigError(_google_auth_failed(route, client_id or "", exc)) from exc
            if KUBECONFIG_FAILED in printed:
                raise _kubeconfig_failed()
            if route:
                token = config.api_key.get("authorization") or ""
                failed = next((e for e in getattr(logged, "errors", ()) if isinstance(e, GoogleAuthError)), None)
                if not token and failed is not None and _google_transient(failed):  # kfp logged it and sent none
                    raise PlatformError(_google_unreachable(route, client_id or "", failed)) from failed
                why = next((m[len(GCP_TOKEN_FAILED):] for m in logged if m.startswith(GCP_TOKEN_FAILED)), "")
                self.ctloop_auth = _google_auth(route, client_id or "", config.api_key.get("authorization") or "", auth,
                                                why=why)
            return config

        def _load_named_kubeconfig(self, path: str, context: str) -> Any:
            """Upstream's kubeconfig route (kfp 2.17.0 ``_load_config``: ``load_kube_config(client_configuration=
            config, context=kube_context)``, then the host plus ``_KUBE_PROXY_PATH``), with the kubeconfig ``path``
            it cannot take, and before its in-cluster route, as ``ctloop doctor``'s other checks read a named one
            (``ctloop.ops.doctor.kube_client``). Without a host ctloop passes kfp no proxy, CA or token here
            (refused or dropped before: :func:`kfp_inputs`)."""
            import kfp_server_api

            from ctloop.errors import ServingError
            from ctloop.serving.kube import load_kubeconfig

            config = kfp_server_api.Configuration()
            try:
                load_kubeconfig(path, context, client_configuration=config)
            except ServingError as exc:
                raise ConfigError(str(exc)) from exc
            config.host = config.host + "/" + Client._KUBE_PROXY_PATH.format(install_namespace(auth.install_namespace))
            return config

        def _is_inverse_proxy_host(self, host: str) -> bool:
            """Upstream's (a ``googleusercontent.com`` host: a Google access token), unless the user named a token."""
            return not (auth.named and (auth.token or auth.token_file)) and super()._is_inverse_proxy_host(host)

        def _load_context_setting_or_default(self) -> None:
            """Upstream (kfp 2.17.0 ``client.py``) reads ``~/.config/kfp/context.json`` with ``json.load``
            when it exists: a file that is not JSON text (binary, cut short) or a directory was a
            traceback (or, as an OSError, "cannot reach KFP"); now one line naming it."""
            path = Client._LOCAL_KFP_CONTEXT
            fix = ("— fix: correct it or remove it (kfp.Client's saved namespace and credentials; "
                   "`kfp` CLI and Client.set_user_namespace write it)")
            try:
                super()._load_context_setting_or_default()
            except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise ConfigError(f"{path}: cannot read kfp.Client's saved context ({why}) {fix}") from exc
            if not isinstance(self._context_setting, dict):
                raise ConfigError(f"{path}: kfp.Client's saved context is not a JSON object {fix}")

        def set_user_namespace(self, namespace: str) -> None:
            """In memory only. kfp 2.17.0 ``Client.__init__`` (``client.py`` ~205) calls this with the
            pod's namespace on multi-user KFP, and upstream writes it to ``~/.config/kfp/context.json``:
            in a pod whose HOME cannot be written that failed as "cannot reach KFP"."""
            self._context_setting["namespace"] = namespace

        def get_kfp_healthz(self, sleep_duration: int = 5):  # noqa: ARG002 - upstream signature
            import kfp_server_api
            from kfp_server_api.exceptions import ApiException
            from urllib3.exceptions import HTTPError

            api = self._healthz_api  # set by Client.__init__ before it calls this
            url = api.api_client.configuration.host
            auth = self.ctloop_auth  # what kfp sends (the closure's, or a Google token: _load_config)
            _bound_transport(self, timeout)
            if self.ctloop_backend is None and probed is not None:
                self.ctloop_backend = probed  # probed before kfp was imported
            if self.ctloop_backend is None:
                try:
                    resp = api.healthz_service_get_healthz(_preload_content=False)
                    body = resp.data
                except ApiException as exc:
                    if exc.status == 0:  # TLS: the generated client wraps SSLError this way
                        raise PlatformError(_tls_failed(url, exc.reason, auth)) from exc
                    if exc.status == 404 and can_probe_directly(url, auth) and (
                            there := _kfp_nearby(url, auth, timeout)):
                        raise PlatformError(_found_nearby(url, there, host_given=False)) from exc
                    raise PlatformError(
                        explain_status(exc.status, exc.body, exc.headers, url=url, auth=auth)
                    ) from exc
                except (OSError, HTTPError) as exc:
                    raise PlatformError(_network_error(exc, url, timeout, auth)) from exc
                history = getattr(getattr(resp, "retries", None), "history", None) or ()
                moved = next((h.redirect_location for h in history if h.redirect_location), "")
                headers = dict(resp.headers or {})
                if moved:
                    raise PlatformError(
                        explain_status(
                            resp.status, body, headers, url=url, auth=auth, redirected_to=moved
                        )
                    )
                try:
                    self.ctloop_backend = _backend_from(url, resp.status, body, headers, auth)
                except PlatformError as exc:
                    if not can_probe_directly(url, auth):
                        raise
                    raise _nearby_or(exc, url, resp.status, body, headers, auth, timeout, host_given=False) from exc
            return kfp_server_api.V2beta1GetHealthzResponse(
                multi_user=self.ctloop_backend.multi_user,
                pipeline_store=self.ctloop_backend.pipeline_store or None,
            )

    return BoundedClient


def _bound_transport(client: Any, timeout: float) -> None:
    """Give every request of ``client`` a timeout, no read retries, no redirects and no retry on a
    ``Retry-After`` (once per client).

    The generated REST client sends no timeout unless a call passes ``_request_timeout`` (and
    ignores a float there: only an int or a (connect, read) pair); urllib3 would also retry a timed
    out GET three times. One ``ApiClient`` serves every API of a ``kfp.Client``. A redirect is not
    followed (``redirect=False``: urllib3 returns it, the REST client raises it as an ApiException,
    :meth:`Platform._call` explains it): followed to a proxy's login page, its ``200`` HTML was read
    as an empty answer ("no runs", an experiment id ``None``), and a POST re-sent its body there.
    """
    from urllib3.util.retry import Retry

    rest = client._healthz_api.api_client.rest_client
    if getattr(rest, "ctloop_bounded", False):
        return
    # respect_retry_after_header=False: a GET answered 429 or 503 with Retry-After (a gateway's rate limit or
    # maintenance page) came back as urllib3's MaxRetryError "too many 429 error responses" (status=0 allows
    # no retry), read as "cannot reach KFP — fix: check --host"; now it is the answer, which _call explains
    rest.pool_manager.connection_pool_kw["retries"] = Retry(
        total=3, connect=1, read=0, status=0, other=0, redirect=False, respect_retry_after_header=False
    )
    request = rest.request
    pair = (timeout, timeout)

    def bounded(*args: Any, _request_timeout: Any = None, **kwargs: Any) -> Any:
        answer = request(*args, _request_timeout=_request_timeout or pair, **kwargs)
        if kwargs.get("_preload_content", True) and not _api_answer(getattr(answer, "data", b"")):
            from kfp_server_api.exceptions import ApiException

            raise ApiException(http_resp=answer)  # explained by Platform._call, as any other non-API answer
        method = args[0] if args else kwargs.get("method", "")
        if str(method).upper() not in ("GET", "HEAD", "OPTIONS"):
            rest.ctloop_writes += 1  # answered (the REST client raises on any other status than 2xx)
        return answer

    rest.request = bounded
    rest.ctloop_bounded = True
    rest.ctloop_writes = 0


def _writes_answered(client: Any) -> int:
    """The writes (not GET) the KFP API answered to ``client`` (counted by :func:`_bound_transport`;
    0 for a client given ready-made)."""
    rest = getattr(getattr(getattr(client, "_healthz_api", None), "api_client", None), "rest_client", None)
    writes = getattr(rest, "ctloop_writes", 0)
    return writes if isinstance(writes, int) else 0


def _raised_in_kfp_server_api(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while the generated ``kfp_server_api`` package read an answer: in
    its deserializer (kfp_server_api 2.17.0 ``api_client.py`` ``deserialize``, ``__deserialize*``, and
    the models it builds from there). Not what its API methods raise while building a request
    (``ApiValueError("Missing the required parameter …")``, ``ApiTypeError("Got an unexpected keyword
    argument …")``, ``api/*_api.py``), nothing sent yet: a ctloop bug, not the host's answer."""
    tb = exc.__traceback__
    last, reading = None, False
    while tb is not None:
        code = tb.tb_frame.f_code
        reading = reading or (code.co_filename.endswith(f"{os.sep}kfp_server_api{os.sep}api_client.py")
                              and "deserialize" in code.co_name)
        last, tb = tb, tb.tb_next
    return reading and last is not None and f"{os.sep}kfp_server_api{os.sep}" in last.tb_frame.f_code.co_filename


def _hollow_item(answer: Any) -> str | None:
    """Where (``pipelines[0]``) a list answer holds an item that no KFP object deserialised into, else
    ``None``. kfp_server_api 2.17.0 (``api_client.py`` ``__deserialize_model``) makes a model with every
    field ``None`` of an item that is not a JSON object (``[1]``, ``5``, ``"x"``, ``{}``) and passes a
    ``null`` through; every object the API lists carries at least its id."""
    fields = getattr(type(answer), "openapi_types", None)
    if not isinstance(fields, dict):
        return None
    for attr in fields:
        items = getattr(answer, attr, None)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            kinds = getattr(type(item), "openapi_types", None)
            if isinstance(kinds, dict) and any(getattr(item, k, None) is not None for k in kinds):
                continue
            if item is None or isinstance(kinds, dict):
                return f"{attr}[{i}]"
    return None


def _api_answer(body: Any) -> bool:
    """Whether a ``2xx`` body is one the KFP API writes: a JSON object. Every v2beta1 method answers
    its response message (``google.protobuf.Empty`` as ``{}``) as JSON through grpc-gateway
    (kubeflow/pipelines 2.17.0 ``backend/src/apiserver/main.go``), the upload endpoints too
    (``pipeline_upload_server.go``). kfp_server_api 2.17.0 (``api_client.py`` ``deserialize``) turns
    any other body into an empty model: a proxy's ``200`` HTML login page was "no runs", an
    experiment "not found", an upload's pipeline id ``None``."""
    try:
        return isinstance(json.loads(body), dict)
    except (TypeError, ValueError):
        return False


@contextmanager
def pipeline_dsl() -> Iterator[None]:
    """kfp's pipeline DSL loaded, also inside a KFP task.

    A task's executor runs with ``_KFP_RUNTIME=true``; kfp 2.17.0 then skips, in
    ``kfp/__init__.py``, importing ``kfp.dsl``, ``kfp.components`` and ``kfp.Client``, and in
    ``kfp/dsl/__init__.py`` everything but the types an executor needs (``Input``, ``Output``,
    artifacts): no ``component``, ``pipeline``, ``If``, ``ExitHandler``, ``PipelineTask``... which
    every ctloop pipeline module uses when it is imported. Even ``import kfp.client`` fails then
    (a circular import: the client imports the compiler, which needs ``kfp.dsl``'s import order:
    ``partially initialized module 'kfp.dsl.pipeline_context'``). Here the variable is cleared and
    ``kfp.dsl`` re-executed (``importlib.reload`` keeps the module object, so what the executor
    holds stays valid); the variable is restored afterwards. Outside a task this does nothing.
    """
    import kfp.dsl

    if hasattr(kfp.dsl, "pipeline"):
        yield
        return
    with setenv("_KFP_RUNTIME", "false"):
        importlib.reload(kfp.dsl)
        yield


_KFP_PRINTS: ContextVar[list[str] | None] = ContextVar("ctloop_kfp_prints", default=None)
_KFP_LOGS: ContextVar[list[str] | None] = ContextVar("ctloop_kfp_logs", default=None)
KUBECONFIG_FAILED = "Failed to load kube config."  # kfp 2.17.0 kfp/client/client.py _load_config


def quiet_kfp_client() -> None:
    """Route what the ``kfp.Client`` module prints: dropped inside ctloop's own calls
    (:func:`kfp_prints_dropped`), the builtin ``print`` everywhere else.

    kfp 2.17.0 ``kfp/client/client.py`` (outside IPython) prints ``Experiment details: <link>``
    (``create_experiment``), ``Pipeline details: <link>`` (``upload_pipeline``,
    ``upload_pipeline_version``), ``Run details: <link>`` (``run_pipeline``) and ``Failed to load
    kube config.`` (``_load_config``, which ctloop turns into its own error line): on stdout they were
    mixed into what ctloop's commands print there (``ctloop trigger``'s ``run_id=<id>``, read by
    scripts). The module's ``print`` global (it shadows the builtin) looks up a context variable, so
    a library user's own ``kfp.Client`` in the same process, or in another thread while ctloop calls
    KFP, prints as upstream does. Not a ``redirect_stdout`` around each call: that swaps
    ``sys.stdout`` for every thread, and ``ctloop doctor`` prints its lines while its KFP checks run
    in another. What kfp's modules log goes the same way (:class:`_KfpLogging`)."""
    import kfp.client.client as module

    module.print = _kfp_print  # type: ignore[attr-defined]
    for name in _KFP_LOGGING_MODULES:
        kfp_module = importlib.import_module(name)
        if not isinstance(getattr(kfp_module, "logging", None), _KfpLogging):
            kfp_module.logging = _KfpLogging()  # type: ignore[attr-defined]


#: kfp 2.17.0's modules that log with ``logging``'s module functions (the root logger): :class:`_KfpLogging`
_KFP_LOGGING_MODULES = ("kfp.client.auth", "kfp.client.client", "kfp.client.set_volume_credentials")

#: kfp 2.17.0's functions whose root-logger records ctloop's own line replaces (:class:`_KfpLogging`): ``auth.py``
#: ``get_gcp_access_token``, ``client.py`` ``_get_config_with_default_credentials``, ``set_volume_credentials.py``
#: ``_get_token`` (the token reads of ``refresh_api_key_hook``). Any other record passes: the interactive OAuth
#: flow's prompts (``auth.py`` ``get_auth_code``), and whatever a later kfp logs from a function not named here
_KFP_DROPPED = frozenset({"get_gcp_access_token", "_get_config_with_default_credentials", "_get_token"})


class _KfpLogs(list):
    """What :func:`kfp_logs_dropped` collected: the messages, one line each; ``errors``: the exceptions the records
    carried as their first argument (``auth.py`` ``logging.warning('Failed to get GCP access token: %s', e)``:
    google-auth's, whose kind a text cut by kfp's ``%s`` no longer tells)."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []


class _KfpLogging:
    """The ``logging`` that kfp's modules (:data:`_KFP_LOGGING_MODULES`) see, as :func:`quiet_kfp_client` gives
    ``client.py`` its ``print``. kfp 2.17.0 logs with the module functions (``logging.warning(...)``): ``auth.py``
    ``get_gcp_access_token`` ``Failed to get GCP access token: <error>`` (it then returns None; ctloop's line says
    what was sent), ``client.py`` ``_get_config_with_default_credentials`` ``Failed to set up default credentials.
    Proceeding without credentials...``, ``set_volume_credentials.py`` ``Failed to read a token from file``: printed
    by ``basicConfig``'s handler as ``WARNING:root:...`` before ctloop's one ``error:`` line.

    Inside ctloop's own call in this thread/context (:func:`kfp_logs_dropped`) a record of a function
    :data:`_KFP_DROPPED` names is collected, not logged; any other is logged on the root logger itself, without the
    module function's ``basicConfig``: with no handler there ``logging.lastResort`` prints it (the interactive OAuth
    flow's ``get_auth_code``: ``... Falling back to manual mode``). The root logger's handlers and filters are not
    touched, so another thread's records (urllib3's ``Retrying ...``) print as they would. Outside ctloop's calls
    (a notebook's own ``kfp.Client``) the module function runs as upstream's. ``stacklevel`` keeps kfp's function
    and file in the record."""

    def __getattr__(self, name: str) -> Any:
        return getattr(logging, name)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("debug", msg, args, kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("info", msg, args, kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("warning", msg, args, kwargs)

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("error", msg, args, kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("exception", msg, args, kwargs)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        _kfp_log("critical", msg, args, kwargs)


def _kfp_log(level: str, msg: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """One of kfp's ``logging.<level>(msg, *args)`` calls (:class:`_KfpLogging`); the caller's caller is kfp's."""
    kwargs = {**kwargs, "stacklevel": kwargs.get("stacklevel", 1) + 2}  # past this function and the shim's method
    sink = _KFP_LOGS.get()
    if sink is None:
        getattr(logging, level)(msg, *args, **kwargs)
        return
    if sys._getframe(2).f_code.co_name in _KFP_DROPPED:
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):  # logging would report it; the message is still worth keeping
            text = f"{msg} {args}"
        sink.append(one_line(text))
        if args and isinstance(args[0], BaseException) and isinstance(sink, _KfpLogs):
            sink.errors.append(args[0])
        return
    getattr(logging.root, level)(msg, *args, **kwargs)


def _kfp_print(*args: Any, **kwargs: Any) -> None:
    sink = _KFP_PRINTS.get()
    if sink is None:
        builtins.print(*args, **kwargs)
    else:
        sink.append(str(kwargs.get("sep", " ")).join(str(a) for a in args))


@contextmanager
def kfp_prints_dropped() -> Iterator[list[str]]:
    """Inside: what the ``kfp.Client`` module prints in this thread/context is collected (and not
    printed), and what the ``kfp.client`` package logs on the root logger too (:func:`kfp_logs_dropped`);
    yields the printed lines."""
    lines: list[str] = []
    token = _KFP_PRINTS.set(lines)
    try:
        with kfp_logs_dropped():
            yield lines
    finally:
        _KFP_PRINTS.reset(token)


@contextmanager
def kfp_logs_dropped() -> Iterator[list[str]]:
    """Inside: what the ``kfp.client`` package logs from the functions :data:`_KFP_DROPPED` names, in this
    thread/context, is collected, not logged (:class:`_KfpLogging`); yields the messages, one line each
    (:class:`_KfpLogs`). The root logger is left as it is."""
    quiet_kfp_client()
    messages = _KfpLogs()
    token = _KFP_LOGS.set(messages)
    try:
        yield messages
    finally:
        _KFP_LOGS.reset(token)


def _kubeconfig_failed() -> ConfigError:
    """kfp 2.17.0 ``_load_config`` swallows what ``kubernetes.config.load_kube_config`` raised (a
    bare ``except:``), prints ``Failed to load kube config.`` and goes on with the default host
    ``http://localhost``, so the error was "cannot reach KFP at http://localhost"."""
    from kubernetes.config import kube_config  # what load_kube_config read: KUBECONFIG at import

    where = os.path.expanduser(kube_config.KUBE_CONFIG_DEFAULT_LOCATION)
    return ConfigError(
        f"no --host given and the kubeconfig {where} could not be loaded (not a valid kubeconfig, "
        f"or its current context is missing) — fix: give --host ({HOST_EXAMPLES}) or set {HOST_ENV}, "
        "or fix KUBECONFIG / its current context (kubectl config current-context)"
    )


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)



def check_host_env(value: str) -> None:
    """``KF_PIPELINES_ENDPOINT`` by the rule of ``kfp.host`` (:func:`ctloop.config.http_url`; kfp
    2.17 ``client.py`` puts ``https://`` before a host that does not start with ``http``): the
    flag and the spec are checked, the variable was not (``ftp://h`` was asked for as the host
    ``ftp``, ``http://h:99x`` was "cannot reach KFP ... check --host")."""
    from ctloop.config import http_url

    if not value.strip():
        problem = "is blank: give the KFP API's URL, or unset it"
    elif value != value.strip():  # kfp.Client takes the value as it is: " http://h" is https:// + " http://h"
        problem = "has a space or line break before or after the URL: remove it"
    else:
        problem = http_url(value)
    if problem:
        from ctloop.serving.metric_sources import url_without_credentials

        masked = url_without_credentials(value)  # a password urlsplit cut ('/', '?', '#' in it) is not quoted
        shown = repr(one_line(value)) if masked is None else f"{one_line(masked)!r} (its credentials not shown)"
        raise ConfigError(f"{HOST_ENV} {shown}: {problem}; e.g. https://kubeflow.example.com/pipeline")


def subdomain_example(name: str) -> str:
    """``name`` as a DNS-1123 subdomain (:data:`ctloop.config.K8S_SUBDOMAIN`, at most 253): each
    ``.``-separated part lower-cased, every run of other characters a ``-``, ``-`` stripped, empty parts
    dropped (``Credit_.Training``: ``credit.training``, not ``credit-.training``); ``""`` when nothing of
    it is such a name: a suggestion is never one that is refused too."""
    from ctloop.config import K8S_SUBDOMAIN

    parts = (re.sub(r"[^a-z0-9]+", "-", part).strip("-") for part in name.lower().split("."))
    example = ".".join(p for p in parts if p)[:253].rstrip("-.")
    return example if K8S_SUBDOMAIN.match(example) else ""

def kfp_inputs(
    host: str = "", token: str = "", token_file: str = "", ca_file: str = "", *, environment: bool = True,
    kubeconfig: str = "", context: str = "", ca_name: str = "--ca-file", install_ns: str = "",
    install_name: str = INSTALL_NAMESPACE_KEY, install_spec: bool = False,
) -> KfpAuth:
    """The KFP host, credentials and CA bundle the user gave (arguments, then ``KF_PIPELINES_ENDPOINT``,
    ``KFP_TOKEN``, ``KFP_TOKEN_FILE``, ``KFP_CA_FILE``) checked before any request, and the credentials chosen
    (:func:`resolve_auth`); a ConfigError (one line, exit 2) for the first that cannot be used. Without
    ``environment`` the arguments alone are checked (``ctloop doctor``: the environment's are a failed check);
    ``KF_PIPELINES_ENDPOINT`` still counts as a host. ``kubeconfig``/``context``: the kubeconfig that finds KFP
    without a host (``ctloop doctor --kubeconfig/--context``), also in a pod. ``ca_name``: where ``ca_file`` came
    from, for messages. ``install_ns``: where KFP is installed, as the setting ``install_name`` gave it (else the
    environment's: :func:`install_namespace`); ``install_spec``: the command reads ctloop.yaml's
    ``kfp.install_namespace`` (it takes ``-f``), so its fixes may name that key."""
    env_host = os.environ.get(HOST_ENV, "")
    if install_ns:
        install_namespace(install_ns, install_name)  # the setting's: one line before anything is sent
    elif environment:
        install_namespace()  # KFP_INSTALL_NAMESPACE: one line before anything is sent
    if host:
        refuse_credentials_in_host(host)
    elif env_host and environment:
        refuse_credentials_in_host(env_host, HOST_ENV)
        check_host_env(env_host)
    auth = resolve_auth(host, token, token_file, environment=environment)
    no_host_given = not host and not env_host
    auth = replace(auth, install_spec=install_spec, host_given=not no_host_given)
    # KFP_CA_FILE (a profile's PodDefault) in a pod without a host: kfp talks plain HTTP to the ml-pipeline
    # service, so the file is not even read (a missing one stopped the monitoring trigger); nor to an http:// host
    plain = normalise_host(host or env_host).startswith("http://")
    env_ca_unused = (environment and not ca_file and bool(os.environ.get(CA_FILE_ENV, "").strip())
                     and (plain or (no_host_given and not (kubeconfig or context) and kfp_in_cluster())))
    ca_path, ca_source = resolve_ca_file(ca_file, environment=environment and not env_ca_unused, ca_name=ca_name)
    if (ca_path or auth.source) and no_host_given:
        in_pod = kfp_in_cluster() and not (kubeconfig or context)  # a named kubeconfig goes before kfp's pod route
        if not in_pod and not _kubeconfig_exists(kubeconfig):  # nowhere to find KFP: dropping the token would not help
            raise ConfigError(no_host())
        if ca_path:
            raise ConfigError(refuse_ca_without_host(ca_source))
        if auth.source and not in_pod:
            raise ConfigError(refuse_token_via_kubeconfig(auth.source))
    auth = replace(auth, install_namespace=install_ns, install_name=install_name) if install_ns else auth
    return replace(auth, ca_file=ca_path, ca_source=ca_source) if ca_path else auth


def task_platform(host: str = "", *, timeout: float = DEFAULT_TIMEOUT) -> Platform:
    """The :class:`Platform` a KFP task builds (``trigger_training``, ``ctloop.ops.settings.KFP_API_STEPS``):
    ``host`` (its ``kfp_host``; empty: in-cluster) verified, when it is https, with :data:`TASK_CA_FILE_ENV` (the
    ctloop-settings key ``KFP_CA_FILE``) as its CA bundle, which wins over a ``KFP_CA_FILE`` a PodDefault set;
    where KFP is installed: :func:`install_namespace`."""
    ca_file = os.environ.get(TASK_CA_FILE_ENV, "").strip()
    https = normalise_host(host or os.environ.get(HOST_ENV, "")).startswith("https://")
    return Platform(host=host, ca_file=ca_file if https else "", ca_name=TASK_CA_FILE_ENV, timeout=timeout)


class Platform:
    """ctloop's operations on one KFP endpoint (all through a real ``kfp.Client``).

    Args:
        host: KFP API URL; empty = ``KF_PIPELINES_ENDPOINT``, else ``kfp.Client``'s discovery.
        token: Bearer token (else ``token_file``, ``KFP_TOKEN``, ``KFP_TOKEN_FILE``, the
            in-cluster pipelines token, ``kfp.Client``'s own credentials).
        namespace: KFP namespace (multi-user Kubeflow: the profile); empty = ``kfp.Client``'s
            context, else on multi-user KFP the namespace of the pod this runs in
            (:func:`pod_namespace`: a KFP task's profile).
        client: A ready ``kfp.Client`` (tests); skips connecting and the version check.
        token_file: File with a bearer token, re-read before every request.
        ca_file: PEM bundle of the CA that signed KFP's certificate (else ``KFP_CA_FILE``, else
            certifi's public CAs); needs a host (``host`` or ``KF_PIPELINES_ENDPOINT``).
        kubeconfig: Without a host, the kubeconfig whose API server's proxy reaches KFP (else kfp.Client's:
            the in-cluster service in a pod, else ``KUBECONFIG`` as read when kubernetes was imported).
        context: That kubeconfig's context (default: its current one).
        ca_name: Where ``ca_file`` came from, for messages (default ``--ca-file``).
        install_namespace: Where KFP is installed, found without a host (ctloop.yaml's ``kfp.install_namespace``,
            a KFP command's ``--kfp-namespace``; empty: ``KFP_INSTALL_NAMESPACE``, else ``kubeflow``).
        install_name: The setting ``install_namespace`` came from, for messages.
        install_spec: The command reads ctloop.yaml's ``kfp.install_namespace`` (takes ``-f``), for messages.
        timeout: Seconds every request may take (connect and read).
        allow_old_backend: Write pipelines and runs to a backend older than 2.15.0 anyway.
        warn: Where warnings go (default: ``warning: ...`` on stderr).
    """

    def __init__(
        self,
        host: str = "",
        token: str = "",
        namespace: str = "",
        client: Any = None,
        *,
        token_file: str = "",
        ca_file: str = "",
        timeout: float = DEFAULT_TIMEOUT,
        allow_old_backend: bool = False,
        warn: Callable[[str], Any] | None = None,
        kubeconfig: str = "",
        context: str = "",
        ca_name: str = "--ca-file",
        install_namespace: str = "",
        install_name: str = INSTALL_NAMESPACE_KEY,
        install_spec: bool = False,
    ):
        self.host = host
        self.namespace = namespace
        self.timeout = float(timeout)
        self.allow_old_backend = allow_old_backend
        self.warn = warn or _warn
        self.backend: Backend | None = None
        self._backend_checked = False
        self._answered = 0  # calls KFP answered (with these credentials): see explain_status(accepted=)
        if client is not None:
            self.client = client
            self.auth = KfpAuth("")
            return
        if not self.timeout > 0:
            raise ConfigError(f"timeout {timeout!r}: give a number of seconds > 0")
        self.auth = kfp_inputs(host, token, token_file, ca_file, kubeconfig=kubeconfig, context=context,
                               ca_name=ca_name, install_ns=install_namespace, install_name=install_name,
                               install_spec=install_spec)
        if not host and not _discoverable(kubeconfig):
            raise ConfigError(no_host())
        kwargs: dict[str, Any] = {}
        if host:
            kwargs["host"] = host
        if self.auth.token and not (host or os.environ.get(HOST_ENV)):  # kfp finds KFP: in a pod (else refused)
            kwargs["credentials"] = _StaticTokenCredentials(self.auth.token)
        elif self.auth.token:
            kwargs["existing_token"] = self.auth.token
        elif self.auth.token_file:
            kwargs["credentials"] = _token_file_credentials(self.auth.token_file, self.auth.source)
        if self.auth.ca_file:
            kwargs["ssl_ca_cert"] = self.auth.ca_file
        # never kfp.Client's ``namespace``: without a host it is where KFP is installed (2.17.0
        # ``_load_config``: ml-pipeline.<namespace>.svc, the kubeconfig proxy of <namespace>), not the
        # profile; every call below passes the profile itself
        from urllib3.exceptions import HTTPError

        probed = None
        if can_probe_directly(host, self.auth):
            probed = probe_healthz(host, self.auth, self.timeout)  # fails fast, before kfp loads
        cls = _client_class(self.timeout, self.auth, probed, kube=(kubeconfig, context))
        where = host or os.environ.get(HOST_ENV) or "(in-cluster/kubeconfig)"
        try:
            with warnings.catch_warnings(), kfp_prints_dropped():
                warnings.filterwarnings("ignore", "This client only works", FutureWarning)
                self.client = cls(**kwargs)  # one bounded healthz unless a namespace is known
                if self.client.ctloop_backend is None:
                    self.client.get_kfp_healthz()
        except (OSError, HTTPError) as exc:  # raised by kfp.Client while configuring
            raise PlatformError(_network_error(exc, where, self.timeout, self.auth)) from exc
        self.auth = self.client.ctloop_auth  # what kfp sent: a Google token when its Google route came first
        self.backend = self.client.ctloop_backend
        self.host = self.backend.url if self.backend else host
        if not self.namespace:
            with kfp_prints_dropped():
                self.namespace = self.client.get_user_namespace() or ""
        if not self.namespace and self.backend is not None and self.backend.multi_user:
            self.namespace = pod_namespace()  # a KFP task (a monitoring trigger): its own profile

    # ------------------------------------------------------------------ backend
    def require_backend(self, what: str) -> None:
        """Refuse ``what`` (a write whose pipeline marks ConfigMap/Secret refs optional) against a
        backend older than 2.15.0 unless ``allow_old_backend``; warn when the version is unknown."""
        if self.backend is None or self._backend_checked:
            return
        self._backend_checked = True
        version = self.backend.version
        if version is None:
            self.warn(
                f"the KFP backend at {self.backend.url} does not say its release "
                f"(tag_name {self.backend.tag_name or 'missing'!r}); ctloop needs >= "
                f"{_min_backend()}: on older backends every task of a run whose "
                "ConfigMap/Secret keys are missing fails (CreateContainerConfigError)"
            )
            return
        if version >= MIN_BACKEND:
            return
        message = (
            f"the KFP backend at {self.backend.url} is {self.backend.tag_name}; ctloop's pipelines "
            f"need >= {_min_backend()}, which honours their optional ConfigMap/Secret references "
            f"(on {self.backend.tag_name} every task whose keys are missing fails with "
            "CreateContainerConfigError)"
        )
        if self.allow_old_backend:
            self.warn(message + "; continuing (--allow-old-backend)")
            return
        self._backend_checked = False
        raise PlatformError(
            f"{what}: {message} — fix: upgrade KFP to >= {_min_backend()}, or, when `ctloop "
            "doctor` shows every ConfigMap/Secret key present, pass --allow-old-backend"
        )

    def verify_access(self) -> None:
        """One authenticated, authorised read (healthz is open even where the API is not):
        the experiments of the namespace on multi-user KFP, else the pipelines."""
        if self.backend is not None and self.backend.multi_user:
            self._need_namespace("list experiments", self.namespace)
            self._call(
                "list experiments",
                self.client.list_experiments,
                page_size=1,
                namespace=self.namespace,
            )
        else:
            self._call("list pipelines", self.client.list_pipelines, page_size=1)

    def _need_namespace(self, what: str, namespace: str) -> None:
        if self.backend is not None and self.backend.multi_user and not namespace:
            raise ConfigError(
                f"{what}: KFP at {self.backend.url} is multi-user, so experiments and runs live in "
                "a profile namespace — fix: give --namespace <profile> (kfp.namespace in "
                "ctloop.yaml)"
            )

    def _call(self, what: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call the KFP API; an HTTP error becomes one PlatformError line with the fix."""
        from kfp_server_api.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        url = self.host or "KFP"
        try:
            with kfp_prints_dropped():  # kfp's links; ctloop says itself what it created
                answer = fn(*args, **kwargs)
            if (hollow := _hollow_item(answer)) is not None:
                raise PlatformError(
                    f"KFP API {what} failed: {url} answered with JSON that is not the KFP API's ({hollow} is not an "
                    f"object the API lists) — fix: give --host the URL the KFP API is served at, {HOST_EXAMPLES}")
            self._answered += 1
            return answer
        except ApiException as exc:
            if (
                exc.status in (401, 403, 429)
                or (exc.status and 300 <= exc.status < 400)
                or _is_html(exc.headers, exc.body)
                or (exc.status and exc.status >= 500 and not _from_api_server(exc.body))  # a proxy's, not KFP's
            ):
                multi_user = self.backend is not None and self.backend.multi_user
                accepted = self._answered
                if exc.status == 401 and _grpc_code(exc.body) == 16:
                    # KFP's own Unauthenticated (no user identity): with MULTIUSER_SHARED_READ a get or list
                    # passes before the identity is looked at (2.17.0 resource_manager.go IsAuthorized), so
                    # only a write KFP accepted shows it took these credentials
                    accepted = _writes_answered(self.client)
                line = explain_status(exc.status, exc.body, exc.headers, url=url, auth=self.auth,
                                      accepted=accepted, namespace=self.namespace if multi_user else "")
                raise PlatformError(f"KFP API {what} failed: {line}") from exc
            if exc.status and 200 <= exc.status < 300:  # no JSON object: not the KFP API's answer
                raise PlatformError(
                    f"KFP API {what} failed: {url} answered HTTP {exc.status} with "
                    f"{one_line(_body_text(exc.body)[:80])!r}, not the KFP API's JSON — fix: {self._not_api_fix()}"
                ) from exc
            message = _json_message(exc.body)
            fix = ""
            if exc.status == 400 and ("multi-user mode" in message or "Namespace is required" in message):
                fix = " — fix: KFP is multi-user: give --namespace <profile> (kfp.namespace)"
            elif exc.status == 404 and _from_api_server(exc.body):
                # the API server looked the object up and has it not: deleted since this command found it
                fix = (" — fix: KFP no longer has it (deleted since this command looked it up?): run the command "
                       "again")
            elif exc.status == 404:
                fix = " — fix: check --host (it must reach the KFP API) and the ids"
            raise PlatformError(
                f"KFP API {what} failed: HTTP {exc.status} {exc.reason}: {message}{fix}"
            ) from exc
        except (OSError, HTTPError) as exc:  # refused, DNS, TLS, retries exhausted, timeout
            raise PlatformError(
                f"KFP API {what}: " + _network_error(exc, url, self.timeout, self.auth)
            ) from exc
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            if not _raised_in_kfp_server_api(exc):
                raise
            # a JSON object whose fields are not the API's types ({"pipelines": 5}): kfp_server_api 2.17.0's
            # deserializer (api_client.py __deserialize) fails on it with a TypeError/ValueError
            raise PlatformError(
                f"KFP API {what} failed: {url} answered with JSON that is not the KFP API's ({type(exc).__name__}: "
                f"{one_line(str(exc))[:120]}) — fix: give --host the URL the KFP API is served at, {HOST_EXAMPLES}"
            ) from exc

    def _not_api_fix(self) -> str:
        """The fix for a 2xx answer that is no JSON at all: the host, unless KFP at this host answered this command
        already (its healthz with the KFP API's JSON, or a call): then something between cut or replaced this one
        answer (a proxy's page, a body cut short), and another --host would not help. (JSON of other types keeps
        naming the host: another service behind a path, test_fix41e_kfp_client_side_errors.)"""
        if self.backend is None and not self._answered:
            return f"give --host the URL the KFP API is served at, {HOST_EXAMPLES}"
        if not self._answered and self._sent_nothing():
            # healthz is often left open by the proxy in front of KFP, which answers unauthenticated calls itself
            return ("healthz answered as the KFP API but this first call, sent without a token, did not: a proxy in "
                    "front of KFP answering calls without credentials? give a token (--token-file, KFP_TOKEN), or "
                    f"give --host the URL the KFP API is served at, {HOST_EXAMPLES}")
        return ("KFP at this host answered this command before (healthz as the KFP API), so a proxy or the connection "
                "between cut or replaced this answer: run the command again; if it persists, check the ingress or "
                f"proxy in front of KFP (kubectl -n {shown_install_namespace(self.auth.install_namespace)} get pods "
                "-l app=ml-pipeline for the API server)")

    def _sent_nothing(self) -> bool:
        """Whether kfp's calls went without credentials, from what its client put in them (kfp 2.17.0 ``client.py``
        ``_load_config``/``__init__``: the configuration's ``api_key`` (a token ctloop named, a Google token, the
        pipelines token kfp reads itself in a pod, ``refresh_api_key_hook`` having set it for the call), a client
        certificate, the saved context's cookie or header). The kubeconfig's API-server proxy route is left out
        (False): its credentials are the kubeconfig's. A client given to :class:`Platform` (tests): what ctloop
        resolved."""
        config = getattr(self.client, "_existing_config", None)
        if config is None:
            return not (self.auth.token or self.auth.token_file or self.auth.google)
        if re.search(r"/api/v1/namespaces/[^/]+/services/ml-pipeline:http/proxy/?$", str(config.host or "")):
            return False
        api_client = getattr(getattr(self.client, "_healthz_api", None), "api_client", None)
        return not (any((config.api_key or {}).values()) or config.cert_file
                    or getattr(api_client, "cookie", None) or (getattr(api_client, "default_headers", None) or {})
                    .keys() - {"User-Agent"})

    # ------------------------------------------------------------------ pipelines
    @property
    def pipeline_namespace(self) -> str:
        """Where this platform's pipelines live: the profile namespace on multi-user KFP, else none
        (shared). KFP 2.15-2.17 keeps pipelines per namespace in multi-user mode (v2beta1
        ``pipeline.proto`` ``Pipeline.namespace``; ``pipeline_upload_server.go`` reads
        ``?namespace=``, ``ReplaceNamespace`` drops it in single-user mode; names are unique per
        namespace): shared ones are one pipeline for every team, so one team's upload was another
        team's newest version."""
        return self.namespace if self.backend is not None and self.backend.multi_user else ""

    def find_pipeline(self, name: str, shared: bool = False) -> str | None:
        found = self._pipeline(name, shared)
        return found.pipeline_id if found is not None else None

    def _pipeline(self, name: str, shared: bool = False) -> Any:
        """The id of pipeline ``name`` in :attr:`pipeline_namespace` (``shared``: among the shared
        pipelines), ``None`` when there is none. Looked up by ``name``, the key an upload collides on
        (kubeflow/pipelines 2.15.0-2.17.0 ``model/pipeline.go``: ``Name`` is unique per namespace, the
        upload sets it from ``?name=``), not by the display name: a pipeline ``continuous-training``
        showing another display name was not found, and every upload of it was refused 409."""
        namespace = "" if shared else self.pipeline_namespace
        try:
            resp = self._call(
                "list pipelines",
                self.client.list_pipelines,
                filter=_filter("name", name),
                page_size=10,
                namespace=namespace or None,
            )
        except PlatformError as exc:
            # REQUIRE_NAMESPACE_FOR_PIPELINES refuses a list without one (ValidateNamespaceRequired,
            # pipeline_server.go ListPipelines, 2.17.0): such a server has no shared pipelines to find
            if shared and self.pipeline_namespace and "Namespace is required" in str(exc):
                return None
            raise
        # the filter matches as KFP's MySQL 8 compares by default (utf8mb4_0900_ai_ci), and the upload of
        # `name` collides with what it answers (409): the exact spelling first, else what the server matched
        return _filtered_match(resp.pipelines or [], name, lambda p: p.name or p.display_name)

    def _pages(self, what: str, method: Any, field: str, page_size: int = PAGE, **query: Any) -> Iterator[Any]:
        """Every item of a KFP list call, page after page (``next_page_token``). A token answered
        twice (a proxy or cache that drops the query string serves the first page again) is an
        error, not an endless loop."""
        token, seen = "", set()
        while True:
            resp = self._call(what, method, page_token=token, page_size=page_size, **query)
            yield from getattr(resp, field, None) or []
            token = resp.next_page_token or ""
            if not token:
                return
            if token in seen:
                raise PlatformError(f"KFP API {what}: {self.host or 'KFP'} answered the page token "
                                    f"{one_line(token)[:40]!r} again (a proxy or cache in front of the API that ignores "
                                    "the query?) — fix: let ?page_token= through to the KFP API")
            seen.add(token)

    def versions(self, pipeline_id: str) -> list[Any]:
        return list(self._pages("list pipeline versions", self.client.list_pipeline_versions, "pipeline_versions",
                                pipeline_id=pipeline_id))

    @contextmanager
    def _refused(self, name: str) -> Iterator[None]:
        """An upload into a profile namespace that the server refuses says why and what to do: the
        upload server answers a denied SubjectAccessReview with only ``400 Failed to create a
        pipeline`` (``canUploadVersionedPipeline``, ``pipeline_upload_server.go``, 2.17.0)."""
        try:
            yield
        except PlatformError as exc:
            namespace = self.pipeline_namespace
            if not namespace or "HTTP 400" not in str(exc) or "Failed to create" not in str(exc):
                raise
            audiences = _jwt_audiences(self.auth)
            google = bool(self.auth.google)  # a Google token: no Kubernetes token's audience or recipe applies
            if audiences and KFP_TOKEN_AUDIENCE not in audiences and not _behind_ingress(self.host) and not google:
                # the same 400 for a token KFP cannot authenticate (IsAuthorized's Unauthenticated): reached
                # without Istio's kubeflow-userid header, KFP reviews the token for its own audience, and with
                # MULTIUSER_SHARED_READ every get and list before passed without an identity (2.17.0
                # resource/resource_manager.go IsAuthorized)
                recipe = f"{TOKEN_RECIPE} --audience {KFP_TOKEN_AUDIENCE}".replace("<profile>", namespace)
                raise PlatformError(
                    f"{exc}: KFP's upload answers so when it cannot authenticate the caller too, and "
                    f"{_sent_token(self.auth)} is for the audience {', '.join(audiences)}, while KFP, reached without the Kubeflow "
                    f"ingress, reviews tokens for {KFP_TOKEN_AUDIENCE!r} (reads pass without that under "
                    f"MULTIUSER_SHARED_READ) — fix: create one for it: {recipe} (what the PodDefault "
                    "access-ml-pipeline projects), or give --host the Kubeflow ingress URL (…/pipeline), which "
                    "identifies you itself"
                ) from exc
            if google and not self.auth.token:
                who = f"a caller without a token ({self.auth.source.removeprefix('no token: ')})"
            else:
                who = f"the identity of {_sent_token(self.auth).removeprefix('the token from ')}" if self.auth.source \
                    else "this identity"
            how = ("use Google credentials of a contributor of profile " + namespace + " (" + _renew(self.auth) + ")"
                   if google else f"use a token of a contributor of profile {namespace}, e.g. "
                   f"KFP_TOKEN=\"$(kubectl -n {namespace} create token default-editor)\"")
            raise PlatformError(
                f"{exc} — KFP is multi-user and did not let {who} create pipeline {name!r} in namespace "
                f"{namespace!r} — fix: {how}, or set kfp.namespace (--namespace) to your own profile"
            ) from exc

    def ensure_pipeline(
        self, name: str, package_path: str | Path, dry_run: bool = False, commit: str | None = None
    ) -> UploadResult:
        """Create the pipeline, add a version, or do nothing when a version already holds this
        content (whatever its age: two specs of other images share a pipeline without churn)."""
        check_name(name, "pipeline name", "continuous-training", "pipeline")
        self.check_pipeline_name(name)
        self.require_backend(f"pipeline {name}")
        digest = content_hash(package_path)
        vname = version_name(commit)
        description = f"ctloop pipeline {name}; {HASH_MARK}{digest}"
        pid = self._found_as(name, self._pipeline(name))
        if pid is None:
            if dry_run:
                return UploadResult("", "", name, "would-create")
            try:
                with self._refused(name):
                    pipeline = self._call(
                        "upload pipeline",
                        self.client.upload_pipeline,
                        str(package_path),
                        pipeline_name=name,
                        description=description,
                        namespace=self.pipeline_namespace or None,
                    )
            except PlatformError as exc:
                # 409: another apply created it since the lookup (names are unique per namespace,
                # 2.17.0 pipeline_upload_server.go UploadPipeline): go on with that one
                if getattr(exc.__cause__, "status", None) != 409:
                    raise
                if (pid := self._found_as(name, self._pipeline(name))) is None:
                    raise PlatformError(
                        f"{exc} — KFP holds a pipeline whose name its database takes for {one_line(name)!r} "
                        "(MySQL compares names without regard to case or accents), which ctloop cannot find "
                        "— fix: look for it in the KFP UI and use its name (--pipeline-name) or another name"
                    ) from exc
            else:
                # the server names the first version after the pipeline, with its description
                first = self.versions(pipeline.pipeline_id)[0]
                return UploadResult(
                    pipeline.pipeline_id, first.pipeline_version_id, first.display_name, "created"
                )
        versions = self.versions(pid)
        found = self._version_with(versions, digest)
        if found is not None:
            return UploadResult(pid, found.pipeline_version_id, found.display_name, "unchanged")
        wanted = vname
        vname = self._free_version_name(versions, wanted, digest)
        if dry_run:
            return UploadResult(pid, "", vname, "would-add-version")
        for attempt in (1, 2):
            try:
                with self._refused(name):
                    v = self._call(
                        "upload pipeline version",
                        self.client.upload_pipeline_version,
                        str(package_path),
                        pipeline_version_name=vname,
                        pipeline_id=pid,
                        description=description,
                    )
            except PlatformError as exc:
                if getattr(exc.__cause__, "status", None) != 409:
                    raise
                # 409: the name was taken since the listing (2.17.0 model/pipeline_version.go: Name is unique
                # per pipeline, uniqueIndex idx_pipelineid_name): by another apply with this content (then
                # that version is the one), else by someone else: the next free name, once
                versions = self.versions(pid)
                if (found := self._version_with(versions, digest)) is not None:
                    return UploadResult(pid, found.pipeline_version_id, found.display_name, "unchanged")
                taken, vname = vname, self._free_version_name(versions, wanted, digest)
                if attempt == 2 or vname == taken:
                    raise PlatformError(
                        f"pipeline {one_line(name)}: KFP refused the version name {taken!r} (HTTP 409: the pipeline "
                        "has a version of that name) and no version of the pipeline holds this content — fix: "
                        f"delete or rename the version {taken!r} of pipeline {one_line(name)} in the KFP UI if "
                        "it is not in use, then retry") from exc
                continue
            return UploadResult(pid, v.pipeline_version_id, vname, "new-version")
        raise AssertionError("unreachable")

    def check_pipeline_name(self, name: str) -> None:
        """Refuse pipeline ``name`` before anything is sent when KFP keeps pipelines as Kubernetes objects
        (healthz ``pipeline_store: kubernetes``): the name is then an object name, a DNS-1123 subdomain
        (kubeflow/pipelines 2.17.0 ``storage/pipeline_store_kubernetes.go`` ``CreatePipeline``), which
        the database store does not require; ctloop's version names (``0.1.0-1a2b3c4``) are such names."""
        from ctloop.config import K8S_SUBDOMAIN

        if self.backend is None or self.backend.pipeline_store != "kubernetes":
            return
        if len(name) <= 253 and K8S_SUBDOMAIN.match(name):
            return
        example = subdomain_example(name)
        raise ConfigError(
            f"pipeline name {one_line(name)!r}: KFP at {self.backend.url} keeps pipelines as Kubernetes objects "
            "(pipeline_store kubernetes), whose names are lower-case letters, digits, '-' and '.', starting and "
            f"ending with a letter or digit, at most 253 — fix: give --pipeline-name such a name"
            + (f", e.g. {example}" if example else "")
        )

    def _found_as(self, name: str, found: Any) -> str | None:
        """The id of pipeline ``found`` (``None``: none), with a warning when KFP holds it under
        another spelling of ``name``: the one its uploads go to."""
        if found is None:
            return None
        stored = found.name or found.display_name
        if stored != name:
            self.warn(f"pipeline {one_line(name)!r}: KFP holds it as the pipeline {one_line(stored)!r} (its "
                      "database compares names without regard to case or accents): adding to that one")
        return found.pipeline_id

    @staticmethod
    def _free_version_name(versions: list[Any], wanted: str, digest: str) -> str:
        """``wanted`` (``<package version>-<commit>``) unless a version of the pipeline has that name
        already (uploaded by hand, or by ctloop with other content: a dirty tree, another image), then
        ``wanted-<content hash>``, then that with ``-2``, ``-3``...: the first free one, the same for
        every apply of this content. KFP 2.17.0 keeps version names unique per pipeline on ``Name``
        (``model/pipeline_version.go`` ``uniqueIndex:idx_pipelineid_name``), which the upload endpoint
        takes from ``?name=`` (``pipeline_upload_server.go`` ``UploadPipelineVersion``); a version made
        through ``POST /pipelines/{id}/versions`` may show another ``display_name``, so both are taken.
        Compared as MySQL's default collation compares (:func:`collation_key`; costless where not)."""
        taken = {collation_key(str(n)) for v in versions for n in (getattr(v, "name", None), v.display_name) if n}
        candidates = itertools.chain((wanted, f"{wanted}-{digest[:10]}"),
                                     (f"{wanted}-{digest[:10]}-{i}" for i in itertools.count(2)))
        return next(c for c in candidates if collation_key(c) not in taken)

    @staticmethod
    def _version_with(versions: list[Any], digest: str) -> Any:
        """The version whose description carries the content hash ``digest``; ``None`` when none does."""
        return next((v for v in versions if f"{HASH_MARK}{digest}" in (v.description or "")), None)

    # ------------------------------------------------------------------ experiments
    def _experiment(self, name: str, namespace: str = "") -> Any:
        """The experiment ``name`` of the namespace (a ``V2beta1Experiment``), ``None`` when there is none:
        its exact spelling, else another spelling KFP's database holds for the same name
        (:func:`_same_name`: ``Credit`` is the experiment ``credit``, a create of it refused 409)."""
        namespace = namespace or self.namespace
        self._need_namespace(f"experiment {name}", namespace)
        resp = self._call(
            "list experiments",
            self.client.list_experiments,
            filter=_filter("display_name", name),
            page_size=10,
            namespace=namespace or None,
        )
        return _filtered_match(resp.experiments or [], name, lambda exp: exp.display_name)

    def find_experiment(self, name: str, namespace: str = "") -> str:
        found = self._experiment(name, namespace)
        return found.experiment_id if found is not None else ""

    def experiment_names(self, namespace: str = "", limit: int = 10) -> list[str]:
        """The names of up to ``limit`` experiments of the namespace (for a message naming what exists)."""
        namespace = namespace or self.namespace
        self._need_namespace("list experiments", namespace)
        names: list[str] = []
        for exp in self._pages("list experiments", self.client.list_experiments, "experiments",
                               page_size=min(limit, MAX_PAGE), namespace=namespace or None):
            names.append(str(exp.display_name or exp.experiment_id))
            if len(names) >= limit:
                break
        return names

    def experiments_said(self, namespace: str = "", shown: int = 10) -> str:
        """Up to ``shown`` experiment names of the namespace for a message, ``, ...`` only when there are
        more (one more is asked: before round 52 a namespace of exactly 10 was said to hold more); ``none``."""
        names = self.experiment_names(namespace, limit=shown + 1)
        if not names:
            return "none"
        return ", ".join(repr(one_line(n)) for n in names[:shown]) + (", ..." if len(names) > shown else "")

    def ensure_experiment(self, name: str, namespace: str = "", dry_run: bool = False) -> str:
        """The experiment's id, created unless ``dry_run`` (then ``""`` when it does not exist).

        An archived experiment is refused: archiving (kubeflow/pipelines 2.17.0
        ``resource_manager.go`` ``ArchiveExperiment``) disables its recurring runs, and nothing in the
        API server stops enabling them again (``ChangeJobMode``) or creating runs and recurring runs in
        it (``CreateRun``, ``CreateJob``): ``apply`` re-enabled the schedules someone had stopped."""
        check_name(name, "experiment", "ctloop", "experiment")
        namespace = namespace or self.namespace
        experiment = self._experiment(name, namespace)
        found = experiment.experiment_id if experiment is not None else ""
        if found and str(getattr(experiment, "storage_state", "") or "").upper() == "ARCHIVED":
            raise ConfigError(
                f"experiment {one_line(name)!r} ({found}) is archived: archiving disabled its schedules, and ctloop "
                "neither enables them again nor starts runs in it — fix: restore it (KFP UI: Experiments, Archived, "
                f"Restore; or kfp.Client().unarchive_experiment({found!r})) to run it again, or give another "
                "experiment (kfp.experiment, --experiment)")
        if found or dry_run:
            return found
        try:
            created = self._call(
                "create experiment",
                self.client.create_experiment,
                name=name,
                namespace=namespace or None,
            )
        except PlatformError as exc:
            # 409: created by another process since the lookup (two monitoring triggers, two applies):
            # names are unique per namespace (2.17.0 storage/experiment_store.go CreateExperiment,
            # AlreadyExistError); go on with that one
            if getattr(exc.__cause__, "status", None) != 409 or not (found := self.find_experiment(name, namespace)):
                raise
            return found
        return created.experiment_id

    # ------------------------------------------------------------------ recurring runs
    @staticmethod
    def schedule_hash(
        pipeline_id: str,
        version_id: str,
        cron: str,
        params: dict,
        no_catchup: bool,
        max_concurrency: int,
        enabled: bool,
        service_account: str = "",
        marks: dict[str, str] | None = None,
    ) -> str:
        """The hash of everything that defines a schedule; ``marks`` (pins, owner) only when there
        are any, so the schedules of a spec without them keep the hash they were created with."""
        defined = {
            "pipeline": pipeline_id,
            "version": version_id,
            "cron": cron,
            "params": params,
            "no_catchup": no_catchup,
            "max_concurrency": max_concurrency,
            "enabled": enabled,
            "service_account": service_account,
        }
        if marks:
            defined["marks"] = marks
        blob = json.dumps(defined, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def recurring_runs(self, experiment_id: str, job_name: str) -> list[Any]:
        return [r for r in self._pages("list recurring runs", self.client.list_recurring_runs, "recurring_runs",
                                       experiment_id=experiment_id) if r.display_name == job_name]

    def in_flight(self, experiment_id: str, recurring_run_id: str) -> bool:
        """Whether a run started by ``recurring_run_id`` is still active, among every run of the
        experiment (page by page, newest first: a run older than the newest page is still owned
        by its ScheduledWorkflow, and deleting the schedule would delete it). The experiment may be
        gone: kubeflow/pipelines 2.17.0 deletes only its row (``storage/experiment_store.go``
        ``DeleteExperiment``), its recurring runs stay and keep firing, and listing runs by its id
        is a 404 (``run_server.go`` ``listRuns``); then the runs of the namespace are listed by
        ``recurring_run_id`` (a v2beta1 filter key, ``model/run.go``)."""
        def runs() -> Iterator[Any]:
            try:
                yield from self._pages("list runs", self.client.list_runs, "runs", experiment_id=experiment_id,
                                       sort_by="created_at desc")
            except PlatformError as exc:
                if getattr(exc.__cause__, "status", None) != 404:
                    raise
                yield from self._pages("list runs", self.client.list_runs, "runs", namespace=self.namespace or None,
                                       filter=_filter("recurring_run_id", recurring_run_id))

        return any(getattr(r, "recurring_run_id", None) == recurring_run_id and _state(r.state) in ACTIVE_STATES
                   for r in runs())

    def foreign_schedules(self, pipeline_ids: set[str], names: set[str], keep: set[tuple[str, str]],
                          namespace: str = "", owner: str = "") -> list[Any]:
        """Recurring runs of ``pipeline_ids`` in any experiment (of ``namespace``) that belong to
        the spec but are not ``keep`` (``(experiment id, job name)`` pairs): the schedules of its
        models it no longer declares — a schedule removed, ``kfp.experiment`` renamed, a model
        removed. A schedule marked ``ctloop-spec:<name>`` belongs to the spec named ``owner`` (so
        a removed model's is found), never to another; an unmarked one (made by an unnamed spec
        or before marks) to a spec that declares its name in ``names``. Another spec may share the
        namespace: its marked schedules, and the unmarked ones of other names, are not touched."""
        namespace = namespace or self.namespace
        found = []
        for r in self._pages("list recurring runs", self.client.list_recurring_runs, "recurring_runs",
                             namespace=namespace or None):
            if getattr(getattr(r, "pipeline_version_reference", None), "pipeline_id", None) not in pipeline_ids:
                continue
            if (r.experiment_id, r.display_name) in keep:
                continue
            mark = re.search(rf"{re.escape(OWNER_MARK)}([a-z0-9-]+)", r.description or "")
            if (mark.group(1) == owner) if mark else (r.display_name in names):
                found.append(r)
        return found

    def retire(self, schedules: list[Any], dry_run: bool = False) -> tuple[list[str], list[str]]:
        """Disable, then delete ``schedules`` (each in its own experiment) unless a run of one is
        active; returns ``(retired, kept in flight)``."""
        retired: list[str] = []
        kept: list[str] = []
        for r in schedules:
            done, waiting = self._retire(r.experiment_id, [r], dry_run)
            retired += done
            kept += waiting
        return retired, kept

    def _retire(
        self, experiment_id: str, old: list[Any], dry_run: bool
    ) -> tuple[list[str], list[str]]:
        """Disable, then delete the ``old`` recurring runs unless one of their runs is active."""
        retired: list[str] = []
        kept: list[str] = []
        for r in old:
            rid = r.recurring_run_id
            if dry_run:
                retired.append(rid)
                continue
            try:
                if _state(r.status) != "DISABLED":
                    self._call("disable recurring run", self.client.disable_recurring_run, rid)
                if self.in_flight(experiment_id, rid):
                    kept.append(rid)  # a later reconcile deletes it once its run has ended
                    continue
                self._call("delete recurring run", self.client.delete_recurring_run, rid)
            except PlatformError as exc:
                # 404: gone since it was listed (another apply retired it; 2.17.0 ChangeJobMode/DeleteJob
                # answer NotFound for a recurring run that no longer exists): what retiring wanted
                if getattr(exc.__cause__, "status", None) != 404 or self._recurring_exists(rid):
                    raise
            retired.append(rid)
        return retired, kept

    def _recurring_exists(self, recurring_run_id: str) -> bool:
        try:
            self._call("get recurring run", self.client.get_recurring_run, recurring_run_id)
        except PlatformError as exc:
            if getattr(exc.__cause__, "status", None) == 404:
                return False
            raise
        return True

    def reconcile_schedule(
        self,
        *,
        experiment_id: str,
        job_name: str,
        pipeline_id: str,
        version_id: str,
        cron: str,
        params: dict,
        no_catchup: bool = True,
        max_concurrency: int = 1,
        enabled: bool = True,
        service_account: str = "",
        dry_run: bool = False,
        pins: dict[str, tuple[str, str]] | None = None,
        owner: str = "",
    ) -> ScheduleResult:
        """Make ``job_name`` in the experiment match the desired schedule, creating before deleting.

        The recurring run whose description carries this schedule's hash is kept (and enabled or
        disabled to match ``enabled``); every other recurring run named ``job_name`` is retired
        after the new one exists. Never deletes a recurring run that has a run in flight. Applies running
        at once converge on one schedule (:meth:`_converge`).
        ``pins`` (``{pipeline name: (pipeline id, version id)}``) and ``owner`` (the spec's
        ``metadata.name``) are written into its description (:meth:`pinned_version`,
        :meth:`foreign_schedules`) and are part of what defines it.
        """
        from ctloop.ops.cron import validate_cron

        check_name(job_name, "schedule", "ct-credit-default", "recurring run")
        for key, value in params.items():
            refuse_astral(value, f"parameter {key}")
            refuse_credentials(value, f"parameter {key}")
        cron = validate_cron(cron)
        marks = {f"{PIN_MARK}{name}": f"{pid}/{vid}" for name, (pid, vid) in sorted((pins or {}).items())}
        if owner:
            marks[OWNER_MARK] = owner
        if isinstance(max_concurrency, bool) or not 1 <= int(max_concurrency) <= 10:
            raise ConfigError(
                f"max_concurrency {max_concurrency!r}: KFP allows 1-10; use 1 for continuous training"
            )
        digest = self.schedule_hash(
            pipeline_id,
            version_id,
            cron,
            params,
            no_catchup,
            max_concurrency,
            enabled,
            service_account,
            marks,
        )
        existing = self.recurring_runs(experiment_id, job_name) if experiment_id else []
        # a schedule is this spec's when its description holds the hash's first SPEC_DIGITS digits: what
        # _description writes when the whole hash does not fit, and a part of the whole one older ctloops wrote
        mark = f"{SPEC_MARK}{digest[:SPEC_DIGITS]}"
        # the schedule every apply keeps is the first in one order (_rank); this spec's only when it is
        top = max(existing, key=_rank, default=None)
        if top is not None and mark in (top.description or ""):
            others = [r for r in existing if r.recurring_run_id != top.recurring_run_id]
            action = "unchanged"
            if enabled != (_state(top.status) == "ENABLED"):
                verb = "enable" if enabled else "disable"
                action = f"would-{verb}" if dry_run else f"{verb}d"
                if enabled and not no_catchup:
                    # kubeflow/pipelines 2.17.0 backend/src/crd/controller/scheduledworkflow/util
                    # scheduled_workflow.go getNextScheduledEpoch: with catch-up the next run is the tick
                    # after the last one started, and a disabled schedule starts none
                    self.warn(f"schedule {one_line(job_name)} ({top.recurring_run_id}) {'would be' if dry_run else 'is'} "
                              "enabled again with no_catchup false: KFP starts one run for every tick it missed while "
                              f"disabled, {max_concurrency} at a time — set no_catchup: true (apply) or drop --catchup "
                              "(schedule) to run only the next one")
                if not dry_run:
                    method = getattr(self.client, f"{verb}_recurring_run")
                    try:
                        self._call(f"{verb} recurring run", method, top.recurring_run_id)
                    except PlatformError as exc:
                        # 404: retired meanwhile by an apply that made a newer one (found below)
                        if getattr(exc.__cause__, "status", None) != 404 or self._recurring_exists(top.recurring_run_id):
                            raise
                    if enabled:
                        # enabled again while another apply may have made a newer one and retired this
                        # one: list again, so that only one stays enabled
                        return self._converge(experiment_id, job_name, top, mark, action,
                                              listed={r.recurring_run_id for r in existing})
            retired, kept = self._retire(experiment_id, others, dry_run)
            return ScheduleResult(top.recurring_run_id, action, retired, kept)
        if dry_run:
            action = "would-replace" if existing else "would-create"
            return ScheduleResult("", action, [r.recurring_run_id for r in existing], [])
        # one above every schedule listed: an apply outranks what it replaces, even within one second
        generation = max((_generation(r) for r in existing), default=0) + 1
        description = _description(job_name, digest, generation, marks)
        try:
            created = self._call(
                "create recurring run",
                self.client.create_recurring_run,
                experiment_id=experiment_id,
                job_name=job_name,
                description=description,
                cron_expression=cron,
                max_concurrency=max_concurrency,
                no_catchup=no_catchup,
                params=params,
                pipeline_id=pipeline_id,
                version_id=version_id,
                enabled=enabled,
                service_account=service_account or None,
            )
        except PlatformError as exc:
            # answered too late (or a gateway gave up) though the server may have made it: then the old
            # schedules must go now, or both fire every tick until the next apply
            if not _maybe_created(exc.__cause__):
                if getattr(exc.__cause__, "status", None) == 500:
                    raise PlatformError(f"{exc}; {self._swf_orphan_hint(job_name)}") from exc
                raise
            before = {r.recurring_run_id for r in existing}
            made = [r for r in self.recurring_runs(experiment_id, job_name)
                    if r.recurring_run_id not in before and mark in (r.description or "")]
            if not made:
                raise PlatformError(f"{exc}; KFP does not show the new schedule {job_name} (yet): run the apply "
                                    "again, which finds it if it was made") from exc
            created = max(made, key=_rank)
            self.warn(f"KFP did not answer the create in time ({one_line(str(exc))[:160]}); schedule {job_name} "
                      f"({created.recurring_run_id}) was created")
        # the new schedule exists first; only then are the others retired
        return self._converge(experiment_id, job_name, created, mark, "replaced" if existing else "created",
                              listed={r.recurring_run_id for r in existing})

    def _swf_orphan_hint(self, job_name: str) -> str:
        """What a 500 to a recurring-run create may have left: kubeflow/pipelines 2.17.0
        ``resource/resource_manager.go`` ``CreateJob`` creates the ScheduledWorkflow in Kubernetes
        first and stores the recurring run afterwards (``storage/job_store.go`` ``CreateJob``: 500
        "Failed to store job ... to table"); a failed store leaves a ScheduledWorkflow (named after the
        schedule, ``template.go`` ``toSWFCRDResourceGeneratedName``) that starts runs while KFP lists no
        recurring run, and the next apply makes a second one. Unlike a one-time run's orphan workflow, KFP
        never removes it: ``ReportScheduledWorkflowResource`` only fails for a ScheduledWorkflow with no
        stored job, and the workflows it starts (``crd/controller/scheduledworkflow/controller.go``
        creates them itself) carry its id, so ``ReportWorkflowResource`` fails at ``GetJob`` and applies no
        ``WORKFLOW_GC_GRACE_PERIOD_SECONDS`` deletion: it is deleted by hand."""
        namespace = self.namespace or "<KFP namespace, e.g. kubeflow>"
        prefix = swf_name_prefix(job_name)
        return (f"KFP creates the ScheduledWorkflow before it stores the recurring run, so one for {one_line(job_name)} "
                f"may fire without a KFP recurring run: check `kubectl get scheduledworkflows -n {namespace}` for one "
                f"named {prefix}… that KFP does not list, and delete it before applying again")

    def _converge(self, experiment_id: str, job_name: str, mine: Any, mark: str, action: str,
                  listed: set[str] | frozenset[str] = frozenset()) -> ScheduleResult:
        """After this apply created or enabled ``mine``: list ``job_name`` again and keep only the first
        in :func:`_rank`'s order, retiring every other (``mine`` too, when another apply made a schedule
        that outranks it meanwhile).

        KFP has no lock: two applies at once (two CI jobs) both found no schedule with their hash and
        both created one; each retired only what it had listed, and both new ones fired every tick.
        Every apply ranks the schedules alike and keeps the first it sees: the one the last creator
        saw first is never retired by anyone, and that creator (listing after its create) retires
        every other. Of two specs applied at once, the later-created schedule stays (``superseded``
        for the other apply): the last writer wins."""
        runs = self.recurring_runs(experiment_id, job_name)
        winner = max(runs, key=_rank, default=None) or mine
        others = [r for r in runs if r.recurring_run_id != winner.recurring_run_id]
        retired, kept = self._retire(experiment_id, others, dry_run=False)
        if winner.recurring_run_id == mine.recurring_run_id:
            return ScheduleResult(mine.recurring_run_id, action, retired, kept)
        if mark not in (winner.description or ""):
            if winner.recurring_run_id in listed and 0 < _generation(winner) < _generation(mine):
                # a schedule this apply listed and outranked (a lower generation) came out first: only
                # KFP's clock can do that (created_at before the one it replaced: an API server replica
                # behind, an NTP step back). Said, not reported as another apply's newer spec.
                raise PlatformError(
                    f"schedule {job_name}: the KFP API server dated the new schedule {mine.recurring_run_id} "
                    f"before {winner.recurring_run_id}, which it replaces (its clock is behind), so every apply "
                    f"keeps the old one and the new one was retired: {winner.recurring_run_id} still runs the "
                    "previous spec — fix the API server's clock, then run ctloop apply again")
            action = "superseded"  # another spec's, made at the same time, after this one
        return ScheduleResult(winner.recurring_run_id, action, retired, kept, superseded=mine.recurring_run_id)

    # ------------------------------------------------------------------ runs
    def recent_runs(self, experiment_id: str | None, limit: int = 10) -> list[RunSummary]:
        """The newest ``limit`` runs with their state and (best effort) decisions from the run details.
        Page after page: the API server answers at most 200 a page (2.17.0 ``list/list.go``
        ``maxPageSize``), so ``--limit 500`` showed 200 without a word."""
        if not experiment_id:
            self._need_namespace("list runs", self.namespace)
        newest: list[Any] = []
        pages = self._pages("list runs", self.client.list_runs, "runs", experiment_id=experiment_id or None,
                            namespace=None if experiment_id else self.namespace or None, sort_by="created_at desc",
                            page_size=min(limit, MAX_PAGE))
        for r in pages:
            newest.append(r)
            if len(newest) >= limit:
                break
        out = []
        for r in newest:
            details = r.run_details
            if details is None or not details.task_details:
                details = self._call("get run", self.client.get_run, r.run_id).run_details
            tasks = [
                (t.display_name or "", t.state) for t in ((details and details.task_details) or [])
            ]
            out.append(
                RunSummary(
                    run_id=r.run_id,
                    name=r.display_name or r.run_id,
                    state=_state(r.state),
                    created_at=str(r.created_at or "")[:19],
                    decisions=decisions_from_tasks(tasks),
                )
            )
        return out

    def create_run(
        self,
        pipeline: str | Path,
        *,
        experiment: str,
        params: dict | None = None,
        run_name: str,
        namespace: str = "",
        schedule: str = "",
        run_id: str = "",
        prepared: PreparedRun | None = None,
        key: str = "",
    ) -> str:
        """Start one run now; returns its run id.

        Args:
            pipeline: The name of an uploaded pipeline (``"continuous-training"``): the version
                ``schedule`` runs, else its newest version, with the image, resources and mounts it
                was compiled with (what ``ctloop apply`` uploaded); or the path of a compiled
                ``.yaml`` (``ctloop trigger``). Nothing is compiled here, so this works inside a
                KFP task too.
            experiment: KFP experiment, created when missing.
            params: Pipeline parameters.
            run_name: Display name of the run.
            namespace: KFP namespace (multi-user); empty = the client's.
            schedule: A recurring run of ``experiment`` (``ct-<model>``) whose pipeline version
                this run takes: what ``ctloop apply`` pinned for the model, not whatever version
                was uploaded last (image A, B, then A again left B the newest).
            run_id: The run's id (a UUID), for a create that must happen once: when a run with
                this id exists already (an earlier attempt created it and stopped before saying
                so), it is returned and nothing is created. Empty = a new random id.
            prepared: What :meth:`prepare_run` resolved for this run beforehand (``ctloop approve``
                checks before it records an approval); None = checked and resolved here.
            key: An idempotency key, written into the run's description (:data:`KEY_MARK`), where
                :meth:`keyed_run` finds it; the run still gets a new id of its own. Prefer it to
                ``run_id`` for a create that must happen once: kubeflow/pipelines 2.17.0
                ``resource/resource_manager.go`` ``CreateRun`` creates the Argo workflow (labelled
                ``pipeline/runid=<run id>``) before it stores the run, and ``ReportWorkflowResource``
                adopts every workflow whose run id has a stored run, deleting only those without: a
                retry of a create answered "Failed to store run" under the same id runs it twice.
        """
        # before KFP's own refusal (2.17.0 api_converter.go toModelRun: "Run name cannot be empty", HTTP 500)
        check_name(run_name, "run name", "continuous-training-triggered", "run")
        for param, value in (params or {}).items():
            refuse_astral(value, f"parameter {param}")
            refuse_credentials(value, f"parameter {param}")
        if run_id and self.find_run(run_id) is not None:
            return run_id
        target = prepared or self.prepare_run(pipeline, experiment=experiment, run_name=run_name,
                                              namespace=namespace, schedule=schedule)
        started = self._start_run(target.experiment_id, run_name, dict(params or {}), target.package,
                                  target.pipeline_id, target.version_id, run_id,
                                  description=f"{KEY_MARK}{key}" if key else "")
        return self._settle_key(target.experiment_id, key, started) if key else started

    def keyed_run(self, experiment_id: str, key: str, *, namespace: str = "") -> Any:
        """The run of idempotency ``key`` in ``experiment_id`` (:meth:`create_run`), ``None`` when there is
        none: of the runs created with it, the one whose create was sent first (:func:`_drawn`), the run
        :meth:`_settle_key` keeps and no creator terminates, so every lookup answers the same run whatever
        the state of the others (a duplicate of a race that terminated itself is CANCELING, then CANCELED).
        With ``experiment_id`` empty, of every experiment of ``namespace`` (empty: the client's; ``GET
        /runs?namespace=``, kfp 2.17.0 ``Client.list_runs``). Asked of KFP by the run's description (a
        v2beta1 filter key of runs, 2.17.0 ``model/run.go`` ``runAPIToModelFieldMap``: ``description``), and
        only a run whose description is the key's mark exactly is taken: the database's ``EQUALS`` ignores
        case (``utf8mb4_0900_ai_ci``). A proxy that drops ``?filter=`` answers every run, newest first (the
        list is asked for ``created_at desc``): a key among the newest :data:`KEY_SCAN` runs of other
        descriptions is still found (and its runs created up to :data:`KEY_RACE` seconds before the one
        found; a proxy that drops ``sort_by`` too lists oldest first, and then runs created up to
        :data:`KEY_RACE` seconds after it); past them, a :class:`PlatformError` says the filter is dropped (no answer: the key may be
        older, and starting again would run twice; its ``scanned_to``: the Unix second the newest runs read
        reach back to, for a caller that knows the key can have no run older)."""
        runs = list(self._keyed_runs(experiment_id, key, namespace=namespace))
        return min(runs, key=_drawn, default=None)

    def _keyed_runs(self, experiment_id: str, key: str, *, namespace: str = "") -> Iterator[Any]:
        """Every run created with idempotency ``key`` (:meth:`keyed_run`), newest first; behind a proxy
        that drops the filter, once one is found, none created more than :data:`KEY_RACE` seconds before it (or,
        listed oldest first, after it)."""
        mark = f"{KEY_MARK}{key}"
        namespace = namespace or self.namespace
        where = {"experiment_id": experiment_id} if experiment_id else {"namespace": namespace or None}
        try:
            runs = self._pages("list runs", self.client.list_runs, "runs", page_size=PAGE, sort_by="created_at desc",
                               filter=_filter("description", mark), **where)
            others, bound, found = 0, None, False
            # the runs read came newest first (created_at desc) so far: none newer than the one before, and one
            # older (without it, runs of one second show no order: a proxy that drops sort_by lists oldest first)
            prev, newest_first, older = None, True, False
            # ... or oldest first (the API's default order behind a proxy that drops sort_by), and the newest of
            # the key's runs found so far
            oldest_first, newer, latest = True, False, None
            for run in runs:
                created = _created(run)
                if created is not None and prev is not None:
                    newest_first = newest_first and created <= prev
                    older = older or created < prev
                    oldest_first = oldest_first and created >= prev
                    newer = newer or created > prev
                prev = created if created is not None else prev
                if run.description == mark:
                    yield run
                    found = True
                    if created is not None:  # newest first: the oldest of the key's runs so far
                        bound = created - KEY_RACE
                        latest = created if latest is None else max(latest, created)
                    continue
                if _may_collate_equal(str(run.description or ""), mark):  # the filter's answer: case aside
                    continue
                if bound is not None and created is not None and created < bound:
                    return  # no run of a race with the key's runs found was created this long before them
                if latest is not None and created is not None and oldest_first and newer and created > latest + KEY_RACE:
                    return  # oldest first: none after this one was created within KEY_RACE of the key's runs
                others += 1
                if others >= KEY_SCAN:
                    if found:
                        return
                    capped = PlatformError(
                        f"KFP API list runs: {self.host or 'KFP'} answered {others} runs whose description is "
                        f"not {mark!r} to a filter on it (a proxy or gateway in front of the API that drops "
                        f"?filter={'' if newest_first else ' and sort_by'}?); the idempotency key {key!r} was not "
                        "looked up further and nothing was started — fix: let ?filter= "
                        f"{'' if newest_first else 'and ?sort_by= '}through to the KFP API")
                    if newest_first and older:
                        # how far back the newest runs read went (Unix seconds): a caller that knows the key can
                        # have no run older than that (a monitoring window's) takes the miss as an answer. Not
                        # when they were not seen newest first: the oldest (the API's default order,
                        # CreatedAtInSec ascending) say nothing of the newer runs not read
                        capped.scanned_to = created
                    raise capped
        except PlatformError as exc:
            if getattr(exc.__cause__, "status", None) != 403:
                raise
            scope, there = ((f"experiment {experiment_id}", "the experiment's namespace") if experiment_id
                            else (f"namespace {namespace or '(none given)'}", "that namespace"))
            raise PlatformError(
                f"{exc} — the idempotency key is looked up among the runs of {scope}: in "
                f"multi-user KFP the identity needs to list runs in {there} (--namespace, "
                "kfp.namespace: its profile, or a RoleBinding to kubeflow-edit there)") from exc

    def _settle_key(self, experiment_id: str, key: str, run_id: str) -> str:
        """The run of idempotency ``key`` once run ``run_id`` was created with it: two creates with one key
        at once (each looked the key up before the other's run was stored) both start a run, and KFP has
        nothing to lock on. So each creator lists the key's runs again once its own is stored, and the first
        of them (the earliest sent: :func:`_drawn`, its id's milliseconds) is the key's: a later one
        terminates itself (``POST /runs/{id}:terminate``, 2.17.0 ``run.proto`` ``TerminateRun``) and its
        creator answers the first. The first never stops itself, so one run always remains, and whichever
        of two was stored last sees both. When the first sent was stored last and the other creator listed
        before that (a store order against the send order, the two creators' clocks apart by more than their
        creates, or its lookup failed), that creator kept its run: the first's creator terminates every
        later run it sees still active (:data:`TERMINABLE`), and warns naming them. With three or
        more, the run answered is the first this creator saw: one sent earlier but stored later can still make
        it terminate itself, so a caller that needs the key's run afterwards asks :meth:`keyed_run` (the first
        sent of them all, which none terminates).

        A client-chosen run id derived from the key does not help: 2.17.0 ``CreateRun`` makes the Argo
        workflow (``generateName``, labelled ``pipeline/runid=<id>``) before it stores the row, the second
        insert fails (500 "Failed to store run"), ``ReportWorkflowResource`` adopts the second workflow
        under the first's row, and ``TerminateRun`` stops only the workflow the row names (``K8SName``)."""
        try:
            runs = list(self._keyed_runs(experiment_id, key))
        except PlatformError as exc:
            self.warn(f"run {run_id} started; whether another run of idempotency key {key} started at the same "
                      f"moment is unknown: {_cut(str(exc))}")
            return run_id
        if not any(str(r.run_id) != run_id for r in runs) or not any(str(r.run_id) == run_id for r in runs):
            return run_id
        first = min(runs, key=_drawn)
        others = ", ".join(str(r.run_id) for r in runs if str(r.run_id) not in (run_id, str(first.run_id)))
        if str(first.run_id) == run_id:
            # a later run's creator that listed before this run was stored (a store order against the send
            # order, or its lookup failed) never stops it: stopped here, as the key's answer (this run) says
            stopped, failed = [], []
            for r in runs:
                if str(r.run_id) == run_id or _state(r.state) not in TERMINABLE:
                    continue
                try:
                    self._call("terminate run", self.client.terminate_run, str(r.run_id))
                    stopped.append(str(r.run_id))
                except PlatformError as exc:
                    if getattr(exc.__cause__, "status", None) not in (400, 404):  # 400/404: it ended or went
                        failed.append(f"{r.run_id} ({_cut(str(exc), 120)})")
            self.warn(f"KFP has run(s) {others} of idempotency key {key} too, started by a trigger at the same "
                      f"moment: run {run_id} is the key's"
                      + (f"; terminated {', '.join(stopped)}" if stopped else "")
                      + (f"; could not terminate {'; '.join(failed)}: a duplicate, terminate it in the KFP UI"
                         if failed else ""))
            return run_id
        try:
            self._call("terminate run", self.client.terminate_run, run_id)
        except PlatformError as exc:
            # 400/404: no longer terminable (2.17.0 run_store.go TerminateRun acts on PAUSED/PENDING/RUNNING/
            # unspecified only) — the first's creator, which saw this run active, may have terminated it already
            now = (self._stopping(run_id)
                   if getattr(exc.__cause__, "status", None) in (400, 404) else "")
            if now:
                self.warn(f"run {run_id} terminated ({now}): a trigger with idempotency key {key} at the same "
                          f"moment started run {first.run_id}, the key's run")
                return str(first.run_id)
            self.warn(f"run {run_id} duplicates run {first.run_id} of idempotency key {key} (started by a trigger "
                      f"at the same moment) and could not be terminated: {_cut(str(exc))} — "
                      f"terminate run {run_id} in the KFP UI")
            return str(first.run_id)
        self.warn(f"run {run_id} terminated: a trigger with idempotency key {key} at the same moment started run "
                  f"{first.run_id}, the key's run")
        return str(first.run_id)

    def _stopping(self, run_id: str) -> str:
        """The state of run ``run_id`` when it is stopping or stopped (CANCELING, CANCELED) or gone
        (``"deleted"``), else ``""`` (also when it cannot be read)."""
        try:
            run = self.find_run(run_id)
        except PlatformError:
            return ""
        if run is None:
            return "deleted"
        state = _state(getattr(run, "state", None))
        return state if state in ("CANCELING", "CANCELED") else ""

    def prepare_run(self, pipeline: str | Path, *, experiment: str, run_name: str, namespace: str = "",
                    schedule: str = "", create_experiment: bool = True) -> PreparedRun:
        """Every check :meth:`create_run` makes before it sends the create, and what they resolve:
        the backend's release (:meth:`require_backend`), the experiment (created when missing unless
        ``create_experiment`` is false: then a missing one is a :class:`ConfigError`), the package
        file or the pinned (else newest) version of ``pipeline``. Nothing is created in KFP with
        ``create_experiment`` false, so ``ctloop approve`` runs it before it records an approval and
        hands the result to ``create_run(prepared=...)``: a refusal leaves the version pending."""
        self.require_backend(f"run {run_name}")
        if create_experiment:
            experiment_id = self.ensure_experiment(experiment, namespace=namespace)
        else:
            experiment_id = self.ensure_experiment(experiment, namespace=namespace, dry_run=True)
            if not experiment_id:
                raise ConfigError(f"experiment {one_line(experiment)!r}: KFP at {self.host or 'the cluster'} has "
                                  "no such experiment")
        if str(pipeline).endswith((".yaml", ".yml")):
            path = Path(pipeline)
            if not path.is_file():
                raise ConfigError(f"pipeline package {path}: no such file")
            return PreparedRun(experiment_id, package=str(path))
        pinned = self.pinned_version(experiment_id, schedule, str(pipeline)) if schedule else None
        if pinned is None and schedule:
            self.warn(f"no schedule {schedule} pins a version of pipeline {pipeline} in experiment {experiment} "
                      f"(`ctloop apply` pins one): starting its newest upload")
        pipeline_id, version_id = pinned or self.newest_version(str(pipeline))
        return PreparedRun(experiment_id, pipeline_id=pipeline_id, version_id=version_id)

    def find_run(self, run_id: str) -> Any:
        """The run ``run_id`` (a ``V2beta1Run``), ``None`` when KFP has none (``GET /runs/{id}``: 404,
        2.17.0 ``storage/run_store.go`` ``GetRun`` ``ResourceNotFoundError``)."""
        try:
            return self._call("get run", self.client.get_run, run_id)
        except PlatformError as exc:
            if getattr(exc.__cause__, "status", None) == 404:
                return None
            raise

    def _start_run(self, experiment_id: str, run_name: str, params: dict, package: str | None,
                   pipeline_id: str | None, version_id: str | None, run_id: str = "",
                   description: str = "") -> str:
        """``POST /runs`` with a run id chosen here: what kfp 2.17.0 ``Client.run_pipeline`` sends
        (``kfp/client/client.py``), plus ``run_id``, which the API server keeps (2.15.0-2.17.0
        ``api_converter.go`` ``toModelRun``; ``CreateRun`` makes one only when it is empty). A
        create is not idempotent and its answer may come after the timeout although the run
        exists: then that run is asked for, and reported started when it is, instead of a
        "cannot reach KFP" that invites a second run. A :class:`PlatformError` raised once the create
        was sent carries ``run_create_sent = True``: only then may a workflow have started (``ctloop
        approve``); a failure of the checks before it (the pin's ``GET``) posted nothing."""
        import kfp_server_api

        run_id = run_id or run_id_now()
        config = self.client._create_job_config(params=params, pipeline_package_path=package,
                                                pipeline_id=pipeline_id, version_id=version_id,
                                                enable_caching=None, cache_key=None, pipeline_root=None)
        body = kfp_server_api.V2beta1Run(
            run_id=run_id, experiment_id=experiment_id, display_name=run_name, description=description or None,
            pipeline_spec=config.pipeline_spec, pipeline_version_reference=config.pipeline_version_reference,
            runtime_config=config.runtime_config)
        try:
            result = self._call("create run", self.client._run_api.run_service_create_run, run=body)
        except PlatformError as exc:
            exc.run_create_sent = True
            exc.run_id = run_id  # the id the create was sent with: what a workflow it made is labelled
            if not _maybe_created(exc.__cause__):
                raise
            try:
                self._call("get run", self.client.get_run, run_id)
            except PlatformError:
                unseen = PlatformError(f"{exc}; the run was sent as {run_id} and KFP does not show it (yet): "
                                       f"check `ctloop runs` before starting it again")
                unseen.run_create_sent = True
                unseen.run_id = run_id
                raise unseen from exc
            self.warn(f"KFP did not answer the create in time ({one_line(str(exc))[:160]}); run {run_id} "
                      f"({run_name}) was created")
            return run_id
        return str(result.run_id or run_id)

    def pinned_version(self, experiment_id: str, schedule: str, pipeline: str) -> tuple[str, str] | None:
        """``(pipeline id, version id)`` of ``pipeline`` that the recurring run ``schedule`` of the
        experiment pins (the enabled one, when one is): the version it runs when it runs
        ``pipeline``, else the version ``ctloop apply`` uploaded with it (its ``ctloop-pin:`` mark,
        e.g. the ``rollout`` of a ``ct-`` schedule); ``None`` when no such schedule pins one. What a
        monitoring trigger and ``ctloop approve`` start, so both run the code the spec was applied
        with, not whatever was uploaded last (image A, B for another spec, A again).

        A pin whose version (or pipeline) was deleted in KFP since is refused in one line naming the
        schedule, the pipeline and the version (:meth:`_pinned_present`): never another version
        instead, since the spec pinned the code."""
        runs = list(self.recurring_runs(experiment_id, schedule))
        # an enabled one first; of several, the one every apply keeps (_rank), not the first listed
        runs.sort(key=lambda r: (_state(r.status) == "ENABLED", _rank(r)), reverse=True)
        for r in runs:
            m = re.search(rf"{re.escape(PIN_MARK + pipeline)}=([^/;\s]+)/([^;\s]+)", r.description or "")
            if m:
                return self._pinned_present(schedule, pipeline, m.group(1), m.group(2))
            ref = getattr(r, "pipeline_version_reference", None)
            if ref is None or not ref.pipeline_id:
                continue
            try:
                runs_pipeline = self._call("get pipeline", self.client.get_pipeline, ref.pipeline_id)
            except PlatformError as exc:
                if getattr(exc.__cause__, "status", None) != 404:
                    raise
                # the pipeline the schedule runs is gone (deleted with its versions): whether it was
                # `pipeline` cannot be read any more, so the refusal names it by its id only
                raise self._pin_gone(schedule, pipeline, ref.pipeline_id, ref.pipeline_version_id or "?",
                                     pipeline_gone=True, runs_unknown=True) from exc
            # by its name, the key find_pipeline looks it up by (model/pipeline.go 2.17.0: Name unique,
            # DisplayName free text): not a pipeline that merely shows `pipeline` as its display name
            if _same_name(getattr(runs_pipeline, "name", None) or runs_pipeline.display_name, pipeline):
                return self._pinned_present(schedule, pipeline, ref.pipeline_id, ref.pipeline_version_id)
        return None

    def _pinned_present(self, schedule: str, pipeline: str, pipeline_id: str, version_id: str) -> tuple[str, str]:
        """``(pipeline_id, version_id)`` when KFP still has that version; else the one-line refusal of
        :meth:`_pin_gone`. Deleting a version (or its pipeline, with its versions) in KFP leaves the
        schedules that name it: ``GET /pipelines/{id}/versions/{version id}`` is then 404 (2.17.0
        ``storage/pipeline_store.go`` ``getPipelineVersionByCol``: ``ResourceNotFoundError``), and a
        run of it an HTTP 500 "Internal Server Error" (``resource_manager.go`` ``CreateRun`` wraps the
        failed manifest fetch in ``NewInternalServerError``), which ``ctloop approve`` read as a run
        perhaps half created."""
        try:
            self._call("get pipeline version", self.client.get_pipeline_version, pipeline_id, version_id)
        except PlatformError as exc:
            if getattr(exc.__cause__, "status", None) != 404:
                raise
            gone = not self._pipeline_exists(pipeline_id)
            raise self._pin_gone(schedule, pipeline, pipeline_id, version_id, pipeline_gone=gone) from exc
        return pipeline_id, version_id

    def _pipeline_exists(self, pipeline_id: str) -> bool:
        try:
            self._call("get pipeline", self.client.get_pipeline, pipeline_id)
        except PlatformError as exc:
            if getattr(exc.__cause__, "status", None) == 404:
                return False
            raise
        return True

    @staticmethod
    def _pin_gone(schedule: str, pipeline: str, pipeline_id: str, version_id: str, *, pipeline_gone: bool,
                  runs_unknown: bool = False) -> PlatformError:
        """``runs_unknown``: the schedule pins nothing for ``pipeline`` and the pipeline it runs (maybe
        ``pipeline``, maybe another, e.g. continuous-training for a rollout) was deleted: named by its id."""
        what = (f"pipeline {pipeline} ({pipeline_id}) was deleted in KFP with its versions" if pipeline_gone
                else f"that version of pipeline {pipeline} ({pipeline_id}) was deleted in KFP")
        head = f"schedule {one_line(schedule)} pins version {one_line(version_id)} of pipeline {pipeline}, but {what}"
        if runs_unknown:
            head = (f"schedule {one_line(schedule)} runs version {one_line(version_id)} of pipeline {pipeline_id}, "
                    f"which was deleted in KFP with its versions (whether that was pipeline {pipeline} cannot be "
                    "read any more)")
        return PlatformError(
            f"{head}: "
            f"not starting another version (the spec pinned the code) — fix: run `ctloop apply -f ctloop.yaml` "
            "again, which uploads the pipeline again and pins the new version, then retry")

    def resolve_pipeline(self, name: str) -> tuple[str, bool] | None:
        """``(pipeline id, shared)`` of the pipeline ``name`` that a run without a pinned version
        starts (:meth:`newest_version`) and ``ctloop doctor`` reports: the one in
        :attr:`pipeline_namespace`, else, on multi-user KFP, a shared one (``shared`` True: what
        ctloop uploaded before it uploaded into the profile); ``None`` when there is neither."""
        pipeline_id = self.find_pipeline(name)
        if pipeline_id is not None:
            return pipeline_id, False
        if self.pipeline_namespace and (pipeline_id := self.find_pipeline(name, shared=True)) is not None:
            return pipeline_id, True
        return None

    def newest_version(self, name: str) -> tuple[str, str]:
        """``(pipeline id, version id)`` of the newest uploaded version of pipeline ``name``
        (:meth:`resolve_pipeline`)."""
        pipeline_id = (self.resolve_pipeline(name) or ("", False))[0]
        versions = self.versions(pipeline_id) if pipeline_id else []
        if not versions:
            raise PlatformError(f"pipeline {name!r} is not uploaded to KFP at {self.host or 'the cluster'}: "
                                "run `ctloop apply -f ctloop.yaml` (or `ctloop upload --pipeline "
                                f"{name}`) first")
        return pipeline_id, newest(versions).pipeline_version_id


__all__ = [
    "Platform",
    "Backend",
    "KfpAuth",
    "MIN_BACKEND",
    "explain_status",
    "parse_version",
    "pipeline_dsl",
    "kfp_prints_dropped",
    "kfp_logs_dropped",
    "quiet_kfp_client",
    "probe_healthz",
    "resolve_auth",
    "kfp_inputs",
    "kfp_in_cluster",
    "install_namespace",
    "install_namespace_source",
    "INSTALL_NAMESPACE_DEFAULT",
    "shown_install_namespace",
    "task_platform",
    "TASK_CA_FILE_ENV",
    "TASK_INSTALL_NAMESPACE_ENV",
    "INSTALL_NAMESPACE",
    "INSTALL_NAMESPACE_ENV",
    "UploadResult",
    "ScheduleResult",
    "RunSummary",
    "PreparedRun",
    "check_name",
    "subdomain_example",
    "content_hash",
    "version_name",
    "git_commit",
    "decisions_from_tasks",
    "newest",
    "pod_namespace",
    "refuse_credentials",
    "run_id_now",
]
