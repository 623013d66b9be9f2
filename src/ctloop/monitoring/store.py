"""The monitoring history in MLflow: one run per judged window in experiment ``<model>-monitoring``.

Each window's run carries its metrics (rows, drift share and scores, realized metric and rows,
rows since training) with the window end as timestamp, and tags: ``window_end``, ``rule``,
``reason``, ``retrain`` and ``triggered`` — the decision to retrain is ``pending`` until
``trigger_training`` started the run (``true``, with ``kfp_run``) or failed to (``failed``, reason
in ``trigger_error``).

Reads are bounded by what the rules need, newest first: the last ``need`` windows (the drift
rule's N-1 earlier windows, and the previous window for the volume count) and the last
*successful* trigger (for the cooldown) — however long the history.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError, RegistryError
from ctloop.monitoring.policy import LEVEL_FIELDS, not_judged, per_class
from ctloop.monitoring.rules import RUN_FIELDS, same_window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MONITORING_SUFFIX = "-monitoring"
TRIGGERED, PENDING, FAILED, NOT_TRIGGERED = "true", "pending", "failed", "false"
AHEAD = timedelta(days=1)  # a window end further after now is a mistake (MonitoringStore.newer_window)
NEWER_READ = 1000  # window ends read at most by MonitoringStore.newer_window
SLACK = 5  # extra recent runs read, for windows re-run or judged out of order
TAG_LIMIT = 4000  # characters kept of a long tag value (reason, warnings)
# the audit events of a continuous-training run that compared no challenger with the champion
# (ctloop.components.record.core.FAILED_STATES' events; a rejection recorded judged=false)
NOT_JUDGED_EVENTS = frozenset({"run_failed", "run_cancelled"})
# the audit events of a run whose challenger passed the gate: registered, or found decided since by a retried
# register (ctloop.components.register.core.DECIDED, recorded by the pipeline's decided-since branch)
COMPARED_EVENTS = frozenset({"register", "decided"})
HISTORY_COLUMNS = ["window_end", "rows", "drift_share", "realized", "realized_rows", "unseen_labels", "empty_features",
                   "rule", "triggered",
                   "champion_version", "kfp_run", "realized_metric", "reason", "run_id"]


# the order retrains started in: each triggered window takes the next number (zero-padded, so the
# tag's text sorts as the number), never a writer's clock (MonitoringStore.last_trigger)
SEQ_TAG = "trigger_seq"
SEQ_WIDTH = 12


def trigger_seq(tags: dict[str, str]) -> int:
    """A window's :data:`SEQ_TAG` number; 0 without one (a window an older ctloop triggered, or a
    tag that is no number of :data:`SEQ_WIDTH` digits)."""
    value = tags.get(SEQ_TAG) or ""
    return int(value) if len(value) == SEQ_WIDTH and value.isascii() and value.isdigit() else 0


KEY_LIMIT = 250  # MLflow's longest metric name (mlflow 3.x mlflow/utils/validation.py MAX_ENTITY_KEY_LENGTH)


def metric_key(name: str) -> str:
    """An MLflow-safe metric name (letters, digits, ``_ - . /`` and spaces). MLflow also refuses a
    name a path normalisation changes (``path_not_unique``: ``a//b``, a trailing ``/``, ``./``):
    its slashes become ``_``; and one longer than :data:`KEY_LIMIT`: cut, with a digest of the
    whole name so that two long names stay two series. A per-version series is named by the
    ``model_version`` a log carries (any text): one such value failed the window's whole run."""
    import hashlib
    import posixpath

    key = re.sub(r"[^A-Za-z0-9_\-./ ]", "_", name)
    norm = posixpath.normpath(key) if key else key
    if key and (norm != key or norm == "." or norm.startswith(("..", "/"))):
        key = "_" + key.replace("/", "_") if key.startswith(".") else key.replace("/", "_")
    if len(key) > KEY_LIMIT:
        key = key[:KEY_LIMIT - 13] + "_" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return key


def window_end_of(tags: dict[str, str]) -> str | None:
    """A run's ``window_end`` tag when it is a time, else None: a run someone else wrote in the
    experiment (a notebook, a hand-set tag) is no window — its date parse error crashed every
    later monitoring run. (:meth:`MonitoringStore.history` also leaves out a time without a zone
    among windows with one, and the other way round: they cannot be compared.)"""
    import pandas as pd

    end = tags.get("window_end")
    if not end:
        return None
    try:
        stamp = pd.Timestamp(end)
    except (ValueError, TypeError, OverflowError):
        return None
    return end if stamp is not pd.NaT else None


def _comparable(end: str | None, now: pd.Timestamp) -> bool:
    """Whether the window end ``end`` can be compared with ``now`` (both with a zone or both without)."""
    import pandas as pd

    return bool(end) and (pd.Timestamp(end).tzinfo is None) == (now.tzinfo is None)


def to_record(run: Any) -> dict[str, Any]:
    """The rule engine's view of one window's run (:mod:`ctloop.monitoring.rules`)."""
    tags, metrics = run.data.tags, run.data.metrics
    budget = metrics.get("budget")
    if budget is not None and tags.get("retrain") == "true" and tags.get("triggered") != TRIGGERED:
        budget += 1  # a retrain that did not start spends nothing (ctloop.monitoring.policy.not_started)
    return {"run_id": run.info.run_id, "window_end": window_end_of(tags), "rows": metrics.get("rows"),
            "drift_share": metrics.get("drift_share"),
            "realized": metrics.get("realized"), "realized_rows": metrics.get("realized_rows"),
            "rows_since_training": metrics.get("rows_since_training"), "champion_version": tags.get("champion_version"),
            "triggered": tags.get("triggered") == TRIGGERED, "kfp_run": tags.get("kfp_run") or None,
            # the statistical rules' state (monitor core CARRIED): prediction drift persistence, CUSUM
            "psi": metrics.get("psi"), "psi_bound": metrics.get("psi_bound"), "cusum": metrics.get("cusum"),
            # the policy's state (ctloop.monitoring.policy): the re-based reference and the recovery
            "realized_se": metrics.get("realized_se"), "brier": metrics.get("brier"),
            "brier_se": metrics.get("brier_se"), "rule": tags.get("rule"),
            "mse": metrics.get("mse"), "mse_se": metrics.get("mse_se"),  # a regressor's squared error
            "mae": metrics.get("mae"), "mae_se": metrics.get("mae_se"),  # and absolute error
            "change": tags.get("recovery_since") or None, "gap": metrics.get("gap"), "budget": budget,
            "train_since": tags.get("train_since") or None, "try_since": tags.get("try_since") or None,
            **{field: metrics.get(field) for field in LEVEL_FIELDS},  # the recovery's levels (policy)
            "loss_z": metrics.get("loss_z"),  # a loss's size (rules): whether it starts a recovery by itself
            # the CUSUM's run (rules._run): its windows, the sum of their losses and of the squares
            **{field: metrics.get(field) for field in RUN_FIELDS},
            # a multiclass window's per-class statistics: a reference re-based on it compares class by class
            **{key: value for key, value in metrics.items() if per_class(key)}}


class MonitoringStore:
    """Reading and writing one model's monitoring history through an ``MlflowClient``."""

    def __init__(self, client: Any, model_name: str):
        self.client = client
        self.model_name = model_name
        self._experiment_id: str | None = None

    @property
    def experiment_name(self) -> str:
        return f"{self.model_name}{MONITORING_SUFFIX}"

    def experiment_id(self, create: bool = True) -> str | None:
        """The monitoring experiment's id (created when ``create`` and missing). A deleted one is
        refused when ``create`` (the id is for writing) and read but never cached otherwise: a
        reader first (``last_trigger``) must not let a writer skip the check."""
        if self._experiment_id is None:
            from mlflow.exceptions import MlflowException

            from ctloop.tracking import local_artifact_root, restore_command

            try:
                exp = self.client.get_experiment_by_name(self.experiment_name)
            except MlflowException as exc:  # a 400/5xx answer: one line, not a traceback out of `monitor history`
                from ctloop.tracking import masked

                raise RegistryError(f"cannot read the monitoring experiment {self.experiment_name!r}: "
                                    f"{str(masked(exc, getattr(self.client, 'tracking_uri', ''))).splitlines()[0][:300]}") from None
            deleted = exp is not None and getattr(exp, "lifecycle_stage", "active") == "deleted"
            if deleted and not create:
                return exp.experiment_id  # its runs can still be read
            if deleted:
                # MLflow keeps a deleted experiment's name and refuses runs in it: every window failed
                # at its record (after being judged), with an MlflowException traceback
                raise RegistryError(
                    f"the monitoring experiment {self.experiment_name!r} (id {exp.experiment_id}) is deleted, and "
                    "MLflow records no run in a deleted experiment: restore it to keep the loop's history "
                    f"(`{restore_command(getattr(self.client, 'tracking_uri', ''), exp.experiment_id)}`), "
                    "or rename it before "
                    "deleting it (or `mlflow gc` it) to start a new one")
            if exp is not None:
                self._experiment_id = exp.experiment_id
            elif create:
                self._experiment_id = self.client.create_experiment(self.experiment_name,
                                                                    artifact_location=local_artifact_root())
        return self._experiment_id

    # ------------------------------------------------------------------ the rules' history
    def history(self, *, window_end: str, need: int, window: Any = None) -> list[dict[str, Any]]:
        """Records of windows ending before ``window_end`` (the newest ``need`` + 1 + ``SLACK`` runs,
        by their start and by their window's end: a writer's clock does not decide which are read)
        and the last successful trigger at or before it (``cooldown_only`` when it is not one of
        those windows: it counts for the cooldown, not as a consecutive window); oldest first. A
        window judged more than once is its newest run, unless one of its runs started a retrain:
        then that run (a re-run in the trigger's cooldown would drop the retrain's budget and
        recovery). ``window`` (the monitoring window, e.g. ``"1h"``): runs ending within half a window
        of each other are one window, as :func:`ctloop.monitoring.rules.consecutive_windows` counts
        them (a re-run without ``as_of`` ends ``components.monitor.core.LIVE_SETTLE`` before its run:
        minutes after the run it repeats); without it, only runs with the same ``window_end``."""
        import pandas as pd

        now = pd.Timestamp(window_end)
        exp_id = self.experiment_id()

        def before(rec: dict[str, Any], strict: bool = True) -> bool:
            if not _comparable(rec["window_end"], now):
                return False
            t = pd.Timestamp(rec["window_end"])
            return t < now if strict else t <= now

        # the newest runs by start and the newest windows by their end, newest start first: a run's start
        # is its writer's clock (a window a pod behind recorded sorted below every other run and was
        # left out, its next window's previous the one before); ISO text in UTC sorts as time
        runs = {r.info.run_id: r for r in [
            *self.client.search_runs([exp_id], max_results=need + 1 + SLACK, order_by=["attributes.start_time DESC"]),
            *self.client.search_runs([exp_id], filter_string="tags.window_end LIKE '____-__-__%'",
                                     max_results=need + 1 + SLACK, order_by=["tags.window_end DESC"])]}
        recent = [to_record(r) for r in sorted(runs.values(), key=lambda r: r.info.start_time or 0, reverse=True)]
        # all of them, not the last need + 1: re-runs of a window are among them and count once
        # (rules.consecutive_windows), so trimming here could leave the rule too few distinct windows;
        # oldest first, a re-run after the run it repeats (recent is newest first): the newer record
        # is the state the rules and the policy read
        earlier = sorted((r for r in reversed(recent) if before(r)), key=lambda r: pd.Timestamp(r["window_end"]))
        triggers = [to_record(r) for r in self._triggers(exp_id)]  # the newest started, whatever the clocks
        triggers = [r for r in triggers if before(r, strict=False)]
        # a window judged again after it asked for a retrain that started (a retried monitoring step):
        # the re-run sits in that trigger's cooldown and asks for nothing, so its record has neither the
        # budget the retrain spent nor the recovery it started — the triggered run is the window's state
        started = [r["window_end"] for r in earlier if r["triggered"]]
        out = {r["run_id"]: r for r in earlier
               if r["triggered"] or not any(same_window(r["window_end"], end, window) for end in started)}
        if triggers:
            last = max(triggers, key=lambda r: pd.Timestamp(r["window_end"]))
            out.setdefault(last["run_id"], {**last, "cooldown_only": True})  # not one of the recent windows
        return sorted(out.values(), key=lambda r: pd.Timestamp(r["window_end"]))

    def mark_unjudged(self, history: list[dict[str, Any]], registry: Any, champion_version: Any) -> list[str]:
        """Mark the triggered windows of the champion ``champion_version`` whose continuous-training
        run compared no challenger with it (:func:`ctloop.monitoring.policy.not_judged`): the run's
        audit records (``registry.run_events`` by the window's ``kfp_run``) say it failed or was
        cancelled, or its gate rejected the challenger on a comparison the holdout could not make
        (``judged=false``). Without this such a window read as a rejection: the reference was
        re-based on the champion's level there. Returns the marked windows' ends."""
        marked = []
        for rec in history:
            if not (rec.get("triggered") and rec.get("kfp_run") and champion_version is not None
                    and str(rec.get("champion_version")) == str(champion_version)):
                continue  # only the current champion's retrains can re-base its reference
            events = registry.run_events(self.model_name, str(rec["kfp_run"]))
            # any comparison decides: a run retried in place (the same run id) that failed, then gated;
            # a run that registered its challenger and then failed in a later step (the rollout); a retry
            # whose register found its challenger decided since (COMPARED_EVENTS: gated, registered, then
            # approved, rejected or promoted; was: its run_failed read as "compared no challenger")
            compared = any(e.get("event") in COMPARED_EVENTS or (e.get("event") == "rejected" and e.get("judged") != "false")
                           for e in events)
            if not compared and any(e.get("event") in NOT_JUDGED_EVENTS or e.get("event") == "rejected"
                                    for e in events):
                not_judged(rec)
                marked.append(str(rec["window_end"]))
        return marked

    @staticmethod
    def previous(records: list[dict[str, Any]], window_end: str) -> dict[str, Any] | None:
        """The latest record ending before ``window_end`` (``records`` as :meth:`history` returns them)."""
        import pandas as pd

        now = pd.Timestamp(window_end)
        earlier = [r for r in records if _comparable(r["window_end"], now) and pd.Timestamp(r["window_end"]) < now
                   and not r.get("cooldown_only")]
        return earlier[-1] if earlier else None

    # ------------------------------------------------------------------ writing
    def record(self, *, window_end: pd.Timestamp, metrics: dict[str, float], tags: dict[str, str], retrain: bool,
               rule: str, reason: str, metric: str, warnings: list[str]) -> str:
        """One window's run; returns its id. ``triggered`` is ``pending`` when ``retrain``. Written
        through MLflow's fluent API: a refusal (401/403) or a login page is one RegistryError line
        (``ctloop.tracking.refused_credentials``; was: MLflow's message quoting the answer's body)."""
        import json

        import mlflow
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import masked, refused_credentials

        stamp = int(window_end.timestamp() * 1000)
        experiment_id = self.experiment_id()
        try:
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"window-{window_end:%Y%m%dT%H%M}") as run:
                mlflow.log_metrics({metric_key(k): v for k, v in metrics.items()}, timestamp=stamp)
                mlflow.set_tags({**tags, "window_end": window_end.isoformat(), "retrain": str(retrain).lower(),
                                 "triggered": PENDING if retrain else NOT_TRIGGERED, "rule": rule,
                                 "reason": reason[:TAG_LIMIT], "realized_metric": metric,
                                 "warnings": "; ".join(warnings)[:TAG_LIMIT]})
                return run.info.run_id
        except (MlflowException, json.JSONDecodeError) as exc:
            uri = mlflow.get_tracking_uri()
            refused = refused_credentials(exc, uri, "record the monitoring window")
            if refused:
                raise RegistryError(refused) from None
            hidden = masked(exc, uri)
            if hidden is not exc:
                raise hidden from None
            raise

    def newer_window(self, window_end: pd.Timestamp, run_id: str = "") -> str | None:
        """The end of the newest recorded window if it is after ``window_end`` (a backfill, or a pod
        whose clock runs behind), else None; the run ``run_id`` (this window's own) left out. A
        window end more than :data:`AHEAD` after now (``as_of`` mistyped as 2099, a pod clock far
        ahead) is no newer window: it would hold back every push until then; nor is a ``window_end``
        tag that is no time (a run someone else wrote), however it sorts."""
        import pandas as pd

        from ctloop.timeutil import utc_now

        exp_id = self.experiment_id(create=False)
        if exp_id is None:
            return None
        now = pd.Timestamp(window_end)
        latest = pd.Timestamp(utc_now()) + AHEAD
        token, read = None, 0
        while read < NEWER_READ:  # far-future ends sort first: page past them
            # ISO text in UTC sorts as time; the LIKE keeps out tags that are no date
            page = self.client.search_runs([exp_id], filter_string="tags.window_end LIKE '____-__-__%'",
                                           max_results=100, order_by=["tags.window_end DESC"], page_token=token)
            for run in page:
                end = window_end_of(run.data.tags)
                if run.info.run_id == run_id or not _comparable(end, now):
                    continue
                stamp = pd.Timestamp(end)
                if stamp > (latest if stamp.tzinfo is not None else latest.tz_convert("UTC").tz_localize(None)):
                    continue
                return end if stamp > now else None
            read += len(page)
            token = page.token
            if not token:
                break
        return None

    def _triggers(self, exp_id: str) -> list[Any]:
        """The triggered windows, the highest :data:`SEQ_TAG` first (then, for windows an older
        ctloop triggered without one, the newest run start): :data:`SLACK` of them."""
        return self.client.search_runs([exp_id], filter_string=f"tags.triggered = '{TRIGGERED}'",
                                       max_results=SLACK,
                                       order_by=[f"tags.{SEQ_TAG} DESC", "attributes.start_time DESC"])

    def _newest_trigger(self, exp_id: str) -> tuple[Any, int]:
        """The triggered window whose retrain started last, and the highest number given (0 for
        none). Not by the run's ``start_time``: MLflow takes it from the
        writer's clock (mlflow 3.x ``tracking/_tracking_service/client.py`` ``create_run``), and a
        pod whose clock ran ahead made its old trigger the newest for as long as the skew. But a
        window triggered without a number (a pod still on an older ctloop, during an upgrade) whose
        run started after the highest numbered one is the newest: the start times are all there is
        to order the two kinds by, and without it a new pod judging that window again started a
        second retrain."""
        runs = self._triggers(exp_id)
        numbered = [(run, trigger_seq(run.data.tags)) for run in runs]
        numbered = [(run, n) for run, n in numbered if n]
        if not numbered:
            return (runs[0], 0) if runs else (None, 0)
        newest, last = max(numbered, key=lambda pair: pair[1])
        # the runs started last, numbered or not (runs without the tag sort after all numbered ones)
        recent = self.client.search_runs([exp_id], filter_string=f"tags.triggered = '{TRIGGERED}'",
                                         max_results=SLACK, order_by=["attributes.start_time DESC"])
        plain = [run for run in recent if not trigger_seq(run.data.tags)]
        later = [run for run in plain if (run.info.start_time or 0) > (newest.info.start_time or 0)]
        if later:
            return max(later, key=lambda run: run.info.start_time or 0), last
        return newest, last

    def last_trigger(self) -> str:
        """The KFP run of the newest window whose retrain started (``"none"``): a window records
        what it saw (tag ``trigger_seen``), and its trigger starts nothing when a retrain started
        after it was judged (:func:`ctloop.monitoring.trigger.start_training`). The newest is the
        highest :data:`SEQ_TAG`, the store's own order, whatever the writers' clocks."""
        exp_id = self.experiment_id(create=False)
        if exp_id is None:
            return "none"
        run, _ = self._newest_trigger(exp_id)
        return (run.data.tags.get("kfp_run") or run.info.run_id) if run is not None else "none"

    def mark_skipped(self, run_id: str, why: str) -> None:
        """The window's retrain was not started: another one started after it was judged."""
        self.client.set_tag(run_id, "trigger_skipped", why[-TAG_LIMIT:])
        self.client.set_tag(run_id, "triggered", NOT_TRIGGERED)

    def mark_triggered(self, run_id: str, kfp_run: str) -> None:
        """The window's retrain started as ``kfp_run``: the next number of the store's trigger
        sequence (:data:`SEQ_TAG`; called under the model's promotion lock, so two triggers never
        take one number), ``kfp_run`` and ``triggered=true``, in one ``log_batch``: one request, one
        store transaction (mlflow 3.x ``store/tracking/sqlalchemy_store.py`` ``log_batch``), so a
        failed write never leaves a window pending with its retrain's ``kfp_run`` half marked."""
        from mlflow.entities import RunTag

        exp_id = self.experiment_id(create=False)
        _, last = self._newest_trigger(exp_id) if exp_id is not None else (None, 0)
        self.client.log_batch(run_id, tags=[RunTag(SEQ_TAG, f"{last + 1:0{SEQ_WIDTH}d}"),
                                            RunTag("kfp_run", kfp_run), RunTag("triggered", TRIGGERED)])

    def mark_failed(self, run_id: str, error: str, **tags: str) -> None:
        """The window's trigger failed with ``error``; ``tags`` (what the attempt used) are written first."""
        for name, value in tags.items():
            self.client.set_tag(run_id, name, value)
        self.client.set_tag(run_id, "triggered", FAILED)
        self.client.set_tag(run_id, "trigger_error", error[-TAG_LIMIT:])

    # ------------------------------------------------------------------ reporting
    def windows(self, limit: int = 500) -> pd.DataFrame:
        """The newest ``limit`` windows (by their end), oldest first (:data:`HISTORY_COLUMNS`)."""
        import pandas as pd

        if limit < 1:
            raise ConfigError(f"--limit must be >= 1, got {limit}")
        exp_id = self.experiment_id(create=False)
        if exp_id is None:
            return pd.DataFrame(columns=HISTORY_COLUMNS)
        # the newest by their window's end, not only by the run's start (its writer's clock: a window a
        # pod behind recorded was left out); ISO text in UTC sorts as time
        runs = {r.info.run_id: r for r in [
            *self.client.search_runs([exp_id], max_results=limit, order_by=["attributes.start_time DESC"]),
            *self.client.search_runs([exp_id], filter_string="tags.window_end LIKE '____-__-__%'",
                                     max_results=limit, order_by=["tags.window_end DESC"])]}
        rows = []
        for run in sorted(runs.values(), key=lambda r: r.info.start_time or 0, reverse=True):  # as read before
            tags, m = run.data.tags, run.data.metrics
            end = window_end_of(tags)
            if not end:
                continue
            stamp = pd.Timestamp(end)  # a time without a zone read as UTC: one column, sortable
            rows.append({"window_end": stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC"),
                         "rows": m.get("rows"),
                         "drift_share": m.get("drift_share"), "realized": m.get("realized"),
                         "realized_rows": m.get("realized_rows"), "unseen_labels": m.get("unseen_labels"),
                         "empty_features": m.get("empty_features"), "rule": tags.get("rule", ""),
                         "triggered": tags.get("triggered", ""), "champion_version": tags.get("champion_version", ""),
                         "kfp_run": tags.get("kfp_run", ""), "realized_metric": tags.get("realized_metric", ""),
                         "reason": tags.get("reason", ""), "run_id": run.info.run_id})
        frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        return frame.sort_values("window_end", kind="stable").tail(limit).reset_index(drop=True)


__all__ = ["MONITORING_SUFFIX", "TRIGGERED", "PENDING", "FAILED", "NOT_TRIGGERED", "HISTORY_COLUMNS", "NOT_JUDGED_EVENTS", "COMPARED_EVENTS",
           "metric_key", "KEY_LIMIT", "SEQ_TAG", "trigger_seq",
           "to_record", "window_end_of", "MonitoringStore"]
