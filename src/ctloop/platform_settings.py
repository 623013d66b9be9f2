"""How settings and credentials reach every task on a cluster: Kubernetes objects, never literals.

* ConfigMap ``ctloop-settings`` (optional keys become env vars): ``MLFLOW_TRACKING_URI``,
  ``PROMETHEUS_URL``, ``GOOGLE_CLOUD_PROJECT``, ``GOOGLE_APPLICATION_CREDENTIALS``.
* Secret ``ctloop-mlflow`` → ``MLFLOW_TRACKING_USERNAME``/``PASSWORD``/``TOKEN``.
* Secret ``ctloop-gcp`` mounted at ``/var/secrets/google`` (a service-account key, when workload
  identity is not used; point ``GOOGLE_APPLICATION_CREDENTIALS`` at it in the ConfigMap).

All are optional, so the same compiled pipeline runs with workload identity and no secrets. The
compiled YAML names the objects, never their values (a test checks). Imports kfp.
"""

from __future__ import annotations

from kfp import kubernetes

SETTINGS_CONFIGMAP = "ctloop-settings"
MLFLOW_SECRET = "ctloop-mlflow"
GCP_SECRET = "ctloop-gcp"
GCP_MOUNT = "/var/secrets/google"

CONFIG_ENV = {
    "MLFLOW_TRACKING_URI": "MLFLOW_TRACKING_URI",
    "PROMETHEUS_URL": "PROMETHEUS_URL",
    "GOOGLE_CLOUD_PROJECT": "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_APPLICATION_CREDENTIALS": "GOOGLE_APPLICATION_CREDENTIALS",
}
MLFLOW_ENV = {
    "username": "MLFLOW_TRACKING_USERNAME",
    "password": "MLFLOW_TRACKING_PASSWORD",
    "token": "MLFLOW_TRACKING_TOKEN",
}


def with_platform_settings(task):
    """Attach the ctloop ConfigMap/Secrets to ``task``; returns it."""
    kubernetes.use_config_map_as_env(task, SETTINGS_CONFIGMAP, CONFIG_ENV, optional=True)
    kubernetes.use_secret_as_env(task, MLFLOW_SECRET, MLFLOW_ENV, optional=True)
    kubernetes.use_secret_as_volume(task, GCP_SECRET, mount_path=GCP_MOUNT, optional=True)
    return task


__all__ = ["with_platform_settings", "SETTINGS_CONFIGMAP", "MLFLOW_SECRET", "GCP_SECRET"]
