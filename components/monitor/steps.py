"""The steps of ``monitor_model`` with their I/O, KFP-free: one window read in bounded memory
(:mod:`ctloop.monitoring.window`), in one task or fanned out over partitions.

* :func:`plan` (``plan_monitoring``): the window, the champion and the history decide what a state
  collects (:func:`.core.window_spec`); the window's files are listed, the request ids with
  repeated keys found and the files split into ``monitoring.partitions`` groups, saved as a plan directory;
* :func:`summarise` (``summarise_partition``, one task per group): the partial state of a group;
* :func:`monitor` (``monitor_model``): the merged state of the partitions, or — without a plan —
  the whole window read here, judged (:func:`.core.judge_state`) and recorded (MLflow run,
  Prometheus push).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ctloop.components.monitor import core

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ctloop.config import MonitoringConfig
    from ctloop.labels.join import LabelIndex
    from ctloop.monitoring.champion import Champion
    from ctloop.monitoring.store import MonitoringStore


@dataclass
class Context:
    """What judging a window needs besides its rows."""

    cfg: MonitoringConfig
    window: core.Bounds
    store: MonitoringStore
    history: list[dict[str, Any]]
    previous: dict[str, Any] | None
    champion: Champion | None
    labels: LabelIndex | None  # the label store's index (never its text: :func:`ctloop.labels.join.index_store`)
    trigger_seen: str = "none"  # the newest retrain started when the history was read (MonitoringStore.last_trigger)
    notes: list[str] = field(default_factory=list)  # for the window's record (core.window_end)

    def spec(self):
        return core.window_spec(self.window, self.champion, self.previous, self.cfg)

    def index(self) -> LabelIndex | None:
        return self.labels


def read_labels(cfg: MonitoringConfig) -> LabelIndex | None:
    """The index of the label store (``None`` without a store or labels)."""
    from ctloop.labels.join import index_store

    return index_store(cfg.labels_root) if cfg.labels_root else None


def context(model_name: str, monitoring: dict, *, as_of: str = "", end: pd.Timestamp | None = None,
            tracking_uri: str = "") -> Context:
    """The configuration, window (ending ``end``, else ``as_of``, else :data:`.core.LIVE_SETTLE` before
    now: :func:`.core.window_end`), history, champion and labels."""
    from ctloop.config import MonitoringConfig
    from ctloop.monitoring import champion, publish
    from ctloop.monitoring.store import MonitoringStore
    from ctloop.registry import MlflowRegistry
    from ctloop.timeutil import utc_now

    cfg = MonitoringConfig.from_dict(monitoring)
    publish.check(cfg.pushgateway_url, model_name)
    registry = MlflowRegistry(tracking_uri)
    notes: list[str] = []
    if end is None:  # else the plan's window, planned (and said: Plan.notes) by its own context
        end, notes = core.window_end(as_of, utc_now())
    window = core.bounds(end, cfg)
    store = MonitoringStore(registry.client, model_name)
    seen = store.last_trigger()  # before the history: a retrain started in between is not missed
    history = store.history(window_end=window.end.isoformat(), need=core.history_depth(cfg), window=cfg.window)
    champ = champion.load(registry, model_name)
    for end in store.mark_unjudged(history, registry, champ.version if champ is not None else None):
        print(f"ctloop: the retrain asked for in the window ending {end} compared no challenger with the champion "
              "(its run failed or was cancelled, or the gate holdout could not make the comparison): not read as "
              "a rejection (the reference is not re-based on that window)")
    return Context(cfg, window, store, history, store.previous(history, window.end.isoformat()),
                   champ, read_labels(cfg), seen, notes)


def plan(model_name: str, monitoring: dict, out_dir: str, *, as_of: str = "", tracking_uri: str = "") -> list[int]:
    """Plan the window's fan-out into ``out_dir``; the partition numbers."""
    from ctloop.monitoring import window

    ctx = context(model_name, monitoring, as_of=as_of, tracking_uri=tracking_uri)
    planned = window.plan(ctx.cfg.log_root, model_name, ctx.spec(), ctx.cfg.partitions)
    planned.notes = list(ctx.notes)  # monitor() records them: its context reads the plan's end, not the clock
    planned.save(out_dir)
    for note in ctx.notes:
        print(f"ctloop: WARNING: {note}")
    sizes = ", ".join(str(len(g)) for g in planned.groups)
    print(f"ctloop: monitor {model_name}: window ({ctx.window.start}, {ctx.window.end}] read in "
          f"{len(planned.groups)} partition(s) of {sizes} files; {len(planned.involved)} request ids with "
          "repeated keys")
    return list(range(len(planned.groups)))


def summarise(plan_dir: str, partition: int, monitoring: dict, out_dir: str) -> None:
    """The partial state of one partition of a plan into ``out_dir``."""
    from ctloop.config import MonitoringConfig
    from ctloop.monitoring import window

    planned = window.Plan.load(plan_dir)
    part = window.collect_partition(planned, int(partition), read_labels(MonitoringConfig.from_dict(monitoring)))
    part.save(out_dir)
    print(f"ctloop: partition {int(partition) + 1}/{len(planned.groups)}: {part.state.counts['rows']} rows in the "
          f"window, {len(part.held)} rows held for the exact merge")


@dataclass
class Outcome:
    result: core.WindowJudgement
    run_id: str
    pushed: str  # a failed push's warning, else ""


def monitor(model_name: str, monitoring: dict, *, as_of: str = "", tracking_uri: str = "",
            plan_dir: str = "", partial_dirs: list[str] = ()) -> Outcome:
    """Judge and record the window: merged from ``partial_dirs`` of the plan in ``plan_dir``, or read
    here when there is no plan."""
    from ctloop.monitoring import publish, window
    from ctloop.monitoring.trigger import COOLDOWN_TAG

    planned = window.Plan.load(plan_dir) if plan_dir else None
    ctx = context(model_name, monitoring, as_of=as_of, tracking_uri=tracking_uri,
                  end=planned.spec.end if planned else None)
    index = ctx.index()
    if planned is not None:
        if len(partial_dirs) != len(planned.groups):
            from ctloop.errors import InferenceLogError

            raise InferenceLogError(f"the plan has {len(planned.groups)} partitions but {len(partial_dirs)} partial "
                                    "states arrived: every partition task must succeed")
        state = window.merge_partials([window.Partial.load(d, index) for d in partial_dirs], index,
                                      partitions=len(planned.groups))
    else:
        state = window.collect(ctx.cfg.log_root, model_name, ctx.spec(), index)
    ctx.labels = index = None  # the state holds the index, and drops it once joined
    result = core.judge_state(state=state, labels=None, champion=ctx.champion, history=ctx.history,
                              previous=ctx.previous, cfg=ctx.cfg, model_name=model_name, consume=True)
    # the window's own notes: said by the plan's context when there is a plan (this context
    # read the plan's end, so it has none), else by this one
    result.warnings.extend(planned.notes if planned is not None else ctx.notes)
    # a retrain asked for records the newest one started when its history was read: its trigger starts
    # nothing when another started since (two monitoring runs of one window at once; trigger.start_training);
    # and the rules' cooldown, within which a retrain found late in KFP stands for this one (trigger._late_retrain)
    cooldown = ctx.cfg.rules.active().get("cooldown")
    tags = ({**result.tags, "trigger_seen": ctx.trigger_seen, **({COOLDOWN_TAG: str(cooldown)} if cooldown else {})}
            if result.verdict.fire else result.tags)
    run_id = ctx.store.record(window_end=ctx.window.end, metrics=result.series, tags=tags,
                              retrain=result.verdict.fire, rule=result.verdict.rule, reason=result.reason,
                              metric=result.metric, warnings=result.warnings)
    # the Pushgateway holds one window per model (a PUT replaces it): a window older than the newest
    # recorded one (a backfill, a clock behind) would hand Prometheus stale numbers as the current ones
    newer = ctx.store.newer_window(ctx.window.end, run_id) if publish.gateway(ctx.cfg.pushgateway_url) else None
    if newer:
        pushed = (f"monitoring metrics of {model_name} not pushed: the window ending {ctx.window.end.isoformat()} is "
                  f"older than the window ending {newer} already recorded; the Pushgateway keeps the newer one")
    else:
        pushed = publish.publish_window(ctx.cfg.pushgateway_url, model=model_name, window=result.published(ctx.cfg))
    return Outcome(result, run_id, pushed or "")


__all__ = ["Context", "context", "plan", "summarise", "monitor", "Outcome", "read_labels"]
