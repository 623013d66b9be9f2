"""The model registry: MLflow registered models, versions, aliases and an audit trail.

Aliases used by ctloop:

* ``champion``          the version that serves (or would serve) production traffic;
* ``challenger``        the newest version that passed the gate;
* ``previous-champion`` the champion before the last promotion (instant rollback target).

MLflow aliases are last-writer-wins and keep no history, so every promotion is also recorded
as tags on both versions (``ctloop.champion_since``, ``ctloop.champion_until``,
``ctloop.previous_champion``, ``ctloop.superseded_by``, ``ctloop.was_champion``) and as an audit
event. ``champion_history`` rebuilds the full list of past champions from those tags.

Model files are loaded only after their sha256 matched the run tag training recorded
(``ctloop.artifacts.load_verified``); a missing tag is a refusal.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError, ModelIntegrityError, RegistryError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS_CHAMPION = "previous-champion"

TAG_WAS_CHAMPION = "ctloop.was_champion"
TAG_CHAMPION_SINCE = "ctloop.champion_since"
TAG_CHAMPION_UNTIL = "ctloop.champion_until"
TAG_PREVIOUS_CHAMPION = "ctloop.previous_champion"
TAG_SUPERSEDED_BY = "ctloop.superseded_by"
TAG_PROMOTION_REASON = "ctloop.promotion_reason"
TAG_PROMOTION_RUN = "ctloop.promotion_pipeline_run"
AUDIT_EXPERIMENT_SUFFIX = "-audit"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ModelVersion:
    """One registered model version, as ctloop sees it."""

    name: str
    version: str
    run_id: str
    source: str
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @classmethod
    def from_mlflow(cls, mv: Any) -> ModelVersion:
        return cls(
            name=mv.name,
            version=str(mv.version),
            run_id=mv.run_id or "",
            source=mv.source or "",
            tags=dict(mv.tags or {}),
            aliases=tuple(getattr(mv, "aliases", None) or ()),
        )


def _is_not_found(exc: Exception) -> bool:
    code = getattr(exc, "error_code", "")
    message = str(exc)
    return code == "RESOURCE_DOES_NOT_EXIST" or (
        code == "INVALID_PARAMETER_VALUE" and "not found" in message.lower()
    )


class MlflowRegistry:
    """ctloop's registry operations over an MLflow tracking/registry server."""

    def __init__(self, tracking_uri: str = ""):
        from mlflow import MlflowClient

        from ctloop.tracking import configure

        self.tracking_uri = configure(tracking_uri)
        self.client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    # ------------------------------------------------------------------ lookups
    def get_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version behind ``alias``; ``None`` if the model or the alias does not exist."""
        from mlflow.exceptions import MlflowException

        _check_name(name)
        try:
            mv = self.client.get_model_version_by_alias(name, alias)
        except MlflowException as exc:
            if _is_not_found(exc):
                return None
            raise RegistryError(f"cannot read alias {alias!r} of model {name!r}: {exc}") from exc
        return ModelVersion.from_mlflow(mv)

    def champion(self, name: str) -> ModelVersion | None:
        return self.get_alias(name, CHAMPION)

    def get_version(self, name: str, version: str) -> ModelVersion:
        from mlflow.exceptions import MlflowException

        _check_name(name)
        try:
            mv = self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if _is_not_found(exc):
                raise RegistryError(
                    f"model {name!r} has no version {version!r}: list versions with "
                    f"`ctloop rollout status` or the MLflow UI"
                ) from exc
            raise RegistryError(f"cannot read version {version} of model {name!r}: {exc}") from exc
        return ModelVersion.from_mlflow(mv)

    def aliases(self, name: str) -> dict[str, str]:
        """``{alias: version}`` of a registered model (empty if it does not exist)."""
        from mlflow.exceptions import MlflowException

        try:
            rm = self.client.get_registered_model(name)
        except MlflowException as exc:
            if _is_not_found(exc):
                return {}
            raise RegistryError(f"cannot read registered model {name!r}: {exc}") from exc
        return {alias: str(v) for alias, v in (rm.aliases or {}).items()}

    def versions(self, name: str) -> list[ModelVersion]:
        """All versions of ``name``, oldest first (aliases filled in)."""
        aliases = self.aliases(name)
        by_version: dict[str, list[str]] = {}
        for alias, v in aliases.items():
            by_version.setdefault(v, []).append(alias)
        found = self.client.search_model_versions(f"name='{name}'")
        out = []
        for mv in found:
            item = ModelVersion.from_mlflow(mv)
            out.append(
                ModelVersion(
                    item.name, item.version, item.run_id, item.source, item.tags,
                    tuple(sorted(by_version.get(item.version, []))),
                )
            )
        return sorted(out, key=lambda m: int(m.version))

    # ------------------------------------------------------------------ artifacts
    def _download(self, run_id: str, artifact_path: str, dst: str) -> Path:
        from mlflow.exceptions import MlflowException

        try:
            return Path(self.client.download_artifacts(run_id, artifact_path, dst))
        except (MlflowException, OSError) as exc:
            raise RegistryError(
                f"run {run_id} has no artifact {artifact_path!r} (was it logged by ctloop's "
                f"train_model?): {exc}"
            ) from exc

    def _run_tags(self, run_id: str) -> dict[str, str]:
        from mlflow.exceptions import MlflowException

        try:
            return dict(self.client.get_run(run_id).data.tags)
        except MlflowException as exc:
            raise RegistryError(f"cannot read training run {run_id}: {exc}") from exc

    def load_meta(self, name: str, version: str) -> dict[str, Any]:
        from ctloop.artifacts import MODEL_META_FILE
        from ctloop.tracking import META_ARTIFACT_DIR

        mv = self.get_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            path = self._download(mv.run_id, f"{META_ARTIFACT_DIR}/{MODEL_META_FILE}", tmp)
            return json.loads(path.read_text())

    def _load_served_copy(self, mv: ModelVersion, filename: str, tag: str, dst: str) -> Any:
        from ctloop.artifacts import load_verified
        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        expected = self._run_tags(mv.run_id).get(tag, "")
        path = self._download(mv.run_id, f"{JOBLIB_ARTIFACT_DIR}/{filename}", dst)
        return load_verified(
            path, expected, recorded_in=f"{mv.name} v{mv.version}'s run {mv.run_id} tag {tag}"
        )

    def load_model(self, name: str, version: str) -> Any:
        """The fitted sklearn Pipeline of a version, from its serving directory.

        ``model.skops`` (skops with ctloop's allow-list) when training recorded its sha256, else
        ``model.joblib`` (versions trained before the skops copy existed); either way the file's
        sha256 must equal the run tag recorded at training time — a missing tag is a refusal.
        """
        from ctloop.artifacts import MODEL_FILE, SKOPS_FILE
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self.get_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            if self._run_tags(mv.run_id).get(TAG_SKOPS_SHA256):
                return self._load_served_copy(mv, SKOPS_FILE, TAG_SKOPS_SHA256, tmp)
            return self._load_served_copy(mv, MODEL_FILE, TAG_JOBLIB_SHA256, tmp)

    def load_logged_model(self, name: str, version: str) -> Any:
        """The model as MLflow logged it at training time, independent of the serving directory.

        Its ``model.skops`` must match run tag ``ctloop.logged_model_sha256`` and is built with
        ctloop's skops allow-list — not with the trusted types its own ``MLmodel`` file lists,
        which
        whoever can write the artifact store could extend. Pickle flavours are refused.
        """
        import mlflow
        import yaml
        from mlflow.exceptions import MlflowException

        from ctloop.artifacts import load_verified
        from ctloop.tracking import TAG_LOGGED_MODEL_SHA256

        mv = self.get_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                local = Path(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=f"models:/{name}/{version}",
                        dst_path=tmp,
                        tracking_uri=self.tracking_uri,
                    )
                )
                flavor = (yaml.safe_load((local / "MLmodel").read_text()).get("flavors") or {}).get(
                    "sklearn"
                ) or {}
            except (MlflowException, OSError, yaml.YAMLError) as exc:
                raise RegistryError(
                    f"cannot read the logged model of {name} v{version}: {exc}"
                ) from exc
            if flavor.get("serialization_format") != "skops":
                raise ModelIntegrityError(
                    f"refusing to load the logged model of {name} v{version}: it is serialised as "
                    f"{flavor.get('serialization_format')!r}, not skops (ctloop never unpickles a "
                    "logged model)"
                )
            tag = TAG_LOGGED_MODEL_SHA256
            return load_verified(
                local / str(flavor.get("pickled_model") or "model.skops"),
                self._run_tags(mv.run_id).get(tag, ""),
                recorded_in=f"{name} v{version}'s run {mv.run_id} tag {tag}",
            )

    def download_joblib(self, name: str, version: str, dst: str) -> Path:
        """Download the version's ``model.joblib`` into ``dst`` and check its sha256 against the
        run tag; returns its path. A file that fails the check is deleted, never returned.

        When training recorded one, the version's ``model.skops`` (what the ctloop runtime serves)
        is fetched and checked beside it. Each verified file gets a receipt ``<file>.sha256``,
        from which ``ctloop.serving.validate.validate_export`` checks it again in its child.
        """
        from ctloop.artifacts import MODEL_FILE, SKOPS_FILE
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self.get_version(name, version)
        tags = self._run_tags(mv.run_id)
        path = self._download_verified(
            mv, MODEL_FILE, tags.get(TAG_JOBLIB_SHA256, ""), TAG_JOBLIB_SHA256, dst
        )
        if tags.get(TAG_SKOPS_SHA256):
            self._download_verified(mv, SKOPS_FILE, tags[TAG_SKOPS_SHA256], TAG_SKOPS_SHA256, dst)
        return path

    def _download_verified(
        self, mv: ModelVersion, filename: str, expected: str, tag: str, dst: str
    ) -> Path:
        from ctloop.artifacts import read_verified, write_receipt
        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        path = self._download(mv.run_id, f"{JOBLIB_ARTIFACT_DIR}/{filename}", dst)
        try:
            read_verified(
                path, expected, recorded_in=f"{mv.name} v{mv.version}'s run {mv.run_id} tag {tag}"
            )
        except ModelIntegrityError:
            path.unlink(missing_ok=True)
            raise
        write_receipt(path, expected)
        return path

    def serving_sha256(self, name: str, version: str) -> str:
        """The sha256 the ctloop serving runtime must find in the version's serving directory:
        of ``model.skops``, or of ``model.joblib`` for versions trained before the skops copy.
        The InferenceService carries it (``ctloop.serving.isvc.SHA256_ANNOTATION``)."""
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self.get_version(name, version)
        tags = self._run_tags(mv.run_id)
        sha = tags.get(TAG_SKOPS_SHA256) or tags.get(TAG_JOBLIB_SHA256) or ""
        if not sha:
            raise ModelIntegrityError(
                f"{name} v{version}: its run {mv.run_id} has neither {TAG_SKOPS_SHA256} nor "
                f"{TAG_JOBLIB_SHA256}, so "
                "the serving runtime could not verify the model; register models trained by "
                "ctloop's train_model"
            )
        return sha

    def model_artifact_uri(self, name: str, version: str) -> str:
        """The storage location of a version's joblib directory (a KServe ``storageUri``)."""
        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        mv = self.get_version(name, version)
        root = self.client.get_run(mv.run_id).info.artifact_uri.rstrip("/")
        return f"{root}/{JOBLIB_ARTIFACT_DIR}"

    def load_reference(self, name: str, version: str) -> pd.DataFrame:
        """The training reference sample of a version, for drift detection."""
        import pandas as pd

        from ctloop.tracking import REFERENCE_ARTIFACT_DIR, REFERENCE_FILE

        mv = self.get_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            path = self._download(mv.run_id, f"{REFERENCE_ARTIFACT_DIR}/{REFERENCE_FILE}", tmp)
            return pd.read_parquet(path)

    # ------------------------------------------------------------------ writes
    def register(self, name: str, *, model_uri: str, run_id: str, tags: dict[str, Any]) -> ModelVersion:
        """Register ``model_uri`` as a new version of ``name`` and point ``challenger`` at it."""
        import mlflow
        from mlflow.exceptions import MlflowException

        _check_name(name)
        if not model_uri:
            raise ConfigError("register needs the model URI logged by train_model (got an empty one)")
        clean = {k: _tag_value(v) for k, v in tags.items()}
        try:
            mv = mlflow.register_model(model_uri, name, tags=clean)
            mv = self._wait_ready(name, str(mv.version))
            self.client.set_registered_model_alias(name, CHALLENGER, str(mv.version))
        except MlflowException as exc:
            raise RegistryError(f"cannot register {model_uri} as model {name!r}: {exc}") from exc
        if run_id and mv.run_id and mv.run_id != run_id:
            raise RegistryError(f"registered version {mv.version} belongs to run {mv.run_id}, expected {run_id}")
        return self.get_version(name, str(mv.version))

    def _wait_ready(self, name: str, version: str, timeout_s: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            mv = self.client.get_model_version(name, version)
            status = str(mv.status)
            if status.endswith("READY"):
                return mv
            if status.endswith("FAILED_REGISTRATION"):
                raise RegistryError(f"registration of {name} v{version} failed: {mv.status_message}")
            if time.monotonic() > deadline:
                raise RegistryError(f"{name} v{version} not READY after {timeout_s:.0f} s (status {status})")
            time.sleep(0.5)

    def set_tags(self, name: str, version: str, tags: dict[str, Any]) -> None:
        from mlflow.exceptions import MlflowException

        try:
            for key, value in tags.items():
                self.client.set_model_version_tag(name, str(version), key, _tag_value(value))
        except MlflowException as exc:
            raise RegistryError(f"cannot tag {name} v{version}: {exc}") from exc

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` and read it back (aliases are last-writer-wins)."""
        from mlflow.exceptions import MlflowException

        try:
            self.client.set_registered_model_alias(name, alias, str(version))
        except MlflowException as exc:
            raise RegistryError(f"cannot set alias {alias!r} of {name!r} to v{version}: {exc}") from exc
        now = self.get_alias(name, alias)
        if now is None or now.version != str(version):
            raise RegistryError(
                f"alias {alias!r} of {name!r} reads back as "
                f"{now.version if now else 'unset'} after setting it to {version}: another writer "
                "moved it concurrently; run one pipeline per model (max_concurrency=1)"
            )

    def promote(self, name: str, version: str, *, reason: str, pipeline_run: str = "") -> str | None:
        """Make ``version`` the champion; returns the previous champion's version (or None).

        The previous champion stays findable: alias ``previous-champion`` and tags on both
        versions; promoting the current champion again changes nothing.
        """
        version = str(version)
        target = self.get_version(name, version)  # fails clearly if it does not exist
        previous = self.champion(name)
        if previous is not None and previous.version == version:
            return previous.version
        stamp = _now()
        self.set_tags(name, version, {
            TAG_WAS_CHAMPION: "true",
            TAG_CHAMPION_SINCE: stamp,
            TAG_PREVIOUS_CHAMPION: previous.version if previous else "",
            TAG_PROMOTION_REASON: reason,
            TAG_PROMOTION_RUN: pipeline_run,
        })
        self.set_alias(name, CHAMPION, target.version)
        if previous is not None:
            self.set_tags(name, previous.version, {TAG_CHAMPION_UNTIL: stamp, TAG_SUPERSEDED_BY: version})
            self.set_alias(name, PREVIOUS_CHAMPION, previous.version)
        self.record_event(name, version, {
            "event": "promote",
            "previous_champion": previous.version if previous else "",
            "reason": reason,
            "pipeline_run": pipeline_run,
        })
        return previous.version if previous else None

    def champion_history(self, name: str) -> list[dict[str, str]]:
        """Every version that was ever champion, oldest first, with since/until and reasons."""
        found = self.client.search_model_versions(f"name='{name}' and tags.`{TAG_WAS_CHAMPION}`='true'")
        rows = []
        for mv in found:
            tags = mv.tags or {}
            rows.append({
                "version": str(mv.version),
                "since": tags.get(TAG_CHAMPION_SINCE, ""),
                "until": tags.get(TAG_CHAMPION_UNTIL, ""),
                "previous_champion": tags.get(TAG_PREVIOUS_CHAMPION, ""),
                "reason": tags.get(TAG_PROMOTION_REASON, ""),
            })
        return sorted(rows, key=lambda r: (r["since"], int(r["version"])))

    # ------------------------------------------------------------------ audit trail
    def record_event(self, name: str, version: str, event: dict[str, Any]) -> str:
        """Append an audit record (one MLflow run in experiment ``<name>-audit``); returns its id.

        Answers "which model served which share of traffic, when, and why": search that
        experiment's runs (``ctloop audit`` or the MLflow UI); each run's tags hold the event.
        """
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import code_version, local_artifact_root

        experiment = f"{name}{AUDIT_EXPERIMENT_SUFFIX}"
        try:
            exp = self.client.get_experiment_by_name(experiment)
            exp_id = (
                exp.experiment_id
                if exp is not None
                else self.client.create_experiment(experiment, artifact_location=local_artifact_root())
            )
            tags = {f"ctloop.audit.{k}": _tag_value(v) for k, v in event.items()}
            tags.update({
                "ctloop.audit.model": name,
                "ctloop.audit.version": str(version),
                "ctloop.audit.at": _now(),
                "ctloop.audit.code_version": code_version(),
                "mlflow.runName": f"{event.get('event', 'event')}" + (f"-v{version}" if version else ""),
            })
            run = self.client.create_run(exp_id, tags=tags)
            self.client.set_terminated(run.info.run_id, status="FINISHED")
            if version:
                self.client.set_model_version_tag(name, str(version), "ctloop.last_event",
                                                  _tag_value(event.get("event", "")))
        except MlflowException as exc:
            raise RegistryError(f"cannot write the audit record for {name} v{version}: {exc}") from exc
        return run.info.run_id

    def audit_log(self, name: str, max_results: int = 200) -> list[dict[str, str]]:
        """Audit records of ``name``, oldest first."""
        exp = self.client.get_experiment_by_name(f"{name}{AUDIT_EXPERIMENT_SUFFIX}")
        if exp is None:
            return []
        runs = self.client.search_runs([exp.experiment_id], max_results=max_results,
                                       order_by=["attributes.start_time ASC"])
        prefix = "ctloop.audit."
        return [
            {k[len(prefix):]: v for k, v in r.data.tags.items() if k.startswith(prefix)} for r in runs
        ]


def _tag_value(value: Any) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = "" if value is None else str(value)
    # MLflow caps tag values (5000 chars on SQL stores); keep the head and say it was cut.
    return text if len(text) <= 5000 else text[:4980] + "…[truncated]"


def _check_name(name: str) -> None:
    if not name or not name.strip():
        raise ConfigError("a registered model name is required (e.g. model_name='credit-default')")


__all__ = [
    "CHAMPION",
    "CHALLENGER",
    "PREVIOUS_CHAMPION",
    "ModelVersion",
    "MlflowRegistry",
]
