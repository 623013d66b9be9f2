"""InferenceService access through the ``kubernetes`` client (no kserve SDK).

``InferenceServices`` is the small seam: get / create / merge-patch one namespaced
InferenceService, with Kubernetes API errors mapped onto ctloop's hierarchy — 404 → ``None`` on
``get``, 409 → :class:`ServingConflictError`, anything else → :class:`ServingError`, always
chained to the ``ApiException`` so the status code is kept. ``wait_for`` polls
``status.components.predictor`` (never ``observedGeneration`` alone) until a condition holds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ctloop.errors import (
    ServingChangedOutside,
    ServingConflictError,
    ServingError,
    ServingTimeoutError,
    ServingUnreachable,
)
from ctloop.serving.isvc import ClusterDefault, deploy_config_refused, mode_change_refused

GROUP = "serving.kserve.io"
VERSION = "v1beta1"
PLURAL = "inferenceservices"
# The Kubernetes verbs of every call below (get_/create_/patch_namespaced_custom_object): all the
# pipeline runner needs, the Role in manifests/base/rbac.yaml and ``ctloop doctor``'s RUNNER_RULES
# (a test derives the calls from this package's source and keeps the three equal). Waiting polls
# with GET: no list or watch; a merge patch is the ``patch`` verb, never ``update`` (PUT).
VERBS = ("get", "create", "patch")
# Knative Revisions, read (GET of one, by name) to confirm which model a revision in traffic[]
# serves: KServe's status names revisions, never storageUris. Optional: without it (HTTP 403)
# ctloop trusts traffic[] alone, with a warning (InferenceServices.revision_source).
KNATIVE_GROUP = "serving.knative.dev"
KNATIVE_VERSION = "v1"
REVISIONS = "revisions"
REVISION_RULE = (KNATIVE_GROUP, REVISIONS, ("get",))
# KServe v0.20.0 pkg/constants/constants.go KnativeServiceKind: the kind whose absence from the
# discovery of serving.knative.dev/v1 makes the controller reject Knative mode (ServerlessModeRejected)
KNATIVE_SERVICE_KIND = "Service"
# KServe v0.20.0 pkg/constants/constants.go StorageInitializerSourceUriInternalAnnotationKey: the
# predictor's storageUri, set on the Knative Service's template (pkg/controller/v1beta1/
# inferenceservice/components/predictor.go addStorageInitializerAnnotations) and so on every
# Revision made from it (knative-v1.21.1 pkg/reconciler/configuration/resources/revision.go
# MakeRevision copies the template's ObjectMeta)
SOURCE_URI_ANNOTATION = "internal.serving.kserve.io/storage-initializer-sourceuri"


def load_api_client(kubeconfig: str = "", context: str = ""):
    """An ApiClient, credentials in this order: an explicit ``kubeconfig``/``context``
    (``--kubeconfig``/``--context``) > ``KUBECONFIG`` > the in-cluster service account >
    ``~/.kube/config``. (Not kubectl's: client-go's ``clientcmd`` falls back to the in-cluster
    config only when the loaded kubeconfig is empty, and kubernetes 30.1.0 ``config.load_config``
    also takes ``~/.kube/config`` first; here a pod's own service account beats a stray
    ``~/.kube/config`` in the image.)"""
    from kubernetes import client, config

    path = kubeconfig_path(kubeconfig)
    in_cluster = False
    try:
        if path or context:
            raise config.ConfigException("a kubeconfig or context was named")
        config.load_incluster_config()
        in_cluster = True
    except config.ConfigException:
        load_kubeconfig(path, context)
    cfg = client.Configuration.get_default_copy()
    cfg.retries = api_retries()
    api_client = client.ApiClient(cfg)
    setattr(api_client, IN_CLUSTER_MARK, in_cluster)  # noqa: B010 - a mark of ctloop's on the client
    return api_client


# set on the ApiClient load_api_client made with the pod's service-account credentials
IN_CLUSTER_MARK = "ctloop_in_cluster"


def api_retries() -> Any:
    """urllib3's retries for the API client: connections that fail are retried, an answer that
    does not come in time is not. urllib3 2.x's default ``Retry(3)`` re-sends a GET whose read
    timed out three more times, so one poll of :func:`wait_for` could take four request timeouts
    (2 minutes) past its deadline; the wait polls on by itself, and a lost PATCH answer is retried
    by :meth:`InferenceServices.patch`, which knows a merge patch is idempotent."""
    from urllib3.util.retry import Retry

    return Retry(total=3, connect=3, read=0, status=0, other=0, redirect=0, backoff_factor=0.2,
                 raise_on_status=False)


def load_kubeconfig(path: str, context: str, client_configuration: Any = None) -> None:
    """``config.load_kube_config`` of ``path`` (``""``: ``~/.kube/config``) and ``context``; a file that
    fails is one :class:`ServingError` line naming it and why (:func:`_kubeconfig_failed`)."""
    import yaml
    from kubernetes import config

    try:
        config.load_kube_config(config_file=path or None, context=context or None,
                                client_configuration=client_configuration)
    except (config.ConfigException, OSError, yaml.YAMLError, ValueError) as exc:
        raise ServingError(_kubeconfig_failed(path, exc, named=bool(path or context))) from exc
    except (TypeError, AttributeError, KeyError) as exc:
        # kubernetes 30.1.0 config/kube_config.py indexes whatever yaml.safe_load returned: a file
        # that is YAML but no mapping (a list, a word) fails there with these
        raise ServingError(_kubeconfig_failed(path, exc, "not a kubeconfig (no mapping of clusters, "
                                                            "users and contexts)", named=bool(path or context))) from exc


def kubeconfig_path(kubeconfig: str = "") -> str:
    """The kubeconfig the user named: ``--kubeconfig``, else ``KUBECONFIG`` (read here, not at
    import: the client caches it at import time), else ``""``. Named (or a ``--context``), it wins
    over the in-cluster service account (:func:`load_api_client`, ``ctloop doctor``)."""
    return kubeconfig or os.environ.get("KUBECONFIG") or ""


def _kubeconfig_failed(path: str, exc: BaseException, why: str = "", named: bool = False) -> str:
    """One line naming the kubeconfig that failed and why (a YAML error spans several lines).
    ``named``: a kubeconfig or context was given, so it was read in a pod too; else it was the
    fallback after the in-cluster config, which means not in a cluster."""
    import yaml

    where = path or os.path.join("~", ".kube", "config")
    if not why and isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        why = f"not YAML ({exc.problem}, line {mark.line + 1} column {mark.column + 1})"
    why = why or " ".join(str(exc).split()) or type(exc).__name__
    return f"no Kubernetes credentials: {'' if named else 'not in a cluster, and '}kubeconfig {where} failed: {why}"


def read_kserve_default(core: Any, namespaces: tuple[str, ...] | None = None, **timeout: Any) -> ClusterDefault:
    """The cluster's ``defaultDeploymentMode`` as KServe reads it (``isvc.read_deploy_config`` of
    ConfigMap ``isvc.KSERVE_CONFIG``), from the first of ``isvc.KSERVE_NAMESPACES`` that has one,
    as an ``isvc.ClusterDefault`` (with the lists of what KServe keeps out of a revision template,
    ``isvc.read_template_lists``). Only a 404 moves on to the next (KServe elsewhere). The API
    server authorizes before it looks the object up (a 403 even where the namespace does not exist,
    kubernetes/kubernetes#31753), so the runner must be allowed in every namespace read: the
    ClusterRole of manifests/extras/kserve-config-reader. Any other failure leaves the mode unknown
    rather than read a stale copy from the next namespace: ``failure`` says what failed,
    ``forbidden`` whether it was a 403. Read but naming no mode KServe takes: ``problem``
    ``"NS/NAME: why"``. ``core``: a ``CoreV1Api``; the doctor calls this too. ``namespaces``: where
    to look, in turn (default: ``isvc.kserve_config_namespaces()``: ``CTLOOP_KSERVE_NAMESPACE``, else
    ``isvc.KSERVE_NAMESPACES``)."""
    from kubernetes.client.exceptions import ApiException

    from ctloop.serving.isvc import (
        KSERVE_CONFIG,
        kserve_config_namespaces,
        read_deploy_config,
        read_template_lists,
    )

    namespaces = namespaces or kserve_config_namespaces()
    for namespace in namespaces:
        try:
            found = core.read_namespaced_config_map(KSERVE_CONFIG, namespace, **timeout)
        except ApiException as exc:
            if exc.status == 404:
                continue
            answer = f"{exc.status} {exc.reason}".strip() if exc.status else (exc.reason or "no status")
            return ClusterDefault(failure=f"{answer} in {namespace}", forbidden=exc.status == 403,
                                  namespaces=namespaces)
        except Exception as exc:  # noqa: BLE001 - no answer (a timeout, a refused connection): unknown
            why = " ".join(str(exc).split())[:200] or type(exc).__name__
            return ClusterDefault(failure=f"no answer from the API server in {namespace} ({type(exc).__name__}: {why})",
                                  namespaces=namespaces)
        mode, problem = read_deploy_config(getattr(found, "data", None))
        return ClusterDefault(mode, f"{namespace}/{KSERVE_CONFIG} {problem}" if problem else "", namespace=namespace,
                              namespaces=namespaces,
                              template=read_template_lists(getattr(found, "data", None), f"{namespace}/{KSERVE_CONFIG}"))
    return ClusterDefault(failure=f"404 Not Found in {' and '.join(namespaces)}", nowhere=True, namespaces=namespaces)


class InferenceServices:
    """get / create / patch InferenceServices in one namespace."""

    def __init__(self, namespace: str, api_client: Any = None, retries: int = 3, request_timeout_s: float = 30.0,
                 kserve_namespace: str = ""):
        from kubernetes import client

        self.namespace = namespace
        self.kserve_namespace = kserve_namespace  # rollout.kserve_namespace: where KServe's ConfigMap is
        self.api = client.CustomObjectsApi(api_client or load_api_client())
        self.retries = retries
        self.request_timeout_s = request_timeout_s

    @property
    def timeout(self) -> dict[str, Any]:
        """The keyword each request is sent with. The client waits forever by default: an API
        server (or proxy) that accepts the connection and never answers hung deploy/rollback past
        every timeout_seconds. A (connect, read) pair: kubernetes 30.1.0 client/rest.py
        RESTClientObject.request honours an int or a 2-tuple and silently ignores a float. Within
        :func:`request_deadline` at most the time left before it (at least
        :data:`REQUEST_TIMEOUT_MIN_S`)."""
        seconds = self.request_timeout_s
        end = _REQUEST_END.get()
        if end is not None:
            seconds = max(min(seconds, end - time.monotonic()), REQUEST_TIMEOUT_MIN_S)
        return {"_request_timeout": (seconds, seconds)}

    @property
    def in_cluster(self) -> bool:
        """Whether this client runs on the pod's service-account credentials (:func:`load_api_client`
        found no kubeconfig named and loaded the in-cluster config): only then is ctloop's own
        /etc/resolv.conf a pod's of the cluster it talks to (``isvc.knative_cluster_domain``). An
        ``api_client`` given from outside is not taken for one."""
        return getattr(self.api.api_client, IN_CLUSTER_MARK, False) is True

    def _call(self, what: str, fn: Callable[[], Any], deadline: float | None = None, *, read: bool = False) -> Any:
        """``fn`` with 5xx and 429 answers sent again (``retries`` sends in all); a 409 is
        :class:`ServingConflictError` whose ``resent`` says whether an earlier send may have been
        applied (only a 5xx's: a 429 applied nothing). ``deadline`` (``time.monotonic()``; default:
        the one of the :func:`wait_for` asking) bounds a 429's pause: none goes past it, and none is
        taken once it has passed; a 5xx's short backoff is taken whatever it (:func:`_pause`). A
        ``read`` (a GET: sending it again changes nothing) is asked again past those tries while
        ``deadline`` has time left, as :meth:`get` is (:func:`_pause_until`)."""
        from kubernetes.client.exceptions import ApiException

        deadline = _DEADLINE.get() if deadline is None else deadline
        last: Exception | None = None
        applied_maybe = False  # an earlier send answered 5xx: it may have been applied
        start, attempt = time.monotonic(), -1
        while True:
            attempt += 1
            if attempt >= self.retries and not read:
                break
            sent = time.monotonic()
            try:
                return _object(what, _decoded(what, fn))
            except ServingUnreachable as exc:
                # a read (a GET) refused or reset: asked again until the step's deadline, as get()
                pause = None if not read else _pause_until(exc, attempt, deadline, time.monotonic() - sent)
                if pause is None:
                    if attempt > 0 and read:
                        raise ServingUnreachable(f"{exc}{_asked(attempt + 1, start, exc, deadline)}") from exc.__cause__
                    raise
                time.sleep(pause)
                continue
            except ApiException as exc:
                if exc.status == 409:
                    conflict = ServingConflictError(f"{what}: conflict (HTTP 409): {exc.reason}")
                    # sent again after a 5xx: the first send may have been applied (a 504 does not
                    # stop the write, k8s.io/apiserver pkg/server/filters/timeout.go); after a 429
                    # it was not (priority and fairness rejects before any handler runs)
                    conflict.resent = applied_maybe
                    raise conflict from exc
                # a webhook's recovered panic answered 5xx (controller-runtime v0.22.5 webhook.go
                # Errored(500, "panic: %v [recovered]")) was refused before anything was stored and
                # fails alike when sent again; any other 5xx a webhook relays (KServe's defaulter
                # passes its ConfigMap read's 503 through, defaulter_custom.go) is sent again
                denied = exc.status >= 500 and _WEBHOOK_PANIC in _why(exc.body)
                pause = (None if denied else _pause(exc, attempt, deadline) if attempt + 1 < self.retries
                         else _pause_until(exc, attempt, deadline) if read else None)
                if pause is not None:
                    last = exc
                    applied_maybe = applied_maybe or exc.status != 429
                    time.sleep(pause)
                    continue
                asked = _asked(attempt + 1, start, exc, deadline) if attempt + 1 > self.retries else ""
                raise ServingError(f"{what}: HTTP {exc.status} {exc.reason}: {_why(exc.body)}{asked}") from exc
        raise ServingError(f"{what}: failed after {self.retries} attempts") from last

    def get(self, name: str, deadline: float | None = None) -> dict[str, Any] | None:
        """The InferenceService, ``None`` when there is none (404, also after a 5xx). A 5xx or a
        429 is asked again (``retries`` requests in all; a 429 after its ``Retry-After``, bounded
        by ``deadline`` as in :meth:`_call`), and with a ``deadline`` (given, or a rollout step's,
        :func:`step_deadline`) on past those, with a backoff, until it (:func:`_pause_until`): three
        503s on a step's first read used to fail the step; each request whose kept-alive
        connection the server (or a proxy) closed meanwhile — after a long canary interval, after a
        proxy's 503 — is sent once more: urllib3 counts that as a read error, which api_retries()
        does not retry."""
        from kubernetes.client.exceptions import ApiException

        deadline = _DEADLINE.get() if deadline is None else deadline
        what = f"get InferenceService {self.namespace}/{name}"
        attempts = max(1, self.retries)
        start, attempt = time.monotonic(), 0
        while True:
            sent = time.monotonic()
            try:
                try:
                    return self._read(what, name)
                except ServingUnreachable as exc:
                    if not _dropped(exc):
                        raise
                    return self._read(what, name)
            except ServingUnreachable as exc:
                # refused, reset: within a step's deadline asked again as a 5xx is (not a read that
                # timed out: it took a whole request timeout already)
                pause = _pause_until(exc, attempt, deadline, time.monotonic() - sent)
                attempt += 1
                if pause is not None:
                    time.sleep(pause)
                    continue
                if attempt > 1:
                    raise ServingUnreachable(f"{exc}{_asked(attempt, start, exc, deadline)}") from exc.__cause__
                raise
            except ApiException as exc:
                if exc.status == 404:
                    return None
                if exc.status == 409:
                    raise ServingConflictError(f"{what}: conflict (HTTP 409): {exc.reason}") from exc
                pause = (_pause(exc, attempt, deadline) if attempt + 1 < attempts
                         else _pause_until(exc, attempt, deadline))
                attempt += 1
                if pause is not None:  # a 5xx, or throttled (429): asked again after its Retry-After
                    time.sleep(pause)
                    continue
                asked = _asked(attempt, start, exc, deadline) if attempt > attempts else ""
                raise ServingError(f"{what}: HTTP {exc.status} {exc.reason}: {_why(exc.body)}{asked}") from exc

    def _read(self, what: str, name: str) -> dict[str, Any]:
        return _object(what, _decoded(what, lambda: self.api.get_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name, **self.timeout)))

    def revision_source(self, revision: str) -> str | None:
        """The storageUri Knative Revision ``revision`` was made from (its ``SOURCE_URI_ANNOTATION``;
        ``""`` when it has none or does not exist yet); ``None`` when this identity may not read
        revisions (HTTP 403: the Role lacks ``get`` on revisions.serving.knative.dev). A request whose
        kept-alive connection was closed meanwhile is sent once more, and 5xx/429 answers are asked
        again until a step's deadline, as :meth:`get` does."""
        from kubernetes.client.exceptions import ApiException

        what = f"get Revision {self.namespace}/{revision}"

        def read() -> dict[str, Any]:
            return self._call(what, lambda: self.api.get_namespaced_custom_object(
                KNATIVE_GROUP, KNATIVE_VERSION, self.namespace, REVISIONS, revision, **self.timeout), read=True)

        try:
            try:
                obj = read()
            except ServingUnreachable as exc:
                # a kept-alive connection the server (or a proxy) closed meanwhile, as get() resends:
                # urllib3 counts it as a read error, which api_retries() does not retry — a held
                # rollback reading which revisions serve the failed model failed on it
                if not _dropped(exc):
                    raise
                obj = read()
        except ServingError as exc:
            status = exc.__cause__.status if isinstance(exc.__cause__, ApiException) else None
            if status == 403:
                return None
            if status == 404:
                return ""
            raise
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        return str(annotations.get(SOURCE_URI_ANNOTATION) or "") if isinstance(annotations, dict) else ""

    def revision_not_ready(self, revision: str) -> str | None:
        """Why Knative Revision ``revision`` is not Ready (``Ready False: reason: message``, ``Ready
        Unknown: ...``, ``it does not exist``), ``""`` when it is; ``None`` when that cannot be told
        (HTTP 403: the Role lacks ``get`` on revisions; an error). Ready as knative-v1.21.1
        ``pkg/apis/serving/v1/revision_lifecycle.go`` ``IsReady`` judges it: condition ``Ready``
        True and ``status.observedGeneration`` = ``metadata.generation``."""
        from kubernetes.client.exceptions import ApiException

        what = f"get Revision {self.namespace}/{revision}"
        try:
            obj = self._call(what, lambda: self.api.get_namespaced_custom_object(
                KNATIVE_GROUP, KNATIVE_VERSION, self.namespace, REVISIONS, revision, **self.timeout), read=True)
        except ServingError as exc:
            if isinstance(exc.__cause__, ApiException) and exc.__cause__.status == 404:
                return "it does not exist"
            return None
        status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
        conditions = [c for c in status.get("conditions") or [] if isinstance(c, dict) and c.get("type") == "Ready"]
        ready = conditions[0] if conditions else {}
        generation = (obj.get("metadata") or {}).get("generation")
        if ready.get("status") == "True":
            if generation is None or status.get("observedGeneration") == generation:
                return ""
            return f"Ready True for generation {status.get('observedGeneration')}, not its generation {generation}"
        why = ": ".join(" ".join(str(ready.get(k) or "").split()) for k in ("reason", "message") if ready.get(k))
        return f"Ready {ready.get('status') or 'not reported'}" + (f": {why}" if why else "")

    def revision_gone(self, revision: str) -> bool:
        """Knative has no Revision ``revision`` (HTTP 404): deleted by hand, or garbage-collected
        under a tightened ``config-gc`` (knative-v1.21.1 ``pkg/reconciler/gc`` keeps the
        ``min-non-active-revisions`` last active most recently, 20 by default, so with the defaults
        the previous rolled-out revision is never collected). ``False`` when it exists, and when that
        cannot be told (HTTP 403: the Role lacks ``get`` on revisions; an error)."""
        from kubernetes.client.exceptions import ApiException

        what = f"get Revision {self.namespace}/{revision}"
        try:
            self._call(what, lambda: self.api.get_namespaced_custom_object(
                KNATIVE_GROUP, KNATIVE_VERSION, self.namespace, REVISIONS, revision, **self.timeout))
        except ServingError as exc:
            return isinstance(exc.__cause__, ApiException) and exc.__cause__.status == 404
        return False

    def network_templates(self) -> tuple[str, str] | None:
        """Knative's ``(domain-template, tag-template)`` from its ConfigMap config-network
        (``isvc.NETWORK_CONFIG``; ``""`` for a key left out: Knative's default), ``None`` when it
        cannot be read — the runner's Role has no rule for it (403), Knative elsewhere (404), an
        error: the check it serves (``isvc.check_tag_host``) is then skipped."""
        from kubernetes import client

        from ctloop.serving.isvc import DOMAIN_TEMPLATE_KEY, NETWORK_CONFIG, TAG_TEMPLATE_KEY

        try:
            found = client.CoreV1Api(self.api.api_client).read_namespaced_config_map(
                NETWORK_CONFIG[1], NETWORK_CONFIG[0], **self.timeout)
        except Exception:  # noqa: BLE001 - unreadable for whatever reason: nothing to check against
            return None
        data = getattr(found, "data", None) or {}
        return str(data.get(DOMAIN_TEMPLATE_KEY) or ""), str(data.get(TAG_TEMPLATE_KEY) or "")

    def domain_config(self) -> dict[str, Any] | None:
        """Knative's ConfigMap config-domain's data (``isvc.DOMAIN_CONFIG``), ``None`` when it cannot
        be read (403: the runner may read only config-network; 404; an error): which Routes are
        cluster-local by a selector is then unknown (``isvc.route_templates``)."""
        from kubernetes import client

        from ctloop.serving.isvc import DOMAIN_CONFIG

        try:
            found = client.CoreV1Api(self.api.api_client).read_namespaced_config_map(
                DOMAIN_CONFIG[1], DOMAIN_CONFIG[0], **self.timeout)
        except Exception:  # noqa: BLE001 - unreadable for whatever reason: nothing known
            return None
        data = getattr(found, "data", None)
        return dict(data) if isinstance(data, dict) else {}

    def kserve_default(self) -> ClusterDefault:
        """:func:`read_kserve_default` with this client, where ``kserve_namespace`` (else
        ``isvc.kserve_config_namespaces``) says."""
        from kubernetes import client

        from ctloop.serving.isvc import kserve_config_namespaces

        return read_kserve_default(client.CoreV1Api(self.api.api_client),
                                   kserve_config_namespaces(self.kserve_namespace), **self.timeout)

    def kserve_default_mode(self) -> str:
        """The cluster's ``defaultDeploymentMode`` (:meth:`kserve_default`), ``""`` when unknown."""
        return self.kserve_default()[0]

    def knative_served(self) -> bool | None:
        """Whether the API server serves Knative Services (``serving.knative.dev/v1``, kind
        ``Service``): what KServe v0.20.0 checks before it reconciles a service in Knative mode
        (``pkg/controller/v1beta1/inferenceservice/controller.go``: ``utils.IsCrdAvailable``, a
        discovery of the group version, a 404 meaning absent). Discovery needs no Role (every
        authenticated identity may read ``/apis/*``, ClusterRole ``system:discovery``). ``None``
        when the answer says neither (an error, no answer)."""
        from kubernetes.client.exceptions import ApiException

        try:
            found = self.api.get_api_resources(KNATIVE_GROUP, KNATIVE_VERSION, **self.timeout)
        except ApiException as exc:
            return False if exc.status == 404 else None
        except Exception:  # noqa: BLE001 - no answer, an answer that is no APIResourceList: unknown
            return None
        resources = getattr(found, "resources", None) or []
        return any(getattr(r, "kind", None) == KNATIVE_SERVICE_KIND for r in resources)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create; a create whose answer did not come (a read timeout, a dropped connection) may
        have been applied: the InferenceService is read, and when it exists with the model of
        ``body`` (its ``storageUri``; the webhook defaults the rest of the spec) it is the answer.
        So is a 409 to a create sent again after a 5xx: the API server's 504 request timeout does
        not stop the write (k8s.io/apiserver ``pkg/server/filters/timeout.go``)."""
        name = body["metadata"]["name"]

        def send() -> Any:
            return self.api.create_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, body,
                                                            **self.timeout)

        try:
            return self._call(f"create InferenceService {self.namespace}/{name}", send)
        except ServingUnreachable as exc:
            if not (_dropped(exc) or _timed_out(exc)):
                raise
            return self._ours(name, body, exc)
        except ServingConflictError as exc:
            # no earlier send that may have been applied (the first answer, or a resend after a
            # 429, which applied nothing): another run's (or a person's) InferenceService
            if not getattr(exc, "resent", False):
                raise
            return self._ours(name, body, exc)
        except ServingError as exc:  # after its subclasses above
            _webhook_refusal(exc, name, self.namespace)
            raise

    def _ours(self, name: str, body: dict[str, Any], exc: Exception) -> dict[str, Any]:
        """The InferenceService ``name`` when it exists with ``body``'s model, else ``exc`` raised."""
        found = self.get(name)
        if found is None or not _storage_uri(body) or _storage_uri(found) != _storage_uri(body):
            raise exc
        return found

    def patch(self, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """JSON merge patch (``null`` deletes a field). A patch whose answer did not come (a read
        timeout, a reset) may have been applied: it is sent again — a merge patch applied twice is
        applied once (RFC 7386) — instead of reporting a failed step over a changed spec. A 404 (the
        InferenceService deleted since it was read) is :class:`ServingChangedOutside`."""
        what = f"patch InferenceService {self.namespace}/{name}"
        attempts = max(1, self.retries)
        for attempt in range(attempts):
            try:
                return self._call(what, lambda: self.api.patch_namespaced_custom_object(
                    GROUP, VERSION, self.namespace, PLURAL, name, patch, **self.timeout))
            except ServingConflictError as exc:
                # a 409 to a patch sent again (its answer lost): the first send may have landed
                exc.resent = getattr(exc, "resent", False) or attempt > 0
                raise
            except ServingUnreachable as exc:
                # only an answer lost after the request went out: a connection that failed was
                # retried by urllib3 already (api_retries), and sending it again only waits longer
                if attempt + 1 >= attempts or not (_dropped(exc) or _timed_out(exc)) or _request_ended():
                    raise
                time.sleep(0.2 * (attempt + 1))
            except ServingError as exc:
                # a merge patch never creates (k8s.io/apiserver pkg/endpoints/handlers/patch.go): the
                # InferenceService read before this patch was deleted since — someone else's change,
                # as a deletion met by wait_for is, not a failed write of this step
                cause = exc.__cause__
                _webhook_refusal(exc, name, self.namespace)
                if getattr(cause, "status", None) != 404:
                    raise
                answer = f"HTTP 404 {getattr(cause, 'reason', '') or 'Not Found'} ({_why(getattr(cause, 'body', ''))})"
                gone = ServingChangedOutside(f"InferenceService {self.namespace}/{name} was deleted or does not "
                                             f"exist: {what} answered {answer}; nothing written")
                gone.answer = answer  # the API server's reason, for a caller that words the error itself
                raise gone from exc
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


# k8s.io/apiserver pkg/admission/plugin/webhook/errors/statuserror.go ToStatusErr: every webhook's denial
_WEBHOOK_DENIED = "\" denied the request"
_WEBHOOK_PANIC = _WEBHOOK_DENIED + ": panic: "


def _webhook_refusal(exc: ServingError, name: str, namespace: str) -> None:
    """A write KServe's webhooks denied (403) for a reason ctloop can word, raised as that one line:
    its validator refusing a mode change (:func:`isvc.mode_change_refused`: what
    ``check_update_admitted`` refuses before writing when it can tell — not without the
    kserve-config-reader, nor when the default changed since it was read), or its defaulter failing
    on KServe's ConfigMap (:func:`isvc.deploy_config_refused`; a 500 when it panicked there).
    Anything else: nothing raised."""
    cause = exc.__cause__
    if getattr(cause, "status", None) not in (403, 500):  # 500: a panic the webhook recovered
        return
    message = _why(getattr(cause, "body", ""))
    if refused := mode_change_refused(name, namespace, message):
        raise ServingError(refused) from exc
    if advice := deploy_config_refused(message):
        raise ServingError(f"{exc}: {advice}") from exc


# The longest pause a 429's Retry-After asks for that is honoured (read at call time: tests shorten
# it). Priority and fairness asks for 1 s to 32 s: k8s.io/apiserver pkg/server/filters/
# priority-and-fairness.go takes it from pkg/util/flowcontrol/dropped_requests_tracker.go, which
# starts at 1 and doubles (up to maxRetryAfter, 32) while a priority level keeps dropping requests;
# the fixed "1" is only pkg/server/filters/maxinflight.go's (priority and fairness off). client-go
# honours the header uncapped; ctloop caps it so that one answer does not idle a step, and a
# wait's deadline bounds every such pause (:func:`_pause`)
RETRY_AFTER_MAX_S = 10.0
# The deadline of the wait_for asking (a time.monotonic() value), which get() and _call() bound
# a 429's pause with when not given one: a throttled wait's polls never sleep past its end
_DEADLINE: ContextVar[float | None] = ContextVar("ctloop_kube_deadline", default=None)


def retry_after(exc: Any) -> float:
    """The pause a 429 answer asks for (its ``Retry-After`` in seconds), 1 s when it names none,
    at most :data:`RETRY_AFTER_MAX_S`."""
    headers = getattr(exc, "headers", None)
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        pause = float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        pause = 1.0  # an HTTP date, or nonsense: the API server's own value
    return min(max(pause, 0.0), RETRY_AFTER_MAX_S)


def _pause(exc: Any, attempt: int, deadline: float | None) -> float | None:
    """How long to wait before sending again a request answered ``exc``; ``None``: not sent again.
    A 5xx: a short backoff (0.2 s, 0.4 s, …), whatever ``deadline`` — a wait's last read, taken
    just past its deadline, is still asked again over one proxy's 503. A 429: its
    :func:`retry_after`, at most the time left before ``deadline`` (none left: not sent again), so
    a throttled API cannot hold a wait seconds past its end. Any other answer: ``None``."""
    status = getattr(exc, "status", None) or 0
    if status >= 500:
        return 0.2 * (attempt + 1)
    if status != 429:
        return None
    pause = retry_after(exc)
    if deadline is None:
        return pause
    left = deadline - time.monotonic()
    return min(pause, left) if left > 0 else None


# The longest pause between two reads asked again past get()'s own tries, until a step's deadline
# (:func:`_pause_until`): 0.2 s doubled after each, at most this
GET_MAX_PAUSE_S = 2.0


def _pause_until(exc: Any, attempt: int, deadline: float | None, took: float = 0.0) -> float | None:
    """Past ``get``'s own tries: a 5xx, a 429 or no answer from an API server that is restarting
    (:func:`_passing`: refused, reset — urllib3 already tried the connection again,
    :func:`api_retries`) is asked again while ``deadline`` (a rollout step's, :func:`step_deadline`,
    or a wait's) has time left, the pause 0.2 s doubled after each try (at most
    :data:`GET_MAX_PAUSE_S`; a 429's :func:`retry_after` when longer), never past it; ``None``: not
    again. A try that took ``took`` seconds (urllib3's own connect retries: ~1.2 s) is not started
    again when the next would end past the deadline. Without a deadline (``ctloop rollout
    status``: one quick answer) nothing is asked again."""
    if deadline is None or not _asked_again(exc):
        return None
    status = getattr(exc, "status", None) or 0
    left = deadline - time.monotonic() - (took if isinstance(exc, ServingUnreachable) else 0.0)
    if left <= 0:
        return None
    pause = min(0.2 * 2 ** max(attempt - 1, 0), GET_MAX_PAUSE_S)
    if status == 429:
        # never shorter than the backoff: a "Retry-After: 0" (or a negative one) asked again at
        # once, some 20 GETs a second until the deadline
        pause = max(retry_after(exc), pause)
    return min(pause, left)


def _asked_again(exc: Any) -> bool:
    """An answer a read is asked again over within a deadline: a 5xx, a 429, or no answer from an
    API server that refused or reset the connection (:func:`_passing`)."""
    status = getattr(exc, "status", None) or 0
    return status >= 500 or status == 429 or (isinstance(exc, ServingUnreachable) and _passing(exc))


def _asked(times: int, start: float, exc: Any, deadline: float | None) -> str:
    """`` (asked N times over S s…)``: ``, until the step's deadline`` only when that is what stopped
    the asking (the last answer was one asked again, :func:`_asked_again`)."""
    until = ", until the step's deadline" if deadline is not None and _asked_again(exc) else ""
    return f" (asked {times} times over {time.monotonic() - start:.0f} s{until})"


def _passing(exc: BaseException) -> bool:
    """A :class:`ServingUnreachable` that may pass by itself (an API server restarting, a proxy
    closing a kept-alive connection): the connection was refused (urllib3 2.x ``NewConnectionError``
    raised from a ``ConnectionRefusedError``) or reset/closed after the request went out
    (``ProtocolError``). Not a name that does not resolve (``NameResolutionError``, also a
    ``NewConnectionError``), a TLS failure (a wrong CA or scheme), a proxy's, a malformed server URL
    or a timeout: a wrong kubeconfig, which asking again until a step's deadline only hides."""
    import urllib3

    reason = _reason(exc)
    if isinstance(reason, urllib3.exceptions.ProtocolError):
        return True
    if type(reason) is not urllib3.exceptions.NewConnectionError:
        return False
    seen: set[int] = set()
    cause: BaseException | None = reason
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _wrong_config(exc: BaseException) -> bool:
    """A request urllib3 failed for a reason only a wrong kubeconfig gives, which a wait does not
    poll on over: a name that does not resolve (``NameResolutionError``), a malformed server URL
    (``LocationValueError``), a TLS failure naming the configuration — a certificate that does not
    verify (a wrong CA) or ``https://`` to a plain-HTTP port (``WRONG_VERSION_NUMBER``). Anything
    else may pass by itself and a wait polls on: refused, reset, a connect timeout (a control-plane
    node unreachable for a while), a TLS handshake a load balancer closes while the API server behind
    it restarts (``UNEXPECTED_EOF_WHILE_READING``), a proxy's error."""
    import ssl

    import urllib3

    errors = urllib3.exceptions
    reason = _reason(exc)
    if isinstance(reason, errors.NameResolutionError | errors.LocationValueError):
        return True
    if not isinstance(reason, errors.SSLError):
        return False
    seen: set[int] = set()
    cause: BaseException | None = reason
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError) or any(
                mark in str(cause) for mark in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed",
                                                "WRONG_VERSION_NUMBER", "wrong version number")):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


@contextmanager
def step_deadline(deadline: float) -> Iterator[None]:
    """Within it, every request of :class:`InferenceServices` keeps to ``deadline`` (a
    ``time.monotonic()`` value: a rollout step's end): a read answered 5xx or 429 is asked again
    until then (:func:`_pause_until`), a 429's pause on a write ends by then, and none is taken once
    it has passed. A :func:`wait_for` inside it bounds its own polls the same way."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


# The end (a time.monotonic() value) every request of InferenceServices keeps to within
# request_deadline(): its timeout is at most the time left (InferenceServices.timeout)
_REQUEST_END: ContextVar[float | None] = ContextVar("ctloop_kube_request_end", default=None)
# The shortest timeout a request within request_deadline() is sent with once its end has passed
REQUEST_TIMEOUT_MIN_S = 0.05


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Within it, every request of :class:`InferenceServices` ends by ``deadline`` (a
    ``time.monotonic()`` value): its timeout is at most the time left, not the client's whole
    ``request_timeout_s``, and a PATCH whose answer did not come is not sent again past it. For a
    cleanup that must end promptly (a rollback's, while a second SIGTERM waits): :func:`step_deadline`
    bounds only the asking again, and a server that accepts the connection and never answers held
    each request a whole timeout."""
    token = _REQUEST_END.set(deadline)
    try:
        yield
    finally:
        _REQUEST_END.reset(token)


def _request_ended() -> bool:
    end = _REQUEST_END.get()
    return end is not None and time.monotonic() >= end


def transient(exc: BaseException) -> bool:
    """A read that failed on an answer that says nothing about the object: throttled (429) or the
    API server (or a proxy before it) failing (5xx) — a wait polls on while it has time."""
    from kubernetes.client.exceptions import ApiException

    cause = exc.__cause__
    status = cause.status if isinstance(cause, ApiException) else None
    return bool(status) and (status == 429 or status >= 500)


def _storage_uri(obj: dict[str, Any]) -> str:
    model = (((obj.get("spec") or {}).get("predictor") or {}).get("model") or {})
    return str(model.get("storageUri") or "") if isinstance(model, dict) else ""


def _reason(exc: BaseException) -> BaseException | None:
    import urllib3

    cause = exc.__cause__
    if isinstance(cause, urllib3.exceptions.MaxRetryError):
        return cause.reason
    return cause


def _dropped(exc: BaseException) -> bool:
    """The connection was closed or reset after the request was sent (no answer, no timeout)."""
    import urllib3

    return isinstance(_reason(exc), urllib3.exceptions.ProtocolError)


def answer_lost(exc: BaseException) -> bool:
    """A request that went out and whose answer did not come (its connection reset or closed, or no
    answer before its timeout): the server may have applied it. Not a connection that failed."""
    return _dropped(exc) or _timed_out(exc)


def _timed_out(exc: BaseException) -> bool:
    import urllib3

    return isinstance(_reason(exc), urllib3.exceptions.ReadTimeoutError)


def _decoded(what: str, fn: Callable[[], Any]) -> Any:
    """``fn()``, a body the client cannot decode (not UTF-8) a ServingError, not a traceback."""
    import urllib3

    try:
        return fn()
    except urllib3.exceptions.HTTPError as exc:  # refused, reset, no answer in time: no ApiException
        reason = getattr(exc, "reason", None) or exc
        raise ServingUnreachable(f"{what}: the API server did not answer ({type(reason).__name__}: "
                           f"{' '.join(str(reason).split())[:200]})") from exc
    except UnicodeDecodeError as exc:
        raise ServingError(f"{what}: the API server's answer is not text ({exc.reason} at byte {exc.start}); "
                           "is the kubeconfig's server a Kubernetes API server?") from exc


def _object(what: str, value: Any) -> dict[str, Any]:
    """An answer that is no object (a proxy's or SSO login page answered 200, a list) is one
    ServingError line: returned, it failed later as an AttributeError on a str. So is one whose
    ``metadata``, ``spec``, ``status``, ``status.components`` or its ``predictor`` is there but no
    object: the CRD's schema (KServe v0.20.0 ``config/crd/full/serving.kserve.io_inferenceservices.yaml``)
    types each ``object``, and every reader of the status took them for one."""
    if not isinstance(value, dict):
        raise ServingError(f"{what}: the API server answered {_why(value if isinstance(value, str) else repr(value))!r}, "
                           "not an InferenceService: is the kubeconfig's server the Kubernetes API server "
                           "(not a login page or proxy)?")
    for path in (("metadata",), ("spec",), ("status",), ("status", "components"),
                 ("status", "components", "predictor")):
        level: Any = value
        for key in path:
            level = level.get(key) if isinstance(level, dict) else None
        if level is not None and not isinstance(level, dict):
            raise ServingError(f"{what}: the answer's {'.'.join(path)} is {_shown(level)}, not an object: not an "
                               "object the Kubernetes API server keeps (is the kubeconfig's server the Kubernetes "
                               "API server, not a proxy?)")
    return value


def _why(body: Any) -> str:
    """An error body in one line: a Kubernetes Status' message, else the text, whitespace folded
    (a proxy's HTML error page spans lines), at most 300 characters."""
    import json

    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body or "")
    try:
        status = json.loads(text)
        if isinstance(status, dict) and isinstance(status.get("message"), str):
            text = status["message"]
    except ValueError:
        pass
    return " ".join(text.split())[:300]


def predictor_status(isvc: dict[str, Any] | None) -> dict[str, Any]:
    """``status.components.predictor``, ``{}`` where a level is missing or no object (a Standard
    predictor has ``url`` alone, ``inference_service_status.go`` ``PropagateRawStatus``)."""
    level: Any = isvc
    for key in ("status", "components", "predictor"):
        level = level.get(key) if isinstance(level, dict) else None
    return level if isinstance(level, dict) else {}


def traffic_entries(isvc: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``status.components.predictor.traffic[]``, ``[]`` when there is none (any mode but Knative:
    KServe v0.20.0 writes it only from the Knative Service's route status, ``PropagateStatus``).
    Each entry is a knative ``TrafficTarget`` (knative-v1.21.1 ``pkg/apis/serving/v1/
    route_types.go``), the CRD's schema typing ``percent`` int64, ``revisionName`` and ``tag``
    strings, ``latestRevision`` a boolean: anything else is no status KServe wrote (a proxy's
    answer, a hand-made object), one :class:`ServingError` line naming the entry's field and value —
    it used to end a rollout (or ``ctloop rollout status``) in a ValueError or AttributeError."""
    traffic = predictor_status(isvc).get("traffic")
    if traffic is None:
        return []
    name = (((isvc or {}).get("metadata") or {}).get("name") or "?") if isinstance(isvc, dict) else "?"
    where = f"InferenceService {name!r}: status.components.predictor.traffic"
    if not isinstance(traffic, list):
        raise ServingError(f"{where} is {_shown(traffic)}, not a list of traffic targets: not a status KServe "
                           "writes")
    for i, t in enumerate(traffic):
        if not isinstance(t, dict):
            raise ServingError(f"{where}[{i}] is {_shown(t)}, not a traffic target: not a status KServe writes")
        percent, revision = t.get("percent"), t.get("revisionName")
        if percent is not None and (isinstance(percent, bool) or not isinstance(percent, int)):
            raise ServingError(f"{where}[{i}].percent is {_shown(percent)}, not a whole number: not a status "
                               "KServe writes")
        if revision is not None and not isinstance(revision, str):
            raise ServingError(f"{where}[{i}].revisionName is {_shown(revision)}, not a name: not a status "
                               "KServe writes")
    return traffic


def _shown(value: Any) -> str:
    """A value of a status for a message: its JSON, at most 80 characters."""
    import json

    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def traffic_split(isvc: dict[str, Any] | None) -> dict[str, int]:
    """``{revision name: percent}`` from ``status.components.predictor.traffic[]``
    (:func:`traffic_entries`); one revision's entries are summed (Knative keeps one per tag: right
    after a pin-back to 0 % KServe v0.20.0 routes both ``latest`` and ``prev`` to the same
    revision). An entry without ``percent`` counts 0 %."""
    out: dict[str, int] = {}
    for t in traffic_entries(isvc):
        if t.get("revisionName"):
            out[t["revisionName"]] = out.get(t["revisionName"], 0) + (t.get("percent") or 0)
    return out


# KServe v0.20.0 inference_service_status.go: the predictor's Knative configuration condition
CONFIGURATION_READY = "PredictorConfigurationReady"


def revision_failure(isvc: dict[str, Any] | None) -> str:
    """Why the latest created revision failed, ``""`` unless it did: Knative keeps the previous
    ready revision and marks the configuration ``RevisionFailed`` with ``Revision "<name>" failed
    with message: ...`` (knative-v1.21.1 ``pkg/apis/serving/v1/configuration_lifecycle.go``
    ``MarkLatestCreatedFailed``), which KServe copies into ``PredictorConfigurationReady``."""
    st = predictor_status(isvc)
    if not st.get("latestCreatedRevision") or st.get("latestCreatedRevision") == st.get("latestReadyRevision"):
        return ""
    for cond in ((isvc or {}).get("status") or {}).get("conditions") or []:
        if (cond.get("type") == CONFIGURATION_READY and cond.get("status") == "False"
                and cond.get("reason") == "RevisionFailed"):
            return str(cond.get("message") or f"revision {st['latestCreatedRevision']} failed")
    return ""


# KServe v0.20.0 pkg/apis/serving/v1beta1/inference_service_status.go: the transition status the
# predictor reconciler records (UpdateModelTransitionStatus) when the spec cannot be served as it
# is — its runtime missing (RuntimeNotRecognized), disabled (RuntimeDisabled), not supporting the
# model's format or protocol (NoSupportingRuntime) — with status.modelStatus.lastFailureInfo
# (components/predictor.go reconcileModel). No Knative Service is made: no revision, no traffic[]
INVALID_SPEC = "InvalidSpec"


def invalid_spec(isvc: dict[str, Any] | None) -> str:
    """Why KServe cannot serve the spec (``reason: message`` of its ``lastFailureInfo``), ``""``
    unless its model status is ``InvalidSpec``."""
    model = ((isvc or {}).get("status") or {}).get("modelStatus") or {}
    if not isinstance(model, dict) or model.get("transitionStatus") != INVALID_SPEC:
        return ""
    info = model.get("lastFailureInfo") or {}
    info = info if isinstance(info, dict) else {}
    why = ": ".join(str(info[k]) for k in ("reason", "message") if info.get(k)) or INVALID_SPEC
    spec_model = (((isvc or {}).get("spec") or {}).get("predictor") or {}).get("model")
    runtime = spec_model.get("runtime") if isinstance(spec_model, dict) else None
    if info.get("reason") == "RuntimeNotRecognized" and runtime:
        namespace = ((isvc or {}).get("metadata") or {}).get("namespace") or "its namespace"
        why += (f" (no ServingRuntime {runtime!r} in {namespace}: apply ctloop's, manifests/base/servingruntime.yaml, "
                "or name an installed one)")
    return " ".join(why.split())


# KServe v0.20.0 controller.go: the Warning event it records (and nothing else: no condition, no
# revision) when a service resolves to Knative mode and Knative Services are not served
SERVERLESS_REJECTED = "ServerlessModeRejected"


def knative_unreconciled(isvc: dict[str, Any] | None) -> bool:
    """A service in Knative mode for which KServe made no Knative Service (no revision in its
    status): what KServe v0.20.0 leaves when it rejects Knative mode — ``InitializeConditions``
    (Ready, PredictorReady, IngressReady all Unknown) and ``status.deploymentMode: Knative`` —
    and also what a service not reconciled yet shows, hence :meth:`InferenceServices.knative_served`."""
    from ctloop.serving.isvc import KNATIVE, deployment_mode

    return bool(isvc) and not predictor_status(isvc).get("latestCreatedRevision") and deployment_mode(isvc) == KNATIVE


def no_knative() -> str:
    """Why a service in Knative mode gets no revision on a cluster that serves no Knative Services."""
    return ("it is in Knative mode, and this "
            f"cluster serves no Knative Services ({KNATIVE_GROUP}/{KNATIVE_VERSION} has no kind "
            f"{KNATIVE_SERVICE_KIND}): KServe v0.20.0 rejects it (event {SERVERLESS_REJECTED}: \"It is not possible to "
            "use Knative deployment mode when Knative Services are not available\") and makes no revision. Install "
            "Knative Serving (KServe 0.20 pins 1.21.1), then restart the KServe controller (it caches the "
            "discovery and does not retry a rejected service) and deploy again")


# How many times one wait asks the discovery whether Knative Services are served while the answer
# says neither (InferenceServices.knative_served None: throttled, an error): once per poll until then
KNATIVE_ASKS = 5

# How long a wait polls a status still showing the InvalidSpec read before its write
# (wait_for's invalid_before) before it ends: a patch KServe has not reconciled yet still shows it
INVALID_SPEC_GRACE_S = 15.0


def wait_for(isvcs: InferenceServices, name: str, condition: Callable[[dict[str, Any]], bool], *,
             timeout_s: float, what: str, poll_s: float = 0.5, failed_before: str | None = None,
             deadline: float | None = None, invalid_before: str = "") -> dict[str, Any]:
    """Poll until ``condition(isvc)``; ServingTimeoutError names what was expected and what was seen.

    With ``failed_before`` (the latest created revision before the change being waited for): a
    revision created since that KServe reports failed (:func:`revision_failure`) ends the wait at
    once with a ServingError, as it will never become ready. The status read right after a patch
    may still describe the revision before it, so a failure of ``failed_before`` is not one.
    An InferenceService deleted meanwhile ends the wait at once (:class:`ServingChangedOutside`).
    With ``deadline`` (``time.monotonic()`` value) the wait is part of a longer one of ``timeout_s``
    (a deploy's several waits) and ends by then; the message names ``timeout_s``.

    A status KServe cannot serve (:func:`invalid_spec`) ends the wait at once, unless it says what
    the status read before the change did (``invalid_before``): the status read right after a
    patch may predate its reconcile, and KServe v0.20.0 does not reconcile a service when its
    ServingRuntime is created (``controller.go`` ``servingRuntimesPredicate``: ``CreateFunc``
    false), so an unchanged spec keeps it. That one ends the wait after
    :data:`INVALID_SPEC_GRACE_S` (or the deadline), its message saying how to have it reconciled."""
    deadline = time.monotonic() + timeout_s if deadline is None else deadline
    grace_until = min(deadline, time.monotonic() + INVALID_SPEC_GRACE_S)  # read at call time (tests shorten it)
    seen: dict[str, Any] | None = None
    # whether Knative Services are served (knative_served): asked until it is answered, at most
    # KNATIVE_ASKS times a wait
    knative_asks, knative_answered = 0, False
    while True:
        token = _DEADLINE.set(deadline)  # get()'s 429 pauses (its Retry-After) end by the deadline
        try:
            seen = isvcs.get(name)
        except ServingUnreachable as exc:
            # one poll without an answer (refused, reset, timed out, a handshake closed): the wait goes on
            # while it has time; a wrong kubeconfig (:func:`_wrong_config`) fails at once
            if time.monotonic() >= deadline or _wrong_config(exc):
                raise
            time.sleep(poll_s)
            continue
        except ServingError as exc:
            # throttled (429) or a 5xx burst (an API server restarting, a proxy) past get()'s own
            # retries: it says nothing about the service, and the wait goes on while it has time —
            # it used to end a canary's wait of minutes at the first burst
            if not transient(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(poll_s)
            continue
        finally:
            _DEADLINE.reset(token)
        if seen is None:  # deleted meanwhile (it existed when the step began): nothing to wait for
            raise ServingChangedOutside(f"InferenceService {isvcs.namespace}/{name} was deleted while waiting "
                                        f"for {what}")
        if condition(seen):
            return seen
        invalid = invalid_spec(seen)
        if invalid and (invalid != invalid_before or time.monotonic() >= grace_until):
            # KServe made no revision for this spec and will make none until it is changed (or the
            # runtime installed): the wait waited out its timeout with latestCreated=None
            stale = ""
            if invalid == invalid_before:
                stale = (f"; it said so before this step, too: if the runtime was applied since, KServe "
                         "v0.20.0 does not reconcile an InferenceService when its ServingRuntime is created (only "
                         "when the service changes, or at its error backoff, up to 1000 s apart): change, annotate "
                         f"(kubectl annotate isvc {name} -n {isvcs.namespace} --overwrite ctloop.dev/reconcile="
                         "\"$(date +%s)\") or recreate the service, then deploy again")
            raise ServingError(f"InferenceService {isvcs.namespace}/{name}: {what} will not be reached: KServe "
                               f"cannot serve its spec ({INVALID_SPEC}: {invalid}){stale}")
        if not knative_answered and knative_asks < KNATIVE_ASKS and knative_unreconciled(seen) and not invalid:
            # asked again at a later poll when the answer said neither (a throttled or failed
            # discovery): one such answer used to turn the diagnosis off for the whole wait
            served = getattr(isvcs, "knative_served", lambda: None)()
            knative_asks, knative_answered = knative_asks + 1, served is not None
            if served is False:
                raise ServingError(f"InferenceService {isvcs.namespace}/{name}: {what} will not be reached: "
                                   f"{no_knative()}")
        failure = revision_failure(seen) if failed_before is not None else ""
        if failure and predictor_status(seen).get("latestCreatedRevision") != failed_before:
            raise ServingError(f"InferenceService {isvcs.namespace}/{name}: {what} will not be reached: {failure}")
        if time.monotonic() >= deadline:
            status = predictor_status(seen)
            raise ServingTimeoutError(
                f"InferenceService {isvcs.namespace}/{name}: {what} not reached within {timeout_s:g} s; "
                f"latestCreated={status.get('latestCreatedRevision')}, latestReady={status.get('latestReadyRevision')}, "
                f"traffic={traffic_split(seen)}"
            )
        time.sleep(poll_s)


__all__ = [
    "read_kserve_default","GROUP", "VERSION", "PLURAL", "VERBS", "REVISION_RULE", "SOURCE_URI_ANNOTATION", "InferenceServices", "load_api_client", "kubeconfig_path", "predictor_status", "traffic_split", "traffic_entries", "wait_for",
           "revision_failure", "CONFIGURATION_READY", "INVALID_SPEC", "INVALID_SPEC_GRACE_S", "invalid_spec",
           "KNATIVE_SERVICE_KIND", "SERVERLESS_REJECTED", "no_knative", "knative_unreconciled",
           "retry_after", "transient", "RETRY_AFTER_MAX_S", "GET_MAX_PAUSE_S", "step_deadline"]
