"""``ctloop doctor``: is this cluster ready for ctloop? One line per check, each with its fix.

What is checked, in order (the KFP checks and the cluster checks run concurrently; every call
has a timeout, and a check that times out says so):

=================  ============================================================================
KFP API            reachable and authenticated: ``GET /apis/v2beta1/healthz`` (one bounded
                   request, explained when it fails) and one authenticated list call
KFP backend        the release in healthz ``tag_name`` is >= 2.15.0 (``optional`` ConfigMap/
                   Secret references, kubeflow/pipelines #12216)
pipelines          which of ctloop's pipelines are uploaded where a run finds them
                   (``Platform.resolve_pipeline``: the profile namespace, else a shared one),
                   their newest version, and this checkout's version name
Kubernetes         the API server answers (``GET /version``) with the given kubeconfig
KServe             the InferenceService CRD exists; the version of the controller
                   (``kserve-controller-manager``: label ``app.kubernetes.io/version``, else the
                   ``manager`` image tag: KServe's release YAML ships ``kserve/kserve-controller:
                   vX.Y.Z``, ``hack/release/generate-install.sh`` at v0.20.0)
InferenceService   per target: its deployment mode (ctloop rolls out only in Knative, formerly
                   Serverless, mode, whatever the strategy), whether KServe reconciles it (not
                   being deleted, no ``disable-auto-update``) and its stable revision; a missing
                   service is created in Knative mode (ctloop's template), Knative needed
Knative Serving    installed and its version (label ``app.kubernetes.io/version`` on namespace
                   ``knative-serving``, ``config/core/100-namespace.yaml`` of knative/serving
                   v1.21, set by ``hack/generate-yamls.sh``; before ~1.3 ``serving.knative.dev/
                   release``), needed by Serverless mode
metrics            the chosen Prometheus metric source returns series for the stable revision
                   (``ctloop.serving.metric_sources``; which other source has them when not)
Prometheus rules   and targets: the PrometheusRules of manifests/components/monitoring are loaded
                   (``GET /api/v1/rules``: their groups, none failing to evaluate, group
                   ``ctloop-source`` reading the chosen metric source) and the PodMonitor
                   ``ctloop-inferenceservices`` has targets, none down (``GET
                   /api/v1/targets``: its scrape pools); missing, or a Prometheus that cannot be
                   asked: a warning (the canary analysis queries the series itself; the
                   alerts, dashboard and ctloop source's scrape need them); an in-cluster
                   address not resolvable here: skipped
Pushgateway        where the monitoring windows are pushed (``PUSHGATEWAY_URL``): one read,
                   ``GET /api/v1/status`` (Pushgateway v1.5.1 ``main.go``/``api/v1/api.go``: its
                   ``build_information``), sent as the tasks send their pushes
                   (``ctloop.monitoring.prometheus.push_window``: ``PUSHGATEWAY_*`` credentials and CA
                   file, no redirect followed); says what the tasks get (key names, never a value)
RBAC               the pipeline runner may do what the pipelines do (:data:`RUNNER_RULES`, the
                   Role in manifests/base/rbac.yaml), asked with SelfSubjectAccessReviews as
                   that service account (impersonation, like ``kubectl auth can-i --as``); get
                   on Knative revisions (:data:`OPTIONAL_RUNNER_RULES`) missing is a warning;
                   whether it may get Knative's config-network and config-domain
                   (:data:`NETWORK_READER_RULES`, manifests/extras/knative-network-reader) is
                   said either way, the status unchanged (a first deploy skips a check without)
settings           the ConfigMap/Secret keys every task references (``ctloop.ops.settings``)
                   exist in the namespace the tasks run in; key names only, never values; on
                   multi-user KFP also a PodDefault selecting ``access-ml-pipeline: "true"``
                   (any name; an empty selector selects every pod) that projects a token of
                   audience pipelines.kubeflow.org where the KFP SDK reads it
                   (:func:`pipelines_token_gap`), ``trigger_training``'s pipelines token; no
                   PodDefault CRD: KFP without Kubeflow, nothing to check. The webhook acts only
                   in profile namespaces (:data:`WEBHOOK_NAMESPACE_LABEL`): elsewhere a warning
                   that no PodDefault mounts the token. FAIL when a PodDefault's selector does not
                   convert (:func:`selector_error`: the webhook then refuses every pod of the
                   namespace) or selecting PodDefaults set a volume, mount or env var differently
                   (:func:`pod_default_conflicts`)
Argo retries       the workflow controller's ``workflowDefaults`` (ConfigMap
                   ``workflow-controller-configmap`` where KFP is installed, :func:`kfp_namespace`): a
                   ``templateDefaults.retryStrategy`` applies to every step (:func:`retry_defaults`);
                   KFP 2.17.0's own install sets ``retryPolicy: OnError``, under which ctloop's retried
                   steps are not retried when they fail and its other steps are retried on pod
                   errors: a warning with the patch; without it, a workflow-level ``spec.retryStrategy``
                   applies to the steps without their own (ctloop's unretried ones); not readable
                   (403): a warning; no ConfigMap: skip
MLflow             the tracking server answers ``/health`` and an authenticated search
=================  ============================================================================

Exit codes (``ctloop.cli.doctor``): 0 all ok (warnings allowed), 1 a check failed, 2 bad
arguments.
"""

from __future__ import annotations

import http.client
import json
import os
import posixpath
import queue
import re
import shlex
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from typing import Any

from ctloop.config import K8S_SUBDOMAIN
from ctloop.errors import ConfigError, CtloopError, ServingError
from ctloop.ops.platform import (
    HOST_ENV,
    INSTALL_NAMESPACE,
    INSTALL_NAMESPACE_KEY,
    KFP_TOKEN_AUDIENCE,
)
from ctloop.ops.platform import shown_install_namespace as kfp_namespace
from ctloop.serving.isvc import (
    DOMAIN_CONFIG,
    KNATIVE,
    KSERVE_CONFIG,
    KSERVE_CONFIG_READER,
    KSERVE_NAMESPACE_ENV,
    KSERVE_NAMESPACES,
    LEGACY_MODES,
    MODE_ANNOTATION,
    NETWORK_CONFIG,
    RUN_AGAIN,
    ClusterDefault,
    check_deployment_mode,
    check_reconciled,
    check_update_admitted,
    deployment_mode,
)
from ctloop.serving.kube import GROUP as KUBE_GROUP
from ctloop.serving.kube import PLURAL as KUBE_PLURAL
from ctloop.serving.kube import REVISION_RULE, read_kserve_default
from ctloop.serving.kube import VERBS as KUBE_VERBS

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"
# what the metrics check says when the tasks' settings give them no Prometheus credentials
NO_TASK_CREDENTIALS = "no Prometheus credentials (no PROMETHEUS_TOKEN_FILE in the ConfigMap, no Secret keys)"
# the same for the Pushgateway's (Secret ctloop-prometheus keys pushgateway_*, ctloop.ops.settings)
NO_TASK_PUSHGATEWAY_CREDENTIALS = ("no Pushgateway credentials (no PUSHGATEWAY_TOKEN_FILE in the ConfigMap, "
                                   "no pushgateway_* Secret keys)")
# Pushgateway v1.5.1 main.go: the v1 API under <route prefix>/api/v1, api/v1/api.go ``status``
# ({"status": "success", "data": {"build_information": {"version": ...}, ...}}): read-only
PUSHGATEWAY_STATUS = "/api/v1/status"
# What manifests/components/monitoring ships for Prometheus (tests/ops/
# test_r45_metrics_doctor_installed.py compares them with its YAML): each PrometheusRule's rule
# groups (prometheus-operator loads a PrometheusRule's groups under their own names), and the
# PodMonitor whose scrape pools prometheus-operator names "podMonitor/<namespace>/<name>/<endpoint
# index>" (pkg/prometheus/promcfg.go generatePodMonitorConfig: the job_name; a relabeling sets the
# ``job`` label to "<namespace>/<name>", or to the pod label spec.jobLabel names).
SHIPPED_RULE_GROUPS = {
    "ctloop-canary": ("ctloop-source", "ctloop-recording", "ctloop-alerts"),
    "ctloop-model-quality": ("ctloop-model-quality",),
    "ctloop-inference-log": ("ctloop-inference-log",),
}
SHIPPED_PODMONITOR = "ctloop-inferenceservices"
TESTED_KSERVE = (0, 20, 0)
# what KServe v0.20.0 pins: kserve-deps.env KNATIVE_SERVING_VERSION=1.21.1 (and KNATIVE_OPERATOR_VERSION
# v1.21.1), which hack/setup/infra/knative/manage.knative-operator-helm.sh installs. Versions are
# compared by major.minor (_version_warning): 1.21.0 is as tested as 1.21.1
TESTED_KNATIVE = (1, 21, 1)

KSERVE_CRD = "inferenceservices.serving.kserve.io"
KSERVE_CONTROLLER = "kserve-controller-manager"
KNATIVE_NAMESPACE = "knative-serving"
KNATIVE_OPERATOR = ("operator.knative.dev", "v1beta1")  # KnativeServing (knative/operator; KServe 0.20's install)
# What the pipeline runner does in an InferenceService's namespace: the calls of
# ctloop.serving.kube.InferenceServices (manifests/base/rbac.yaml; a test keeps the three equal).
RUNNER_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = ((KUBE_GROUP, KUBE_PLURAL, KUBE_VERBS),)
# Also in that Role, but a rollout works without it: which model the revision in traffic[] serves
# is then taken from traffic[] alone, with a warning (ctloop.serving.rollout._serves). Missing: WARN.
OPTIONAL_RUNNER_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (REVISION_RULE,)
# Knative's ConfigMaps a first deploy reads when it may (ctloop.serving.kube.InferenceServices.
# network_templates, domain_config): the canary host's check. Granted only by the optional Role of
# manifests/extras/knative-network-reader (get, by name, in knative-serving); missing, the check is
# skipped — the RBAC line says so, its status unchanged.
NETWORK_READER_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("", "configmaps", "get", f"{NETWORK_CONFIG[0]}/{NETWORK_CONFIG[1]}"),
    ("", "configmaps", "get", f"{DOMAIN_CONFIG[0]}/{DOMAIN_CONFIG[1]}"),
)
# KServe's ConfigMap a rollout reads for a service naming no deployment mode (ctloop.serving.kube.
# read_kserve_default: the first of isvc.kserve_config_namespaces that has it — rollout.kserve_namespace,
# $CTLOOP_KSERVE_NAMESPACE, else KSERVE_NAMESPACES; a 403 in one stops it). Granted only by the optional
# ClusterRole of manifests/extras/kserve-config-reader (get, by name, in every namespace); missing, such
# a service is refused as of unknown mode — the RBAC line says so, its status unchanged.
def kserve_reader_rules(namespaces: tuple[str, ...] = KSERVE_NAMESPACES) -> tuple[tuple[str, str, str, str], ...]:
    return tuple(("", "configmaps", "get", f"{ns}/{KSERVE_CONFIG}") for ns in namespaces)


KSERVE_READER_RULES = kserve_reader_rules()
# KFP's default runner (backend/src/apiserver/config/config.json, DEFAULTPIPELINERUNNER-
# SERVICEACCOUNT)
# and multi-user Kubeflow's (manifests/kustomize/base/installs/multi-user/api-service/params.env).
STANDALONE_RUNNER = "pipeline-runner"
# Kubeflow's PodDefault CRD (admission-webhook, kubeflow.org/v1alpha1): group, version
POD_DEFAULT = ("kubeflow.org", "v1alpha1")
# The namespaces Kubeflow's admission webhook acts on: the namespaceSelector of its
# MutatingWebhookConfiguration (kubeflow/kubeflow v1.10.0 components/admission-webhook/manifests/base/
# mutating-webhook-configuration.yaml), the label the profile controller sets on every profile
# namespace (components/profile-controller/config/base/namespace-labels.yaml). Elsewhere the API
# server never calls it: no PodDefault applies, and none refuses a pod.
WEBHOOK_NAMESPACE_LABEL = ("app.kubernetes.io/part-of", "kubeflow-profile")
MULTI_USER_RUNNER = "default-editor"
# Argo's workflow controller and its ConfigMap, as KFP installs them (2.17.0 manifests/kustomize/
# env/platform-agnostic: namespace kubeflow, third-party/argo/base/workflow-controller-configmap-patch.yaml),
# also on multi-user Kubeflow (one controller for every profile), are read where KFP is installed, where standalone
# KFP runs its tasks too: Doctor.kfp_namespace (--kfp-namespace, kfp.install_namespace, else kfp_namespace(): a bad
# KFP_INSTALL_NAMESPACE is the KFP API line's FAIL, the default here)
ARGO_CONFIGMAP = "workflow-controller-configmap"
# Which node phases each Argo retryPolicy retries: (Failed: the main container exited non-zero, or the
# pod failed with a status message, as a kubelet eviction under node pressure does; Error: the pod was
# deleted (a drain through the Eviction API, a preemption: "pod deleted"), its init or wait container
# failed, or it failed before its container started); argo-workflows v4.0.5
# workflow/controller/operator.go processNodeRetries, inferFailedReason. OnTransientError retries a
# Failed and an Error node alike, only when errors.IsTransientErr takes its message as transient: a
# step's non-zero exit seldom is, so (False, False) here, and check_retries says so.
RETRIED_PHASES = {"Always": (True, True), "OnFailure": (True, False), "OnError": (False, True),
                  "OnTransientError": (False, False)}


# What Kubeflow's admission webhook does with the PodDefaults of a pod's namespace, from its source:
# kubeflow/kubeflow v1.10.0 (90e987bf87d3) components/admission-webhook/main.go. ``mutatePods``
# lists every PodDefault of the namespace; ``filterPodDefaults`` converts each one's selector with
# ``metav1.LabelSelectorAsSelector`` and, if ANY conversion fails, returns the error, which
# ``mutatePods`` answers as a denied AdmissionResponse: every pod created in the namespace is refused
# while that PodDefault exists. ``safeToApplyPodDefaultsOnPod`` then merges the matching ones and
# refuses the pod when two set the same volume (``mergeVolumes``), volume mount (``mergeVolumeMounts``:
# by name and by mount path) or env var (``mergeEnv``) differently (``reflect.DeepEqual``).
# Selector conversion: k8s.io/apimachinery v0.28.1 (the webhook's go.mod) pkg/apis/meta/v1/helpers.go
# ``LabelSelectorAsSelector`` and pkg/labels/selector.go ``NewRequirement``.
# ``\Z``, not ``$`` (which Python lets match before a final newline): Go's ``$`` is the end of the text
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _label_key_error(key: Any) -> str:
    """apimachinery ``validation.IsQualifiedName``: ``[prefix/]name``, name <= 63 characters."""
    parts = str(key).split("/") if isinstance(key, str) else [""]
    if len(parts) > 2:
        return f"key {key!r} has more than one '/'"
    name = parts[-1]
    if len(parts) == 2 and not (parts[0] and len(parts[0]) <= 253 and K8S_SUBDOMAIN.match(parts[0])):
        return f"key {key!r}: its prefix is not a DNS subdomain"
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        return f"key {key!r} is not a label name (63 characters at most: letters, digits, '-', '_', '.')"
    return ""


def selector_error(selector: Any) -> str:
    """Why ``metav1.LabelSelectorAsSelector`` refuses ``selector`` (a PodDefault's
    ``spec.selector``), ``""`` when it converts (see above: an invalid one makes Kubeflow's
    webhook refuse every pod of the namespace)."""
    if not isinstance(selector, dict):
        return f"selector {selector!r} is not an object"
    for key, value in (selector.get("matchLabels") or {}).items():
        bad = _label_key_error(key)
        if bad:
            return f"matchLabels {bad}"
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            return f"matchLabels {key}: {value!r} is not a label value"
    for expr in selector.get("matchExpressions") or []:
        expr = expr if isinstance(expr, dict) else {}
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op not in SELECTOR_OPERATORS:
            return f"{op!r} is not a valid label selector operator ({', '.join(SELECTOR_OPERATORS)})"
        bad = _label_key_error(key)
        if bad:
            return f"matchExpressions {bad}"
        if op in ("In", "NotIn") and not values:
            return f"matchExpressions {key} {op}: for 'in', 'notin' operators, values set can't be empty"
        if op in ("Exists", "DoesNotExist") and values:
            return f"matchExpressions {key} {op}: values set must be empty for exists and does not exist"
        for value in values:
            if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
                return f"matchExpressions {key} {op}: {value!r} is not a label value"
    return ""


def selects(selector: dict, labels: dict[str, str]) -> bool:
    """Whether a Kubernetes label selector (``matchLabels``, ``matchExpressions``) selects an object
    with ``labels``, as ``metav1.LabelSelectorAsSelector(...).Matches`` does (k8s.io/apimachinery
    ``pkg/apis/meta/v1/helpers.go``): an empty selector selects everything. A selector that does not
    convert (:func:`selector_error`) selects nothing here; the webhook refuses every pod for it,
    which the settings check reports on its own."""
    if selector_error(selector):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), list(expr.get("values") or [])
        if op == "In":
            ok = key in labels and labels[key] in values
        elif op == "NotIn":
            ok = key not in labels or labels[key] not in values
        elif op == "Exists":
            ok = key in labels
        else:  # DoesNotExist
            ok = key not in labels
        if not ok:
            return False
    return True


def pd_name(pod_default: dict) -> str:
    return (pod_default.get("metadata") or {}).get("name", "?")


# The k8s.io/api v0.28.1 core/v1 types (types.go; the version the webhook's go.mod pins) a PodDefault's
# volumes, volumeMounts and env decode into, as reflect.DeepEqual sees them; JSON field names:
# ``name`` a value field (string, bool, int: absent is its zero value), ``name*`` a pointer (nil is not
# 0/false/""), ``name{}`` a slice, map or another package's type (taken as given: a nil slice is not an
# empty one), ``name=T`` / ``name=*T`` / ``name=[]T`` a struct T by value / by pointer (``emptyDir: {}``
# is not nil) / a slice of them. Embedded structs (``,inline``: Volume's VolumeSource,
# LocalObjectReference) are spelled out; fields not here do not exist in Go and are dropped on decode.
_GO_TYPES = {
    "Volume": ("name hostPath=*HostPathVolumeSource emptyDir=*EmptyDirVolumeSource "
               "gcePersistentDisk=*GCEPersistentDiskVolumeSource "
               "awsElasticBlockStore=*AWSElasticBlockStoreVolumeSource gitRepo=*GitRepoVolumeSource "
               "secret=*SecretVolumeSource nfs=*NFSVolumeSource iscsi=*ISCSIVolumeSource "
               "glusterfs=*GlusterfsVolumeSource persistentVolumeClaim=*PersistentVolumeClaimVolumeSource "
               "rbd=*RBDVolumeSource flexVolume=*FlexVolumeSource cinder=*CinderVolumeSource "
               "cephfs=*CephFSVolumeSource flocker=*FlockerVolumeSource downwardAPI=*DownwardAPIVolumeSource "
               "fc=*FCVolumeSource azureFile=*AzureFileVolumeSource configMap=*ConfigMapVolumeSource "
               "vsphereVolume=*VsphereVirtualDiskVolumeSource quobyte=*QuobyteVolumeSource "
               "azureDisk=*AzureDiskVolumeSource photonPersistentDisk=*PhotonPersistentDiskVolumeSource "
               "projected=*ProjectedVolumeSource portworxVolume=*PortworxVolumeSource scaleIO=*ScaleIOVolumeSource "
               "storageos=*StorageOSVolumeSource csi=*CSIVolumeSource ephemeral=*EphemeralVolumeSource"),
    "HostPathVolumeSource": "path type*",
    "EmptyDirVolumeSource": "medium sizeLimit{}",
    "GCEPersistentDiskVolumeSource": "pdName fsType partition readOnly",
    "AWSElasticBlockStoreVolumeSource": "volumeID fsType partition readOnly",
    "GitRepoVolumeSource": "repository revision directory",
    "SecretVolumeSource": "secretName items=[]KeyToPath defaultMode* optional*",
    "KeyToPath": "key path mode*",
    "NFSVolumeSource": "server path readOnly",
    "ISCSIVolumeSource": "targetPortal iqn lun iscsiInterface fsType readOnly portals{} chapAuthDiscovery chapAuthSession secretRef=*LocalObjectReference initiatorName*",
    "LocalObjectReference": "name",
    "GlusterfsVolumeSource": "endpoints path readOnly",
    "PersistentVolumeClaimVolumeSource": "claimName readOnly",
    "RBDVolumeSource": "monitors{} image fsType pool user keyring secretRef=*LocalObjectReference readOnly",
    "FlexVolumeSource": "driver fsType secretRef=*LocalObjectReference readOnly options{}",
    "CinderVolumeSource": "volumeID fsType readOnly secretRef=*LocalObjectReference",
    "CephFSVolumeSource": "monitors{} path user secretFile secretRef=*LocalObjectReference readOnly",
    "FlockerVolumeSource": "datasetName datasetUUID",
    "DownwardAPIVolumeSource": "items=[]DownwardAPIVolumeFile defaultMode*",
    "DownwardAPIVolumeFile": "path fieldRef=*ObjectFieldSelector resourceFieldRef=*ResourceFieldSelector mode*",
    "ObjectFieldSelector": "apiVersion fieldPath",
    "ResourceFieldSelector": "containerName resource divisor{}",
    "FCVolumeSource": "targetWWNs{} lun* fsType readOnly wwids{}",
    "AzureFileVolumeSource": "secretName shareName readOnly",
    "ConfigMapVolumeSource": "name items=[]KeyToPath defaultMode* optional*",
    "VsphereVirtualDiskVolumeSource": "volumePath fsType storagePolicyName storagePolicyID",
    "QuobyteVolumeSource": "registry volume readOnly user group tenant",
    "AzureDiskVolumeSource": "diskName diskURI cachingMode* fsType* readOnly* kind*",
    "PhotonPersistentDiskVolumeSource": "pdID fsType",
    "ProjectedVolumeSource": "sources=[]VolumeProjection defaultMode*",
    "VolumeProjection": "secret=*SecretProjection downwardAPI=*DownwardAPIProjection configMap=*ConfigMapProjection serviceAccountToken=*ServiceAccountTokenProjection",
    "SecretProjection": "name items=[]KeyToPath optional*",
    "DownwardAPIProjection": "items=[]DownwardAPIVolumeFile",
    "ConfigMapProjection": "name items=[]KeyToPath optional*",
    "ServiceAccountTokenProjection": "audience expirationSeconds* path",
    "PortworxVolumeSource": "volumeID fsType readOnly",
    "ScaleIOVolumeSource": "gateway system secretRef=*LocalObjectReference sslEnabled protectionDomain storagePool storageMode volumeName fsType readOnly",
    "StorageOSVolumeSource": "volumeName volumeNamespace fsType readOnly secretRef=*LocalObjectReference",
    "CSIVolumeSource": "driver readOnly* fsType* volumeAttributes{} nodePublishSecretRef=*LocalObjectReference",
    "EphemeralVolumeSource": "volumeClaimTemplate=*PersistentVolumeClaimTemplate",
    "PersistentVolumeClaimTemplate": "metadata{} spec=PersistentVolumeClaimSpec",
    "PersistentVolumeClaimSpec": "accessModes{} selector{} resources=ResourceRequirements volumeName storageClassName* volumeMode* dataSource=*TypedLocalObjectReference dataSourceRef=*TypedObjectReference",
    "ResourceRequirements": "limits{} requests{} claims=[]ResourceClaim",
    "ResourceClaim": "name",
    "TypedLocalObjectReference": "apiGroup* kind name",
    "TypedObjectReference": "apiGroup* kind name namespace*",
    "VolumeMount": "name readOnly mountPath subPath mountPropagation* subPathExpr",
    "EnvVar": "name value valueFrom=*EnvVarSource",
    "EnvVarSource": "fieldRef=*ObjectFieldSelector resourceFieldRef=*ResourceFieldSelector configMapKeyRef=*ConfigMapKeySelector secretKeyRef=*SecretKeySelector",
    "ConfigMapKeySelector": "name key optional*",
    "SecretKeySelector": "name key optional*",
}


def _go_value(value: Any, go_type: str) -> Any:
    """``value`` (a PodDefault's volume, volume mount or env var: ``go_type`` Volume, VolumeMount,
    EnvVar) as Go decodes it into its struct, for ``reflect.DeepEqual``: value-typed fields absent
    or zero are one thing; pointers, slices and maps are kept as given (``null`` is absent)."""
    if not isinstance(value, dict):
        return value
    fields: dict[str, str] = {}
    for spec in _GO_TYPES[go_type].split():
        name, _, sub = spec.partition("=")
        fields[name.rstrip("*{}")] = sub or ("" if name[-1] in "*}" else "value")
    out: dict[str, Any] = {}
    for key, item in value.items():
        kind = fields.get(key)
        if kind is None or item is None:
            continue  # not in the Go struct (ignored when decoding), or JSON null (nil or zero)
        if kind == "value":
            if item in ("", False, 0):
                continue
        elif kind.startswith("[]"):
            item = [_go_value(v, kind[2:]) for v in item] if isinstance(item, list) else item
        elif kind:
            item = _go_value(item, kind.lstrip("*"))
            if not kind.startswith("*") and item == {}:
                continue  # a struct by value: {} is its zero value
        out[key] = item
    return out


def pod_default_conflicts(pod_defaults: list[dict]) -> list[str]:
    """What two of ``pod_defaults`` (all selecting one pod) set differently, for which the
    webhook refuses the pod (``safeToApplyPodDefaultsOnPod``, see above): ``volume X (A, B)``."""
    conflicts: list[str] = []
    for field_name, what, keys, go_type in (("volumes", "volume", ("name",), "Volume"),
                                            ("env", "env", ("name",), "EnvVar"),
                                            ("volumeMounts", "volume mount", ("name", "mountPath"), "VolumeMount")):
        for key in keys:
            seen: dict[Any, tuple[str, Any]] = {}
            for pd in pod_defaults:
                name = (pd.get("metadata") or {}).get("name", "?")
                for item in (pd.get("spec") or {}).get(field_name) or []:
                    if not isinstance(item, dict):
                        continue
                    ident = item.get(key)
                    value = _go_value(item, go_type)
                    first = seen.setdefault(ident, (name, value))
                    if first[1] != value:
                        label = what if key == "name" else f"{what} path"
                        conflicts.append(f"{label} {ident} ({first[0]}, {name})")
    return list(dict.fromkeys(conflicts))


# the label KFP puts on every v2 step's pod (kubeflow/pipelines backend/src/v2/compiler/argocompiler/argo.go,
# the workflow's PodMetadata.Labels, 2.15.0)
STEP_POD_LABELS = {"pipelines.kubeflow.org/v2_component": "true"}


def _sets_omp_everywhere(pd: dict) -> bool:
    """Whether PodDefault ``pd`` sets ``OMP_NUM_THREADS`` with a selector that selects a pod without the access
    label too (empty, ``DoesNotExist``/``NotIn`` only: it selects a pod without labels; or the label KFP puts on
    every step's pod, :data:`STEP_POD_LABELS`). It then applies to every
    step's pod, and kubeflow/kubeflow ``components/admission-webhook/main.go`` ``mergeEnv`` refuses each whose
    compiled value differs: one pipeline has '1' and '2' steps (goldens continuous-training.yaml,
    batch-scoring.yaml), so no value passes them all."""
    from ctloop.ops.settings import OMP_THREADS_ENV

    spec = pd.get("spec") or {}
    sets = any(isinstance(item, dict) and item.get("name") == OMP_THREADS_ENV for item in spec.get("env") or [])
    selector = spec.get("selector") or {}
    return sets and not selector_error(selector) and (selects(selector, {}) or selects(selector, STEP_POD_LABELS))


def omp_values(platform: Any = None) -> list[str]:
    """The ``OMP_NUM_THREADS`` values ctloop's steps (``ctloop.config.STEPS``) are compiled with, in order: each
    step's from its CPU after ``platform.resources`` (``ctloop.ops.settings.task_env_entries``; None: the
    defaults)."""
    from ctloop.config import STEPS
    from ctloop.ops.settings import DEFAULT_SETTINGS, OMP_THREADS_ENV, task_env_entries

    values = {entry[1].get("value") for step in STEPS
              if (entry := task_env_entries(step, DEFAULT_SETTINGS, platform).get(OMP_THREADS_ENV))}
    return sorted((v for v in values if isinstance(v, str)), key=int)


def _omp_value(pd: dict) -> Any:
    """The ``OMP_NUM_THREADS`` value PodDefault ``pd`` sets (None: none, or from a reference)."""
    from ctloop.ops.settings import OMP_THREADS_ENV

    return next((item.get("value") for item in (pd.get("spec") or {}).get("env") or []
                 if isinstance(item, dict) and item.get("name") == OMP_THREADS_ENV), None)


def _quoted(values: list[str]) -> str:
    """``'1', '2' and '4'``."""
    shown = [repr(v) for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def task_env_clashes(pod_defaults: list[dict], task_env: Mapping[str, tuple[str, dict]]) -> list[str]:
    """The env entries ``pod_defaults`` (all selecting one task's pod) set otherwise than the task has them
    (``task_env``: name -> (where it comes from, the entry KFP's driver writes into the pod),
    ``ctloop.ops.settings.task_env_entries``): Kubeflow's admission webhook compares each PodDefault's entry with
    the container's of the same name (kubeflow/kubeflow ``components/admission-webhook/main.go`` ``mergeEnv``,
    ``reflect.DeepEqual``, compared here as :func:`pod_default_conflicts` compares) and refuses the pod on any
    difference; an equal one is merged. ``NAME, which ... from SOURCE`` (``set to 'V'`` for a literal)."""
    clashes: list[str] = []
    for pd in pod_defaults:
        for item in (pd.get("spec") or {}).get("env") or []:
            name = item.get("name") if isinstance(item, dict) else None
            if name not in task_env:
                continue
            source, entry = task_env[name]
            if _go_value(item, "EnvVar") == _go_value(entry, "EnvVar"):
                continue
            where = f"set to {entry['value']!r}" if "value" in entry else f"get from {source}"
            clashes.append(f"{name}, which ctloop's tasks {where}")
    return list(dict.fromkeys(clashes))


def pipelines_token_gap(pod_defaults: list[dict], token_env: str, token_path: str) -> str:
    """What the PodDefaults that select a pod (all of them apply, merged: kubeflow/kubeflow
    components/admission-webhook main.go ``applyPodDefaultsOnPod``) leave out of the pipelines
    token the KFP SDK reads, ``""`` when nothing. The SDK reads the file named by ``token_env``
    (a PodDefault's ``env`` sets it in every container), else ``token_path`` (kfp 2.17
    ``kfp/client/set_volume_credentials.py``); it must be a projected ``serviceAccountToken`` of
    audience :data:`KFP_TOKEN_AUDIENCE` (Kubeflow's reference PodDefault ``access-ml-pipeline``:
    volume ``projected.sources[].serviceAccountToken`` ``path: token``, mounted at
    ``/var/run/secrets/kubeflow/pipelines``)."""
    specs = [pd.get("spec") or {} for pd in pod_defaults]
    env = [e for spec in specs for e in spec.get("env") or [] if e.get("name") == token_env]
    if env and env[0].get("valueFrom") is not None:  # neither value nor valueFrom: the container gets ""
        return f"its env {token_env} is not a plain value, so where the SDK reads the token cannot be checked"
    set_to = str(env[0].get("value") or "") if env else ""  # empty as unset: the SDK reads `os.getenv(...) or` default
    path = set_to or token_path
    audiences: dict[str, list[tuple[str, str]]] = {}  # volume -> [(file in the volume, audience)]
    for spec in specs:
        for volume in spec.get("volumes") or []:
            for source in (volume.get("projected") or {}).get("sources") or []:
                token = source.get("serviceAccountToken")
                if token is not None:
                    audiences.setdefault(volume.get("name", ""), []).append(
                        (str(token.get("path") or ""), str(token.get("audience") or "")))
    good = {v: [f for f, a in files if a == KFP_TOKEN_AUDIENCE] for v, files in audiences.items()}
    good = {v: files for v, files in good.items() if files}
    if not good:
        if not audiences:
            return f"projects no service-account token (a projected serviceAccountToken of audience {KFP_TOKEN_AUDIENCE})"
        seen = sorted({a or "none: the API server's" for files in audiences.values() for _, a in files})
        return (f"its projected service-account token has audience {', '.join(seen)}, not {KFP_TOKEN_AUDIENCE} "
                "(the KFP API server's TokenReview refuses it)")
    mounted = []
    for spec in specs:
        for mount in spec.get("volumeMounts") or []:
            for file in good.get(mount.get("name", ""), []):
                if mount.get("subPath"):
                    mounted.append(mount["mountPath"] if mount["subPath"] == file else "")
                else:
                    mounted.append(posixpath.join(mount.get("mountPath", ""), file))
    if path in mounted:
        return ""
    where = ", ".join(sorted(m for m in mounted if m)) or "nowhere (no volumeMounts of it)"
    return (f"its {KFP_TOKEN_AUDIENCE} token is mounted at {where}, not at {path} where the KFP SDK reads it "
            f"({token_env}{'' if set_to else ' empty: the default' if env else ' unset: the default'})")


_GO_INT = re.compile(r"[+-]?[0-9]+\Z")  # what Go's strconv.Atoi takes


def retry_defaults(workflow_defaults: str, *, workflow_level: bool = False) -> tuple[str, int | None] | None:
    """(retryPolicy, limit) of the ``templateDefaults.retryStrategy`` in a workflow controller's
    ``workflowDefaults`` YAML; None without one. The limit is None when the strategy has none (Argo
    then retries without limit: processNodeRetries stops only when ``Limit != nil``), -1 when it is
    not a number, 0 when it is negative (argo-workflows v4.0.5 ``util/intstr`` ``Int`` reads it
    with ``strconv.Atoi``, sign included, and processNodeRetries stops once the attempts exceed it). Argo strategic-merges ``templateDefaults`` under
    every template (argo-workflows v4.0.5 operator.go ``mergedTemplateDefaultsInto``); KFP 2.17's
    compiler writes a step's limit and backoff but never a retryPolicy (kubeflow/pipelines 2.17.0
    backend/src/v2/compiler/argocompiler/container.go ``getTaskRetryStrategyFromInput``), so a step
    ctloop retries takes this policy and one it does not retry takes the whole strategy. An unset
    policy is Argo's ``RetryPolicyActual``: OnFailure, Always with an ``expression``. With
    ``workflow_level``: ``spec.retryStrategy``, the strategy of every template that has none of its
    own after that merge (operator.go ``retryStrategy``)."""
    import yaml

    try:
        spec = (yaml.safe_load(workflow_defaults or "") or {}).get("spec") or {}
        strategy = (spec if workflow_level else (spec.get("templateDefaults") or {})).get("retryStrategy")
    except (yaml.YAMLError, AttributeError) as exc:
        raise ValueError(f"its workflowDefaults is no workflow spec YAML ({str(exc).splitlines()[0]})") from exc
    if strategy is None:  # an empty mapping is a strategy: OnFailure without a limit
        return None
    if not isinstance(strategy, dict):
        raise ValueError(f"its {'spec' if workflow_level else 'templateDefaults'}.retryStrategy is no mapping "
                         f"({strategy!r})")
    policy = strategy.get("retryPolicy") or ("Always" if strategy.get("expression") else "OnFailure")
    limit = strategy.get("limit")
    if limit is None:
        return str(policy), None
    if isinstance(limit, bool) or not _GO_INT.match(str(limit)):
        return str(policy), -1
    return str(policy), max(int(limit), 0)


def _limit_shown(workflow_defaults: str, limit: int | None, *, workflow_level: bool = False) -> str:
    """The strategy's limit as the Argo retries line shows it: a negative one as the ConfigMap
    writes it (``limit -1: retries nothing``), not as the 0 :func:`retry_defaults` counts it as."""
    if limit is None:
        return "no limit"
    if limit < 0:
        return "limit not a number"
    if limit == 0:
        import yaml

        spec = (yaml.safe_load(workflow_defaults) or {}).get("spec") or {}
        raw = str(((spec if workflow_level else spec.get("templateDefaults") or {}).get("retryStrategy") or {})
                  .get("limit")).strip()
        if _GO_INT.match(raw) and int(raw) < 0:
            return f"limit {raw}: retries nothing"
    return f"limit {limit}"


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: str  # ok | warn | FAIL | skip
    detail: str
    fix: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        tag = f"{self.status:<4} "
        if self.status == OK:
            return f"{tag}{self.name} {self.detail}"
        return f"{tag}{self.name}: {self.detail}" + (f" — fix: {self.fix}" if self.fix else "")


@dataclass
class Target:
    """An InferenceService a model deploys to."""

    name: str
    namespace: str
    strategy: str = "canary"
    model: str = ""


@dataclass
class DoctorOptions:
    """What to check. Empty fields are filled from the environment or the cluster."""

    host: str = ""
    token: str = ""
    token_file: str = ""
    ca_file: str = ""  # the CA bundle of KFP's certificate (empty: KFP_CA_FILE, else certifi's)
    namespace: str = ""  # KFP namespace: the profile on multi-user Kubeflow
    pipeline_namespace: str = ""  # where task pods run; default: namespace, else where KFP is installed (Doctor.kfp_namespace)
    service_account: str = ""  # the pipeline runner; default pipeline-runner / default-editor
    targets: list[Target] = field(default_factory=list)
    prometheus_url: str = ""
    pushgateway_url: str = ""
    metric_source: str = ""
    tracking_uri: str = ""
    kubeconfig: str = ""
    context: str = ""
    kserve_namespaces: tuple[str, ...] = KSERVE_NAMESPACES  # where its controller runs
    kserve_config_namespace: str = ""  # rollout.kserve_namespace: where the rollout reads KServe's ConfigMap
    timeout: float = 5.0
    # ctloop.yaml's platform (a ctloop.config.PlatformConfig; None: the defaults): the step resources the compiler
    # gives each task (ctloop.ops.settings.step_resources), whose CPU sets the task's OMP_NUM_THREADS
    platform: Any = None
    # where KFP is installed (ctloop.yaml kfp.install_namespace, --kfp-namespace); empty: KFP_INSTALL_NAMESPACE, else
    # the default (ctloop.ops.platform.install_namespace)
    kfp_namespace: str = ""
    # the setting kfp_namespace came from, for messages: "--kfp-namespace", "kfp.install_namespace" (empty: the latter)
    kfp_namespace_name: str = ""

    @property
    def kfp_namespace_setting(self) -> str:
        """The setting :attr:`kfp_namespace` came from, for messages (:attr:`kfp_namespace_name`, else ctloop.yaml's
        ``kfp.install_namespace``)."""
        return self.kfp_namespace_name or INSTALL_NAMESPACE_KEY


def options_from_spec(spec: Any, **overrides: Any) -> DoctorOptions:
    """Doctor options from a ``ctloop.yaml`` spec (``ctloop.ops.spec.Spec``); flags override."""
    targets = []
    prometheus = tracking = source = pushgateway = kserve_config = ""
    for model in spec.models:
        ro = model.sections.get("rollout")
        if ro is not None and ro.inference_service:
            targets.append(Target(ro.inference_service, ro.namespace, ro.strategy, model.name))
            prometheus = prometheus or ro.prometheus_url
            kserve_config = kserve_config or ro.kserve_namespace
            source = source or ro.rules.metric_source
        mon = model.sections.get("monitoring")
        pushgateway = pushgateway or (getattr(mon, "pushgateway_url", "") or "")
        tracking = tracking or model.tracking_uri
    opts = DoctorOptions(
        host=spec.kfp.host,
        namespace=spec.kfp.namespace,
        service_account=spec.platform.service_account,
        targets=targets,
        prometheus_url=prometheus,
        pushgateway_url=pushgateway,
        tracking_uri=tracking,
        metric_source=source,
        kserve_config_namespace=kserve_config,
        platform=spec.platform,
        kfp_namespace=spec.kfp.install_namespace,
        kfp_namespace_name=INSTALL_NAMESPACE_KEY if spec.kfp.install_namespace else "",
    )
    for key, value in overrides.items():
        if value not in (None, "", [], ()):
            setattr(opts, key, value)
    return opts


def _version_warning(name: str, tag: str, tested: tuple[int, ...], *, unknown: tuple[str, str],
                     older: tuple[str, str]) -> Check | None:
    """WARN check ``name`` with ``unknown`` (message, fix) when ``tag`` is no version, with
    ``older`` when its major.minor is below ``tested``'s; None when it is tested or newer."""
    from ctloop.ops.platform import parse_version

    version = parse_version(tag)
    if version is None:
        return Check(name, WARN, *unknown)
    if version[:2] < tested[:2]:
        return Check(name, WARN, *older)
    return None


def _split(message: str) -> tuple[str, str]:
    """``problem — fix: fix`` → (problem, fix)."""
    problem, _, fix = str(message).partition(" — fix: ")
    return problem.removeprefix("error: "), fix


class _Timed(Exception):
    """A call of a check exceeded its timeout."""


def in_cluster_name(host: str) -> bool:
    """A name only a cluster's DNS resolves (its search path: ``<service>``, ``*.svc``,
    ``*.svc.cluster.local``; a trailing dot aside): one that does not resolve here is skipped, not
    failed. ``<service>.<namespace>`` looks like a mistyped public name (``mlfow.com``): see
    :func:`maybe_in_cluster`."""
    name = host.rstrip(".").lower()
    return bool(name) and (name.endswith((".svc", ".svc.cluster.local")) or "." not in name)


def maybe_in_cluster(host: str) -> bool:
    """Two labels (``prometheus-pushgateway.monitoring``): a ``<service>.<namespace>`` name or a
    mistyped public one; one that does not resolve here is a warning, neither skipped nor failed."""
    return host.rstrip(".").count(".") == 1


def _unresolved(name: str, url: str, flag: str, forward: str) -> tuple[Check | None, Exception | None]:
    """Check ``name`` of a ``url`` whose host does not resolve here: SKIP for an in-cluster name,
    WARN for a ``<service>.<namespace>`` one (both with the fix ``flag`` and a port-forward to
    ``forward``, e.g. ``svc/prometheus-operated 9090``); ``(None, the error)`` for any other name
    that does not resolve, ``(None, None)`` when it resolves."""
    parsed = urllib.parse.urlsplit(url)
    host = parsed.hostname or ""
    try:
        socket.getaddrinfo(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        if not (in_cluster_name(host) or maybe_in_cluster(host)):
            return None, exc
        return Check(name, SKIP if in_cluster_name(host) else WARN,
                     f"{url} is an in-cluster address, not resolvable here" if in_cluster_name(host)
                     else f"cannot resolve {host} here: a <service>.<namespace> name, or a misspelt one?",
                     f"run ctloop doctor in the cluster, or {flag} with a port-forward "
                     f"(kubectl -n monitoring port-forward {forward})"), None
    return None, None


def _is_timeout(exc: BaseException) -> bool:
    from urllib3.exceptions import MaxRetryError, NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    seen = 0
    while isinstance(exc, BaseException) and seen < 5:
        if isinstance(exc, NewConnectionError):  # a ConnectTimeoutError subclass in urllib3 2
            return False
        if isinstance(exc, (TimeoutError, socket.timeout, Urllib3Timeout)):
            return True
        if isinstance(exc, MaxRetryError):
            exc = exc.reason
        else:
            exc = exc.__cause__ or getattr(exc, "reason", None)
        seen += 1
    return False


# ------------------------------------------------------------------------------------ runner
class Doctor:
    """Runs the checks; ``kube``: a ready ``kubernetes`` ``ApiClient`` (default: from
    ``opts.kubeconfig``/``opts.context`` or the in-cluster service account)."""

    def __init__(self, opts: DoctorOptions, *, kube: Any = None):
        if not opts.timeout > 0:
            raise ConfigError(f"--timeout {opts.timeout!r}: give a number of seconds > 0")
        for t in opts.targets:
            if not t.namespace:
                raise ConfigError(
                    f"InferenceService {t.name!r}: no namespace; give --isvc NAMESPACE/NAME"
                )
        self.opts = opts
        self.kube = kube
        self.platform: Any = None
        self.kfp_usable = False  # reachable, authenticated and authorised
        self.backend: Future = Future()
        self.revisions: dict[tuple[str, str], str] = {}
        self._settings: dict[str, str] | None | bool = False  # False = not read yet
        self.kserve_default_mode = ""
        self.kserve_default_problem = ""  # read, but naming no mode KServe takes (isvc.read_deploy_config)
        self.kserve_default_read: ClusterDefault | None = None  # check_kserve's read; None: not read
        self.needs_knative = False

    def kfp_namespace(self) -> str:
        """Where KFP is installed: ``--kfp-namespace`` or ctloop.yaml's ``kfp.install_namespace``, else the
        environment's, else the default (:func:`kfp_namespace`, ``ctloop.ops.platform.shown_install_namespace``)."""
        return kfp_namespace(self.opts.kfp_namespace)

    def _set_backend(self, backend: Any) -> None:
        if not self.backend.done():
            self.backend.set_result(backend)

    def _timed(self, name: str, fn: Callable[[], Check | list[Check]]) -> list[Check]:
        from kubernetes.client.exceptions import ApiException as KubeApiException
        from urllib3.exceptions import HTTPError

        start = time.monotonic()
        try:
            out = fn()
        except (CtloopError, OSError, HTTPError, KubeApiException, ValueError) as exc:
            if isinstance(exc, CtloopError):  # already one line with its fix
                problem, fix = _split(str(exc))
                out = Check(name, FAIL, problem, fix)
            elif _is_timeout(exc):
                out = Check(
                    name,
                    FAIL,
                    f"no answer within {self.opts.timeout:g} s",
                    "check the address and the network (VPN, port-forward), or --timeout",
                )
            elif isinstance(exc, KubeApiException):
                out = Check(name, FAIL, _kube_error(exc), _kube_fix(exc))
            else:
                problem, fix = _split(str(exc))
                out = Check(name, FAIL, problem, fix)
        checks = out if isinstance(out, list) else [out]
        for c in checks:
            c.seconds = round(time.monotonic() - start, 3)
        return checks

    def groups(self) -> list[list[tuple[str, Callable[[], Check | list[Check]]]]]:
        kfp = [
            ("KFP API", self.check_kfp),
            ("KFP backend", self.check_backend),
            ("pipelines", self.check_pipelines),
        ]
        cluster: list[tuple[str, Callable]] = [
            ("Kubernetes", self.check_kubernetes),
            ("KServe", self.check_kserve),
        ]
        cluster += [
            (f"InferenceService {t.namespace}/{t.name}", lambda t=t: self.check_isvc(t))
            for t in self.opts.targets
        ]
        cluster += [("Knative Serving", self.check_knative)]
        if self.opts.metric_source == "knative-otel":
            cluster += [("Knative request metrics", self.check_request_metrics)]
        cluster += [
            (f"metrics {t.namespace}/{t.name}", lambda t=t: self.check_metrics(t))
            for t in self.opts.targets
        ]
        cluster += [("Prometheus rules and targets", self.check_monitoring)]
        cluster += [
            ("Pushgateway", self.check_pushgateway),
            ("RBAC", self.check_rbac),
            ("settings", self.check_settings),
            ("Argo retries", self.check_retries),
            ("MLflow", self.check_mlflow),
        ]
        return [kfp, cluster]

    def run(self, progress: Callable[[Check], Any] | None = None) -> list[Check]:
        """All checks; ``progress`` gets each one as soon as it and those before it are done."""
        queues: list[queue.Queue] = []
        threads = []
        errors: list[BaseException] = []

        def work(steps, q: queue.Queue, kfp: bool) -> None:
            try:
                for name, fn in steps:
                    for c in self._timed(name, fn):
                        q.put(c)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(exc)
            finally:
                if kfp:
                    self._set_backend(None)  # never leave the cluster checks waiting
                q.put(None)

        for i, steps in enumerate(self.groups()):
            q: queue.Queue = queue.Queue()
            queues.append(q)
            threads.append(threading.Thread(target=work, args=(steps, q, i == 0), daemon=True))
        for t in threads:
            t.start()
        out: list[Check] = []
        for q in queues:
            while (c := q.get()) is not None:
                out.append(c)
                if progress:
                    progress(c)
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return out

    # -------------------------------------------------------------------------- KFP
    def check_kfp(self) -> Check:
        from ctloop.ops.platform import Platform
        from ctloop.serving.kube import kubeconfig_path

        o = self.opts
        kube_file = kubeconfig_path(o.kubeconfig)
        try:
            self.platform = Platform(
                host=o.host,
                token=o.token,
                namespace=o.namespace,
                token_file=o.token_file,
                ca_file=o.ca_file,
                timeout=o.timeout,
                warn=lambda _: None,
                # without a host, KFP through the kubeconfig the Kubernetes line reads (kube_client)
                kubeconfig=kube_file,
                context=o.context,
                install_namespace=o.kfp_namespace,
                install_name=o.kfp_namespace_setting,
                install_spec=True,  # doctor takes -f: kfp.install_namespace is a setting to name
            )
        finally:
            self._set_backend(self.platform.backend if self.platform is not None else None)
        backend = self.platform.backend
        self.platform.verify_access()
        self.kfp_usable = True
        url = backend.url if backend else (o.host or "(discovered)")
        how = f"; auth: {self.platform.auth.source}" if self.platform.auth.source else ""
        if not o.host and not os.environ.get(HOST_ENV) and (kube_file or o.context):  # Platform's named route
            how += f"; via kubeconfig {kube_file or '~/.kube/config'}" + (f", context {o.context}" if o.context else "")
        tls = url.startswith("https://") and self.platform.auth.ca_source  # http: no certificate verified
        how += f"; TLS CA: {self.platform.auth.ca_source}" if tls else ""
        ns = f", namespace {self.platform.namespace}" if self.platform.namespace else ""
        desc = backend.describe() if backend else "backend unknown"
        return Check("KFP API", OK, f"{url} ({desc}{ns}{how}; {self.install_said()})")

    def install_said(self) -> str:
        """Where KFP is installed and which setting said so (:func:`ctloop.ops.platform.install_namespace_source`),
        for the KFP API line: a namespace a Kubeflow PodDefault put in this process's environment
        (``KFP_INSTALL_NAMESPACE`` in a notebook) is otherwise invisible. Doctor reads that environment only: it
        cannot tell which PodDefaults of the profile select a pod it does not run in."""
        from ctloop.ops.platform import (
            INSTALL_NAMESPACE_DEFAULT,
            INSTALL_NAMESPACE_ENV,
            TASK_INSTALL_NAMESPACE_ENV,
            install_namespace_source,
        )

        value, source = install_namespace_source(self.opts.kfp_namespace, self.opts.kfp_namespace_setting)
        if source == INSTALL_NAMESPACE_DEFAULT:
            said = INSTALL_NAMESPACE_DEFAULT
        elif source == INSTALL_NAMESPACE_ENV:
            said = f"{INSTALL_NAMESPACE_ENV} of this environment, e.g. a Kubeflow PodDefault's"
        elif source == INSTALL_NAMESPACE_KEY:
            said = f"{INSTALL_NAMESPACE_KEY} of -f"
        elif source == TASK_INSTALL_NAMESPACE_ENV:
            said = f"{TASK_INSTALL_NAMESPACE_ENV} of this environment, ctloop-settings' in a KFP task"
        else:
            said = source
        if self.opts.host or os.environ.get(HOST_ENV):  # KFP was found at the host: the namespace is a setting only
            return f"install namespace {value} ({said}; used for the Argo ConfigMap, not to find KFP)"
        return f"KFP installed in {value}: {said}"

    def check_backend(self) -> Check:
        from ctloop.ops.platform import MIN_BACKEND

        need = ".".join(map(str, MIN_BACKEND))
        backend = self.backend.result()
        if self.platform is None or backend is None:
            return Check("KFP backend", SKIP, "KFP API not reachable")
        if backend.version is None:
            return Check(
                "KFP backend",
                WARN,
                f"release unknown (tag_name {backend.tag_name!r})",
                f"make sure it is >= {need}: older backends ignore `optional` on "
                "ConfigMap/Secret keys and fail every task of a run whose key is missing",
            )
        if backend.version < MIN_BACKEND:
            return Check(
                "KFP backend",
                FAIL,
                f"{backend.tag_name} is older than {need}: it "
                "ignores `optional` on ConfigMap/Secret keys, so every task of a run "
                "whose key is missing fails (CreateContainerConfigError)",
                f"upgrade KFP to >= {need}; until then every key in the settings line "
                "must exist, and upload/schedule/apply need --allow-old-backend",
            )
        return Check(
            "KFP backend",
            OK,
            f"{backend.tag_name} (>= {need}: optional ConfigMap/Secret keys are honoured)",
        )

    def check_pipelines(self) -> Check:
        from ctloop.ops.platform import newest, version_name
        from ctloop.pipelines import all_pipelines

        if not self.kfp_usable:
            return Check("pipelines", SKIP, "KFP API not usable (see the KFP API line)")
        found, missing = [], []
        for name in sorted(all_pipelines()):
            resolved = self.platform.resolve_pipeline(name)  # where a run finds it
            if resolved is None:
                missing.append(name)
                continue
            pid, shared = resolved
            versions = self.platform.versions(pid)
            last = newest(versions)
            label = last.display_name if last is not None else "no version"
            found.append(f"{name} {label} ({len(versions)} version(s){', shared' if shared else ''})")
        here = f"this checkout is {version_name()}"
        if "continuous-training" in missing:
            return Check(
                "pipelines",
                WARN,
                "; ".join(found + [f"{', '.join(missing)} not uploaded"]) + f"; {here}",
                "ctloop apply -f ctloop.yaml (or ctloop "
                "upload --pipeline NAME) once the image is pushed",
            )
        tail = f"; not uploaded: {', '.join(missing)}" if missing else ""
        return Check("pipelines", OK, "; ".join(found) + tail + f"; {here}")

    # -------------------------------------------------------------------------- Kubernetes
    def _api(self, kind: str) -> Any:
        from kubernetes import client

        return getattr(client, kind)(self.kube)

    @property
    def _t(self) -> tuple[float, float]:
        return (self.opts.timeout, self.opts.timeout)

    def _no_kube(self, name: str) -> Check | None:
        if self.kube is None:
            return Check(name, SKIP, "no Kubernetes API (see the Kubernetes line)")
        return None

    def check_kubernetes(self) -> Check:
        if self.kube is None:
            try:
                self.kube = kube_client(self.opts.kubeconfig, self.opts.context, self.opts.timeout)
            except CtloopError as exc:
                return Check(
                    "Kubernetes",
                    FAIL,
                    str(exc),
                    "set KUBECONFIG or --kubeconfig/--context, or run in the cluster",
                )
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        host = self.kube.configuration.host
        try:
            version = self._api("VersionApi").get_code(_request_timeout=self._t)
        except (OSError, HTTPError, ApiException) as exc:
            self.kube = None  # the other cluster checks say "skipped"
            if isinstance(exc, ApiException):
                raise
            reason = getattr(exc, "reason", None) or exc
            said = (
                f"no answer within {self.opts.timeout:g} s"
                if _is_timeout(exc)
                else f"cannot connect ({str(reason)[:160]})"
            )
            raise CtloopError(
                f"Kubernetes API {host}: {said} — fix: check the kubeconfig context "
                "(kubectl cluster-info)"
            ) from exc
        return Check("Kubernetes", OK, f"{self.kube.configuration.host} ({version.git_version})")

    def _read(self, fn: Callable, *args: Any) -> Any:
        """``fn(*args)``; None when the object does not exist (404)."""
        from kubernetes.client.exceptions import ApiException

        try:
            return fn(*args, _request_timeout=self._t)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def check_kserve(self) -> Check:
        if (skip := self._no_kube("KServe")) is not None:
            return skip

        crd = self._read(
            self._api("ApiextensionsV1Api").read_custom_resource_definition, KSERVE_CRD
        )
        if crd is None:
            return Check(
                "KServe",
                FAIL,
                f"CRD {KSERVE_CRD} not found: KServe is not installed",
                "install KServe 0.20 (https://kserve.github.io/website/)",
            )
        apps = self._api("AppsV1Api")
        for ns in self._controller_namespaces():
            dep = self._read(apps.read_namespaced_deployment, KSERVE_CONTROLLER, ns)
            if dep is None:
                continue
            labels = dep.metadata.labels or {}
            image = next(
                (c.image for c in dep.spec.template.spec.containers if c.name == "manager"), ""
            )
            tag = labels.get("app.kubernetes.io/version") or image.rpartition(":")[2]
            # the default as the rollout reads it (kube.read_kserve_default where rollout.kserve_namespace,
            # else $CTLOOP_KSERVE_NAMESPACE, else KSERVE_NAMESPACES say; not --kserve-namespace, which
            # only finds the controller)
            found = self.kserve_default_read = read_kserve_default(
                self._api("CoreV1Api"), self._kserve_config_namespaces(), _request_timeout=self._t)
            self.kserve_default_mode, self.kserve_default_problem = found.mode, found.problem
            if self.kserve_default_mode:
                default = self.kserve_default_mode
            elif self.kserve_default_problem:
                default = f"unknown: {self.kserve_default_problem}"
            else:
                default = (f"unknown: no {KSERVE_CONFIG} readable in {' or '.join(found.namespaces)}, where the "
                           f"rollout reads it{f' ({found.failure})' if found.failure else ''}")
            where = f"controller {ns}/{KSERVE_CONTROLLER}"
            warning = _version_warning(
                "KServe", tag, TESTED_KSERVE,
                unknown=(f"installed, version unknown ({where}, image {image or '?'})",
                         "ctloop is tested with KServe 0.20"),
                older=(f"{tag} ({where}) is older than the tested 0.20",
                       "upgrade KServe to 0.20 (deployment mode names and spec.canary changed in "
                       "0.16-0.20)"),
            )  # fmt: skip
            if warning is not None:
                return warning
            if found.namespace != ns if found.namespace else ns not in found.namespaces:
                # found with --kserve-namespace, where the rollout does not read KServe's ConfigMap
                # (a stale one it read elsewhere is not KServe's default either)
                read = f" read in {found.namespace}" if found.namespace else ""
                return Check(
                    "KServe",
                    WARN,
                    f"{tag} ({where}; default deployment mode {default}{read})",
                    f"set rollout.kserve_namespace / {KSERVE_NAMESPACE_ENV}={ns}: KServe reads its "
                    f"{KSERVE_CONFIG} in its own namespace",
                )
            return Check(
                "KServe",
                OK,
                f"{tag} ({where}; default deployment mode {default})",
            )
        return Check(
            "KServe",
            WARN,
            f"CRD present, but no {KSERVE_CONTROLLER} in "
            f"{', '.join(self._controller_namespaces())}: version unknown",
            "--kserve-namespace NS where the controller runs",
        )

    def _controller_namespaces(self) -> tuple[str, ...]:
        """Where kserve-controller-manager is looked for: ``--kserve-namespace``, else where the
        rollout reads KServe's ConfigMap when that is set (KServe v0.20.0 keeps it in the
        controller's own namespace, ``constants.KServeNamespace`` = its ``POD_NAMESPACE``), else
        ``KSERVE_NAMESPACES``."""
        if self.opts.kserve_namespaces != KSERVE_NAMESPACES:
            return self.opts.kserve_namespaces
        return self._kserve_config_namespaces()

    def _kserve_config_namespaces(self) -> tuple[str, ...]:
        """Where the rollout reads KServe's ConfigMap (``isvc.kserve_config_namespaces``)."""
        from ctloop.serving.isvc import kserve_config_namespaces

        return kserve_config_namespaces(self.opts.kserve_config_namespace)

    def check_isvc(self, t: Target) -> Check:
        from ctloop.serving import rollout

        name = f"InferenceService {t.namespace}/{t.name}"
        if (skip := self._no_kube(name)) is not None:
            return skip
        obj = self._read(
            self._api("CustomObjectsApi").get_namespaced_custom_object,
            "serving.kserve.io",
            "v1beta1",
            t.namespace,
            "inferenceservices",
            t.name,
        )
        if obj is None:
            # ctloop's template (isvc.inference_service, isvc.knative_template) writes
            # deploymentMode Knative whatever the cluster's default: the first deploy runs there,
            # and Knative Serving is needed for it on a Knative-default cluster too
            self.needs_knative = True
            default = self.kserve_default_mode
            if default and LEGACY_MODES.get(default, default) == KNATIVE:
                return Check(
                    name,
                    WARN,
                    f"not created yet (the first deploy creates it; it would run in {default} mode)",
                )
            over = (
                f"over the cluster's default {default}"
                if default
                else "whatever the cluster's default (unknown)"
            )
            return Check(
                name,
                WARN,
                f"not created yet (the first deploy creates it in {KNATIVE} mode: ctloop's template sets "
                f"{MODE_ANNOTATION}: {KNATIVE} {over})",
                "Knative Serving must be installed",
            )
        status = obj.get("status") or {}
        # the rollout's own rule (isvc.deployment_mode; neither field set: the cluster's default,
        # as KServe takes it), shown by the name the service gives
        mode = deployment_mode(obj, self.kserve_default_mode or "")
        if not mode:  # the rollout's refusal, its own words (isvc.check_deployment_mode)
            try:
                read = self.kserve_default_read or ClusterDefault(namespaces=self._kserve_config_namespaces())
                check_deployment_mode(obj, "", self.kserve_default_problem, read.read_failure, read.namespaces)
            except CtloopError as exc:
                problem, _, fix = str(exc).partition("; nothing written")
                return Check(name, WARN, f"deployment mode unknown: {problem.removeprefix(f'InferenceService {t.name!r} ')}"
                             "; ctloop refuses to deploy to it until one is known", fix.strip(" ()"))
        shown = (
            status.get("deploymentMode")
            or (obj["metadata"].get("annotations") or {}).get(MODE_ANNOTATION)
            if deployment_mode(obj)
            else f"{mode} (the cluster's default)"
        )
        # during a rollout the champion's revision (after a blue-green switch or a canary at
        # 100 % KServe's latestRolledoutRevision is the new one): the rollout's own rule
        stable = rollout.stable_revision(obj)
        if stable:
            self.revisions[(t.namespace, t.name)] = stable
        if mode != KNATIVE:
            # ctloop's rollout refuses any mode but Knative, whatever the strategy
            # (isvc.check_deployment_mode): blue-green too would be refused at every deploy
            return Check(
                name,
                FAIL,
                f"runs in {shown} mode, where KServe ignores "
                "canaryTrafficPercent (a canary would get 0 % or 100 %); ctloop refuses to deploy to it",
                f"recreate it in {KNATIVE} mode (KServe refuses to change the mode of an existing service; "
                "rollout.strategy: blue-green does not help, it is refused there too)",
            )
        # a Knative-mode service (every other mode failed above): Knative Serving is needed even
        # when the check below fails it — being deleted, or its reconcile disabled, it still runs
        # on Knative, and a missing Knative is not "not needed"
        self.needs_knative = True
        try:
            check_reconciled(obj)  # being deleted, or its reconcile disabled: every deploy is refused
            # KServe's webhooks refuse every update of it (no annotation under a Standard default,
            # or one naming another mode than the recorded one): so does every rollout write
            check_update_admitted(obj, self.kserve_default_mode or "")
        except CtloopError as exc:
            problem, _, fix = str(exc).partition("; nothing written")
            return Check(name, FAIL, problem.removeprefix(f"InferenceService {t.name!r} "),
                         fix.strip(" ()").removesuffix(RUN_AGAIN) or "")
        ready = "stable revision " + stable if stable else "no ready revision yet"
        asked = (obj["metadata"].get("annotations") or {}).get(MODE_ANNOTATION)
        if isinstance(asked, str) and LEGACY_MODES.get(asked) == KNATIVE:
            # KServe v0.20.0's defaulter rewrites the deprecated name on every update, and the annotation
            # is in the revision template: the rollout refuses a traffic-only write (isvc.check_traffic_only)
            return Check(
                name,
                WARN,
                f"{shown} mode, {ready}; annotated {MODE_ANNOTATION}: {asked}, a legacy name KServe v0.20.0's "
                f"webhook rewrites to {KNATIVE} on every update (inference_service_defaults.go "
                "DefaultInferenceService), a change of its revision template: until then ctloop refuses a canary "
                "step or a promote of it (either would start a new revision of the canary's model), and GitOps "
                "tools show the rewrite as drift",
                f"before the rollout: kubectl annotate isvc {t.name} -n {t.namespace} {MODE_ANNOTATION}={KNATIVE} "
                "--overwrite (Knative starts a new revision of the model its spec names), and write "
                f"{KNATIVE} in its source",
            )
        return Check(name, OK, f"{shown} mode, {ready}")

    def check_knative(self) -> Check:
        if (skip := self._no_kube("Knative Serving")) is not None:
            return skip

        needed = self.needs_knative or (
            not self.opts.targets and self.kserve_default_mode in ("", "Serverless", "Knative")
        )
        labels: dict[str, str] = {}
        ns = self._read(self._api("CoreV1Api").read_namespace, KNATIVE_NAMESPACE)
        if ns is not None:
            labels = ns.metadata.labels or {}
        dep = self._read(
            self._api("AppsV1Api").read_namespaced_deployment, "controller", KNATIVE_NAMESPACE
        )
        if ns is None and dep is None:
            if not needed:
                return Check(
                    "Knative Serving",
                    OK,
                    "not installed, not needed (no Serverless InferenceService)",
                )
            return Check(
                "Knative Serving",
                FAIL,
                f"not installed (no {KNATIVE_NAMESPACE})",
                "install Knative Serving 1.21 (what KServe 0.20 pins): canary "
                "rollouts need Serverless mode",
            )
        if dep is not None:
            labels = {**(dep.metadata.labels or {}), **labels}
        tag = labels.get("app.kubernetes.io/version") or labels.get(
            "serving.knative.dev/release", ""
        )
        warning = _version_warning(
            "Knative Serving", tag, TESTED_KNATIVE,
            unknown=(f"installed, version unknown (label app.kubernetes.io/version {tag or 'missing'!r})",
                     "KServe 0.20 is tested with Knative Serving 1.21"),
            older=(f"{tag} is older than 1.21 (what KServe 0.20 pins); its queue-proxy metrics have "
                   "other names", "upgrade Knative Serving, or choose the matching metric source"),
        )  # fmt: skip
        return warning or Check("Knative Serving", OK, tag)

    def check_request_metrics(self) -> Check:
        """Metric source ``knative-otel`` only: does Knative's queue-proxy expose request metrics?
        Knative >= 1.19 exposes none unless ``request-metrics-protocol`` is set (default ``none``;
        knative-v1.21.1 pkg/observability/config.go, pkg/queue/sharedmain/otel.go) — read from the
        Knative Operator's ``KnativeServing`` (``spec.config.observability``, what KServe 0.20's
        install uses and what the operator writes over the ConfigMap) or, without the operator,
        ConfigMap ``config-observability``; when KnativeServings may not be listed (403) the ConfigMap
        is read and the fix names both (an operator would revert a patched ConfigMap). Needs no
        Prometheus: the canary check would read nothing."""
        name = "Knative request metrics"
        if (skip := self._no_kube(name)) is not None:
            return skip
        from kubernetes.client.exceptions import ApiException

        try:
            servings = self._read(self._api("CustomObjectsApi").list_namespaced_custom_object,
                                  *KNATIVE_OPERATOR, KNATIVE_NAMESPACE, "knativeservings")
        except ApiException as exc:
            if exc.status != 403:
                raise
            servings, unlisted = None, True  # the ConfigMap says what Knative reads (the operator writes it)
        else:
            unlisted = False
        items = (servings or {}).get("items") or []

        def patch_serving(cr: str) -> str:
            return (f"kubectl -n {KNATIVE_NAMESPACE} patch knativeserving {cr} --type merge -p "
                    "'{\"spec\":{\"config\":{\"observability\":{\"request-metrics-protocol\":\"prometheus\"}}}}'")

        if items:
            cr = items[0]["metadata"]["name"]
            config = (((items[0].get("spec") or {}).get("config") or {}).get("observability") or {})
            where = f"KnativeServing {KNATIVE_NAMESPACE}/{cr} spec.config.observability"
            patch = patch_serving(cr)
        else:
            try:
                cm = self._read(self._api("CoreV1Api").read_namespaced_config_map, "config-observability",
                                KNATIVE_NAMESPACE)
            except ApiException as exc:
                if exc.status != 403:
                    raise
                return Check(name, WARN, f"may not read ConfigMap {KNATIVE_NAMESPACE}/config-observability or "
                             "KnativeServings: cannot tell whether queue-proxy exposes request metrics",
                             "ask a cluster admin: request-metrics-protocol must be prometheus (docs/serving.md)")
            if cm is None:
                return Check(name, WARN, f"no ConfigMap {KNATIVE_NAMESPACE}/config-observability and no "
                             "KnativeServing: cannot tell whether queue-proxy exposes request metrics",
                             "set request-metrics-protocol: prometheus (docs/serving.md)")
            config = cm.data or {}
            where = f"ConfigMap {KNATIVE_NAMESPACE}/config-observability"
            patch = (f"kubectl -n {KNATIVE_NAMESPACE} patch configmap config-observability --type merge -p "
                     "'{\"data\":{\"request-metrics-protocol\":\"prometheus\"}}'")
            if unlisted:  # a Knative Operator would write its KnativeServing's setting back over the ConfigMap
                patch = ("if the Knative Operator manages Knative Serving (KnativeServings may not be listed here), "
                         "set it in its KnativeServing, which the operator writes over the ConfigMap: "
                         f"{patch_serving('<name>')}; otherwise {patch}")
        protocol = str(config.get("request-metrics-protocol") or "").strip()
        if protocol in ("", "none"):
            return Check(name, FAIL, f"{where}: request-metrics-protocol {protocol or 'unset'} (default none): "
                         "queue-proxy exposes no request metrics, the knative-otel canary check reads nothing",
                         f"{patch} (every revision's pods restart)")
        if protocol != "prometheus":
            return Check(name, WARN, f"{where}: request-metrics-protocol {protocol!r}: queue-proxy pushes OTLP "
                         "to request-metrics-endpoint, Prometheus sees its series only through a collector "
                         "that exports them under the same names", f"set it to prometheus: {patch}")
        endpoint = str(config.get("request-metrics-endpoint") or "").strip()
        if endpoint:
            return Check(name, WARN, f"{where}: request-metrics-endpoint {endpoint!r} moves queue-proxy's "
                         "listener off port 9091 (http-usermetric), which the PodMonitor scrapes",
                         "leave request-metrics-endpoint unset (docs/serving.md)")
        return Check(name, OK, f"{where}: request-metrics-protocol prometheus (queue-proxy :9091/metrics)")

    def check_retries(self) -> Check:
        """Argo's ``workflowDefaults.spec.templateDefaults.retryStrategy`` against ctloop's retries
        (:func:`retry_defaults`, :data:`ctloop.ops.settings.RETRIED_STEPS`)."""
        name = "Argo retries"
        if (skip := self._no_kube(name)) is not None:
            return skip
        import yaml
        from kubernetes.client.exceptions import ApiException

        from ctloop.config import STEPS
        from ctloop.ops.settings import RETRIED_STEPS

        where = f"ConfigMap {self.kfp_namespace()}/{ARGO_CONFIGMAP}"
        try:
            cm = self._read(self._api("CoreV1Api").read_namespaced_config_map, ARGO_CONFIGMAP, self.kfp_namespace())
        except ApiException as exc:
            if exc.status != 403:
                raise
            return Check(name, WARN, f"may not read {where}: cannot tell whether Argo retries ctloop's steps "
                         "when they fail (KFP 2.17's install sets templateDefaults retryPolicy OnError: only on "
                         "pod errors)", f"ask a cluster admin for kubectl -n {self.kfp_namespace()} get configmap "
                         f"{ARGO_CONFIGMAP} -o jsonpath='{{.data.workflowDefaults}}' (docs/operations.md)")
        if cm is None:
            return Check(name, SKIP, f"no {where}: Argo's workflow controller is configured elsewhere")
        text = (cm.data or {}).get("workflowDefaults") or ""
        try:
            found = retry_defaults(text)
        except ValueError as exc:
            return Check(name, WARN, f"{where}: {exc}: cannot tell which retryPolicy Argo gives ctloop's steps",
                         f"kubectl -n {self.kfp_namespace()} get configmap {ARGO_CONFIGMAP} -o yaml")
        if found is None:
            return self._workflow_retries(name, where, text)
        policy, limit = found
        on_failed, on_error = RETRIED_PHASES.get(policy, (False, False))
        others = ", ".join(sorted(STEPS - RETRIED_STEPS))
        shown = _limit_shown(text, limit)
        said = f"{where}: templateDefaults retryStrategy retryPolicy {policy} ({shown}) applies to every step"
        if on_failed and limit == 0:
            return Check(name, OK, f"{said}: ctloop's retried steps are retried when they fail, its other steps never")
        defaults = yaml.safe_load(text)
        del defaults["spec"]["templateDefaults"]["retryStrategy"]
        if not defaults["spec"]["templateDefaults"]:
            del defaults["spec"]["templateDefaults"]
        patch = json.dumps({"data": {"workflowDefaults": yaml.safe_dump(defaults, sort_keys=False)}},
                           separators=(",", ":"))
        # shlex.quote: safe_dump single-quotes strings such as 'false', which would end a '...' argument
        fix = (f"kubectl -n {self.kfp_namespace()} patch configmap {ARGO_CONFIGMAP} --type merge -p {shlex.quote(patch)} "
               "(drops templateDefaults.retryStrategy: this changes every pipeline's steps on the cluster, "
               "those without a retry policy of their own lose their retries on pod errors, so it is the "
               "platform's call; a reinstall of KFP's manifests sets it again)")
        if policy not in RETRIED_PHASES:
            # argo-workflows v4.0.5: validate.go checks a template's own retryPolicy only, before
            # operator.go mergedTemplateDefaultsInto adds this one; processNodeRetries then meets it
            # at a step's first failure (its switch's default): the retry node ends in Error
            return Check(name, WARN, f"{where}: templateDefaults retryStrategy retryPolicy {policy!r} is not a valid "
                         f"RetryPolicy ({', '.join(RETRIED_PHASES)}): Argo v4.0.5 runs the workflows all the same "
                         "(its validation does not read templateDefaults), then ends a step's first failure in "
                         f"Error with '{policy} is not a valid RetryPolicy' instead of retrying it: no step is "
                         "retried, ctloop's retried steps neither", fix)
        times = ("without limit" if limit is None else f"{limit} time{'' if limit == 1 else 's'}" if limit >= 0
                 else "(limit not a number)")
        if policy == "OnTransientError":
            also = (f", and its steps that must not be retried ({others}) are retried {times} on such failures too"
                    if limit != 0 else "")
            return Check(name, WARN, f"{said}: ctloop's retried steps are retried only when Argo takes the "
                         "failure's message as transient (a step's non-zero exit seldom is: an outage of storage "
                         f"or MLflow ends the run){also}", fix)
        if not on_failed:
            also = (f", and its steps that must not be retried ({others}) are retried {times} on pod errors"
                    if on_error and limit != 0 else "")
            only = "pod errors" if on_error else "errors Argo takes as transient"
            return Check(name, WARN, f"{said}: ctloop's retried steps are retried only on {only}, not when "
                         f"the step fails (an outage of storage or MLflow ends the run){also}", fix)
        # argo-workflows v4.0.5 operator.go executeTemplate gives any template with a strategy a
        # Retry node (mergedTemplateDefaultsInto drops only the other template types' fields): DAGs too
        return Check(name, WARN, f"{said}: ctloop's steps that must not be retried ({others}) are retried "
                     f"{times} when they fail (another MLflow run, model version or training run), and each "
                     f"DAG of the run is retried as a whole {times} when it fails", fix)

    def _workflow_retries(self, name: str, where: str, text: str) -> Check:
        """Without ``templateDefaults.retryStrategy``: the workflow-level ``spec.retryStrategy`` of
        ``workflowDefaults``, which argo-workflows v4.0.5 gives every template without its own
        (operator.go ``retryStrategy``: ``woc.execWf.Spec.RetryStrategy``) — ctloop's steps that must
        not be retried; its retried steps keep their compiled strategy (OnFailure)."""
        import yaml

        from ctloop.config import STEPS
        from ctloop.ops.settings import RETRIED_STEPS

        none = f"{where}: no templateDefaults retryStrategy"
        try:
            found = retry_defaults(text, workflow_level=True)
        except ValueError as exc:
            return Check(name, WARN, f"{where}: {exc}: cannot tell which retryPolicy Argo gives ctloop's steps",
                         f"kubectl -n {self.kfp_namespace()} get configmap {ARGO_CONFIGMAP} -o yaml")
        if found is None:
            return Check(name, OK, f"{none}: ctloop's retried steps are retried when they fail (Argo's default "
                         "OnFailure), its other steps never")
        policy, limit = found
        on_failed, on_error = RETRIED_PHASES.get(policy, (False, False))
        shown = _limit_shown(text, limit, workflow_level=True)
        said = (f"{none}; spec.retryStrategy retryPolicy {policy} ({shown}) applies to every step without a "
                "strategy of its own: ctloop's retried steps keep theirs (retried when they fail)")
        others = ", ".join(sorted(STEPS - RETRIED_STEPS))
        if limit == 0:
            return Check(name, OK, f"{said}, its other steps are never retried")
        defaults = yaml.safe_load(text)
        del defaults["spec"]["retryStrategy"]
        patch = json.dumps({"data": {"workflowDefaults": yaml.safe_dump(defaults, sort_keys=False)}},
                           separators=(",", ":"))
        fix = (f"kubectl -n {self.kfp_namespace()} patch configmap {ARGO_CONFIGMAP} --type merge -p {shlex.quote(patch)} "
               "(drops spec.retryStrategy: this changes every pipeline's steps on the cluster, so it is the "
               "platform's call)")
        if policy not in RETRIED_PHASES:
            return Check(name, WARN, f"{said}; its other steps end their first failure in Error with '{policy} is "
                         "not a valid RetryPolicy' (argo-workflows v4.0.5 processNodeRetries)", fix)
        times = "without limit" if limit is None else f"{limit} time{'' if limit == 1 else 's'}" if limit >= 0 \
            else "(limit not a number)"
        when = ("when they fail (another MLflow run, model version or training run)" if on_failed
                else "on pod errors" if on_error else "when Argo takes the failure's message as transient")
        # a DAG has no strategy of its own either (operator.go executeTemplate: a Retry node for any
        # template type)
        dags = f", and each DAG of the run is retried as a whole {times} when it fails" if on_failed else ""
        return Check(name, WARN, f"{said}, but its steps that must not be retried ({others}) are retried {times} "
                     f"{when}{dags}", fix)

    def check_metrics(self, t: Target) -> Check:
        from ctloop.serving import metric_sources

        name = f"metrics {t.namespace}/{t.name}"
        url = self._given_or_set(self.opts.prometheus_url, "PROMETHEUS_URL")
        if not url:
            return Check(
                name,
                SKIP,
                "no Prometheus URL",
                "--prometheus-url, PROMETHEUS_URL, or rollout.prometheus_url in ctloop.yaml",
            )
        revision = self.revisions.get((t.namespace, t.name))
        if not revision:
            return Check(
                name, SKIP, "no stable revision to look for (see the InferenceService line)"
            )
        source_name = self.opts.metric_source or metric_sources.DEFAULT_SOURCE
        source = metric_sources.get_source(source_name)
        # this shell's PROMETHEUS_*, not the tasks' (their Secret's values are never read here):
        # each line says which were sent and what the tasks get
        prom = metric_sources.Prometheus(url, timeout_s=self.opts.timeout)
        sent = f"{prom.auth.describe()} from this shell's environment"
        tasks = self._task_prometheus_auth()
        try:
            names = source.found_names(prom, revision, t.namespace)
        except ServingError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, urllib.error.HTTPError) and cause.code in (401, 403)):
                raise
            problem, fix = _split(str(exc))
            where = f"; ctloop doctor sent {sent}" + (f", the tasks in {self._runner()[0]} get {tasks}"
                                                      if tasks is not None else "")
            return Check(name, FAIL, problem + where, fix)
        if names is not None:
            both = f"{sent}; the tasks in {self._runner()[0]} get {tasks}" if tasks is not None else sent
            detail = f"{source_name}: series for revision {revision} in {url}"
            # both notes, each with its fix: a dotted name does not hide the credentials warning
            credentials = prom.auth.sends_credentials or (tasks and tasks != NO_TASK_CREDENTIALS)
            notes, fixes = [], []
            if prom.auth.sends_credentials and tasks == NO_TASK_CREDENTIALS:
                # this shell sends credentials, the tasks send none: their queries are refused
                notes.append(f"with {both}")
                fixes.append("give the tasks the same credentials (docs/serving.md#prometheus-behind-an-auth-proxy)")
            elif credentials:
                notes.append(f"({both})")
            if blind := metric_sources.rules_blind(names):
                # dotted OTLP names (Prometheus 3 keeping UTF-8 names): the analysis reads them,
                # the recording rules, alerts and dashboard do not — what the probe says too
                problem, _, fix = blind.partition("; ")
                notes.append(f"and {problem}" if fixes else problem)
                fixes.append(fix)
            return Check(name, WARN if fixes else OK, " ".join([detail, *notes]), "; ".join(fixes))
        found = [n for n, has in metric_sources.probe(prom, t.namespace, revision).items() if has]
        others = (f"; {', '.join(found)} has series for it: choose it (rollout.rules.metric_source)"
                  if found else "")
        return Check(
            name,
            FAIL,
            f"{source_name}: no series for revision {revision} in {url}",
            f"{source.missing_hint}{others}",
        )

    def check_monitoring(self) -> Check:
        """Are the PrometheusRules and the PodMonitor ctloop ships loaded by Prometheus? Without
        them the alerts never fire and the dashboard is empty, while every other line is ok:
        prometheus-operator silently ignores a PrometheusRule or PodMonitor its Prometheus does
        not select (``spec.ruleSelector``/``podMonitorSelector`` and their namespace selectors;
        kube-prometheus-stack selects only its own ``release`` label by default). Asked of
        Prometheus itself, not of the Kubernetes API: what counts is what it loaded. Only ever a
        warning: an unreachable or refusing Prometheus is the metrics line's failure, and an
        in-cluster address that does not resolve here is skipped (as the Pushgateway's)."""
        from ctloop.serving import metric_sources

        name = "Prometheus rules and targets"
        url = self._given_or_set(self.opts.prometheus_url, "PROMETHEUS_URL")
        if not url:
            return Check(name, SKIP, "no Prometheus URL",
                         "--prometheus-url, PROMETHEUS_URL, or rollout.prometheus_url in ctloop.yaml")
        prom = metric_sources.Prometheus(url, timeout_s=self.opts.timeout)
        unresolved, _ = _unresolved(name, prom.url, "--prometheus-url", "svc/prometheus-operated 9090")
        if unresolved is not None:  # any other name: the failure to connect below says so, as a warning
            return unresolved
        try:
            return self._monitoring_loaded(name, url, prom)
        except ServingError as exc:
            return Check(name, WARN, f"cannot tell what Prometheus loaded: {exc}",
                         "see the metrics line (--isvc) or the Prometheus URL; this line only asks what it loaded")

    def _monitoring_loaded(self, name: str, url: str, prom: Any) -> Check:
        """The line of :meth:`check_monitoring` from ``GET /api/v1/rules`` and the PodMonitor's
        targets; a ServingError of a request is the caller's."""
        from ctloop.serving import metric_sources

        selected = ("is the monitoring component (manifests/components/monitoring) applied, and does "
                    "the Prometheus select it (spec.{}Selector and spec.{}NamespaceSelector of its "
                    "Prometheus resource; kube-prometheus-stack selects only its release label)?")
        problems, fixes, found = [], [], []
        try:
            groups = prom.api("/api/v1/rules").get("groups")
        except ServingError as exc:
            status = getattr(exc, "status", None)
            if status not in (400, 401, 403, 404, 405, 501):
                raise
            # a query API without the rules endpoint (VictoriaMetrics without vmalert, a proxy
            # forwarding only queries) or one that lets these credentials query but not list rules
            # (the metrics line says when the queries are refused too): nothing to tell either way
            return Check(name, WARN, f"{url} does not list its rules (HTTP {status})",
                         "check in the Prometheus that evaluates the rules that the PrometheusRules of "
                         "manifests/components/monitoring are loaded")
        # by name, each with every group of that name: prometheus-operator writes one rule file per
        # PrometheusRule (<namespace>-<name>-<uid>.yaml), so a name twice is the component applied twice
        loaded: dict[str, list[dict[str, Any]]] = {}
        for g in groups if isinstance(groups, list) else []:
            if isinstance(g, dict) and isinstance(g.get("name"), str):
                loaded.setdefault(g["name"], []).append(g)
        if isinstance(groups, list) and not groups:
            # Prometheus (v2.42 web/api/v1/api.go rules) answers 200 {"groups": []} when it loaded no
            # rule file — prometheus-operator's ruleSelector selecting no PrometheusRule — and so
            # does vmselect without -vmalert.proxyURL (VictoriaMetrics app/vmselect/main.go, a "dumb
            # placeholder"), or a label-enforcing proxy: the answer does not tell them apart
            problems.append("this API lists no rule groups at all: the Prometheus selects no PrometheusRule "
                            "(its ruleSelector/ruleNamespaceSelector), or it is a query API that lists no rules "
                            "(VictoriaMetrics' vmselect without vmalert, a label proxy)")
            fixes.append(selected.format("rule", "rule"))
            fixes.append("behind a query API that lists no rules, check in the Prometheus (or vmalert) that "
                         "evaluates the rules that the PrometheusRules of manifests/components/monitoring are loaded")
        else:
            missing = [rule for rule, names in SHIPPED_RULE_GROUPS.items() if not all(n in loaded for n in names)]
            if missing:
                problems.append(f"PrometheusRule {', '.join(missing)} not loaded (no rule group "
                                + ", ".join(n for r in missing for n in SHIPPED_RULE_GROUPS[r] if n not in loaded)
                                + ")")
                fixes.append(selected.format("rule", "rule"))
        shipped = [g for names in SHIPPED_RULE_GROUPS.values() for g in names if g in loaded]
        if shipped:
            found.append(f"{len(shipped)} rule groups loaded")
        twice = [g for g in shipped if len(loaded[g]) > 1]
        if twice:
            files = sorted({str(x.get("file") or "?").rpartition("/")[2] for x in loaded[twice[0]]})
            problems.append(f"rule group {twice[0]} is loaded {len(loaded[twice[0]])} times (files "
                            f"{', '.join(files)})" + (f", and {len(twice) - 1} more group(s)" if len(twice) > 1 else ""))
            fixes.append("apply the monitoring component's PrometheusRules once per Prometheus: each copy "
                         "records the same series and fires the same alerts")
        failing = [(g, r) for g in shipped for group in loaded[g] for r in (group.get("rules") or [])
                   if isinstance(r, dict) and r.get("health") == "err"]
        if failing:
            group, rule = failing[0]
            what = rule.get("name") or "?"
            why = " ".join(str(rule.get("lastError") or "").split())[:200]
            problems.append(f"{len(failing)} rule(s) fail to evaluate, e.g. {what} of group {group}: {why}")
            fixes.append("see the Prometheus rules page; a rule file edited by hand or an older Prometheus?")
        source_name = self.opts.metric_source or metric_sources.DEFAULT_SOURCE
        reads = list(dict.fromkeys(s for g in loaded.get(metric_sources.SOURCE_GROUP, [])
                                   for s in self._source_group_reads(g)))
        if reads and source_name not in reads:
            problems.append(f"rule group {metric_sources.SOURCE_GROUP} reads the {', '.join(reads)} metric "
                            f"source's series, the canary analysis {source_name}'s")
            fixes.append(f"apply manifests/components/monitoring/sources/{source_name} after the monitoring "
                         "component, or set rollout.rules.metric_source to the source the rules read")
        targets, shown = self._podmonitor_targets(prom)
        down = [t for t in targets if t[1] == "down"]
        if not targets:
            problems.append(f"no target of PodMonitor {SHIPPED_PODMONITOR} is scraped ({shown} is empty)")
            fixes.append(selected.format("podMonitor", "podMonitor") + " Are its predictor pods running?")
        elif down:
            labels, _, pool, error = down[0]
            where = "/".join(v for v in (labels.get("namespace"), labels.get("pod")) if v) or labels.get("instance", "?")
            why = " ".join(error.split())[:120]
            problems.append(f"{len(down)} of {len(targets)} targets of PodMonitor {SHIPPED_PODMONITOR} are down, "
                            f"e.g. {where} ({pool}{': ' + why if why else ''})")
            fixes.append("see why on the Prometheus targets page; a queue-proxy port 9091 is down unless "
                         "request-metrics-protocol: prometheus is set (knative-otel)")
        else:
            up = sum(t[1] == "up" for t in targets)
            found.append(f"{len(targets)} targets of PodMonitor {SHIPPED_PODMONITOR} up" if up == len(targets)
                         else f"{up} of {len(targets)} targets of PodMonitor {SHIPPED_PODMONITOR} up (the others "
                         "not scraped yet)")
        if prom.warnings:  # Thanos Querier: a store that did not answer; what it listed may lack the rest
            problems.append(f"the answer is partial ({prom.warnings[0][:200]})")
            fixes.append("see the Thanos Querier's stores")
        if problems:
            return Check(name, WARN, f"{url}: " + "; ".join(problems), "; ".join(dict.fromkeys(fixes)))
        return Check(name, OK, f"{url}: " + ", ".join(found))

    @staticmethod
    def _podmonitor_targets(prom: Any) -> tuple[list[tuple[dict[str, str], str, str, str]], str]:
        """The targets of the shipped PodMonitor as ``(labels, health, scrape pool, last error)``
        and what was asked. prometheus-operator names the scrape pool (the ``job_name``)
        ``podMonitor/<namespace>/<name>/<endpoint index>`` but a relabeling sets the ``job`` label
        to ``<namespace>/<name>``, or the pod label ``spec.jobLabel`` names
        (``pkg/prometheus/promcfg.go`` generatePodMonitorConfig): the scrape pools of
        ``GET /api/v1/targets`` (Prometheus v2.42 ``web/api/v1/api.go``: ``activeTargets[]``
        ``scrapePool``, ``labels``, ``health`` up/down/unknown, ``lastError``) hold whatever the
        job label is. When that API does not answer (a query-only proxy, credentials that may
        only query, a list of every target of a big cluster past the answer limit) the query
        ``up{job=~".+/<name>"}`` is asked instead: any PromQL back end answers it."""
        pool = re.compile(rf"podMonitor/[^/]+/{re.escape(SHIPPED_PODMONITOR)}/[0-9]+")
        try:
            active = prom.api("/api/v1/targets?state=active").get("activeTargets")
        except ServingError:
            expr = f'up{{job=~".+/{SHIPPED_PODMONITOR}"}}'
            return [(labels, "up" if value == 1 else "down", labels.get("job", "?"), "")
                    for labels, value in prom.query(expr)], expr
        targets = [(dict(t.get("labels") or {}), str(t.get("health") or ""), t["scrapePool"], str(t.get("lastError") or ""))
                   for t in (active if isinstance(active, list) else [])
                   if isinstance(t, dict) and pool.fullmatch(str(t.get("scrapePool") or ""))]
        return targets, f"scrape pool podMonitor/<namespace>/{SHIPPED_PODMONITOR}/<n> of /api/v1/targets"

    @staticmethod
    def _source_group_reads(group: Any) -> list[str]:
        """The metric sources whose request series the loaded ``ctloop-source`` group reads (its
        requests rule's query as Prometheus prints it keeps the metric names)."""
        from ctloop.serving import metric_sources

        rules = (group or {}).get("rules") if isinstance(group, dict) else None
        query = next((str(r.get("query") or "") for r in rules or [] if isinstance(r, dict)
                      and r.get("name") == metric_sources.SOURCE_REQUESTS), "")
        return [name for name, source in metric_sources.SOURCES.items()
                if any(re.search(rf"(?<![\w:.]){re.escape(s.requests)}(?![\w:.])", query)
                       for s in (source, *source.alternates))]

    def check_pushgateway(self) -> Check:
        """The Pushgateway the monitoring windows go to, read once (``GET /api/v1/status``) the
        way a push is sent (``ctloop.monitoring.prometheus.push_window``): this shell's
        ``PUSHGATEWAY_*`` credentials and CA file (never ``PROMETHEUS_*``), no redirect followed,
        no secret in the line; it says what the tasks get, as the metrics line does."""
        from ctloop.monitoring import publish
        from ctloop.monitoring.prometheus import gateway_auth

        name = "Pushgateway"
        url = self._given_or_set(self.opts.pushgateway_url, publish.ENV).strip()
        if not url:
            return Check(name, SKIP, "no Pushgateway URL: the monitoring windows are recorded in MLflow only, "
                         "no Prometheus alert sees them",
                         "--pushgateway-url, PUSHGATEWAY_URL, or monitoring.pushgateway_url in ctloop.yaml")
        publish.check(url, "ctloop")  # the push's own checks: a URL with credentials, a query; PUSHGATEWAY_* rules
        auth = gateway_auth()
        base = url.rstrip("/")
        unresolved, exc = _unresolved(name, base, "--pushgateway-url", "svc/prometheus-pushgateway 9091")
        if unresolved is not None:
            return unresolved
        if exc is not None:
            host = urllib.parse.urlsplit(base).hostname or ""
            raise CtloopError(f"cannot resolve {host} ({exc}) — fix: check the Pushgateway URL") from exc
        sent = f"{auth.describe()} from this shell's environment"
        task_auth = self._task_auth("PUSHGATEWAY")
        tasks = None if task_auth is None else task_auth[0]
        both = f"{sent}; the tasks in {self._runner()[0]} get {tasks}" if tasks is not None else sent
        handlers: list[Any] = [_NoRedirect()]
        context = auth.ssl_context()
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        request = urllib.request.Request(base + PUSHGATEWAY_STATUS,
                                         headers={"Accept": "application/json", **auth.headers()})
        from ctloop.serving.metric_sources import AnswerTooLong, read_answer

        try:
            with urllib.request.build_opener(*handlers).open(request, timeout=self.opts.timeout) as resp:
                # bounded in time too: read(n) waits for n bytes, and a trickled body took hours
                body = read_answer(resp, self.opts.timeout, 65536, prefix=True)
        except urllib.error.HTTPError as exc:
            with exc:  # its answer's socket, closed once read (metric_sources._error_answer)
                return self._pushgateway_refused(base, exc, auth, both, self.opts.timeout)
        except AnswerTooLong as exc:
            return Check(name, FAIL, f"{base}{PUSHGATEWAY_STATUS} answered HTTP 200 but {exc} (its status is a few "
                         "hundred bytes): a stream, a stalled proxy or another server?",
                         "give the Pushgateway's own base URL, e.g. http://prometheus-pushgateway.monitoring.svc:9091, "
                         "or a longer --timeout")
        except (OSError, http.client.HTTPException) as exc:
            if _is_timeout(exc):
                raise
            why = " ".join(str(getattr(exc, "reason", exc)).split())[:200] or type(exc).__name__
            if isinstance(exc, http.client.HTTPException):
                why = f"no HTTP answer ({type(exc).__name__}: {why[:80]!r})"
            fix = "check the URL, the port and that the Pushgateway runs (kubectl -n monitoring get pods)"
            if "CERTIFICATE_VERIFY_FAILED" in why:
                fix = ("set PUSHGATEWAY_CA_FILE to the CA bundle that signed its certificate (the tasks: "
                       "PUSHGATEWAY_CA_FILE in ConfigMap ctloop-settings)")
            return Check(name, FAIL, f"cannot reach {base}: {why}", fix)
        try:
            data = json.loads(body)
            version = data["data"]["build_information"]["version"] if data.get("status") == "success" else None
        except (ValueError, TypeError, KeyError, AttributeError):
            version = None
        if not isinstance(version, str) or not version:
            return Check(name, FAIL, f"{base}{PUSHGATEWAY_STATUS} answered HTTP 200 but no Pushgateway status "
                         f"({' '.join(body[:80].decode(errors='replace').split())!r}): a login page or another server?",
                         "give the Pushgateway's own base URL, e.g. http://prometheus-pushgateway.monitoring.svc:9091")
        detail = f"{version} at {base} (read {PUSHGATEWAY_STATUS} with {both})"
        if auth.sends_credentials and task_auth is not None and not task_auth[1]:
            return Check(name, WARN, detail, "give the tasks the same credentials "
                         "(docs/serving.md#pushgateway-behind-an-auth-proxy)")
        return Check(name, OK, detail)

    @staticmethod
    def _pushgateway_refused(base: str, exc: urllib.error.HTTPError, auth: Any, both: str,
                             timeout: float = 10.0) -> Check:
        """The FAIL line of an HTTP error answer of the Pushgateway (its body in one short line)."""
        name, code = "Pushgateway", exc.code
        if 300 <= code < 400:
            location = urllib.parse.urlsplit(exc.headers.get("Location") or "")
            where = f" to {location.scheme}://{location.hostname}" if location.hostname else ""
            return Check(name, FAIL, f"{base} answered HTTP {code}{where}: not followed (a push never follows a "
                         "redirect, which would carry its credentials; a login page?)",
                         "give PUSHGATEWAY_URL the Pushgateway's own URL")
        from ctloop.serving.metric_sources import AnswerTooLong, read_answer

        try:  # bounded in time: a trickled error page is left unread
            text = " ".join(read_answer(exc, timeout, 2000, prefix=True).decode(errors="replace").split())[:120]
        except (OSError, http.client.HTTPException, AnswerTooLong):
            text = ""
        if code in (401, 403):
            keys = "the tasks' keys pushgateway_* of Secret ctloop-prometheus (docs/serving.md#pushgateway-behind-an-auth-proxy)"
            note = ""
            if not auth.sends_credentials:
                fix = f"set PUSHGATEWAY_TOKEN_FILE, PUSHGATEWAY_TOKEN or PUSHGATEWAY_USERNAME/PUSHGATEWAY_PASSWORD, and {keys}"
            elif code == 401:
                note, fix = ": credentials not accepted (wrong, expired, or for another server)", f"check them, and {keys}"
            else:
                note = ": credentials accepted, but they may not read"
                fix = f"grant that identity access in the Pushgateway's proxy, and check {keys}"
            return Check(name, FAIL, f"{base} refused the read (HTTP {code} {text or exc.reason}){note}; "
                         f"ctloop doctor sent {both}", fix)
        what = "the Pushgateway's logs" if code >= 500 else (
            "the URL: a Pushgateway answers GET <its URL>/api/v1/status (the URL a push adds /metrics/job/... to)")
        return Check(name, FAIL, f"{base}{PUSHGATEWAY_STATUS} answered HTTP {code} {text or exc.reason}",
                     f"check {what}")

    def _runner(self) -> tuple[str, str]:
        """(namespace, name) of the service account the pipeline tasks run as."""
        backend = self.backend.result()
        multi = bool(backend and backend.multi_user)
        ns = (
            self.opts.pipeline_namespace
            or self.opts.namespace
            or ("" if multi else self.kfp_namespace())
        )
        sa = self.opts.service_account or (MULTI_USER_RUNNER if multi else STANDALONE_RUNNER)
        return ns, sa

    def _no_runner_namespace(self, name: str) -> Check | None:
        """SKIP ``name`` without a Kubernetes API or when the namespace the tasks run in is
        unknown (:meth:`_runner`)."""
        if (skip := self._no_kube(name)) is not None:
            return skip
        if not self._runner()[0]:
            return Check(
                name,
                SKIP,
                "the namespace the tasks run in is unknown",
                "--pipeline-namespace NS (multi-user: --namespace <profile>)",
            )
        return None

    def check_rbac(self) -> Check:
        if (skip := self._no_runner_namespace("RBAC")) is not None:
            return skip
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        ns, sa = self._runner()
        if not self.opts.targets:
            return Check(
                "RBAC",
                SKIP,
                "no InferenceService to check",
                "--isvc NAMESPACE/NAME or -f ctloop.yaml",
            )
        user = f"system:serviceaccount:{ns}:{sa}"
        api = client.ApiClient(self.kube.configuration)
        api.set_default_header("Impersonate-User", user)
        authz = client.AuthorizationV1Api(api)

        def may(group: str, resource: str, verb: str, where: str) -> bool:
            """Whether the runner may ``verb`` the one object ``where`` (``namespace/name``)."""
            reader_ns, name = where.split("/")
            review = client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(
                        group=group, resource=resource, verb=verb, namespace=reader_ns, name=name
                    )
                )
            )
            return authz.create_self_subject_access_review(review, _request_timeout=self._t).status.allowed

        missing, optional = [], []
        try:
            for target_ns in sorted({t.namespace for t in self.opts.targets}):
                for group, resource, verbs in (*RUNNER_RULES, *OPTIONAL_RUNNER_RULES):
                    for verb in verbs:
                        review = client.V1SelfSubjectAccessReview(
                            spec=client.V1SelfSubjectAccessReviewSpec(
                                resource_attributes=client.V1ResourceAttributes(
                                    group=group, resource=resource, verb=verb, namespace=target_ns
                                )
                            )
                        )
                        result = authz.create_self_subject_access_review(
                            review, _request_timeout=self._t
                        )
                        if not result.status.allowed:
                            needed = (group, resource, verbs) in RUNNER_RULES
                            (missing if needed else optional).append(f"{verb} {resource}.{group} in {target_ns}")
            # the optional reader of Knative's network ConfigMaps (NETWORK_READER_RULES)
            unread = [rule[3].split("/")[1] for rule in NETWORK_READER_RULES if not may(*rule)]
            # the optional reader of KServe's inferenceservice-config (KSERVE_READER_RULES)
            kserve_allowed = [rule[3].split("/")[0] for rule in kserve_reader_rules(self._kserve_config_namespaces())
                              if may(*rule)]
        except ApiException as exc:
            if exc.status == 403:
                return Check(
                    "RBAC",
                    SKIP,
                    f"cannot ask as {user}: {_kube_error(exc)}",
                    f"run as someone who may impersonate it, or: kubectl auth can-i "
                    f"patch inferenceservices.serving.kserve.io -n <ns> --as={user}",
                )
            raise
        finally:
            api.close()
        fix = ("kubectl apply -k manifests/overlays/<env> (Role and RoleBinding "
               "ctloop-pipeline-runner), binding this service account in each namespace")
        if missing:
            return Check("RBAC", FAIL, f"{user} may not {'; '.join(missing + optional)}", fix)
        if NETWORK_CONFIG[1] in unread:
            reader = (
                f"; may not get configmaps {' or '.join(unread)} in {NETWORK_CONFIG[0]} (optional: a first deploy "
                "then skips its check of the canary's host against Knative's domain and tag templates; "
                "kubectl apply -k manifests/extras/knative-network-reader grants it)"
            )
        elif unread:
            # config-network alone (the knative-network-reader Role before config-domain was added to
            # it): the host check runs (kube.InferenceServices.domain_config None), blind to the
            # Routes config-domain alone makes cluster-local (isvc.route_templates)
            reader = (
                f"; may read {NETWORK_CONFIG[1]} but not get configmaps {DOMAIN_CONFIG[1]} in {NETWORK_CONFIG[0]} "
                "(optional: a first deploy still checks the canary's host, but takes a Route that only a "
                f"{DOMAIN_CONFIG[1]} selector makes cluster-local for an external one, checked against "
                f"{NETWORK_CONFIG[1]}'s domain template (it may refuse a name Knative would serve, or pass one it "
                "refuses); "
                "kubectl apply -k manifests/extras/knative-network-reader again: its Role grants both)"
            )
        else:
            reader = f"; may read Knative's {NETWORK_CONFIG[1]} and {DOMAIN_CONFIG[1]} (the canary host's check)"
        # the reader (kube.read_kserve_default) stops at the first namespace that does not answer 404:
        # the runner must be allowed where the ConfigMap is and in every namespace read before it
        # (where it is unknown: in all)
        read = self.kserve_default_read or ClusterDefault()
        where = read.namespace
        looked = self._kserve_config_namespaces()
        needed = looked[: looked.index(where) + 1] if where in looked else looked
        denied = [reader_ns for reader_ns in needed if reader_ns not in kserve_allowed]
        if denied and read.nowhere:  # the doctor's own read: 404 everywhere; the reader would get nothing
            reader = (
                f"; may not get configmaps {KSERVE_CONFIG} in {' or '.join(denied)} (none found there: "
                f"{read.failure} to the doctor; an InferenceService naming no deployment mode is refused "
                "either way, the cluster's default unknown)"
            ) + reader
        elif denied:  # before the network reader's phrase
            reader = (
                f"; may not get configmaps {KSERVE_CONFIG} in {' or '.join(denied)} (optional: an "
                f"InferenceService naming no deployment mode — no status.deploymentMode, no {MODE_ANNOTATION} "
                f"annotation KServe knows — is then refused, the cluster's default unknown; {KSERVE_CONFIG_READER} "
                "grants it)"
            ) + reader
        if optional:
            return Check(
                "RBAC",
                WARN,
                f"{user} may not {'; '.join(optional)}: rollouts work, but which model the revision "
                "in traffic[] serves is taken from traffic[] alone, unconfirmed (a status KServe has "
                f"not reconciled yet passes for the new model's){reader}",
                fix,
            )
        return Check(
            "RBAC",
            OK,
            f"{user} may {'/'.join(RUNNER_RULES[0][2])} inferenceservices and get revisions in "
            f"{', '.join(sorted({t.namespace for t in self.opts.targets}))}{reader}",
        )

    def _settings_data(self) -> dict[str, str] | None:
        """ConfigMap ``ctloop-settings`` of the tasks' namespace (values are not secret); None
        when it does not exist or cannot be read. Read once."""
        from kubernetes.client.exceptions import ApiException

        from ctloop.ops.settings import DEFAULT_SETTINGS

        if self._settings is False:
            self._settings = None
            ns, _ = self._runner()
            if self.kube is not None and ns:
                try:
                    cm = self._read(
                        self._api("CoreV1Api").read_namespaced_config_map,
                        DEFAULT_SETTINGS.config_map,
                        ns,
                    )
                except ApiException:
                    cm = None
                if cm is not None:
                    self._settings = dict(cm.data or {})
        return self._settings

    def _task_prometheus_auth(self, prefix: str = "PROMETHEUS") -> str | None:
        """The description of :meth:`_task_auth`, None when it cannot be known."""
        known = self._task_auth(prefix)
        return None if known is None else known[0]

    def _task_auth(self, prefix: str = "PROMETHEUS") -> tuple[str, bool] | None:
        """What the pipeline tasks send to Prometheus (``prefix`` ``PUSHGATEWAY``: to the
        Pushgateway), from the settings of the namespace they run in (``ctloop.ops.settings``):
        the Secret's key names and the ConfigMap's file paths, never a value;
        :data:`NO_TASK_CREDENTIALS` (:data:`NO_TASK_PUSHGATEWAY_CREDENTIALS`) when none, None when
        it cannot be known (no cluster, no namespace, the Secret may not be read); with whether
        they get credentials (a token file, a token, or a username and a password — a CA file
        alone authenticates nothing)."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        from ctloop.ops.settings import DEFAULT_SETTINGS as S

        if self.kube is None or not self._runner()[0]:
            return None
        ns, _ = self._runner()
        data = self._settings_data() or {}
        parts = [f"{key}={data[key]}" for key in (f"{prefix}_TOKEN_FILE", f"{prefix}_CA_FILE") if data.get(key)]
        creds = bool(data.get(f"{prefix}_TOKEN_FILE"))
        if parts:
            parts = [f"{', '.join(parts)} (ConfigMap {S.config_map})"]
        if S.prometheus_secret:
            try:
                obj = self._read(self._api("CoreV1Api").read_namespaced_secret, S.prometheus_secret, ns)
            except (ApiException, HTTPError, OSError):  # forbidden, or no answer: the settings line says
                return None
            # the same Secret holds both servers' credentials: pushgateway_* never go to Prometheus,
            # the others never to the Pushgateway
            keys = sorted(k for k in ((obj.data or {}) if obj is not None else {})
                          if S.prometheus_env.get(k, "").startswith(f"{prefix}_"))
            if keys:
                parts.append(f"Secret {S.prometheus_secret} ({', '.join(keys)})")
            envs = {S.prometheus_env[k] for k in keys}
            creds = creds or f"{prefix}_TOKEN" in envs or {f"{prefix}_USERNAME", f"{prefix}_PASSWORD"} <= envs
        none = NO_TASK_CREDENTIALS if prefix == "PROMETHEUS" else NO_TASK_PUSHGATEWAY_CREDENTIALS
        return (" and ".join(parts) if parts else none), creds

    def _given_or_set(self, given: str, variable: str) -> str:
        """``given`` (a flag or the spec), else the environment ``variable``, else its value in the
        cluster's settings ConfigMap (what the pipeline tasks get); "" when none has it."""
        return given or os.environ.get(variable, "") or (self._settings_data() or {}).get(variable, "")

    def check_settings(self) -> Check:
        if (skip := self._no_runner_namespace("settings")) is not None:
            return skip
        from kubernetes.client.exceptions import ApiException

        from ctloop.ops.platform import MIN_BACKEND, SA_TOKEN_ENV, SA_TOKEN_PATH
        from ctloop.ops.settings import DEFAULT_SETTINGS as S
        from ctloop.ops.settings import KFP_ACCESS_LABEL, task_env_entries

        ns, _ = self._runner()
        core = self._api("CoreV1Api")
        missing: list[str] = []
        present: list[str] = []
        unreadable: list[str] = []
        data = self._settings_data()
        if data is None:
            missing.append(f"ConfigMap {S.config_map}")
        else:
            for key in S.config_env:
                (present if key in data else missing).append(f"{S.config_map}.{key}")
        # every Secret a task references (ctloop.ops.settings.apply_platform_settings)
        for secret, keys in ((S.mlflow_secret, list(S.mlflow_env)), (S.storage_secret, list(S.storage_env)),
                             (S.prometheus_secret, list(S.prometheus_env)), (S.gcp_secret, [])):
            if not secret:
                continue
            try:
                obj = self._read(core.read_namespaced_secret, secret, ns)
            except ApiException as exc:
                if exc.status != 403:
                    raise
                unreadable.append(f"Secret {secret}")
                continue
            if obj is None:
                missing.append(f"Secret {secret}")
                continue
            names = set((obj.data or {}).keys())  # key names only: values are never kept
            for key in keys:
                (present if key in names else missing).append(f"{secret}.{key}")
        ca_gap, ca_fix = self._kfp_ca_gap(data or {}, ns, present, unreadable)
        backend = self.backend.result()
        old = backend is not None and backend.version is not None and backend.version < MIN_BACKEND
        where = f"in {ns}"
        no_token, no_crd, bad_pod_default, refused, refused_fix = "", False, "", "", ""
        not_profile, acts = False, None
        if backend is not None and backend.multi_user:  # trigger_training's pipelines token
            label = f'{KFP_ACCESS_LABEL[0]}: "{KFP_ACCESS_LABEL[1]}"'
            try:  # the webhook applies every PodDefault of the namespace whose selector matches
                listed = self._read(self._api("CustomObjectsApi").list_namespaced_custom_object,
                                    *POD_DEFAULT, ns, "poddefaults")
            except ApiException as exc:
                if exc.status != 403:
                    raise
                unreadable.append("PodDefaults")
            else:
                acts = self._webhook_acts(ns) if listed is not None else None
                if listed is None:  # 404 for the resource itself: no CRD, no Kubeflow admission webhook
                    # multi-user all the same: nothing mounts the token (standalone KFP skips this block)
                    no_token = ("no PodDefault CRD on multi-user KFP: without Kubeflow's admission webhook nothing "
                                f"mounts the pipelines token in {ns}, so trigger_training's runs are refused "
                                "(HTTP 401)")
                    no_crd = True
                elif acts is False:  # the webhook never sees these pods: no PodDefault applies, none refuses
                    key, value = WEBHOOK_NAMESPACE_LABEL
                    no_token = (f"{ns} is not a Kubeflow profile namespace (no label {key}: {value}), so Kubeflow's "
                                "admission webhook does not act on its pods (its namespaceSelector): no PodDefault "
                                "mounts the pipelines token there and multi-user KFP refuses trigger_training's "
                                "runs (HTTP 401)")
                    not_profile = True
                else:
                    # an empty selector selects every pod of the namespace: metav1.LabelSelectorAsSelector
                    # answers labels.Everything(), and the webhook applies it (main.go filterPodDefaults)
                    pod_labels = dict([KFP_ACCESS_LABEL])
                    items = listed.get("items") or []
                    invalid = [(pd_name(pd), err) for pd in items
                               if (err := selector_error((pd.get("spec") or {}).get("selector") or {}))]
                    chosen = [pd for pd in items
                              if selects((pd.get("spec") or {}).get("selector") or {}, pod_labels)]
                    names = sorted(pd_name(pd) for pd in chosen)
                    conflicts = pod_default_conflicts(chosen)
                    task_env = task_env_entries("trigger_training", S, self.opts.platform)
                    clashes = task_env_clashes(chosen, task_env)
                    # one that selects pods without the access label applies to every step's pod, whose
                    # OMP_NUM_THREADS is compiled from its own CPU: no value of it equals them all
                    compiled = omp_values(self.opts.platform)
                    everywhere = sorted(pd_name(pd) for pd in items if _sets_omp_everywhere(pd)
                                        and not (len(compiled) == 1 and _omp_value(pd) == compiled[0]))
                    gap = pipelines_token_gap(chosen, SA_TOKEN_ENV, SA_TOKEN_PATH) if chosen else ""
                    if invalid:  # the webhook refuses every pod of the namespace: nothing runs there
                        refused = (f"PodDefault {invalid[0][0]}'s selector does not convert ({invalid[0][1]}): "
                                   f"Kubeflow's admission webhook refuses every pod created in {ns} while it "
                                   "exists (main.go filterPodDefaults), every pipeline task included"
                                   + self._assumed_profile(ns, acts))
                        refused_fix = (f"kubectl -n {ns} edit poddefault {invalid[0][0]}: operators are In, NotIn "
                                       "(with values), Exists, DoesNotExist (without)")
                    elif conflicts:
                        refused = (f"PodDefault {', '.join(names)} all select {label} in {ns} and set "
                                   f"{'; '.join(conflicts)} differently: Kubeflow's admission webhook refuses "
                                   "every such pod (main.go safeToApplyPodDefaultsOnPod), so trigger_training "
                                   "cannot start" + self._assumed_profile(ns, acts))
                        refused_fix = ("keep one PodDefault setting the pipelines token for pods labelled "
                                       f"{KFP_ACCESS_LABEL[0]}={KFP_ACCESS_LABEL[1]}, or make their "
                                       "volumes, mounts and env identical")
                    elif everywhere:
                        one = len(everywhere) == 1
                        refused = (f"PodDefault {', '.join(everywhere)} set{'s' if one else ''} env OMP_NUM_THREADS "
                                   f"and {'its selector selects' if one else 'their selectors select'} pods without "
                                   f"{label} in {ns} too: ctloop's tasks each set it from their own CPU "
                                   f"({_quoted(compiled)} across ctloop's compiled pipelines"
                                   f"{'' if self.opts.platform is not None else '; the default resources assumed: no -f'}"
                                   "), and Kubeflow's admission webhook refuses a pod whose "
                                   "env entry differs from a selecting PodDefault's (main.go mergeEnv), so the steps "
                                   "of another value cannot start" + self._assumed_profile(ns, acts))
                        refused_fix = (f"drop OMP_NUM_THREADS from PodDefault {', '.join(everywhere)} (no value "
                                       "equals every step's), or limit its selector to a label of the notebooks "
                                       "(matchLabels: one ctloop's pods do not have)")
                    elif clashes:
                        setters = sorted(pd_name(pd) for pd in chosen if task_env_clashes([pd], task_env))
                        refused = (f"PodDefault {', '.join(setters)} select{'s' if len(setters) == 1 else ''} "
                                   f"{label} in {ns} and set{'s' if len(setters) == 1 else ''} env "
                                   f"{'; '.join(clashes)}: Kubeflow's admission webhook refuses a pod whose env "
                                   "entry differs from a selecting PodDefault's of the same name (main.go mergeEnv), "
                                   "so trigger_training cannot start" + self._assumed_profile(ns, acts))
                        refused_fix = (f"drop those env entries from PodDefault {', '.join(setters)} (ctloop's tasks "
                                       "have them: its ConfigMap, Secrets and compiled pipeline), or make them equal, "
                                       "or set them for notebooks in a PodDefault selecting a label of the notebooks "
                                       f"(matchLabels), not {KFP_ACCESS_LABEL[0]}={KFP_ACCESS_LABEL[1]}")
                    if names and not gap:
                        present.append(f"PodDefault {', '.join(names)}")
                    elif names:
                        no_token = (f"PodDefault {', '.join(names)} selects {label} in {ns} but {gap}: "
                                    "trigger_training has no pipelines token and multi-user KFP refuses its "
                                    "runs (HTTP 401)")
                        bad_pod_default = ", ".join(names)
                    else:
                        no_token = (f"no PodDefault selecting {label} in {ns}: trigger_training has no pipelines "
                                    "token and multi-user KFP refuses its runs (HTTP 401)")
        if refused:  # before everything else: no pod of the pipelines starts
            return Check("settings", FAIL, f"{where}: {refused}", refused_fix + " (docs/operations.md, Authentication)")
        note = f"; cannot read {', '.join(unreadable)} (forbidden)" if unreadable else ""
        note += f"; {no_token}" if no_token else ""
        note += f"; {ca_gap}" if ca_gap else ""
        install = self._install_namespace_gap(data, ns) if data is not None else None
        note += f"; {install[0]}" if install else ""  # on every line: a warning of something else keeps it
        if old and missing:
            return Check(
                "settings",
                FAIL,
                f"missing {where}: {', '.join(missing)}; backend "
                f"{backend.tag_name} fails every task that references them{note}",
                "create them (docs/operations.md#settings-and-secrets) or upgrade KFP to >= 2.15.0",
            )
        if (
            f"{S.config_map}.MLFLOW_TRACKING_URI" in missing
            or f"ConfigMap {S.config_map}" in missing
        ):
            return Check(
                "settings",
                WARN,
                f"no MLFLOW_TRACKING_URI {where} (missing: {', '.join(missing)}){note}",
                f"kubectl -n {ns} create configmap "
                f"{S.config_map} --from-literal=MLFLOW_TRACKING_URI=http://mlflow.mlflow"
                ".svc:5000 (or set tracking_uri per model)",
            )
        if unreadable:
            secrets = [u for u in unreadable if u.startswith("Secret ")]
            return Check(
                "settings",
                WARN,
                f"present {where}: {', '.join(present)}{note}",
                " and ".join(filter(None, (
                    (f"kubectl -n {ns} get secret {' '.join(u.split()[1] for u in secrets)}" if secrets else ""),
                    (f"kubectl -n {ns} get poddefaults" if "PodDefaults" in unreadable else ""))))
                + " as an admin",
            )
        optional = f"; optional, absent: {', '.join(missing)}" if missing else ""
        if no_crd:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}",
                         "project the token another way: a serviceAccountToken volume of audience "
                         f"pipelines.kubeflow.org at {SA_TOKEN_PATH} (or its path in {SA_TOKEN_ENV}) in pods labelled "
                         f"{KFP_ACCESS_LABEL[0]}={KFP_ACCESS_LABEL[1]}, e.g. by your own admission policy; or install "
                         "Kubeflow's admission webhook and PodDefault (docs/operations.md, Authentication)")
        if not_profile:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}",
                         "run the pipelines in a Kubeflow profile namespace (--namespace <profile>), or project "
                         f"the token another way: a serviceAccountToken volume of audience {KFP_TOKEN_AUDIENCE} at "
                         f"{SA_TOKEN_PATH} in pods labelled {KFP_ACCESS_LABEL[0]}={KFP_ACCESS_LABEL[1]} "
                         "(docs/operations.md, Authentication)")
        if bad_pod_default:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}",
                         f"give PodDefault {bad_pod_default} Kubeflow's access-ml-pipeline volume: projected "
                         f"serviceAccountToken (path token, audience {KFP_TOKEN_AUDIENCE}) mounted at "
                         f"{posixpath.dirname(SA_TOKEN_PATH)}, {SA_TOKEN_ENV} unset or {SA_TOKEN_PATH} "
                         "(docs/operations.md, Authentication)")
        if no_token:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}",
                         f"create PodDefault {KFP_ACCESS_LABEL[0]} (selector {KFP_ACCESS_LABEL[0]}: "
                         f'"{KFP_ACCESS_LABEL[1]}") in {ns} (docs/operations.md, Authentication)')
        if ca_gap:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}",
                         f"{ca_fix} (docs/operations.md, From a KFP task)")
        if install is not None:
            return Check("settings", WARN, f"{where}: {', '.join(present)}{optional}{note}", install[1])
        return Check("settings", OK, f"{where}: {', '.join(present)}{optional}")

    def _install_namespace_gap(self, data: dict[str, str], ns: str) -> tuple[str, str] | None:
        """(message, fix) when the namespace ``trigger_training`` finds KFP in without a host, ctloop-settings'
        ``KFP_INSTALL_NAMESPACE`` (``data``, as ``CTLOOP_KFP_INSTALL_NAMESPACE``) or, without it,
        :data:`ctloop.ops.platform.INSTALL_NAMESPACE` (:func:`ctloop.ops.platform.install_namespace`), is another than
        the one doctor was told KFP is installed in (``-f``'s ``kfp.install_namespace``, ``--kfp-namespace``): the
        task looks where the ConfigMap says, not where ctloop.yaml does; None when they agree or doctor was told
        none."""
        given, value = self.opts.kfp_namespace, (data.get("KFP_INSTALL_NAMESPACE") or "").strip()
        effective = value or INSTALL_NAMESPACE
        if not given or given == effective:
            return None
        from ctloop.ops.settings import DEFAULT_SETTINGS as S

        name = self.opts.kfp_namespace_setting
        patch = json.dumps({"data": {"KFP_INSTALL_NAMESPACE": given}}, separators=(",", ":"))
        said = repr(value) if value else f"unset (so {INSTALL_NAMESPACE!r})"
        return (f"{S.config_map}' KFP_INSTALL_NAMESPACE is {said} but {name} is {given!r}: trigger_training looks "
                f"for KFP in {effective} when its kfp_host is empty (ctloop-settings, not ctloop.yaml, is what a task "
                "reads)",
                f"kubectl -n {ns} patch configmap {S.config_map} --type merge -p {shlex.quote(patch)}, or correct "
                f"{name} if ctloop-settings is right")

    def _kfp_ca_gap(self, data: dict[str, str], ns: str, present: list[str],
                    unreadable: list[str]) -> tuple[str, str]:
        """What keeps ``trigger_training`` from the CA bundle ``KFP_CA_FILE`` of ``data`` (ctloop-settings) names
        when that is a file of the ConfigMap it mounts (:data:`ctloop.ops.settings.KFP_CA_CONFIGMAP` at
        ``KFP_CA_MOUNT``, optional: an empty directory without it), and its fix: the ConfigMap or the key missing,
        a path ending in ``/``; ``("", "")`` when it is there (added to ``present``), or the path is elsewhere (a
        PodDefault's volume: not seen here)."""
        from kubernetes.client.exceptions import ApiException

        from ctloop.ops.settings import DEFAULT_SETTINGS, KFP_CA_CONFIGMAP, KFP_CA_MOUNT

        path = (data.get("KFP_CA_FILE") or "").strip()
        normal = posixpath.normpath(path) if path else ""
        folder, key = posixpath.split(normal) if path else ("", "")
        if folder != KFP_CA_MOUNT or not key:
            return "", ""
        try:
            cm = self._read(self._api("CoreV1Api").read_namespaced_config_map, KFP_CA_CONFIGMAP, ns)
        except ApiException as exc:
            if exc.status != 403:
                raise
            unreadable.append(f"ConfigMap {KFP_CA_CONFIGMAP}")
            return "", ""
        said = f"KFP_CA_FILE {path} is key {key} of ConfigMap {KFP_CA_CONFIGMAP}"
        create = f"kubectl -n {ns} create configmap {KFP_CA_CONFIGMAP}"
        settings_map = DEFAULT_SETTINGS.config_map
        if cm is None:
            return (f"{said}, which is not in {ns}: trigger_training cannot verify an https kfp_host",
                    f"{create} --from-file={key}=<the CA's certificate>")
        keys = sorted({*(cm.data or {}), *(cm.binary_data or {})})
        if key not in keys:
            has = f"it has {', '.join(keys)}" if keys else "it is empty"
            # it exists (create: AlreadyExists); its keys given again, so that apply drops none of them
            kept = "".join(f" --from-file={k}=<its {k}>" for k in keys)
            return (f"{said}, but ConfigMap {KFP_CA_CONFIGMAP} has no key {key} ({has}): trigger_training cannot "
                    "verify an https kfp_host",
                    f"{create}{kept} --from-file={key}=<the CA's certificate> --dry-run=client -o yaml | "
                    "kubectl apply -f -")
        if path.endswith("/"):  # open("ca.crt/") fails: ENOTDIR
            return (f"KFP_CA_FILE {path} ends in '/': the task cannot open it as a file, so trigger_training cannot "
                    "verify an https kfp_host", f"set KFP_CA_FILE in {settings_map} to {normal}")
        present.append(f"ConfigMap {KFP_CA_CONFIGMAP}")
        return "", ""

    def _webhook_acts(self, ns: str) -> bool | None:
        """Whether Kubeflow's admission webhook acts on pods of ``ns`` (its namespaceSelector:
        :data:`WEBHOOK_NAMESPACE_LABEL`); None when the namespace may not be read (403)."""
        from kubernetes.client.exceptions import ApiException

        try:
            namespace = self._read(self._api("CoreV1Api").read_namespace, ns)
        except ApiException as exc:
            if exc.status != 403:
                raise
            return None
        labels = (namespace.metadata.labels or {}) if namespace is not None else {}
        return labels.get(WEBHOOK_NAMESPACE_LABEL[0]) == WEBHOOK_NAMESPACE_LABEL[1]

    @staticmethod
    def _assumed_profile(ns: str, acts: bool | None) -> str:
        if acts is not None:
            return ""
        key, value = WEBHOOK_NAMESPACE_LABEL
        return (f" (namespace {ns} may not be read: taken as a Kubeflow profile namespace, label {key}: "
                f"{value}, where the webhook acts)")

    # -------------------------------------------------------------------------- MLflow
    def check_mlflow(self) -> Check:
        uri = self._given_or_set(self.opts.tracking_uri, "MLFLOW_TRACKING_URI")
        if not uri:
            return Check(
                "MLflow",
                SKIP,
                "no tracking URI",
                "--tracking-uri, MLFLOW_TRACKING_URI, "
                "or MLFLOW_TRACKING_URI in ConfigMap ctloop-settings",
            )
        from ctloop.tracking import (
            ELSEWHERE_FIX,
            _probe_url,
            certificate_fix,
            contacted_instead,
            display_uri,
            mlflow_tls,
        )

        shown = display_uri(uri)  # never the password of http://user:password@host
        parsed = urllib.parse.urlparse(uri)
        if parsed.scheme not in ("http", "https"):
            return Check(
                "MLflow",
                WARN,
                f"{shown} is a local store: tasks on the cluster cannot share it",
                "run an MLflow server (manifests/components/mlflow) and use its http(s) URL",
            )
        elsewhere = contacted_instead(uri)
        if elsewhere:  # not the server shown: a message about it would blame one that may be up
            return Check("MLflow", FAIL, f"{shown}: the client connects to host {elsewhere!r}, not to the host shown",
                         ELSEWHERE_FIX)
        host = parsed.hostname or ""
        try:
            port = parsed.port
        except ValueError:  # urlsplit cut the netloc inside a password holding '/', '?' or '#'
            return Check("MLflow", FAIL, f"{shown}: the port is not a number",
                         "a '/', '?' or '#' in the password is written %2F, %3F, %23")
        try:
            socket.getaddrinfo(host, port or 80)
        except socket.gaierror as exc:
            if in_cluster_name(host) or maybe_in_cluster(host):
                return Check(
                    "MLflow",
                    SKIP if in_cluster_name(host) else WARN,
                    f"{shown} is an in-cluster address, not resolvable here" if in_cluster_name(host)
                    else f"cannot resolve {host} here: a <service>.<namespace> name, or a misspelt one?",
                    "run ctloop doctor in the cluster, or --tracking-uri with "
                    "a port-forward (kubectl port-forward svc/mlflow 5000)",
                )
            raise CtloopError(
                f"cannot resolve {host} ({exc}) — fix: check the tracking URI"
            ) from exc
        # the request goes to the host alone (urllib would take user:password@host for a host name)
        # and the userinfo is sent as basic auth, over the MLFLOW_TRACKING_* variables: what the
        # tasks' client does (requests 2.33 ``PreparedRequest.prepare_auth`` replaces MLflow's
        # Authorization header with the URL's userinfo)
        base, shown = _probe_url(uri).rstrip("/"), shown.rstrip("/")
        url_auth = {}
        import base64

        if parsed.username is not None:
            pair = f"{urllib.parse.unquote(parsed.username)}:{urllib.parse.unquote(parsed.password or '')}"
            url_auth = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        tls = mlflow_tls() if parsed.scheme == "https" else None
        try:
            status, body = _http_get(f"{base}/health", url_auth, self.opts.timeout, tls)
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ssl.SSLCertVerificationError):
                raise
            raise CtloopError(
                f"{shown}: {exc.reason.verify_message or exc.reason} — fix: {certificate_fix(exc.reason, host)}"
            ) from exc
        if status != 200:
            raise CtloopError(
                f"{shown}/health answered HTTP {status} ({body[:80]!r}) — fix: is "
                "this an MLflow tracking server?"
            )
        headers = dict(url_auth)
        if not url_auth and os.environ.get("MLFLOW_TRACKING_TOKEN"):
            headers["Authorization"] = f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"
        elif not url_auth and os.environ.get("MLFLOW_TRACKING_USERNAME"):
            pair = (
                f"{os.environ['MLFLOW_TRACKING_USERNAME']}:"
                f"{os.environ.get('MLFLOW_TRACKING_PASSWORD', '')}"
            )
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        status, body = _http_get(
            f"{base}/api/2.0/mlflow/experiments/search?max_results=1", headers, self.opts.timeout, tls
        )
        if status in (401, 403):
            return Check(
                "MLflow",
                FAIL,
                f"{shown} refused the search: HTTP {status}",
                "set MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN (the "
                "tasks get them from Secret ctloop-mlflow)",
            )
        if status != 200:
            raise CtloopError(
                f"{shown} experiments search answered HTTP {status} ({body[:120]!r})"
                " — fix: check the MLflow server's logs"
            )
        return Check("MLflow", OK, f"{shown} (health ok, search ok)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is the answer, never followed: urllib copies the Authorization header to wherever
    it points (CPython 3.11 ``urllib/request.py`` ``redirect_request``), as a push does not."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def _strip_auth(old_url: str, new_url: str) -> bool:
    """A redirect from ``old_url`` to ``new_url`` must not carry the Authorization header: what
    the tasks' MLflow client (a ``requests`` session) does — another host, port or scheme, the
    upgrade from http to https on the default ports aside (requests 2.33.0 ``sessions.py``
    ``SessionRedirectMixin.should_strip_auth``)."""
    old, new = urllib.parse.urlsplit(old_url), urllib.parse.urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    if old.scheme == "http" and old.port in (80, None) and new.scheme == "https" and new.port in (443, None):
        return False
    default = ({"http": 80, "https": 443}.get(old.scheme), None)
    if old.scheme == new.scheme and old.port in default and new.port in default:
        return False
    return old.port != new.port or old.scheme != new.scheme


class _StripAuthOnRedirect(urllib.request.HTTPRedirectHandler):
    """urllib copies every header but the body's to the redirected request (CPython 3.11
    ``urllib/request.py`` ``redirect_request``), the Authorization header to any host included;
    dropped where :func:`_strip_auth` says."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _strip_auth(req.full_url, new.full_url):
            new.remove_header("Authorization")
        return new


def _http_get(url: str, headers: dict[str, str], timeout: float,
              tls: ssl.SSLContext | None = None) -> tuple[int, str]:
    """``(status, the first 2000 bytes of the body)``; TimeoutError when they are still arriving
    after ``timeout`` (``read(n)`` waits for n bytes: a trickled body kept doctor for hours)."""
    from ctloop.serving.metric_sources import AnswerTooLong, read_answer

    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _StripAuthOnRedirect(),
                                         *([urllib.request.HTTPSHandler(context=tls)] if tls else []))
    try:
        try:
            with opener.open(request, timeout=timeout) as resp:
                return resp.status, read_answer(resp, timeout, 2000, prefix=True).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            with exc:  # its answer's socket, closed once read (metric_sources._error_answer)
                return exc.code, read_answer(exc, timeout, 2000, prefix=True).decode(errors="replace")
    except AnswerTooLong as exc:  # only a time-out: a longer body is cut (prefix)
        raise TimeoutError(str(exc)) from None


def _kube_error(exc: Any) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else ""  # a proxy's [] or "text": no Status
    return f"HTTP {exc.status}: {message if isinstance(message, str) and message else exc.reason}"


def _kube_fix(exc: Any) -> str:
    if exc.status == 401:
        return "the kubeconfig's credentials were rejected: log in again (kubectl get ns)"
    if exc.status == 403:
        return "ask for read access, or run ctloop doctor as a cluster admin"
    return "check the kubeconfig context (kubectl cluster-info)"


def kube_client(kubeconfig: str = "", context: str = "", timeout: float = 5.0) -> Any:
    """An ``ApiClient``, credentials in the order ``ctloop.serving.kube.load_api_client`` takes
    them (explicit flag > ``KUBECONFIG`` > the in-cluster service account > ``~/.kube/config``); one connect retry, no read retries (every call also passes a
    timeout)."""
    from kubernetes import client, config
    from urllib3.util.retry import Retry

    from ctloop.serving.kube import kubeconfig_path, load_kubeconfig

    cfg = client.Configuration()
    path = kubeconfig_path(kubeconfig)
    try:
        if path or context or not os.environ.get("KUBERNETES_SERVICE_HOST"):
            raise config.ConfigException("not in a cluster, or a kubeconfig was named")
        config.load_incluster_config(client_configuration=cfg)
    except config.ConfigException:
        load_kubeconfig(path, context, client_configuration=cfg)  # one line naming the file that failed
    cfg.retries = Retry(total=2, connect=1, read=0, status=0, other=0)
    return client.ApiClient(cfg)


def summary(checks: list[Check], seconds: float) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in (OK, WARN, FAIL, SKIP)}
    parts = [
        f"{counts[OK]} ok",
        f"{counts[WARN]} warning(s)",
        f"{counts[FAIL]} failed",
        f"{counts[SKIP]} skipped",
    ]
    verdict = "ready" if not counts[FAIL] else "not ready"
    return f"doctor: {verdict} — {', '.join(parts)} ({seconds:.1f} s)"


def as_json(checks: list[Check], seconds: float) -> str:
    return json.dumps(
        {
            "ok": not any(c.status == FAIL for c in checks),
            "seconds": round(seconds, 3),
            "checks": [asdict(c) for c in checks],
        },
        indent=2,
    )


def parse_isvc(text: str) -> Target:
    """``NAMESPACE/NAME`` → Target; a ConfigError otherwise."""
    m = re.fullmatch(r"([a-z0-9][-a-z0-9]*)/([a-z0-9][-a-z0-9.]*)", text.strip())
    if not m:
        raise ConfigError(f"--isvc {text!r}: give NAMESPACE/NAME, e.g. ctloop/credit-default")
    return Target(m.group(2), m.group(1))


__all__ = [
    "Check",
    "selects",
    "Doctor",
    "DoctorOptions",
    "Target",
    "RUNNER_RULES",
    "OPTIONAL_RUNNER_RULES",
    "options_from_spec",
    "kube_client",
    "parse_isvc",
    "summary",
    "as_json",
    "OK",
    "WARN",
    "FAIL",
    "SKIP",
]
