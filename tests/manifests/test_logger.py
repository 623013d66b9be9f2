"""The inference log sink's manifests: one writer per WAL, a stop that drains before the grace
period ends, and Parquet where pipeline tasks can read it."""

from __future__ import annotations

import pytest

from tests.manifests.support import find, render

OVERLAYS = ("overlays/dev", "overlays/prod")


def sink_parts(target: str):
    objects = render(target)
    deployment = find(objects, "Deployment", "ctloop-inference-log")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return objects, deployment, pod, container


def arg(container: dict, name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in container["args"] if a.startswith(f"--{name}=")]
    return value


@pytest.mark.parametrize("target", OVERLAYS)
def test_one_sink_per_wal_volume_and_recreate_on_update(target):
    objects, deployment, pod, _ = sink_parts(target)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}  # never two pods on one RWO WAL
    (wal,) = [v for v in pod["volumes"] if v["name"] == "wal"]
    claim = find(objects, "PersistentVolumeClaim", wal["persistentVolumeClaim"]["claimName"])
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


@pytest.mark.parametrize("target", OVERLAYS)
def test_the_grace_period_covers_prestop_drain_and_final_flush(target):
    _, _, pod, container = sink_parts(target)
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pre_stop = int(command[1])
    drain = int(arg(container, "drain-timeout-seconds"))
    assert 1 <= pre_stop <= 15, "long enough for endpoints to drop the pod, short enough not to eat the grace"
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + drain + 15, "no time left for the final flush"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("target", OVERLAYS)
def test_the_parquet_root_comes_from_ctloop_settings_and_is_required(target):
    objects, _, _, container = sink_parts(target)
    assert arg(container, "root") == "$(CTLOOP_LOG_ROOT)"
    env = {e["name"]: e for e in container["env"]}
    ref = env["CTLOOP_LOG_ROOT"]["valueFrom"]["configMapKeyRef"]
    assert ref == {"name": "ctloop-settings", "key": "INFERENCE_LOG_ROOT"}  # not optional
    assert find(objects, "ConfigMap", "ctloop-settings")["data"]["INFERENCE_LOG_ROOT"]


def test_prod_writes_parquet_to_the_object_store():
    objects, _, _, _ = sink_parts("overlays/prod")
    assert find(objects, "ConfigMap", "ctloop-settings")["data"]["INFERENCE_LOG_ROOT"].startswith("gs://")


def test_dev_writes_parquet_to_a_shared_volume_pipeline_tasks_can_mount():
    """Before: /var/lib/ctloop-log/records, on the sink's own ReadWriteOnce WAL volume."""
    objects, _, pod, container = sink_parts("overlays/dev")
    root = find(objects, "ConfigMap", "ctloop-settings")["data"]["INFERENCE_LOG_ROOT"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    (mount_path,) = [p for p in mounts if root == p or root.startswith(p.rstrip("/") + "/")]
    volume = next(v for v in pod["volumes"] if v["name"] == mounts[mount_path])
    claim = find(objects, "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    assert claim["metadata"]["name"] != "ctloop-inference-log-wal"
    assert "ReadWriteMany" in claim["spec"]["accessModes"], "pipeline pods must be able to mount it too"
    wal_mount = next(p for p, name in mounts.items() if name == "wal")
    assert not root.startswith(wal_mount), "Parquet must not land on the WAL volume"
    assert not arg(container, "wal").startswith(mount_path), "the WAL must stay on the sink's own volume"
