"""KubeApiDouble: an in-memory Kubernetes API for InferenceServices, plus a simulated KServe
controller, served over HTTP on loopback so the REAL ``kubernetes`` client talks to it.

No Kubernetes API server can run here. The double implements only what ctloop uses, with the
API contract it relies on:

* GET / POST / PATCH (``application/merge-patch+json``, RFC 7386: ``null`` deletes) of
  ``/apis/serving.kserve.io/v1beta1/namespaces/{ns}/inferenceservices[/{name}]``;
* ``metadata.resourceVersion`` increments on every write; a write carrying a stale
  resourceVersion gets 409 Conflict (``OptimisticLockErrorMsg``, k8s.io/apiserver
  ``pkg/registry/generic/registry/store.go``); errors are Kubernetes ``Status`` objects;
* fault injection: ``fail_next(code, n)`` (e.g. 500 or 409 for the next n writes),
  ``fail_after_write(code, n)`` (the next n writes are applied, then answered ``code``: the
  API server's 504 "Timeout: request did not complete within the allotted timeout" —
  k8s.io/apiserver v0.31 ``pkg/server/filters/timeout.go`` answers it while the handler,
  and its write to etcd, goes on — or a 500 from a proxy after the write landed),
  ``status_update_before_patches(n)`` (the next n PATCHes each meet a status update written just
  before them: ``resourceVersion`` moves, spec and ``metadata.generation`` do not — KServe v0.20.0
  ``controller.go`` ``updateStatus`` → ``Status().Update`` — so a patch carrying the
  resourceVersion read before it gets 409),
  ``stall()`` (new revisions never become ready → the client's wait times out),
  ``stall_revisions(uri)`` (a revision serving ``uri`` never becomes ready nor fails: an image
  pull or a model download that never ends, the queue-proxy's readiness probe never passing;
  revisions of other models go on becoming ready),
  ``fail_revisions(uri)`` (a revision serving ``uri`` fails where it would become ready: Knative
  keeps the previous ready revision and marks the configuration ``RevisionFailed``
  — knative-v1.21.1 ``pkg/apis/serving/v1/configuration_lifecycle.go``
  ``MarkLatestCreatedFailed``, unknown again on ``SetLatestCreatedRevisionName`` — which KServe
  v0.20.0 copies into the condition ``PredictorConfigurationReady``, ``PropagateStatus``);
* the controller, after a change of the revision template (:func:`revision_template`: the predictor,
  every InferenceService annotation and label KServe copies there), creates revision ``<name>-predictor-000NN`` and reports
  it ready after ``ready_after_reads`` GETs; ``traffic[]`` follows KServe v0.20.0's Knative mode
  (``pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go``
  ``createKnativeService``): with ``canaryTrafficPercent`` N and a rolled-out revision, the
  ``latestRevision`` target gets N % (tag ``latest`` only with ``serving.kserve.io/enable-tag-routing:
  "true"``) and, **only while N < 100**, the ``latestRolledoutRevision`` 100−N % under tag ``prev``;
  otherwise the latest revision alone gets 100 %. Knative resolves the ``latestRevision`` target
  to the latest *ready* revision and keeps one status entry per (tag, revision), 0 % included
  (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``). ``latestRolledoutRevision`` /
  ``previousRolledoutRevision`` follow ``PropagateStatus``
  (``pkg/apis/serving/v1beta1/inference_service_status.go``): the latest ready revision becomes
  rolled out when its ``latestRevision`` entry has 100 % (a canary stepped to 100 % too), and a
  rolled-out latest revision pinned back below 100 % hands ``latestRolledoutRevision`` back to
  the previous one, whose ``prev`` target the next reconcile routes (each reconcile's split is
  in ``history``). ``status.deploymentMode`` comes from the deploymentMode annotation.

For ``ctloop doctor`` it also serves, read-only, whatever a test puts there with ``add()``
(CustomResourceDefinitions, Deployments, Namespaces, ConfigMaps, Secrets, at the paths the
``kubernetes`` client uses), ``GET /version``, and ``POST selfsubjectaccessreviews``
(authorization.k8s.io/v1) answered from ``grants`` for the caller (``user``) or, with an
``Impersonate-User`` header (``kubectl auth can-i --as``), for that user when ``can_impersonate``
— otherwise the API server's 403 (``k8s.io/apiserver/pkg/endpoints/filters/impersonation.go``:
``serviceaccounts "x" is forbidden: User "u" cannot impersonate resource "serviceaccounts"``).
``forbid(path)`` answers 403 for a path (an identity without RBAC), ``delay`` slows every answer.

* deployment modes as KServe v0.20.0 handles them: the mutating webhook rewrites the deprecated
  annotation values ``Serverless`` → ``Knative`` and ``RawDeployment`` → ``Standard``
  (``pkg/apis/serving/v1beta1/inference_service_defaults.go`` ``DefaultInferenceService``), and
  the controller writes the parsed mode into ``status.deploymentMode``
  (``pkg/constants/constants.go`` ``ParseDeploymentMode``, ``controller.go`` ``updateStatus``);
  the mode is resolved as ``pkg/controller/v1beta1/inferenceservice/utils/utils.go``
  ``GetDeploymentMode`` does: the status' first, then an annotation naming a known mode, else the
  cluster's ``defaultDeploymentMode`` — of a ConfigMap ``inferenceservice-config`` (key ``deploy``)
  a test added (``add()``) in namespace ``kserve``, else ``Knative`` (the chart's default) — one
  ``NewDeployConfig`` refuses (``bogus``, no mode) makes the controller reconcile nothing and the
  webhook deny every CREATE and UPDATE (403, :meth:`KubeApiDouble.defaulter_denial`); the webhook
  writes the annotation for a Standard or ModelMesh default only (``DefaultInferenceService``), on
  a PATCH (an UPDATE) as on a CREATE, and the validator then refuses an annotation other than the
  mode the status records (``inference_service_validation.go`` ``validateDeploymentMode``, 403);
  a Standard-mode predictor's status is what ``inference_service_status.go``
  ``PropagateRawStatus`` writes (``components/predictor.go``: a Deployment, no Knative Service):
  the condition ``PredictorReady`` and, once ready, ``components.predictor.url`` — no revisions,
  no ``traffic[]``; a ModelMesh one is not reconciled (``controller.go``: ``InitializeConditions``
  and the mode only);
* Knative Revisions: ``GET /apis/serving.knative.dev/v1/namespaces/{ns}/revisions/{name}`` of a
  revision the controller created, with the annotation ``SOURCE_URI`` (the storageUri its
  template had) and its ``Ready`` condition (knative-v1.21.1 ``pkg/apis/serving/v1/
  revision_lifecycle.go``: a living condition set of ResourcesAvailable and ContainerHealthy, so
  ``Ready`` carries the reason and message of the one False; ``IsReady`` also wants
  ``status.observedGeneration`` = ``metadata.generation``): True once it became ready, False once
  it failed (``ExitCode1``, ``Container failed with: model load failed.``), else Unknown
  (``Deploying``); ``unready(revision, reason, message)``: a ready revision's pods stop being
  healthy (``pkg/reconciler/revision/reconcile_resources.go``: ``ContainerHealthy`` False,
  reason ``ExitCode<N>``, message ``Container failed with: ...``) — the InferenceService's status
  is left as it is: Knative's Route keeps ``status.traffic`` (``pkg/reconciler/route/route.go``
  ``configureTraffic`` returns before writing it for an unready revision target, and a
  ``latestRevision`` target is resolved through the Configuration's ``latestReadyRevisionName``,
  which does not move back, ``traffic/traffic.go`` ``addConfigurationTarget``); ``lag_reconcile(n)``: the next spec change is applied to the object but the
  controller reconciles it only after ``n`` more GETs (until then the status describes the spec
  before, as KServe's does until it reconciles); ``lag_route(n)``: the next revision to become
  ready is reported as ``latestReadyRevision`` (its configuration ready) for ``n`` more GETs
  before ``traffic[]`` routes it — the Knative Service copies ``latestReadyRevisionName`` from its
  Configuration while its Route has not moved traffic yet (knative-v1.21.1
  ``pkg/reconciler/service/service.go``: ``PropagateConfigurationStatus``, then
  ``checkRoutesNotReady`` only marks the Route not ready), and KServe v0.20.0 ``PropagateStatus``
  copies both fields as they are;
* legacy API discovery (``/api``, ``/apis``, ``/apis/serving.kserve.io/v1beta1``: the
  ``APIVersions``/``APIGroupList``/``APIResourceList`` of k8s.io/apimachinery ``meta/v1``, with the
  ``isvc`` short name of the KServe CRD), so ``kubectl get/patch isvc`` work against the double.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.servers import InThreadServer

PATH = re.compile(r"^/apis/serving\.kserve\.io/v1beta1/namespaces/([^/]+)/inferenceservices(?:/([^/?]+))?")
SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
# a Knative Revision (serving.knative.dev/v1) the simulated controller created
REVISION = re.compile(r"^/apis/serving\.knative\.dev/v1/namespaces/([^/]+)/revisions/([^/?]+)$")
# KServe v0.20.0 pkg/constants/constants.go StorageInitializerSourceUriInternalAnnotationKey: set
# to the predictor's storageUri on the Knative Service's template (components/predictor.go
# addStorageInitializerAnnotations), which Knative copies onto each Revision it creates
# (knative-v1.21.1 pkg/reconciler/configuration/resources/revision.go MakeRevision)
SOURCE_URI = "internal.serving.kserve.io/storage-initializer-sourceuri"
# a namespaced collection of a custom resource (list); served once its CRD is added
CUSTOM_LIST = re.compile(r"^/apis/([^/]+\.[^/]+)/([^/]+)/namespaces/([^/]+)/([^/?]+)/?(?:\?.*)?$")
# k8s.io/apimachinery pkg/version/types.go Info (what GET /version answers)
VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.4",
           "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b", "gitTreeState": "clean",
           "buildDate": "2024-12-10T18:36:27Z", "goVersion": "go1.22.9", "compiler": "gc",
           "platform": "linux/amd64"}


def object_path(obj: dict) -> str:
    """The REST path of a namespaced or cluster-scoped object (plural = lowercase kind + s)."""
    api_version = obj["apiVersion"]
    base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
    meta = obj["metadata"]
    plural = obj["kind"].lower() + "s"
    ns = f"/namespaces/{meta['namespace']}" if meta.get("namespace") else ""
    return f"{base}{ns}/{plural}/{meta['name']}"

MODE = "serving.kserve.io/deploymentMode"
TAG_ROUTING = "serving.kserve.io/enable-tag-routing"  # KServe v0.20.0 constants.EnableRoutingTagAnnotationKey
LEGACY_MODES = {"Serverless": "Knative", "RawDeployment": "Standard"}
DEFAULT_MODE = "Knative"
GROUP_VERSION = {"groupVersion": "serving.kserve.io/v1beta1", "version": "v1beta1"}
DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
        {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "serving.kserve.io", "versions": [GROUP_VERSION],
         "preferredVersion": GROUP_VERSION}]},
    "/apis/serving.kserve.io/v1beta1": {
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "serving.kserve.io/v1beta1",
        "resources": [
            {"name": "inferenceservices", "singularName": "inferenceservice", "namespaced": True,
             "kind": "InferenceService", "shortNames": ["isvc"], "categories": ["all"],
             "verbs": ["delete", "deletecollection", "get", "list", "patch", "create", "update",
                       "watch"]},
            {"name": "inferenceservices/status", "singularName": "", "namespaced": True,
             "kind": "InferenceService", "verbs": ["get", "patch", "update"]},
        ]},
}


KNOWN_MODES = ("Knative", "Standard", "ModelMesh")
# KServe v0.20.0 pkg/constants/constants.go KServeNamespace / InferenceServiceConfigMapName
KSERVE_CONFIG_PATH = "/api/v1/namespaces/kserve/configmaps/inferenceservice-config"


def _default(obj: dict, default_mode: str = DEFAULT_MODE) -> None:
    """The mutating webhook (``inference_service_defaults.go`` ``DefaultInferenceService``): a
    deprecated deploymentMode annotation value rewritten; none, the annotation written for a
    Standard or ModelMesh default (not for Knative)."""
    meta = obj.setdefault("metadata", {})
    annotations = meta.get("annotations") or {}
    if annotations.get(MODE) in LEGACY_MODES:
        annotations[MODE] = LEGACY_MODES[annotations[MODE]]
    elif MODE not in annotations and default_mode in ("Standard", "ModelMesh"):
        meta["annotations"] = {**annotations, MODE: default_mode}


VALIDATOR = "inferenceservice.kserve-webhook-server.validator"  # KServe v0.20.0 config/webhook/manifests.yaml
DEFAULTER = "inferenceservice.kserve-webhook-server.defaulter"  # the same file


def _deployment_mode_change(new: dict, old: dict) -> str:
    """KServe v0.20.0's validator on an UPDATE (``inference_service_validation.go``
    ``validateDeploymentMode``): once the controller recorded a mode (``status.deploymentMode``,
    ``ParseDeploymentMode``d), an annotation naming another is refused. The message as the API server
    words a webhook's denial (k8s.io/apiserver ``pkg/admission/plugin/webhook/errors/statuserror.go``
    ``ToStatusErr``; controller-runtime ``admission.Denied``: 403); ``""`` when allowed."""
    recorded = (old.get("status") or {}).get("deploymentMode")
    if not recorded:
        return ""
    recorded = LEGACY_MODES.get(recorded, recorded)
    asked = (new["metadata"].get("annotations") or {}).get(MODE)
    if asked is None or asked == recorded:
        return ""
    return (f'admission webhook "{VALIDATOR}" denied the request: update rejected: deploymentMode cannot be '
            f"changed from '{recorded}' to '{asked}'")


# KServe v0.20.0 pkg/apis/serving/v1beta1/predictor.go PredictorSpec: its fields in order (JSON name,
# Go name), the last one (ComponentExtensionSpec) left out of ExactlyOneErrorFor's list
_PREDICTOR_FIELDS = (("name", "Name"), ("sklearn", "SKLearn"), ("xgboost", "XGBoost"), ("tensorflow", "Tensorflow"),
                     ("pytorch", "PyTorch"), ("triton", "Triton"), ("onnx", "ONNX"), ("huggingface", "HuggingFace"),
                     ("pmml", "PMML"), ("lightgbm", "LightGBM"), ("paddle", "Paddle"), ("model", "Model"),
                     ("storageUris", "StorageUris"), ("storageContainerName", "StorageContainerName"),
                     ("workerSpec", "WorkerSpec"), ("", "PodSpec"))
# PredictorSpec.GetImplementations: the framework specs and Model, or a container (a custom predictor)
_IMPLEMENTATIONS = ("xgboost", "pytorch", "triton", "sklearn", "tensorflow", "onnx", "pmml", "lightgbm", "paddle",
                    "huggingface", "model")


def _implementations(new: dict) -> int:
    """How many implementations KServe v0.20.0's ``PredictorSpec.GetImplementations``
    (``pkg/apis/serving/v1beta1/predictor.go`` ~168-196) finds: the framework specs and ``model`` set,
    plus one per container named ``kserve-container`` (``constants.InferenceServiceContainerName``), or
    the first container when nothing else is there."""
    predictor = (new.get("spec") or {}).get("predictor") or {}
    found = sum(predictor.get(k) is not None for k in _IMPLEMENTATIONS)
    containers = predictor.get("containers") or []
    if containers:
        found += sum((c or {}).get("name") == "kserve-container" for c in containers)
        found = found or 1
    return found


def _predictor_storage_uri(predictor: dict) -> str:
    """The storageUri of the predictor's implementation (:data:`_IMPLEMENTATIONS`): ``model``'s, or a
    framework spec's — KServe v0.20.0 ``predictor_sklearn.go`` ``SKLearnSpec`` embeds
    ``PredictorExtensionSpec`` (``predictor.go``), whose ``storageUri`` the storage initializer
    downloads as ``model``'s — so a service created in the per-framework form (``sklearn:``) gets a
    revision serving it too. ``""`` for a custom container."""
    for key in _IMPLEMENTATIONS:
        spec = predictor.get(key)
        if isinstance(spec, dict) and spec.get("storageUri"):
            return str(spec["storageUri"])
    return ""


# KServe v0.20.0's defaulter on a predictor with no implementation: DefaultInferenceService ends with
# setLocalModelLabel (inference_service_defaults.go ~210, ~506-508), whose
# PredictorSpec.GetImplementation() is GetImplementations()[0] (predictor.go ~199-201), on an empty slice
# a Go index panic. controller-runtime v0.22.5 (KServe's go.mod replace; cmd/manager/main.go builds the
# webhook without RecoverPanic, so unset: recovered) answers it Errored(500, "panic: %v [recovered]")
# (pkg/webhook/admission/webhook.go Webhook.Handle ~157-175), which the API server returns as a 500
NO_IMPLEMENTATION_PANIC = "panic: runtime error: index out of range [0] with length 0 [recovered]"


def _no_implementation_panic(new: dict) -> str:
    """The API server's 500 message when the defaulter panics on ``new`` (no implementation:
    :data:`NO_IMPLEMENTATION_PANIC`), ``""`` otherwise. Runs before the validator, for CREATE and
    UPDATE (``config/webhook/manifests.yaml``)."""
    if _implementations(new):
        return ""
    return f'admission webhook "{DEFAULTER}" denied the request: {NO_IMPLEMENTATION_PANIC}'


def _no_implementation(new: dict) -> str:
    """KServe v0.20.0's validator on an UPDATE (``ValidateUpdate`` → ``validateInferenceService``,
    after ``validateDeploymentMode``): a predictor with more than one implementation
    (``component.go`` ``validateExactlyOneImplementation``, :func:`_implementations`; none never gets
    here: the defaulter panicked first, :func:`_no_implementation_panic`) is refused with
    ``ExactlyOneErrorFor``'s message, worded as :func:`_deployment_mode_change`'s; ``""`` when allowed."""
    if _implementations(new) == 1:
        return ""
    fields = ", ".join(go for _, go in _PREDICTOR_FIELDS)
    return (f'admission webhook "{VALIDATOR}" denied the request: exactly one of [{fields}] must be specified in '
            "PredictorSpec")


def _split(traffic: list[dict]) -> dict[str, int]:
    """``{revision: percent}``, entries of one revision (a ``latest`` and a ``prev`` tag) summed."""
    out: dict[str, int] = {}
    for t in traffic:
        out[t["revisionName"]] = out.get(t["revisionName"], 0) + t["percent"]
    return out


def _route_spec(obj: dict) -> tuple:
    """What of an InferenceService goes into its ksvc's ``spec.traffic``, which the Route is made
    from: ``canaryTrafficPercent`` and the tag-routing annotation (KServe v0.20.0
    ``ksvc_reconciler.go`` ``createKnativeService``)."""
    return (obj["spec"]["predictor"].get("canaryTrafficPercent"),
            (obj["metadata"].get("annotations") or {}).get(TAG_ROUTING))


def _template(spec: dict) -> dict:
    """What of an InferenceService's spec goes into its Knative revision template: the predictor
    (its ``model``, ``annotations``, ...) but not ``canaryTrafficPercent``, which only sets the
    ksvc's ``spec.traffic``. KServe v0.20.0 ``components/predictor.go`` ``buildObjectMeta`` and
    ``reconcilers/knative/ksvc_reconciler.go`` ``createKnativeService`` (predictor annotations
    become ``spec.template.metadata.annotations``); a changed template is a new revision
    (knative-v1.21.1 ``pkg/reconciler/configuration/configuration.go``)."""
    return {k: v for k, v in (spec.get("predictor") or {}).items() if k != "canaryTrafficPercent"}


# KServe v0.20.0 pkg/constants/constants.go ServiceAnnotationDisallowedList (the chart's
# inferenceservice-config sets no serviceAnnotationDisallowedList of its own, configmap.go
# NewInferenceServicesConfig): the InferenceService annotations NOT copied into the revision template
# (autoscaling.MinScaleAnnotationKey / MaxScaleAnnotationKey: knative-v1.21.1
# pkg/apis/autoscaling/register.go)
SERVICE_ANNOTATION_DISALLOWED = ("autoscaling.knative.dev/min-scale", "autoscaling.knative.dev/max-scale", SOURCE_URI,
                                 "kubectl.kubernetes.io/last-applied-configuration", "modelFormat")
# KServe v0.20.0 reconcilers/knative/ksvc_reconciler.go managedKsvcAnnotations: moved from the template
# onto the ksvc's own metadata (constants.RollOutDurationAnnotationKey, KnativeOpenshiftEnablePassthroughKey)
KSVC_ANNOTATIONS = ("serving.knative.dev/rollout-duration", "serving.knative.openshift.io/enablePassthrough")
# KServe v0.20.0 pkg/constants/constants.go RevisionTemplateLabelDisallowedList (VisibilityLabel), the
# default of the inferenceservice-config's ServiceLabelDisallowedList (configmap.go): the InferenceService
# labels NOT copied into the revision template (ksvc_reconciler.go createKnativeService)
SERVICE_LABEL_DISALLOWED = ("networking.knative.dev/visibility",)


def inference_services_lists(data: dict | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """``(ServiceAnnotationDisallowedList, ServiceLabelDisallowedList)`` as KServe v0.20.0
    ``NewInferenceServicesConfig`` (``pkg/apis/serving/v1beta1/configmap.go`` 223-255) builds them
    from the ConfigMap's ``data``: with a key ``inferenceService``, its lists appended to
    ``constants.ServiceAnnotationDisallowedList`` / ``RevisionTemplateLabelDisallowedList`` (a list
    absent or null: those alone); without the key both stay nil (nothing is kept out). ``None``
    where ``json.Unmarshal`` fails (the controller then reconciles nothing). Go's encoding/json
    matches the field names case-insensitively, the last key winning."""
    text = (data or {}).get("inferenceService")
    if text is None:
        return (), ()
    try:
        pairs = json.loads(text, object_pairs_hook=list)
    except ValueError:
        return None
    if not isinstance(pairs, list) or (pairs and not isinstance(pairs[0], tuple)):
        return None
    out = []
    for field, default in (("serviceannotationdisallowedlist", SERVICE_ANNOTATION_DISALLOWED),
                           ("servicelabeldisallowedlist", SERVICE_LABEL_DISALLOWED)):
        chosen = default
        for k, v in pairs:
            if k.lower() == field:
                if v is not None and not (isinstance(v, list) and all(isinstance(x, str) for x in v)):
                    return None
                chosen = default + tuple(v or ())
        out.append(chosen)
    return out[0], out[1]


def _template_annotations(obj: dict, disallowed: tuple[str, ...] = SERVICE_ANNOTATION_DISALLOWED) -> dict:
    """The InferenceService's own annotations as the revision template gets them: KServe v0.20.0
    copies every one not in ``ServiceAnnotationDisallowedList`` (``components/predictor.go``
    ``buildPredictorResources``: ``utils.Filter(isvc.Annotations, ...)``, then ``buildObjectMeta``)
    into the Knative Service's ``spec.template.metadata.annotations``, less the
    ``managedKsvcAnnotations`` (``reconcilers/knative/ksvc_reconciler.go`` ``createKnativeService``).
    Any change of one (the deploymentMode rewrite, ``ctloop.dev/staged-at-zero``, a ``kubectl
    annotate``) is a change of the template, so a new revision (knative-v1.21.1
    ``pkg/reconciler/configuration/configuration.go``)."""
    annotations = obj["metadata"].get("annotations") or {}
    return {k: v for k, v in annotations.items() if k not in disallowed and k not in KSVC_ANNOTATIONS}


def _template_labels(obj: dict, disallowed: tuple[str, ...] = SERVICE_LABEL_DISALLOWED) -> dict:
    """The InferenceService's own labels as the revision template gets them: KServe v0.20.0
    ``components/predictor.go`` ``buildObjectMeta`` unions ``isvc.Labels`` into the predictor's
    labels (``utils.Union(sRuntimeLabels, isvc.Labels, predictorLabels, ...)``), and
    ``reconcilers/knative/ksvc_reconciler.go`` ``createKnativeService`` puts those not in
    ``ServiceLabelDisallowedList`` (:data:`SERVICE_LABEL_DISALLOWED`) into
    ``spec.template.metadata.labels``: a label written or deleted alone is a new revision too."""
    labels = obj["metadata"].get("labels") or {}
    return {k: v for k, v in labels.items() if k not in disallowed}


def revision_template(obj: dict, lists: tuple[tuple[str, ...], tuple[str, ...]] | None = None) -> dict:
    """What of an InferenceService reaches its Knative revision template: the predictor
    (:func:`_template`), its annotations (:func:`_template_annotations`) and its labels
    (:func:`_template_labels`), less ``lists`` (:func:`inference_services_lists`; default the
    chart's, whose ``inferenceService`` key names no list). A change of any is a new revision."""
    annotations, labels = lists or (SERVICE_ANNOTATION_DISALLOWED, SERVICE_LABEL_DISALLOWED)
    return {"predictor": _template(obj.get("spec") or {}), "annotations": _template_annotations(obj, annotations),
            "labels": _template_labels(obj, labels)}


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key, {}), value)
    return out


def write_kubeconfig(path: Path, server: str, *, user: str = "u", token: str = "test") -> str:
    """A kubeconfig whose current context is the API double at ``server`` (bearer-token auth as
    ``user``), written to ``path``; returns the path for ``KUBECONFIG``."""
    config = {"apiVersion": "v1", "kind": "Config", "current-context": "double",
              "clusters": [{"name": "double", "cluster": {"server": server}}],
              "contexts": [{"name": "double", "context": {"cluster": "double", "user": user}}],
              "users": [{"name": user, "user": {"token": token}}]}
    path.write_text(yaml.safe_dump(config))
    return str(path)


# KServe v0.20.0 pkg/apis/serving/v1beta1/configmap.go: DeployConfig and the structs it points to,
# by JSON name ("string": a Go string field; a dict: a pointer to a struct)
DEPLOY_CONFIG_STRUCT = {
    "defaultDeploymentMode": "string",
    "deploymentRolloutStrategy": {  # *DeploymentRolloutStrategy
        "defaultRollout": {"maxSurge": "string", "maxUnavailable": "string"},  # *RolloutSpec
    },
}


class _JsonObject(list):
    """One JSON object's (key, value) pairs in the order of the text: duplicate keys kept, apart
    from a JSON array (a plain list)."""


def _no_json(constant: str) -> Any:
    raise ValueError(f"{constant}: encoding/json's scanner refuses it")


# go1.25 src/unicode/tables.go caseOrbit: the non-ASCII runes whose unicode.SimpleFold orbit holds
# an ASCII letter (K k U+212A, S s U+017F); no other orbit does
GO_FOLDS_TO_ASCII = {"\u212a": "K", "\u017f": "S"}


def _go_key(key: str) -> str:
    """go1.25 src/encoding/json/fold.go ``appendFoldedName`` (KServe v0.20.0 go.mod: go 1.25.8): a
    key matches a field when both fold alike (ASCII upper-cased; other runes ``foldRune``, the
    smallest of their ``unicode.SimpleFold`` orbit): exact against the ASCII field names here."""
    return "".join(ch.upper() if ch.isascii() else GO_FOLDS_TO_ASCII.get(ch, ch) for ch in key)


def _go_unmarshal(obj: _JsonObject, struct: dict) -> dict | None:
    """encoding/json ``Unmarshal`` of one object into ``struct``: the fields as set (each matching
    key in turn, a null leaving the field as it was, unknown keys skipped), or None when any
    value (however deep, even one a later key overwrites) has the wrong type: ``Unmarshal`` then
    returns an error (``decode.go`` ``d.saveError``)."""
    fields: dict = {}
    for key, value in obj:
        field = next((name for name in struct if _go_key(name) == _go_key(key)), None)
        if field is None or value is None:
            continue
        kind = struct[field]
        if kind == "string":
            if not isinstance(value, str):
                return None
            fields[field] = value
            continue
        if not isinstance(value, _JsonObject):
            return None
        nested = _go_unmarshal(value, kind)
        if nested is None:
            return None
        fields[field] = {**fields.get(field, {}), **nested}  # a second object fills the same struct
    return fields


def new_deploy_config(text: str) -> str | None:
    """KServe v0.20.0 ``NewDeployConfig`` on the ``deploy`` key ``text``: the mode it takes (legacy
    names mapped), None where it returns an error: not JSON (``NaN``/``Infinity`` included), no
    object (``null`` leaves the *DeployConfig nil), a value of the wrong type, no mode, or a mode
    not exactly Knative, Standard, ModelMesh, Serverless, RawDeployment."""
    return deploy_config_result(text)[0] or None


# KServe v0.20.0 pkg/apis/serving/v1beta1/configmap.go NewDeployConfig's errors, in its order
DEPLOY_CONFIG_UNPARSED = "unable to parse deploy config json: "  # then encoding/json's error
DEPLOY_CONFIG_NO_MODE = "invalid deploy config, defaultDeploymentMode is required"
DEPLOY_CONFIG_BAD_MODE = "invalid deployment mode. Supported modes are Knative, Standard and ModelMesh"
# deploy: null — KServe v0.20.0 configmap.go NewDeployConfig: json.Unmarshal(data, &deployConfig) sets
# the *DeployConfig to nil, and the next line reads deployConfig.DefaultDeploymentMode: a nil pointer
# dereference (Go's runtime.Error text), which controller-runtime v0.22.5 (KServe v0.20.0's go.mod
# replace) recovers in pkg/webhook/admission/webhook.go Webhook.Handle (RecoverPanic unset: true) as
# Errored(500, "panic: %v [recovered]") — a 500, not Denied's 403
DEPLOY_CONFIG_PANIC = "panic: runtime error: invalid memory address or nil pointer dereference [recovered]"


def deploy_config_result(text: str) -> tuple[str, str]:
    """``(mode, "")`` as :func:`new_deploy_config`, or ``("", error)``: NewDeployConfig's error.
    After :data:`DEPLOY_CONFIG_UNPARSED` encoding/json's own text is not reproduced (a short
    stand-in); a ``null`` (a nil *DeployConfig, which KServe then dereferences) is
    :data:`DEPLOY_CONFIG_PANIC`."""
    try:
        value = json.loads(text, object_pairs_hook=_JsonObject, parse_constant=_no_json)
    except ValueError as exc:
        return "", f"{DEPLOY_CONFIG_UNPARSED}{exc}"
    if value is None:
        return "", DEPLOY_CONFIG_PANIC
    config = _go_unmarshal(value, DEPLOY_CONFIG_STRUCT) if isinstance(value, _JsonObject) else None
    if config is None:
        return "", f"{DEPLOY_CONFIG_UNPARSED}json: cannot unmarshal into Go value of type v1beta1.DeployConfig"
    mode = config.get("defaultDeploymentMode", "")
    if not mode:
        return "", DEPLOY_CONFIG_NO_MODE
    mode = LEGACY_MODES.get(mode, mode)
    return (mode, "") if mode in KNOWN_MODES else ("", DEPLOY_CONFIG_BAD_MODE)


class KubeApiDouble(InThreadServer):
    def __init__(self, ready_after_reads: int = 1):
        self.objects: dict[tuple[str, str], dict] = {}
        self.meta: dict[tuple[str, str], dict] = {}  # controller bookkeeping per object
        self.calls: list[tuple[str, str, Any]] = []
        self.kserve_namespace = "kserve"  # where KServe runs: its ConfigMap is read there (kserve_config_path)
        self.history: list[tuple[str, dict[str, int]]] = []  # (event, traffic) after each change
        self.ready_after_reads = ready_after_reads
        self._fail: list[int] = []
        self._fail_after: list[int] = []
        self._stalled = False
        self.failing_uris: set[str] = set()
        self.stalled_uris: set[str] = set()
        self.unready_revisions: dict[str, tuple[str, str]] = {}  # unready(): revision -> (reason, message)
        self._rv = 0
        self._lock = threading.Lock()
        self.resources: dict[str, dict] = {}  # path -> object (read-only kinds, for doctor)
        self.forbidden: set[str] = set()
        self.user = "jane@example.com"
        self.grants: dict[str, set[tuple[str, str, str, str]]] = {}  # user -> (group, resource, verb, ns)
        self.can_impersonate = True
        self.delay = 0.0
        self.lag_reads = 0  # lag_reconcile()
        self.route_lag_reads = 0  # lag_route()
        self.status_updates = 0  # status_update_before_patches()
        super().__init__(self._handler())

    # ------------------------------------------------------------------ test controls
    @property
    def url(self) -> str:
        return self.root_url

    def api_client(self):
        from kubernetes import client

        cfg = client.Configuration()
        cfg.host = self.url
        return client.ApiClient(cfg)

    def add(self, obj: dict) -> str:
        """Serve ``obj`` (with apiVersion, kind, metadata) at its REST path; returns the path."""
        path = object_path(obj)
        self.resources[path] = copy.deepcopy(obj)
        return path

    def custom_list(self, path: str) -> dict | None:
        """``GET /apis/{group}/{version}/namespaces/{ns}/{plural}`` of a custom resource whose
        CRD ``{plural}.{group}`` was added: its ``<Kind>List`` of the added objects (possibly none);
        None when no CRD serves it (the API server answers 404)."""
        m = CUSTOM_LIST.match(path)
        if not m:
            return None
        group, version, plural = m.group(1), m.group(2), m.group(4)
        crd = self.resources.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{plural}.{group}")
        if crd is None:
            return None
        items = [obj for key, obj in self.resources.items() if key.startswith(path.rstrip("/") + "/")]
        kind = crd["spec"]["names"].get("listKind") or crd["spec"]["names"]["kind"] + "List"
        return {"apiVersion": f"{group}/{version}", "kind": kind, "metadata": {"resourceVersion": "1"},
                "items": items}

    def forbid(self, path: str) -> None:
        """Answer 403 Forbidden for ``path`` (and below)."""
        self.forbidden.add(path)

    def grant(self, user: str, group: str, resource: str, verbs: list[str], namespace: str) -> None:
        """Let ``user`` do ``verbs`` on ``resource`` in ``namespace`` (``""``: in every namespace, a
        ClusterRoleBinding), as the self-subject access reviews answer."""
        self.grants.setdefault(user, set()).update((group, resource, v, namespace) for v in verbs)

    def create_isvc(self, namespace: str, body: dict) -> dict:
        """What a POST creates (the simulated controller then publishes a ready revision)."""
        with self._lock:
            key = (namespace, body["metadata"]["name"])
            self._rv += 1
            obj = copy.deepcopy(body)
            obj["metadata"].update({"namespace": namespace, "resourceVersion": str(self._rv), "generation": 1})
            self.objects[key] = obj
            self.meta[key] = {"revisions": [], "uris": {}, "ready": "", "rolled_out": "", "previous": "", "pending_reads": 0}
            self._reconcile(key, spec_changed=True)
            self._on_read(key)
            return obj

    def fail_next(self, code: int, n: int = 1, message: str = "") -> None:
        """The next ``n`` writes are answered ``code`` and not applied; ``message`` the Status'
        message (``injected <code>`` when empty)."""
        self._fail.extend([(code, message)] * n)

    def fail_after_write(self, code: int, n: int = 1) -> None:
        """The next ``n`` writes (POST/PATCH) are applied and answered ``code`` (504: the API
        server's request timeout, which does not stop the write)."""
        self._fail_after.extend([code] * n)

    def status_update_before_patches(self, n: int) -> None:
        """The next ``n`` PATCHes of an InferenceService each meet a status update written just
        before them (the controller's ``Status().Update``): its ``resourceVersion`` moves, its spec
        and ``metadata.generation`` do not."""
        self.status_updates = n

    def lag_reconcile(self, reads: int) -> None:
        """The next spec changes are reconciled only after ``reads`` more GETs of the object."""
        self.lag_reads = reads

    def lag_route(self, reads: int) -> None:
        """The next revision to become ready is routed only ``reads`` GETs after the status
        names it ``latestReadyRevision`` (until then traffic[] resolves the ``latestRevision``
        target to the revision ready before it), or once a patch changes the traffic the ksvc
        asks for (a new Route generation, resolved to the latest ready revision of then)."""
        self.route_lag_reads = reads

    def revision_object(self, ns: str, name: str) -> dict | None:
        """The Knative Revision ``name`` of an InferenceService in ``ns`` (None: no such revision)."""
        for (key_ns, _), m in self.meta.items():
            if key_ns == ns and name in m["uris"]:
                if name in self.unready_revisions:
                    ready = {"status": "False", "reason": self.unready_revisions[name][0],
                             "message": self.unready_revisions[name][1]}
                elif name in m.get("ever_ready", ()) or name == m["ready"]:
                    ready = {"status": "True"}
                elif name in m.get("ever_failed", ()):
                    ready = {"status": "False", "reason": "ExitCode1",
                             "message": "Container failed with: model load failed."}
                else:
                    ready = {"status": "Unknown", "reason": "Deploying"}
                healthy = ready if ready["status"] == "False" else {"status": ready["status"]}
                return {"apiVersion": "serving.knative.dev/v1", "kind": "Revision",
                        "metadata": {"name": name, "namespace": ns, "generation": 1,
                                     "annotations": {SOURCE_URI: m["uris"][name]}},
                        "status": {"observedGeneration": 1, "conditions": [
                            {"type": "ContainerHealthy", **healthy},
                            {"type": "Ready", **ready},
                            {"type": "ResourcesAvailable", "status": ready["status"] if ready["status"] != "False"
                             else "True"}]}}
        return None

    def unready(self, revision: str, reason: str = "ExitCode1",
                message: str = "Container failed with: model load failed.") -> None:
        """Revision ``revision``, ready before, is no longer: its ``Ready`` and ``ContainerHealthy``
        False with ``reason`` and ``message``; traffic[] and ``latestReadyRevision`` unchanged (the
        module docstring). When it is the latest created revision its Configuration says it failed
        (knative-v1.21.1 ``pkg/reconciler/configuration/configuration.go``: ``MarkLatestCreatedFailed``,
        and ``findAndSetLatestReadyRevision`` finds no other ready one to move to), which KServe
        copies into ``PredictorConfigurationReady``."""
        with self._lock:
            self.unready_revisions[revision] = (reason, message)
            for key, m in self.meta.items():
                if m["revisions"] and m["revisions"][-1] == revision:
                    self._publish(key)

    def stall(self, on: bool = True) -> None:
        self._stalled = on

    def stall_revisions(self, uri: str) -> None:
        self.stalled_uris.add(uri)

    def fail_revisions(self, uri: str) -> None:
        self.failing_uris.add(uri)

    def traffic(self, ns: str, name: str) -> dict[str, int]:
        return _split(self.objects[(ns, name)]["status"]["components"]["predictor"].get("traffic") or [])

    @property
    def kserve_config_path(self) -> str:
        """KServe's ConfigMap in its own namespace (v0.20.0 ``pkg/constants/constants.go``
        ``KServeNamespace``: the controller's ``POD_NAMESPACE``, ``kserve`` by default):
        :attr:`kserve_namespace`, which a test sets for KServe installed elsewhere."""
        return KSERVE_CONFIG_PATH.replace("/namespaces/kserve/", f"/namespaces/{self.kserve_namespace}/")

    def default_mode(self) -> str:
        """The cluster's ``defaultDeploymentMode``: of the ConfigMap at :data:`KSERVE_CONFIG_PATH`
        when a test added one (``configmap.go`` ``NewDeployConfig``, legacy names mapped; ``""``
        when it fails there, :meth:`deploy_config_error`, or has no ``deploy`` key), else
        :data:`DEFAULT_MODE`."""
        config = self.resources.get(self.kserve_config_path)
        if config is None:
            return DEFAULT_MODE
        text = (config.get("data") or {}).get("deploy")
        return (new_deploy_config(text) or "") if text is not None else ""

    def template_lists(self) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """What the controller keeps out of a revision template: :func:`inference_services_lists` of
        the ConfigMap at :attr:`kserve_config_path` when a test added one (one it fails on: the
        defaults, as this double reconciles anyway), else the chart's (the defaults)."""
        config = self.resources.get(self.kserve_config_path)
        return inference_services_lists(config.get("data")) if config is not None else None

    def deploy_config_error(self) -> bool:
        """Whether KServe v0.20.0's ``NewDeployConfig`` (``pkg/apis/serving/v1beta1/configmap.go``)
        fails on the added ConfigMap (:func:`new_deploy_config`). The controller's ``Reconcile`` then
        returns "fails to create DeployConfig" before anything (``controller.go``): no
        InferenceService is reconciled, none gets a status. An absent ``deploy`` key is no error
        there (an empty DeployConfig)."""
        config = self.resources.get(self.kserve_config_path)
        text = ((config or {}).get("data") or {}).get("deploy")
        return config is not None and text is not None and new_deploy_config(text) is None

    def defaulter_denial(self) -> str:
        """The 403 message of KServe v0.20.0's mutating webhook while ``NewDeployConfig`` fails on
        the added ConfigMap (``""`` otherwise): ``DefaultInferenceService``'s ``Default`` returns its
        error (``inference_service_defaults.go`` 124-127), which controller-runtime's defaulter
        answers ``Denied(err.Error())`` (sigs.k8s.io/controller-runtime v0.22.5, KServe
        v0.20.0's go.mod replace: ``pkg/webhook/admission/defaulter_custom.go``
        ``defaulterForType.Handle``, read at commit 0f049b81; ``Denied``: code 403, ``response.go``), worded by the API server as for :data:`VALIDATOR`. Registered
        for CREATE and UPDATE (``config/webhook/manifests.yaml``)."""
        config = self.resources.get(self.kserve_config_path)
        text = ((config or {}).get("data") or {}).get("deploy")
        if config is None or text is None:
            return ""
        error = deploy_config_result(text)[1]
        return f'admission webhook "{DEFAULTER}" denied the request: {error}' if error else ""

    def defaulter_code(self) -> int:
        """The HTTP status of :meth:`defaulter_denial`: 500 for a panic the webhook recovered
        (:data:`DEPLOY_CONFIG_PANIC`; k8s.io/apiserver ``ToStatusErr`` keeps a code >= 400), else 403."""
        return 500 if self.defaulter_denial().endswith(DEPLOY_CONFIG_PANIC) else 403

    def mode_of(self, obj: dict) -> str:
        """``utils.go`` ``GetDeploymentMode``: the status' mode, an annotation naming a known one,
        else the cluster's default."""
        recorded = (obj.get("status") or {}).get("deploymentMode")
        if recorded:
            return LEGACY_MODES.get(recorded, recorded)
        asked = (obj["metadata"].get("annotations") or {}).get(MODE)
        asked = LEGACY_MODES.get(asked, asked)
        return asked if asked in KNOWN_MODES else self.default_mode()

    def revision_uri(self, ns: str, name: str, revision: str) -> str:
        return self.meta[(ns, name)]["uris"][revision]

    # ------------------------------------------------------------------ controller
    def _reconcile(self, key: tuple[str, str], spec_changed: bool) -> None:
        if self.deploy_config_error():  # controller.go: "fails to create DeployConfig", nothing done
            return
        obj, m = self.objects[key], self.meta[key]
        pred = obj["spec"]["predictor"]
        uri = _predictor_storage_uri(pred)
        if m.get("route_lag") and _route_spec(obj) != m.get("route_spec"):
            # lag_route(): the ksvc's traffic changed (canaryTrafficPercent, tag routing), so the Route
            # has a new generation, and its reconcile resolves the latestRevision target to the
            # Configuration's LatestReadyRevisionName of now (knative-v1.21.1
            # pkg/reconciler/route/traffic/traffic.go): the revision ready before is no longer routed
            m["route_lag"] = 0
        if spec_changed:
            rev = f"{key[1]}-predictor-{len(m['revisions']) + 1:05d}"
            m["revisions"].append(rev)
            m["uris"][rev] = uri
            m["pending_reads"] = self.ready_after_reads
        self._publish(key)

    def _publish(self, key: tuple[str, str]) -> None:
        """Reconcile until the rolled-out revisions settle (each split goes into ``history``).
        A status that changed is a write: ``metadata.resourceVersion`` moves, as the API server
        moves it on every status update (the controller's ``Status().Update``; k8s.io/apiserver
        ``pkg/registry/generic/registry/store.go`` ``Update`` writes a new resourceVersion) — so a
        patch carrying the resourceVersion read before a reconcile gets 409, the most common one.
        An unchanged status is not written (KServe v0.20.0
        ``pkg/controller/v1beta1/inferenceservice/controller.go`` ``updateStatus``: no
        ``Status().Update`` when ``inferenceServiceStatusEqual``)."""
        if self.deploy_config_error():  # nothing reconciled (_reconcile)
            return
        before = copy.deepcopy(self.objects[key].get("status"))
        for _ in range(3):
            rolled = (self.meta[key]["rolled_out"], self.meta[key]["previous"])
            self._reconcile_once(key)
            if (self.meta[key]["rolled_out"], self.meta[key]["previous"]) == rolled:
                break
        if self.objects[key].get("status") != before:
            self._rv += 1
            self.objects[key]["metadata"]["resourceVersion"] = str(self._rv)

    def _reconcile_once(self, key: tuple[str, str]) -> None:
        obj, m = self.objects[key], self.meta[key]
        created = m["revisions"][-1]
        ready = m["ready"]
        routed = m["routed"] if m.get("route_lag") else ready  # lag_route(): the Route not moved yet
        pct = obj["spec"]["predictor"].get("canaryTrafficPercent")
        annotations = obj["metadata"].get("annotations") or {}
        latest_tag = {"tag": "latest"} if annotations.get(TAG_ROUTING) == "true" else {}
        # ksvc_reconciler.go createKnativeService: the ksvc's spec.traffic
        targets: list[dict] = []
        if pct is not None and m["rolled_out"]:
            targets.append({**latest_tag, "latestRevision": True, "percent": int(pct)})
            if int(pct) < 100:
                targets.append({"tag": "prev", "revisionName": m["rolled_out"], "latestRevision": False,
                                "percent": 100 - int(pct)})
        else:
            targets.append({**latest_tag, "latestRevision": True, "percent": 100})
        # the Knative Service's own generation, which KServe v0.20.0 copies into the InferenceService's
        # status.observedGeneration (pkg/apis/serving/v1beta1/inference_service_status.go
        # PropagateStatus): it moves only when the ksvc KServe builds differs from the one there
        # (reconcilers/knative/ksvc_reconciler.go semanticEquals: template, labels, traffic) — a
        # promote from canaryTrafficPercent 100 builds the same one, and a new `prev` revision moves
        # it with no spec change: never comparable with the InferenceService's metadata.generation
        ksvc = json.dumps([_template(obj["spec"]), annotations, obj["metadata"].get("labels"), targets],
                          sort_keys=True)
        if ksvc != m.get("ksvc"):
            m["ksvc"], m["ksvc_generation"] = ksvc, m.get("ksvc_generation", 0) + 1
        # Knative's route status: latestRevision resolved to the latest ready revision (none: no traffic)
        traffic = [{**t, "revisionName": t.get("revisionName") or routed} for t in targets] if routed else []
        # inference_service_status.go PropagateStatus: the rolled-out revisions
        per_revision: dict[str, int] = {}
        for t in traffic:
            per_revision[t["revisionName"]] = per_revision.get(t["revisionName"], 0) + t["percent"]
        for t in traffic:
            if t["revisionName"] != ready or not t["latestRevision"]:
                continue
            if m["rolled_out"] != ready:
                if t["percent"] == 100:
                    m["previous"], m["rolled_out"] = m["rolled_out"], ready
            elif ready == created and t["percent"] < 100 and per_revision.get(ready) == 100 and m["previous"]:
                m["rolled_out"] = m["previous"]
        mode = self.mode_of(obj)
        if mode != "Knative":
            obj["status"] = self._raw_status(obj, mode, ready=bool(ready))
            self.history.append(("publish", {}))
            return
        if created == ready and created in self.unready_revisions:  # unready()
            configuration = {"status": "False", "reason": "RevisionFailed", "message": (
                f'Revision "{created}" failed with message: {self.unready_revisions[created][1]}.')}
        elif created == ready:
            configuration = {"status": "True"}
        elif m.get("failed") == created:
            configuration = {"status": "False", "reason": "RevisionFailed", "message": (
                f'Revision "{created}" failed with message: Container failed with: model load failed.')}
        else:
            configuration = {"status": "Unknown"}
        obj["status"] = {
            "deploymentMode": mode,
            "conditions": [{"type": "PredictorConfigurationReady", "lastTransitionTime": "2026-12-04T12:00:00Z",
                            **configuration}],
            "observedGeneration": m["ksvc_generation"],
            "components": {"predictor": {
                "latestCreatedRevision": created,
                "latestReadyRevision": ready,
                **({"latestRolledoutRevision": m["rolled_out"]} if m["rolled_out"] else {}),
                **({"previousRolledoutRevision": m["previous"]} if m["previous"] else {}),
                "traffic": traffic,
            }},
        }
        self.history.append(("publish", _split(traffic)))

    def _raw_status(self, obj: dict, mode: str, *, ready: bool) -> dict:
        """The status of a service in ``mode`` (not Knative): ``Standard``, what KServe v0.20.0
        ``inference_service_status.go`` ``PropagateRawStatus`` writes (PredictorReady from the
        Deployment, its ``url`` once ready, ``observedGeneration`` the Deployment's: no revision,
        no ``traffic[]``); ``ModelMesh``, ``InitializeConditions`` and the mode only
        (``controller.go``: not reconciled without a transformer)."""
        if mode != "Standard":
            return {"deploymentMode": mode, "conditions": [
                {"type": t, "status": "Unknown"} for t in ("IngressReady", "PredictorReady", "Ready")]}
        meta = obj["metadata"]
        state = {"status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability."} if ready else {
            "status": "Unknown", "reason": "ReplicaSetUpdated",
            "message": f'ReplicaSet "{meta["name"]}-predictor-5d8f7c9b4" is progressing.'}
        url = f"http://{meta['name']}-predictor.{meta.get('namespace', 'default')}.svc.cluster.local"
        return {"deploymentMode": mode, "observedGeneration": meta.get("generation", 1),
                "conditions": [{"type": "PredictorReady", "lastTransitionTime": "2026-12-04T12:00:00Z", **state},
                               {"type": "Ready", "lastTransitionTime": "2026-12-04T12:00:00Z", **state}],
                "components": {"predictor": {"url": url} if ready else {}}}

    def _on_read(self, key: tuple[str, str]) -> None:
        m = self.meta[key]
        if m.get("lagging") is not None:
            m["lag"] -= 1
            if m["lag"] > 0:
                return
            changed, m["lagging"] = m["lagging"], None
            self._reconcile(key, spec_changed=changed)
        if m.get("route_lag"):
            m["route_lag"] -= 1
            if not m["route_lag"]:
                self._publish(key)  # the Route moved: traffic[] routes the latest ready revision
        if self._stalled or not m["revisions"]:  # not reconciled yet (deploy_config_error)
            return
        latest = m["revisions"][-1]
        if m["uris"][latest] in self.stalled_uris:
            return
        if m["ready"] != latest and m.get("failed") != latest:
            m["pending_reads"] -= 1
            if m["pending_reads"] <= 0:
                if m["uris"][latest] in self.failing_uris:
                    m["failed"] = latest
                    m.setdefault("ever_failed", set()).add(latest)
                else:
                    if self.route_lag_reads > 0 and m["ready"]:
                        m["routed"], m["route_lag"], self.route_lag_reads = m["ready"], self.route_lag_reads, 0
                        m["route_spec"] = _route_spec(self.objects[key])
                    m["ready"] = latest
                    m.setdefault("ever_ready", set()).add(latest)
                self._publish(key)

    # ------------------------------------------------------------------ HTTP
    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _send(self, code: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _lost_answer(self, code: int) -> None:
                """A write applied whose answer is an error (timeout.go's 504 Status)."""
                if code == 504:
                    return self._status(504, "Timeout", "Timeout: request did not complete within the allotted timeout")
                return self._status(code, "InternalError", f"injected {code} after the write")

            def _status(self, code: int, reason: str, message: str) -> None:
                self._send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                  "message": message, "reason": reason, "code": code})

            def _other(self, method: str, path: str, body: Any) -> bool:
                """Routes besides InferenceServices; True when answered."""
                for prefix in double.forbidden:
                    if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                        parts = path.strip("/").split("/")
                        resource, name = (parts[-2], parts[-1]) if len(parts) > 2 else (parts[-1], "")
                        ns = parts[parts.index("namespaces") + 1] if "namespaces" in parts[:-2] else ""
                        where = f'in the namespace "{ns}"' if ns else "at the cluster scope"
                        group = parts[1] if parts[0] == "apis" else ""
                        self._status(403, "Forbidden", f'{resource} "{name}" is forbidden: User "{double.user}" '
                                     f'cannot {method.lower() if method != "GET" else "get"} resource "{resource}" '
                                     f'in API group "{group}" {where}')
                        return True
                if (rev := REVISION.match(path)) and method == "GET":
                    found = double.revision_object(rev.group(1), rev.group(2))
                    if found is None:
                        self._status(404, "NotFound", f'revisions.serving.knative.dev "{rev.group(2)}" not found')
                    else:
                        self._send(200, found)
                    return True
                if path.rstrip("/") == "/version" and method == "GET":
                    self._send(200, VERSION)
                    return True
                if path == SSAR and method == "POST":
                    user = self.headers.get("Impersonate-User") or double.user
                    if user != double.user and not double.can_impersonate:
                        sa = user.split(":")
                        what = (f'serviceaccounts "{sa[-1]}"', "serviceaccounts", f'in the namespace "{sa[2]}"') \
                            if user.startswith("system:serviceaccount:") else (f'users "{user}"', "users", "at the cluster scope")
                        self._status(403, "Forbidden", f'{what[0]} is forbidden: User "{double.user}" cannot '
                                     f'impersonate resource "{what[1]}" in API group "" {what[2]}')
                        return True
                    attrs = (body.get("spec") or {}).get("resourceAttributes") or {}
                    wanted = (attrs.get("group", ""), attrs.get("resource", ""), attrs.get("verb", ""),
                              attrs.get("namespace", ""))
                    granted = double.grants.get(user, set())  # namespace "": a ClusterRoleBinding's grant
                    allowed = wanted in granted or (*wanted[:3], "") in granted
                    out = {**body, "metadata": {"creationTimestamp": None},
                           "status": {"allowed": allowed, **({"reason": "RBAC: allowed by RoleBinding"} if allowed else {})}}
                    self._send(201, out)
                    return True
                if not PATH.match(path) and method == "GET":
                    if path in double.resources:
                        self._send(200, double.resources[path])
                    elif (listed := double.custom_list(path)) is not None:
                        self._send(200, listed)
                    elif CUSTOM_LIST.match(path):  # no CRD serves this resource: the API server's answer
                        self._status(404, "NotFound", "the server could not find the requested resource")
                    else:
                        parts = ["", *path.strip("/").split("/")]
                        self._status(404, "NotFound", f'{parts[-2]} "{parts[-1]}" not found')
                    return True
                return False

            def _handle(self, method: str) -> None:
                if double.delay:
                    time.sleep(double.delay)
                path = self.path.split("?", 1)[0]
                m = PATH.match(path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                if method == "GET" and self.path.split("?")[0] in DISCOVERY:
                    return self._send(200, DISCOVERY[self.path.split("?")[0]])
                with double._lock:
                    double.calls.append((method, self.path, body))
                    if self._other(method, path, body):
                        return None
                    if not m:
                        return self._status(404, "NotFound", f"no route {self.path}")
                    ns, name = m.group(1), m.group(2)
                    if method != "GET" and double._fail:
                        code, message = double._fail.pop(0)
                        reason = {409: "Conflict", 500: "InternalError"}.get(code, "Error")
                        return self._status(code, reason, message or f"injected {code}")
                    if method == "GET":
                        key = (ns, name)
                        if key not in double.objects:
                            return self._status(404, "NotFound", f'inferenceservices "{name}" not found')
                        double._on_read(key)
                        return self._send(200, double.objects[key])
                    if method == "POST":
                        name = body["metadata"]["name"]
                        key = (ns, name)
                        if key in double.objects:
                            return self._status(409, "AlreadyExists", f'inferenceservices "{name}" already exists')
                        if denied := double.defaulter_denial():
                            return self._status(code := double.defaulter_code(), "Forbidden" if code == 403 else "", denied)
                        if panicked := _no_implementation_panic(body):
                            return self._status(500, "", panicked)
                        double._rv += 1
                        obj = copy.deepcopy(body)
                        _default(obj, double.default_mode())
                        obj["metadata"].update({"namespace": ns, "resourceVersion": str(double._rv), "generation": 1})
                        double.objects[key] = obj
                        double.meta[key] = {"revisions": [], "uris": {}, "ready": "", "rolled_out": "", "previous": "", "pending_reads": 0}
                        double._reconcile(key, spec_changed=True)
                        if double._fail_after:
                            return self._lost_answer(double._fail_after.pop(0))
                        return self._send(201, obj)
                    if method == "PATCH":
                        key = (ns, name)
                        if key not in double.objects:
                            return self._status(404, "NotFound", f'inferenceservices "{name}" not found')
                        if self.headers.get("Content-Type") != "application/merge-patch+json":
                            return self._status(415, "UnsupportedMediaType", "double accepts merge patches only")
                        current = double.objects[key]
                        if double.status_updates > 0:  # a status write lands first
                            double.status_updates -= 1
                            double._rv += 1
                            current["metadata"]["resourceVersion"] = str(double._rv)
                        sent_rv = (body.get("metadata") or {}).get("resourceVersion")
                        if sent_rv is not None and sent_rv != current["metadata"]["resourceVersion"]:
                            return self._status(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again")
                        old_spec = copy.deepcopy(current["spec"])
                        patched = merge_patch(current, {k: v for k, v in body.items() if k != "status"})
                        # the defaulter runs on UPDATE as on CREATE (config/webhook/manifests.yaml)
                        if denied := double.defaulter_denial():
                            return self._status(code := double.defaulter_code(), "Forbidden" if code == 403 else "", denied)
                        if panicked := _no_implementation_panic(patched):
                            return self._status(500, "", panicked)
                        _default(patched, double.default_mode())
                        if denied := _deployment_mode_change(patched, current) or _no_implementation(patched):
                            return self._status(403, "Forbidden", denied)
                        double._rv += 1
                        patched["metadata"]["resourceVersion"] = str(double._rv)
                        changed = patched["spec"] != old_spec
                        if changed:
                            patched["metadata"]["generation"] = current["metadata"]["generation"] + 1
                        patched["status"] = current.get("status")
                        double.objects[key] = patched
                        # the annotations and labels are copied into the revision template too: the
                        # defaulter's rewrite of a legacy name (Serverless) on any update starts a
                        # revision, as does any other annotation or label written or deleted
                        lists = double.template_lists()
                        template_changed = revision_template(patched, lists) != revision_template(current, lists)
                        m = double.meta[key]
                        if double.lag_reads > 0 or m.get("lagging") is not None:
                            # not reconciled yet: the status stays the one of the spec before
                            m["lagging"] = bool(m.get("lagging")) or template_changed
                            m["lag"] = max(m.get("lag", 0), double.lag_reads)
                            double.lag_reads = 0
                        else:
                            double._reconcile(key, spec_changed=template_changed)
                        if double._fail_after:
                            return self._lost_answer(double._fail_after.pop(0))
                        return self._send(200, patched)
                    return self._status(405, "MethodNotAllowed", method)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

        return Handler


def with_canary(isvcs: Any, name: str, champion: str, canary: str, *, percent: int = 10,
                model_name: str = "credit") -> Any:
    """``isvcs`` after deploying v1 (``champion``, 100 %) and then v2 (``canary``, ``percent``) to
    InferenceService ``name``: the state promote and rollback start from."""
    from ctloop.serving import rollout

    for version, uri, share in (("1", champion, 100), ("2", canary, percent)):
        rollout.deploy(isvcs, name=name, model_name=model_name, version=version, storage_uri=uri, percent=share,
                       timeout_s=5)
    return isvcs
