"""TemplateKubeApiDouble whose failed revision can turn ready later, as Knative's do.

knative-v1.21.1 ``pkg/apis/serving/v1/revision_lifecycle.go`` ``PropagateDeploymentStatus``
copies the Deployment's state into ``ResourcesAvailable`` each reconcile
(``pkg/apis/serving/k8s_lifecycle.go`` ``TransformDeploymentStatus``): a Deployment past its
progress deadline (``ProgressDeadlineExceeded``: the image pull or the model download slower
than ``progress-deadline``, 600 s by default) fails the revision, and once its pods come up the
Deployment controller marks it ``Progressing`` True again (``NewReplicaSetAvailable``), so the
revision turns Ready. ``pkg/reconciler/configuration/configuration.go`` ``ReconcileKind`` then
makes the latest created revision, Ready True, the latest ready one (and the configuration's
``RevisionFailed`` goes), which KServe v0.20.0 ``PropagateStatus`` copies into the
InferenceService's status. A crash-looping container fails it earlier (``ContainerHealthy``
False from its first crash, ``pkg/reconciler/revision/reconcile_resources.go``), and a pod that
then comes up ready marks it True again.

Upstream allows this only until the autoscaler gives up: ``pkg/reconciler/autoscaling/kpa/
scaler.go`` ``handleScaleToZero`` scales a PodAutoscaler still activating after the progress
deadline + ``activationTimeoutBuffer`` (30 s) to 0 — ``min-scale`` (KServe's default 1) does not
hold it: ``pkg/reconciler/revision/resources/pa.go`` makes a revision with a failed condition and
no ready pod unreachable, and ``ScaleBounds`` ignores min-scale then — after which
``revision_lifecycle.go`` ``PropagateAutoscalerStatus`` marks ``ResourcesAvailable`` False
("Initial scale was never achieved") for good. So a revision failed at its progress deadline has
~30 s to turn ready, one failed by a crash up to progress deadline + 30 s from its start (630 s
by default); with ``enable-scale-to-zero: false`` (``config-autoscaler``) it is never scaled down
and can turn ready at any time. :meth:`RecoveringKubeApiDouble.recover` is a recovery in that
window.
"""

from __future__ import annotations

from tests.doubles.kube_api_template import TemplateKubeApiDouble


class RecoveringKubeApiDouble(TemplateKubeApiDouble):
    def recover(self, ns: str, name: str, uri: str) -> None:
        """Revisions of ``uri`` load from now on, and a failed latest revision of InferenceService
        ``name`` turns ready (its pods came up after its progress deadline); a revision created
        after it (still starting) becomes ready as any does. Only faithful before Knative's autoscaler
        gave the revision up (the module docstring): call it as a recovery within that window."""
        with self._lock:
            key = (ns, name)
            meta = self.meta[key]
            self.failing_uris.discard(uri)
            failed = meta.get("failed")
            if failed and failed == meta["revisions"][-1] and meta["uris"][failed] == uri:
                meta["failed"], meta["ready"] = None, failed
                self._publish(key)
