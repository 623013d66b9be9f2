"""Issue 13 (5): every container of every workload runs hardened, and the inference log sink is
fenced by a NetworkPolicy. Rendered with kubectl kustomize, as the cluster would get them: base,
both overlays, every component together, and the logger's token-auth component."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.manifests.support import (
    MANIFESTS,
    TARGETS,
    find,
    kustomize,
    render,
    render_all_components,
)

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
SINK = "ctloop-inference-log"


@pytest.fixture(scope="module")
def all_components(tmp_path_factory) -> list[dict]:
    return render_all_components(tmp_path_factory.mktemp("all-components"))


def overlay(workdir: Path, components: list[str]) -> list[dict]:
    rel = Path(os.path.relpath(MANIFESTS, workdir))
    (workdir / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": "ctloop-sec",
        "resources": [str(rel / "base")], "components": [str(rel / "components" / c) for c in components]}))
    return kustomize(workdir)


def pods(objects) -> list[tuple[str, dict]]:
    """(name, pod spec) of every workload; a ServingRuntime's containers as a pod of its own."""
    out = []
    for o in objects:
        name = f"{o['kind']}/{o['metadata']['name']}"
        if o["kind"] in WORKLOADS:
            spec = o["spec"]
            if o["kind"] == "CronJob":
                spec = spec["jobTemplate"]["spec"]
            out.append((name, spec["template"]["spec"] if o["kind"] != "Pod" else spec))
        elif o["kind"] in ("ServingRuntime", "ClusterServingRuntime"):
            out.append((name, {"containers": o["spec"]["containers"], "volumes": o["spec"].get("volumes", [])}))
    return out


def containers(objects):
    for name, pod in pods(objects):
        for c in pod.get("initContainers", []) + pod["containers"]:
            yield f"{name}:{c['name']}", pod, c


def check_hardened(where: str, pod: dict, c: dict) -> list[str]:
    sc, psc = c.get("securityContext", {}), pod.get("securityContext", {})
    problems = []
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if "ALL" not in sc.get("capabilities", {}).get("drop", []) or sc.get("capabilities", {}).get("add"):
        problems.append("capabilities do not drop ALL (or add some back)")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("seccompProfile is not RuntimeDefault (container or pod)")
    if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
        problems.append("runAsNonRoot is not true (container or pod)")
    if sc.get("privileged"):
        problems.append("privileged")
    # a read-only image still needs a writable /tmp (Python, PostgreSQL, MLflow all write there)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
        problems.append("no emptyDir at /tmp")
    return [f"{where}: {p}" for p in problems]


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_of_every_workload_is_hardened(target):
    """Before: no readOnlyRootFilesystem and no seccompProfile anywhere."""
    objects = render(target)
    found = list(containers(objects))
    assert found, f"{target} renders no workload"
    problems = [p for where, pod, c in found for p in check_hardened(where, pod, c)]
    assert not problems, "\n".join(problems)


def test_every_component_together_is_hardened(all_components, tmp_path):
    objects = [*all_components, *overlay(tmp_path, ["logger", "logger/token-auth"])]
    names = {where.split(":")[0] for where, _, _ in containers(objects)}
    assert {"StatefulSet/ctloop-inference-log", "Deployment/mlflow", "StatefulSet/mlflow-postgres",
            "ServingRuntime/ctloop-sklearn"} <= names
    problems = [p for where, pod, c in containers(objects) for p in check_hardened(where, pod, c)]
    assert not problems, "\n".join(problems)


def test_mlflow_and_postgres_get_the_writable_paths_they_need(all_components):
    mlflow = find(all_components, "Deployment", "mlflow")["spec"]["template"]["spec"]
    for c in mlflow["initContainers"] + mlflow["containers"]:
        assert {"name": "HOME", "value": "/tmp"} in c["env"], c["name"]
    pg = find(all_components, "StatefulSet", "mlflow-postgres")["spec"]["template"]["spec"]
    mounts = {m["mountPath"] for m in pg["containers"][0]["volumeMounts"]}
    assert {"/var/lib/postgresql/data", "/var/run/postgresql", "/tmp"} <= mounts


@pytest.mark.parametrize("target", ("overlays/dev", "overlays/prod"))
def test_the_sink_is_fenced_by_a_network_policy(target):
    """Before: no NetworkPolicy, /metrics on the ingest port, default bind 0.0.0.0."""
    objects = render(target)
    sink = find(objects, "StatefulSet", SINK)
    pod = sink["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    args = dict(a.split("=", 1) for a in container["args"])
    assert args["--host"] == "0.0.0.0" and int(args["--port"]) == ports["http"]
    assert int(args["--metrics-port"]) == ports["metrics"]
    annotations = sink["spec"]["template"]["metadata"]["annotations"]
    assert int(annotations["prometheus.io/port"]) == ports["metrics"]
    policy = find(objects, "NetworkPolicy", SINK)["spec"]
    assert policy["podSelector"] == sink["spec"]["selector"] and policy["policyTypes"] == ["Ingress"]
    rules = {tuple(p["port"] for p in rule["ports"]): rule["from"] for rule in policy["ingress"]}
    assert set(rules) == {("http",), ("metrics",)}, "only the two ports, nothing open to all"
    (agents,) = rules[("http",)]
    assert agents == {"podSelector": {"matchExpressions": [
        {"key": "serving.kserve.io/inferenceservice", "operator": "Exists"}]}}
    (prometheus,) = rules[("metrics",)]
    assert prometheus == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    service = find(objects, "Service", SINK)
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]


def test_token_auth_gives_other_producers_a_token_and_keeps_agents_on_a_fenced_port(tmp_path):
    objects = overlay(tmp_path, ["logger", "logger/token-auth"])
    sink = find(objects, "StatefulSet", SINK)
    pod = sink["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    args = dict(a.split("=", 1) for a in container["args"])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert int(args["--agent-port"]) == ports["agent"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "token")
    assert mount["readOnly"] and args["--token-file"].startswith(mount["mountPath"] + "/")
    secret = next(v for v in pod["volumes"] if v["name"] == "token")["secret"]
    assert secret["secretName"] == "ctloop-inference-log-token"
    assert not [o for o in objects if o["kind"] == "Secret"], "the token is never generated here"
    service = {p["name"]: p for p in find(objects, "Service", SINK)["spec"]["ports"]}
    assert service["agent"]["port"] == 80 and service["agent"]["targetPort"] == "agent"  # predictor.logger.url
    assert service["token"]["targetPort"] == "http"
    policy = find(objects, "NetworkPolicy", SINK)["spec"]
    rules = {tuple(p["port"] for p in rule["ports"]): rule["from"] for rule in policy["ingress"]}
    assert rules[("agent",)][0]["podSelector"]["matchExpressions"][0]["key"] == "serving.kserve.io/inferenceservice"
    assert rules[("http",)] == [{"podSelector": {}}]
    assert ("metrics",) in rules


def test_token_auth_gives_the_sinks_podmonitor_the_token_its_metrics_need(tmp_path):
    """With token-auth /metrics needs the bearer token: the PodMonitor reads it from the Secret the
    sink mounts (prometheus-operator 0.79 PodMetricsEndpoint.authorization). Without the monitoring
    component the patch matches nothing and the overlay still builds."""
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    objects = overlay(tmp_path / "with", ["monitoring", "logger", "logger/token-auth"])
    (endpoint,) = find(objects, "PodMonitor", "ctloop-inference-log")["spec"]["podMetricsEndpoints"]
    pod = find(objects, "StatefulSet", SINK)["spec"]["template"]["spec"]
    secret = next(v for v in pod["volumes"] if v["name"] == "token")["secret"]
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": {
        "name": secret["secretName"], "key": secret["items"][0]["key"]}}
    assert not [o for o in overlay(tmp_path / "without", ["logger", "logger/token-auth"]) if o["kind"] == "PodMonitor"]
