"""The KFP API through ``kfp.Client``: idempotent upload, experiments, schedule reconciliation.

Authentication is whatever ``kfp.Client`` supports: ``--token``/``KFP_TOKEN`` (bearer), the
in-cluster service-account token (no ``--host``, running in the cluster), or a kubeconfig proxy
(``kubectl port-forward`` / API-server proxy URL as ``--host``). See docs/operations.md.

Idempotence:

* a pipeline version is named ``<package version>-<git sha>-<content hash>``; uploading the same
  compiled content again is a no-op ("unchanged"), whatever the commit;
* a recurring run carries the hash of everything that defines it (pipeline version, cron,
  parameters, catch-up, concurrency) in its description; re-applying the same spec changes nothing;
  a change creates the new recurring run **first**, then disables the old one and deletes it only
  when it has no run in flight.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ctloop.errors import PlatformError

HASH_MARK = "ctloop-content-sha256:"
SPEC_MARK = "ctloop-schedule-sha256:"
ACTIVE_STATES = {"PENDING", "RUNNING", "CANCELING", "PAUSED", "RUNTIME_STATE_UNSPECIFIED"}


def content_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_commit(short: bool = True) -> str:
    """The current commit (``-dirty`` when the tree has changes); ``nogit`` outside a repo."""
    try:
        cmd = ["git", "rev-parse", "--short", "HEAD"] if short else ["git", "rev-parse", "HEAD"]
        sha = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    return sha + ("-dirty" if dirty else "")


def version_name(package_path: str | Path) -> str:
    from ctloop._version import __version__

    return f"v{__version__}-{git_commit()}-{content_hash(package_path)[:10]}"


def _filter(key: str, value: str) -> str:
    return json.dumps({"predicates": [{"operation": "EQUALS", "key": key, "string_value": value}]})


@dataclass
class UploadResult:
    pipeline_id: str
    version_id: str
    version_name: str
    action: str  # created | new-version | unchanged


@dataclass
class ScheduleResult:
    recurring_run_id: str
    action: str  # created | replaced | unchanged | would-create | would-replace
    retired: list[str]
    kept_in_flight: list[str]


class Platform:
    """ctloop's operations on one KFP endpoint."""

    def __init__(self, host: str = "", token: str = "", namespace: str = "", client: Any = None):
        if client is not None:
            self.client = client
            return
        from kfp.client import (
            Client,  # explicit submodule: also works inside a KFP task (_KFP_RUNTIME)
        )

        kwargs: dict[str, Any] = {}
        if host:
            kwargs["host"] = host
        token = token or os.environ.get("KFP_TOKEN", "")
        if token:
            kwargs["existing_token"] = token
        if namespace:
            kwargs["namespace"] = namespace
        try:
            self.client = Client(**kwargs)
        except Exception as exc:  # noqa: BLE001 - kfp.Client raises bare exceptions for any config problem
            raise PlatformError(f"cannot connect to KFP at {host or '(in-cluster/kubeconfig)'}: {exc}") from exc

    # ------------------------------------------------------------------ pipelines
    def find_pipeline(self, name: str) -> str | None:
        resp = self.client.list_pipelines(filter=_filter("display_name", name), page_size=10)
        found = [p for p in (resp.pipelines or []) if p.display_name == name]
        return found[0].pipeline_id if found else None

    def find_version(self, pipeline_id: str, content: str) -> tuple[str, str] | None:
        """A version of ``pipeline_id`` whose description records ``content`` hash, if any."""
        token = ""
        while True:
            resp = self.client.list_pipeline_versions(pipeline_id=pipeline_id, page_token=token, page_size=100)
            for v in resp.pipeline_versions or []:
                if f"{HASH_MARK}{content}" in (v.description or ""):
                    return v.pipeline_version_id, v.display_name
            token = resp.next_page_token or ""
            if not token:
                return None

    def ensure_pipeline(self, name: str, package_path: str | Path, dry_run: bool = False) -> UploadResult:
        digest = content_hash(package_path)
        vname = version_name(package_path)
        description = f"ctloop pipeline {name}; {HASH_MARK}{digest}"
        pid = self.find_pipeline(name)
        if pid is None:
            if dry_run:
                return UploadResult("", "", vname, "would-create")
            pipeline = self.client.upload_pipeline(str(package_path), pipeline_name=name, description=description)
            versions = self.client.list_pipeline_versions(pipeline_id=pipeline.pipeline_id, page_size=1)
            first = versions.pipeline_versions[0]
            return UploadResult(pipeline.pipeline_id, first.pipeline_version_id, first.display_name, "created")
        existing = self.find_version(pid, digest)
        if existing:
            return UploadResult(pid, existing[0], existing[1], "unchanged")
        if dry_run:
            return UploadResult(pid, "", vname, "would-add-version")
        v = self.client.upload_pipeline_version(str(package_path), pipeline_version_name=vname, pipeline_id=pid,
                                                description=description)
        return UploadResult(pid, v.pipeline_version_id, vname, "new-version")

    # ------------------------------------------------------------------ experiments
    def ensure_experiment(self, name: str, namespace: str = "", dry_run: bool = False) -> str:
        resp = self.client.list_experiments(filter=_filter("display_name", name), page_size=10,
                                            namespace=namespace or None)
        for exp in resp.experiments or []:
            if exp.display_name == name:
                return exp.experiment_id
        if dry_run:
            return ""
        return self.client.create_experiment(name=name, namespace=namespace or None).experiment_id

    # ------------------------------------------------------------------ recurring runs
    @staticmethod
    def schedule_hash(pipeline_id: str, version_id: str, cron: str, params: dict, no_catchup: bool,
                      max_concurrency: int, enabled: bool) -> str:
        blob = json.dumps({"pipeline": pipeline_id, "version": version_id, "cron": cron, "params": params,
                           "no_catchup": no_catchup, "max_concurrency": max_concurrency, "enabled": enabled},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def recurring_runs(self, experiment_id: str, job_name: str) -> list[Any]:
        resp = self.client.list_recurring_runs(experiment_id=experiment_id, page_size=100)
        return [r for r in (resp.recurring_runs or []) if r.display_name == job_name]

    def in_flight(self, experiment_id: str, recurring_run_id: str) -> bool:
        resp = self.client.list_runs(experiment_id=experiment_id, page_size=100)
        return any(getattr(r, "recurring_run_id", None) == recurring_run_id and str(r.state) in ACTIVE_STATES
                   for r in (resp.runs or []))

    def reconcile_schedule(self, *, experiment_id: str, job_name: str, pipeline_id: str, version_id: str,
                           cron: str, params: dict, no_catchup: bool = True, max_concurrency: int = 1,
                           enabled: bool = True, service_account: str = "",
                           dry_run: bool = False) -> ScheduleResult:
        from ctloop.ops.cron import validate_cron

        cron = validate_cron(cron)
        digest = self.schedule_hash(pipeline_id, version_id, cron, params, no_catchup, max_concurrency, enabled)
        existing = self.recurring_runs(experiment_id, job_name) if experiment_id else []
        current = [r for r in existing if f"{SPEC_MARK}{digest}" in (r.description or "")
                   and str(r.status) != "DISABLED"]
        if current:
            return ScheduleResult(current[0].recurring_run_id, "unchanged", [], [])
        live = [r for r in existing if str(r.status) != "DISABLED"]
        if dry_run:
            return ScheduleResult("", "would-replace" if live else "would-create", [r.recurring_run_id for r in live], [])
        created = self.client.create_recurring_run(
            experiment_id=experiment_id, job_name=job_name,
            description=f"ctloop schedule for {job_name} (UTC); {SPEC_MARK}{digest}",
            cron_expression=cron, max_concurrency=max_concurrency, no_catchup=no_catchup, params=params,
            pipeline_id=pipeline_id, version_id=version_id, enabled=enabled,
            service_account=service_account or None,
        )
        retired, kept = [], []
        for old in existing:  # the new schedule exists first; only then retire the old ones
            if old.recurring_run_id == created.recurring_run_id:
                continue
            if str(old.status) != "DISABLED":
                self.client.disable_recurring_run(old.recurring_run_id)
            if self.in_flight(experiment_id, old.recurring_run_id):
                kept.append(old.recurring_run_id)  # deleted by a later apply, once its run is done
            else:
                self.client.delete_recurring_run(old.recurring_run_id)
                retired.append(old.recurring_run_id)
        return ScheduleResult(created.recurring_run_id, "replaced" if live else "created", retired, kept)

    # ------------------------------------------------------------------ runs
    def recent_runs(self, experiment_id: str | None, limit: int = 10) -> list[Any]:
        resp = self.client.list_runs(experiment_id=experiment_id, page_size=limit, sort_by="created_at desc")
        return list(resp.runs or [])


__all__ = ["Platform", "UploadResult", "ScheduleResult", "content_hash", "version_name", "git_commit"]
