"""KubeApiDouble whose revision template holds what KServe v0.20.0 copies into it: the predictor
(as :class:`tests.doubles.kube_api.KubeApiDouble`) and the InferenceService's own annotations and
labels.

KServe v0.20.0 ``pkg/controller/v1beta1/inferenceservice/components/predictor.go``
``buildPredictorResources`` takes ``isvc.Annotations`` (filtered by
``ServiceAnnotationDisallowedList``) and ``buildObjectMeta`` unions them with the predictor's; it
unions ``isvc.Labels`` with the predictor's labels; ``reconcilers/knative/ksvc_reconciler.go``
``createKnativeService`` puts those annotations (but ``managedKsvcAnnotations``, the
rollout-duration ones, which go on the Knative Service itself) and those labels (filtered by
``RevisionTemplateLabelDisallowedList``) into ``spec.template.metadata``. A changed template is
a new Configuration generation, hence a new revision (knative-v1.21.1
``pkg/reconciler/configuration/configuration.go``). The base double counts only the predictor:
an annotation written on the InferenceService made no revision there, as it does on a cluster.
"""

from __future__ import annotations

from typing import Any

from tests.doubles.kube_api import SOURCE_URI, KubeApiDouble, _template

# KServe v0.20.0 pkg/constants/constants.go ServiceAnnotationDisallowedList (the defaults; the
# inferenceservice-config ConfigMap may add more, configmap.go) and RevisionTemplateLabelDisallowedList
DISALLOWED_ANNOTATIONS = frozenset(
    {
        "autoscaling.knative.dev/min-scale",
        "autoscaling.knative.dev/max-scale",
        SOURCE_URI,
        "kubectl.kubernetes.io/last-applied-configuration",
        "serving.kserve.io/model-format",
    }
)
DISALLOWED_LABELS = frozenset({"networking.knative.dev/visibility"})
# ksvc_reconciler.go managedKsvcAnnotations: moved to the Knative Service's own metadata
KSVC_ANNOTATIONS = frozenset(
    {"serving.knative.dev/rollout-duration", "serving.knative.openshift.io/enablePassthrough"}
)


def revision_template(obj: dict[str, Any]) -> dict[str, Any]:
    """What of an InferenceService reaches its Knative revision template."""
    meta = obj.get("metadata") or {}
    annotations = {
        k: v
        for k, v in (meta.get("annotations") or {}).items()
        if k not in DISALLOWED_ANNOTATIONS and k not in KSVC_ANNOTATIONS
    }
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k not in DISALLOWED_LABELS}
    return {
        "predictor": _template(obj.get("spec") or {}),
        "annotations": annotations,
        "labels": labels,
    }


class TemplateKubeApiDouble(KubeApiDouble):
    """:class:`KubeApiDouble` with :func:`revision_template` deciding when a revision is made."""

    def _reconcile(self, key: tuple[str, str], spec_changed: bool) -> None:
        template = revision_template(self.objects[key])
        meta = self.meta[key]
        changed = template != meta.get("template")
        meta["template"] = template
        super()._reconcile(key, changed)

    def revisions_of(self, ns: str, name: str, uri: str) -> list[str]:
        """The revisions made from storageUri ``uri``, oldest first."""
        meta = self.meta[(ns, name)]
        return [rev for rev in meta["revisions"] if meta["uris"][rev] == uri]


DISABLE_AUTO_UPDATE = "serving.kserve.io/disable-auto-update"  # KServe v0.20.0 constants.go


class ReconcileGateDouble(TemplateKubeApiDouble):
    """:class:`TemplateKubeApiDouble` whose controller, as KServe v0.20.0's
    (``pkg/controller/v1beta1/inferenceservice/controller.go`` ``Reconcile``), stops reconciling an
    InferenceService being deleted (``metadata.deletionTimestamp``: "Stop reconciliation as the
    item is being deleted") and skips one annotated ``serving.kserve.io/disable-auto-update:
    "true"`` while it is Ready. Its status carries the ``Ready`` condition (here: its
    configuration's), which knative.dev/pkg's ``ConditionManager`` derives."""

    def _reconcile(self, key: tuple[str, str], spec_changed: bool) -> None:
        obj = self.objects[key]
        meta = obj.get("metadata") or {}
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (obj.get("status") or {}).get("conditions") or []
        )
        if meta.get("deletionTimestamp") or (
            (meta.get("annotations") or {}).get(DISABLE_AUTO_UPDATE) == "true" and ready
        ):
            return
        super()._reconcile(key, spec_changed)

    def _reconcile_once(self, key: tuple[str, str]) -> None:
        super()._reconcile_once(key)
        conditions = self.objects[key]["status"]["conditions"]
        configuration = next(c for c in conditions if c["type"] == "PredictorConfigurationReady")
        conditions.append({**configuration, "type": "Ready"})
