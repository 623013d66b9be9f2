"""Settings and credentials for every task on a cluster: Kubernetes objects, never literals.

By default (all optional, so the same compiled pipeline runs with workload identity and no
secrets at all):

* ConfigMap ``ctloop-settings`` → env ``MLFLOW_TRACKING_URI``, ``PROMETHEUS_URL``, ``PUSHGATEWAY_URL``,
  ``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_APPLICATION_CREDENTIALS``, ``PROMETHEUS_TOKEN_FILE``,
  ``PROMETHEUS_CA_FILE``, ``PUSHGATEWAY_TOKEN_FILE``, ``PUSHGATEWAY_CA_FILE`` (paths in the pod: a
  Prometheus or Pushgateway behind an auth proxy), ``MLFLOW_TRACKING_SERVER_CERT_PATH`` (the CA bundle
  of an MLflow server whose certificate a private CA signed, read by the MLflow client itself),
  ``KFP_CA_FILE`` and ``KFP_INSTALL_NAMESPACE`` → ``CTLOOP_KFP_CA_FILE``/``CTLOOP_KFP_INSTALL_NAMESPACE``
  (in every task, like every key; only the steps that call the KFP API, :data:`KFP_API_STEPS`, read them, and
  only they get the pipelines-token label and mount the optional ConfigMap ``ctloop-kfp-ca`` at
  ``/etc/ctloop/kfp-ca``);
* Secret ``ctloop-mlflow`` keys ``username``/``password``/``token`` →
  ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``/``MLFLOW_TRACKING_TOKEN``;
* Secret ``ctloop-prometheus`` keys ``token``/``username``/``password`` →
  ``PROMETHEUS_TOKEN``/``PROMETHEUS_USERNAME``/``PROMETHEUS_PASSWORD``, keys
  ``pushgateway_token``/``pushgateway_username``/``pushgateway_password`` →
  ``PUSHGATEWAY_TOKEN``/``PUSHGATEWAY_USERNAME``/``PUSHGATEWAY_PASSWORD`` (docs/serving.md);
* Secret ``ctloop-storage`` keys ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/... and
  ``AZURE_STORAGE_*`` → the same environment variables (S3, MinIO, Azure Blob; none needed with IRSA
  or workload identity); ConfigMap keys ``AWS_ENDPOINT_URL(_S3)``, ``AWS_DEFAULT_REGION``;
* Secret ``ctloop-gcp`` mounted at ``/var/secrets/google`` (a service-account key; set
  ``GOOGLE_APPLICATION_CREDENTIALS: /var/secrets/google/key.json`` in the ConfigMap to use it).

The compiled YAML names these objects and keys, never their values. Use in a pipeline body::

    from ctloop.ops.settings import apply_platform_settings

    apply_platform_settings(task)               # one task (returns it, for chaining)
    apply_platform_settings([prepare, train])   # several

``kfp.kubernetes`` is imported only when the function is called.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

SETTINGS_CONFIGMAP = "ctloop-settings"
MLFLOW_SECRET = "ctloop-mlflow"
GCP_SECRET = "ctloop-gcp"
GCP_MOUNT = "/var/secrets/google"
STORAGE_SECRET = "ctloop-storage"
PROMETHEUS_SECRET = "ctloop-prometheus"


def _config_env() -> dict[str, str]:
    return {
        "MLFLOW_TRACKING_URI": "MLFLOW_TRACKING_URI",
        "PROMETHEUS_URL": "PROMETHEUS_URL",
        "PUSHGATEWAY_URL": "PUSHGATEWAY_URL",
        "GOOGLE_CLOUD_PROJECT": "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_APPLICATION_CREDENTIALS": "GOOGLE_APPLICATION_CREDENTIALS",
        "AWS_ENDPOINT_URL": "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3": "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION": "AWS_DEFAULT_REGION",
        "PROMETHEUS_TOKEN_FILE": "PROMETHEUS_TOKEN_FILE",
        "PROMETHEUS_CA_FILE": "PROMETHEUS_CA_FILE",
        "PUSHGATEWAY_TOKEN_FILE": "PUSHGATEWAY_TOKEN_FILE",
        "PUSHGATEWAY_CA_FILE": "PUSHGATEWAY_CA_FILE",
        "MLFLOW_TRACKING_SERVER_CERT_PATH": "MLFLOW_TRACKING_SERVER_CERT_PATH",
        # every task gets them, the steps that call the KFP API (KFP_API_STEPS) read them: the CA bundle of an https KFP host (a file in the pod,
        # e.g. in the ConfigMap KFP_CA_CONFIGMAP mounted at KFP_CA_MOUNT), and where KFP is installed when the
        # step finds it without a host (the ml-pipeline service of that namespace): ctloop.ops.platform.task_platform
        # reads both. Under ctloop's own names: a profile's PodDefault for notebooks may set KFP_CA_FILE, and
        # Kubeflow's admission webhook refuses a pod whose env entry of a name differs from a selecting PodDefault's
        # (kubeflow/kubeflow components/admission-webhook/main.go mergeEnv: reflect.DeepEqual), as a
        # configMapKeyRef always differs from a value
        "KFP_CA_FILE": "CTLOOP_KFP_CA_FILE",
        "KFP_INSTALL_NAMESPACE": "CTLOOP_KFP_INSTALL_NAMESPACE",
    }


def _storage_env() -> dict[str, str]:
    """Keys of Secret ``ctloop-storage`` (manifests/components/storage-credentials): the same names
    KServe's storage initializer reads, so one Secret serves both."""
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_ACCOUNT_NAME",
            "AZURE_STORAGE_ACCESS_KEY", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN")
    return {key: key for key in keys}


def _prometheus_env() -> dict[str, str]:
    """Keys of Secret ``ctloop-prometheus`` (ctloop.serving.metric_sources.PrometheusAuth): the
    queries' credentials (``PROMETHEUS_*``) and, under keys prefixed ``pushgateway_``, the
    monitoring pushes' (``PUSHGATEWAY_*``, ctloop.monitoring.publish): two servers, two identities."""
    return {"token": "PROMETHEUS_TOKEN", "username": "PROMETHEUS_USERNAME", "password": "PROMETHEUS_PASSWORD",
            "pushgateway_token": "PUSHGATEWAY_TOKEN", "pushgateway_username": "PUSHGATEWAY_USERNAME",
            "pushgateway_password": "PUSHGATEWAY_PASSWORD"}


def _mlflow_env() -> dict[str, str]:
    return {
        "username": "MLFLOW_TRACKING_USERNAME",
        "password": "MLFLOW_TRACKING_PASSWORD",
        "token": "MLFLOW_TRACKING_TOKEN",
    }


@dataclass(frozen=True)
class PlatformSettings:
    """Names of the Kubernetes objects every task reads (never their values).

    Args:
        config_map: ConfigMap whose keys become environment variables.
        config_env: ConfigMap key → environment variable.
        mlflow_secret: Secret with the MLflow credentials.
        mlflow_env: Secret key → environment variable.
        gcp_secret: Secret with a GCP service-account key, mounted at ``gcp_mount``; empty = none.
        gcp_mount: Mount path of ``gcp_secret``.
        storage_secret: Secret with S3 / Azure Blob credentials (env); empty = none (IRSA, workload
            identity and GCS need none).
        storage_env: Secret key → environment variable.
        prometheus_secret: Secret with credentials for Prometheus and the Pushgateway (bearer
            token or basic auth); empty = none.
        prometheus_env: Secret key → environment variable.
        optional: Tasks still start when an object or key is missing (workload identity, no
            MLflow auth, ...). False makes a missing object fail the pod at start.
    """

    config_map: str = SETTINGS_CONFIGMAP
    config_env: Mapping[str, str] = field(default_factory=_config_env)
    mlflow_secret: str = MLFLOW_SECRET
    mlflow_env: Mapping[str, str] = field(default_factory=_mlflow_env)
    gcp_secret: str = GCP_SECRET
    gcp_mount: str = GCP_MOUNT
    storage_secret: str = STORAGE_SECRET
    storage_env: Mapping[str, str] = field(default_factory=_storage_env)
    prometheus_secret: str = PROMETHEUS_SECRET
    prometheus_env: Mapping[str, str] = field(default_factory=_prometheus_env)
    optional: bool = True


DEFAULT_SETTINGS = PlatformSettings()


# Set in every task pod by KFP itself: the executor template's env (kubeflow/pipelines 2.17.0
# backend/src/v2/compiler/argocompiler/container.go, fieldRef metadata.name / metadata.uid)
KFP_POD_ENV = ("KFP_POD_NAME", "KFP_POD_UID")
# The rest of what KFP 2.17.0 gives the executor's main container: the template's envFrom ConfigMap
# metadata-grpc-configmap (argocompiler/common.go metadataEnvFrom; its keys in
# manifests/kustomize/base/metadata/base/metadata-grpc-configmap.yaml), KFP_RETRY_INDEX on a template
# with a retry strategy (common.go retryIndexEnv, v2/component/constants.go), and the API server's
# proxy variables when it has a proxy (apiserver/config/proxy/config.go GetEnvVars, added by
# v2/driver/driver.go initPodSpecPatch).
KFP_EXECUTOR_ENV = ("METADATA_GRPC_SERVICE_HOST", "METADATA_GRPC_SERVICE_PORT", "KFP_RETRY_INDEX",
                    "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")
# What the Argo Workflows controller adds to every main container (workflow/controller/workflowpod.go
# createWorkflowPod at v4.0.5, the release KFP 2.17.0 installs, third_party/argo/VERSION; the same at
# v3.7.3 for KFP 2.15/2.16): the container's name, node id, script-output flag and deadline, the
# progress file and ticks (on unless the controller turns progress off), and the pod's termination grace
# period when set. ARGO_CONTAINER_ARGS_FILE is left out: Argo sets it only when it clears the args.
ARGO_MAIN_ENV = ("ARGO_CONTAINER_NAME", "ARGO_NODE_ID", "ARGO_INCLUDE_SCRIPT_OUTPUT", "ARGO_DEADLINE",
                 "ARGO_PROGRESS_FILE", "ARGO_PROGRESS_PATCH_TICK_DURATION", "ARGO_PROGRESS_FILE_TICK_DURATION",
                 "ARGO_TERMINATION_GRACE_PERIOD_SECONDS")
# The kubelet's service links (kubernetes pkg/kubelet/kubelet_pods.go getServiceEnvVarMap; names by
# pkg/kubelet/envvars/envvars.go FromServices): the API server's Service "kubernetes" in every pod,
# whatever enableServiceLinks says ...
KUBERNETES_SERVICE_ENV = ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "KUBERNETES_SERVICE_PORT_HTTPS",
                          "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP", "KUBERNETES_PORT_443_TCP_PROTO",
                          "KUBERNETES_PORT_443_TCP_PORT", "KUBERNETES_PORT_443_TCP_ADDR")
# ... and every Service of the pod's namespace (enableServiceLinks defaults to true; KFP's profile
# controller alone adds ml-pipeline-ui-artifact to each profile): names of these shapes, whatever the
# Service is called. The kubelet expands the container's arguments from all of them.
SERVICE_LINK_ENV = re.compile(
    r"[A-Z0-9_]+_(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT(?:_[0-9]+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?)?)"
)
# what follows <SERVICE> in a service link's name (the part SERVICE_LINK_ENV matches after the prefix)
_SERVICE_LINK_SUFFIX = re.compile(
    r"SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT(?:_[0-9]+_(?:TCP|UDP|SCTP)(?:_PROTO|_PORT|_ADDR)?)?"
)
# a Service's name: a DNS label of at most 63 characters (Kubernetes ValidateServiceName: RFC 1035, a
# letter first; with the RelaxedServiceNameValidation gate, 1.34, RFC 1123: a digit first too)
_SERVICE_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
OMP_THREADS_ENV = "OMP_NUM_THREADS"  # set by apply_step_settings from the step's CPU


def service_link_services(name: str) -> tuple[str, ...]:
    """The Services whose service link ``name`` would be (``MY_SERVICE_PORT``: ``my-service``, the link
    ``<SERVICE>_PORT``, or ``my``, ``<SERVICE>_SERVICE_PORT``), shortest first (``MLFLOW_SERVICE_PORT``: ``mlflow``
    before ``mlflow-service``, the ``<SERVICE>_SERVICE_*`` reading most names mean); ``()`` for a name of no
    service link's shape. The kubelet names a Service's links by its name upper-cased, ``-`` as ``_``
    (Kubernetes ``pkg/kubelet/envvars/envvars.go`` ``makeEnvVariableName``)."""
    if not SERVICE_LINK_ENV.fullmatch(name):
        return ()
    found = []
    for i, c in enumerate(name):
        if c == "_" and _SERVICE_LINK_SUFFIX.fullmatch(name, i + 1):
            service = name[:i].lower().replace("_", "-")
            if _SERVICE_NAME.fullmatch(service):
                found.append(service)
    return tuple(sorted(found, key=len))


class TaskEnv(AbstractSet[str]):
    """The names :func:`task_env_names` gives: a set that also holds every name of a service link's
    shape (:data:`SERVICE_LINK_ENV`, of a name a Service can have: :func:`service_link_services`), which
    no list can spell out.

    Not a frozenset subclass: ``set.__or__`` runs before a frozenset subclass's ``__ror__`` (it is no
    set subclass), so ``{"MY_VAR"} | env`` was a plain set and ``{name} & env`` empty. As a
    :class:`collections.abc.Set` the built-in operators answer NotImplemented and these run: a union,
    difference or intersection is a TaskEnv (``_from_iterable``), an intersection and ``>=`` answer by
    ``in``; iteration, ``len``, ``==`` and ``-`` see the listed names only."""

    __slots__ = ("_names",)

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = frozenset(names)

    @classmethod
    def _from_iterable(cls, names: Iterable[str]) -> TaskEnv:
        return cls(names)

    def __contains__(self, name: object) -> bool:
        return name in self._names or (isinstance(name, str) and bool(service_link_services(name)))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __hash__(self) -> int:
        return hash(self._names)

    def __repr__(self) -> str:
        return f"TaskEnv({sorted(self._names)!r})"

    def by_shape(self, name: str) -> tuple[str, ...]:
        """The Services (:func:`service_link_services`) whose link ``name`` is, when it is in this set
        by its shape only: a variable of the task's container only if such a Service exists in the
        namespace; ``()`` for a name every task's container has (or none)."""
        return () if name in self._names else service_link_services(name)

    def __ge__(self, other: object) -> bool:  # by ``in``: the shape's names are no fewer than any list
        if not isinstance(other, AbstractSet):
            return NotImplemented
        return all(name in self for name in other)

    # frozenset's named methods, on any iterables
    def union(self, *others: Iterable[str]) -> TaskEnv:
        return TaskEnv(self._names.union(*others))

    def intersection(self, *others: Iterable[str]) -> TaskEnv:
        common = frozenset.intersection(*(frozenset(o) for o in others)) if others else self._names
        return TaskEnv(name for name in common if name in self)

    def difference(self, *others: Iterable[str]) -> TaskEnv:
        return TaskEnv(self._names.difference(*others))

    def issuperset(self, other: Iterable[str]) -> bool:
        return all(name in self for name in other)

    def issubset(self, other: Iterable[str]) -> bool:
        return self._names.issubset(other)

    def copy(self) -> TaskEnv:
        return self


def task_env_names(settings: PlatformSettings | None = None) -> TaskEnv:
    """The environment variables every ctloop task's container defines (from ``settings``' ConfigMap
    and Secrets, :func:`apply_platform_settings`, KFP's own :data:`KFP_POD_ENV` and
    :data:`KFP_EXECUTOR_ENV`, Argo's :data:`ARGO_MAIN_ENV`, the kubelet's service links): the only names
    a ``$(VAR)`` in a task's arguments can be expanded from (the kubelet expands container arguments
    from the container's environment and leaves any other ``$(VAR)`` as written)."""
    from ctloop.image import COMPILED_VERSION_ENV

    s = settings or DEFAULT_SETTINGS
    # and what apply_step_settings / apply_platform_settings set on every step themselves
    names = {*KFP_POD_ENV, *KFP_EXECUTOR_ENV, *ARGO_MAIN_ENV, *KUBERNETES_SERVICE_ENV, COMPILED_VERSION_ENV,
             OMP_THREADS_ENV}
    for source, env in ((s.config_map, s.config_env), (s.mlflow_secret, s.mlflow_env),
                        (s.storage_secret, s.storage_env), (s.prometheus_secret, s.prometheus_env)):
        if source:
            names.update(env.values())
    return TaskEnv(names)


def task_env_entries(step: str, settings: PlatformSettings | None = None,
                     platform: Any = None) -> dict[str, tuple[str, dict[str, Any]]]:
    """The env entries of ``step``'s container that :func:`apply_step_settings` gives it, each as KFP's driver
    writes it into the pod (kubeflow/pipelines ``backend/src/v2/driver/k8s.go``: ``{name, valueFrom:
    {configMapKeyRef|secretKeyRef: {name, key, optional}}}``, ``optional`` as compiled) or as compiled
    (``{name, value}``: ``CTLOOP_COMPILED_VERSION``, ``OMP_NUM_THREADS`` of the step's CPU), with where it comes
    from for a message: name -> (``ConfigMap ctloop-settings`` / ``the compiled pipeline``, entry)."""
    from ctloop._version import __version__
    from ctloop.image import COMPILED_VERSION_ENV

    s = settings or DEFAULT_SETTINGS
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    literal = {COMPILED_VERSION_ENV: __version__}
    res = step_resources(step, platform)
    if cpu := res.get("cpu_limit") or res.get("cpu_request"):
        literal[OMP_THREADS_ENV] = str(omp_threads(cpu))
    for name, value in literal.items():
        out[name] = ("the compiled pipeline", {"name": name, "value": value})
    for kind, ref, source, env in (("ConfigMap", "configMapKeyRef", s.config_map, s.config_env),
                                   ("Secret", "secretKeyRef", s.mlflow_secret, s.mlflow_env),
                                   ("Secret", "secretKeyRef", s.storage_secret, s.storage_env),
                                   ("Secret", "secretKeyRef", s.prometheus_secret, s.prometheus_env)):
        for key, name in (env.items() if source else ()):
            out[name] = (f"{kind} {source}", {"name": name, "valueFrom": {ref: {
                "name": source, "key": key, "optional": s.optional}}})
    return out


# Component tasks left without CTLOOP_COMPILED_VERSION: the exit handler record_run_outcome. It
# runs however the run ended, also when its tasks stopped on an image of another ctloop version;
# with the variable it would stop the same way and the failed run would be in no audit trail.
UNCHECKED_COMPONENTS = frozenset({"record-run-outcome"})


def apply_platform_settings(tasks: Any, settings: PlatformSettings | None = None) -> Any:
    """Attach the settings ConfigMap and the credential Secrets to one task or several, and
    ``CTLOOP_COMPILED_VERSION`` (this ctloop's version: a task on the image of another version
    stops before it does anything, :func:`ctloop.image.check_compiled_version`) to each but the
    exit handler's (:data:`UNCHECKED_COMPONENTS`).

    Args:
        tasks: A ``kfp.dsl.PipelineTask`` or an iterable of them.
        settings: Object names and key mappings (default :data:`DEFAULT_SETTINGS`).

    Returns:
        ``tasks`` itself, so a call can be chained: ``apply_platform_settings(t).set_...``.
    """
    from kfp import kubernetes

    from ctloop._version import __version__
    from ctloop.image import COMPILED_VERSION_ENV

    _fast_container_check()
    s = settings or DEFAULT_SETTINGS
    many = isinstance(tasks, Iterable) and not hasattr(tasks, "component_spec")
    for task in list(tasks) if many else [tasks]:
        if task.component_spec.name not in UNCHECKED_COMPONENTS:
            task.set_env_variable(COMPILED_VERSION_ENV, __version__)
        if s.config_map and s.config_env:
            kubernetes.use_config_map_as_env(
                task, s.config_map, dict(s.config_env), optional=s.optional
            )
        if s.mlflow_secret and s.mlflow_env:
            kubernetes.use_secret_as_env(
                task, s.mlflow_secret, dict(s.mlflow_env), optional=s.optional
            )
        if s.storage_secret and s.storage_env:
            kubernetes.use_secret_as_env(
                task, s.storage_secret, dict(s.storage_env), optional=s.optional
            )
        if s.prometheus_secret and s.prometheus_env:
            kubernetes.use_secret_as_env(
                task, s.prometheus_secret, dict(s.prometheus_env), optional=s.optional
            )
        if s.gcp_secret:
            kubernetes.use_secret_as_volume(
                task, s.gcp_secret, mount_path=s.gcp_mount, optional=s.optional
            )
    return tasks


# --------------------------------------------------------------------------- per-step settings
# The default resources per step are written once in ctloop.config (STEP_RESOURCES, SMALL_STEP),
# where platform.resources is checked against them.

# Steps retried on failure (with exponential backoff): those whose external writes are idempotent,
# so a retry after a storage, MLflow, Kubernetes or Prometheus outage cannot double an effect.
# Not retried: train_model and register_model (each attempt would log another MLflow run; register_model
# is still reached again three ways: a cluster retryStrategy OnFailure/Always, Argo's templateDefaults
# OnError on a pod error, a manual KFP "Retry run"; each attempt finishes the version the earlier one
# registered, or changes nothing when that version was decided since: core.registration_id), record_decision (a second audit record), analyze_canary (it walks
# traffic through the plan over many minutes; its own failures already decide a rollback) and
# trigger_training (a retry could start two training runs). What the cluster adds: KFP 2.17.0's
# workflow-controller-configmap gives every template retryStrategy {limit 2, retryPolicy OnError}, which
# Argo merges under the compiled one (KFP compiles no retryPolicy): on a stock install these steps are
# retried on pod errors only, not when they fail, and the others twice on pod errors (`ctloop doctor`'s
# Argo retries line; docs/operations.md "Retries on a stock KFP install").
RETRIED_STEPS = frozenset({"prepare_data", "detect_drift", "evaluate_model", "validate_serving", "deploy_canary",
                           "promote_model", "rollback_model", "monitor_model", "score_batch",
                           "plan_monitoring", "summarise_partition"})
# Steps that call the KFP API from their pod, and the label that asks for the pipelines token: on
# multi-user KFP the API server identifies a caller by a projected service-account token with
# audience pipelines.kubeflow.org (2.17.0 backend/src/apiserver/auth/auth.go); Kubeflow's PodDefault
# access-ml-pipeline in the profile (docs/operations.md) mounts it at KF_PIPELINES_SA_TOKEN_PATH
# in pods with this label. kfp.kubernetes 2.17 cannot mount a projected volume itself.
KFP_API_STEPS = frozenset({"trigger_training"})
KFP_ACCESS_LABEL = ("access-ml-pipeline", "true")
# ... and the CA of an https KFP host for them: ConfigMap ctloop-kfp-ca (optional: KFP 2.14.4+ driver/k8s.go
# configMapAsVolume.Optional; an empty directory without it) mounted there; KFP_CA_FILE in ctloop-settings names
# the file (e.g. /etc/ctloop/kfp-ca/ca.crt). Without a host the step talks plain HTTP to the ml-pipeline service
# and reads neither (docs/operations.md, "From a KFP task")
KFP_CA_CONFIGMAP = "ctloop-kfp-ca"
KFP_CA_MOUNT = "/etc/ctloop/kfp-ca"
RETRY_BACKOFF_S = 30  # the first wait; doubled each retry (backoff_factor 2)


def retry_window(retries: int) -> str:
    """``backoff_max_duration`` of a step retried ``retries`` times: enough for every retry to happen.

    It is not a cap on each wait but the window of all attempts: argo-workflows v4.0.5 (what KFP
    2.17.0 installs) ``workflow/controller/operator.go`` ``processNodeRetries`` retries nothing that
    failed later than the first attempt's start plus ``maxDuration``, nor when the backoff would end
    after it, and kills a retry at that moment (its pod's deadline); KFP's compiler copies the value
    there (``argocompiler/container.go`` ``getTaskRetryStrategyFromInput``). The 600 s compiled before
    left a step that failed after ten minutes (a long ``prepare_data``, a ``deploy_canary`` that
    waited its ``rollout.timeout_seconds``) without a retry, and ``--retries 10`` with 4. Each
    attempt may now run as long as the longest wait ctloop lets a step make
    (``config.MAX_WAIT_SECONDS``), plus every backoff."""
    from ctloop.config import MAX_WAIT_SECONDS

    backoffs = sum(RETRY_BACKOFF_S * 2**k for k in range(retries))
    return f"{(retries + 1) * MAX_WAIT_SECONDS + backoffs}s"


def step_resources(step: str, platform: Any = None) -> dict[str, Any]:
    """The resources of ``step``: its defaults with ``platform.resources[step]`` over them."""
    from ctloop.config import step_resources as merged

    return merged(step, ((platform.resources if platform is not None else {}) or {}).get(step))


def omp_threads(cpu: str) -> int:
    """OpenMP threads for a Kubernetes CPU quantity (``500m`` → 1, ``2`` → 2, ``3.5`` → 3)."""
    text = str(cpu).strip()
    cores = float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    return max(1, int(cores))


def _fast_container_check() -> None:
    """kfp 2.17's ``PipelineTask._ensure_container_spec_exists`` (kfp/dsl/pipeline_task.py), run
    by every ``set_cpu_limit``/``set_env_variable``/... call, builds ``inspect.stack()`` only to
    name its caller in an error: ~0.2 s per call under pytest, 5 calls per step, so building the
    four pipelines spent 40 s there. The same check and message, naming the caller from its frame."""
    from kfp.dsl.pipeline_task import PipelineTask

    if getattr(PipelineTask._ensure_container_spec_exists, "_ctloop_fast", False):
        return

    def ensure(self: Any) -> None:
        if self.container_spec is None:
            caller = sys._getframe(1).f_code.co_name
            raise ValueError(f"{caller} can only be used on single-step components, not pipelines used as "
                             "components, or special components like importers.")

    ensure._ctloop_fast = True  # type: ignore[attr-defined]
    PipelineTask._ensure_container_spec_exists = ensure  # type: ignore[method-assign]


def apply_step_settings(task: Any, step: str, platform: Any = None) -> Any:
    """Everything a step needs on the cluster: the settings ConfigMap and credential Secrets
    (:func:`apply_platform_settings`), resources and ``OMP_NUM_THREADS``, retries for idempotent
    steps, node selector and tolerations of ``platform`` (a :class:`ctloop.config.PlatformConfig`),
    caching off (every step reads live state), the pipelines-token label for steps that call the
    KFP API (:data:`KFP_API_STEPS`). Returns ``task``."""
    from kfp import kubernetes

    _fast_container_check()
    apply_platform_settings(task)
    task.set_caching_options(False)
    res = step_resources(step, platform)
    if res.get("cpu_request"):
        task.set_cpu_request(res["cpu_request"])
    if res.get("cpu_limit"):
        task.set_cpu_limit(res["cpu_limit"])
    if res.get("memory_request"):
        task.set_memory_request(res["memory_request"])
    if res.get("memory_limit"):
        task.set_memory_limit(res["memory_limit"])
    if res.get("accelerator_type") and int(res.get("accelerator_limit") or 0) > 0:
        task.set_accelerator_type(res["accelerator_type"]).set_accelerator_limit(int(res["accelerator_limit"]))
    cpu = res.get("cpu_limit") or res.get("cpu_request")
    if cpu:
        task.set_env_variable(OMP_THREADS_ENV, str(omp_threads(cpu)))
    retries = platform.retries if platform is not None else 2
    if step in RETRIED_STEPS and retries > 0:
        task.set_retry(num_retries=retries, backoff_duration=f"{RETRY_BACKOFF_S}s", backoff_factor=2.0,
                       backoff_max_duration=retry_window(retries))
    if step in KFP_API_STEPS:
        kubernetes.add_pod_label(task, *KFP_ACCESS_LABEL)
        kubernetes.use_config_map_as_volume(task, KFP_CA_CONFIGMAP, mount_path=KFP_CA_MOUNT, optional=True)
    for key, value in sorted(((platform.node_selector if platform is not None else {}) or {}).items()):
        kubernetes.add_node_selector(task, label_key=key, label_value=value)
    for toleration in (platform.tolerations if platform is not None else []) or []:
        kubernetes.add_toleration(task, key=toleration.get("key"), operator=toleration.get("operator", "Equal"),
                                  value=toleration.get("value"), effect=toleration.get("effect"),
                                  toleration_seconds=toleration.get("tolerationSeconds"))
    return task


__all__ = [
    "RETRIED_STEPS",
    "KFP_API_STEPS",
    "KFP_ACCESS_LABEL",
    "KFP_CA_CONFIGMAP",
    "KFP_CA_MOUNT",
    "step_resources",
    "omp_threads",
    "apply_step_settings",
    "PlatformSettings",
    "DEFAULT_SETTINGS",
    "apply_platform_settings",
    "task_env_entries",
    "task_env_names",
    "TaskEnv",
    "KFP_POD_ENV",
    "KFP_EXECUTOR_ENV",
    "ARGO_MAIN_ENV",
    "KUBERNETES_SERVICE_ENV",
    "SERVICE_LINK_ENV",
    "service_link_services",
    "OMP_THREADS_ENV",
    "UNCHECKED_COMPONENTS",
    "SETTINGS_CONFIGMAP",
    "MLFLOW_SECRET",
    "GCP_SECRET",
    "GCP_MOUNT",
    "STORAGE_SECRET",
]
