"""Releasing a registered version to KServe: the steps of the rollout, one function per component.

The rollout pipeline (and the rollout seam of continuous training) runs::

    validate_serving → deploy_canary → analyze_canary ─┬─ promote_model
                                                       └─ rollback_model

and each component's body is one call to the function of the same name here, with the ``rollout``
section (:class:`ctloop.config.RolloutConfig`). :func:`canary` runs the same functions in the same
order in one process: the tests and ``ctloop rollout`` exercise exactly the code path the compiled
pipeline runs. Serving primitives (patch, wait for the traffic split) are
:mod:`ctloop.serving.rollout`; the registry writes and audit records are made here, so every
traffic change is in the audit trail whoever started it.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from ctloop.config import RolloutConfig
from ctloop.errors import (
    ConfigError,
    CtloopError,
    ModelIntegrityError,
    RegistryError,
    RegistryGone,
    RevisionNotReady,
    ServingBadInput,
    ServingError,
    one_line,
    shell_option,
)
from ctloop.registry import (
    CHAMPION,
    ROLLBACK_REFUSED,
    ROLLBACK_TRIED,
    ROLLED_BACK_STATES,
    TAG_GATE_CHAMPION,
    TAG_ROLLOUT_HELD,
    TAG_ROLLOUT_NOT_READY,
    TAG_ROLLOUT_ROLLBACK_TO,
    TAG_ROLLOUT_STATUS,
    TAG_VALUE_MAX,
    TRUNCATED,
    tag_value,
)
from ctloop.serving import rollout
from ctloop.serving.isvc import KSERVE_NAMESPACE_ENV, NotDrivable
from ctloop.serving.rollout import RolloutState
from ctloop.sigterm import sigterm_raises

FIRST_DEPLOYMENT = ("created", "unchanged")  # deploy actions with nothing to compare against
# an analysis held for too little traffic to judge (analysis.quiet_window): its record's held_for, status' word
INSUFFICIENT_EVIDENCE = "too little evidence"
# how a held canary is judged again: nothing schedules it (round 61 review H4, M4)
def held_again(model_name: str, version: str) -> str:
    """How a held canary of ``model_name`` v``version`` is judged again: nothing schedules it (round 61 review H4,
    M4); the command is the one docs/serving.md "The rollout pipeline alone" runs (its rollout.* params as the
    first run's)."""
    import shlex

    model, ver = shlex.quote(f"model_name={model_name}"), shlex.quote(f"version={version}")
    return ("nothing judges it again on its own: run the rollout pipeline for this version again (a new run of "
            f"pipeline rollout with model_name={model_name} version={version}; locally ctloop run --local --pipeline "
            f"rollout --param {model} --param {ver} with the first run's rollout.* "
            "params: its deploy resumes the canary at the plan's first step), or promote or roll it back by hand "
            "(ctloop rollout promote|rollback); rollout.max_holds holds, then the analysis rolls it back")


@dataclass
class Analysis:
    decision: str  # promote | rollback | hold (changed outside the rollout: left to whoever changed it)
    reason: str
    steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    """What :func:`canary` did: the deploy state, the analysis and the final state."""

    decision: str  # promoted | rolled_back | held
    reason: str
    deployed: RolloutState
    analysis: Analysis
    serving_version: str


def _target(cfg: RolloutConfig) -> str:
    if not cfg.inference_service or not cfg.namespace:
        raise ConfigError("rollout.inference_service and rollout.namespace are required to deploy, e.g. "
                          "rollout: {inference_service: credit-default, namespace: ctloop}")
    return cfg.inference_service


def _one_line_problem(exc: ConfigError) -> str:
    """A ConfigError as one line: several problems (``errors.problem_list``) joined by ``; ``."""
    header, prefix, lines = getattr(exc, "problems", None) or ("", "", [])
    if len(lines) > 1:
        return f"{header} {'; '.join(lines)}"
    return one_line(str(exc))


def _refuse_at_start(exc: ConfigError) -> NoReturn:
    print(f"error: {_one_line_problem(exc)}; nothing written", file=sys.stderr)
    raise SystemExit(2) from None


@contextmanager
def bad_input_exits() -> Iterator[None]:
    """Around the body of each rollout step (``deploy_canary``, ``analyze_canary``, ``promote_model``,
    ``rollback_model``): a :class:`ConfigError` (bad input: a missing ``rollout.inference_service``,
    ``failed_version`` naming no version, a ``to_version`` the registry does not have) is one
    ``error:`` line on stderr and exit status 2, as the ``ctloop`` command ends on one, not a
    traceback and exit status 1. The messages say what was written (nothing, where they are raised
    before any write)."""
    try:
        yield
    except ConfigError as exc:
        print(f"error: {_one_line_problem(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def rollout_config_or_exit(rollout: Any) -> RolloutConfig:
    """The ``rollout`` section of a rollout step (``deploy_canary``, ``analyze_canary``,
    ``promote_model``, ``rollback_model``), checked before anything is read or written: a bad field
    (``RolloutConfig.from_dict``) is one ``error:`` line on stderr, ``...; nothing written``, exit
    status 2 (as the ``ctloop`` command ends on a ConfigError), not a traceback half-way. A bad
    ``CTLOOP_KSERVE_NAMESPACE`` depends on the service: :func:`kserve_namespace_or_exit`."""
    try:
        return RolloutConfig.from_dict(rollout)
    except ConfigError as exc:
        _refuse_at_start(exc)


def kserve_namespace_or_exit(isvcs: Any | None, cfg: RolloutConfig) -> None:
    """:func:`check_kserve_namespace` at the start of a rollout step: its refusal is one ``error:``
    line on stderr and exit status 2, nothing written, as the ``ctloop`` command ends on one."""
    try:
        check_kserve_namespace(isvcs, cfg)
    except ConfigError as exc:
        print(f"error: {_one_line_problem(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def check_kserve_namespace(isvcs: Any | None, cfg: RolloutConfig) -> None:
    """A bad ``CTLOOP_KSERVE_NAMESPACE`` (``isvc.kserve_config_namespaces``) before a rollout step
    (a component's, or ``ctloop rollout``'s by hand), judged by the service it targets: the variable
    is read only for a service :func:`rollout.reads_cluster_default` says (no
    ``serving.kserve.io/deploymentMode`` annotation: the cluster's default decides). With a bad
    value the service is read once: such a service is refused (a :class:`ConfigError`, ``...;
    nothing written``) before the registry or the cluster is written — half-way, an analysis would
    decide nothing (or roll back a good canary) and a rollback would leave the failed canary its
    share; any other (annotated, not there yet, no service for this step: ``isvcs`` ``None``) is one
    ``ctloop: WARNING:`` line and the step goes on, as it would work. A good value, or
    ``rollout.kserve_namespace`` set, reads nothing."""
    from ctloop.serving.isvc import MODE_ANNOTATION, kserve_config_namespaces

    try:
        kserve_config_namespaces(cfg.kserve_namespace)
        return
    except ConfigError as exc:
        problem = exc
    if isvcs is not None and cfg.inference_service:
        try:
            obj = isvcs.get(cfg.inference_service)
        except CtloopError as exc:  # the step's own read meets it and says so; a refusal needs the service
            print(f"ctloop: WARNING: {_one_line_problem(problem)}; could not read InferenceService {cfg.namespace}/"
                  f"{cfg.inference_service} to tell whether it needs it ({one_line(str(exc))})", file=sys.stderr)
            return
        if obj is not None and rollout.reads_cluster_default(obj):
            raise ConfigError(f"{_one_line_problem(problem)}: InferenceService {cfg.namespace}/"
                              f"{cfg.inference_service} has no {MODE_ANNOTATION} annotation, so the cluster's "
                              "default is read from KServe's ConfigMap where it says; nothing written")
    print(f"ctloop: WARNING: {_one_line_problem(problem)}; ignored: read only for an InferenceService with no "
          f"{MODE_ANNOTATION} annotation", file=sys.stderr)


def _where(cfg: RolloutConfig) -> dict[str, str]:
    """The InferenceService a record is about, ``{inference_service, namespace}``: ctloop rollout
    status matches a decision on both (one MLflow serves overlays deploying the same name to two
    namespaces)."""
    return {"inference_service": cfg.inference_service or "", "namespace": cfg.namespace or ""}


def _names_another(registry: Any, isvcs: Any, name: str, model_name: str, uri: str, champion: Any) -> bool:
    """The spec names a model that is neither ``uri`` (the version deployed) nor the champion's."""
    from ctloop.storage import kserve_storage_uri

    now = isvcs.get(name)
    have = rollout._spec_version(now)[1] if now else ""
    if not have or rollout.same_storage_uri(have, uri):
        return False
    return champion is None or not rollout.same_storage_uri(
        have, kserve_storage_uri(registry.model_artifact_uri(model_name, champion.version)))


# KFP 2.17.0 gives a retried step's executor Argo's {{retries}} under this name (kubeflow/pipelines
# backend/src/v2/compiler/argocompiler/common.go retryIndexEnv, container.go): 0 at the first attempt,
# n at Argo's n-th automatic retry (argo-workflows v4.0.5 workflow/controller/operator.go
# executeTemplate: retryNum = len(childNodeIDs) of the step's Retry node). A run retried as a whole
# recreates that node without its failed attempts, so 0 again: KFP's "Retry run" (apiserver
# resource_manager.go RetryRun -> common/util/workflow.go GenerateRetryExecution drops every failed
# node but DAGs) and `argo retry` (v4.0.5 workflow/util/util.go FormulateRetryWorkflow deletes the
# failed attempts, resets their Retry node).
RETRY_INDEX_ENV = "KFP_RETRY_INDEX"


def argo_retry_index(environ: Mapping[str, str] | None = None) -> int | None:
    """Which automatic retry of its step this attempt is (:data:`RETRY_INDEX_ENV`): 0 for a first
    attempt or a run retried as a whole; None when unknown: a step compiled without a retry strategy
    (``platform.retries: 0``: KFP 2.17.0 ``argocompiler/container.go`` injects the variable only with
    one) that Argo may still retry through the controller's ``templateDefaults`` or the workflow's
    ``spec.retryStrategy``, or a value that is no count (``{{retries}}`` not substituted).

    0 does not prove a person retried the run: a controller's ``templateDefaults.retryStrategy``
    (Argo v4.0.5 ``workflow/controller/operator.go`` ~4448-4468 merges it into every template,
    ~2367-2388 gives each a Retry node) retries KFP's container-impl DAG around the step too, and
    each DAG attempt starts the step's Retry node, so ``{{retries}}``, at 0 again — an automatic
    retry that reads as a whole-run one. So a deploy held for a change made outside
    (``ctloop.rollout.held``) refuses every attempt of its run, 0 too (a new run deploys it); a
    readiness timeout's record (``ctloop.rollout.not_ready``) is cleared on 0, so such a DAG retry
    deploys once more and waits the timeout again (docs/operations.md: drop those defaults)."""
    value = str((os.environ if environ is None else environ).get(RETRY_INDEX_ENV, "")).strip()
    return int(value) if value.isdigit() else None


def deploy(registry: Any, isvcs: Any, *, model_name: str, version: str, cfg: RolloutConfig,
           run_id: str = "") -> tuple[RolloutState, str]:
    """Roll ``version`` out at the plan's first step (``deploy_canary``); returns the state and the
    storageUri written. The first deployment goes straight to 100 %. A failed deploy puts traffic
    back on the champion; a spec changed outside meanwhile (:class:`rollout.ChangedOutside`: the
    canary's share patched by hand while the step waited; met by that rollback, the service deleted
    while it waited) is held instead — re-raised, nothing (more) rolled back, as :func:`analyze`
    decides ``hold``, and every later attempt of the step in the run refuses (:data:`TAG_ROLLOUT_HELD`). A new revision not ready within
    ``rollout.timeout_seconds`` (:class:`RevisionNotReady`) and rolled back is not transient: the
    pipeline run is recorded on the version (:data:`TAG_ROLLOUT_NOT_READY`, with its rollback), and
    Argo's automatic retry of the step in that run (:func:`argo_retry_index` > 0, or unknown; KFP 2.17 retries
    it on any failure where Argo's retryPolicy allows) refuses at once, writing nothing but a rollback
    record an earlier attempt failed to write, and the alias it removes, instead of deploying it again
    to wait as long again. The run retried as a whole once the cause is fixed (KFP "Retry run",
    ``argo retry``) deploys again. A first deployment's timeout is not recorded:
    the spec keeps the model, and a retry waits on the same revision again."""
    from ctloop.storage import kserve_storage_uri

    name = _target(cfg)
    # read without a run id too (a deploy by hand, a local run): an earlier rollback's status is reset below
    tags = dict(registry.get_version(model_name, str(version)).tags or {})
    uri = kserve_storage_uri(registry.model_artifact_uri(model_name, version))
    champion = registry.champion(model_name)
    _refuse_champion_changed(registry, model_name, str(version), gate_champion(tags, run_id),
                             "" if champion is None else str(champion.version), "deploying")  # before any write
    if (run_id and tags.get("ctloop.rollout.status") == "rollback_held"
            and tags.get("ctloop.rollout.pipeline_run") == run_id
            and _names_another(registry, isvcs, name, model_name, uri, champion)):
        # this run's deploy of the version failed and its rollback was held (another model took the
        # spec): KFP's retry of the step would write this version over that model's canary. Only
        # while the spec names that model: once it left (rolled back, promoted over) the retry deploys.
        # Never without a run id (a rollback by hand records ""; was: a deploy by hand refused for good).
        # Refused before the not-ready branch, so the held rollback's record MLflow refused is written
        # here too (was: never, when the spec still named the other model)
        # A deploy held in the run (TAG_ROLLOUT_HELD: its rollback met a change made outside, the service
        # deleted while it waited, then created again with another model) has its deploy_held record to
        # write, not a rollback record (_record_missing_rollback returns ("", False) then: was never written)
        missing, wrote = (_record_missing_held(registry, model_name=model_name, version=str(version), run_id=run_id,
                                               tags=tags, cfg=cfg)
                          if tags.get(TAG_ROLLOUT_HELD) == run_id else
                          _record_missing_rollback(registry, model_name=model_name, version=str(version),
                                                   run_id=run_id, tags=tags, champion=champion, cfg=cfg))
        raise ServingError(f"deploying {model_name} v{version} to {name} refused: this run ({run_id}) deployed it "
                           "before, that deploy failed and its rollback was held (ctloop.rollout.status="
                           f"rollback_held: {tags.get('ctloop.rollout.reason', '')}){missing}; deploying it again "
                           f"would overwrite the model the spec names now; {'nothing else' if wrote else 'nothing'} "
                           "written (ctloop rollout status)")
    attempt = argo_retry_index()
    if run_id and tags.get(TAG_ROLLOUT_HELD) == run_id:
        # this run's deploy stopped on a change made outside the rollout while it waited (a hand
        # patch of canaryTrafficPercent, another run's model) and left it to whoever made it: a retry
        # of the step would write over it (was: moved the canary back to its first share). Whatever
        # the retry index says: 0 is KFP's "Retry run" or a controller's templateDefaults retrying the
        # step's DAG (its Retry node starts at 0 again), unset a step without its own retry strategy;
        # neither is told from Argo's automatic retry (was: 0 deployed again, and unset advised
        # "retry this run", refused again forever). A new run (the rollout pipeline) deploys it.
        # Before the refused-rollback branch: MlflowRegistry.set_tags writes key by key, so a 503 may
        # leave this tag written and the status still rollback_refused (was: the retry completed the
        # rollback over the change). The held tag is written before the deploy_held record: one MLflow
        # refused then is written now (was: never, every retry refused writing nothing; round 60)
        missing, wrote = _record_missing_held(registry, model_name=model_name, version=str(version), run_id=run_id,
                                              tags=tags, cfg=cfg)
        raise rollout.ChangedOutside(
            f"deploying {model_name} v{version} to {name} refused: this run ({run_id}) deployed it before and "
            f"stopped because the InferenceService was changed outside the rollout while it waited "
            f"({TAG_ROLLOUT_HELD}={run_id}){missing}; a retry of this run's step "
            f"({RETRY_INDEX_ENV}={'unset' if attempt is None else attempt}) would write over that change, and "
            f"Argo's automatic retry cannot be told from a retry by hand; {'nothing else' if wrote else 'nothing'} "
            "written (whoever changed it "
            f"decides: ctloop rollout status; to deploy it again, deploy v{version} with the rollout pipeline: "
            "a new run)")
    if (run_id and tags.get(TAG_ROLLOUT_STATUS) == ROLLBACK_REFUSED
            and tags.get("ctloop.rollout.pipeline_run") == run_id
            and champion is not None and champion.version != str(version)
            and (attempt != 0 or isvcs.get(name) is None)):
        # this run's deploy failed and its rollback met bad input (_rollback_refused): the spec may
        # still give this version its share. Argo's retry of the step completes that rollback (its
        # input fixed meanwhile, or refused again as before) instead of refusing with the share left.
        # On 0 too when the service is gone: deploying would create it again serving this version at
        # 100 % (was: it did); the completion holds it (_rollback_met_change) and every attempt refuses
        _complete_refused_rollback(registry, isvcs, model_name=model_name, version=str(version),
                                   champion=str(champion.version), cfg=cfg, uri=uri, run_id=run_id, tags=tags)
    if run_id and attempt == 0 and tags.get(TAG_ROLLOUT_NOT_READY) == run_id:
        # a run retried as a whole (KFP "Retry run", argo retry: the step's Retry node recreated, 0 again)
        # deploys again, its cause may be fixed: the record is cleared first, so that an automatic retry
        # of THIS attempt (after, say, an API server blip) is not refused for the earlier timeout
        registry.set_tags(model_name, str(version), {TAG_ROLLOUT_NOT_READY: ""})
        tags = {**tags, TAG_ROLLOUT_NOT_READY: ""}
    if run_id and attempt != 0 and tags.get(TAG_ROLLOUT_NOT_READY) == run_id:
        # this run deployed it before and its revision waited out the timeout (the step failed then,
        # traffic back on the champion): Argo's automatic retry would deploy it again and wait as
        # long again. Unknown (no KFP_RETRY_INDEX: a step without its own retry strategy retried by the
        # controller's defaults) is refused as a retry
        before = (f"; {TAG_ROLLOUT_STATUS}={tags[TAG_ROLLOUT_STATUS]}: {tags.get('ctloop.rollout.reason', '')}"
                  if tags.get(TAG_ROLLOUT_STATUS) in ROLLED_BACK_STATES
                  and tags.get("ctloop.rollout.pipeline_run") == run_id else "")
        wrote = False
        if before:
            # its rollback's tags are written before its audit record: a record MLflow refused then
            # ("traffic is back on v1, but recording it failed") is written now (was: never, the
            # retries refused here writing nothing)
            missing, wrote = _record_missing_rollback(registry, model_name=model_name, version=str(version),
                                                      run_id=run_id, tags=tags, champion=champion, cfg=cfg)
            before += missing
        raise ServingError(f"deploying {model_name} v{version} to {name} refused: this run ({run_id}) deployed it "
                           f"before and its new revision was not ready within rollout.timeout_seconds "
                           f"({cfg.timeout_seconds:g} s) ({TAG_ROLLOUT_NOT_READY}={run_id}{before}); a readiness "
                           "timeout is not transient and deploying it again would wait as long again, so Argo's "
                           f"automatic retry of the step ({RETRY_INDEX_ENV}={'unset' if attempt is None else attempt}) "
                           f"does not; {'nothing else' if wrote else 'nothing'} written: "
                           "find why the revision does not become ready (ctloop rollout status; kubectl describe "
                           "revision), fix it, then "
                           + (f"retry this run (KFP \"Retry run\", or argo retry: the step deploys v{version} again) "
                              f"or deploy v{version} with the rollout pipeline" if attempt is not None else
                              # no retry index (platform.retries 0): a retry by hand cannot be told from Argo's
                              f"deploy v{version} with the rollout pipeline (a step without its own retry strategy, "
                              "platform.retries 0, cannot tell a retry by hand from Argo's)"))
    try:
        state = rollout.deploy(isvcs, name=name, model_name=model_name, version=version, storage_uri=uri,
                               percent=int(cfg.traffic_plan[0]), strategy=cfg.strategy,
                               timeout_s=cfg.timeout_seconds,
                               model_sha256=registry.serving_sha256(model_name, version))
    except rollout.ChangedOutside as exc:
        # someone else (a kubectl patch of canaryTrafficPercent, another run's model) changed the
        # spec while this step waited: a rollback would undo their change. Held, as analyze holds:
        # neither rolled back nor analysed (the step fails, so nothing after it runs). Recorded for
        # Argo's automatic retry of the step in this run to refuse: it would write over that change
        line = (f"deploying {model_name} v{version} to {name} stopped: {exc}; left as it is, neither rolled back "
                "nor promoted (whoever changed it decides: ctloop rollout status)")
        raise rollout.ChangedOutside(_deploy_held(registry, model_name=model_name, version=str(version),
                                                  run_id=run_id, cfg=cfg, line=line)) from exc
    except NotDrivable as exc:
        # refused by rollout.deploy's first read, before any write: nothing to roll back (was: a traceback, exit 1,
        # and for a Standard service naming this version "rolling back to v1 failed too")
        raise not_drivable(exc, cfg, serving=True) from exc
    except ServingError as exc:
        # the new model may already be in the spec with canary traffic: never leave it there
        now = isvcs.get(name)
        names_new = now is not None and rollout.same_storage_uri(rollout._spec_version(now)[1], uri)
        if champion is None or champion.version == str(version) or not names_new:
            # the spec does not name the new model (nothing written, or changed since): nothing to
            # undo. Nor on a first deployment: the spec keeps the new model, and a retry of the step
            # waits on the same revision again (rollout.deploy, "already in the spec"): not recorded
            raise
        # the new model's revision was created and never became ready (not Knative's gradual rollout
        # still moving traffic, not a spec KServe had not reconciled yet, not an unreachable API
        # server): recorded with the rollback, for Argo's automatic retry of the step in this run to
        # refuse instead of starting a new revision that waits as long again
        not_ready = {TAG_ROLLOUT_NOT_READY: run_id} if run_id and isinstance(exc, RevisionNotReady) else {}
        failed = f"deploying {model_name} v{version} to {name} failed ({exc})"
        reason = f"deploy failed: {exc}"
        try:
            target, state = _rollback_traffic(registry, isvcs, model_name=model_name, cfg=cfg,
                                              failed_version=str(version))
        except rollout.ChangedOutside as again:
            # the rollback met a change made outside the rollout (the service deleted while it waited,
            # 404; a hand patch of canaryTrafficPercent): held as a deploy that meets one while it waits
            # (was: "rolling back failed too", nothing recorded, and Argo's retry of the step in this run,
            # whatever its index, deployed the failed model over that change: a deleted service created
            # again serving it at 100 %). Every later attempt of the run refuses (TAG_ROLLOUT_HELD)
            # Tagged rollback_held, alias challenger off: the version failed all the same (round 59 review)
            line = (f"{failed}; its rollback to v{champion.version} stopped: {again}; left as it is, neither "
                    "rolled back further nor deployed again (whoever changed it decides: ctloop rollout status)")
            raise rollout.ChangedOutside(_rollback_met_change(
                registry, model_name=model_name, version=str(version), run_id=run_id, cfg=cfg, line=line,
                reason=reason, before=tags.get(TAG_ROLLOUT_STATUS), tags=not_ready)) from again
        except ConfigError as again:
            # bad input met only by the rollback (CTLOOP_KSERVE_NAMESPACE read for a service whose
            # mode annotation went away while the deploy waited): a refusal, one line and exit 2
            # (bad_input_exits) that still says the deploy failed — not a ServingError traceback.
            # The failure is recorded as the other failure paths record it (the not-ready tag, an
            # audit event): those writes do not depend on the bad variable
            raise ServingBadInput(_rollback_refused(registry, isvcs, model_name=model_name, version=str(version),
                                                    champion=str(champion.version), failed=failed, reason=reason,
                                                    run_id=run_id, cfg=cfg, uri=uri, tags=not_ready,
                                                    refusal=again)) from again
        except CtloopError as again:
            # the rollback's error alone never said the deploy had failed, nor why
            raise ServingError(f"{failed}; rolling back to v{champion.version} failed too ({again}); "
                               f"{_traffic_now(isvcs, name)}") from again
        try:
            dropped = _record_rollback(registry, model_name=model_name, failed_version=str(version), target=target,
                                       reason=reason, run_id=run_id, state=state, where=_where(cfg),
                                       tags=not_ready)
        except CtloopError as bookkeeping:
            raise ServingError(f"{failed}; traffic is back on v{target}, but recording it failed "
                               f"({bookkeeping})") from bookkeeping
        # the rollback is recorded (its record says what became of the alias): an alias error is not
        # "recording it failed"
        alias = f"; alias challenger: {dropped}" if dropped is not None else ""
        if state.action == "held":
            raise ServingError(f"{failed}; {_held(model_name, str(version), target, cfg, state)}{alias}") from exc
        raise ServingError(f"{failed}; traffic is back on v{target}{alias}") from exc
    if tags.get(TAG_ROLLOUT_STATUS) in ROLLBACK_TRIED:
        # deployed again by a new run or by hand (its own held rollback's retry is refused above): the
        # tag of the rollback before no longer says what became of it, and a register would never
        # point challenger at it again (MlflowRegistry._point_challenger)
        registry.set_tags(model_name, version, {TAG_ROLLOUT_STATUS: "deployed", "ctloop.rollout.pipeline_run": run_id,
                                                "ctloop.rollout.reason": f"deployed again (was {tags[TAG_ROLLOUT_STATUS]})"})
    if tags.get(TAG_ROLLOUT_HELD):
        # another run's deploy held (its own run refuses above): this deploy wrote the spec after the
        # change made outside, so the marker no longer says anything (was: left, stale)
        registry.set_tags(model_name, version, {TAG_ROLLOUT_HELD: ""})
    # the annotations and labels it left reaching the revision template: the analysis' baseline
    registry.record_event(model_name, version, {"event": "deploy", "strategy": cfg.strategy, "storage_uri": uri,
                                                "pipeline_run": run_id, **state.to_dict(), **_where(cfg),
                                                **({"revision_metadata": _storable(state.metadata)} if state.metadata else {})})
    return state, uri




def _record_missing_rollback(registry: Any, *, model_name: str, version: str, run_id: str, tags: Mapping[str, str],
                             champion: Any, cfg: RolloutConfig) -> tuple[str, bool]:
    """For a retry refused because this run's deploy of ``version`` failed and was rolled back (its tags
    say so: ``rolled_back``/``rollback_held`` for ``run_id``): that rollback's ``rollback`` audit record
    written when the run has none of the version for the same action and reason (:func:`_rollback_recorded`:
    a refused rollback's record, one held, or one for an earlier deploy's reason is another rollback's;
    :func:`_record_rollback` tags the version first, and MLflow may refuse the record after), from the
    tags — the reason, held or not — with alias ``challenger`` taken off the version again
    (``challenger_alias``); never for a deploy held in the run (:data:`TAG_ROLLOUT_HELD`: its rollback
    met a change made outside, its record is the ``deploy_held`` one). The target (``to_version``) is
    the one the rollback put traffic back on, :data:`TAG_ROLLOUT_ROLLBACK_TO` (written with its status;
    was: the champion now, and a promotion between the attempts of a rollout pipeline's run was named
    instead); the champion now for tags written before that tag was. Returns what to add to the
    refusal's line ("" when the record is there, or a registry that cannot say) and whether anything was written
    (the record, or the alias taken off: it goes first)."""
    if (not callable(getattr(registry, "run_events", None)) or champion is None
            or tags.get(TAG_ROLLOUT_HELD) == run_id):  # held (_rollback_met_change): its record is deploy_held
        return "", False
    held = tags.get(TAG_ROLLOUT_STATUS) == "rollback_held"
    reason = tags.get("ctloop.rollout.reason", "")
    alias, removed = "", False
    action = "held" if held else "rolled_back"
    try:
        if _rollback_recorded(registry, model_name, version, run_id, action=action, reason=reason):
            # as _record_missing_held: a record whose alias removal failed has it taken off again
            return _alias_again(registry, model_name, version, [
                r for r in registry.run_events(model_name, run_id)
                if r.get("event") == "rollback" and str(r.get("version", "")) == version
                and (r.get("action") == action if held else r.get("action") not in ("refused", "held",
                                                                                    SERVICE_GONE_ACTION))])
        alias, removed = _drop_alias(registry, model_name, version, True)
        registry.record_event(model_name, version, {
            "event": "rollback", "reason": reason,
            "to_version": tags.get(TAG_ROLLOUT_ROLLBACK_TO) or str(champion.version),
            "pipeline_run": run_id, "challenger_alias": alias, "action": action,
            "recorded_by": "a retry of the step: the attempt that rolled back failed to write this record",
            **_where(cfg)})
    except CtloopError as exc:
        # MlflowRegistry.record_event raises after create_run when tagging ctloop.last_event fails: the record
        # is looked for again before saying it is missing (was: "could not be written ... nothing written")
        try:
            recorded = _rollback_recorded(registry, model_name, version, run_id, action=action, reason=reason)
        except CtloopError:
            recorded = False
        if recorded:
            return (f"; the rollback's audit record, which that attempt failed to write, written now, but "
                    f"{one_line(str(exc))}" + (f"; alias challenger: {alias}" if alias else ""), True)
        # the alias goes before the record: removed, it was written all the same (was: "nothing written")
        return (f"; the rollback's audit record, which that attempt failed to write, could not be written "
                f"({one_line(str(exc))})" + (f"; alias challenger: {alias}" if alias else ""), removed)
    return "; the rollback's audit record, which that attempt failed to write, written now", True


def _record_missing_held(registry: Any, *, model_name: str, version: str, run_id: str, tags: Mapping[str, str],
                         cfg: RolloutConfig) -> tuple[str, bool]:
    """For a retry refused because this run's deploy of ``version`` was held (:data:`TAG_ROLLOUT_HELD`):
    the ``deploy_held`` audit record written when the run has none of the version (:func:`_deploy_held`
    tags the version first, and MLflow may refuse the record after: ``last_decision`` then showed the
    decision before it for good). The earlier attempt's line is not kept anywhere, so the record says
    what the tags do: held by a change made outside in that attempt, and — a failed deploy whose rollback
    met the change (:func:`_rollback_met_change`: ``rollback_held`` for the run) — its reason, alias
    ``challenger`` taken off the version again (``challenger_alias``). One held deploy per version and run
    (every later attempt refuses): matched by the event, the version and the run. Returns what to add to
    the refusal's line and whether anything was written; a registry that cannot say: ("", False)."""
    events = getattr(registry, "run_events", None)
    if not callable(events):
        return "", False
    what = "the held deploy's audit record, which that attempt failed to write"

    def held_records() -> list[Mapping[str, Any]]:
        return [r for r in events(model_name, run_id)
                if r.get("event") == "deploy_held" and str(r.get("version", "")) == version]

    def recorded() -> bool:
        return bool(held_records())

    alias, removed = "", False
    try:
        found = held_records()
        if found:
            # the record written with the alias MLflow refused to remove ("error: ..."): taken off again (was:
            # the record found, the alias never retried)
            return _alias_again(registry, model_name, version, found)
        failed = (tags.get(TAG_ROLLOUT_STATUS) == "rollback_held"
                  and tags.get("ctloop.rollout.pipeline_run") == run_id)
        if failed:
            alias, removed = _drop_alias(registry, model_name, version, True)
        rolled = f"; its rollback held: {tags.get('ctloop.rollout.reason', '')}" if failed else ""
        registry.record_event(model_name, version, {
            "event": "deploy_held", "pipeline_run": run_id,
            "reason": (f"deploying {model_name} v{version} to {cfg.inference_service} stopped in an earlier attempt "
                       f"of this run ({run_id}): the InferenceService was changed outside the rollout while it "
                       f"waited{rolled}; left as it is (whoever changed it decides: ctloop rollout status)"),
            "recorded_by": "a retry of the step: the attempt that held it failed to write this record",
            **({"challenger_alias": alias} if failed else {}), **_where(cfg)})
    except CtloopError as exc:
        # as _record_missing_rollback: MlflowRegistry.record_event raises after create_run when tagging
        # ctloop.last_event fails, so the record is looked for again (was: "could not be written", which was)
        try:
            written = recorded()
        except CtloopError:
            written = False
        said = f"; alias challenger: {alias}" if alias else ""
        if written:
            return f"; {what}, written now, but {one_line(str(exc))}{said}", True
        # the alias goes before the record: removed, something was written all the same
        return f"; {what}, could not be written ({one_line(str(exc))}){said}", removed
    return f"; {what}, written now" + (f"; alias challenger: {alias}" if alias.startswith("error: ") else ""), True


def _alias_again(registry: Any, model_name: str, version: str, records: list[Mapping[str, Any]]) -> tuple[str, bool]:
    """For a retry finding its run's record of ``version`` written: alias ``challenger`` taken off the version
    again when a record says its removal failed (``challenger_alias`` "error: ..."; :func:`_drop_alias`), as
    the record-writing functions return it (what to add to the line, whether anything was written); else
    ("", False)."""
    if not any(str(r.get("challenger_alias", "")).startswith("error:") for r in records):
        return "", False
    alias, removed = _drop_alias(registry, model_name, version, True)  # an error: its text, as the record's
    return f"; alias challenger, which that attempt failed to take off: {one_line(alias)}", removed


def _drop_alias(registry: Any, model_name: str, version: str, before: bool,
                errors: list[RegistryError] | None = None) -> tuple[str, bool]:
    """Alias ``challenger`` taken off ``version`` (``MlflowRegistry.drop_challenger``, ``before``: its
    ``rolled_back_before``): what happened, as the audit records' ``challenger_alias`` says it ("error: ..."
    when it failed, the error appended to ``errors``), and whether the alias was removed — also when
    pointing it at a newer version failed after ("alias 'challenger' removed from v2, but ...")."""
    try:
        text = registry.drop_challenger(model_name, version, rolled_back_before=before)
    except RegistryError as exc:
        if errors is not None:
            errors.append(exc)
        return f"error: {exc}", "removed from" in str(exc)
    return str(text), str(text).startswith("removed")


def _rollback_recorded(registry: Any, model_name: str, version: str, run_id: str, *, action: str,
                       reason: str) -> bool:
    """Whether pipeline run ``run_id`` has a ``rollback`` audit record of ``version`` for ``reason`` (as a
    tag keeps it: :func:`ctloop.registry.tag_value`, cut at the tag limit) with ``action``: ``refused``
    (:func:`_rollback_refused`'s), ``held`` (a rollback held: the spec named another model), or
    ``rolled_back`` for a completed one (any action but those two: ``rolled_back``, the rollout state's
    own). Read as ``registry.run_events`` reads records back; a registry that cannot say: False (a
    refusal's record written again, at worst twice, never lost)."""
    events = getattr(registry, "run_events", None)
    if not callable(events):
        return False

    def same(recorded: Any) -> bool:
        # service_gone: a rollback not applied (_not_applied), no completed one
        return (recorded == action if action in ("refused", "held", SERVICE_GONE_ACTION)
                else recorded not in ("refused", "held", SERVICE_GONE_ACTION))

    return any(record.get("event") == "rollback" and same(record.get("action"))
               and str(record.get("version", "")) == str(version)
               and tag_value(record.get("reason")) == tag_value(reason)
               for record in events(model_name, run_id))


def _deploy_held(registry: Any, *, model_name: str, version: str, run_id: str, cfg: RolloutConfig,
                 line: str, failed: Mapping[str, str] | None = None, rolled_back_before: bool = False) -> str:
    """``line`` (a deploy stopped by a change made outside the rollout, left to whoever made it) once
    recorded: the version tagged :data:`TAG_ROLLOUT_HELD` with the pipeline run, for every later attempt
    of the step in that run to refuse (it would write over the change), and a ``deploy_held`` audit
    record (``last_decision``: "deploy held"); what failed of the two is added to the line. A failed
    deploy whose rollback met the change (:func:`_rollback_met_change`: ``failed``, the tags of its held
    rollback) is also tagged with them and loses alias ``challenger`` (the record's ``challenger_alias``),
    as :func:`_record_rollback` does for a held rollback: the version failed all the same — only once
    those tags are written (the status keeps a register from pointing the alias back)."""
    held = ""
    tagged = True
    written = {**({TAG_ROLLOUT_HELD: run_id} if run_id else {}), **(failed or {})}
    if written:
        try:
            registry.set_tags(model_name, version, written)
        except CtloopError as untagged:  # only then may a retry of the step write over the change
            tagged = False
            held = f"; tagging it failed ({one_line(str(untagged))})" + (
                ": a retry of this step may write over that change" if run_id else "")
    alias: dict[str, str] = {}
    if failed is not None and not tagged:
        # the status tag keeps a concurrent register from pointing challenger back (_never_challenger reads
        # it): without it the alias stays, as the other rollbacks remove it only once tagged (was: removed)
        alias = {"challenger_alias": "not removed: tagging failed"}
        held += "; alias challenger: not removed: tagging failed"
    elif failed is not None:
        text, _ = _drop_alias(registry, model_name, version, rolled_back_before)
        alias = {"challenger_alias": text}
        if text.startswith("error: "):
            held += f"; alias challenger: {one_line(text)}"
    try:
        # a decision (last_decision: "deploy held"), so ctloop rollout status shows it (was: none
        # written, status showed the decision before it). A try of its own: with the held tag written
        # an audit failure is no reason to warn that a retry may write over the change (was: it did)
        registry.record_event(model_name, version, {"event": "deploy_held", "reason": line,
                                                    "pipeline_run": run_id, **alias, **_where(cfg)})
    except CtloopError as unrecorded:
        held += f"; recording it in the audit trail failed ({one_line(str(unrecorded))})"
    return f"{line}{held}"


def _rollback_met_change(registry: Any, *, model_name: str, version: str, run_id: str, cfg: RolloutConfig,
                         line: str, reason: str, before: str | None, tags: Mapping[str, str]) -> str:
    """A failed deploy's rollback (its own, or the one Argo's retry of the step completes after a
    refusal) that met a change made outside the rollout (:class:`rollout.ChangedOutside`: the service
    deleted while it waited, a hand patch of ``canaryTrafficPercent``): held as a deploy that meets
    one while it waits (:func:`_deploy_held`), and tagged as a held rollback — ``rollback_held`` with
    ``reason`` and the run (``tags`` too: the not-ready tag), alias ``challenger`` taken off the version
    (was: left on the version whose deploy failed, its status silent). ``before``: the version's
    status before this rollback (whether an earlier attempt took the alias off)."""
    return _deploy_held(registry, model_name=model_name, version=version, run_id=run_id, cfg=cfg, line=line,
                        failed={**tags, TAG_ROLLOUT_STATUS: "rollback_held", "ctloop.rollout.reason": reason,
                                "ctloop.rollout.pipeline_run": run_id},
                        rolled_back_before=before in ROLLBACK_TRIED)


def _complete_refused_rollback(registry: Any, isvcs: Any, *, model_name: str, version: str, champion: str,
                               cfg: RolloutConfig, uri: str, run_id: str, tags: dict[str, str]) -> NoReturn:
    """Argo's retry of a deploy step whose rollback was refused (:data:`ROLLBACK_REFUSED`): the rollback
    done now (recorded as any failed deploy's, the not-ready tag kept), the step failing still — the
    deploy failed — with where the traffic is; bad input again is refused again (one line, exit 2)."""
    reason = tags.get("ctloop.rollout.reason") or "deploy failed"
    failed = (f"deploying {model_name} v{version} to {cfg.inference_service} failed in an earlier attempt of this "
              f"run ({run_id}: {reason})")
    not_ready = {TAG_ROLLOUT_NOT_READY: run_id} if tags.get(TAG_ROLLOUT_NOT_READY) == run_id else {}
    gone = f"InferenceService {cfg.namespace}/{cfg.inference_service} does not exist (deleted since that attempt)"
    try:
        if isvcs.get(cfg.inference_service) is None:
            # deleted between the refused attempt and this retry: as deleted while the rollback waits
            # (was: the bare "does not exist" on every retry, nothing recorded, and retry 0 created it again)
            raise rollout.ChangedOutside(gone)
        try:
            target, state = _rollback_traffic(registry, isvcs, model_name=model_name, cfg=cfg,
                                              failed_version=version)
        except ServingError as exc:
            if isinstance(exc, rollout.ChangedOutside) or isvcs.get(cfg.inference_service) is not None:
                raise
            raise rollout.ChangedOutside(f"{gone}: {exc}") from exc
    except rollout.ChangedOutside as again:
        # the service deleted, or canaryTrafficPercent patched by hand, before or while this rollback waited:
        # held as the deploy's own rollback is (was: the bare "was deleted while waiting", nothing recorded,
        # the status left rollback_refused, and the next retry failed on "does not exist")
        line = (f"{failed}; its rollback to v{champion} was refused then, and this retry's rollback stopped: "
                f"{again}; left as it is, neither rolled back further nor deployed again (whoever changed it "
                "decides: ctloop rollout status)")
        raise rollout.ChangedOutside(_rollback_met_change(
            registry, model_name=model_name, version=version, run_id=run_id, cfg=cfg, line=line, reason=reason,
            before=tags.get(TAG_ROLLOUT_STATUS), tags=not_ready)) from again
    except ConfigError as again:
        raise ServingBadInput(_rollback_refused(registry, isvcs, model_name=model_name, version=version,
                                                champion=champion, failed=failed, reason=reason, run_id=run_id,
                                                cfg=cfg, uri=uri, tags=not_ready, refusal=again)) from again
    try:
        dropped = _record_rollback(registry, model_name=model_name, failed_version=version, target=target,
                                   reason=reason, run_id=run_id, state=state, where=_where(cfg), tags=not_ready)
    except CtloopError as bookkeeping:
        raise ServingError(f"{failed}; this retry rolled it back to v{target}, but recording it failed "
                           f"({bookkeeping})") from bookkeeping
    alias = f"; alias challenger: {dropped}" if dropped is not None else ""
    if state.action == "held":
        raise ServingError(f"{failed}; its rollback was refused then; {_held(model_name, version, target, cfg, state)}"
                           f"{alias}")
    raise ServingError(f"{failed}; its rollback to v{champion} was refused then and this retry of the step "
                       f"completed it: traffic is back on v{target}{alias}")


def _rollback_refused(registry: Any, isvcs: Any, *, model_name: str, version: str, champion: str, failed: str,
                      reason: str, run_id: str, cfg: RolloutConfig, uri: str, tags: dict[str, str],
                      refusal: ConfigError) -> str:
    """The line of a failed deploy whose rollback met bad input, once recorded: the version tagged
    :data:`ROLLBACK_REFUSED` with or without a run id (``tags``: :data:`TAG_ROLLOUT_NOT_READY` for Argo's
    retry of the step to refuse), alias ``challenger`` taken off it (the deploy failed, as a held
    rollback's) and a ``rollback`` event with ``action: refused`` and ``challenger_alias``
    (``last_decision``: "rollback refused"). The spec still gives the
    failed model its share, which its revision takes if it becomes ready later (:func:`_spec_share`,
    read now): said, with the complete command to roll back once the input is fixed. A
    :class:`ServingBadInput` (the pin-out of :func:`_pin_out_then_raise`: the champion's model cannot
    be located) says all of that itself and is passed through."""
    from ctloop.errors import shell_option

    problem = one_line(str(refusal)) if isinstance(refusal, ServingBadInput) else _one_line_problem(refusal)
    try:
        # read before this refusal tags it: whether an earlier attempt removed the alias (_record_rollback)
        had = registry.get_version(model_name, version).tags or {}
        before = had.get(TAG_ROLLOUT_STATUS)
        tagged = bool(run_id and before == ROLLBACK_REFUSED and had.get("ctloop.rollout.pipeline_run") == run_id
                      and tag_value(had.get("ctloop.rollout.reason")) == tag_value(reason)
                      and all(had.get(key) == value for key, value in tags.items()))
        if tagged and _rollback_recorded(registry, model_name, version, run_id, action="refused", reason=reason):
            # an earlier attempt of this task refused it and recorded that (exit 2 does not stop Argo's
            # retries: rollback_model's maxRetryCount 2): the tags, the alias and the audit record are
            # there (was: each attempt wrote them again, one audit record per attempt). The record is
            # looked for itself: the tags are written before it, and a record MLflow refused the first
            # time was never written when the tags alone said "recorded" (round 59)
            recorded = f"recorded by an earlier attempt of this run ({run_id}; audit: rollback refused)"
        else:
            # with or without a run id (was: only with one, and a deploy by hand or a local run left the version
            # eligible for challenger, its status silent): Argo's retry of the step completes the rollback with one
            # (_complete_refused_rollback), a rollback by hand (ctloop rollout rollback) without
            # an earlier attempt's tags (tagged), its record missing: only the record (and the alias) again.
            # The deploy failed all the same, as a held rollback's: the alias goes (was: left on it, and a
            # reader of the alias, ctloop score --alias challenger or a shadow deployment, got the model whose
            # deploy failed)
            alias = _mark_failed(registry, model_name=model_name, failed_version=version, target=champion,
                                 reason=reason, run_id=run_id, status=ROLLBACK_REFUSED, before=before, tag=not tagged,
                                 tags=tags, tags_first=True,
                                 record={"action": "refused", "reason": reason, "to_version": champion,
                                         "refused": problem, "pipeline_run": run_id, **_where(cfg)})
            recorded = ("recorded (audit: rollback refused" + (f", {TAG_ROLLOUT_NOT_READY}={run_id})" if tags else ")")
                        + (f"; alias challenger: {alias}" if alias.startswith("error: ") else ""))
    except CtloopError as bookkeeping:
        recorded = f"recording it failed ({one_line(str(bookkeeping))})"
    if isinstance(refusal, ServingBadInput):
        return f"{failed}; its rollback to v{champion} was refused: {problem}; {recorded}"
    command = " ".join(["ctloop rollout rollback", shell_option("--model-name", model_name),
                        shell_option("--failed-version", version), shell_option("--isvc", cfg.inference_service),
                        shell_option("--namespace", cfg.namespace)])
    return (f"{failed}; its rollback to v{champion} was refused: {problem}; {recorded}; "
            f"{_spec_share(isvcs, cfg.inference_service, uri, version)}: fix that, then roll back ({command})")


def _spec_share(isvcs: Any, name: str, failed_uri: str, failed_version: str) -> str:
    """Where the traffic is (:func:`_traffic_now`) and, read at the same time, the share the spec
    still gives the failed model's canary: ``canaryTrafficPercent`` goes to the latest revision once
    it is ready (KServe v0.20.0 ``reconcilers/knative/ksvc_reconciler.go``), so the traffic seen now
    is not where it stays."""
    from ctloop.serving.kube import traffic_split

    try:
        obj = isvcs.get(name)
        split = traffic_split(obj)
    except CtloopError as exc:
        return f"where the traffic is was not read ({exc}): ctloop rollout status"
    shown = ", ".join(f"{revision} ({percent} %)" for revision, percent in split.items()) or "no revision"
    predictor = ((obj or {}).get("spec") or {}).get("predictor") or {}
    mode = ((obj or {}).get("status") or {}).get("deploymentMode")
    names_failed = obj is not None and rollout.same_storage_uri(_any_form_uri(predictor), failed_uri)
    if obj is not None and not split and mode not in (None, "", "Knative", "Serverless"):
        # a Standard (or ModelMesh) service reports no traffic[] (PropagateRawStatus) and ignores canaryTrafficPercent
        serves = (f"the failed v{failed_version}'s model, which its spec names, serves all of it" if names_failed else
                  f"its spec names another model than the failed v{failed_version}'s")
        return f"KServe reports no traffic split in {mode} mode, where it ignores canaryTrafficPercent: {serves} " \
               "(ctloop rollout status)"
    if not names_failed:
        return f"traffic is on {shown} (ctloop rollout status)"
    if _any_form_uri(predictor) != rollout._spec_version(obj)[1]:  # another form: ctloop cannot pin it out
        return (f"traffic is on {shown}; the spec names the failed v{failed_version}'s model in a form ctloop cannot "
                "write, with canaryTrafficPercent " f"{predictor.get('canaryTrafficPercent', '-')} (ctloop rollout status)")
    share = predictor.get("canaryTrafficPercent")
    share = 100 if share is None else share
    return (f"traffic is on {shown} now, but the spec still gives v{failed_version} {share} % "
            "(its revision takes that share if it becomes ready; ctloop rollout status)")


def _any_form_uri(predictor: Mapping[str, Any]) -> str:
    """The storageUri a predictor serves, whatever its form: ``model:``'s, else a framework spec's
    (``sklearn:`` ..., KServe v0.20.0 ``PredictorExtensionSpec.StorageURI``); ``""`` for none."""
    for value in [predictor.get("model"), *(v for k, v in predictor.items() if k != "model")]:
        if isinstance(value, dict) and isinstance(value.get("storageUri"), str) and value["storageUri"]:
            return value["storageUri"]
    return ""


def _traffic_now(isvcs: Any, name: str) -> str:
    """Where the traffic is, for a message: ``traffic is on <revision> (N %), ...``."""
    from ctloop.serving.kube import traffic_split

    try:
        split = traffic_split(isvcs.get(name))
    except CtloopError as exc:
        return f"where the traffic is was not read ({exc}): ctloop rollout status"
    shown = ", ".join(f"{revision} ({percent} %)" for revision, percent in split.items()) or "no revision"
    return f"traffic is on {shown} (ctloop rollout status)"


def live_check(registry: Any, cfg: RolloutConfig, *, model_name: str, version: str, canary_revision: str,
               stable_revision: str, prometheus_url: str = "") -> Callable[[int], tuple[bool, str, dict]]:
    """The ``check(percent)`` of each canary step: Prometheus rules for both revisions, then — with
    ``inference_log_root`` — the model-quality check on the traffic logged since the canary started
    (blue-green: since as long before the analysis as it lasts, for the stable model's rows),
    joined with ``labels_root``'s labels through the store's index (:class:`ctloop.labels.join.StoreIndex`: built at
    the first step, again only when label files were added or changed)."""
    from datetime import timedelta

    from ctloop.labels.join import StoreIndex
    from ctloop.serving import analysis
    from ctloop.serving.metric_sources import configured_url
    from ctloop.timeutil import utc_now

    prom = analysis.Prometheus(configured_url(cfg.prometheus_url or prometheus_url, "PROMETHEUS_URL"))
    check = analysis.make_check(prom, canary_revision=lambda: canary_revision, stable_revision=lambda: stable_revision,
                                namespace=cfg.namespace, rules=cfg.rules, interval_s=cfg.interval_seconds,
                                strategy=cfg.strategy)
    if not cfg.inference_log_root:
        return check
    started = utc_now()
    if cfg.strategy == "blue-green":
        # the stable model has no traffic left after the switch: its rows are those of the time the
        # analysis lasts, just before it (logged before the switch)
        started -= timedelta(seconds=cfg.interval_seconds * len(cfg.traffic_plan))
    champion = registry.champion(model_name)
    stable_version = champion.version if champion is not None and champion.version != str(version) else ""
    classes = _classes(registry, model_name, version)
    store = StoreIndex(cfg.labels_root) if cfg.labels_root else None  # built again only when the store changed

    def with_quality(percent: int) -> tuple[bool, str, dict]:
        from ctloop.inference_log.reader import read_log

        passed, why, measured = check(percent)
        if not passed:
            return passed, why, measured
        logs = read_log(cfg.inference_log_root, cfg.inference_service, started, utc_now())
        labels = store.get() if store is not None else None  # hashes and labels, never the keys' text
        ok, qwhy, qmeasured = analysis.quality_check(
            logs, labels, canary_revision=canary_revision, stable_revision=stable_revision,
            canary_version=str(version), stable_version=stable_version, rules=cfg.quality_rules, classes=classes,
            percent=percent)
        return ok, f"{why}; quality: {qwhy}", {**measured, **qmeasured}

    return with_quality


def _classes(registry: Any, model_name: str, version: str) -> list | None:
    """The model's classes (they match labels to scores); None for a regressor or unreadable metadata."""
    try:
        meta = registry.load_meta(model_name, str(version)) if version else {}
    except CtloopError as exc:
        print(f"ctloop: WARNING: model metadata of {model_name} v{version} not read ({exc}): quality check "
              "without the model's classes")
        return None
    if meta.get("task", "classification") != "classification":
        return None
    return list(meta.get("classes") or []) or None


def analyze(registry: Any, isvcs: Any, *, model_name: str, version: str, cfg: RolloutConfig, deploy_action: str,
            canary_revision: str, stable_revision: str, run_id: str = "",
            check: Callable[[int], tuple[bool, str, dict]] | None = None) -> Analysis:
    """Walk the canary through the traffic plan, judging each step (``analyze_canary``); a
    blue-green release is judged at the 100 % it already has, once per step of the plan. A first
    deployment (or an unchanged one) has nothing to compare with and is promoted — except, while
    the registry's champion is another version, a ``created`` one, or an ``unchanged`` one with no
    ``stable_revision`` (the same release run again): unjudged, it is held. A serving error during the walk,
    or a setting the analysis cannot work with (no Prometheus URL), is a failed analysis: the caller rolls back. A spec changed outside the rollout meanwhile (traffic
    or model) decides ``hold``: the caller neither promotes nor rolls back."""
    def audit(event: dict[str, Any]) -> None:
        # the InferenceService judged: ctloop rollout status shows a model's last decision per service
        registry.record_event(model_name, version, {**event, "pipeline_run": run_id, **_where(cfg)})

    if deploy_action in FIRST_DEPLOYMENT:
        # "unchanged" with no previous revision: the same version run again after a "created" (a
        # retried step, the next run of the same version) — held then, it is held again; beside a
        # previous revision (its promote patch landed, the registry write did not) it is promoted
        alone = deploy_action == "created" or not stable_revision
        champion = registry.champion(model_name) if alone else None
        if champion is not None and str(champion.version) != str(version):
            # deployed at 100 % with no revision of the champion to compare with (none was ever
            # ready): unjudged, it must not become champion on its own
            reason = (f"{deploy_action}: v{version} went out as a first deployment (no revision of champion "
                      f"v{champion.version} was ready to compare with), so nothing was analysed; the registry "
                      f"champion stays v{champion.version}: check v{version} and promote it by hand (ctloop "
                      "rollout promote) or roll back (ctloop rollout rollback); neither is done here")
            audit({"event": "analysis", "decision": "hold", "reason": reason})
            return Analysis("hold", reason)
        return Analysis("promote", f"{deploy_action}: no stable model to compare with, nothing to analyse")
    name = _target(cfg)

    from ctloop.storage import kserve_storage_uri

    # blue-green switched all traffic at deploy: judged at 100 % as many times as the plan has
    # steps (max_failed_checks counts the same), never pulled back to a step's share
    plan = _plan(cfg)
    uri = kserve_storage_uri(registry.model_artifact_uri(model_name, version))
    # where the walk is, for the line of a stop (SIGTERM): the share the spec last confirmed,
    # whether a check is running, whether the next move's patch went out, the checks judged and
    # the decision once reached
    at: dict[str, Any] = {"percent": plan[0], "checking": False, "sent": False, "decided": ""}
    judged: list[tuple[int, bool]] = []
    seen: dict[str, Any] = {}  # walk_plan's last metadata.generation read (judged)

    def step_event(event: dict[str, Any]) -> None:
        if event.get("event") == "traffic":
            at["percent"] = (event.get("traffic") or {}).get(event.get("latest_revision"), at["percent"])
            at["sent"] = False
        audit(event)

    walking = False  # walk_plan started: its ConfigError is a refusal, live_check's a failed analysis
    held_for = False  # walk_plan's passed None: a hold for too little evidence (its record's held_for)
    try:
        with sigterm_raises(AnalysisStopped):
            try:
                check = check or live_check(registry, cfg, model_name=model_name, version=version,
                                            canary_revision=canary_revision, stable_revision=stable_revision)

                def step_check(percent: int) -> tuple[bool, str, dict]:
                    at.update(percent=percent, checking=True, sent=False)
                    outcome = check(percent)
                    judged.append((percent, bool(outcome[0])))
                    at["checking"] = False
                    return outcome

                walking = True
                baseline = _deployed_metadata(registry, model_name, str(version), run_id, cfg)
                passed, reason, steps = rollout.walk_plan(_Sending(isvcs, at), name, plan=plan, check=step_check,
                                                          storage_uri=uri, revision=canary_revision, judged=seen,
                                                          baseline=baseline,
                                                          max_failed_checks=cfg.max_failed_checks,
                                                          timeout_s=cfg.timeout_seconds, on_event=step_event,
                                                          quiet_checks=quiet_checks(cfg))
                decision = "promote" if passed else "hold" if passed is None else "rollback"
                if passed is None:  # too little evidence (a quiet night) all the step's time: a bounded hold
                    held = _holds(registry, model_name, str(version), cfg.inference_service, cfg.namespace)
                    if held >= cfg.max_holds:
                        decision, reason = "rollback", (
                            f"{reason}; v{version} was held for {INSUFFICIENT_EVIDENCE} {held} time"
                            f"{'s' if held != 1 else ''} already, the limit (rollout.max_holds {cfg.max_holds}): "
                            "a canary that never gets the traffic to be judged is rolled back")
                    else:
                        held_for = True
                        reason = (f"{reason}; held: {INSUFFICIENT_EVIDENCE}, the canary keeps its share, neither "
                                  f"promoted nor rolled back (hold {held + 1} of rollout.max_holds {cfg.max_holds}; "
                                  f"{held_again(model_name, str(version))})")
            except rollout.ChangedOutside as exc:
                decision, reason, steps = ("hold", f"{exc}; left as it is, neither promoted nor rolled back",
                                           _judged(exc))
            except ServingError as exc:
                # the steps judged before the error stay in the report and the step metrics (walk_plan)
                decision, reason, steps = "rollback", f"serving error during the canary: {exc}", _judged(exc)
            except CtloopError as exc:
                if isinstance(exc, ConfigError) and walking and not at["checking"]:
                    # the walk's own reads refused (CTLOOP_KSERVE_NAMESPACE where the cluster's
                    # default is needed): bad input, a refusal (bad_input_exits), never a verdict
                    # that rolls a good canary back
                    if at["percent"] == plan[0] and not at["sent"]:
                        raise
                    # the walk moved the canary before it (the mode annotation removed meanwhile):
                    # no decision comes, so the audit trail and the line say where it was left
                    share = (f"left at {at['percent']} % by this step (moved from {plan[0]} %"
                             f"{'; its move from there may have landed' if at['sent'] else ''})")
                    reason = (f"canary of v{version} {share}, undecided: {_one_line_problem(exc)}; roll back by "
                              f"hand once {KSERVE_NAMESPACE_ENV} is fixed (ctloop rollout rollback)")
                    try:  # an analysis record (decision "refused"): rollout status shows it as the last decision
                        audit({"event": "analysis", "decision": "refused", "percent": at["percent"], "reason": reason})
                    except Exception as unrecorded:  # noqa: BLE001 - a registry that does not answer must not hide the line
                        reason += f" (its audit record was not written: {_one_line_problem(unrecorded)})"
                    raise ServingBadInput(reason) from exc
                # a setting or store the analysis needs is wrong (no Prometheus URL, an unreadable log):
                # nothing was measured, which is a failed check, never a pass — and never a crashed step
                # that leaves the canary serving its share undecided
                decision, reason, steps = "rollback", f"the canary could not be analysed: {exc}", _judged(exc)
            result = Analysis(decision, reason, steps)
            # its record is a registry write like any (a slow MLflow answer): a stop while it is
            # written is told too, naming the decision nobody will act on
            at["decided"] = f"{decision}: {reason}"
            # the revision and the spec's metadata.generation judged after the last step: promote_model
            # refuses a spec edited since (another revision, another generation)
            audit({"event": "analysis", "decision": result.decision, "reason": reason,
                   **({"held_for": INSUFFICIENT_EVIDENCE} if held_for else {}),
                   **({"canary_revision": canary_revision} if canary_revision else {}),
                   **({"generation": seen["generation"]}
                      if canary_revision and isinstance(seen.get("generation"), int) else {}),
                   **({"revision_metadata": _storable(seen["metadata"])}
                      if canary_revision and seen.get("metadata") else {})})
    except AnalysisStopped:
        # a move is "on its way" only once its patch went out: a stop in the spec read after a
        # check (walk_plan's check_unchanged) has moved nothing
        moving = (at.get("moving") if at["sent"] and not at["checking"] and isinstance(at.get("moving"), int)
                  and at.get("moving") != at["percent"] else None)
        _stopped(audit, cfg, name, version, at["percent"], moving, judged, at["decided"])
        raise
    return result


def quiet_checks(cfg: RolloutConfig) -> int:
    """How many checks a quiet step gets at its share before the analysis holds: as many intervals as fit the
    step's ``timeout_seconds`` (at least one; defaults 600 / 300: two windows) — not the first quiet window."""
    return max(1, int(cfg.timeout_seconds) // max(1, int(cfg.interval_seconds)))


def _holds(registry: Any, model_name: str, version: str, service: str | None = None,
           namespace: str | None = None) -> int:
    """The analyses of ``version`` on this InferenceService (``service`` in ``namespace``: holds on staging
    are not prod's budget) that held it for :data:`INSUFFICIENT_EVIDENCE` (audit ``held_for``), read
    from the audit log (all of it: a budget must not forget holds behind newer records)."""
    return sum(1 for r in registry.audit_log(model_name, max_results=None)
               if r.get("event") == "analysis" and r.get("held_for") == INSUFFICIENT_EVIDENCE
               and str(r.get("version", "")) == version
               and (service is None or r.get("inference_service") in (None, "", service))
               and (namespace is None or r.get("namespace") in (None, "", namespace)))


class _Sending:
    """The InferenceServices :func:`rollout.walk_plan` is given: ``at["sent"]`` is set before any
    patch goes out (walk_plan patches only to move the canary's share), so the line of a stop
    says "moving" only when that move may have landed."""

    def __init__(self, isvcs: Any, at: dict[str, Any]):
        self._isvcs, self._at = isvcs, at

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._isvcs, attr)

    def patch(self, name: str, patch: dict[str, Any]) -> Any:
        self._at["sent"] = True
        # the share this move writes (a quiet step judged again makes the checks no index into the plan)
        self._at["moving"] = ((patch.get("spec") or {}).get("predictor") or {}).get("canaryTrafficPercent")
        return self._isvcs.patch(name, patch)


class AnalysisStopped(SystemExit):
    """SIGTERM while the canary analysis walks its plan (KFP stopping the run, the pod evicted):
    exit status 143 (128 + 15), as the signal's default action, once the stop was told."""


def _stopped(audit: Callable[[dict[str, Any]], None], cfg: RolloutConfig, name: str, version: str, percent: Any,
             moving: int | None, judged: list[tuple[int, bool]], decided: str = "") -> None:
    """The one line (stderr) and the audit event of an analysis stopped by SIGTERM. Nothing is
    written to the InferenceService: the canary keeps the share it had, undecided — the default
    action ended the process with neither, and only ``ctloop rollout status`` showed a canary left
    serving up to the plan's last share with no decision anywhere. ``decided``: the decision
    reached (``promote: why``) whose audit record was being written when the stop came; nothing
    acts on it (the step fails, so neither promote_model nor rollback_model runs)."""
    passed = sum(ok for _, ok in judged)
    checks = (f"{len(judged)} check{'s' if len(judged) != 1 else ''} judged ({passed} passed)" if judged
              else "no check judged")
    if decided:
        checks += f", as it recorded its decision ({decided}), which was not acted on"
    where = (f"at its {percent} % step" if moving is None else
             f"moving the canary from {percent} % to {moving} % (that move may have landed)")
    reason = (f"the canary analysis was stopped (SIGTERM) {where}, {checks}: v{version} keeps "
              f"its canary share of InferenceService {cfg.namespace}/{name} undecided; promote it (ctloop rollout "
              "promote), roll it back (ctloop rollout rollback) or run the rollout again (its deploy resumes the "
              "canary at the first step); ctloop rollout status shows where it stands")
    print(f"ctloop: {reason}", file=sys.stderr)
    try:  # the audit trail says so too; a registry that does not answer must not hide the line
        audit({"event": "analysis", "decision": "stopped", "reason": reason})
    except Exception as exc:  # noqa: BLE001 - told, whatever it is: the stop (143) ends the process
        # an error the registry did not wrap (an OSError of the store's disk or socket) replaced
        # the stop on its way out: exit 1, and nothing said the stop's event was missing
        said = one_line(str(exc) if isinstance(exc, CtloopError) else f"{type(exc).__name__}: {exc}")
        print(f"ctloop: the audit event of that stop was not recorded: {said}", file=sys.stderr)


def _judged(exc: BaseException) -> list[dict[str, Any]]:
    """The steps :func:`rollout.walk_plan` judged before ``exc`` (none when it came before the walk)."""
    steps = getattr(exc, "steps", None)
    return list(steps) if isinstance(steps, list) else []


def _plan(cfg: RolloutConfig) -> list[int]:
    """The canary's share at each step of the analysis (blue-green: 100 throughout)."""
    return [100 if cfg.strategy == "blue-green" else int(p) for p in cfg.traffic_plan]


def step_metrics(result: Analysis) -> dict[str, float]:
    """Per step the canary's requests, 5xx share (of requests, and the share of instances its
    failed requests carried where the runtime counts both, with its 99 % lower bound, which the
    5xx rule's large-batch check compares with ``max_error_rate``), the canary's and the stable's 4xx
    shares (the 4xx rule's) and p99 (``step_<percent>.<name>``); a value not measured (no stable
    traffic at the 100 % step: no stable 4xx share) is left out, as is a value that is not a
    finite number (a corrupt counter's +Inf, inf/inf): KFP writes
    Metrics as JSON, where Infinity and NaN are not numbers (RFC 8259), and the backend's Go
    decoder refuses them — the analysis' outputs, its decision included, would be lost."""
    out = {}
    for step in result.steps:
        for key in ("canary_requests", "canary_error_rate", "canary_failed_instance_share",
                    "canary_failed_instance_share_bound", "canary_client_error_rate", "stable_client_error_rate", "canary_p99_seconds"):
            value = step.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                out[f"step_{step['percent']}.{key}"] = round(float(value), 6)
    return out


def _passed_cell(step: dict[str, Any]) -> str:
    """A step's "passed" cell: a quiet window is no failure (``evidence: insufficient``)."""
    if step.get("passed"):
        return "yes"
    return "held (too little evidence)" if step.get("evidence") == "insufficient" else "NO"


def render_markdown(result: Analysis) -> str:
    lines = [f"# Canary analysis: {result.decision}", "", result.reason, ""]
    if result.steps:
        lines += ["| traffic | passed | reason |", "|---|---|---|"]
        lines += [f"| {s['percent']} % | {_passed_cell(s)} | {s['reason']} |" for s in result.steps]
    return "\n".join(lines) + "\n"


def promote(registry: Any, isvcs: Any | None, *, model_name: str, version: str, reason: str, cfg: RolloutConfig,
            run_id: str = "", by_hand: bool = False) -> str | None:
    """The canary takes 100 % (when ``inference_service`` is set), then ``version`` becomes the registry
    champion (``promote_model``); returns the previous champion. After the analysis the spec must
    hold the share its walk ended at (the plan's last step) or none: another was set by hand
    (promote_model is retried, and the attempt before may have stopped on that very change) and
    is left to whoever set it (:class:`rollout.ChangedOutside`). ``by_hand`` (``ctloop rollout
    promote``) promotes any share. A gate-driven promotion (:func:`gate_champion`) whose gate's champion is no
    longer champion is refused before the traffic moves (naming the canary's live share and the way to end it),
    and again by the registry under its lock: a promotion landing between the two leaves this version serving
    100 %, which that refusal then says, with the way back."""
    judged = None if by_hand or not run_id else gate_champion(registry.get_version(model_name, str(version)).tags,
                                                                run_id)
    try:  # before the traffic
        _refuse_champion_changed(registry, model_name, str(version), judged, None, "promoting", "")
    except RegistryError as exc:
        if not cfg.inference_service:
            raise
        raise RegistryError(f"{exc}; {_live_canary(isvcs, cfg, model_name, str(version))}") from exc
    if cfg.inference_service:
        from ctloop.storage import kserve_storage_uri

        refuse = getattr(registry, "refuse_deleted_run", None)
        if callable(refuse):  # before the canary takes 100 %: registry.promote would refuse it after
            refuse(model_name, str(version))
        # the spec must still name this version: another model deployed since the analysis would
        # take 100 % unjudged while the registry named this one champion
        uri = kserve_storage_uri(registry.model_artifact_uri(model_name, version))
        revision, generation, metadata = (("", None, None) if by_hand else
                                          _judged_spec(registry, model_name, str(version), run_id, cfg))
        last = {} if by_hand else {"percent": _plan(cfg)[-1], "revision": revision, "generation": generation,
                                   "metadata": metadata}
        try:
            state = rollout.promote(isvcs, cfg.inference_service, timeout_s=cfg.timeout_seconds, storage_uri=uri,
                                    version=str(version), **last)
        except NotDrivable as exc:  # refused before any write: one line, exit 2 (was: a traceback, exit 1)
            raise not_drivable(exc, cfg, serving=True) from exc
        registry.record_event(model_name, version, {"event": "traffic_promote", "pipeline_run": run_id,
                                                    **state.to_dict(), **_where(cfg)})
    try:
        return registry.promote(model_name, version, reason=reason, pipeline_run=run_id,
                                **({} if judged is None else {"gate_champion": judged,
                                                              "service": cfg.inference_service or ""}))
    except RegistryError as exc:
        if not cfg.inference_service:
            raise
        raise RegistryError(_traffic_moved(str(exc), registry, cfg, model_name, str(version))) from exc


def _traffic_moved(refusal: str, registry: Any, cfg: RolloutConfig, model_name: str, version: str) -> str:
    """A refusal of ``registry.promote`` after ``version`` took 100 % of the service: serving changed, the
    registry did not — said instead of its "nothing was changed", with the way back to the champion."""
    head = refusal.split("; nothing was changed", 1)[0]
    moved = (f"the registry was not changed, but {cfg.namespace}/{cfg.inference_service} serves v{version} at 100 % "
             "now (the traffic moved before the registry's check under its lock)")
    try:
        champion = registry.aliases(model_name).get(CHAMPION, "")
    except CtloopError:
        champion = ""
    common = (f"{shell_option('--isvc', cfg.inference_service)} {shell_option('--namespace', cfg.namespace)} "
              f"{shell_option('--model-name', model_name)}")
    back = (f"serve the champion v{champion} again: `ctloop rollout promote {common} --version {champion} "
            "--reason ...`, or" if champion else "no champion to serve again;")
    return (f"{head}; {moved}; {back} keep v{version} and make it champion: `ctloop rollout promote {common} "
            f"--version {version} --reason ...`")


def _live_canary(isvcs: Any, cfg: RolloutConfig, model_name: str, version: str) -> str:
    """What a refused promotion leaves on the service: the canary of ``version`` at its share, and the ways to end it
    (its analysis passed before the champion changed; nothing else ends it)."""
    from ctloop.serving.isvc import spec_version

    where = f"{cfg.namespace}/{cfg.inference_service}"
    try:
        obj = isvcs.get(cfg.inference_service) if isvcs is not None else None
    except CtloopError as exc:
        return (f"{where} was not read ({one_line(str(exc))}): `ctloop rollout status` shows whether a canary of "
                f"v{version} still takes traffic")
    share = (obj or {}).get("spec", {}).get("predictor", {}).get("canaryTrafficPercent") if obj else None
    common = (f"{shell_option('--isvc', cfg.inference_service)} {shell_option('--namespace', cfg.namespace)} "
              f"{shell_option('--model-name', model_name)}")
    if obj is None or spec_version(obj) != version or share is None:
        return (f"no canary of v{version} takes traffic on {where}; or release v{version} anyway (moves all traffic, "
                f"no canary): `ctloop rollout promote {common} --version {version} --reason ...`")
    return (f"the canary v{version} still serves {share} % of {where} and nothing ends it: back to the champion "
            f"with `ctloop rollout rollback {common} --failed-version {version} --reason ...`, or all traffic to "
            f"v{version} with `ctloop rollout promote {common} --version {version} --reason ...`")


def gate_champion(tags: Mapping[str, str], run_id: str) -> str | None:
    """The champion the gate compared a version with ("" for none) when ``run_id`` is the pipeline run that
    registered it (tags ``ctloop.pipeline_run_id`` and :data:`TAG_GATE_CHAMPION`, ``register_model``'s): its
    deploy and promotion are the gate's (continuous training). None otherwise — the rollout pipeline, ``ctloop
    rollout promote``, a version registered before round 58: not checked."""
    if not run_id or tags.get("ctloop.pipeline_run_id") != run_id or TAG_GATE_CHAMPION not in tags:
        return None
    return str(tags[TAG_GATE_CHAMPION])


def _refuse_champion_changed(registry: Any, model_name: str, version: str, judged: str | None, current: str | None,
                             doing: str, service: str | None = None) -> None:
    """``registry.refuse_champion_changed`` for a gate-driven step (``judged`` not None), before it writes."""
    refuse = getattr(registry, "refuse_champion_changed", None)
    if judged is not None and callable(refuse):
        refuse(model_name, version, judged, current=current, doing=doing, service=service)


def _judged_spec(registry: Any, model_name: str, version: str, run_id: str,
                 cfg: RolloutConfig) -> tuple[str, int | None, dict[str, Any] | None]:
    """The revision and the InferenceService's ``metadata.generation`` this run's analysis judged
    before it decided to promote ``version`` on this service (its record's ``canary_revision`` and
    ``generation``), ``("", None)`` when none says (no run id, an analysis recorded before round
    51, a first deployment: nothing to compare with); the generation ``None`` when the record has
    none (recorded before it was); the annotations and labels judged (``revision_metadata``, an
    ``isvc.revision_metadata``), ``None`` when the record has none that reads as one (recorded
    before round 57: not compared)."""
    if not run_id:
        return "", None, None
    where = _where(cfg)
    for record in reversed(registry.run_events(model_name, run_id)):
        if (record.get("event") == "analysis" and record.get("decision") == "promote"
                and record.get("version") == version
                and all(record.get(k) in (None, "", v) for k, v in where.items())):
            generation = record.get("generation")
            try:  # the record's values may come back as text
                generation = int(generation) if generation not in (None, "") else None
            except (TypeError, ValueError):
                generation = None
            return record.get("canary_revision") or "", generation, _metadata_of(record)
    return "", None, None


def _storable(metadata: dict[str, Any]) -> dict[str, Any]:
    """An ``isvc.revision_metadata`` read as an audit record keeps it: within the registry's tag limit
    (``isvc.stored_metadata``; was: cut there, then read back as none and compared with nothing)."""
    from ctloop.serving.isvc import stored_metadata

    return stored_metadata(metadata, TAG_VALUE_MAX)


def _metadata_of(record: dict[str, Any]) -> dict[str, Any] | None:
    """A record's ``revision_metadata`` (an ``isvc.revision_metadata``, or a form of it that fits:
    ``isvc.stored_metadata``; MLflow keeps it as JSON text), ``None`` when it has none that reads as one:
    not there, the sha256 of the first round-57 records. One cut at the tag limit (``registry.TRUNCATED``:
    written by a ctloop before round 58) is ``isvc.METADATA_CUT``, which every comparison holds on (was:
    none, and nothing compared)."""
    import json

    from ctloop.serving.isvc import METADATA_CUT, METADATA_FORM

    value = record.get("revision_metadata")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            if value.startswith("{") and value.endswith(TRUNCATED):
                return {"annotations": {}, "labels": {}, METADATA_FORM: METADATA_CUT}
            return None
    if not (isinstance(value, dict) and all(isinstance(value.get(k, {}), dict) for k in ("annotations", "labels"))):
        return None
    return value


def _deployed_metadata(registry: Any, model_name: str, version: str, run_id: str,
                       cfg: RolloutConfig) -> dict[str, Any] | None:
    """The annotations and labels this run's deploy of ``version`` left on this service (its
    ``deploy`` record's ``revision_metadata``), the canary walk's baseline: an annotation written
    between the deploy and the analysis' first read is a revision nobody judged too. ``None`` (the
    walk's first read is the baseline) without a run id or such a record, or with one cut at the tag
    limit by a ctloop before round 58 (``isvc.METADATA_CUT``: nothing to compare; was: the baseline,
    so the walk's first check held every time, and the analysis recorded the marker for promote to
    hold on too). An analysis record cut so still holds the promotion (:func:`_judged_spec`)."""
    from ctloop.serving.isvc import METADATA_CUT, METADATA_FORM

    if not run_id:
        return None
    where = _where(cfg)
    for record in reversed(registry.run_events(model_name, run_id)):
        if (record.get("event") == "deploy" and str(record.get("version", version)) == version
                and all(record.get(k, v) == v for k, v in where.items())):
            found = _metadata_of(record)
            return None if found is not None and found.get(METADATA_FORM) == METADATA_CUT else found
    return None


def rollback(registry: Any, isvcs: Any, *, model_name: str, failed_version: str, reason: str, cfg: RolloutConfig,
             to_version: str = "", run_id: str = "", record_refusal: bool = False) -> tuple[str, RolloutState]:
    """All traffic back to ``to_version`` (default: the champion), durably: its storageUri is written
    back so the spec no longer names the failed model (``rollback_model``). The failed version is
    tagged with why; alias ``challenger`` is removed from it (``champion`` and ``previous-champion``
    stay). ``record_refusal`` (the ``rollback_model`` step's, which nobody watches): bad input met
    once both versions read as versions and the service is named (a bad ``CTLOOP_KSERVE_NAMESPACE``
    where this service needs the cluster's default, checked here: :func:`check_kserve_namespace`; a
    ``to_version`` the registry does not have) is refused as a failed deploy's rollback is
    (:func:`_rollback_refused`: the failed version tagged ``rollback_refused``, alias ``challenger``
    off it, a ``rollback`` record with ``action: refused``; was: nothing recorded, the canary keeping
    its share with only the analysis' decision on record), a :class:`ServingBadInput` whose line
    says so; the serving untouched. By hand (``ctloop rollout rollback``) the person reads the
    refusal, and nothing is written, as for any bad input."""
    to_version, failed_version = _checked_versions(to_version, failed_version)  # once, for the bookkeeping too
    _target(cfg)
    try:
        if record_refusal:
            check_kserve_namespace(isvcs, cfg)
            found = _found_gone_before(registry, model_name, failed_version, run_id)
            if found is not None:
                # an earlier attempt of this step found the service gone and tagged the version, then failed
                # (its record or alias refused): Argo's retry finishes that bookkeeping before it reads the
                # cluster (was: it rolled back a service created again meanwhile, against "whoever deleted it
                # decides")
                return _not_applied(registry, isvcs, model_name=model_name, failed_version=failed_version,
                                    reason=reason, cfg=cfg, to_version=to_version, run_id=run_id, error=None,
                                    target=found)
        target, state = _rollback_traffic(registry, isvcs, model_name=model_name, cfg=cfg, to_version=to_version,
                                          failed_version=failed_version)
    except ConfigError as exc:
        if not record_refusal or not failed_version or isinstance(exc, ServingBadInput):
            raise  # by hand; no version to record it on; or said itself (the pin-out's)
        _refuse_rollback(registry, isvcs, model_name=model_name, failed_version=failed_version, reason=reason,
                         cfg=cfg, to_version=to_version, run_id=run_id, refusal=exc)
    except NotDrivable as exc:
        # re-created in a form ctloop cannot drive (Standard mode, a sklearn: predictor): refused before anything
        # is written, by hand too — no typo, and the failed version keeps no challenger alias (was: a ServingError
        # traceback in the step, exit 1, nothing recorded, challenger left on the failed version)
        refusal = not_drivable(exc, cfg)
        if not failed_version:
            raise refusal from exc
        _refuse_rollback(registry, isvcs, model_name=model_name, failed_version=failed_version, reason=reason,
                         cfg=cfg, to_version=to_version, run_id=run_id, refusal=refusal)
    except ServingError as exc:
        if not _gone(registry, isvcs, cfg, model_name, failed_version=failed_version, run_id=run_id,
                     known=record_refusal, error=exc):
            raise
        # deleted since the analysis (kubectl delete isvc), before or while this rollback waited: whoever
        # deleted it decides, as for a change made outside (was: the bare "does not exist", a traceback in
        # the step, nothing recorded, alias challenger left on the failed version)
        return _not_applied(registry, isvcs, model_name=model_name, failed_version=failed_version, reason=reason,
                            cfg=cfg, to_version=to_version, run_id=run_id, error=exc)
    if state.action == "held":
        reason = _held(model_name, failed_version, target, cfg, state)
        print(f"ctloop: {reason}")
    dropped = _record_rollback(registry, model_name=model_name, failed_version=failed_version, target=target,
                               reason=reason, run_id=run_id, state=state, where=_where(cfg))
    if dropped is not None:
        raise dropped
    return target, state


# RolloutState.note of a rollback not applied because its InferenceService is gone (:func:`_not_applied`),
# and the action of its audit record
SERVICE_GONE = "service gone"
SERVICE_GONE_ACTION = "service_gone"
# the pipeline run whose rollback of the version found its InferenceService gone (:func:`_not_applied`): one
# key, written alone before the others, for Argo's retry of the step to read nothing of the cluster
# (:func:`_found_gone_before`)
TAG_ROLLOUT_GONE = "ctloop.rollout.gone"


def not_drivable(exc: NotDrivable, cfg: RolloutConfig, *, serving: bool = False) -> ConfigError:
    """The refusal of a rollout step (deploy, promote, rollback) whose InferenceService is in a form ctloop
    cannot drive (:class:`ctloop.serving.isvc.NotDrivable`): bad input, one line naming the service, its
    namespace, what was found and what to do, exit status 2 (``bad_input_exits``; by hand the ``ctloop``
    command's); nothing written to the cluster. ``serving``: a :class:`ServingBadInput`, which a caller
    catching the ServingError it was (deploy's, promote's) still catches; a rollback's refusal is a plain
    ConfigError, which :func:`_rollback_refused` records with the share and the command to run."""
    found = f" ({exc.found})" if exc.found else ""
    line = (f"rollout.inference_service {cfg.namespace}/{cfg.inference_service} is in a form ctloop cannot "
            f"drive{found}: {one_line(str(exc))}; nothing written to the cluster")
    return ServingBadInput(line) if serving else ConfigError(line)


class AuditUnreadable(RegistryError):
    """A rollback's "does not exist" whose audit log MLflow could not read: whether the service was
    deployed to and deleted since, or never was (a wrong name), is unknown (``ctloop rollout
    rollback``: exit status 1, run it again)."""


def _gone(registry: Any, isvcs: Any, cfg: RolloutConfig, model_name: str, *, failed_version: str, run_id: str,
          known: bool, error: ServingError) -> bool:
    """Whether the InferenceService a rollback met ``error`` on is gone (read again: None) and was
    there before: for the ``rollback_model`` step (``known``) rolling back ``failed_version``, when its
    run ``run_id`` has a ``deploy`` record to that service in that namespace; else — by hand, the rollout
    pipeline's ``action=rollback`` (no failed version: a typo of ``inference_service`` was "gone" to it,
    exit 0 and a record of the typo'd name; round 60 review H1) — only when the model's audit log has a
    deploy to it, to its oldest record (``audit_log`` gives the newest 200 by default: a service
    deployed to before 200 records of others read as never deployed), by one filtered query
    (``MlflowRegistry.deployed_to``; a registry without it: its whole audit log). A name never deployed
    to is bad input, nothing recorded: for the step (``known``) a :class:`ConfigError` naming
    ``rollout.inference_service`` and ``rollout.namespace``. An error reading the service: not gone (the error stands); one reading the
    audit log: :class:`AuditUnreadable` (was: the raw "does not exist", read as bad input)."""
    try:
        if isvcs.get(cfg.inference_service) is not None:
            return False
    except (CtloopError, AttributeError):
        return False
    where = _where(cfg)

    def deployed_here(record: Mapping[str, Any], keyless: bool = False) -> bool:
        # keyless: a deploy record without the service's keys (ctloop before round 50, 85d94b46) taken for one
        # to this service, as last_decision reads it
        return record.get("event") == "deploy" and all(
            (record.get(k, v) if keyless else record.get(k)) == v for k, v in where.items())

    events = getattr(registry, "run_events", None)
    if known and failed_version and run_id and callable(events):
        try:
            # the run's own deploy of the failed version is to the service its rollout section names: one recorded
            # by a ctloop before round 50 (no inference_service/namespace keys) too. Not so the audit log's below: a
            # keyless record names no service, and a typo'd name would read as one deleted
            if any(deployed_here(r, keyless=str(r.get("version", failed_version)) == failed_version)
                   for r in events(model_name, run_id)):
                return True
        except CtloopError:
            pass  # the audit log read below says it, or that it could not be read
    query = getattr(registry, "deployed_to", None)
    log = getattr(registry, "audit_log", None)
    if not callable(query) and not callable(log):
        return False
    try:
        # one filtered query, one record (MlflowRegistry.deployed_to; was: the whole log read, 5 pages and the
        # promotions of a model with 5,000 records, for every rollback of a missing name); a registry without
        # it: its audit log, whole
        deployed = (query(model_name, where["inference_service"], where["namespace"]) if callable(query)
                    else any(deployed_here(r) for r in log(model_name, max_results=None)))
    except CtloopError as exc:
        raise AuditUnreadable(
            f"{one_line(str(error))}; whether it was deployed to and deleted since (a rollback not applied, "
            f"recorded) or never was (a wrong --isvc / --namespace) is not known: the audit log could not be read "
            f"({one_line(str(exc))}); nothing written: run the rollback again") from exc
    if not deployed and known:
        # the step's rollout section names a service never deployed to (a typo): bad input, one line and exit 2
        # (bad_input_exits), as by hand (was: the ServingError's traceback, exit 1, retried twice by Argo)
        raise ConfigError(
            f"rollout.inference_service {cfg.inference_service!r} / rollout.namespace {cfg.namespace!r}: "
            f"InferenceService {cfg.namespace}/{cfg.inference_service} does not exist and no deploy of {model_name} "
            "to it is on record; nothing written") from error
    return deployed


def _found_gone_before(registry: Any, model_name: str, failed_version: str, run_id: str) -> str | None:
    """The version an earlier attempt of this ``rollback_model`` step would have served when that attempt
    found the service gone: :func:`_not_applied` tagged the failed version :data:`TAG_ROLLOUT_GONE` with this
    run, in a ``set_tags`` call of its own before any other tag (``MlflowRegistry.set_tags`` writes key by
    key, and a 503 may stop it half-way: matched on all four of ``_mark_failed``'s tags, a retry after the
    first was written missed it and rolled back a service created again meanwhile; round 60 review). The
    reason is not matched either (it was an unused argument until round 61): it is one of the keys written
    after that tag, and a retry carries the analysis' reason again anyway. Its
    :data:`TAG_ROLLOUT_ROLLBACK_TO`, or "" when that attempt stopped before writing it (the target read
    again); None when no attempt of the run found it gone. Read before the cluster is. A version MLflow
    does not have: None (the rollback reads it again and says so); any other error reading it is raised
    (was: None, and a 503 here fell through to a rollback of a service created again)."""
    if not (run_id and failed_version):
        return None
    try:
        tags = registry.get_version(model_name, failed_version).tags or {}
    except RegistryGone:
        return None
    if tags.get(TAG_ROLLOUT_GONE) != run_id:
        return None
    return str(tags.get(TAG_ROLLOUT_ROLLBACK_TO) or "")


def _mark_failed(registry: Any, *, model_name: str, failed_version: str, target: str, reason: str, run_id: str,
                 status: str, record: dict[str, Any], before: str | None = None, tag: bool = True,
                 tags: Mapping[str, str] | None = None, tags_first: bool = False,
                 errors: list[RegistryError] | None = None) -> str:
    """A rollback's bookkeeping (held, refused, completed, not applied), in this order: ``failed_version``
    tagged ``status`` with ``reason``, the target (:data:`TAG_ROLLOUT_ROLLBACK_TO`), the run and ``tags``
    (unless ``tag`` is False: an earlier attempt's tags already there; ``tags_first``: ``tags`` written
    before the others, as ``MlflowRegistry.set_tags`` writes key by key and a 503 may stop it half-way),
    alias ``challenger`` taken off it
    (``before``: its status before this rollback, read here when not given), and ``record`` written as a
    ``rollback`` audit record of it with ``challenger_alias``. Without a failed version only the record
    (on ``target``). Returns what became of the alias ("" without a failed version); an alias error is
    appended to ``errors`` (:func:`_drop_alias`)."""
    alias: dict[str, str] = {}
    if failed_version:
        if before is None:
            before = (registry.get_version(model_name, failed_version).tags or {}).get(TAG_ROLLOUT_STATUS)
        if tag:
            written = {TAG_ROLLOUT_STATUS: status, "ctloop.rollout.reason": reason,
                       TAG_ROLLOUT_ROLLBACK_TO: str(target), "ctloop.rollout.pipeline_run": run_id}
            registry.set_tags(model_name, failed_version,
                              {**(tags or {}), **written} if tags_first else {**written, **(tags or {})})
        alias = {"challenger_alias": _drop_alias(registry, model_name, failed_version, before in ROLLBACK_TRIED,
                                                 errors)[0]}
    registry.record_event(model_name, failed_version or target, {"event": "rollback", **record, **alias})
    return alias.get("challenger_alias", "")


def _not_applied(registry: Any, isvcs: Any, *, model_name: str, failed_version: str, reason: str,
                 cfg: RolloutConfig, to_version: str, run_id: str, error: ServingError | None,
                 target: str = "") -> tuple[str, RolloutState]:
    """A rollback whose InferenceService was deleted since the analysis (or while it ran: its writes went
    with the service): nothing (more) written to the cluster (nothing serves the failed model; creating the
    service again is whoever deleted it's call), and,
    as a held rollback's (:func:`_record_rollback`), the failed version tagged ``rollback_held`` with
    ``reason``, alias ``challenger`` taken off it, the champion untouched, and a ``rollback`` record
    with ``action: service_gone`` (``last_decision``: "rollback not applied: service gone"). One
    ``ctloop:`` line on stdout; the state returned is ``held`` with note :data:`SERVICE_GONE`. A tag,
    alias or record MLflow refused raises that line as a :class:`RegistryError` instead: the step fails and
    Argo's retry records it, once (:func:`_rollback_recorded`, the run's ``service_gone`` record), and takes
    the alias off again (was: its error text in the record, exit 0, the alias left on the failed version).
    ``error`` None: an earlier attempt of the run found the service gone (:func:`_found_gone_before`,
    ``target`` the version it tagged), and this one reads nothing of the cluster. The target read again
    and refused (a 503) is a :class:`RegistryError`, nothing written (was: "?" recorded as the version)."""
    where = f"InferenceService {cfg.namespace}/{cfg.inference_service}"
    status = _status_command(cfg, model_name)
    if not target:
        try:
            target = _rollback_target(registry, model_name, to_version)
        except CtloopError as exc:
            raise RegistryError(
                f"rollback of {model_name} v{failed_version or '-'} not applied: {one_line(str(error))}; the version "
                f"to roll back to could not be read ({one_line(str(exc))}); nothing written: run the rollback "
                "again") from exc
    said = one_line(str(error)) if error is not None else ""
    # deleted while this rollback ran: the error says what it wrote before (gone with the service), and the
    # state keeps it for canary's Outcome (_gone_outcome); gone before it read the service: nothing written
    during = said if error is not None and said != f"{where} does not exist" else ""
    state = RolloutState("held", cfg.inference_service or "", "", "", "", {}, written=during, note=SERVICE_GONE)
    errors: list[RegistryError] = []
    failure: CtloopError | None = None
    try:
        if run_id and failed_version and error is not None:
            # first and alone: a retry finding it reads nothing of the cluster (_found_gone_before)
            registry.set_tags(model_name, failed_version, {TAG_ROLLOUT_GONE: run_id})
        # without a failed version (action=rollback) the record is on the target: the run's record of it for
        # this reason is the one an earlier attempt wrote (was: written again, MlflowRegistry.record_event
        # raising after the record when tagging the version failed)
        if run_id and _rollback_recorded(registry, model_name, failed_version or target, run_id,
                                         action=SERVICE_GONE_ACTION, reason=reason):
            # an earlier attempt of this step wrote it, then failed (see below): Argo's retry writes it not again,
            # but takes alias challenger off the version if that attempt's removal failed (drop_challenger reads
            # the alias: one on another version, or none, is left)
            recorded = f"recorded by an earlier attempt of this run ({run_id}; audit: rollback not applied)"
            if failed_version:
                alias, removed = _drop_alias(registry, model_name, failed_version, True, errors)
                if removed or errors:
                    recorded += f"; alias challenger: {alias}"
        else:
            alias = _mark_failed(registry, model_name=model_name, failed_version=failed_version, target=target,
                                 reason=reason, run_id=run_id, status="rollback_held", errors=errors,
                                 record={"action": SERVICE_GONE_ACTION, "reason": reason, "to_version": target,
                                         "not_applied": one_line(str(error)) if error is not None else
                                         f"{where} did not exist in an earlier attempt of this run",
                                         "pipeline_run": run_id, **_where(cfg)})
            recorded = "recorded (audit: rollback not applied, service gone" + (
                f"; alias challenger: {alias})" if alias else ")")
        if errors:
            failure = errors[0]  # recorded, the alias left: the step fails for Argo's retry to remove it
    except CtloopError as bookkeeping:
        # the step fails, so that Argo's retry (rollback_model's maxRetryCount 2) writes the record: exit 0 with
        # it lost left the analysis' "rollback" the last decision for good
        failure, recorded = bookkeeping, f"recording it failed ({one_line(str(bookkeeping))})"
    attempt = argo_retry_index()
    if error is None:
        when = (f"{where} did not exist in an earlier attempt of this run ({run_id}), which tagged v{failed_version} "
                "rollback_held; this attempt read nothing of the cluster and wrote nothing to it, whether it exists "
                "again or not: nothing created again")
    else:
        # gone before this rollback read it: nothing written; deleted while it ran: the error says what it wrote
        # before (its pin-back, which went with the service). A retry cannot know an earlier attempt's writes
        by = " by this attempt" if run_id and attempt != 0 else ""
        when = (f"{where} does not exist (deleted since the analysis); nothing written to the cluster{by}"
                if said == f"{where} does not exist" else
                f"{where} does not exist (deleted while this rollback ran: {said})") + ", nothing created again"
    line = (f"rollback of {model_name} v{failed_version or '-'} to v{target} not applied: {when}, the champion "
            f"alias unchanged; {recorded}; whoever deleted it decides (deploy again with the rollout pipeline to "
            f"serve it again; {status})")
    if failure is not None:
        raise RegistryError(line) from failure
    print(f"ctloop: {line}")
    return target, state


class RegistryOpenedOnUse:
    """``MlflowRegistry(tracking_uri)`` opened at its first use (``rollback_model``'s): a step refused
    before it reads the registry opens none — opening a local store that is not there creates an
    empty one — while :func:`_refuse_rollback` still knows the URI to tell whether there is a store
    to record the refusal in."""

    def __init__(self, tracking_uri: str = ""):
        self.tracking_uri = tracking_uri
        self._opened: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._opened is None:
            from ctloop.registry import MlflowRegistry

            self._opened = MlflowRegistry(self.tracking_uri)
        return getattr(self._opened, name)


def _refuse_rollback(registry: Any, isvcs: Any, *, model_name: str, failed_version: str, reason: str,
                     cfg: RolloutConfig, to_version: str, run_id: str, refusal: ConfigError) -> NoReturn:
    """:func:`rollback` refused for bad input: recorded by :func:`_rollback_refused` unless the
    version is the one it would serve (the refusal that says so: nothing failed to record), nor in a
    local store that is not there (``tracking.existing_store``: opening it would create an empty one)."""
    from ctloop.storage import kserve_storage_uri
    from ctloop.tracking import existing_store

    try:
        if getattr(registry, "tracking_uri", None) is not None:
            existing_store(registry.tracking_uri)
        champion = registry.champion(model_name) if not to_version else None
        target = to_version or (str(champion.version) if champion is not None else "")
        uri = kserve_storage_uri(registry.model_artifact_uri(model_name, failed_version))
    except CtloopError:
        raise refusal from None
    if target == failed_version:
        raise refusal
    if str(refusal).endswith("; nothing written"):  # the line says what was written: the record
        refusal = ConfigError(str(refusal).removesuffix("; nothing written"))
    failed = f"the canary of {model_name} v{failed_version} on {cfg.inference_service} is to be rolled back ({reason})"
    raise ServingBadInput(_rollback_refused(registry, isvcs, model_name=model_name, version=failed_version,
                                            champion=target or "?", failed=failed, reason=reason, run_id=run_id,
                                            cfg=cfg, uri=uri, tags={}, refusal=refusal)) from refusal


def _pin_out_then_raise(registry: Any, isvcs: Any, *, model_name: str, cfg: RolloutConfig, failed_version: str,
                        exc: RegistryError) -> NoReturn:
    """No version to roll back to (no champion: its registry version deleted takes the alias with
    it), or none whose model the registry can still locate (its training run collected by ``mlflow
    gc``, no serving sha256): abort still wins for the failed model. A canary of ``failed_version`` the spec still names
    with a share is pinned to 0 % (``rollout.set_traffic``, conditional: another model deployed
    since is left alone); then ``exc`` is raised, saying what was written."""
    from ctloop.storage import kserve_storage_uri

    if not failed_version:
        raise exc
    name = _target(cfg)
    failed_uri = kserve_storage_uri(registry.model_artifact_uri(model_name, failed_version))
    obj = isvcs.get(name)
    pinned = (((obj or {}).get("spec") or {}).get("predictor") or {}).get("canaryTrafficPercent")
    if (obj is None or pinned is None or (pinned == 0 and not rollout.staged_at_zero(obj))
            or not rollout.same_storage_uri(rollout._spec_version(obj)[1], failed_uri)):
        # nothing of the failed model's to pin out (or no pin to lower: promoted, first deployment,
        # pinned back already); a deploy's write at 0 % first is pinned back all the same: its
        # marker deleted (rollout._unstaged), or a deploy run again would resume that model —
        # its revision failed too (a failed revision can turn ready later)
        raise exc
    try:
        # only while the spec still names the failed model: set_traffic reads again, and a model
        # deployed between the two reads would be pinned out instead (ChangedOutside there)
        state = rollout.set_traffic(isvcs, name, 0, timeout_s=cfg.timeout_seconds, expect_storage_uri=failed_uri)
    except ConfigError as pin:  # bad input met by the pin (CTLOOP_KSERVE_NAMESPACE): one line, exit 2
        raise ServingBadInput(f"{exc}; pinning the failed v{failed_version}'s canary to 0 % was refused: "
                              f"{_one_line_problem(pin)}; {_spec_share(isvcs, name, failed_uri, failed_version)}"
                              ) from exc
    except CtloopError as pin:
        raise RegistryError(f"{exc}; pinning the failed v{failed_version}'s canary to 0 % failed too: {pin}") from exc
    raise RegistryError(f"{exc} (nothing to write back); the failed v{failed_version}'s canary pinned to 0 %, traffic "
                        f"{state.traffic}: roll back with --to-version N (to_version) to serve another version "
                        "durably") from exc


def _held(model_name: str, failed_version: str, target: str, cfg: RolloutConfig, state: RolloutState) -> str:
    """The line of a rollback held: the spec names another model than the failed one."""
    return (f"rollback of {model_name} v{failed_version} held: InferenceService {cfg.namespace}/"
            f"{cfg.inference_service} names v{state.version or '?'} now, neither the failed v{failed_version} nor "
            f"v{target} (another run or a person deployed it); {state.written or 'nothing written'}, left as it is (whoever deployed "
            f"it decides: ctloop rollout status){'; ' + state.note if state.note else ''}; traffic {state.traffic}")


def _status_command(cfg: RolloutConfig, model_name: str) -> str:
    """``ctloop rollout status`` of this service and model, as a rollback not applied names it (its line,
    :func:`_not_applied`, and canary's Outcome, :func:`_gone_outcome`)."""
    return (f"ctloop rollout status {shell_option('--isvc', cfg.inference_service)} "
            f"{shell_option('--namespace', cfg.namespace)} {shell_option('--model-name', model_name)}")


def _gone_outcome(model_name: str, failed_version: str, target: str, cfg: RolloutConfig,
                  state: RolloutState | None = None) -> str:
    """The reason of :func:`canary`'s Outcome for a rollback not applied (:func:`_not_applied`): the service
    gone, not another model in its spec (was: :func:`_held`'s "names v? now"); deleted since the analysis,
    or while the rollback ran (``state.written``: the error met, saying what it wrote before; was: "deleted
    since the analysis" either way)."""
    during = state.written if state is not None else ""
    when = f"deleted while this rollback ran: {during}" if during else "deleted since the analysis"
    return (f"rollback of {model_name} v{failed_version} to v{target} not applied: InferenceService {cfg.namespace}/"
            f"{cfg.inference_service} does not exist ({when}); recorded, whoever deleted it decides "
            f"({_status_command(cfg, model_name)})")


def _checked_versions(to_version: Any, failed_version: Any) -> tuple[str, str]:
    """``(to_version, failed_version)`` as MLflow numbers them ("" when not given), or one ConfigError
    line naming the parameter: '01' and '1 ' are v1 to MLflow, and compared or tagged as written the
    failed v1 was written back as its own target, or kept alias ``challenger`` ("on v1, not v01")."""
    from ctloop.registry import check_model_version

    checked = []
    for flag, given in (("--to-version / to_version", to_version), ("--failed-version / failed_version", failed_version)):
        try:
            checked.append(check_model_version(given) if given not in (None, "") else "")
        except ConfigError as exc:
            raise ConfigError(f"{flag} {given!r}: {exc}; nothing written") from None
    return checked[0], checked[1]


def _rollback_traffic(registry: Any, isvcs: Any, *, model_name: str, cfg: RolloutConfig,
                      to_version: str = "", failed_version: str = "") -> tuple[str, RolloutState]:
    """The serving half of :func:`rollback` (and of a failed deploy's): traffic back on
    ``to_version`` (default: the champion). With ``failed_version`` only that version's model is
    pinned back or replaced: a spec naming another one is left alone (the state's action ``held``;
    :func:`rollout.rollback`). Checked before anything is written: a ``to_version`` the registry
    does not have is bad input (:class:`ConfigError` naming it, serving untouched); no version to
    roll back to, or one whose model the registry can no longer locate (its training run
    collected, no serving sha256), pins the failed canary out first (:func:`_pin_out_then_raise`:
    abort still wins); a registry that could not answer (HTTP 5xx) writes nothing."""
    from ctloop.storage import kserve_storage_uri

    name = _target(cfg)
    to_version, failed_version = _checked_versions(to_version, failed_version)
    if to_version:
        try:
            registry.get_version(model_name, str(to_version))
        except RegistryGone as exc:  # a typo (--to-version 55 for 5): the failed canary is not pinned out for it
            raise ConfigError(f"--to-version / to_version {to_version}: {exc}; nothing written") from exc
    try:
        target = _rollback_target(registry, model_name, to_version)
    except RegistryGone as exc:  # no champion: nothing to write back (a 5xx reading it writes nothing)
        _pin_out_then_raise(registry, isvcs, model_name=model_name, cfg=cfg, failed_version=failed_version, exc=exc)
    if failed_version and str(failed_version) == str(target):
        # the failed version is the champion (promoted since) or the one named: "rolling back" to
        # it changed nothing — it went on serving 100 % — and tagged it rolled_back
        whose = f"--to-version / to_version is v{target}" if to_version else f"v{target} is the champion"
        raise ConfigError(f"rolling back {model_name} v{failed_version} to v{target}: {whose}, so the failed version "
                          "would go on serving; pass --to-version (to_version) with the version to serve instead "
                          "(nothing written)")
    try:  # where the target serves from: without it nothing can be written back, but abort still wins
        uri = kserve_storage_uri(registry.model_artifact_uri(model_name, target))
        sha256 = registry.serving_sha256(model_name, target)
    except (RegistryGone, ModelIntegrityError) as exc:  # its run collected; no serving sha256 recorded
        _pin_out_then_raise(registry, isvcs, model_name=model_name, cfg=cfg, failed_version=failed_version, exc=exc)
    except RegistryError as exc:  # MLflow could not answer (5xx): nothing known gone, nothing pinned
        raise RegistryError(f"rolling back {model_name} to v{target}: where v{target} serves from could not be read "
                            f"({exc}); nothing written: run the rollback again") from exc
    failed_uri = kserve_storage_uri(registry.model_artifact_uri(model_name, failed_version)) if failed_version else ""
    state = rollout.rollback(isvcs, name, version=target, storage_uri=uri, timeout_s=cfg.timeout_seconds,
                             model_sha256=sha256, failed_storage_uri=failed_uri)
    return target, state


def _rollback_target(registry: Any, model_name: str, to_version: str = "") -> str:
    """The version a rollback serves: ``to_version``, else the registry's champion."""
    if to_version:
        return str(to_version)
    champion = registry.champion(model_name)
    if champion is None:
        raise RegistryGone(f"{model_name} has no champion to roll back to: pass to_version")
    return str(champion.version)


def _record_rollback(registry: Any, *, model_name: str, failed_version: str, target: str, reason: str,
                     run_id: str, state: RolloutState, where: dict[str, str],
                     tags: dict[str, str] | None = None) -> RegistryError | None:
    """The bookkeeping half of :func:`rollback`: the failed version tagged (``tags`` too), alias ``challenger``
    removed from it (``MlflowRegistry.drop_challenger``; held too: the version failed all the same),
    the event recorded with what became of the alias (``challenger_alias``). A removal that failed
    is recorded, then returned (the caller raises it, saying the record was written)."""
    errors: list[RegistryError] = []
    # the status read before this rollback tags it says whether an earlier attempt removed the alias; a
    # refusal before counts (it removed the alias, or a register took it off the refused version)
    _mark_failed(registry, model_name=model_name, failed_version=failed_version, target=target, reason=reason,
                 run_id=run_id, status="rollback_held" if state.action == "held" else "rolled_back", tags=tags,
                 errors=errors, record={"reason": reason, "to_version": target, "pipeline_run": run_id,
                                        **state.to_dict(), **where})
    return errors[0] if errors else None


# the audit events that record a decision about a release (the others record what was written:
# deploy, traffic, validate_serving, ...); promote_aborted is how audit_log shows an aborted promote
DECISION_EVENTS = ("analysis", "traffic_promote", "promote", "promote_aborted", "rollback", "deploy_held")


def last_decision(records: list[dict[str, str]], inference_service: str,
                  namespace: str = "") -> dict[str, str | None] | None:
    """The newest decision among ``records`` (audit records, oldest first: ``registry.audit_log``)
    that concerns ``inference_service`` in ``namespace``: ``{event, decided, version, at, reason,
    pipeline_run, to_version, previous_champion}`` (the last two None unless a rollback's target or
    a promotion's previous champion), None without one. A record naming another InferenceService
    (``inference_service``, or the rollout state's ``name``) or, when both name one, another
    namespace is another service's decision (overlays deploy one name to two namespaces against one
    MLflow); a registry promotion names none (the champion is the model's). An analysis recorded
    before it named its service is taken from the deploy record of its pipeline run: without one
    among ``records`` (or naming another service) it is left out, not claimed by every service.
    ``decided``: the analysis' decision (promote, rollback, hold, stopped, refused), ``promoted`` (traffic
    to 100 %), ``champion`` (the registry alias moved), ``promotion aborted``, ``rolled back to
    vN``, ``rollback held``, ``rollback refused`` (a failed deploy's rollback that met bad input),
    ``rollback not applied: service gone`` (its InferenceService deleted since the analysis) or
    ``deploy held`` (the deploy stopped on a change made outside the rollout while it waited)."""
    deployed = {r.get("pipeline_run"): r for r in records if r.get("event") == "deploy" and r.get("pipeline_run")}

    def another(record: dict[str, str]) -> bool:
        named = record.get("inference_service") or record.get("name") or ""
        where = record.get("namespace") or ""
        return bool((named and named != inference_service) or (where and namespace and where != namespace))

    for record in reversed(records):
        event = record.get("event", "")
        if event not in DECISION_EVENTS or (event != "promote" and another(record)):
            continue
        if event == "analysis" and not (record.get("inference_service") or record.get("name")):
            deploy = deployed.get(record.get("pipeline_run") or "")
            if deploy is None or not (deploy.get("inference_service") or deploy.get("name")) or another(deploy):
                continue
        decided = {"analysis": record.get("decision", "") or "?", "traffic_promote": "promoted (traffic 100 %)",
                   "promote": "champion", "promote_aborted": "promotion aborted",
                   "deploy_held": "deploy held"}.get(event, "")
        if event == "analysis" and record.get("held_for") == INSUFFICIENT_EVIDENCE:
            decided = (f"hold ({INSUFFICIENT_EVIDENCE}: the canary keeps its share until the rollout pipeline "
                       "runs this version again or it is promoted or rolled back by hand)")
        if event == "rollback":
            decided = ("rollback held" if record.get("action") == "held" else "rollback refused"
                       if record.get("action") == "refused" else f"rollback not applied: {SERVICE_GONE}"
                       if record.get("action") == SERVICE_GONE_ACTION
                       else f"rolled back to v{record.get('to_version') or '?'}")
        return {"event": event, "decided": decided, "version": record.get("version", ""),
                "at": record.get("at", ""), "reason": record.get("reason", ""),
                "pipeline_run": record.get("pipeline_run", ""),
                **{k: record.get(k) or None for k in ("to_version", "previous_champion")}}
    return None


def canary(registry: Any, isvcs: Any, *, model_name: str, version: str, reason: str, cfg: RolloutConfig,
           run_id: str = "", check: Callable[[int], tuple[bool, str, dict]] | None = None) -> Outcome:
    """deploy → analyze → promote, rollback or hold, exactly as the pipeline chains the components. A
    failed deploy raises (its own step has put traffic back on the champion), as the failed task
    stops the pipeline."""
    deployed, _ = deploy(registry, isvcs, model_name=model_name, version=version, cfg=cfg, run_id=run_id)
    result = analyze(registry, isvcs, model_name=model_name, version=version, cfg=cfg, deploy_action=deployed.action,
                     canary_revision=deployed.latest_revision, stable_revision=deployed.previous_revision,
                     run_id=run_id, check=check)
    if result.decision == "promote":
        promote(registry, isvcs, model_name=model_name, version=version, reason=reason, cfg=cfg, run_id=run_id)
        return Outcome("promoted", result.reason, deployed, result, str(version))
    if result.decision == "hold":
        return Outcome("held", result.reason, deployed, result, "")
    target, state = rollback(registry, isvcs, model_name=model_name, failed_version=version, reason=result.reason,
                             cfg=cfg, run_id=run_id)
    if state.action == "held" and state.note == SERVICE_GONE:  # deleted since the analysis: _not_applied said it
        return Outcome("held", _gone_outcome(model_name, str(version), target, cfg, state), deployed, result, "")
    if state.action == "held":  # another model took the spec meanwhile: left to whoever deployed it
        return Outcome("held", _held(model_name, str(version), target, cfg, state), deployed, result, "")
    return Outcome("rolled_back", result.reason, deployed, result, target)


__all__ = ["Analysis", "AnalysisStopped", "Outcome", "FIRST_DEPLOYMENT", "DECISION_EVENTS", "deploy", "rollout_config_or_exit", "check_kserve_namespace", "live_check", "analyze", "step_metrics",
           "render_markdown", "promote", "gate_champion", "rollback", "last_decision", "canary"]
