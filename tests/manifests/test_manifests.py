"""kustomize renders, schema validation, RBAC scope, and promtool on the alert rules."""

import functools
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import REPO

MANIFESTS = REPO / "manifests"
TARGETS = ["base", "overlays/dev", "overlays/prod"]
SHARED = REPO.parent / "shared" / "kserve"
K8S_VERSION = "1.32.0"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is required by the manifest tests: run `make tools` (Debian package prometheus) "
                    "or install kubectl")
    return path


@functools.cache
def render(target: str) -> tuple[dict, ...]:
    out = subprocess.run([need("kubectl"), "kustomize", str(MANIFESTS / target)], capture_output=True, text=True, check=True)
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


@functools.cache
def crd_schema(kind: str) -> dict:
    files = {"InferenceService": "serving.kserve.io_inferenceservices.yaml",
             "ServingRuntime": "serving.kserve.io_servingruntimes.yaml"}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((SHARED / files[kind]).read_text(), Loader=loader)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def test_every_yaml_file_parses_without_tabs():
    for path in list(MANIFESTS.rglob("*.yaml")) + list((REPO / "tests" / "manifests").rglob("*.yaml")):
        text = path.read_text()
        assert "\t" not in text, f"tab in {path}"
        list(yaml.safe_load_all(text))


@pytest.mark.parametrize("target", TARGETS)
def test_render_and_validate(target):
    import kubernetes_validate

    objects = render(target)
    kinds = {o["kind"] for o in objects}
    assert {"ServiceAccount", "Role", "RoleBinding", "ConfigMap", "InferenceService", "ServingRuntime"} <= kinds
    for obj in objects:
        if obj["apiVersion"].startswith("serving.kserve.io/"):
            jsonschema.Draft7Validator(crd_schema(obj["kind"])).validate(obj)
        elif obj["apiVersion"].startswith("monitoring.coreos.com/"):
            assert obj["metadata"]["name"] and isinstance(obj["spec"], dict)
        else:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    if target != "base":
        assert all(o["metadata"].get("namespace") for o in objects), "overlays set the namespace"


def test_prod_adds_monitoring_and_replaces_settings():
    prod = render("overlays/prod")
    assert {"PrometheusRule", "PodMonitor", "Deployment", "Service"} <= {o["kind"] for o in prod}
    dashboard = next(o for o in prod if o["metadata"]["name"] == "ctloop-grafana-dashboard")
    import json

    panels = json.loads(dashboard["data"]["ctloop-canary.json"])["panels"]
    exprs = " ".join(p["targets"][0]["expr"] for p in panels)
    for rule in ("ctloop:request_rate:rate5m", "ctloop:request_error_ratio:rate5m", "ctloop:request_latency_p99_seconds:5m",
                 "ctloop_predictions_total"):
        assert rule in exprs
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    settings = next(o for o in prod if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "ctloop-settings")
    assert settings["data"]["MLFLOW_TRACKING_URI"] == "https://mlflow.example.com"
    isvc = next(o for o in prod if o["kind"] == "InferenceService")
    assert isvc["spec"]["predictor"]["minReplicas"] == 2


def test_rbac_is_namespaced_and_minimal():
    objects = render("base")
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    role = next(o for o in objects if o["kind"] == "Role")
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): set(r["verbs"]) for r in role["rules"]}
    assert rules == {
        (("serving.kserve.io",), ("inferenceservices",)): {"get", "list", "watch", "create", "patch", "update"},
        (("serving.kserve.io",), ("inferenceservices/status",)): {"get"},
    }
    binding = next(o for o in objects if o["kind"] == "RoleBinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "ctloop-pipeline-runner"}]


def test_inferenceservice_template_is_serverless_with_tag_routing():
    isvc = next(o for o in render("base") if o["kind"] == "InferenceService")
    annotations = isvc["metadata"]["annotations"]
    assert annotations["serving.kserve.io/deploymentMode"] == "Serverless"
    assert annotations["serving.kserve.io/enable-tag-routing"] == "true"


def test_promtool_check_and_unit_tests(tmp_path: Path):
    promtool = need("promtool")
    rule = yaml.safe_load((MANIFESTS / "components" / "monitoring" / "prometheusrule.yaml").read_text())
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule["spec"]))
    test_file = REPO / "tests" / "manifests" / "promtool" / "ctloop-rules.test.yaml"
    shutil.copy(test_file, tmp_path / test_file.name)
    check = subprocess.run([promtool, "check", "rules", str(tmp_path / "rules.yaml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 5 rules found" in check.stdout
    test = subprocess.run([promtool, "test", "rules", str(tmp_path / test_file.name)], capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr


def test_every_alert_has_a_firing_and_a_quiet_case():
    rule = yaml.safe_load((MANIFESTS / "components" / "monitoring" / "prometheusrule.yaml").read_text())
    alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load((REPO / "tests" / "manifests" / "promtool" / "ctloop-rules.test.yaml").read_text())
    cases = [c for t in tests["tests"] for c in t.get("alert_rule_test", [])]
    for alert in alerts:
        assert any(c["alertname"] == alert and c["exp_alerts"] for c in cases), f"{alert}: no firing case"
        assert any(c["alertname"] == alert and not c["exp_alerts"] for c in cases), f"{alert}: no quiet case"


def test_serving_runtime_is_the_default_for_sklearn_and_pins_the_training_sklearn():
    objects = render("base")
    runtime = next(o for o in objects if o["kind"] == "ServingRuntime")
    fmt = runtime["spec"]["supportedModelFormats"][0]
    assert fmt["name"] == "sklearn" and fmt["autoSelect"] and fmt["priority"] >= 2
    isvc = next(o for o in objects if o["kind"] == "InferenceService")
    assert isvc["spec"]["predictor"]["model"]["runtime"] == runtime["metadata"]["name"]
    serving_lock = (REPO / "requirements" / "serving.txt").read_text()
    runtime_lock = (REPO / "requirements" / "runtime.txt").read_text()
    sklearn = next(x for x in runtime_lock.splitlines() if x.startswith("scikit-learn=="))
    assert sklearn in serving_lock.splitlines()
    from ctloop.serving.validate import SERVING_SKLEARN_VERSION

    assert sklearn == f"scikit-learn=={SERVING_SKLEARN_VERSION}"
    assert any(x.startswith("kserve==") for x in serving_lock.splitlines())
