"""Settings and credentials for every task on a cluster: Kubernetes objects, never literals.

By default (all optional, so the same compiled pipeline runs with workload identity and no
secrets at all):

* ConfigMap ``ctloop-settings`` → env ``MLFLOW_TRACKING_URI``, ``PROMETHEUS_URL``,
  ``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_APPLICATION_CREDENTIALS``;
* Secret ``ctloop-mlflow`` keys ``username``/``password``/``token`` →
  ``MLFLOW_TRACKING_USERNAME``/``MLFLOW_TRACKING_PASSWORD``/``MLFLOW_TRACKING_TOKEN``;
* Secret ``ctloop-gcp`` mounted at ``/var/secrets/google`` (a service-account key; set
  ``GOOGLE_APPLICATION_CREDENTIALS: /var/secrets/google/key.json`` in the ConfigMap to use it).

The compiled YAML names these objects and keys, never their values. Use in a pipeline body::

    from ctloop.ops.settings import apply_platform_settings

    apply_platform_settings(task)               # one task (returns it, for chaining)
    apply_platform_settings([prepare, train])   # several

``kfp.kubernetes`` is imported only when the function is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SETTINGS_CONFIGMAP = "ctloop-settings"
MLFLOW_SECRET = "ctloop-mlflow"
GCP_SECRET = "ctloop-gcp"
GCP_MOUNT = "/var/secrets/google"


def _config_env() -> dict[str, str]:
    return {
        "MLFLOW_TRACKING_URI": "MLFLOW_TRACKING_URI",
        "PROMETHEUS_URL": "PROMETHEUS_URL",
        "GOOGLE_CLOUD_PROJECT": "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_APPLICATION_CREDENTIALS": "GOOGLE_APPLICATION_CREDENTIALS",
    }


def _mlflow_env() -> dict[str, str]:
    return {
        "username": "MLFLOW_TRACKING_USERNAME",
        "password": "MLFLOW_TRACKING_PASSWORD",
        "token": "MLFLOW_TRACKING_TOKEN",
    }


@dataclass(frozen=True)
class PlatformSettings:
    """Names of the Kubernetes objects every task reads (never their values).

    Args:
        config_map: ConfigMap whose keys become environment variables.
        config_env: ConfigMap key → environment variable.
        mlflow_secret: Secret with the MLflow credentials.
        mlflow_env: Secret key → environment variable.
        gcp_secret: Secret with a GCP service-account key, mounted at ``gcp_mount``; empty = none.
        gcp_mount: Mount path of ``gcp_secret``.
        optional: Tasks still start when an object or key is missing (workload identity, no
            MLflow auth, ...). False makes a missing object fail the pod at start.
    """

    config_map: str = SETTINGS_CONFIGMAP
    config_env: Mapping[str, str] = field(default_factory=_config_env)
    mlflow_secret: str = MLFLOW_SECRET
    mlflow_env: Mapping[str, str] = field(default_factory=_mlflow_env)
    gcp_secret: str = GCP_SECRET
    gcp_mount: str = GCP_MOUNT
    optional: bool = True


DEFAULT_SETTINGS = PlatformSettings()


def apply_platform_settings(tasks: Any, settings: PlatformSettings | None = None) -> Any:
    """Attach the settings ConfigMap and the credential Secrets to one task or several.

    Args:
        tasks: A ``kfp.dsl.PipelineTask`` or an iterable of them.
        settings: Object names and key mappings (default :data:`DEFAULT_SETTINGS`).

    Returns:
        ``tasks`` itself, so a call can be chained: ``apply_platform_settings(t).set_...``.
    """
    from kfp import kubernetes

    s = settings or DEFAULT_SETTINGS
    many = isinstance(tasks, Iterable) and not hasattr(tasks, "component_spec")
    for task in list(tasks) if many else [tasks]:
        if s.config_map and s.config_env:
            kubernetes.use_config_map_as_env(
                task, s.config_map, dict(s.config_env), optional=s.optional
            )
        if s.mlflow_secret and s.mlflow_env:
            kubernetes.use_secret_as_env(
                task, s.mlflow_secret, dict(s.mlflow_env), optional=s.optional
            )
        if s.gcp_secret:
            kubernetes.use_secret_as_volume(
                task, s.gcp_secret, mount_path=s.gcp_mount, optional=s.optional
            )
    return tasks


__all__ = [
    "PlatformSettings",
    "DEFAULT_SETTINGS",
    "apply_platform_settings",
    "SETTINGS_CONFIGMAP",
    "MLFLOW_SECRET",
    "GCP_SECRET",
    "GCP_MOUNT",
]
