"""KubeApiDouble subclasses: :class:`TemplateKubeApiDouble` decides when a revision is made by the
whole revision template (``tests.doubles.kube_api.revision_template``) on every reconcile, however
it was reached, and :class:`ReconcileGateDouble` adds KServe's reconcile gates.

What KServe v0.20.0 copies into the template — the predictor, the InferenceService's annotations
less ``ServiceAnnotationDisallowedList`` and ``managedKsvcAnnotations``, its labels less
``ServiceLabelDisallowedList`` — is written once, in tests/doubles/kube_api.py (its module
docstring and :func:`~tests.doubles.kube_api.revision_template`, with the KServe sources); the base
double's PATCH uses the same function. A changed template is a new Configuration generation, hence
a new revision (knative-v1.21.1 ``pkg/reconciler/configuration/configuration.go``).
"""

from __future__ import annotations

from tests.doubles.kube_api import KubeApiDouble, revision_template

__all__ = [
    "DISABLE_AUTO_UPDATE",
    "ReconcileGateDouble",
    "TemplateKubeApiDouble",
    "revision_template",
]


class TemplateKubeApiDouble(KubeApiDouble):
    """:class:`KubeApiDouble` with :func:`revision_template` deciding when a revision is made."""

    def _reconcile(self, key: tuple[str, str], spec_changed: bool) -> None:
        template = revision_template(self.objects[key], self.template_lists())
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
