"""Starting a continuous-training run when a monitoring rule fired (``trigger_training``).

The run is created in-process through the KFP API (:meth:`ctloop.ops.platform.Platform.create_run`)
from the version of the ``continuous-training`` pipeline that the model's ``ct-`` schedule runs — the
one ``ctloop apply`` uploaded and pinned, with its image, resources and volume mounts
(:meth:`~ctloop.ops.platform.Platform.pinned_version`; the newest upload only when no schedule pins
one) — with ``drift.force_retrain`` set — and, for a recovery retrain (:mod:`ctloop.monitoring.policy`), ``data.window`` cut back to the
data since the change (the window's ``train_from`` tag); for the retrain of a loss,
``training.candidate_since`` from the window's ``try_from`` tag (:mod:`ctloop.retrain`). Nothing is compiled inside the monitoring task. The monitoring window that decided is marked
``triggered=true`` (with the KFP run id) only once the run exists; a failed call marks it
``triggered=failed`` with the error, records a ``retrain_trigger_failed`` audit event and raises —
the next window decides again (a failed trigger starts no cooldown), unless the retrain of a window
marked failed exists in KFP after all (stored after its create was given up on; asked for in the KFP
experiment that window's attempt used, its ``trigger_experiment`` tag): then that window is
marked triggered with it, and this one starts nothing while that run is live or this window is within the
rules' cooldown of that window's end (:func:`_late_retrain`).
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from ctloop.errors import CtloopError, PlatformError, one_line

PIPELINE = "continuous-training"


def training_parameters(params: dict[str, Any] | None, model_name: str, *, train_from: str = "",
                        try_from: str = "", now: Any = None) -> dict[str, Any]:
    """The triggered run's parameters: the configured ones, ``model_name``, and ``drift.force_retrain``;
    with ``train_from`` (a recovery retrain of :mod:`ctloop.monitoring.policy`: the data since a
    change) a ``data.window`` reaching back to it from ``now``, when shorter than the configured one;
    with ``try_from`` (the retrain of a loss: a candidate start) ``training.candidate_since``, so
    ``train_model`` also trains on the rows since then and keeps that model when it is confidently
    better (:func:`ctloop.retrain.choose_start`)."""
    from ctloop.config import DataConfig
    from ctloop.timeutil import parse_duration, to_utc, utc_now

    out = copy.deepcopy(dict(params or {}))
    out["model_name"] = model_name
    out["drift"] = {**dict(out.get("drift") or {}), "force_retrain": True}
    if try_from:
        out["training"] = {**dict(out.get("training") or {}),
                           "candidate_since": to_utc(try_from, name="try_from").isoformat()}
    if train_from:
        data = dict(out.get("data") or {})
        # the training window ends at data.as_of (default: the newest row, which lags `now` by the
        # label delay): pin the end so the window really starts at train_from
        end = (to_utc(data["as_of"], name="data.as_of") if data.get("as_of")
               else to_utc(now) if now is not None else utc_now())
        span = end - to_utc(train_from, name="train_from")
        configured = data.get("window", DataConfig.window)
        if span.total_seconds() >= 1 and (not configured or span < parse_duration(configured, name="data.window")):
            data["window"] = f"{int(span.total_seconds())}s"
            data["as_of"] = data.get("as_of") or end.isoformat()
            out["data"] = data
    return out


def start_training(registry: Any, store: Any, platform: Any, *, model_name: str, reason: str,
                   params: dict[str, Any] | None, experiment: str, pipeline: str = PIPELINE,
                   monitor_run_id: str = "") -> str:
    """Create the run (see the module doc); returns its KFP run id. ``platform`` is the KFP client
    or a function that connects it: a KFP that cannot be reached is a failed trigger like any other
    (marked and audited, so the next window decides again)."""
    from mlflow.exceptions import MlflowException

    started = _already_started(store, monitor_run_id)
    if started:  # before the lock: a lock held now (by that retrain's own promotion) must not mark it failed
        return started
    # under the model's promotion lock: two monitoring runs' triggers at once are checked one after
    # the other (a registry double without one: no lock)
    locked = getattr(registry, "_locked", None)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locked(model_name) if callable(locked) else contextlib.nullcontext())
        except (CtloopError, MlflowException) as exc:
            # the lock held past its timeout (a promotion or approval running) or MLflow failing: a
            # failed trigger like any other
            _failed(registry, store, exc, model_name=model_name, reason=reason, monitor_run_id=monitor_run_id)
        return _start(registry, store, platform, model_name=model_name, reason=reason, params=params,
                      experiment=experiment, pipeline=pipeline, monitor_run_id=monitor_run_id)


def retrain_key(model_name: str, monitor_run_id: str) -> str:
    """The idempotency key of the retrain a monitoring window starts: the same for every attempt of that
    window's trigger, another for every other window. It goes in the run's description
    (``Platform.create_run(key=...)``, found by :meth:`~ctloop.ops.platform.Platform.keyed_run`), not in
    its id: kubeflow/pipelines 2.17.0 ``resource/resource_manager.go`` ``CreateRun`` creates the Argo
    workflow (labelled ``pipeline/runid=<run id>``) before it stores the run, and ``ReportWorkflowResource``
    adopts every workflow whose run id has a stored run, so a retry under the id of an attempt whose store
    failed (500) would train twice under one run. Each attempt sends an id of its own: the failed one's
    workflow has no row and is deleted. A ctloop before round 42 sent the key as the run's id
    (:func:`_keyed` still finds such a run)."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ctloop-retrain:{model_name}/{monitor_run_id}"))


# seconds the clocks of KFP's API server and of the machine that started a monitoring window's MLflow run may
# be apart: a window's retrain is created after the window's run started, on either clock, less this
CLOCK_SKEW = 600


def _keyed(platform: Any, experiment_id: str, key: str, *, legacy: bool = True, since: float | None = None) -> Any:
    """The run of ``experiment_id`` created with the idempotency ``key``, else (``legacy``: a window no
    attempt of this ctloop marked, :data:`EXPERIMENT_TAG`) the run whose id is ``key`` (created by a ctloop
    before round 42), else ``None``. Raises what KFP answers (a :class:`CtloopError`), except when a proxy
    that drops ``?filter=`` made the lookup give up (``Platform.keyed_run``: the newest ``KEY_SCAN`` runs
    read, none with the key) after runs created before ``since`` (Unix seconds: when the window's MLflow run
    started, less :data:`CLOCK_SKEW`), which no retrain of the window can be: then the key has no run. Without
    it, once an experiment held ``KEY_SCAN`` runs newer than anything else (six weeks of hourly runs), every
    window's trigger failed and no retrain ever started again."""
    try:
        found = platform.keyed_run(experiment_id, key) if experiment_id else None
    except PlatformError as exc:
        reached = getattr(exc, "scanned_to", None)
        if since is None or reached is None or reached >= since:
            raise
        print(f"ctloop: warning: {one_line(str(exc)).partition('; ')[0]}; the newest of them reach back before "
              f"the monitoring window began, so no retrain of it has key {key}")
        found = None
    return found if found is not None or not legacy else platform.find_run(key)


def _find(platform: Any, experiment_id: str, key: str, *, legacy: bool = True, since: float | None = None) -> Any:
    """:func:`_keyed`; ``None`` also when KFP cannot say."""
    try:
        return _keyed(platform, experiment_id, key, legacy=legacy, since=since)
    except CtloopError:
        return None


def _since(start_time: Any) -> float | None:
    """:func:`_keyed`'s ``since`` for a window whose MLflow run started at ``start_time`` (milliseconds)."""
    return start_time / 1000 - CLOCK_SKEW if isinstance(start_time, int | float) and start_time > 0 else None


# the KFP experiment (id) a failed attempt of a window's trigger looked its key up in and sent its create to:
# where the window's late retrain is asked for, whatever kfp.experiment says later. A window without it was
# marked failed by a ctloop before round 42, whose retrain may also have the key as its id (:func:`_keyed`)
EXPERIMENT_TAG = "trigger_experiment"


# the newest windows marked failed that a trigger asks KFP about (one list of runs by key each; a window
# without EXPERIMENT_TAG one GET /runs/{id} more: :func:`_keyed`)
LATE_WINDOWS = 5
COOLDOWN_TAG = "trigger_cooldown"  # the rules' cooldown, written on a window that asks for a retrain
# v2beta1 run.proto RuntimeState (kubeflow/pipelines 2.17.0) of a run that may still train: a late
# retrain in one of these stands for this window's, whatever its age (unknown: taken as live)
LIVE = frozenset({"PENDING", "RUNNING", "PAUSED", "RUNTIME_STATE_UNSPECIFIED"})


def _late_retrain(store: Any, platform: Any, experiment_id: str, model_name: str, monitor_run_id: str,
                  tags: dict[str, str]) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """The windows marked ``triggered=failed`` since the newest retrain whose retrain exists in KFP after
    all, as ``(window run, KFP run)`` pairs, and ``(KFP run, why)`` when one of them stands for the retrain
    of the window ``monitor_run_id`` (its ``tags``), which then starts nothing (``None``: it starts its
    own). kubeflow/pipelines 2.17.0
    ``resource/resource_manager.go`` ``CreateRun`` creates the workflow and then stores the run: a store
    that outlasted the create's timeout and the lookup after it (``GET /runs/{id}``: 404) marked the
    window failed, and the run was stored later and trained; the next window that fired started a second
    retrain. Each window's retrain has its own key (:func:`retrain_key`) in the KFP experiment its attempt
    used (:data:`EXPERIMENT_TAG`; ``experiment_id``, the trigger's now, for a window marked before round 42),
    so it is asked for (:func:`_keyed`): at most :data:`LATE_WINDOWS` windows. Such a
    run stands for this window's retrain while it is live
    (:data:`LIVE`) or while this window ends within the rules' cooldown (:data:`COOLDOWN_TAG`) of that
    window's end, as the rules would have judged had it been marked on time; one that ended (CANCELED,
    FAILED, or SUCCEEDED longer ago) does not hold back the retrain this window asks for."""
    from ctloop.monitoring.store import FAILED, SEQ_TAG, TRIGGERED

    if not monitor_run_id:
        return [], None
    exp_id = store.experiment_id(create=False)
    if exp_id is None:
        return [], None
    newest = store.client.search_runs([exp_id], filter_string=f"tags.triggered = '{TRIGGERED}'", max_results=1,
                                      order_by=[f"tags.{SEQ_TAG} DESC", "attributes.start_time DESC"])
    since = newest[0].data.tags.get("window_end", "") if newest else ""
    failed = store.client.search_runs([exp_id], filter_string=f"tags.triggered = '{FAILED}'",
                                      max_results=LATE_WINDOWS, order_by=["tags.window_end DESC"])
    found: list[tuple[str, str]] = []
    skip = None
    for window in failed:
        run_id = window.info.run_id
        if run_id == monitor_run_id or window.data.tags.get("window_end", "") <= since:
            continue
        used = window.data.tags.get(EXPERIMENT_TAG, "")
        run = _find(platform, used or experiment_id, retrain_key(model_name, run_id), legacy=not used,
                    since=_since(getattr(getattr(window, "info", None), "start_time", None)))
        if run is None:
            continue
        wanted = str(run.run_id)
        found.append((run_id, wanted))
        why = "" if skip else _stands_for(run, window.data.tags.get("window_end", ""), tags)
        if why:
            skip = wanted, (f"the retrain of the window {run_id}, marked failed, started after all (KFP run "
                            f"{wanted}, stored after its create was given up on) and {why}: not started again")
    return found, skip


def _stands_for(run: Any, late_end: str, tags: dict[str, str]) -> str:
    """Why the late retrain ``run`` of the window ending ``late_end`` stands for the retrain of the
    window with ``tags``; ``""`` when it does not."""
    import pandas as pd

    from ctloop.errors import ConfigError
    from ctloop.timeutil import parse_duration

    state = str(getattr(run, "state", "") or "RUNTIME_STATE_UNSPECIFIED").upper()
    if state in LIVE:
        return f"is {state}"
    cooldown = tags.get(COOLDOWN_TAG, "")
    try:
        gap = pd.Timestamp(tags.get("window_end", "")) - pd.Timestamp(late_end)
        within = bool(cooldown) and gap < parse_duration(cooldown, name="rules.cooldown")
    except (ValueError, TypeError, ConfigError):  # a tag someone else wrote: no cooldown to keep
        within = False
    return f"is {state}, within the cooldown {cooldown} of that window's end" if within else ""


def _already_started(store: Any, monitor_run_id: str) -> str:
    """The KFP run of the window's retrain when it started already (this step re-run after it
    succeeded); ``""`` otherwise, or when the window cannot be read (the locked check decides)."""
    from mlflow.exceptions import MlflowException

    if not monitor_run_id:
        return ""
    try:
        tags = store.client.get_run(monitor_run_id).data.tags
    except (MlflowException, CtloopError):  # registry's client words a refusal as a RegistryError
        return ""
    return _started_run(tags, monitor_run_id, store)


def _started_run(tags: dict[str, str], monitor_run_id: str, store: Any = None) -> str:
    """``kfp_run`` of a window whose retrain started (said on stdout), else ``""``: that run, never
    a second one for the same window. A window still ``pending`` with its ``kfp_run`` set was marked
    half (an older ctloop wrote the tags one by one and a write failed): started too, and when it
    has its ``trigger_seq`` the mark is completed (best effort) so the next window sees it."""
    from mlflow.exceptions import MlflowException

    from ctloop.monitoring.store import PENDING, TRIGGERED, trigger_seq

    if tags.get("triggered") == PENDING and tags.get("kfp_run") and store is not None and trigger_seq(tags):
        with contextlib.suppress(MlflowException, CtloopError):  # a RegistryError from registry's client
            store.client.set_tag(monitor_run_id, "triggered", TRIGGERED)
    if tags.get("triggered") in (TRIGGERED, PENDING) and tags.get("kfp_run"):
        print(f"ctloop: the retrain of the window {tags.get('window_end', monitor_run_id)} already started "
              f"(KFP run {tags['kfp_run']}): not started again")
        return tags["kfp_run"]
    return ""


def _failed(registry: Any, store: Any, exc: Exception, *, model_name: str, reason: str, monitor_run_id: str,
            experiment_id: str = "") -> None:
    """A failed trigger: the window marked ``triggered=failed`` (with :data:`EXPERIMENT_TAG` when the
    attempt resolved its KFP experiment ``experiment_id``), a ``retrain_trigger_failed`` audit event, and a
    :class:`PlatformError` in one line."""
    error = str(exc)[-1500:]
    if monitor_run_id:
        store.mark_failed(monitor_run_id, error, **({EXPERIMENT_TAG: experiment_id} if experiment_id else {}))
    registry.record_event(model_name, "", {"event": "retrain_trigger_failed", "reason": reason, "error": error,
                                           "monitor_run": monitor_run_id})
    raise PlatformError(f"could not start the continuous-training run of {model_name}: {error[-500:]}") from exc


def _prepare(platform: Any, pipeline: str, experiment: str, model_name: str) -> Any:
    """What ``Platform.prepare_run`` resolves for the retrain (its experiment, the version the model's
    schedule pins), once for this window's lookup by key and the create (experiment created when missing)."""
    from ctloop.config import schedule_name

    return platform.prepare_run(pipeline, experiment=experiment, run_name=f"retrain-{model_name}",
                                schedule=schedule_name(pipeline, model_name))


def _create(platform: Any, prepared: Any, pipeline: str, *, experiment: str, params: dict[str, Any],
            model_name: str, key: str, legacy: bool = True, earlier: str = "", since: float | None = None) -> str:
    """The window's retrain: the run of its ``key`` when one exists (an earlier attempt of this window's
    trigger, asked for first in the experiment that attempt used, ``earlier``: :data:`EXPERIMENT_TAG`),
    else one created with the key (:func:`retrain_key`). One whose create failed but which KFP has (its
    answer lost: a timeout, a 5xx after the store) is the retrain; otherwise the failure is raised."""
    from ctloop.config import schedule_name

    create = {"experiment": experiment, "params": params, "run_name": f"retrain-{model_name}",
              "schedule": schedule_name(pipeline, model_name)}
    if prepared is None or not key:
        return platform.create_run(pipeline, **create)
    found = None
    if earlier and earlier != prepared.experiment_id:  # kfp.experiment changed since that attempt
        found = _keyed(platform, earlier, key, legacy=False, since=since)
    found = found or _keyed(platform, prepared.experiment_id, key, legacy=legacy, since=since)
    if found is not None:  # the step re-run after a create whose answer was lost (the window marked failed)
        print(f"ctloop: KFP has the retrain run {found.run_id} of this window already: not started again")
        return str(found.run_id)
    try:
        return platform.create_run(pipeline, key=key, prepared=prepared, **create)
    except CtloopError:
        found = _find(platform, prepared.experiment_id, key, legacy=legacy, since=since)
        if found is None:
            raise
        print(f"ctloop: KFP did not answer the create of the retrain run {found.run_id}, which exists: started")
        return str(found.run_id)


def _start(registry: Any, store: Any, platform: Any, *, model_name: str, reason: str, params: dict[str, Any] | None,
           experiment: str, pipeline: str, monitor_run_id: str) -> str:
    from mlflow.exceptions import MlflowException

    from ctloop.monitoring.store import FAILED

    train_from = try_from = used = ""
    try:
        window_run = store.client.get_run(monitor_run_id) if monitor_run_id else None
        tags = window_run.data.tags if window_run is not None else {}
        if started := _started_run(tags, monitor_run_id, store):  # again under the lock: a re-run at the same time
            return started
        seen = tags.get("trigger_seen")
        latest = store.last_trigger() if seen else None
        if seen and latest != seen:
            # a retrain started after this window was judged (another monitoring run of the same
            # window, at once): its verdict did not see it — the next window decides, in its cooldown
            why = (f"a retrain started after this window was judged (KFP run {latest}; the window saw {seen}): "
                   "not started again")
            store.mark_skipped(monitor_run_id, why)
            registry.record_event(model_name, "", {"event": "retrain_trigger_skipped", "reason": reason,
                                                   "monitor_run": monitor_run_id, "why": why})
            print(f"ctloop: the retrain of the window {tags.get('window_end', monitor_run_id)}: {why}")
            return ""
        train_from, try_from = tags.get("train_from", ""), tags.get("try_from", "")
        arguments = training_parameters(params, model_name, train_from=train_from, try_from=try_from)
        if callable(platform) and not hasattr(platform, "create_run"):
            platform = platform()
        keyed = bool(monitor_run_id) and getattr(platform, "keyed_run", None) is not None
        # the lookups create nothing and resolve no version: a refusal of the create's checks (a deleted
        # pinned version) still lets a live late retrain be recorded, and a window that starts nothing
        # creates no experiment
        current = platform.ensure_experiment(experiment, dry_run=True) if keyed else ""
        late, skip = (_late_retrain(store, platform, current, model_name, monitor_run_id, tags) if keyed
                      else ([], None))
        for window, run in late:  # they started: marked so (the cooldown counts from them)
            store.mark_triggered(window, run)
            print(f"ctloop: the retrain of the window {window}, marked failed, started after all (KFP run {run})")
        if skip:
            run, why = skip
            store.mark_skipped(monitor_run_id, why)
            registry.record_event(model_name, "", {"event": "retrain_trigger_skipped", "reason": reason,
                                                   "monitor_run": monitor_run_id, "why": why, "kfp_run": run})
            print(f"ctloop: the retrain of the window {tags.get('window_end', monitor_run_id)}: {why}")
            return ""
        prepared = _prepare(platform, pipeline, experiment, model_name) if keyed else None
        used = prepared.experiment_id if prepared else ""
        # an attempt of this window that failed (marked) after round 42 used EXPERIMENT_TAG: no run has
        # its key as id; nor has one when no attempt was marked failed
        legacy = tags.get("triggered") == FAILED and not tags.get(EXPERIMENT_TAG)
        run_id = _create(platform, prepared, pipeline, experiment=experiment, params=arguments,
                         model_name=model_name, key=retrain_key(model_name, monitor_run_id) if monitor_run_id else "",
                         legacy=legacy, earlier=tags.get(EXPERIMENT_TAG, ""),
                         since=_since(getattr(getattr(window_run, "info", None), "start_time", None)))
    except (CtloopError, MlflowException) as exc:
        _failed(registry, store, exc, model_name=model_name, reason=reason, monitor_run_id=monitor_run_id,
                experiment_id=used)
    problems = []  # the run exists: no failed trigger, but an error must say which run started
    if monitor_run_id:
        try:
            store.mark_triggered(monitor_run_id, run_id)
        except (MlflowException, CtloopError) as exc:
            problems.append(f"monitoring window {monitor_run_id} not marked triggered ({one_line(str(exc))[:300]})")
    try:
        registry.record_event(model_name, "", {"event": "retrain_triggered", "reason": reason, "kfp_run": run_id,
                                               "monitor_run": monitor_run_id, "pipeline": pipeline,
                                               "train_from": train_from, "try_from": try_from})
    except CtloopError as exc:
        problems.append(f"audit record not written ({one_line(str(exc))[:300]})")
    if problems:
        raise PlatformError(f"started the continuous-training run {run_id} of {model_name}, but: {'; '.join(problems)}: "
                            f"do not start it again"
                            + (f" (set the window run's tags kfp_run={run_id}, trigger_seq=the experiment's highest + 1 "
                               "(12 digits), triggered=true)" if monitor_run_id else ""))
    return run_id


__all__ = ["PIPELINE", "training_parameters", "start_training"]
