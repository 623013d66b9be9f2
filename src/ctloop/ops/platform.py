"""The KFP API through ``kfp.Client``: idempotent upload, experiments, schedule reconciliation.

Authentication is whatever ``kfp.Client`` supports (see docs/operations.md):

* ``--token``/``KFP_TOKEN``: a bearer token (``existing_token``);
* in the cluster: the projected service-account token at ``KF_PIPELINES_SA_TOKEN_PATH``
  (default ``/var/run/secrets/kubeflow/pipelines/token``), also when ``--host`` is given;
* no host and no token: ``kfp.Client``'s own discovery (in-cluster service address, else the
  API-server proxy of the current kubeconfig context); a ``kubectl port-forward`` URL as
  ``--host`` also works.

Idempotence:

* a pipeline version is named ``<package version>-<git short sha>[-dirty]``; the sha256 of the
  compiled YAML is kept in the version description. Uploading content that some version already
  has is a no-op ("unchanged"); when the name is taken by other content (edits in a dirty tree,
  another ``--image``), ``-<content hash>`` is appended;
* a recurring run carries the hash of everything that defines it (pipeline version, cron,
  parameters, catch-up, concurrency, enabled, service account) in its description; re-applying
  the same spec changes nothing. A change creates the new recurring run **first**, then disables
  the old one and deletes it only when it has no run in flight (a later reconcile deletes it once
  that run has ended).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError, PlatformError

HASH_MARK = "ctloop-content-sha256:"
SPEC_MARK = "ctloop-schedule-sha256:"
ACTIVE_STATES = {"PENDING", "RUNNING", "CANCELING", "PAUSED", "RUNTIME_STATE_UNSPECIFIED"}
SA_TOKEN_ENV = "KF_PIPELINES_SA_TOKEN_PATH"
SA_TOKEN_PATH = "/var/run/secrets/kubeflow/pipelines/token"
PAGE = 100

# Named branches (``dsl.If(name=...)``) of ctloop's pipelines -> the decision they show.
# A branch that ran (any state but SKIPPED) means its condition held.
DECISION_TASKS = {
    "keep-champion": "no retrain (champion kept)",
    "retrain": "retrain",
    "approved": "gate approved",
    "rejected": "gate rejected",
    "serving-invalid": "not deployed (serving check failed)",
    "canary-passed": "canary promoted",
    "canary-failed": "canary rolled back",
    "auto-promote": "promoted (registry)",
    "registered-only": "registered, not promoted",
}


def content_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_commit(cwd: str | Path | None = None) -> str:
    """The short commit of the ctloop sources (``-dirty`` when tracked files changed);
    ``nogit`` outside a repository."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    return sha + ("-dirty" if dirty else "")


def version_name(commit: str | None = None) -> str:
    """``<package version>-<git short sha>[-dirty]``, e.g. ``0.1.0-1a2b3c4``."""
    from ctloop._version import __version__

    return f"{__version__}-{commit or git_commit()}"


def _filter(key: str, value: str) -> str:
    return json.dumps({"predicates": [{"operation": "EQUALS", "key": key, "string_value": value}]})


def _state(value: Any) -> str:
    return str(value or "RUNTIME_STATE_UNSPECIFIED").upper()


def decisions_from_tasks(tasks: Iterable[tuple[str, str]]) -> list[str]:
    """The decisions a run took, from its ``(task display name, state)`` pairs (best effort).

    Named condition branches of ctloop's pipelines that ran give the decisions in pipeline order;
    failed tasks are listed as ``failed: <task>``.
    """
    ran: dict[str, str] = {}
    failed = []
    for name, state in tasks:
        s = _state(state)
        if s == "SKIPPED":
            continue
        ran[name] = s
        if s == "FAILED" and name not in DECISION_TASKS:
            failed.append(f"failed: {name}")
    out = [label for name, label in DECISION_TASKS.items() if name in ran]
    if "retrain" in out and len(out) > 1:
        out.remove("retrain")  # implied by the gate decision
    return out + sorted(failed)


@dataclass
class UploadResult:
    pipeline_id: str
    version_id: str
    version_name: str
    action: str  # created | new-version | unchanged | would-create | would-add-version


@dataclass
class ScheduleResult:
    recurring_run_id: str
    action: str  # created | replaced | unchanged | enabled | disabled | would-*
    retired: list[str] = field(default_factory=list)
    kept_in_flight: list[str] = field(default_factory=list)


@dataclass
class RunSummary:
    run_id: str
    name: str
    state: str
    created_at: str
    decisions: list[str]


def _sa_credentials(host: str) -> Any:
    """In-cluster projected-token credentials when a host is given and the token file exists
    (``kfp.Client`` uses them by itself only when it also discovers the host)."""
    path = os.environ.get(SA_TOKEN_ENV, SA_TOKEN_PATH)
    if not host or not Path(path).is_file():
        return None
    from kfp.client import ServiceAccountTokenVolumeCredentials

    return ServiceAccountTokenVolumeCredentials(path=path)


class Platform:
    """ctloop's operations on one KFP endpoint (all through a real ``kfp.Client``)."""

    def __init__(self, host: str = "", token: str = "", namespace: str = "", client: Any = None):
        self.host = host
        if client is not None:
            self.client = client
            return
        # explicit submodule: also importable inside a KFP task (_KFP_RUNTIME)
        from kfp.client import Client

        kwargs: dict[str, Any] = {}
        if host:
            kwargs["host"] = host
        token = token or os.environ.get("KFP_TOKEN", "")
        if token:
            kwargs["existing_token"] = token
        else:
            credentials = _sa_credentials(host)
            if credentials is not None:
                kwargs["credentials"] = credentials
        if namespace:
            kwargs["namespace"] = namespace
        from urllib3.exceptions import HTTPError

        try:
            self.client = Client(**kwargs)  # calls /healthz
        except (OSError, HTTPError) as exc:
            raise PlatformError(
                f"cannot reach KFP at {host or '(in-cluster/kubeconfig)'}: {exc}; check --host "
                "(e.g. http://localhost:8080 after kubectl port-forward svc/ml-pipeline-ui 8080:80)"
            ) from exc
        except Exception as exc:  # noqa: BLE001 - kfp.Client raises bare exceptions for any config problem
            raise PlatformError(
                f"cannot configure kfp.Client for {host or '(in-cluster/kubeconfig)'}: {exc}; "
                "give --host (e.g. http://localhost:8080 after kubectl port-forward) and --token"
            ) from exc

    def _call(self, what: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call the KFP API; HTTP errors become a PlatformError with status and server message."""
        from kfp_server_api.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return fn(*args, **kwargs)
        except ApiException as exc:
            body = exc.body.decode() if isinstance(exc.body, bytes) else (exc.body or "")
            hint = {
                401: "authenticate: --token / KFP_TOKEN, or run in the cluster with a pipelines token",
                403: "the identity lacks RBAC on pipelines.kubeflow.org in this namespace",
                404: "check --host (it must reach the KFP API) and the ids",
            }.get(exc.status, "")
            raise PlatformError(
                f"KFP API {what} failed: HTTP {exc.status} {exc.reason}: {body.strip()[:300]}"
                + (f" ({hint})" if hint else "")
            ) from exc
        except (OSError, HTTPError) as exc:  # refused, DNS, TLS, retries exhausted
            raise PlatformError(
                f"KFP API {what}: cannot reach {self.host or 'KFP'}: {exc}; check --host"
            ) from exc

    # ------------------------------------------------------------------ pipelines
    def find_pipeline(self, name: str) -> str | None:
        resp = self._call(
            "list pipelines",
            self.client.list_pipelines,
            filter=_filter("display_name", name),
            page_size=10,
        )
        found = [p for p in (resp.pipelines or []) if p.display_name == name]
        return found[0].pipeline_id if found else None

    def versions(self, pipeline_id: str) -> list[Any]:
        out: list[Any] = []
        token = ""
        while True:
            resp = self._call(
                "list pipeline versions",
                self.client.list_pipeline_versions,
                pipeline_id=pipeline_id,
                page_token=token,
                page_size=PAGE,
            )
            out.extend(resp.pipeline_versions or [])
            token = resp.next_page_token or ""
            if not token:
                return out

    def ensure_pipeline(
        self, name: str, package_path: str | Path, dry_run: bool = False, commit: str | None = None
    ) -> UploadResult:
        """Create the pipeline, add a version, or do nothing when this content is already there."""
        digest = content_hash(package_path)
        vname = version_name(commit)
        description = f"ctloop pipeline {name}; {HASH_MARK}{digest}"
        pid = self.find_pipeline(name)
        if pid is None:
            if dry_run:
                return UploadResult("", "", name, "would-create")
            pipeline = self._call(
                "upload pipeline",
                self.client.upload_pipeline,
                str(package_path),
                pipeline_name=name,
                description=description,
            )
            # the server names the first version after the pipeline, with its description
            first = self.versions(pipeline.pipeline_id)[0]
            return UploadResult(
                pipeline.pipeline_id, first.pipeline_version_id, first.display_name, "created"
            )
        versions = self.versions(pid)
        for v in versions:
            if f"{HASH_MARK}{digest}" in (v.description or ""):
                return UploadResult(pid, v.pipeline_version_id, v.display_name, "unchanged")
        if any(v.display_name == vname for v in versions):
            vname = f"{vname}-{digest[:10]}"  # same commit, other content
        if dry_run:
            return UploadResult(pid, "", vname, "would-add-version")
        v = self._call(
            "upload pipeline version",
            self.client.upload_pipeline_version,
            str(package_path),
            pipeline_version_name=vname,
            pipeline_id=pid,
            description=description,
        )
        return UploadResult(pid, v.pipeline_version_id, vname, "new-version")

    # ------------------------------------------------------------------ experiments
    def find_experiment(self, name: str, namespace: str = "") -> str:
        resp = self._call(
            "list experiments",
            self.client.list_experiments,
            filter=_filter("display_name", name),
            page_size=10,
            namespace=namespace or None,
        )
        for exp in resp.experiments or []:
            if exp.display_name == name:
                return exp.experiment_id
        return ""

    def ensure_experiment(self, name: str, namespace: str = "", dry_run: bool = False) -> str:
        """The experiment's id, created unless ``dry_run`` (then ``""`` when it does not exist)."""
        found = self.find_experiment(name, namespace)
        if found or dry_run:
            return found
        created = self._call(
            "create experiment",
            self.client.create_experiment,
            name=name,
            namespace=namespace or None,
        )
        return created.experiment_id

    # ------------------------------------------------------------------ recurring runs
    @staticmethod
    def schedule_hash(
        pipeline_id: str,
        version_id: str,
        cron: str,
        params: dict,
        no_catchup: bool,
        max_concurrency: int,
        enabled: bool,
        service_account: str = "",
    ) -> str:
        blob = json.dumps(
            {
                "pipeline": pipeline_id,
                "version": version_id,
                "cron": cron,
                "params": params,
                "no_catchup": no_catchup,
                "max_concurrency": max_concurrency,
                "enabled": enabled,
                "service_account": service_account,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def recurring_runs(self, experiment_id: str, job_name: str) -> list[Any]:
        out: list[Any] = []
        token = ""
        while True:
            resp = self._call(
                "list recurring runs",
                self.client.list_recurring_runs,
                experiment_id=experiment_id,
                page_token=token,
                page_size=PAGE,
            )
            out.extend(r for r in (resp.recurring_runs or []) if r.display_name == job_name)
            token = resp.next_page_token or ""
            if not token:
                return out

    def in_flight(self, experiment_id: str, recurring_run_id: str) -> bool:
        """Whether a run started by ``recurring_run_id`` is still active (newest 100 runs)."""
        resp = self._call(
            "list runs",
            self.client.list_runs,
            experiment_id=experiment_id,
            page_size=PAGE,
            sort_by="created_at desc",
        )
        return any(
            getattr(r, "recurring_run_id", None) == recurring_run_id
            and _state(r.state) in ACTIVE_STATES
            for r in (resp.runs or [])
        )

    def _retire(
        self, experiment_id: str, old: list[Any], dry_run: bool
    ) -> tuple[list[str], list[str]]:
        """Disable, then delete the ``old`` recurring runs unless one of their runs is active."""
        retired: list[str] = []
        kept: list[str] = []
        for r in old:
            rid = r.recurring_run_id
            if dry_run:
                retired.append(rid)
                continue
            if _state(r.status) != "DISABLED":
                self._call("disable recurring run", self.client.disable_recurring_run, rid)
            if self.in_flight(experiment_id, rid):
                kept.append(rid)  # a later reconcile deletes it once its run has ended
            else:
                self._call("delete recurring run", self.client.delete_recurring_run, rid)
                retired.append(rid)
        return retired, kept

    def reconcile_schedule(
        self,
        *,
        experiment_id: str,
        job_name: str,
        pipeline_id: str,
        version_id: str,
        cron: str,
        params: dict,
        no_catchup: bool = True,
        max_concurrency: int = 1,
        enabled: bool = True,
        service_account: str = "",
        dry_run: bool = False,
    ) -> ScheduleResult:
        """Make ``job_name`` in the experiment match the desired schedule, creating before deleting.

        The recurring run whose description carries this schedule's hash is kept (and enabled or
        disabled to match ``enabled``); every other recurring run named ``job_name`` is retired
        after the new one exists. Never deletes a recurring run that has a run in flight.
        """
        from ctloop.ops.cron import validate_cron

        cron = validate_cron(cron)
        if isinstance(max_concurrency, bool) or not 1 <= int(max_concurrency) <= 10:
            raise ConfigError(
                f"max_concurrency {max_concurrency!r}: KFP allows 1-10; use 1 for continuous training"
            )
        digest = self.schedule_hash(
            pipeline_id,
            version_id,
            cron,
            params,
            no_catchup,
            max_concurrency,
            enabled,
            service_account,
        )
        existing = self.recurring_runs(experiment_id, job_name) if experiment_id else []
        matching = [r for r in existing if f"{SPEC_MARK}{digest}" in (r.description or "")]
        matching.sort(key=lambda r: _state(r.status) != "ENABLED")  # prefer an enabled one
        if matching:
            current = matching[0]
            others = [r for r in existing if r.recurring_run_id != current.recurring_run_id]
            action = "unchanged"
            if enabled != (_state(current.status) == "ENABLED"):
                verb = "enable" if enabled else "disable"
                action = f"would-{verb}" if dry_run else f"{verb}d"
                if not dry_run:
                    method = getattr(self.client, f"{verb}_recurring_run")
                    self._call(f"{verb} recurring run", method, current.recurring_run_id)
            retired, kept = self._retire(experiment_id, others, dry_run)
            return ScheduleResult(current.recurring_run_id, action, retired, kept)
        if dry_run:
            action = "would-replace" if existing else "would-create"
            return ScheduleResult("", action, [r.recurring_run_id for r in existing], [])
        created = self._call(
            "create recurring run",
            self.client.create_recurring_run,
            experiment_id=experiment_id,
            job_name=job_name,
            description=f"ctloop schedule {job_name}, cron in UTC; {SPEC_MARK}{digest}",
            cron_expression=cron,
            max_concurrency=max_concurrency,
            no_catchup=no_catchup,
            params=params,
            pipeline_id=pipeline_id,
            version_id=version_id,
            enabled=enabled,
            service_account=service_account or None,
        )
        # the new schedule exists first; only then are the old ones retired
        others = [r for r in existing if r.recurring_run_id != created.recurring_run_id]
        retired, kept = self._retire(experiment_id, others, dry_run=False)
        action = "replaced" if existing else "created"
        return ScheduleResult(created.recurring_run_id, action, retired, kept)

    # ------------------------------------------------------------------ runs
    def recent_runs(self, experiment_id: str | None, limit: int = 10) -> list[RunSummary]:
        """The newest runs with their state and (best effort) decisions from the run details."""
        resp = self._call(
            "list runs",
            self.client.list_runs,
            experiment_id=experiment_id or None,
            page_size=limit,
            sort_by="created_at desc",
        )
        out = []
        for r in resp.runs or []:
            details = r.run_details
            if details is None or not details.task_details:
                details = self._call("get run", self.client.get_run, r.run_id).run_details
            tasks = [
                (t.display_name or "", t.state) for t in ((details and details.task_details) or [])
            ]
            out.append(
                RunSummary(
                    run_id=r.run_id,
                    name=r.display_name or r.run_id,
                    state=_state(r.state),
                    created_at=str(r.created_at or "")[:19],
                    decisions=decisions_from_tasks(tasks),
                )
            )
        return out


__all__ = [
    "Platform",
    "UploadResult",
    "ScheduleResult",
    "RunSummary",
    "content_hash",
    "version_name",
    "git_commit",
    "decisions_from_tasks",
]
