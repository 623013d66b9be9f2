"""kustomize renders base, overlays and every component; every object passes schema validation."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.helpers import REPO
from tests.manifests.support import (
    COMPONENTS,
    K8S_VERSION,
    KSERVE_CRDS,
    MANIFESTS,
    MONITORING_SCHEMAS,
    TARGETS,
    crd,
    crd_schema,
    find,
    load_all_strict,
    package_version,
    render,
    render_all_components,
)

YAML_FILES = sorted(
    [*MANIFESTS.rglob("*.yaml"), *(REPO / "tests" / "manifests").rglob("*.yaml")], key=str
)


@pytest.fixture(scope="module")
def all_components(tmp_path_factory) -> list[dict]:
    return render_all_components(tmp_path_factory.mktemp("all-components"))


def validate(obj: dict) -> None:
    """Core kinds: kubernetes-validate (strict); KServe: the v0.20.0 CRD; monitoring: our schema."""
    import kubernetes_validate

    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    where = f"{obj['kind']} {obj['metadata'].get('name')}"
    if group == "serving.kserve.io":
        errors = list(jsonschema.Draft7Validator(crd_schema(obj["kind"])).iter_errors(obj))
    elif group == "monitoring.coreos.com":
        errors = list(jsonschema.Draft7Validator(MONITORING_SCHEMAS[obj["kind"]]).iter_errors(obj))
    else:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            errors = []
        except kubernetes_validate.ValidationError as exc:
            errors = [exc]
    assert not errors, f"{where}: " + "; ".join(str(getattr(e, "message", e)) for e in errors)


# ------------------------------------------------------------------------------- YAML hygiene
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_yaml_parses_without_tabs_or_duplicate_keys(path):
    text = path.read_text()
    assert "\t" not in text, f"tab character in {path}"
    assert load_all_strict(text), f"{path} is empty"


def test_strict_loader_catches_duplicate_keys():
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'a'"):
        load_all_strict("a: 1\nb: 2\na: 3\n")


def test_dashboard_json_has_no_duplicate_keys():
    def no_dupes(pairs):
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate keys in dashboard JSON: {keys}"
        return dict(pairs)

    for path in MANIFESTS.rglob("*.json"):
        json.loads(path.read_text(), object_pairs_hook=no_dupes)


# ------------------------------------------------------------------------ render + validate
@pytest.mark.parametrize("target", TARGETS)
def test_targets_render_and_validate(target):
    objects = render(target)
    assert {
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "InferenceService",
        "ServingRuntime",
    } <= {o["kind"] for o in objects}
    for obj in objects:
        validate(obj)


def test_every_component_renders_and_validates(all_components):
    assert {"logger", "mlflow", "mlflow-postgres", "monitoring"} <= set(COMPONENTS)
    objects = all_components
    kinds = {o["kind"] for o in objects}
    assert {"StatefulSet", "PrometheusRule", "PodMonitor", "Deployment", "Service"} <= kinds
    for obj in objects:
        validate(obj)


def test_validation_rejects_a_broken_object():
    """The validators used above do fail: a wrong field in each family is caught."""
    isvc = json.loads(json.dumps(find(render("base"), "InferenceService")))
    isvc["spec"]["predictor"]["logger"]["mode"] = "everything"  # enum all|request|response
    with pytest.raises(AssertionError, match="everything"):
        validate(isvc)
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}, "spec": {}}
    with pytest.raises(AssertionError):
        validate(sa)
    rule = json.loads(json.dumps(find(render("overlays/prod"), "PrometheusRule", "ctloop-canary")))
    rule["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
    with pytest.raises(AssertionError):
        validate(rule)


def test_base_is_namespace_agnostic_and_overlays_set_one_namespace():
    assert not [o for o in render("base") if "namespace" in o["metadata"]]
    for target, namespace in (("overlays/dev", "ctloop-dev"), ("overlays/prod", "ctloop")):
        objects = render(target)
        assert {o["metadata"].get("namespace") for o in objects} == {namespace}
        binding = find(objects, "RoleBinding", "ctloop-pipeline-runner")
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "ctloop-pipeline-runner", "namespace": namespace}
        ]


def test_images_carry_the_package_version(all_components):
    version = package_version()
    for objects in [*(render(t) for t in TARGETS), all_components]:
        images = [c["image"] for c in _containers(objects)]
        ours = [i for i in images if i.startswith("ghcr.io/ctloop/")]
        assert ours, "no ctloop image rendered"
        assert all(i.rsplit(":", 1)[-1] == version for i in ours), ours
        assert all(":" in i.split("/")[-1] for i in images), f"untagged image in {images}"


def _containers(objects):
    for o in objects:
        spec = o.get("spec") or {}
        pod = spec.get("template", {}).get("spec", spec)
        yield from pod.get("containers", []) + pod.get("initContainers", [])


def test_overlay_sizes():
    dev = find(render("overlays/dev"), "InferenceService")["spec"]["predictor"]
    prod = find(render("overlays/prod"), "InferenceService")["spec"]["predictor"]
    assert (dev["minReplicas"], dev["maxReplicas"]) == (0, 1)  # scale to zero in dev
    assert (prod["minReplicas"], prod["maxReplicas"]) == (2, 6)
    runtime = find(render("overlays/prod"), "ServingRuntime")["spec"]["containers"][0]
    assert runtime["resources"]["limits"]["cpu"] == "2"
    # one MLflow pod: its init container migrates the schema (test_r46_pipelines_mlflow_migration.py)
    assert find(render("overlays/prod"), "Deployment", "mlflow")["spec"]["replicas"] == 1


def test_prod_adds_monitoring_and_mlflow_dev_does_not():
    prod = {(o["kind"], o["metadata"]["name"]) for o in render("overlays/prod")}
    dev = {(o["kind"], o["metadata"]["name"]) for o in render("overlays/dev")}
    wanted = {
        ("PrometheusRule", "ctloop-canary"),
        ("PodMonitor", "ctloop-inferenceservices"),
        ("PodMonitor", "ctloop-inference-log"),
        ("ConfigMap", "ctloop-grafana-dashboard"),
        ("Deployment", "mlflow"),
        ("Service", "mlflow"),
    }
    assert wanted <= prod
    assert not wanted & dev


# -------------------------------------------------------------------------------- contents
def test_rbac_role_grants_exactly_the_listed_verbs_on_namespaced_inferenceservices():
    for target in TARGETS:
        objects = render(target)
        assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
        roles = [o for o in objects if o["kind"] == "Role"]
        assert [r["metadata"]["name"] for r in roles] == ["ctloop-pipeline-runner"]
        assert roles[0]["rules"] == [
            {
                "apiGroups": ["serving.kserve.io"],
                "resources": ["inferenceservices"],
                "verbs": ["get", "create", "patch"],  # least privilege: tests/serving/test_runner_rbac.py
            },
            # one revision by name: which storageUri it serves (ctloop.serving.kube.REVISION_RULE)
            {"apiGroups": ["serving.knative.dev"], "resources": ["revisions"], "verbs": ["get"]},
        ]
        binding = find(objects, "RoleBinding")
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "ctloop-pipeline-runner",
        }
        assert [s["name"] for s in binding["subjects"]] == [
            find(objects, "ServiceAccount", "ctloop-pipeline-runner")["metadata"]["name"]
        ]


def test_rbac_resources_are_namespaced_in_the_kserve_crd():
    definition = crd("InferenceService")
    assert definition["spec"]["scope"] == "Namespaced"
    assert definition["spec"]["names"]["plural"] == "inferenceservices"
    assert definition["spec"]["group"] == "serving.kserve.io"


def test_serving_runtime_is_the_sklearn_default_with_metrics():
    objects = render("base")
    runtime = find(objects, "ServingRuntime", "ctloop-sklearn")
    spec = runtime["spec"]
    (fmt,) = spec["supportedModelFormats"]
    builtin = yaml.safe_load(
        (KSERVE_CRDS / "kserve-sklearnserver.ClusterServingRuntime.v0.20.0.yaml").read_text()
    )
    builtin_priority = max(
        f["priority"] for f in builtin["spec"]["supportedModelFormats"] if f["name"] == "sklearn"
    )
    assert (
        fmt["name"] == "sklearn"
        and fmt["autoSelect"] is True
        and fmt["priority"] > builtin_priority
    )
    assert set(spec["protocolVersions"]) == {"v1", "v2"}
    (container,) = spec["containers"]
    assert container["image"] == f"ghcr.io/ctloop/ctloop-serving:{package_version()}"
    assert {"--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"} <= set(
        container["args"]
    )
    assert [p["containerPort"] for p in container["ports"]] == [8080]
    assert (
        spec["annotations"]["prometheus.io/port"]
        == "8080"
        == runtime["metadata"]["annotations"]["prometheus.kserve.io/port"]
    )
    assert spec["annotations"]["prometheus.io/scrape"] == "true"
    env = {e["name"]: e for e in container["env"]}
    assert (
        env["CTLOOP_MODEL_VERSION"]["valueFrom"]["fieldRef"]["fieldPath"]
        == "metadata.labels['ctloop.dev/model-version']"
    )


def test_serving_image_pins_the_training_scikit_learn():
    """The runtime image installs requirements/serving.txt: same scikit-learn as the components."""

    def pin(path):
        return next(
            x
            for x in (REPO / "requirements" / path).read_text().splitlines()
            if x.startswith("scikit-learn==")
        )

    assert pin("serving.txt") == pin("runtime.txt")


def test_inferenceservice_template():
    objects = render("base")
    isvc = find(objects, "InferenceService")
    meta, predictor = isvc["metadata"], isvc["spec"]["predictor"]
    assert meta["annotations"]["serving.kserve.io/deploymentMode"] == "Knative"
    assert meta["annotations"]["serving.kserve.io/enable-tag-routing"] == "true"
    assert meta["labels"]["ctloop.dev/model-version"] == "1"
    assert "canaryTrafficPercent" not in predictor
    assert predictor["model"]["modelFormat"] == {"name": "sklearn"}
    assert predictor["model"]["runtime"] == find(objects, "ServingRuntime")["metadata"]["name"]
    assert predictor["model"]["storageUri"].endswith("/model-joblib")
    assert (
        predictor["serviceAccountName"]
        == find(objects, "ServiceAccount", "ctloop-model-reader")["metadata"]["name"]
    )


@pytest.mark.parametrize("target", TARGETS)
def test_logger_url_comes_from_ctloop_settings(target):
    objects = render(target)
    settings = find(objects, "ConfigMap", "ctloop-settings")["data"]
    assert (
        find(objects, "InferenceService")["spec"]["predictor"]["logger"]["url"]
        == settings["INFERENCE_LOGGER_URL"]
    )
    assert {"MLFLOW_TRACKING_URI", "PROMETHEUS_URL"} <= set(settings)
    if target != "base":
        namespace = find(objects, "ConfigMap", "ctloop-settings")["metadata"]["namespace"]
        assert f".{namespace}.svc.cluster.local" in settings["INFERENCE_LOGGER_URL"]


def test_no_secret_is_rendered_and_the_example_holds_placeholders_only():
    for target in TARGETS:
        assert not [o for o in render(target) if o["kind"] == "Secret"]
    example = MANIFESTS / "examples" / "secrets.example.yaml"
    secrets = load_all_strict(example.read_text())
    assert {s["metadata"]["name"] for s in secrets} == {"ctloop-mlflow-db", "ctloop-model-storage", "ctloop-prometheus"}
    for secret in secrets:
        validate(secret)
        assert secret["stringData"] and all(
            "REPLACE-ME" in v for v in secret["stringData"].values()
        )
    referenced = {
        ref["secretKeyRef"]["name"]
        for o in render("overlays/prod")
        for c in _containers([o])
        for e in c.get("env", [])
        if (ref := e.get("valueFrom")) and "secretKeyRef" in ref
    }
    assert referenced == {"ctloop-mlflow-db"}


def test_mlflow_server_writes_artifacts_to_the_object_store(all_components):
    objects = render("overlays/prod")
    deployment = find(objects, "Deployment", "mlflow")
    (server,) = deployment["spec"]["template"]["spec"]["containers"]
    args = server["args"]
    assert "--no-serve-artifacts" in args  # artifact_uri must be gs:// for KServe's storageUri
    assert "--default-artifact-root=$(ARTIFACT_ROOT)" in args
    assert "--backend-store-uri=$(MLFLOW_BACKEND_STORE_URI)" in args
    env = {e["name"]: e for e in server["env"]}
    assert env["MLFLOW_BACKEND_STORE_URI"]["valueFrom"]["secretKeyRef"] == {
        "name": "ctloop-mlflow-db",
        "key": "uri",
    }
    root = find(objects, "ConfigMap", "ctloop-mlflow-server")["data"]["ARTIFACT_ROOT"]
    assert root.startswith(("gs://", "s3://"))
    assert "mlflow.$(POD_NAMESPACE).svc.cluster.local:*" in env["ALLOWED_HOSTS"]["value"]
    (upgrade,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert upgrade["command"][:3] == ["mlflow", "db", "upgrade"]
    # the tracking URI the pipeline tasks get points at this server
    service = find(objects, "Service", "mlflow")
    settings = find(objects, "ConfigMap", "ctloop-settings")["data"]
    assert (
        settings["MLFLOW_TRACKING_URI"]
        == f"http://mlflow.ctloop.svc.cluster.local:{service['spec']['ports'][0]['port']}"
    )
    # the in-cluster PostgreSQL reads the same Secret
    postgres = find(all_components, "StatefulSet", "mlflow-postgres")
    env = {e["name"]: e for e in postgres["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "ctloop-mlflow-db"


def test_grafana_dashboard_configmap():
    dashboard = find(render("overlays/prod"), "ConfigMap", "ctloop-grafana-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    (text,) = dashboard["data"].values()
    titles = " | ".join(p["title"] for p in json.loads(text)["panels"])
    for wanted in (
        "Traffic share per revision",
        "error ratio per revision",
        "p99 latency per revision",
        "Model version per revision",
    ):
        assert wanted.lower() in titles.lower(), titles


def test_podmonitor_scrapes_every_30s_and_labels_the_model_version():
    monitor = find(render("overlays/prod"), "PodMonitor", "ctloop-inferenceservices")
    endpoints = monitor["spec"]["podMetricsEndpoints"]
    assert all(e["interval"] == "30s" for e in endpoints)
    for e in endpoints:
        targets = {r["targetLabel"]: r["sourceLabels"] for r in e["relabelings"]}
        assert targets["model_version"] == ["__meta_kubernetes_pod_label_ctloop_dev_model_version"]
        assert set(targets) == {"isvc", "revision", "model_version"}


@pytest.mark.parametrize("source", [None, "ctloop", "istio", "knative-otel", "knative-legacy"])
def test_podmonitor_scrapes_the_queue_proxy_only_with_a_source_that_reads_it(source, tmp_path):
    # knative-v1.21.1 (KServe v0.20.0's pin): every queue-proxy declares port http-usermetric
    # (pkg/reconciler/revision/resources/queue.go), but serves it only with
    # request-metrics-protocol: prometheus (pkg/queue/sharedmain/otel.go; the default "none" gets
    # knative/pkg's no-op meter provider, observability/metrics/provider.go). Scraped by default,
    # every predictor pod was a target that is down on a stock install (kube-prometheus-stack's
    # TargetDown fires above 10 % of a job's targets; here half of them)
    from ctloop.serving.metric_sources import podmonitor_endpoint
    from tests.manifests.rules_support import render_monitoring

    monitor = find(render_monitoring(tmp_path, source), "PodMonitor", "ctloop-inferenceservices")
    endpoints = {e["port"]: e for e in monitor["spec"]["podMetricsEndpoints"]}
    queue_proxy = source in ("knative-otel", "knative-legacy")
    assert set(endpoints) == {"user-port", *(["http-usermetric"] if queue_proxy else [])}
    for port, endpoint in endpoints.items():
        assert endpoint == podmonitor_endpoint(port)  # one definition of the relabelings


def test_the_inference_log_sink_is_scraped_where_prometheus_operator_looks():
    """prometheus-operator ignores prometheus.io/* pod annotations: the sink's ctloop_log_* series,
    which the PrometheusRule ctloop-inference-log alerts on, were scraped by no PodMonitor, so its
    alerts (a failing or stuck flush included) could never fire."""
    objects = render("overlays/prod")
    monitor = find(objects, "PodMonitor", "ctloop-inference-log")
    sink = find(objects, "StatefulSet", "ctloop-inference-log")["spec"]["template"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= sink["metadata"]["labels"].items()
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    (container,) = sink["spec"]["containers"]
    assert endpoint["port"] in {p["name"] for p in container["ports"]} and endpoint["path"] == "/metrics"
    assert "authorization" not in endpoint  # no token without components/logger/token-auth
    # the job CtloopLogScrapeFailing reads `up` of
    assert {"action": "replace", "targetLabel": "job", "replacement": "ctloop-inference-log"} in endpoint["relabelings"]
    rule = find(objects, "PrometheusRule", "ctloop-inference-log")
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"] if r.get("alert") == "CtloopLogScrapeFailing"]
    assert exprs and 'job="ctloop-inference-log"' in exprs[0]
