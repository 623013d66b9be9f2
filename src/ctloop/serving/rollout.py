"""Canary lifecycle on one InferenceService: deploy, move traffic, promote, roll back.

Every step patches the spec with a JSON merge patch and then waits for KServe to report it in
``status.components.predictor`` — ``latestCreatedRevision == latestReadyRevision`` and the
expected ``traffic[]`` split — never trusting ``observedGeneration`` alone.

* ``deploy``: first deployment (no InferenceService yet) creates it at 100 %; otherwise the new
  storageUri goes out as a canary at ``percent`` (strategy ``canary``), or at 100 % once ready
  (``blue-green``; KServe then routes the new revision alone). Re-deploying the
  version already in the spec first waits until the spec's latest revision is ready with its
  share in ``traffic[]`` (a retried step whose patch landed), then changes nothing once it serves
  all traffic; while it is still a canary it resumes at the first step, to be analysed. When the spec's
  latest revision failed (``RevisionFailed``: the model did not load, the image was not pulled),
  re-deploying the same storageUri starts a new revision (``isvc.retry_patch``) — the spec is
  unchanged, so nothing else would — and a failure of that one ends the wait at once. A canary
  pinned back to 0 % was rolled back: re-deploying it is refused (it would get traffic again).
  Another registry version of the model directory the spec serves (one storageUri, two
  versions) is written as that version's name (``isvc.relabel_patch``: a new revision of the same
  model) and waited for; so is a rollback to one. Waits whose spec already names the model
  confirm from the Knative Revision in traffic[] which storageUri it serves (``_serves``). While
  the latest ready revision serves a model pinned out (a rollback whose restore failed), a new
  model is written at 0 % first and moved to its share once ready (``_parked``): Knative routes
  the canary's share to the latest ready revision until then. That write is marked
  (``isvc.STAGED_ANNOTATION``): a step retried between the two writes resumes (``_staged``) —
  its revision failed, with a new revision at 0 % first (``_restage``).
* ``set_traffic``/``promote`` of a canary whose revision failed are refused at once, writing
  nothing: Knative routes the previous ready revision, and the split they wait for never comes.
  ``set_traffic`` to 0 % is the exception: the pin is written (the safe side) and the stable
  revision awaited at 100 %.
* ``rollback``: traffic back to the previous revision first (``canaryTrafficPercent: 0``), then the
  champion's storageUri is written back so the spec no longer names the bad model; a champion
  revision that failed is started again before anything is promoted (promoting would route the
  latest *ready* revision: the bad canary).
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

from ctloop.config import STRATEGIES
from ctloop.errors import (
    ConfigError,
    CtloopError,
    RevisionNotReady,
    ServingBadInput,
    ServingConflictError,
    ServingError,
    ServingTimeoutError,
    ServingUnreachable,
)
from ctloop.errors import ServingChangedOutside as ChangedOutside
from ctloop.serving import isvc as specs
from ctloop.serving.kube import (
    SOURCE_URI_ANNOTATION,
    InferenceServices,
    answer_lost,
    invalid_spec,
    predictor_status,
    request_deadline,
    revision_failure,
    step_deadline,
    traffic_entries,
    traffic_split,
    wait_for,
)
from ctloop.sigterm import sigterm_raises

# every write of a rollout (deploy, move, promote, rollback) carries the resourceVersion it read; a
# 409 for a write that left the spec alone (kubectl label/annotate, GitOps metadata, the KServe
# controller writing status after status while revisions start and become ready) is read again and
# sent again, at most CONFLICT_ATTEMPTS times, pausing CONFLICT_BACKOFF_S, doubled after each try up
# to CONFLICT_MAX_PAUSE_S (about 7 s of pauses in all), never past the step's own timeout
CONFLICT_ATTEMPTS = 8
CONFLICT_BACKOFF_S = 0.1
CONFLICT_MAX_PAUSE_S = 2.0


@dataclass
class RolloutState:
    action: str
    name: str
    version: str
    latest_revision: str
    previous_revision: str
    traffic: dict[str, int] = field(default_factory=dict)
    # a held rollback's writes before it held, or a rollback's before it started again after a hold
    # ("" : nothing written), for its line and audit event
    written: str = ""
    # what a held rollback saw but did not write (the failed model's transient share while another
    # model's revision still starts at its deadline); "" : nothing to add
    note: str = ""
    # the InferenceService's metadata.generation at the read this state was taken from (None: not
    # reported); walk_plan's baseline after its own traffic move — not in to_dict, not an event field
    generation: int | None = None
    # the annotations and labels of that read that may reach the revision template (isvc.revision_metadata,
    # only what every cluster keeps out left out): what a deploy left, the walk's baseline (release.analyze) — not in to_dict
    metadata: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "name": self.name, "version": self.version,
                "latest_revision": self.latest_revision, "previous_revision": self.previous_revision,
                "traffic": self.traffic, **({"written": self.written} if self.written else {}),
                **({"note": self.note} if self.note else {})}


def _predictor(obj: dict[str, Any]) -> dict[str, Any]:
    return (obj.get("spec") or {}).get("predictor") or {}


def _spec_version(obj: dict[str, Any]) -> tuple[str, str]:
    """(version, storageUri) the spec names; ``""`` for what it lacks (see :func:`_check_drivable`)."""
    model = _predictor(obj).get("model")
    return specs.spec_version(obj), str((model or {}).get("storageUri") or "") if isinstance(model, dict) else ""


def same_storage_uri(a: str, b: str) -> bool:
    """``a`` and ``b`` name the same model directory: the scheme's case, a trailing '/' and
    doubled '/' in the key aside (a hand-deployed or hand-edited spec spells it so). The bucket and
    the key keep their case."""
    def norm(uri: str) -> str:
        scheme, sep, rest = uri.strip().partition("://")
        if not sep:
            return re.sub(r"/+", "/", uri.strip()).rstrip("/")
        return f"{scheme.lower()}://{re.sub(r'/+', '/', rest).rstrip('/')}"

    return norm(a) == norm(b)


def _check_drivable(obj: dict[str, Any], namespace: str) -> None:
    """Refuse a predictor ctloop's patches cannot drive: ctloop writes ``spec.predictor.model``
    (KServe v0.20.0 ``pkg/apis/serving/v1beta1/predictor.go`` PredictorSpec.Model). A predictor in
    KServe's older per-framework form (``sklearn:``, ``xgboost:`` ... with their own storageUri)
    or a custom container would get a second model beside it, which KServe's webhook refuses
    (``validateExactlyOneImplementation``: ``ExactlyOneErrorFor``), or a KeyError traceback. A
    ``model:`` of another ``modelFormat`` is refused too: its runtime cannot load ctloop's model."""
    predictor = _predictor(obj)
    model = predictor.get("model")
    name = (obj.get("metadata") or {}).get("name", "?")
    if isinstance(model, dict) and model.get("storageUri"):
        form = model.get("modelFormat")
        fmt = form.get("name") if isinstance(form, dict) else None
        if fmt is None or fmt == specs.MODEL_FORMAT:
            return
        # KServe picks the runtime by the exact format label (v0.20.0 predictor_model.go
        # RuntimeSupportsModel, "mt:<name>"): that runtime would be handed a model.joblib it cannot load
        raise specs.NotDrivable(f"InferenceService {namespace}/{name} serves modelFormat {fmt}: ctloop's models are "
                                f"scikit-learn pipelines (modelFormat {specs.MODEL_FORMAT}), which its runtime would "
                                "not load; deploy to a new InferenceService (ctloop.serving.isvc.inference_service), "
                                f"or recreate this one with modelFormat {specs.MODEL_FORMAT}",
                                found=f"predictor model: of modelFormat {fmt}")
    other = [k for k, v in predictor.items() if isinstance(v, (dict, list)) and k not in ("model", "annotations",
                                                                                          "labels", "logger")]
    shape = f"its predictor has {', '.join(sorted(other))} instead" if other else "it has none"
    if isinstance(model, dict) and isinstance(model.get("storage"), dict):
        # KServe v0.20.0 ModelStorageSpec (storage.key/path); with a storageUri beside it the
        # controller fails every reconcile ("must provide only one of storageUri and storage.path")
        shape = "its model has storage (key, path) instead"
    found = (f"predictor {', '.join(f'{k}:' for k in sorted(other))}" if other and not isinstance(model, dict)
             else "predictor model: with storage" if "storage (key" in shape else f"predictor: {shape}")
    raise specs.NotDrivable(f"InferenceService {namespace}/{name} has no spec.predictor.model.storageUri ({shape}): "
                            "ctloop rolls out only predictors in the model: form "
                            "(ctloop.serving.isvc.inference_service); deploy to a new InferenceService, or recreate "
                            "this one with spec.predictor.model", found=found)


def _check_mode(isvcs: InferenceServices, obj: dict[str, Any]) -> None:
    """``isvc.check_deployment_mode`` of ``obj``; one naming no mode (KServe has not reconciled it,
    and it has no annotation: not one ctloop created) is judged by the cluster's default, read
    when the runner may (:meth:`InferenceServices.kserve_default`), else refused as unknown. Then
    ``isvc.check_update_admitted``: a reconciled service with no mode annotation is judged by that
    default too (KServe's webhook writes a Standard one into every update, then refuses it)."""
    found, read = specs.ClusterDefault(), False
    if not specs.deployment_mode(obj):
        found, read = _cluster_default(isvcs, obj), True
    specs.check_deployment_mode(obj, found.mode, found.problem, found.read_failure, found.namespaces)
    if not read and reads_cluster_default(obj):
        # KServe's defaulter writes a Standard or ModelMesh default into every update of such a service
        found = _cluster_default(isvcs, obj)
    specs.check_update_admitted(obj, found.mode)


def _cluster_default(isvcs: InferenceServices, obj: dict[str, Any]) -> specs.ClusterDefault:
    """:meth:`InferenceServices.kserve_default`; its ConfigError (a bad ``CTLOOP_KSERVE_NAMESPACE``)
    names the service that needs it — alone, a step that met it mid-way did not say which."""
    try:
        return getattr(isvcs, "kserve_default", specs.ClusterDefault)()
    except ConfigError as exc:
        meta = obj.get("metadata") or {}
        raise ConfigError(f"{exc}: InferenceService {isvcs.namespace}/{meta.get('name', '?')} has no "
                          f"{specs.MODE_ANNOTATION} annotation, so the cluster's default is read from KServe's "
                          "ConfigMap where it says") from exc


def reads_cluster_default(obj: dict[str, Any]) -> bool:
    """Whether :func:`_check_mode` reads the cluster's default deployment mode for ``obj`` (and so
    KServe's ConfigMap where ``CTLOOP_KSERVE_NAMESPACE`` says): a service naming no mode (no
    ``status.deploymentMode``, no mode annotation KServe knows), or a reconciled one with no
    ``serving.kserve.io/deploymentMode`` annotation (KServe's defaulter writes the default into every update)."""
    annotations = (obj.get("metadata") or {}).get("annotations")
    return not specs.deployment_mode(obj) or bool(
        (obj.get("status") or {}).get("deploymentMode") and specs.MODE_ANNOTATION not in (annotations or {}))


def _warn_legacy_mode(obj: dict[str, Any]) -> None:
    """Before a pin-back (traffic only, and one that must go through): a legacy mode annotation
    makes it a new revision too (``isvc.legacy_mode_rewrite``) — a warning, the write goes on. A
    write naming another model starts a revision anyway: no warning there."""
    if rewrite := specs.legacy_mode_rewrite(obj):
        print(f"ctloop: WARNING: {rewrite}", file=sys.stderr)


def _ready(obj: dict[str, Any]) -> bool:
    st = predictor_status(obj)
    return bool(st.get("latestCreatedRevision")) and st.get("latestCreatedRevision") == st.get("latestReadyRevision")


def _state(action: str, obj: dict[str, Any], version: str) -> RolloutState:
    st = predictor_status(obj)
    split = traffic_split(obj)
    generation = (obj.get("metadata") or {}).get("generation")
    return RolloutState(action, obj["metadata"]["name"], version, st.get("latestReadyRevision", ""),
                        _previous(obj), split, generation=generation if isinstance(generation, int) else None,
                        metadata=specs.revision_metadata(obj))


def _stable_revision(obj: dict[str, Any]) -> str:
    """The revision a pin-back to 0 % leaves all traffic on (KServe v0.20.0: the ``prev`` target
    is ``latestRolledoutRevision``). Once the latest revision itself had 100 % (blue-green, a
    canary stepped to 100 %) it *is* the rolled-out one, and KServe's ``PropagateStatus``
    (``inference_service_status.go``) hands traffic back to ``previousRolledoutRevision`` — under
    the same conditions it checks: that revision is both the latest created and ready one."""
    st = predictor_status(obj)
    ready, rolled = st.get("latestReadyRevision", ""), st.get("latestRolledoutRevision", "")
    if rolled and rolled == ready == st.get("latestCreatedRevision") and st.get("previousRolledoutRevision"):
        return st["previousRolledoutRevision"]
    return rolled or next((r for r in traffic_split(obj) if r != ready), ready)


def stable_revision(obj: dict[str, Any] | None) -> str:
    """The revision serving the stable (champion) model now, ``""`` before any is ready. With
    ``canaryTrafficPercent`` in the spec it is the one a pin-back leaves all traffic on
    (:func:`_stable_revision`: after a blue-green switch or a canary stepped to 100 % KServe's
    ``latestRolledoutRevision`` is the NEW revision); without it the latest revision serves all
    traffic and is the stable one (``latestRolledoutRevision``, else ``latestReadyRevision``)."""
    if not obj:
        return ""
    st = predictor_status(obj)
    if "canaryTrafficPercent" in ((obj.get("spec") or {}).get("predictor") or {}):
        return _stable_revision(obj)
    return st.get("latestRolledoutRevision") or st.get("latestReadyRevision") or ""


def _previous(obj: dict[str, Any]) -> str:
    """The revision a release is compared with: another one routed beside the latest, else
    ``previousRolledoutRevision`` (a blue-green switch routes the new revision alone)."""
    latest = predictor_status(obj).get("latestReadyRevision", "")
    return next((r for r in traffic_split(obj) if r != latest),
                predictor_status(obj).get("previousRolledoutRevision", ""))


def _created(obj: dict[str, Any] | None) -> str:
    return predictor_status(obj).get("latestCreatedRevision", "")


def _failed(obj: dict[str, Any] | None) -> str:
    """The latest created revision when KServe reports it failed (``kube.revision_failure``), else ""."""
    return _created(obj) if revision_failure(obj) else ""


def _refuse_failed(isvcs: InferenceServices, name: str, obj: dict[str, Any] | None, what: str) -> None:
    """ServingError at once when the latest revision failed (``kube.revision_failure``): Knative
    keeps routing the previous ready revision, so no split ``what`` waits for can appear — it
    waited out its timeout. Nothing is written."""
    failure = revision_failure(obj)
    if not failure:
        return
    ready = predictor_status(obj).get("latestReadyRevision", "")
    where = f"all traffic stays on {ready}" if ready else "no revision serves"
    raise ServingError(f"InferenceService {isvcs.namespace}/{name}: {' '.join(failure.split())}; {what} would wait "
                       f"for a revision that will never be ready ({where}): deploy that version again (a new "
                       "revision) or roll back (ctloop rollout rollback)")


def _retry(isvcs: InferenceServices, name: str, obj: dict[str, Any], percent: int | None, timeout_s: float,
           what: str, deadline: float | None = None, done: list[str] | None = None) -> dict[str, Any]:
    """Start a new revision of the unchanged spec after its latest one failed and wait until it is
    ready with ``percent`` % (None: no canary — a pin is removed — 100 %); it failing too ends the
    wait at once. ``done``: a rollback's record of its writes (:func:`_sending`), "retry" in it
    once the write was answered — not only after the wait."""
    failed, uri = _failed(obj), _spec_version(obj)[1]
    patch = specs.retry_patch(failed, percent)
    if percent is None:
        patch["spec"]["predictor"]["canaryTrafficPercent"] = None  # merge-patch null: no canary

    def landed(now: dict[str, Any]) -> bool:
        return (same_storage_uri(_spec_version(now)[1], uri)
                and (_predictor(now).get("annotations") or {}).get(specs.RETRY_ANNOTATION) == failed
                and _predictor(now).get("canaryTrafficPercent") == percent)

    # conditional: another model written since the read (another run's deploy, a rollback) gets
    # neither this share nor a new revision (409, then ChangedOutside, nothing written)
    with _sending(done, "retry") if done is not None else nullcontext():
        _conditional_patch(isvcs, name, obj, patch, f"{what} (a new revision after {failed} failed)",
                           "nothing written", landed=landed, deadline=deadline)
    if done is not None:
        done.append("retry")
    return _wait_split(isvcs, name, 100 if percent is None else percent, timeout_s,
                       f"{what} (a new revision after {failed} failed)",
                       new_revision_after=predictor_status(obj).get("latestReadyRevision", ""), created_before=failed,
                       written=percent, model=uri, deadline=deadline)


def _unreconciled(isvcs: InferenceServices, obj: dict[str, Any], source: str) -> tuple[bool, bool]:
    """(stale, confirmed) for a spec naming ``source`` with canaryTrafficPercent. Stale: KServe has
    not reconciled the spec — its latest created revision was not made from ``source`` (its
    ``SOURCE_URI_ANNOTATION``). Confirmed: that revision was read and serves ``source``. Whether a
    ``previousRolledoutRevision`` exists cannot tell: KServe v0.20.0 ``PropagateStatus`` sets it
    whenever a revision reaches 100 %, so after any promotion the status read before the canary
    was reconciled has one. Revisions unreadable (HTTP 403): stale when the status shows one
    revision, created and ready, alone at 100 % while the spec pins a share below 100 (KServe
    routes a reconciled canary beside it), or with no revision before it at all (a first canary,
    blue-green too) — unless traffic[] already shows the spec's pin on that revision
    (:func:`_latest_share`: a pin set by hand on the only revision, which KServe reconciled — or a
    status from before this spec carrying the same share: ``deploy`` then still waits, bounded, for
    a newer revision, :func:`_newer_revision`, before it refuses). A read that got no answer is
    judged the same way (the wait after it reads again)."""
    created, ready = _created(obj), predictor_status(obj).get("latestReadyRevision", "")
    if not created:
        return False, False
    read = getattr(isvcs, "revision_source", None)
    try:
        have = read(created) if read is not None else None
    except ServingUnreachable:  # no answer this once (a dropped connection): judged as without the read
        have = None
    if have is not None:
        fresh = same_storage_uri(have, source)
        return not fresh, fresh
    pinned = _predictor(obj).get("canaryTrafficPercent")
    alone = created == ready and traffic_split(obj) == {ready: 100}
    if alone and int(pinned) < 100 and _latest_share(obj) == int(pinned):
        # traffic[] already carries the spec's pin on the one revision: KServe routed its `latest`
        # target at the pin and its `prev` target (the same rolled-out revision) at the rest — a
        # status reconciled with this spec (a pin set by hand on the only revision), not stale
        return False, False
    return alone and (int(pinned) < 100 or not _previous(obj)), False


def _latest_share(obj: dict[str, Any]) -> int | None:
    """The percent of the ``latestRevision: true`` entries of ``traffic[]``, None without one.
    KServe v0.20.0 ``ksvc_reconciler.go`` ``createKnativeService`` gives that target
    ``canaryTrafficPercent`` once a revision was rolled out, and Knative keeps it apart from the
    ``prev`` target of the same revision (knative-v1.21.1 ``pkg/reconciler/route/traffic/traffic.go``
    ``mergeIfNecessary`` merges only one tag's entries of one revision)."""
    shares = [t.get("percent") or 0 for t in traffic_entries(obj) if t.get("latestRevision") is True]
    return sum(shares) if shares else None


def _relabel(isvcs: InferenceServices, name: str, obj: dict[str, Any], version: str, model_sha256: str,
             deadline: float | None = None) -> str:
    """When the spec serves ``version``'s model directory under another version's name (two
    registry versions of one storageUri), make it name ``version`` (``isvc.relabel_patch``) and
    return the latest ready revision before: the patch starts a new revision, to be waited for
    (its pods carry the version the inference log and Prometheus attribute). ``""``: nothing to do.
    Conditional on ``obj``'s resourceVersion: another model written since the read keeps its own
    version label and sha256 (409, then ChangedOutside, nothing written) — with this version's
    hash the runtime would refuse that model's file."""
    if specs.names_version(obj, version):
        return ""
    uri, before = _spec_version(obj)[1], predictor_status(obj).get("latestReadyRevision", "")
    _conditional_patch(isvcs, name, obj, specs.relabel_patch(version=version, model_sha256=model_sha256),
                       f"naming v{version} for the model the spec serves ({uri})", "nothing written",
                       landed=lambda now: (same_storage_uri(_spec_version(now)[1], uri)
                                           and specs.names_version(now, version)), deadline=deadline)
    return before or "-"  # no ready revision before: any ready one is new


_ANY = object()


def _wait_split(isvcs: InferenceServices, name: str, latest_percent: int, timeout_s: float, what: str,
                new_revision_after: str = "", created_before: str = "", written: Any = _ANY,
                source: str = "", model: str = "", deadline: float | None = None,
                invalid_before: str = "") -> dict[str, Any]:
    """Wait until the latest ready revision has ``latest_percent`` of a complete split; a revision
    created after ``created_before`` that fails ends the wait (``kube.revision_failure``). With
    ``written`` (the canaryTrafficPercent just written, None for none): a spec changed meanwhile
    ends the wait at once (:class:`ChangedOutside`): the split waited for would never come.
    With ``source`` (the storageUri the spec names): that revision must also be one made from it
    (:func:`_serves`) — a status KServe has not reconciled yet still names the revision before.
    With ``model`` (the storageUri just written): a spec naming another model meanwhile (another
    run's deploy, a rollback by hand) ends the wait at once (:class:`ChangedOutside`) — its
    revision would otherwise pass for this one's. With ``deadline``: part of a longer wait of
    ``timeout_s`` (:func:`kube.wait_for`), ending by then. ``invalid_before``: the InvalidSpec the
    status showed before the write waited for (``kube.invalid_spec``), given a grace
    (:func:`kube.wait_for`) — the first reads after the write may still show it."""
    seen: dict[str, Any] = {}  # _serves: the last revision read and its source; a 403 met; the last read

    def ok(obj: dict[str, Any]) -> bool:
        seen["read"] = obj
        if (obj.get("status") or {}).get("deploymentMode"):
            # the controller records the mode it resolved (the cluster's default for a service
            # without the annotation): elsewhere no traffic[] ever comes, nothing to wait for
            try:
                specs.check_deployment_mode(obj)
            except specs.NotDrivable as exc:
                # NotDrivable means "refused before anything was written" (release's callers skip their undo):
                # a mode changed while this waited — after a write, mostly — is a plain serving error, so the
                # caller's undo (deploy's way back to the champion) still runs (round 61 review M3)
                raise ServingError(f"{exc} (found while waiting for {what}, after this step's reads before "
                                   "writing had found it drivable)") from exc
        _still_written(isvcs, name, obj, what, written=written, model=model)
        if not _ready(obj):
            return False
        latest = predictor_status(obj)["latestReadyRevision"]
        if new_revision_after and latest == new_revision_after:
            return False  # the new revision has not been created yet
        split = traffic_split(obj)
        if split.get(latest, 0) != latest_percent or sum(split.values()) != 100:
            return False
        return not source or _serves(isvcs, latest, source, seen)

    try:
        return wait_for(isvcs, name, ok, timeout_s=timeout_s, what=what, failed_before=created_before,
                        deadline=deadline, invalid_before=invalid_before)
    except ServingTimeoutError as exc:
        if (ramping := _ramping(seen.get("read"))) and "last" not in seen:
            raise ServingTimeoutError(f"{exc}; Knative's gradual rollout was still moving the latest target's "
                                      f"share from {ramping[0]} to {ramping[-1]} (serving.knative.dev/rollout-duration "
                                      "on the InferenceService, or rollout-duration in knative-serving/"
                                      "config-network): give the step a timeout longer than that duration "
                                      "(rollout.timeout_seconds)") from exc
        if "last" not in seen:
            st = predictor_status(seen.get("read"))
            created = st.get("latestCreatedRevision") or ""
            if created and created != st.get("latestReadyRevision") and created != created_before:
                # a revision made since the write, still not ready: not a lag of KServe's reconcile
                # (no new revision yet) nor of the traffic (ramping, above) — a retry waits as long
                raise RevisionNotReady(f"{exc}{_revision_condition(isvcs, created)}") from exc
            raise
        revision, have = seen["last"]
        raise ServingTimeoutError(f"{exc}; revision {revision} serves {have or 'no storageUri'} "
                                  f"({SOURCE_URI_ANNOTATION}), not {source}: KServe has not reconciled "
                                  "the spec") from exc


def _revision_condition(isvcs: InferenceServices, revision: str) -> str:
    """``; its Revision <name>: Ready Unknown: <reason>: <message> (kubectl describe ...)`` for a
    readiness timeout, ``""`` when the Revision is ready or cannot be read (HTTP 403, no answer). The
    reason is the Revision's alone: knative-v1.21.1 marks its Configuration's Ready Unknown with no reason
    nor message while the latest created revision starts (``pkg/apis/serving/v1/configuration_lifecycle.go``
    ``SetLatestCreatedRevisionName``), and the Knative Service and KServe v0.20.0 copy that as it is
    (``service_lifecycle.go`` ``PropagateConfigurationStatus``, ``inference_service_status.go``
    ``PropagateStatus``): the InferenceService's status never says why (the Revision: ``Deploying``, the
    reason and message of a condition that is not True, ``pkg/reconciler/revision/reconcile_resources.go``)."""
    read = getattr(isvcs, "revision_not_ready", None)
    why = read(revision) if read is not None else None
    if not why:
        return ""
    return f"; its Revision {revision}: {why} (kubectl describe revision {revision} -n {isvcs.namespace})"


def _ramping(obj: dict[str, Any] | None) -> list[str]:
    """The revisions Knative's gradual rollout splits the ``latestRevision`` target between,
    oldest first (knative-v1.21.1 ``pkg/reconciler/route/traffic/rollout.go``
    ``ConfigurationRollout.Revisions``), each with a share; ``[]`` unless there are two or more."""
    names: list[str] = []
    for t in traffic_entries(obj):
        if (t.get("latestRevision") is True and t.get("revisionName")
                and (t.get("percent") or 0) > 0 and t["revisionName"] not in names):
            names.append(str(t["revisionName"]))
    return names if len(names) > 1 else []


def _still_written(isvcs: InferenceServices, name: str, obj: dict[str, Any], what: str, *, written: Any = _ANY,
                   model: str = "") -> None:
    """:class:`ChangedOutside` when, while waiting for ``what``, the spec no longer has the
    ``canaryTrafficPercent`` just ``written`` (None: none) or names another model than ``model``,
    or the InferenceService is being deleted (KServe stops reconciling it): the state waited for
    would never come."""
    if when := specs.being_deleted(obj):
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} is being deleted (deletionTimestamp {when}) "
                             f"while waiting for {what}: KServe no longer reconciles it (whoever deleted it decides)")
    if model and not same_storage_uri(_spec_version(obj)[1], model):
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout while "
                             f"waiting for {what}: its storageUri is {_spec_version(obj)[1] or 'unset'}, this "
                             f"rollout deployed {model}")
    if written is not _ANY and _predictor(obj).get("canaryTrafficPercent", None) != written:
        have = _predictor(obj).get("canaryTrafficPercent")
        now = "unset (all traffic on the latest revision)" if have is None else str(have)
        did = "removed it" if written is None else f"set {written}"
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout while "
                             f"waiting for {what}: canaryTrafficPercent is {now}, this rollout {did}")


def _serves(isvcs: InferenceServices, revision: str, source: str, seen: dict[str, Any]) -> bool:
    """Knative Revision ``revision`` was made from storageUri ``source`` (its
    ``SOURCE_URI_ANNOTATION``, KServe v0.20.0). KServe's status cannot tell it: PropagateStatus
    copies the Knative Service's, revisions by name, so until KServe reconciles a changed spec the
    status still shows the revision before. When revisions may not be read (HTTP 403) the
    traffic[] split alone decides, as before, with a one-line warning naming the permission."""
    if seen.get("forbidden"):
        return True
    read = getattr(isvcs, "revision_source", None)
    try:
        have = read(revision) if read is not None else None
    except ServingUnreachable:  # no answer this poll: not confirmed yet, the wait goes on while it has time
        return False
    if have is None:
        seen["forbidden"] = True
        if read is not None:
            print(f"ctloop: WARNING: may not get revisions.serving.knative.dev in {isvcs.namespace} (HTTP 403): "
                  f"which model revision {revision} serves is taken from traffic[] alone, unconfirmed; grant "
                  "the pipeline runner's Role get on revisions.serving.knative.dev (manifests/base/rbac.yaml)")
        return True
    seen["last"] = (revision, have)
    return same_storage_uri(have, source)


def _await_starting(isvcs: InferenceServices, name: str, current: dict[str, Any], timeout_s: float,
                    version: str, deadline: float | None = None) -> dict[str, Any]:
    """Wait (within ``timeout_s``) until the spec's latest created revision, still starting, is
    ready with all traffic (rolled out) or failed; the spec naming another model meanwhile ends
    the wait (:class:`ChangedOutside`). Still starting at the timeout: ServingTimeoutError, nothing
    written."""
    created, (have_version, have_uri) = _created(current), _spec_version(current)
    what = f"revision {created} of the spec's model ({have_uri}) ready or failed"

    def settled(obj: dict[str, Any]) -> bool:
        _still_written(isvcs, name, obj, what, model=have_uri)
        ready = predictor_status(obj).get("latestReadyRevision", "")
        return bool(_failed(obj)) or (bool(ready) and traffic_split(obj).get(ready, 0) == 100)

    try:
        return wait_for(isvcs, name, settled, timeout_s=timeout_s, what=what, deadline=deadline)
    except ServingTimeoutError as exc:
        raise ServingTimeoutError(
            f"InferenceService {isvcs.namespace}/{name}: its revision {created} (v{have_version or '?'}, "
            f"{have_uri}) is still starting, neither ready nor failed, after {timeout_s:g} s; v{version} is "
            "not deployed over it: as a first deployment it would take all traffic with nothing compared, "
            "and KServe splits a canary only beside a ready revision; nothing written: deploy again once it "
            "is ready (ctloop rollout status)") from exc


def _newer_revision(isvcs: InferenceServices, name: str, obj: dict[str, Any], timeout_s: float, source: str,
                    pinned: Any, deadline: float | None = None) -> dict[str, Any] | None:
    """A revision created after ``obj``'s latest one, waited for within ``timeout_s`` and then until
    it is ready at the spec's ``pinned`` share; None when none is created in time (the status was
    reconciled with the spec: the only revision pinned by hand). The spec changed meanwhile ends
    the wait (:class:`ChangedOutside`)."""
    created, ready = _created(obj), predictor_status(obj).get("latestReadyRevision", "")
    what = f"a revision of {source} newer than {created}"

    def newer(o: dict[str, Any]) -> bool:
        _still_written(isvcs, name, o, what, written=pinned, model=source)
        return bool(_created(o)) and _created(o) != created

    try:
        wait_for(isvcs, name, newer, timeout_s=timeout_s, what=what, deadline=deadline)
    except ServingTimeoutError:
        return None
    return _wait_split(isvcs, name, int(pinned), timeout_s, f"{what} ready with {pinned} % traffic",
                       new_revision_after=ready, created_before=created, source=source, written=pinned,
                       model=source, deadline=deadline)


def deploy(isvcs: InferenceServices, *, name: str, model_name: str, version: str, storage_uri: str,
           percent: int = 5, strategy: str = "canary", timeout_s: float = 300.0,
           template: dict[str, Any] | None = None, model_sha256: str = "") -> RolloutState:
    """Roll ``version`` out (see module doc). Idempotent for the version already in the spec.
    ``model_sha256`` (``MlflowRegistry.serving_sha256``) goes into the spec for the runtime to
    check. Its waits share one deadline, ``timeout_s`` after it starts: each gets what is left; its reads
    ask again over 5xx and 429 answers until then, and its writes pause no longer (``kube.step_deadline``)."""
    if strategy not in STRATEGIES:
        raise ServingError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    specs.check_storage_uri(storage_uri)
    deadline = time.monotonic() + timeout_s
    with step_deadline(deadline):  # its reads ask again over 5xx/429 until then, its writes pause no longer
        return _deploy_until(isvcs, name=name, model_name=model_name, version=version, storage_uri=storage_uri,
                             percent=percent, strategy=strategy, timeout_s=timeout_s, template=template,
                             model_sha256=model_sha256, deadline=deadline)


def _deploy_until(isvcs: InferenceServices, *, name: str, model_name: str, version: str, storage_uri: str,
                  percent: int, strategy: str, timeout_s: float, template: dict[str, Any] | None,
                  model_sha256: str, deadline: float) -> RolloutState:
    for _attempt in range(CONFLICT_ATTEMPTS):
        try:
            return _deploy(isvcs, name=name, model_name=model_name, version=version, storage_uri=storage_uri,
                           percent=percent, strategy=strategy, timeout_s=timeout_s, template=template,
                           model_sha256=model_sha256, deadline=deadline)
        except _PathChanged as exc:
            changed = exc  # nothing written: choose again on a fresh read
    raise ServingConflictError(f"InferenceService {isvcs.namespace}/{name}: deploying v{version} was refused "
                               f"{CONFLICT_ATTEMPTS} times with HTTP 409 while its status kept changing what the "
                               f"deploy would do ({changed}); nothing written")


class _PathChanged(Exception):
    """Raised by deploy's ``check``: the object read after a 409 chooses another path than the read
    deploy chose from (a status update made the failed revision ready, or a revision started)."""


def _path(obj: dict[str, Any]) -> tuple[str, bool]:
    """What deploy's changed-spec path is chosen from: the latest ready revision (none: a first
    deployment; else blue-green or a canary beside it), and whether a revision is still starting."""
    before = predictor_status(obj).get("latestReadyRevision", "")
    return before, bool(not before and _created(obj) and not _failed(obj))


def _same_path(read: dict[str, Any]):
    """``check`` for deploy's :func:`_conditional_patch`: the new read must choose as ``read`` did."""
    chosen = _path(read)

    def check(now: dict[str, Any]) -> None:
        if _path(now) != chosen:
            raise _PathChanged(f"latest ready revision {chosen[0] or 'none'} when read, "
                               f"{_path(now)[0] or 'none'} after the 409")
    return check


def _checked_template(template: dict[str, Any], name: str, namespace: str, storage_uri: str) -> dict[str, Any]:
    """A caller's InferenceService ``template`` as it will be created: the service ``name`` in
    ``namespace`` (``metadata.namespace`` may be left out) — a template named ``other`` was created
    as ``other``, the deploy's POST carrying no name but the body's, and the wait for ``name``
    then read 404 and reported it deleted —, in Knative mode (``isvc.knative_template``), in the
    ``model:`` form ctloop's later patches drive (:func:`_check_drivable`) and naming the model
    being deployed — created with another storageUri, the deploy reported ``storage_uri``'s
    version serving what it never deployed. ServingError, nothing written, otherwise."""
    metadata = template.get("metadata") if isinstance(template, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    for key, want, have in (("name", name, metadata.get("name")),
                            ("namespace", namespace, metadata.get("namespace", namespace))):
        if have != want:
            raise ServingError(f"the InferenceService template has metadata.{key} {have!r}, not {want!r} being "
                               f"deployed (InferenceService {namespace}/{name}): the deploy would create one service "
                               "and wait for another; nothing written")
    body = specs.knative_template(template)
    _check_drivable(body, namespace)
    have = _spec_version(body)[1]
    if not same_storage_uri(have, storage_uri):
        name = (body.get("metadata") or {}).get("name", "?")
        raise ServingError(f"the InferenceService template {name!r} names storageUri {have}, not {storage_uri} being "
                           "deployed: the deploy would report a model it did not create; nothing written")
    specs.check_storage_uri(have)
    return body


def _deploy(isvcs: InferenceServices, *, name: str, model_name: str, version: str, storage_uri: str,
            percent: int, strategy: str, timeout_s: float, template: dict[str, Any] | None,
            model_sha256: str, deadline: float) -> RolloutState:
    current = isvcs.get(name)
    if current is None:
        body = _checked_template(template, name, isvcs.namespace, storage_uri) if template else specs.inference_service(name, namespace=isvcs.namespace, model_name=model_name,
                                                   version=version, storage_uri=storage_uri,
                                                   model_sha256=model_sha256)
        annotations = (body.get("metadata") or {}).get("annotations") or {}
        templates = (getattr(isvcs, "network_templates", lambda: None)()
                     if str(annotations.get(specs.TAG_ROUTING_ANNOTATION)) == "true" else None)
        if templates is not None:  # the cluster's domain template may put more than the name in the label
            # (not a cluster-local service's: Knative gives its Route the default domain template)
            domains = getattr(isvcs, "domain_config", lambda: None)()  # a Route config-domain makes cluster-local
            in_cluster = getattr(isvcs, "in_cluster", False) is True  # only then its resolv.conf tells
            specs.check_tag_host(name, isvcs.namespace, *specs.route_templates(body, templates, domains,
                                                                               in_cluster=in_cluster))
        try:
            isvcs.create(body)
        except ServingConflictError as exc:
            # created by another run or a person since the read above (409 AlreadyExists: k8s.io/apiserver
            # pkg/registry/generic/registry/store.go Create; kube.InferenceServices.create takes one of its
            # own sends that landed as the answer): changed outside, its model named (was: "conflict (HTTP
            # 409): Conflict", and Argo's retry of the step wrote a canary over the other first deployment)
            try:
                found = isvcs.get(name)
            except ServingError:
                found = None
            names = f"; it names {_spec_version(found)[1] or 'no storageUri'}" if found else ""
            raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was created by someone else (another "
                                 f"run, a person) after it was read as not there (HTTP 409){names}; nothing "
                                 "written") from exc
        obj = _wait_split(isvcs, name, 100, timeout_s, "first revision ready with 100 % traffic", created_before="", deadline=deadline)
        return _state("created", obj, version)
    _check_mode(isvcs, current)
    specs.check_reconciled(current)
    _check_drivable(current, isvcs.namespace)
    # an InvalidSpec before this deploy writes (its runtime missing then): the status read right after
    # the write may predate its reconcile, and an unchanged spec keeps it (kube.wait_for)
    invalid_before = invalid_spec(current)
    have_version, have_uri = _spec_version(current)
    if same_storage_uri(have_uri, storage_uri):
        pinned = _predictor(current).get("canaryTrafficPercent")
        if pinned is not None and (problem := specs.percent_problem(pinned)):
            # set by hand (kubectl patch): the wait below waited its whole timeout for a split that
            # never comes ("ready with -5 % traffic")
            raise ServingError(
                f"InferenceService {isvcs.namespace}/{name} names v{version}, and its canaryTrafficPercent {problem}: "
                "no such share is ever routed; nothing written (set a share: ctloop rollout canary --percent N, "
                "or roll back: ctloop rollout rollback)")
        staged = _staged(current, version, storage_uri) if pinned == 0 else None
        if staged is not None:
            # this deploy's own write at 0 % first (after an unfinished rollback), its step stopped
            # before the move to its share (KFP's retry): not a pin-back, the staging resumes
            target = 100 if strategy == "blue-green" else int(percent)
            resumed = not _failed(current)  # the staging as read: _from_zero checks it before its wait
            if not resumed:
                # its revision failed: deploying again starts a new one, as for any spec (_retry) —
                # resumed as it was, every run ended at the same failure and nothing could retry it
                current, staged = _restage(isvcs, name, current, staged, version, deadline)
            return _from_zero(isvcs, name, current, version=version, storage_uri=storage_uri, target=target,
                              strategy=strategy, after=staged["after"], created=staged["created"],
                              timeout_s=timeout_s, deadline=deadline, invalid_before=invalid_before,
                              resumed=resumed)
        if pinned == 0:  # a plan never writes 0 (config.traffic_plan): this canary was rolled back
            raise ServingError(
                f"InferenceService {isvcs.namespace}/{name} names version {have_version or version} with "
                "canaryTrafficPercent 0: its canary was rolled back (or pinned back by hand), and deploying it "
                "again would give it traffic back; finish the rollback (ctloop rollout rollback) or resume the "
                "canary on purpose (ctloop rollout canary --percent N)")
        if _failed(current):
            # the spec already names this model and its revision failed: waiting would wait out the
            # timeout, as an unchanged spec makes no new revision; "unchanged" would skip the canary
            before = predictor_status(current).get("latestReadyRevision", "")
            # no revision ever ready: a first deployment, without a canary (as a changed spec below)
            target = None if pinned is None or not before else (100 if strategy == "blue-green" else int(percent))
            obj = _retry(isvcs, name, current, target, timeout_s,
                         f"v{version} ready with {100 if target is None else target} % traffic", deadline)
            action = "created" if not before else "canary" if target not in (None, 100) else "switched"
            return _state(action, obj, version)
        # the spec is what this deploy would write, but its revision may still be starting (a deploy
        # step retried after its patch landed, a create whose wait was lost): until it is ready
        # Knative routes the previous ready revision alone, so the status shows neither the canary
        # nor the revision it is compared with. Wait, as the changed path does, until the spec's
        # latest revision is ready with its share in traffic[] (100 % without a rolled-out
        # revision beside it, as KServe then routes no `prev` target); then decide.
        st = predictor_status(current)
        rolled = st.get("latestRolledoutRevision", "")
        # a canary share in the spec while the status still shows the revision before (KServe has not
        # reconciled the spec: PropagateStatus copies the Knative Service's, v0.20.0
        # inference_service_status.go): the spec's revision is one created after this read, at the
        # spec's share — never the one read, which "unchanged" would have promoted with no
        # analysis, and which a wait for it at 100 % waited out (:func:`_unreconciled`)
        stale, confirmed = _unreconciled(isvcs, current, have_uri) if pinned is not None else (False, False)
        share = (int(pinned) if stale else
                 100 if pinned is None or not rolled or rolled == _created(current) else int(pinned))
        relabelled = _relabel(isvcs, name, current, version, model_sha256, deadline)
        after = relabelled or (st.get("latestReadyRevision", "") if stale else "")
        current = _wait_split(isvcs, name, share, timeout_s,
                              f"v{version} (already in the spec) ready with {share} % traffic",
                              created_before=_created(current) if relabelled or stale else "",
                              new_revision_after=after, source=have_uri, written=pinned, model=have_uri, deadline=deadline, invalid_before=invalid_before)
        if pinned is None or (confirmed and not relabelled and not _previous(current)):
            # no canary; or the only revision, which serves the spec's model (canaryTrafficPercent
            # set by hand on the first deployment): nothing to compare with, a first deployment
            return _state("unchanged", current, version)
        unread = ""
        if not _previous(current) and not confirmed:
            # which model the revision serves was not read (HTTP 403): a status carrying the spec's
            # pin may predate the spec (a pin set by hand on the previous model's only revision, then
            # this model's canary patch at the same share, not reconciled yet) — wait, bounded, for
            # the revision KServe creates for the spec before refusing. status.observedGeneration
            # cannot say the status is current: KServe v0.20.0 PropagateStatus copies the Knative
            # Service's own (inference_service_status.go), a counter of another object
            current = _newer_revision(isvcs, name, current, timeout_s, have_uri, pinned, deadline) or current
            unread = (f" (which model {_created(current)} serves was not read — HTTP 403 on "
                      f"revisions.serving.knative.dev — and no newer revision came within the deploy's {timeout_s:g} s)")
        if not _previous(current):
            raise ServingError(f"InferenceService {isvcs.namespace}/{name} names v{version} with "
                               f"canaryTrafficPercent {pinned}, but no other revision to compare it with{unread}: "
                               "promote it by hand (ctloop rollout promote) or deploy it again without the canary")
        # still a canary, not judged (a deploy step retried after its patch landed, a rollout run
        # again): it resumes at the first step, as a fresh deployment would, to be analysed —
        # "unchanged" would promote it with no analysis at all
        target = 100 if strategy == "blue-green" else int(percent)
        if pinned != target:  # conditional: a pin-back since the wait's last read must not get traffic back
            _conditional_patch(isvcs, name, current, specs.traffic_patch(target),
                               f"moving its canary back to {target} %", "nothing written",
                               landed=lambda now: (same_storage_uri(_spec_version(now)[1], have_uri)
                                                   and _predictor(now).get("canaryTrafficPercent") == target),
                               # a status update since the wait's read (the 409's usual cause) may
                               # have failed the latest revision: re-checked before the resend
                               check=lambda now: _refuse_failed(isvcs, name, now,
                                                                f"moving its canary back to {target} %"), deadline=deadline)
        obj = _wait_split(isvcs, name, target, timeout_s, f"canary of {version} (already deployed) at {target} %",
                          created_before=_created(current), written=target, model=have_uri, deadline=deadline, invalid_before=invalid_before)
        return _state("switched" if strategy == "blue-green" else "canary", obj, version)
    before = predictor_status(current).get("latestReadyRevision", "")
    if not before and _created(current) and not _failed(current):
        # the spec's revision is still starting (image pull, model download: neither ready nor
        # failed): once ready it is rolled out and KServe splits a canary beside it (v0.20.0
        # inference_service_status.go PropagateStatus, ksvc_reconciler.go createKnativeService).
        # A first deployment now would give the new version all traffic with nothing compared
        current = _await_starting(isvcs, name, current, timeout_s, version, deadline)
        before = predictor_status(current).get("latestReadyRevision", "")
    if not before:
        # no revision was ever ready (the first deployment's failed, or none was created): nothing
        # serves and nothing is compared with, and KServe routes the latest ready revision alone
        # whatever canaryTrafficPercent says — its split needs a latestRolledoutRevision (v0.20.0
        # ksvc_reconciler.go createKnativeService) — so a wait for N % never ended. A first deployment
        # conditional, as the canary patches below: another model written since this read is not
        # overwritten (409, then ChangedOutside)
        _conditional_patch(isvcs, name, current, specs.switch_patch(version=version, storage_uri=storage_uri,
                                                                    model_sha256=model_sha256),
                           f"deploying v{version} as a first deployment", "nothing written",
                           landed=_lands(storage_uri, None), check=_same_path(current), deadline=deadline)
        obj = _wait_split(isvcs, name, 100, timeout_s, "first ready revision with 100 % traffic",
                          created_before=_created(current), written=None, source=storage_uri, model=storage_uri, deadline=deadline, invalid_before=invalid_before)
        return _state("created", obj, version)
    if _parked(current):
        # the latest ready revision serves a model pinned out (a rollback whose restore failed or
        # never came): until the new revision is ready Knative routes the latestRevision target —
        # the canary's share, all traffic for blue-green — to it. Written at 0 % first, moved to its
        # share once its revision is ready. The write is marked (isvc.STAGED_ANNOTATION): a step
        # retried between the two writes resumes it, where a pin-back is refused
        target = 100 if strategy == "blue-green" else int(percent)
        patch = specs.canary_patch(version=version, storage_uri=storage_uri, percent=0, model_sha256=model_sha256)
        generation = (current.get("metadata") or {}).get("generation")
        if isinstance(generation, int):
            # a spec change makes the API server add 1 to metadata.generation (k8s.io/apiextensions-
            # apiserver pkg/registry/customresource/strategy.go PrepareForUpdate): this write's
            patch["metadata"]["annotations"] = {specs.STAGED_ANNOTATION: json.dumps(
                {"version": str(version), "generation": generation + 1, "after": before,
                 "created": _created(current)}, sort_keys=True)}
        _conditional_patch(isvcs, name, current, patch,
                           f"deploying v{version} at 0 % first (the latest ready revision {before} serves a model "
                           "rolled back to 0 %)", "nothing written", landed=_lands(storage_uri, 0),
                           check=_same_path(current), deadline=deadline)
        return _from_zero(isvcs, name, current, version=version, storage_uri=storage_uri, target=target,
                          strategy=strategy, after=before, created=_created(current), timeout_s=timeout_s,
                          deadline=deadline, invalid_before=invalid_before)
    if strategy == "blue-green":
        # canaryTrafficPercent 100: the new revision takes all traffic once ready; KServe routes no
        # `prev` target at 100 % (ksvc_reconciler.go, v0.20.0), and the previous revision is
        # previousRolledoutRevision, where a rollback's pin-back to 0 % sends traffic.
        _conditional_patch(isvcs, name, current, specs.canary_patch(version=version, storage_uri=storage_uri,
                                                                    percent=100, model_sha256=model_sha256),
                           f"deploying v{version} (blue-green)", "nothing written", landed=_lands(storage_uri, 100),
                           check=_same_path(current), deadline=deadline)
        obj = _wait_split(isvcs, name, 100, timeout_s, "new revision ready with 100 % traffic", new_revision_after=before,
                          created_before=_created(current), written=100, model=storage_uri, deadline=deadline, invalid_before=invalid_before)
        return _state("switched", obj, version)
    # conditional: the previous canary of this model, as read, is replaced on purpose; a model
    # another run wrote after this read is not (409, then ChangedOutside, nothing written)
    _conditional_patch(isvcs, name, current, specs.canary_patch(version=version, storage_uri=storage_uri,
                                                                percent=percent, model_sha256=model_sha256),
                       f"deploying v{version} as a canary at {percent} %", "nothing written",
                       landed=_lands(storage_uri, int(percent)), check=_same_path(current), deadline=deadline)
    obj = _wait_split(isvcs, name, percent, timeout_s, f"canary revision ready with {percent} % traffic",
                      new_revision_after=before, created_before=_created(current), written=int(percent),
                      model=storage_uri, deadline=deadline, invalid_before=invalid_before)
    return _state("canary", obj, version)


def _from_zero(isvcs: InferenceServices, name: str, current: dict[str, Any], *, version: str, storage_uri: str,
               target: int, strategy: str, after: str, created: str, timeout_s: float, deadline: float,
               invalid_before: str, resumed: bool = False) -> RolloutState:
    """The rest of a deploy written at 0 % first: its revision ready at 0 % (a revision other than
    ``after``, the latest ready one before the write; a failure of one created after ``created``
    ends the wait), then moved to ``target`` % and waited for. That move is traffic only, refused
    on a legacy mode annotation as a canary step is (``isvc.check_traffic_only``): the write at 0 %
    had it rewritten, but a staging resumed (:func:`_staged`) may meet one written back since.
    ``resumed``: ``current`` is the staging as read, nothing written by this step since — checked
    before the wait for its revision, so the refusal comes at once, not after a revision still
    starting is ready (or the timeout); the object read after the wait is checked again."""
    what = f"moving v{version} to {target} %"
    if resumed:
        specs.check_traffic_only(current, what)
    current = _wait_split(isvcs, name, 0, timeout_s, f"v{version}'s revision ready at 0 % (before it gets "
                          f"{target} %: until then Knative would route that share to the rolled-back model's "
                          f"revision {after})", new_revision_after=after, created_before=created,
                          written=0, model=storage_uri, deadline=deadline, invalid_before=invalid_before)

    def check(now: dict[str, Any]) -> None:
        _refuse_failed(isvcs, name, now, what)
        specs.check_traffic_only(now, what)

    specs.check_traffic_only(current, what)
    _conditional_patch(isvcs, name, current, specs.traffic_patch(target), what,
                       f"v{version} stays at 0 %", landed=_lands(storage_uri, target), check=check,
                       deadline=deadline)
    obj = _wait_split(isvcs, name, target, timeout_s, f"v{version}'s revision ready with {target} % traffic",
                      created_before=_created(current), written=target, model=storage_uri, deadline=deadline)
    return _state("switched" if strategy == "blue-green" else "canary", obj, version)


def _restage(isvcs: InferenceServices, name: str, current: dict[str, Any], staged: dict[str, Any], version: str,
             deadline: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new revision of a staging at 0 % whose revision failed (``isvc.retry_patch``, still at
    0 %), its marker carried to the generation the write gives the spec and naming the failed
    revision as ``created`` (a failure of the new one ends the wait, :func:`_from_zero`). Returns
    the object the patch was sent on and the new marker."""
    failed, uri = _failed(current), _spec_version(current)[1]
    mark = {**staged, "created": failed, "generation": int((current.get("metadata") or {})["generation"]) + 1}
    patch = specs.retry_patch(failed, 0)
    patch["metadata"] = {"annotations": {specs.STAGED_ANNOTATION: json.dumps(mark, sort_keys=True)}}
    what = f"v{version} at 0 % (a new revision after {failed} failed)"
    current = _conditional_patch(
        isvcs, name, current, patch, what, "nothing written",
        landed=lambda now: (same_storage_uri(_spec_version(now)[1], uri)
                            and (_predictor(now).get("annotations") or {}).get(specs.RETRY_ANNOTATION) == failed
                            and _predictor(now).get("canaryTrafficPercent") == 0),
        deadline=deadline)
    return current, mark


def _staged(obj: dict[str, Any], version: str, storage_uri: str) -> dict[str, Any] | None:
    """The marker of a deploy's write at 0 % first (``isvc.STAGED_ANNOTATION``) when the spec is
    still that write — it names ``version`` of ``storage_uri`` at 0 %, at the generation the write
    gave it — else ``None``: a pin-back (a rollback, by hand) is a later spec change."""
    raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(specs.STAGED_ANNOTATION)
    try:
        mark = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    if not isinstance(mark, dict) or not all(isinstance(mark.get(k), str) for k in ("version", "after", "created")):
        return None
    have_version, have_uri = _spec_version(obj)
    generation = (obj.get("metadata") or {}).get("generation")
    if (mark["version"] != str(version) or (have_version and have_version != str(version))
            or not same_storage_uri(have_uri, storage_uri) or _predictor(obj).get("canaryTrafficPercent") != 0
            or not isinstance(generation, int) or mark.get("generation") != generation):
        return None
    return mark


def _unstaged(obj: dict[str, Any], patch: dict[str, Any], *, replaced: bool = False) -> dict[str, Any]:
    """``patch`` (a pin-back to 0 %) that also deletes the marker of a deploy's write at 0 % first
    when the spec still is that write (:func:`_staged`) and nothing else voids it: pinning it back
    at 0 % changes no field of the spec (already 0), so ``metadata.generation`` stays and the
    marker would still hold — a deploy run again resumed the model pinned back on purpose.

    Deleting the annotation starts a revision of the model pinned back: KServe v0.20.0 copies the
    InferenceService's annotations into the Knative revision template (``components/predictor.go``
    ``buildPredictorResources``, ``buildObjectMeta``; ``reconcilers/knative/ksvc_reconciler.go``
    ``createKnativeService``), and every annotation or label there is a new revision. So it is not
    deleted when ``replaced`` (a write naming another model follows — a rollback's restore —, whose
    new generation voids the marker). It is deleted when the staged model's revision failed, too:
    a failed revision can turn ready later (knative-v1.21.1 ``pkg/apis/serving/v1/
    revision_lifecycle.go`` ``PropagateDeploymentStatus`` marks ResourcesAvailable True again once
    the Deployment completes after its progress deadline; ``pkg/reconciler/configuration/
    configuration.go`` then makes it the latest ready one), and a deploy run again resumed the
    staging then, giving its share to the model pinned back on purpose. The revision started at 0 %
    is the lesser harm (the InferenceService is not Ready over the failed one already). Otherwise
    ``patch`` as it is: a pin-back from a share changes the spec, and its new generation voids
    the marker."""
    raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(specs.STAGED_ANNOTATION)
    if replaced:
        return patch
    try:
        mark = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return patch
    version = mark.get("version") if isinstance(mark, dict) else None
    if not isinstance(version, str) or _staged(obj, version, _spec_version(obj)[1]) is None:
        return patch
    return {**patch, "metadata": {**(patch.get("metadata") or {}), "annotations": {specs.STAGED_ANNOTATION: None}}}


# How long the cleanup of a failed restore (_unstage_after) may take, its read and its patch: not
# the step's deadline, which an API server that does not answer held the restore's error (and a
# Ctrl-C) until. Read at call time
UNSTAGE_DEADLINE_S = 2.0


def _unstage_after(isvcs: InferenceServices, name: str, read: dict[str, Any], error: BaseException,
                   done: list[str] | None = None) -> None:
    """Delete the marker of a deploy's write at 0 % first (:func:`_unstaged`) after a rollback's
    restore, sent first on ``read``, failed with ``error``: left valid, a deploy of the failed model
    run again would resume the model being rolled back. Only while the service still is what the
    rollback read — the same ``metadata.generation`` and the same marker: another run may have
    staged that model again since (a marker of its own, a new generation), and deleting its marker
    would make its retry deploy anew — and never after :class:`ChangedOutside` (the service changed
    or deleted since the read: a new generation voids the old marker). A conditional patch on the
    object read now; the revision the annotation's deletion starts at 0 % is the lesser harm. It
    keeps to :data:`UNSTAGE_DEADLINE_S` — each request too (``kube.request_deadline``: a server that
    accepts the connection and never answers held it a whole request timeout, 30 s, and a PATCH
    three) — and any error here is left to the one on its way out: the caller sees that one
    promptly. ``done``: a rollback's record of its writes, ``"unstage=<storageUri>"`` in it once
    the patch was answered (``"~unstage=…"`` when it went out and no answer came): the deletion
    starts a revision of that model, which the stop line and the error name."""
    if isinstance(error, ChangedOutside):
        return
    meta = read.get("metadata") or {}
    mine = (meta.get("generation"), (meta.get("annotations") or {}).get(specs.STAGED_ANNOTATION))
    deadline = time.monotonic() + UNSTAGE_DEADLINE_S
    try:
        with step_deadline(deadline), request_deadline(deadline):
            now = isvcs.get(name, deadline)
            if now is None or not staged_at_zero(now):
                return
            now_meta = now.get("metadata") or {}
            if (now_meta.get("generation"), (now_meta.get("annotations") or {}).get(specs.STAGED_ANNOTATION)) != mine:
                return
            rv = now_meta.get("resourceVersion")
            patch = _unstaged(now, {})
            if rv:
                patch["metadata"] = {**patch["metadata"], "resourceVersion": rv}
            key = f"unstage={_spec_version(now)[1]}"
            try:
                isvcs.patch(name, patch)
            except ServingUnreachable as exc:
                if done is not None and answer_lost(exc):
                    done.append("~" + key)  # sent, its answer never read: it may have landed
                raise
            if done is not None:
                done.append(key)
    except Exception:  # noqa: BLE001, S110 - the restore's error is what the caller must see
        pass


def staged_at_zero(obj: dict[str, Any] | None) -> bool:
    """The spec is still a deploy's write at 0 % first (:func:`_staged`), its revision failed or
    not: a deploy run again would resume it unless a pin-back deletes the marker
    (:func:`_unstaged`)."""
    return bool(obj) and _unstaged(obj, {}) != {}


def set_traffic(isvcs: InferenceServices, name: str, percent: int, timeout_s: float = 300.0, *,
                force: bool = False, expect_storage_uri: str = "") -> RolloutState:
    """Move the canary's share to ``percent`` and wait until the split shows it. A canary pinned
    back to 0 % (rolled back; the spec still names its model) gets traffic again only with
    ``force`` (``make canary`` asks for ``FORCE=1`` the same way). ``expect_storage_uri``: only the
    canary of that model is moved — a spec naming another one (deployed since the caller read it)
    is :class:`ChangedOutside`, nothing written; the patch is conditional on the read checked."""
    deadline = time.monotonic() + timeout_s
    with step_deadline(deadline):
        return _set_traffic(isvcs, name, percent, timeout_s, force, deadline, expect_storage_uri)


def _set_traffic(isvcs: InferenceServices, name: str, percent: int, timeout_s: float, force: bool,
                 deadline: float, expect_storage_uri: str = "") -> RolloutState:
    obj = isvcs.get(name)
    if obj is None:
        raise ServingError(f"InferenceService {isvcs.namespace}/{name} does not exist")
    if expect_storage_uri and not same_storage_uri(_spec_version(obj)[1], expect_storage_uri):
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} names {_spec_version(obj)[1] or 'no model'} "
                             f"(v{specs.spec_version(obj) or '?'}) now, not {expect_storage_uri}: another run or a "
                             "person deployed it since; its canary left alone, nothing written")
    _check_mode(isvcs, obj)
    specs.check_reconciled(obj)
    if percent == 0:
        _warn_legacy_mode(obj)
    stable = _stable_revision(obj) if percent == 0 and _failed(obj) else ""
    if stable:
        # pinning a failed canary to 0 % is the safe write (were its revision to become ready
        # later, it would take its share back); Knative already routes the stable revision alone
        # conditional: another model deployed since this read is not pinned at 0 % (409, then
        # ChangedOutside, nothing written)
        failed_model = _spec_version(obj)[1]
        _conditional_patch(isvcs, name, obj, _unstaged(obj, specs.traffic_patch(0)), "pinning its failed canary to 0 %",
                           "nothing written", landed=_lands(failed_model, 0), deadline=deadline)
        obj = wait_for(isvcs, name, lambda o: traffic_split(o).get(stable, 0) == 100, timeout_s=timeout_s,
                       what=f"all traffic on the stable revision {stable} (canary pinned at 0 %)", deadline=deadline)
        return _state("traffic", obj, _spec_version(obj)[0])
    _refuse_failed(isvcs, name, obj, f"moving its canary to {percent} %")
    if percent > 0 and not force and _predictor(obj).get("canaryTrafficPercent") == 0:
        raise ServingError(
            f"InferenceService {isvcs.namespace}/{name} has canaryTrafficPercent 0: its canary (version "
            f"{specs.spec_version(obj) or '?'}) was rolled back, and {percent} % would give that version traffic "
            "again; finish the rollback durably with `ctloop rollout rollback` (make rollback), or resume that "
            "canary on purpose with --force (make canary FORCE=1)")
    ready = predictor_status(obj).get("latestReadyRevision", "")
    if percent < 100 and (not ready or (_ready(obj) and not _previous(obj))):
        # KServe v0.20.0 ksvc_reconciler.go splits traffic between the latest revision and the one
        # rolled out before it; with one revision (or none ready) it routes that one at 100 %
        # whatever the pin, so the split waited for never came (timeout_s, then a timeout)
        alone = f"its only revision {ready} serves all traffic" if ready else "no revision of it is ready yet"
        raise ServingError(f"InferenceService {isvcs.namespace}/{name} has no canary to move to {percent} %: "
                           f"{alone}, and KServe splits traffic only between a new revision and the one rolled "
                           "out before it; deploy a new version as a canary first (nothing written)")
    if percent > 0:  # after the checks that there is a canary to move (its refusal names the canary)
        specs.check_traffic_only(obj, f"moving its canary to {percent} %")
    model = _spec_version(obj)[1]
    patch = _unstaged(obj, specs.traffic_patch(0)) if percent == 0 else specs.traffic_patch(percent)
    _conditional_patch(isvcs, name, obj, patch, f"moving its canary to {percent} %",
                       "nothing written", landed=lambda now: (same_storage_uri(_spec_version(now)[1], model)
                                                              and _predictor(now).get("canaryTrafficPercent") == percent),
                       check=lambda now: _refuse_failed(isvcs, name, now, f"moving its canary to {percent} %"), deadline=deadline)
    obj = _wait_split(isvcs, name, percent, timeout_s, f"canary at {percent} %", created_before=_created(obj),
                      written=percent, deadline=deadline)
    return _state("traffic", obj, _spec_version(obj)[0])


def _lands(storage_uri: str, percent: int | None):
    """``landed`` for :func:`_conditional_patch`: the spec names ``storage_uri`` with
    ``canaryTrafficPercent`` ``percent`` (None: not set)."""
    return lambda now: (same_storage_uri(_spec_version(now)[1], storage_uri)
                        and _predictor(now).get("canaryTrafficPercent") == percent)


def _conditional_patch(isvcs: InferenceServices, name: str, read: dict[str, Any], patch: dict[str, Any],
                       what: str, nothing: str, *, landed, check=None, ours=None,
                       deadline: float | None = None) -> dict[str, Any]:
    """``patch`` carrying ``read``'s ``metadata.resourceVersion`` (optimistic concurrency): a write
    between that read and the patch (a pin-back, another model) makes the API server answer 409
    instead of it being overwritten (k8s.io/apiserver ``pkg/registry/generic/registry/store.go``,
    OptimisticLockErrorMsg). The object is then read again: ``landed(now)`` — our own patch, sent
    again after its answer was lost, met its own write — is done; a write that left the spec alone
    (a label, an annotation, a status update: the API server bumps ``metadata.generation`` for spec
    changes only) is retried on the new resourceVersion, at most ``CONFLICT_ATTEMPTS`` times (then
    :class:`ServingConflictError`); any other change is :class:`ChangedOutside`, nothing written.
    ``check(now)``, the caller's preconditions, runs again on the object read before each retry: a
    status update since the read (the 409's usual cause) may have failed the canary. ``ours(now)``:
    a spec change that leaves what the patch is for in place (the rollback's pin-back: the spec
    still names the failed model, whatever its share) is retried too. ``CONFLICT_ATTEMPTS`` tries in
    all, pausing ``CONFLICT_BACKOFF_S`` (doubled after each, at most ``CONFLICT_MAX_PAUSE_S``) before
    each retry, never past ``deadline``. Returns the object the patch was sent on (or, having landed, read)."""
    generation = (read.get("metadata") or {}).get("generation")
    attempts, pause = CONFLICT_ATTEMPTS, CONFLICT_BACKOFF_S  # read at call time (tests shorten the pause)
    resent = False  # a patch of ours sent again after its answer was lost: it may have landed
    for attempt in range(attempts):
        rv = (read.get("metadata") or {}).get("resourceVersion")
        sent = dict(patch)
        if rv:
            sent["metadata"] = {**(patch.get("metadata") or {}), "resourceVersion": rv}
        try:
            isvcs.patch(name, sent)
            return read
        except ChangedOutside as exc:  # 404: deleted since the read (kube.InferenceServices.patch)
            # the API server's reason kept: a 404 also answers a namespace or resource it does not serve
            answer = getattr(exc, "answer", "") or "HTTP 404"
            raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was deleted after it was read for "
                                 f"{what} (the patch was answered {answer}); {nothing} (whoever deleted it "
                                 "decides)") from exc
        except ServingConflictError as exc:
            resent = resent or bool(getattr(exc, "resent", False))
            if resent:
                # its first send was applied, then answered 5xx / lost, and the change met by the
                # resend came after it: the write was served until then (review G4)
                nothing = ("this rollout's write may have landed before the change (its answer was lost and "
                           "the patch sent again was refused)")
            now = isvcs.get(name)
            if now is None:
                raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was deleted after it was read "
                                     f"for {what}; {nothing}") from exc
            if landed(now):
                return now
            same = (now.get("metadata") or {}).get("generation") == generation
            if same or (ours is not None and ours(now)):
                late = deadline is not None and time.monotonic() + pause >= deadline
                if attempt + 1 < attempts and not late:
                    if check is not None:
                        check(now)  # raises: nothing written by this attempt
                    read, generation = now, (now.get("metadata") or {}).get("generation")
                    if pause:
                        time.sleep(pause)
                        pause = min(pause * 2, CONFLICT_MAX_PAUSE_S)
                    continue
                kept = "its spec stayed the same" if ours is None else "its spec still named the model it was for"
                raise ServingConflictError(f"InferenceService {isvcs.namespace}/{name}: {what} was refused "
                                           f"{attempt + 1} time{'s' if attempt else ''} with HTTP 409 while {kept} "
                                           f"({exc}); {nothing}") from exc
            raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout "
                                 f"after it was read for {what} (HTTP 409: resourceVersion {rv} is no longer its "
                                 f"own); {nothing} (whoever changed it decides)") from exc


def _parked(obj: dict[str, Any]) -> bool:
    """The latest ready revision has no traffic and is not the one a pin-back routes to: it serves
    a model pinned out (a rollback whose restore of the champion failed, or stopped after its
    pin-back), while all traffic is on the stable revision. A canary patch now would route its
    share to it until the new revision is ready (:func:`_deploy`)."""
    ready, split = predictor_status(obj).get("latestReadyRevision", ""), traffic_split(obj)
    stable = _stable_revision(obj)
    return bool(ready and stable and ready != stable and split.get(ready, 0) == 0 and split.get(stable, 0) == 100
                and "canaryTrafficPercent" in _predictor(obj))


def _moot_pin(obj: dict[str, Any]) -> bool:
    """``canaryTrafficPercent`` on the only revision (set by hand on a first deployment, which
    deploy answers ``unchanged`` and no analysis walks): it moves no traffic — KServe v0.20.0
    routes the ``latest`` target at the pin and the ``prev`` one, the same rolled-out revision, at
    the rest (``ksvc_reconciler.go`` ``createKnativeService``) — and promoting it undoes nothing."""
    st = predictor_status(obj)
    return (_ready(obj) and st.get("latestRolledoutRevision") == st.get("latestReadyRevision")
            and traffic_split(obj) == {st.get("latestReadyRevision"): 100} and not _previous(obj))


def promote(isvcs: InferenceServices, name: str, timeout_s: float = 300.0, *, storage_uri: str = "",
            version: str = "", percent: Any = _ANY, revision: str = "",
            generation: int | None = None, metadata: dict[str, Any] | None = None) -> RolloutState:
    """Remove ``canaryTrafficPercent`` (merge-patch null): the latest revision takes 100 %.
    Refused for a canary pinned back to 0 % (``isvc.check_promotable``), and — with
    ``storage_uri``, the model ``version`` being promoted — for a spec that names another model
    (:class:`ChangedOutside`: deployed by hand or by another run since the analysis; promoting
    would give that unjudged model 100 %). With ``percent`` (the canaryTrafficPercent the analysis
    last wrote) a spec with another share is refused too (:class:`ChangedOutside`): moved by hand
    since — on a retried ``promote_model`` step, while the attempt before waited, which that
    attempt reported — and promoting would undo it. None there (a promote patch that landed
    before the retry, nothing analysed) is promoted, and so is a pin on the only revision
    (:func:`_moot_pin`: no analysis set it, and it moves no traffic). With ``revision`` (the one the
    analysis judged) a canary whose spec was edited since — another latest revision, or, with
    ``generation`` (the ``metadata.generation`` the analysis judged), another generation: a spec
    change KServe has not reconciled yet; with ``metadata`` (the ``isvc.revision_metadata`` judged),
    other annotations or labels of the revision template (:func:`_metadata_edited`) — is refused too (:class:`ChangedOutside`): the
    edit (a resource limit, an env var, an annotation) made a revision nobody analysed, which promoting
    would give 100 %."""
    deadline = time.monotonic() + timeout_s
    with step_deadline(deadline):
        return _promote(isvcs, name, timeout_s, storage_uri, version, percent, deadline, revision, generation,
                        metadata)


def _edited_since(obj: dict[str, Any], revision: str, generation: int | None = None,
                  metadata: dict[str, Any] | None = None, isvcs: Any = None) -> str:
    """Why the spec is not the one whose canary ``revision`` was analysed (KServe v0.20.0
    ``ComponentStatusSpec.latestCreatedRevision``; with ``generation``, the ``metadata.generation``
    judged: any spec edit moves it, and KServe never writes the spec), ``""`` when it is. Never
    ``status.observedGeneration``: KServe v0.20.0 copies the Knative Service's own counter there
    (``inference_service_status.go`` ``PropagateStatus``), which a promote from 100 % does not move
    (``ksvc_reconciler.go``: the same traffic, no update) — compared with the InferenceService's, it
    held every rollout after a full-plan promotion. With ``metadata`` (``isvc.revision_metadata`` of the
    annotations and labels judged): an annotation or a label written since (``kubectl annotate``), a new
    revision too, which moves no ``metadata.generation`` (:func:`_metadata_edited`, the lists read through
    ``isvcs``)."""
    latest = predictor_status(obj).get("latestCreatedRevision") or ""
    if latest and latest != revision:
        return f"the analysis judged revision {revision}, its latest revision is now {latest} (the spec edited since)"
    now = (obj.get("metadata") or {}).get("generation")
    if isinstance(generation, int) and isinstance(now, int) and now != generation:
        return (f"its spec changed since the analysis judged revision {revision} (metadata.generation {now}, "
                f"the analysis judged it at {generation})")
    if metadata is not None and (changed := _metadata_edited(isvcs, metadata, obj, {}))[0]:
        return (f"its annotations or labels that reach the revision template changed since the analysis judged "
                f"revision {revision} ({changed[0]}): a new revision, which KServe may not have reconciled yet"
                f"{changed[1]}")
    return ""


def template_lists(isvcs: Any) -> specs.TemplateLists:
    """What the cluster's KServe keeps out of a revision template (``isvc.read_template_lists``, of the
    ConfigMap ``InferenceServices.kserve_default`` reads); KServe's defaults, ``unread`` saying why,
    when it cannot be read (not there, no RBAC, a bad ``CTLOOP_KSERVE_NAMESPACE``, a client that
    reads no ConfigMap)."""
    reader = getattr(isvcs, "kserve_default", None)
    if reader is None:
        return specs.TemplateLists(unread=f"{specs.KSERVE_CONFIG} not read by this client")
    try:
        found = reader()
    except ConfigError as exc:
        return specs.TemplateLists(unread=f"{specs.KSERVE_CONFIG} not read: {' '.join(str(exc).split())}")
    if found.template is None:
        return specs.TemplateLists(unread=f"{specs.KSERVE_CONFIG} not read: {found.failure or 'not found'}")
    return found.template


def _metadata_edited(isvcs: Any, before: dict[str, Any], obj: dict[str, Any],
                     memo: dict[str, Any]) -> tuple[str, str]:
    """What of ``obj``'s annotations and labels reaching the revision template differs from
    ``before`` (an ``isvc.revision_metadata``), ``""`` when nothing does, and a note for the
    message (``""``, or that the lists are KServe's defaults, and why). Both are compared with
    ``isvc.TEMPLATE_LISTS_LEAST`` first (what every cluster keeps out), and only when they differ is the
    cluster's ConfigMap read (:func:`template_lists`, once: kept in ``memo["lists"]``): KServe v0.20.0
    appends its ``inferenceService.serviceAnnotationDisallowedList`` / ``serviceLabelDisallowedList``
    to its defaults (``pkg/apis/serving/v1beta1/configmap.go`` ~239-252), so an annotation a GitOps tool
    stamps on every sync, listed there, makes no revision — and without that key copies every
    annotation (``autoscaling.knative.dev/min-scale`` too) into the revision, so KServe's default lists
    must not be the shortcut. Lists not read from the cluster are said. ``before`` stored in another form
    (``isvc.stored_metadata``: too long for an audit record) is compared in that form: value digests by
    key; one digest of the whole read, any change held; a record cut at the tag limit, held always (was:
    read as none, nothing compared)."""
    read = specs.revision_metadata(obj)
    form = before.get(specs.METADATA_FORM)
    if form == specs.METADATA_DIGESTS:
        read = specs.digested_metadata(read)
    elif form == specs.METADATA_CUT:
        return ("an annotation or label may have changed (the record of those judged was cut at MLflow's tag "
                "limit by a ctloop before round 58: they cannot be compared, so it is held)", "")
    elif form:
        if form == specs.whole_metadata_digest(read):
            return "", ""
        return ("the annotations or labels changed (recorded as one digest, too many for an audit record: which "
                "one is not known, nor whether the cluster's disallowed lists keep it out of the revision)", "")
    if not _metadata_changes(before, read):
        return "", ""
    lists = memo.get("lists") or memo.setdefault("lists", template_lists(isvcs))

    def kept(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {"annotations": {k: v for k, v in (meta.get("annotations") or {}).items() if k not in lists.annotations},
                "labels": {k: v for k, v in (meta.get("labels") or {}).items() if k not in lists.labels}}

    changed = _metadata_changes(kept(before), kept(read))
    if lists.unread:
        # the cluster's lists unknown: an edit KServe's default lists leave out may still make a revision
        # (a ConfigMap without the inferenceService key copies every annotation): held, not judged harmless
        # (review of round 57: a 403 on the ConfigMap moved 50 % to the min-scale edit's revision, unsaid)
        changed = changed or _metadata_changes(before, read)
        return changed, (f"; the cluster's disallowed lists were not read ({lists.unread}), so KServe may copy "
                         "it into the revision (let ctloop read them: manifests/extras/kserve-config-reader)"
                         if changed else "")
    return changed, ""


def _promote(isvcs: InferenceServices, name: str, timeout_s: float, storage_uri: str, version: str, percent: Any,
             deadline: float, revision: str = "", generation: int | None = None,
             metadata: dict[str, Any] | None = None) -> RolloutState:
    current = isvcs.get(name) or {}
    if current:  # elsewhere no traffic[] is reported: the wait for 100 % would time out
        _check_mode(isvcs, current)
        specs.check_reconciled(current)
        if storage_uri:  # a model to compare with: a spec in another form names none (was: "changed outside")
            _check_drivable(current, isvcs.namespace)
    have = _spec_version(current)[1] if current else ""
    if storage_uri and not same_storage_uri(have, storage_uri):
        now = f"names {have}" if have else "does not exist" if not current else "names no storageUri"
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} {now}, not v{version or '?'} "
                             f"({storage_uri}) being promoted: it was changed outside this rollout; nothing "
                             "promoted (whoever changed it decides)")
    specs.check_promotable(current)
    pinned = _predictor(current).get("canaryTrafficPercent")
    if percent is not _ANY and pinned is not None and pinned != percent and not _moot_pin(current):
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout: "
                             f"canaryTrafficPercent is {pinned}, the analysis last set {percent}; nothing promoted "
                             "(whoever changed it decides)")
    # the promote patch not landed yet (a retry after it did finds no pin): the revision judged must
    # still be the latest one
    if revision and pinned is not None and (edited := _edited_since(current, revision, generation, metadata, isvcs)):
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout: {edited}; "
                             "promoting would give 100 % to a revision nobody analysed; nothing promoted (whoever "
                             "changed it decides: run the rollout again to analyse it, or ctloop rollout promote)")
    _refuse_failed(isvcs, name, current, "promoting its canary")
    model = storage_uri or have
    if pinned is None and specs.legacy_mode_rewrite(current) and same_storage_uri(_spec_version(current)[1], model):
        pass  # promoted already (its one model serves): the no-op update would be the webhook's restart for nothing
    else:
        if pinned is not None:  # a canary to promote (its refusal names the canary)
            specs.check_traffic_only(current, "promoting its canary")
        else:
            specs.check_traffic_only(current, "promoting it", canary=False)
        _conditional_patch(isvcs, name, current, specs.promote_patch(), "the promote", "nothing promoted",
                           landed=lambda now: (same_storage_uri(_spec_version(now)[1], model)
                                               and "canaryTrafficPercent" not in _predictor(now)),
                           check=lambda now: _refuse_failed(isvcs, name, now, "promoting its canary"),
                           deadline=deadline)
    obj = _wait_split(isvcs, name, 100, timeout_s, "latest revision at 100 %", created_before=_created(current),
                      written=None, deadline=deadline)
    return _state("promoted", obj, _spec_version(obj)[0])


def _occupied(obj: dict[str, Any] | None, failed_storage_uri: str, storage_uri: str) -> bool:
    """The spec names a model that is neither the failed one nor the rollback's target."""
    have = _spec_version(obj)[1] if obj else ""
    return bool(failed_storage_uri and have and not same_storage_uri(have, failed_storage_uri)
                and not same_storage_uri(have, storage_uri))


def rollback(isvcs: InferenceServices, name: str, *, version: str, storage_uri: str,
             timeout_s: float = 300.0, model_sha256: str = "", failed_storage_uri: str = "") -> RolloutState:
    """Three safe steps; at no moment does the bad revision get traffic back:

    1. ``canaryTrafficPercent: 0`` — all traffic on the stable revision at once;
    2. the champion's storageUri into the spec, still at 0 % — a new revision starts;
    3. ``canaryTrafficPercent`` removed once that revision is ready — it takes 100 %.

    Its waits share one deadline, ``timeout_s`` after it starts: each gets what is left (its reads and
    writes too, ``kube.step_deadline``).

    Abort wins for the failed model: the pin-back is retried (``CONFLICT_ATTEMPTS``, with a short
    backoff) over status updates and over changes that leave the spec naming the failed model (its
    share moved by hand, promoted by hand). With ``failed_storage_uri`` (the failed version's
    model) a rollback never pins or replaces another model: a spec naming a model that is neither
    the failed one nor ``storage_uri`` — found at the start (a retried rollback_model step) or met
    by a write's 409 or a wait — is left alone, and the state returned has action ``held``
    (whoever deployed that model decides). Abort still wins on traffic: while that model's revision
    is not ready Knative gives its share to the latest *ready* revision, the failed one, which is
    pinned out once that other revision has failed (:func:`_hold`; while it starts, nothing). A
    spec changed again while held (the champion written back, the failed model again) is rolled
    back from a fresh read, within the same deadline. The state's ``written`` says what was
    written ("" : nothing); a rollback that started again and then rolled back (or found nothing to
    do) names there what it wrote before it started again — the hold's pin-out of another model's
    canary among them — since the held state that would have said so is never returned.
    """
    deadline = time.monotonic() + timeout_s
    with step_deadline(deadline), _terminated_raises():
        return _rollback_until(isvcs, name, version=version, storage_uri=storage_uri, timeout_s=timeout_s,
                               model_sha256=model_sha256, failed_storage_uri=failed_storage_uri, deadline=deadline)


class Terminated(SystemExit):
    """SIGTERM during a rollback (KFP stopping the run, the pod evicted or preempted,
    ``kill``): exit status 143 (128 + 15), as the signal's default action gives, once the
    rollback's cleanup ran."""


def _terminated_raises():
    """While a rollback runs, SIGTERM raises :class:`Terminated` instead of ending the process at
    once (:func:`ctloop.sigterm.sigterm_raises`): Python's default action for it runs no
    ``finally``/``except``, so the cleanup of a failed restore (:func:`_unstage_after`: the marker
    of a staging of the model being rolled back) never ran, and a deploy of that model run again
    resumed it at its share. A second SIGTERM is ignored while that cleanup runs (it cut it short
    part-way), for :data:`UNSTAGE_DEADLINE_S` after the first at most — the cleanup keeps to that
    deadline, each request included — and ends the process after it, as the default action."""
    return sigterm_raises(Terminated, then=signal.SIG_IGN, ignore_for=UNSTAGE_DEADLINE_S)


def _rollback_until(isvcs: InferenceServices, name: str, *, version: str, storage_uri: str, timeout_s: float,
                    model_sha256: str, failed_storage_uri: str, deadline: float) -> RolloutState:
    # the writes whose answer was read, in order: "pin", "restore", "switch", "relabel", "retry",
    # "promote", "pin_other" (_hold_once); "~" + one of them while it is on its way (_sending)
    done: list[str] = []
    restarted = False  # started again after a hold: an error then says what was written before
    before: list[str] = []  # the writes that landed before the last restart
    try:
        while True:
            try:
                state = _rollback(isvcs, name, version=version, storage_uri=storage_uri, timeout_s=timeout_s,
                                  model_sha256=model_sha256, failed_storage_uri=failed_storage_uri, done=done,
                                  deadline=deadline)
                if before and not state.written:  # a held state's written already names them (from done)
                    state = replace(state, written=_written(before, version))
                return state
            except ConfigError as exc:
                if isinstance(exc, ServingError) or not [key for key in done if not key.startswith("~")]:
                    raise
                # met after this rollback wrote (a fresh read once held, the mode annotation removed
                # meanwhile): the handler below says what was written, the step still exits 2
                raise ServingBadInput(str(exc)) from exc
            except ChangedOutside as exc:
                now = isvcs.get(name) if failed_storage_uri else None
                if _occupied(now, failed_storage_uri, storage_uri):
                    try:
                        return _hold(isvcs, name, now, failed_storage_uri, _written(done, version), timeout_s, deadline, done)
                    except _ChangedWhileHeld:
                        if time.monotonic() >= deadline:
                            raise
                        restarted, before = True, list(done)
                        continue  # changed again while held: rolled back from a fresh read
                if not isinstance(exc, _ChangedWhileHeld) or time.monotonic() >= deadline:
                    raise
                restarted, before = True, list(done)  # held inside _rollback, changed again: a fresh read
    except Terminated:
        wrote = _written(done, version, when="")
        said = [f"written before: {wrote}"] if wrote else []
        # a write on its way (sent, its answer not read): the server may have applied it
        said += [f"{_SENDING[key[1:].partition('=')[0]].format(v=version, model=key.partition('=')[2])} was on "
                 "its way and may have landed" for key in done if key.startswith("~")]
        print(f"ctloop: the rollback of InferenceService {isvcs.namespace}/{name} to v{version} was stopped (SIGTERM); "
              f"{'; '.join(said) or 'nothing written'}: roll back again (ctloop rollout rollback; ctloop rollout "
              "status shows where it stands)", file=sys.stderr)
        raise
    except ServingError as exc:
        if restarted and done:  # the held outcome that would have reported those writes never comes
            exc.args = (f"{exc} (written by this rollback before it started again: {_written(done, version)})",
                        *exc.args[1:])
        elif done and (wrote := _written(done, version, when="")) and wrote not in str(exc):
            # a pin-back, or a held rollback's pin-out of another model's failed canary, landed and
            # then a wait or write failed (HTTP 403/500, a timeout): the error alone hid that write
            exc.args = (f"{exc} (written by this rollback before the error: {wrote})", *exc.args[1:])
        raise


# The writes of a rollback :func:`_sending` names while they are on their way
_SENDING = {
    "pin": "its pin-back (canary to 0 %)",
    "restore": "its restore (v{v}'s storageUri written back at 0 %)",
    "switch": "v{v}'s storageUri written back without a pin",
    "retry": "a new revision of v{v} (its revision had failed)",
    "relabel": "v{v}'s labels",
    "promote": "its last step (v{v}'s revision to 100 %)",
    "pin_other": "the pin-out of another model's failed canary",
    "unstage": "the deletion of the staging marker of {model} (a revision of it starts at 0 %)",
}


@contextmanager
def _sending(done: list[str], key: str):
    """While a rollback's write ``key`` (:data:`_SENDING`) is on its way, ``"~" + key`` is in
    ``done``: SIGTERM there (:class:`Terminated`) leaves it, and the stop line says that write may
    have landed — its answer was never read, and "nothing written" was not known. Any other
    outcome takes it out."""
    done.append("~" + key)
    try:
        yield
    except Terminated:
        raise
    except BaseException:
        done.remove("~" + key)
        raise
    done.remove("~" + key)


# The writes of a rollback past its first :func:`_written` names once answered
_WRITTEN = {
    "relabel": "v{v}'s labels written on the model the spec serves (a new revision of it)",
    "retry": "a new revision of v{v} started (its revision had failed)",
    "promote": "its last step (v{v}'s revision moved to 100 %)",
}


class _ChangedWhileHeld(ChangedOutside):
    """The spec changed while a rollback was held: :func:`rollback` starts again from a fresh read
    (the champion written back, or the failed model, is no longer another model to leave alone)."""


def _written(done: list[str], version: str, when: str = " before the spec was changed") -> str:
    """What a rollback wrote before it was held (``done``: "pin", "restore", "switch", "relabel",
    "retry", "promote", "pin_other" — a held rollback's pin-out of another model's failed canary);
    "" : nothing. ``when`` ends the part about its own writes."""
    if "switch" in done:
        first = (f"v{version}'s storageUri written without a pin (the failed model left the spec; it serves until "
                 f"v{version}'s revision is ready)")
    elif "restore" in done:
        first = f"its canary pinned to 0 % and v{version}'s storageUri written (the failed model left the spec)"
    else:
        first = "its canary pinned to 0 %" if "pin" in done else ""
    parts = [first] if first else []
    parts += [text.format(v=version) for key, text in _WRITTEN.items() if key in done]
    # the cleanup of a failed restore (_unstage_after): "unstage=<the staged model's storageUri>"
    parts += [f"the staging marker of {key.partition('=')[2]} deleted (a revision of it starts at 0 %)"
              for key in done if key.startswith("unstage=")]
    own = f"{'; '.join(parts)}{when}" if parts else ""
    if "pin_other" not in done:
        return own
    other = ("another model's canary pinned to 0 % while the rollback was held (its revision failed and Knative "
             "gave its share to the failed model's revision)")
    return f"{own}; {other}" if own else other


def _routed(obj: dict[str, Any]) -> set[str]:
    """The revisions traffic[] routes the ``latestRevision`` target to, else ``{latestReadyRevision}``.
    They differ for a moment after a revision becomes ready: the Knative Service copies
    ``latestReadyRevisionName`` from its Configuration before its Route moves traffic
    (knative-v1.21.1 ``pkg/reconciler/service/service.go`` ``checkRoutesNotReady`` only marks the
    Route not ready), and KServe v0.20.0 ``PropagateStatus`` copies both as they are. Several
    during Knative's gradual rollout (``rollout-duration``): one entry per revision the target
    ramps between, oldest first (knative-v1.21.1 ``pkg/reconciler/route/traffic/rollout.go``
    ``ConfigurationRollout.Revisions``, ``traffic.go`` ``targetToStatus``) — the first alone
    named the revision being ramped away from."""
    routed = {str(t["revisionName"]) for t in traffic_entries(obj)
              if t.get("latestRevision") is True and t.get("revisionName")}
    ready = predictor_status(obj).get("latestReadyRevision", "")
    return routed or ({ready} if ready else set())


def _hold(isvcs: InferenceServices, name: str, obj: dict[str, Any], failed_storage_uri: str, written: str,
          timeout_s: float, deadline: float, done: list[str]) -> RolloutState:
    """The state of a rollback held (the spec names another model); :class:`_ChangedWhileHeld` when
    the spec changes meanwhile (:func:`_hold_once`)."""
    try:
        return _hold_once(isvcs, name, obj, failed_storage_uri, written, timeout_s, deadline, done)
    except _ChangedWhileHeld:
        raise
    except ChangedOutside as exc:
        raise _ChangedWhileHeld(str(exc)) from exc


def _hold_once(isvcs: InferenceServices, name: str, obj: dict[str, Any], failed_storage_uri: str, written: str,
               timeout_s: float, deadline: float, done: list[str]) -> RolloutState:
    """The state of a rollback held (the spec names another model), abort winning on traffic: Knative
    routes the ``latestRevision`` target to the latest *ready* revision, so while the other model's
    revision is not ready — or ready, its Route not moved yet (:func:`_routed`) — the failed model's
    revision still gets the other canary's share. While that revision is merely starting (image
    pull, model download: the normal case) nothing is written — pinning it would fail the other
    run's deploy and roll back its model unanalysed — and its outcome is awaited within the
    rollback's deadline, until the failed model's revision has no share left (a revision failing
    after a hold that returned at once left the failed model that share for good when a raw
    ``kubectl apply``, which nothing rolls back, deployed it). Still starting (or not yet routed) at
    the deadline, or the API unreachable then, the state's ``note`` names the transient share
    (``written`` keeps to what was written). Once it has FAILED (:func:`_failed`) the failed
    model's revision is pinned out (``canaryTrafficPercent: 0``, conditional: only lowers the other
    canary's share, which goes to the stable revision; a status update since the read that made the
    other revision ready or no longer failed stops it, nothing written); the pin written, traffic
    not yet moved at the deadline is a ``note`` beside the pin in ``written`` (Knative moves it:
    the step does not fail on a write that landed). A failed model that still gets traffic
    otherwise (it is the stable revision) fails the step, naming that revision."""
    serving = [rev for rev, pct in traffic_split(obj).items() if pct > 0
               and (src := getattr(isvcs, "revision_source", lambda _r: None)(rev)) is not None
               and same_storage_uri(src, failed_storage_uri)]
    if not serving:
        return replace(_state("held", obj, _spec_version(obj)[0]), written=written)
    where = f"InferenceService {isvcs.namespace}/{name}"
    routed, stable = _routed(obj), _stable_revision(obj)
    other = _spec_version(obj)[1]
    if len(serving) != 1 or serving[0] not in routed or stable in serving or not stable:
        raise ServingError(f"{where} names another model now ({other}), but revision {', '.join(serving)} still "
                           f"serves the failed model {failed_storage_uri} with traffic {traffic_split(obj)}"
                           f"{'; ' + written if written else '; nothing written'}: pin it out by hand "
                           "(ctloop rollout canary --percent 0) or roll back again")
    latest = serving[0]  # the failed model's revision the latest target routes (part of) its share to
    share = traffic_split(obj).get(latest, 0)

    def transient(o: dict[str, Any]) -> RolloutState:
        why = (f"its revision {_created(o)} was ready but Knative had not moved its traffic yet"
               if predictor_status(o).get("latestReadyRevision") == _created(o)
               else f"its revision {_created(o)} was still starting")
        note = (f"the other model's canary not pinned ({why} at the rollback's deadline: until it is routed Knative "
                f"gives its {traffic_split(o).get(latest, 0)} % to the failed model's revision {latest})")
        # the share of the status it reports: the other canary's share moved by hand meanwhile, or
        # Knative's gradual rollout (rollout-duration) already moving part of it, changes it
        return replace(_state("held", o, _spec_version(o)[0]), written=written, note=note)

    if not _failed(obj):
        # still starting, or ready and not routed yet: awaited within the rollback's deadline until
        # the failed model's revision has no share left — a new latestReadyRevision alone is not
        # the end (Knative names it before its Route moves traffic), and a revision that fails
        # later would leave the failed model its share for good when no run of ctloop deployed it
        seen = [obj]

        def settled(o: dict[str, Any]) -> bool:
            seen[0] = o
            return (not same_storage_uri(_spec_version(o)[1], other) or bool(_failed(o))
                    or traffic_split(o).get(latest, 0) == 0)

        try:
            now = wait_for(isvcs, name, settled, timeout_s=timeout_s, deadline=deadline,
                           what=f"the other model's revision {_created(obj)} ready or failed (the rollback held)")
        except (ServingTimeoutError, ServingUnreachable):  # the API unreachable at the deadline too
            return transient(seen[0])
        if not same_storage_uri(_spec_version(now)[1], other):
            # changed again meanwhile: rollback() starts again from a fresh read
            raise _ChangedWhileHeld(f"{where} was changed again while the rollback was held (it names "
                                    f"{_spec_version(now)[1] or 'no storageUri'} now); "
                                    f"{written or 'nothing written'}")
        if not _failed(now):  # the failed model's revision lost its share: judged again
            return _hold_once(isvcs, name, now, failed_storage_uri, written, timeout_s, deadline, done)
        obj = now
    failed = _failed(obj)

    class _Moot(Exception):
        def __init__(self, now: dict[str, Any]) -> None:
            self.now = now

    def still(now: dict[str, Any]) -> None:
        # a status update since the read (the 409's usual cause): the other revision became ready
        # (the failed model's revision lost its share) or is no longer the failed one — leave the spec
        if latest not in _routed(now) or traffic_split(now).get(latest, 0) == 0 or _failed(now) != failed:
            raise _Moot(now)

    try:
        with _sending(done, "pin_other"):
            _conditional_patch(isvcs, name, obj, _unstaged(obj, specs.pin_back_patch()),
                               f"the rollback's pin-out of the failed revision {latest} (canary to 0 %)",
                               written or "nothing written", landed=_lands(other, 0),
                               ours=lambda now: same_storage_uri(_spec_version(now)[1], other), check=still,
                               deadline=deadline)
    except _Moot as moot:
        if traffic_split(moot.now).get(latest, 0) and not _failed(moot.now):
            return _hold_once(isvcs, name, moot.now, failed_storage_uri, written, timeout_s, deadline, done)
        return replace(_state("held", moot.now, _spec_version(moot.now)[0]), written=written)
    what = f"the failed revision {latest} out of traffic (all on the stable revision {stable})"
    pinned = (f"the other model's canary pinned to 0 % (its revision {failed} failed, Knative gave its {share} % "
              f"to the failed model's revision {latest})")
    written = f"{written}; {pinned}" if written else pinned
    done.append("pin_other")  # a restart (the spec changed again) still reports it
    seen = [obj]

    def out(o: dict[str, Any]) -> bool:
        seen[0] = o
        if not same_storage_uri(_spec_version(o)[1], other) or _predictor(o).get("canaryTrafficPercent") != 0:
            # changed again meanwhile (another model deployed, the pin moved): rollback() starts again
            have = _predictor(o).get("canaryTrafficPercent")
            raise _ChangedWhileHeld(f"{where} was changed again while the rollback was held (it names "
                                    f"{_spec_version(o)[1] or 'no storageUri'} now, canaryTrafficPercent "
                                    f"{'unset' if have is None else have}); {written}")
        return traffic_split(o).get(latest, 0) == 0

    try:
        obj = wait_for(isvcs, name, out, timeout_s=timeout_s, what=what, deadline=deadline)
    except (ServingTimeoutError, ServingUnreachable):
        # the pin landed (a failure seen near the deadline: Knative's progress deadline, 600 s by
        # default, is the default timeout too); Knative moves the traffic, the write is reported
        note = (f"the pin-out not yet confirmed at the rollback's deadline: Knative moves the failed model's revision "
                f"{latest} out once KServe routes the pin (ctloop rollout status)")
        return replace(_state("held", seen[0], _spec_version(seen[0])[0]), written=written, note=note)
    return replace(_state("held", obj, _spec_version(obj)[0]), written=written)


def _rollback(isvcs: InferenceServices, name: str, *, version: str, storage_uri: str, timeout_s: float,
              model_sha256: str, failed_storage_uri: str, done: list[str], deadline: float) -> RolloutState:
    try:
        specs.check_storage_uri(storage_uri)
        unusable: ServingError | None = None
    except ServingError as exc:
        # step 1, the pin-back, needs no champion URI: a failed canary is still pinned back
        # before the restore is refused
        unusable = exc
    obj = isvcs.get(name)
    if obj is None:
        raise ServingError(f"InferenceService {isvcs.namespace}/{name} does not exist")
    _check_mode(isvcs, obj)  # elsewhere no traffic[] is reported: every wait would time out
    specs.check_reconciled(obj)  # being deleted, or its reconcile disabled: likewise
    _check_drivable(obj, isvcs.namespace)
    if _occupied(obj, failed_storage_uri, storage_uri):
        # another model took the spec (another run's canary; a rollback_model step retried after
        # its pin-back met that deploy): neither pinned nor replaced, unless the failed model's
        # revision still gets its traffic (_hold)
        return _hold(isvcs, name, obj, failed_storage_uri, _written(done, version), timeout_s, deadline, done)
    canary = len(traffic_split(obj)) > 1 or "canaryTrafficPercent" in _predictor(obj)
    if unusable is not None and (not canary or not predictor_status(obj).get("latestReadyRevision")):
        raise unusable  # nothing to pin back: nothing written
    if (same_storage_uri(_spec_version(obj)[1], storage_uri) and "canaryTrafficPercent" not in _predictor(obj)
            and not _failed(obj)):
        # nothing to write, but the champion may not serve yet: its revision still starting (a
        # storageUri written back by hand, or by a rollback whose last wait was lost) leaves all
        # traffic on the latest *ready* revision — the bad one. Confirmed from traffic[] as the
        # other paths are; a failure of that revision ends the wait (run again, it is retried)
        with _sending(done, "relabel"):
            relabelled = _relabel(isvcs, name, obj, version, model_sha256, deadline)
        if relabelled:
            done.append("relabel")
        obj = _wait_split(isvcs, name, 100, timeout_s, "champion revision at 100 %",
                          created_before=_created(obj) if relabelled else "", new_revision_after=relabelled,
                          source=_spec_version(obj)[1], written=None, model=_spec_version(obj)[1],
                          deadline=deadline)
        return _state("unchanged", obj, version)
    if not predictor_status(obj).get("latestReadyRevision"):
        # no revision was ever ready (the first deployment's failed): nothing serves and nothing
        # is pinned back to, and KServe ignores canaryTrafficPercent until a revision is rolled out
        # (v0.20.0 ksvc_reconciler.go) — the wait for the champion at 0 % never ended, and the pin
        # 0 it left made the champion look rolled back. The champion goes out as a first deployment
        what = "champion revision ready with 100 % traffic"
        if same_storage_uri(_spec_version(obj)[1], storage_uri) and _failed(obj):
            obj = _retry(isvcs, name, obj, None, timeout_s, what, deadline, done)
        else:
            # conditional: a model deployed since this read is not overwritten (409, ChangedOutside)
            with _sending(done, "switch"):
                _conditional_patch(isvcs, name, obj, specs.switch_patch(version=version, storage_uri=storage_uri,
                                                                        model_sha256=model_sha256),
                                   "the rollback (the champion's storageUri written back as a first deployment)",
                                   "nothing written", landed=_lands(storage_uri, None), deadline=deadline)
            done.append("switch")
            obj = _wait_split(isvcs, name, 100, timeout_s, what, created_before=_created(obj), written=None,
                              source=storage_uri, model=storage_uri, deadline=deadline)
        return _state("rolled_back", obj, version)
    target = _stable_revision(obj)
    if (target and not traffic_split(obj).get(target) and not same_storage_uri(_spec_version(obj)[1], storage_uri)
            and getattr(isvcs, "revision_gone", lambda _r: False)(target)):
        # the revision canaryTrafficPercent 0 hands traffic back to (the previously rolled-out one,
        # after a blue-green switch or a canary stepped to 100 %) was garbage-collected by Knative:
        # a pin-back — or the restore's 0 % — routes its ``prev`` target to a revision that does
        # not exist, Knative's Route keeps the traffic it had (RevisionMissing) and the wait for
        # the champion ran out its timeout. The champion is written back with no
        # canaryTrafficPercent (no ``prev`` target): the failed model serves until the champion's
        # revision is ready, then the ``latestRevision`` target gives that one 100 %
        if unusable is not None:
            raise unusable  # nothing written: there is no revision to pin back to
        with _sending(done, "switch"):
            _conditional_patch(isvcs, name, obj, specs.switch_patch(version=version, storage_uri=storage_uri,
                                                                    model_sha256=model_sha256),
                               f"the rollback (the champion's storageUri written back without a pin: the revision a "
                               f"pin-back routes to, {target}, was garbage-collected by Knative)", "nothing written",
                               landed=_lands(storage_uri, None), deadline=deadline)
        done.append("switch")
        obj = _wait_split(isvcs, name, 100, timeout_s, f"champion revision ready with 100 % traffic (the stable "
                          f"revision {target} was garbage-collected: the failed model serves until then)",
                          created_before=_created(obj), written=None, source=storage_uri, model=storage_uri,
                          deadline=deadline)
        return _state("rolled_back", obj, version)
    # each wait below ends at once when the spec is changed meanwhile (a `kubectl patch` of the
    # share, another model deployed): the state it waits for would never come, and the step
    # after it must not overwrite that change
    staged_idle = False
    if canary:
        bad = _spec_version(obj)[1]
        # conditional, as every other write: another model deployed since this read is not pinned
        # at 0 % (409, then ChangedOutside, nothing written). Abort wins for the failed model: a
        # 409 over a status update, or over a change that left the spec naming the failed model
        # (its share moved, promoted by hand), is read again and the pin sent again — with a
        # backoff, as the controller may write status after status
        # the restore below names the champion (a new generation): the marker of a staging of the
        # failed model is void then, and deleting it would start a revision of that model
        replaced = unusable is None and not same_storage_uri(bad, storage_uri)
        # a deploy's write at 0 % first (its marker valid) with all traffic on the stable revision:
        # the pin-back would change nothing — and keep the marker, which only the restore's new
        # generation voids: a rollback stopped between the two left it valid, and a deploy of the
        # failed model run again resumed it. The pin-back is skipped and the restore sent first;
        # should it fail, the marker is deleted on the way out (_unstage_after)
        idle = _stable_revision(obj)
        staged_idle = (replaced and staged_at_zero(obj) and _predictor(obj).get("canaryTrafficPercent") == 0
                       and bool(idle) and traffic_split(obj).get(idle, 0) == 100)
        if not staged_idle:
            _warn_legacy_mode(obj)
            with _sending(done, "pin"):
                pinned_on = _conditional_patch(isvcs, name, obj,
                                               _unstaged(obj, specs.pin_back_patch(), replaced=replaced),
                                               "the rollback's pin-back (canary to 0 %)", "nothing written",
                                               landed=_lands(bad, 0),
                                               ours=lambda now: same_storage_uri(_spec_version(now)[1], bad),
                                               deadline=deadline)
            done.append("pin")
            stable = _stable_revision(pinned_on)
            what = f"all traffic back on the stable revision {stable}"

            def back(o: dict[str, Any]) -> bool:
                _still_written(isvcs, name, o, what, written=0, model=bad)
                return traffic_split(o).get(stable, 0) == 100

            obj = wait_for(isvcs, name, back, timeout_s=timeout_s, what=what, deadline=deadline)
        else:
            stable = idle
        if unusable is not None:
            why = str(unusable).removesuffix("; nothing written")
            raise ServingError(f"InferenceService {isvcs.namespace}/{name}: its canary ({bad}) pinned back, traffic "
                               f"held at 0 % (all on the stable revision {stable}), champion URI unusable: {why}; "
                               "the champion's storageUri not written: roll back again with a URI KServe reads") \
                from unusable
    before = predictor_status(obj).get("latestReadyRevision", "")
    if not same_storage_uri(_spec_version(obj)[1], storage_uri):
        try:
            with _sending(done, "restore"):
                _conditional_patch(isvcs, name, obj, specs.restore_patch(version=version, storage_uri=storage_uri,
                                                                         model_sha256=model_sha256),
                                   "the rollback's second step (the champion's storageUri written back)",
                                   "traffic stays where it is",
                                   landed=lambda now: (same_storage_uri(_spec_version(now)[1], storage_uri)
                                                       and _predictor(now).get("canaryTrafficPercent") == 0),
                                   deadline=deadline)
        except BaseException as exc:
            if canary and staged_idle:
                _unstage_after(isvcs, name, obj, exc, done)
            raise
        done.append("restore")
        obj = _wait_split(isvcs, name, 0, timeout_s, "champion revision ready (still at 0 %)",
                          new_revision_after=before, created_before=_created(obj), written=0, model=storage_uri,
                          deadline=deadline)
    elif _failed(obj):  # the champion's revision failed (a rollback run again): start it again, still pinned
        pinned = _predictor(obj).get("canaryTrafficPercent")
        obj = _retry(isvcs, name, obj, None if pinned is None else 0, timeout_s, "champion revision ready",
                     deadline, done)
    elif _created(obj) != before or not _serves(isvcs, before, storage_uri, {}):
        # the champion's storageUri already written back at 0 % (by another run's rollback while this
        # one was held, or by this step's attempt before) and its revision still starting: promoting
        # now would route the latestRevision target, 100 %, to the latest *ready* revision — the
        # failed model's. Awaited at 0 %, as after the restore above. KServe's status may not show
        # the write yet (the failed model's revision still created *and* ready): the ready
        # revision's own storageUri decides
        obj = _wait_split(isvcs, name, 0, timeout_s, "champion revision ready (still at 0 %)",
                          new_revision_after=before, created_before="", written=0, source=storage_uri,
                          model=storage_uri, deadline=deadline)
    # conditional: a model deployed (or a share set) since the wait's last read must not get 100 %
    with _sending(done, "promote"):
        _conditional_patch(isvcs, name, obj, specs.promote_patch(), "the rollback's last step (the champion "
                           "revision to 100 %)", "traffic stays where it is",
                           landed=lambda now: (same_storage_uri(_spec_version(now)[1], storage_uri)
                                               and "canaryTrafficPercent" not in _predictor(now)), deadline=deadline)
    done.append("promote")
    obj = _wait_split(isvcs, name, 100, timeout_s, "champion revision at 100 %", created_before=_created(obj),
                      written=None, model=storage_uri, deadline=deadline)
    return _state("rolled_back", obj, version)


def check_unchanged(isvcs: InferenceServices, name: str, *, percent: int, storage_uri: str = "",
                    revision: str = "", generation: int | None = None,
                    metadata: dict[str, Any] | None = None) -> int | None:
    """Raise :class:`ChangedOutside` unless the spec still has what this rollout last wrote: the
    canary's ``storageUri`` and ``canaryTrafficPercent: percent``, and with ``revision`` (the
    canary revision being judged) no edit since that made another revision (:func:`_edited_since`:
    a resource limit raised by hand runs the canary's share in a revision nobody judges; with
    ``generation``, no other ``metadata.generation``: an edit KServe has not reconciled yet). With
    ``metadata``: ``{"baseline": ...}`` is compared with the annotations and labels that reach the
    revision template (``isvc.revision_metadata``; :func:`_metadata_edited`, the cluster's lists kept in
    ``metadata["lists"]``), its first read taken as the baseline unless given (``"since"``: whence) — a
    ``kubectl annotate`` is a new revision too, but moves no ``metadata.generation``, and before
    KServe reconciled it the status still named the revision judged, so the walk moved the canary and
    the next share went to a revision nobody judged.
    Returns the ``metadata.generation`` read (``None``: not reported). A check
    waits minutes; an operator may pin the canary back (``kubectl patch``, ``ctloop rollout canary
    --percent 0``), promote it, edit it or deploy another model meanwhile, and the next step must
    not undo that."""
    obj = isvcs.get(name)
    if obj is None:
        raise ChangedOutside(f"InferenceService {isvcs.namespace}/{name} was deleted during the canary analysis")
    predictor = _predictor(obj)
    where = f"InferenceService {isvcs.namespace}/{name} was changed outside this rollout"
    uri = _spec_version(obj)[1]
    if storage_uri and not same_storage_uri(uri, storage_uri):
        raise ChangedOutside(f"{where}: its storageUri is {uri}, this rollout deployed {storage_uri}")
    have = predictor.get("canaryTrafficPercent")
    if have != percent:
        now = "unset (all traffic on the latest revision)" if have is None else str(have)
        raise ChangedOutside(f"{where}: canaryTrafficPercent is {now}, this rollout set {percent}")
    if revision and (edited := _edited_since(obj, revision, generation)):
        raise ChangedOutside(f"{where}: {edited}")
    if metadata is not None:
        before = metadata.setdefault("baseline", specs.revision_metadata(obj))
        if (changed := _metadata_edited(isvcs, before, obj, metadata))[0]:
            since = metadata.get("since") or "the walk first read it"
            raise ChangedOutside(f"{where}: {changed[0]} since {since}, which starts a revision nobody judged "
                                 f"(KServe may not have reconciled it yet){changed[1]}")
    now = (obj.get("metadata") or {}).get("generation")
    return now if isinstance(now, int) else None


def _metadata_changes(before: dict[str, dict[str, Any]], now: dict[str, dict[str, Any]]) -> str:
    """What differs between two ``isvc.revision_metadata`` reads: ``annotation a set, label b
    removed``, ``""`` when nothing does."""
    out = []
    for kind in ("annotations", "labels"):
        was, have = before.get(kind) or {}, now.get(kind) or {}
        for key in sorted(set(was) | set(have)):
            if was.get(key) != have.get(key):
                what = "removed" if key not in have else "added" if key not in was else "changed"
                out.append(f"{kind[:-1]} {key} {what}")
    return ", ".join(out)


def walk_plan(isvcs: InferenceServices, name: str, *, plan: list[int], check, max_failed_checks: int = 1,
              timeout_s: float = 300.0, on_event=None, storage_uri: str = "",
              revision: str = "", judged: dict[str, Any] | None = None,
              baseline: dict[str, Any] | None = None,
              quiet_checks: int = 1) -> tuple[bool | None, str, list[dict[str, Any]]]:
    """Judge the canary at each traffic step of ``plan`` (the first step is already deployed).

    Returns ``(passed, reason, steps)``; stops at the ``max_failed_checks``-th failed check. A check with
    too little evidence to judge (its measurements' ``evidence: insufficient``, ``analysis.quiet_window``)
    is judged again at the same share, up to ``quiet_checks`` checks in all at that step (the caller's:
    as many intervals as fit the step's timeout); still quiet, ``passed`` is None (hold), the canary left
    at that step's share — unless a check failed before it: then the quiet one counts as a failed check
    too (a hold must not forget evidence of harm; round 61 review M1). A step
    at the percent of the one before is judged again without a traffic change.
    Before and after every check the spec must still be what this walk wrote (the canary's
    ``storage_uri``, the step's percent, no other revision than ``revision``, the canary judged),
    else :class:`ChangedOutside`: a person or another run
    took over and nothing here may undo it; those reads ask again over 5xx and 429 answers within
    ``timeout_s`` (``kube.step_deadline``); the ``metadata.generation`` read after the walk's own
    traffic move (or at its first read) must not move either, and the last one read is left in
    ``judged["generation"]`` for the analysis record (promote compares it), as the annotations and
    labels judged are in ``judged["metadata"]`` (``isvc.revision_metadata``): their baseline is
    ``baseline`` (what the deploy left, its state's ``metadata``) when given, else the walk's first
    read. Other serving errors propagate too (the caller rolls
    back). Any ctloop error carries the steps judged before it as ``steps``. Used by
    :func:`ctloop.serving.release.analyze`.
    """
    emit = on_event or (lambda _e: None)
    steps: list[dict[str, Any]] = []
    failed = 0

    generation: int | None = None  # the spec's, as this walk last wrote or first read it
    # the revision template's annotations and labels, as the deploy left them or as first read
    metadata: dict[str, Any] = {"baseline": baseline, "since": "the deploy left it"} if baseline else {}

    def unchanged(percent: int) -> None:
        nonlocal generation
        # its reads ask again over 5xx/429 within timeout_s: a burst between two checks (minutes
        # apart) used to be a ServingError, and the caller rolled back a canary nothing had faulted
        with step_deadline(time.monotonic() + timeout_s):
            now = check_unchanged(isvcs, name, percent=percent, storage_uri=storage_uri, revision=revision,
                                  generation=generation, metadata=metadata)
        generation = now if generation is None else generation
        if judged is not None:
            judged["generation"] = generation
            # the annotations and labels judged (the baseline: every read since equals it), as promote compares them
            judged["metadata"] = metadata["baseline"]

    for i, percent in enumerate(plan):
        for attempt in range(max(1, quiet_checks)):
            try:
                if i > 0 and attempt == 0 and percent != plan[i - 1]:
                    state = set_traffic(isvcs, name, percent, timeout_s=timeout_s)
                    # its own write moved metadata.generation: the read after it is the one judged now
                    generation = state.generation
                    emit({"event": "traffic", **state.to_dict()})
                unchanged(percent)
                passed, why, measured = check(percent)
                unchanged(percent)
            except CtloopError as exc:
                # the checks judged before the change (or the error: Prometheus gone at the 25 % step, a
                # traffic move refused), for the report and the step metrics
                exc.steps = steps
                raise
            steps.append({"percent": percent, "passed": passed, "reason": why, **measured})
            quiet = not passed and measured.get("evidence") == "insufficient"
            if not quiet or failed:
                break  # judged (or quiet after a failed check: counted below); a quiet one waits another interval
        if quiet and not failed:
            # too little traffic to judge all the step's time (analysis.quiet_window, quality's min_rows): neither
            # a pass nor a failed check — the walk stops where it is, the canary keeps this share, the caller holds
            return None, f"canary at {percent} %: {why}", steps
        if not passed:
            failed += 1
            if quiet:  # after a failed check a quiet window is no reprieve: it counts as one
                why = f"{why}; counted as a failed check after {failed - 1} failed before it"
                steps[-1]["reason"] = why
                steps[-1].pop("evidence", None)
            if failed >= max_failed_checks:
                return False, f"canary at {percent} %: {why}", steps
    return True, f"all {len(plan)} steps passed", steps


__all__ = ["STRATEGIES", "ChangedOutside", "RolloutState", "stable_revision", "reads_cluster_default", "deploy", "set_traffic", "promote", "rollback",
           "check_unchanged", "walk_plan"]
