"""The inference log sink's manifests: replicas that keep answering through updates and drains,
one writer per WAL, a stop that drains before the grace period ends, and Parquet where pipeline
tasks can read it."""

from __future__ import annotations

import pytest

from tests.manifests.support import find, render

OVERLAYS = ("overlays/dev", "overlays/prod")


def sink_parts(target: str):
    objects = render(target)
    sink = find(objects, "StatefulSet", "ctloop-inference-log")
    pod = sink["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return objects, sink, pod, container


def arg(container: dict, name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in container["args"] if a.startswith(f"--{name}=")]
    return value


@pytest.mark.parametrize("target", OVERLAYS)
def test_replicas_keep_answering_through_updates_and_drains(target):
    """KServe's agent does not retry: one sink restarting must not mean events lost."""
    objects, sink, pod, _ = sink_parts(target)
    spec = sink["spec"]
    assert spec["replicas"] >= 2
    # one pod at a time is RollingUpdate's default; rollingUpdate.maxUnavailable on a StatefulSet
    # needs the MaxUnavailableStatefulSet feature gate and is dropped where it is off
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    pdb = find(objects, "PodDisruptionBudget", "ctloop-inference-log")
    assert pdb["spec"]["maxUnavailable"] == 1 and pdb["spec"]["selector"] == spec["selector"]
    assert spec["replicas"] - pdb["spec"]["maxUnavailable"] >= 1
    (term,) = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    service = find(objects, "Service", "ctloop-inference-log")
    assert service["spec"]["selector"] == spec["selector"]["matchLabels"]
    assert service["spec"]["sessionAffinity"] == "ClientIP"  # a pod's request and response meet in one replica
    governing = find(objects, "Service", spec["serviceName"])
    assert governing["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize("target", OVERLAYS)
def test_every_replica_owns_its_write_ahead_log(target):
    objects, sink, pod, container = sink_parts(target)
    (template,) = sink["spec"]["volumeClaimTemplates"]
    assert template["spec"]["accessModes"] == ["ReadWriteOnce"]  # one writer per WAL, per pod
    assert "wal" not in {v["name"] for v in pod.get("volumes", [])}, "a shared claim would give one WAL two writers"
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == template["metadata"]["name"]]
    assert arg(container, "wal").startswith(mount["mountPath"] + "/")
    # a scale-down or a delete keeps what a crash may have left in a WAL
    assert sink["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"
                and o["metadata"]["name"].startswith("ctloop-inference-log-wal")]


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
    assert "ReadWriteMany" in claim["spec"]["accessModes"], "pipeline pods must be able to mount it too"
    wal_mount = next(p for p, name in mounts.items() if name == "wal")
    assert not root.startswith(wal_mount), "Parquet must not land on the WAL volume"
    assert not arg(container, "wal").startswith(mount_path), "the WAL must stay on the sink's own volume"
