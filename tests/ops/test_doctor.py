"""``ctloop doctor`` against the API doubles (KFP, Kubernetes) and a real MLflow server.

A healthy cluster is built from what the upstream releases install; each test breaks one thing
and expects that line to say so, with the fix:

* KServe v0.20.0: CRD ``inferenceservices.serving.kserve.io``
  (``config/crd/full/serving.kserve.io_inferenceservices.yaml``), Deployment
  ``kserve/kserve-controller-manager`` (``config/manager/manager.yaml``; the release YAML's
  ``manager`` image is ``kserve/kserve-controller:v0.20.0``, ``hack/release/generate-install.sh``),
  ConfigMap ``inferenceservice-config`` key ``deploy`` with ``defaultDeploymentMode: Serverless``
  (``config/configmap/inferenceservice.yaml``);
* Knative Serving v1.21.1: namespace ``knative-serving`` and Deployment ``controller`` labelled
  ``app.kubernetes.io/version: "1.21.1"`` (``config/core/100-namespace.yaml``,
  ``config/core/deployments/controller.yaml``, rewritten by ``hack/generate-yamls.sh``);
* KFP 2.17.0: healthz ``tag_name`` (tests/doubles/kfp_api.py); the runner ``pipeline-runner`` in
  ``kubeflow`` (``backend/src/apiserver/config/config.json``); Argo's ConfigMap
  ``kubeflow/workflow-controller-configmap`` with KFP's ``workflowDefaults``
  (tests/fixtures/kfp/workflow-controller-configmap.2.17.0.yaml).
"""

from __future__ import annotations

import base64
import json

import pytest
import yaml

from ctloop.cli import main
from ctloop.ops import doctor
from ctloop.ops.settings import DEFAULT_SETTINGS
from ctloop.serving.isvc import inference_service
from ctloop.serving.kube import REVISION_RULE
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kube_api import KubeApiDouble, write_kubeconfig
from tests.fixtures.servers import dead_port
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
RUNNER = "system:serviceaccount:kubeflow:pipeline-runner"
SECRET_VALUE = "s3cr3t-never-printed"
STOCK_ARGO = yaml.safe_load((REPO / "tests/fixtures/kfp/workflow-controller-configmap.2.17.0.yaml").read_text())


def crd() -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "inferenceservices.serving.kserve.io"},
        "spec": {
            "group": "serving.kserve.io",
            "scope": "Namespaced",
            "names": {
                "kind": "InferenceService",
                "listKind": "InferenceServiceList",
                "plural": "inferenceservices",
                "singular": "inferenceservice",
                "shortNames": ["isvc"],
            },
            "versions": [{"name": "v1beta1", "served": True, "storage": True}],
        },
    }


def deployment(ns: str, name: str, labels: dict, containers: list[tuple[str, str]]) -> dict:
    selector = {"control-plane": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {"containers": [{"name": n, "image": i} for n, i in containers]},
            },
        },
    }


def configmap(ns: str, name: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }


def secret(ns: str, name: str, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": ns},
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


IN_CLUSTER_MLFLOW = "http://mlflow.mlflow.svc:5000"


def healthy(kube: KubeApiDouble, prometheus_url: str = "http://127.0.0.1:9/prometheus", mlflow_url: str = IN_CLUSTER_MLFLOW) -> None:
    kube.add(crd())
    kube.add(
        deployment(
            "kserve",
            "kserve-controller-manager",
            {
                "app.kubernetes.io/name": "kserve-controller-manager",
                "control-plane": "kserve-controller-manager",
                "controller-tools.k8s.io": "1.0",
            },
            [
                ("kube-rbac-proxy", "quay.io/brancz/kube-rbac-proxy:v0.18.0"),
                ("manager", "kserve/kserve-controller:v0.20.0"),
            ],
        )
    )
    kube.add(
        configmap(
            "kserve",
            "inferenceservice-config",
            {"deploy": '{\n  "defaultDeploymentMode": "Serverless"\n}'},
        )
    )
    kube.add(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "knative-serving",
                "labels": {
                    "app.kubernetes.io/name": "knative-serving",
                    "app.kubernetes.io/version": "1.21.1",
                },
            },
        }
    )
    kube.add(
        deployment(
            "knative-serving",
            "controller",
            {
                "app.kubernetes.io/component": "controller",
                "app.kubernetes.io/name": "knative-serving",
                "app.kubernetes.io/version": "1.21.1",
            },
            [("controller", "gcr.io/knative-releases/controller:v1.21.1")],
        )
    )
    kube.add(
        configmap(
            "kubeflow",
            "ctloop-settings",
            {
                "MLFLOW_TRACKING_URI": mlflow_url,
                "PROMETHEUS_URL": prometheus_url,
                "GOOGLE_CLOUD_PROJECT": "credit-ml",
                "GOOGLE_APPLICATION_CREDENTIALS": "/var/secrets/google/key.json",
            },
        )
    )
    kube.add(
        secret(
            "kubeflow",
            "ctloop-mlflow",
            {"username": "ci", "password": SECRET_VALUE, "token": SECRET_VALUE},
        )
    )
    kube.add(secret("kubeflow", "ctloop-gcp", {"key.json": SECRET_VALUE}))
    kube.add(configmap("kubeflow", STOCK_ARGO["metadata"]["name"], STOCK_ARGO["data"]))
    kube.create_isvc(
        "ctloop",
        inference_service(
            "credit-default",
            namespace="ctloop",
            model_name="credit-default",
            version="1",
            storage_uri="gs://models/credit-default/1",
        ),
    )
    kube.grant(
        RUNNER,
        "serving.kserve.io",
        "inferenceservices",
        ["get", "list", "watch", "create", "patch", "update"],
        "ctloop",
    )
    kube.grant(RUNNER, REVISION_RULE[0], REVISION_RULE[1], list(REVISION_RULE[2]), "ctloop")


class Cluster:
    def __init__(self, kfp: KfpApiDouble, kube: KubeApiDouble, kubeconfig):
        self.kfp, self.kube, self.kubeconfig = kfp, kube, kubeconfig

    def argv(self, *extra: str) -> list[str]:
        return [
            "doctor",
            "--host",
            self.kfp.url,
            "--kubeconfig",
            str(self.kubeconfig),
            "--isvc",
            "ctloop/credit-default",
            *extra,
        ]

    def run(self, capsys, *extra: str) -> tuple[int, dict[str, str], str]:
        code = main(self.argv(*extra))
        out = capsys.readouterr().out
        lines = {}
        for line in out.splitlines()[:-1]:
            status, _, rest = line.partition(" ")
            name = rest.strip().split(":")[0] if status != "ok" else rest.strip()
            lines[next(n for n in NAMES if name.startswith(n))] = line
        return code, lines, out


NAMES = [
    "KFP API",
    "KFP backend",
    "pipelines",
    "Kubernetes",
    "KServe",
    "InferenceService ctloop/credit-default",
    "Knative Serving",
    "Knative request metrics",
    "metrics ctloop/credit-default",
    "Prometheus rules and targets",
    "Pushgateway",
    "RBAC",
    "settings",
    "Argo retries",
    "MLflow",
]


@pytest.fixture
def cluster(monkeypatch, tmp_path, prometheus):
    for name in (
        "KFP_TOKEN",
        "KFP_TOKEN_FILE",
        "KF_PIPELINES_ENDPOINT",
        "KUBERNETES_SERVICE_HOST",
        "PROMETHEUS_URL",
        "MLFLOW_TRACKING_URI",
        "MLFLOW_TRACKING_TOKEN",
        "MLFLOW_TRACKING_USERNAME",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kfp.client.Client._LOCAL_KFP_CONTEXT", str(tmp_path / "home" / "kfp.json"))
    with KfpApiDouble() as kfp, KubeApiDouble(ready_after_reads=1) as kube:
        healthy(kube, prometheus)
        kubeconfig = tmp_path / "kubeconfig"
        write_kubeconfig(kubeconfig, kube.url, user="jane", token="kube-token")
        yield Cluster(kfp, kube, kubeconfig)


# ----------------------------------------------------------------------------------------- healthy
def test_a_healthy_cluster(cluster, capsys):
    code, lines, out = cluster.run(capsys)
    assert code == 0, out
    assert lines["KFP API"].startswith(
        f"ok   KFP API {cluster.kfp.url} (backend 2.17.0, single-user"
    )
    assert lines["KFP backend"].startswith("ok   KFP backend 2.17.0 (>= 2.15.0")
    assert lines["KServe"] == (
        "ok   KServe v0.20.0 (controller kserve/kserve-controller-manager; "
        "default deployment mode Knative)"  # Serverless, named as KServe 0.20 maps it (r54)
    )
    assert lines["InferenceService ctloop/credit-default"] == (
        "ok   InferenceService ctloop/credit-default Knative mode, stable revision "
        "credit-default-predictor-00001"
    )
    assert lines["Knative Serving"] == "ok   Knative Serving 1.21.1"
    assert lines["RBAC"].startswith(f"ok   RBAC {RUNNER} may get/create/patch inferenceservices")
    assert lines["settings"].startswith(
        "ok   settings in kubeflow: ctloop-settings.MLFLOW_TRACKING_URI"
    )
    assert lines["MLflow"] == (
        f"skip MLflow: {IN_CLUSTER_MLFLOW} is an in-cluster address, not "
        "resolvable here — fix: run ctloop doctor in the cluster, or "
        "--tracking-uri with a port-forward (kubectl port-forward svc/mlflow 5000)"
    )
    assert lines["metrics ctloop/credit-default"].startswith("ok   metrics ctloop/credit-default ctloop: series")
    assert lines["Argo retries"].startswith(
        "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: templateDefaults retryStrategy "
        "retryPolicy OnError (limit 2) applies to every step: ctloop's retried steps are retried only on pod "
        "errors, not when the step fails"
    )
    assert "warn pipelines: continuous-training not uploaded" not in out  # only the others missing
    assert out.splitlines()[-1].startswith("doctor: ready — ")
    assert SECRET_VALUE not in out
    # the runner was asked about as itself (kubectl auth can-i --as), every verb of the Role
    reviews = [c for c in cluster.kube.calls if c[1].endswith("selfsubjectaccessreviews")]
    assert {c[2]["spec"]["resourceAttributes"]["verb"] for c in reviews} == set(
        doctor.RUNNER_RULES[0][2]
    )


def test_json_output(cluster, capsys):
    assert main(cluster.argv("--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and [c["name"] for c in data["checks"]][:3] == NAMES[:3]
    assert {c["status"] for c in data["checks"]} <= {"ok", "warn", "skip"}
    assert all(set(c) == {"name", "status", "detail", "fix", "seconds"} for c in data["checks"])


def test_pipelines_present_and_their_versions(cluster, capsys, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    assert main(["upload", "--host", cluster.kfp.url]) == 0
    capsys.readouterr()
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    line = lines["pipelines"]
    assert line.startswith("ok   pipelines continuous-training continuous-training (1 version(s))")
    assert "not uploaded: batch-scoring, monitoring, rollout; this checkout is " in line


def test_pipelines_are_found_where_a_run_finds_them(cluster, capsys, monkeypatch, tmp_path):
    """On multi-user KFP ctloop uploads into the profile namespace, and a run without a pinned
    version still starts a shared upload made before that (Platform.resolve_pipeline). Doctor looked
    only in the namespace: it called continuous-training "not uploaded" while runs started it."""
    from ctloop.compiler import compile_pipeline
    from ctloop.ops.platform import Platform
    from ctloop.pipelines.continuous_training import continuous_training

    cluster.kfp.multi_user = True
    package = compile_pipeline(continuous_training, tmp_path / "ct.yaml", image="registry.example.com/ml/ctloop:0.1.0")
    Platform(host=cluster.kfp.url).ensure_pipeline("continuous-training", package)  # no namespace: shared
    (shared,) = cluster.kfp.state.pipelines.values()
    assert shared["namespace"] == ""
    capsys.readouterr()  # kfp prints the upload
    _, lines, _ = cluster.run(capsys, "--namespace", "team-a")
    line = lines["pipelines"]
    assert line.startswith("ok   pipelines continuous-training continuous-training (1 version(s), shared)"), line
    assert Platform(host=cluster.kfp.url, namespace="team-a").newest_version("continuous-training")[0] == (
        shared["pipeline_id"])


# Kubeflow's PodDefault as the admission webhook reads it (kubeflow/kubeflow
# components/admission-webhook, commit 1a2780c: pkg/apis/settings/v1alpha1/poddefault_types.go
# ``PodDefaultSpec.Selector metav1.LabelSelector`` (required), resource ``poddefaults`` of
# kubeflow.org/v1alpha1; main.go ``filterPodDefaults``: a PodDefault applies to a pod of its namespace
# whose labels its selector matches (``metav1.LabelSelectorAsSelector`` + ``Matches``), whatever its
# name). The one KFP's multi-user docs and docs/operations.md create: name access-ml-pipeline,
# selector matchLabels ``access-ml-pipeline: "true"``, a projected token of audience pipelines.kubeflow.org.
PODDEFAULT_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "poddefaults.kubeflow.org"},
    "spec": {"group": "kubeflow.org", "scope": "Namespaced",
             "names": {"kind": "PodDefault", "listKind": "PodDefaultList", "plural": "poddefaults",
                       "singular": "poddefault"},
             "versions": [{"name": "v1alpha1", "served": True, "storage": True}]},
}


# The labels Kubeflow's profile controller sets on a profile namespace (kubeflow/kubeflow v1.10.0
# components/profile-controller/config/base/namespace-labels.yaml), app.kubernetes.io/part-of among
# them: the namespaceSelector of the admission webhook's MutatingWebhookConfiguration
# (components/admission-webhook/manifests/base/mutating-webhook-configuration.yaml).
PROFILE_LABELS = {"katib.kubeflow.org/metrics-collector-injection": "enabled",
                  "serving.kubeflow.org/inferenceservice": "enabled", "pipelines.kubeflow.org/enabled": "true",
                  "app.kubernetes.io/part-of": "kubeflow-profile"}


def namespace(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def kubeflow_profiles(kube: KubeApiDouble, profile: str = "kubeflow") -> None:
    """Kubeflow's PodDefault CRD, and ``profile`` (the namespace these tests run the pipelines in) a
    profile namespace, where the admission webhook acts."""
    kube.add(PODDEFAULT_CRD)
    kube.add(namespace(profile, PROFILE_LABELS))

def pod_default(name: str, selector: dict, namespace: str = "kubeflow") -> dict:
    return {"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"desc": "Allow access to Kubeflow Pipelines", "selector": selector,
                     "env": [{"name": "KF_PIPELINES_SA_TOKEN_PATH", "value": "/var/run/secrets/kubeflow/pipelines/token"}],
                     "volumes": [{"name": "volume-kf-pipeline-token", "projected": {"sources": [{"serviceAccountToken": {
                         "path": "token", "expirationSeconds": 7200, "audience": "pipelines.kubeflow.org"}}]}}],
                     "volumeMounts": [{"mountPath": "/var/run/secrets/kubeflow/pipelines",
                                       "name": "volume-kf-pipeline-token", "readOnly": True}]}}


def test_multi_user_settings_name_a_missing_pipelines_token_poddefault(cluster, capsys):
    """On multi-user KFP trigger_training authenticates with the projected pipelines token that the
    profile's PodDefault access-ml-pipeline mounts (docs/operations.md); without it every fired
    monitoring rule fails with HTTP 401, which doctor did not say."""
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: ") and 'no PodDefault selecting access-ml-pipeline: "true" in kubeflow' in line, line
    assert "trigger_training" in line and "docs/operations.md" in line
    cluster.kube.add(pod_default("access-ml-pipeline", {"matchLabels": {"access-ml-pipeline": "true"}}))
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow: ctloop-settings.MLFLOW_TRACKING_URI")
    assert "PodDefault access-ml-pipeline" in lines["settings"]


def test_the_poddefault_is_found_by_its_selector_not_its_name(cluster, capsys):
    """The webhook applies every PodDefault whose selector matches the pod's labels: one named
    otherwise (a profile template's own name) gives trigger_training its token all the same, and
    one named access-ml-pipeline that selects other pods gives it none. Doctor looked the name up."""
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.add(pod_default("kfp-token", {"matchLabels": {"access-ml-pipeline": "true"}}))
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow") and "PodDefault kfp-token" in lines["settings"]
    cluster.kube.resources.pop("/apis/kubeflow.org/v1alpha1/namespaces/kubeflow/poddefaults/kfp-token")
    cluster.kube.add(pod_default("access-ml-pipeline", {"matchLabels": {"notebook-access": "true"}}))
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("warn settings: "), lines["settings"]
    assert 'no PodDefault selecting access-ml-pipeline: "true" in kubeflow' in lines["settings"]
    # matchExpressions as metav1.LabelSelector reads them; another namespace's PodDefault does not count
    cluster.kube.add(pod_default("by-expression", {"matchExpressions": [
        {"key": "access-ml-pipeline", "operator": "In", "values": ["true", "yes"]}]}))
    cluster.kube.add(pod_default("elsewhere", {"matchLabels": {"access-ml-pipeline": "true"}}, namespace="team-b"))
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow") and "PodDefault by-expression" in lines["settings"]


# Kubeflow's reference PodDefault access-ml-pipeline (kubeflow/website, Pipelines "Connect the SDK to
# the API": a projected serviceAccountToken, path token, audience pipelines.kubeflow.org, mounted at
# /var/run/secrets/kubeflow/pipelines) against what kfp 2.17 reads (kfp/client/__init__.py
# KF_PIPELINES_SA_TOKEN_PATH, set_volume_credentials.py: the env, else that default) and the audience
# the 2.17.0 API server's TokenReview asks for (backend/src/apiserver/common/const.go). Doctor counted
# a PodDefault by its selector alone: one that mounts nothing, the wrong audience or another path
# passed as "ok" while every trigger_training run got HTTP 401.
def _token_spec(**changes) -> dict:
    spec = pod_default("x", {})["spec"]
    spec.update(changes)
    return {"metadata": {"name": "x"}, "spec": spec}


def test_pipelines_token_gap_follows_the_reference_poddefault_and_the_sdk():
    from ctloop.ops.platform import SA_TOKEN_ENV, SA_TOKEN_PATH

    def gap(*pds):
        return doctor.pipelines_token_gap(list(pds), SA_TOKEN_ENV, SA_TOKEN_PATH)

    assert gap(_token_spec()) == ""
    assert gap(_token_spec(env=[])) == ""  # the SDK's default path is where the reference mounts it
    assert "projects no service-account token" in gap(_token_spec(volumes=[], volumeMounts=[]))
    other = [{"name": "volume-kf-pipeline-token", "projected": {"sources": [{"serviceAccountToken": {
        "path": "token", "audience": "https://kubernetes.default.svc"}}]}}]
    assert "audience https://kubernetes.default.svc, not pipelines.kubeflow.org" in gap(_token_spec(volumes=other))
    moved = [{"name": "volume-kf-pipeline-token", "mountPath": "/var/run/secrets/kfp"}]
    assert gap(_token_spec(env=[], volumeMounts=moved)) == (
        "its pipelines.kubeflow.org token is mounted at /var/run/secrets/kfp/token, not at "
        "/var/run/secrets/kubeflow/pipelines/token where the KFP SDK reads it (KF_PIPELINES_SA_TOKEN_PATH unset: "
        "the default)")
    # the env the PodDefault sets is where the SDK reads: moved together, it is fine
    assert gap(_token_spec(env=[{"name": SA_TOKEN_ENV, "value": "/var/run/secrets/kfp/token"}],
                           volumeMounts=moved)) == ""
    assert "nowhere" in gap(_token_spec(volumeMounts=[]))
    # a subPath mount is the file itself
    assert gap(_token_spec(volumeMounts=[{"name": "volume-kf-pipeline-token", "subPath": "token",
                                          "mountPath": SA_TOKEN_PATH}])) == ""
    # every selecting PodDefault applies, merged (admission-webhook main.go applyPodDefaultsOnPod)
    assert gap(_token_spec(volumeMounts=[]), _token_spec(env=[], volumes=[])) == ""


def test_a_poddefault_that_selects_the_pod_but_mounts_no_usable_token_is_a_warning(cluster, capsys):
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    broken = pod_default("kfp-access", {"matchLabels": {"access-ml-pipeline": "true"}})
    broken["spec"]["volumeMounts"][0]["mountPath"] = "/var/run/secrets/kfp"
    broken["spec"]["env"] = []
    cluster.kube.add(broken)
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: "), line
    assert ('PodDefault kfp-access selects access-ml-pipeline: "true" in kubeflow but its pipelines.kubeflow.org '
            "token is mounted at /var/run/secrets/kfp/token, not at "
            "/var/run/secrets/kubeflow/pipelines/token where the KFP SDK reads it") in line, line
    assert "give PodDefault kfp-access" in line and "\n" not in line.rstrip("\n"), line


def test_an_empty_selector_selects_every_pod_as_the_webhook_does(cluster, capsys):
    # k8s.io/apimachinery metav1.LabelSelectorAsSelector: no matchLabels and no matchExpressions is
    # labels.Everything(); kubeflow's admission-webhook main.go filterPodDefaults then applies it to
    # every pod of its (profile) namespace, trigger_training's included
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.add(pod_default("everyone", {}))
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow") and "PodDefault everyone" in lines["settings"]


def test_multi_user_kfp_without_the_poddefault_crd_has_no_pipelines_token(cluster, capsys):
    """No PodDefault CRD (the API server answers 404 for the resource itself) means no Kubeflow
    admission webhook: on multi-user KFP nothing then mounts the pipelines token, and
    trigger_training's runs are refused with HTTP 401 (docs/operations.md, Authentication). Doctor
    said "nothing to do"; it warns, and does not ask for a PodDefault this cluster cannot hold.
    Standalone KFP (not multi-user) needs no token: nothing said."""
    cluster.kfp.multi_user = True
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: "), line
    assert "no PodDefault CRD on multi-user KFP" in line and "HTTP 401" in line and "trigger_training" in line, line
    assert "project the token another way" in line and "audience pipelines.kubeflow.org" in line, line
    assert "create PodDefault" not in line and "nothing to do" not in line, line
    cluster.kfp.multi_user = False
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("ok   settings in kubeflow"), line
    assert "PodDefault" not in line and "pipelines token" not in line, line


def test_a_selector_matches_as_kubernetes_label_selectors_do():
    from ctloop.ops.doctor import selects

    labels = {"access-ml-pipeline": "true"}
    assert selects({}, labels)  # an empty selector selects everything (LabelSelectorAsSelector)
    assert selects({"matchLabels": {"access-ml-pipeline": "true"}}, labels)
    assert not selects({"matchLabels": {"access-ml-pipeline": "true", "team": "a"}}, labels)
    assert selects({"matchExpressions": [{"key": "access-ml-pipeline", "operator": "Exists"}]}, labels)
    assert not selects({"matchExpressions": [{"key": "access-ml-pipeline", "operator": "DoesNotExist"}]}, labels)
    assert selects({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]}, labels)
    assert not selects({"matchExpressions": [{"key": "access-ml-pipeline", "operator": "NotIn",
                                              "values": ["true"]}]}, labels)
    assert not selects({"matchExpressions": [{"key": "x", "operator": "Bogus"}]}, labels)


# ------------------------------------------------------------------------------------ KFP failures
def test_kfp_unauthenticated(cluster, capsys):
    cluster.kfp.tokens = {"good": "ok"}
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    assert lines["KFP API"].startswith("FAIL KFP API: KFP at http://127.0.0.1:")
    assert "HTTP 401" in lines["KFP API"] and "— fix: send a bearer token" in lines["KFP API"]
    assert lines["KFP backend"] == "skip KFP backend: KFP API not reachable"
    code, lines, _ = cluster.run(capsys, "--token", "good")
    assert code == 0 and lines["KFP API"].startswith("ok   KFP API")
    assert "auth: --token" in lines["KFP API"]


def test_kfp_authenticated_but_not_authorised(cluster, capsys):
    cluster.kfp.tokens = {"t": "kfp-deny"}
    code, lines, _ = cluster.run(capsys, "--token", "t")
    assert code == 1 and "list pipelines failed" in lines["KFP API"]
    assert "HTTP 403" in lines["KFP API"] and "is not authorized" in lines["KFP API"]
    assert lines["KFP backend"].startswith("ok   KFP backend 2.17.0")  # healthz is open
    assert lines["pipelines"] == "skip pipelines: KFP API not usable (see the KFP API line)"


def test_old_backend_and_missing_keys(cluster, capsys):
    cluster.kfp.tag_name = "2.14.4"
    cluster.kube.resources.pop("/api/v1/namespaces/kubeflow/secrets/ctloop-gcp")
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    assert lines["KFP backend"].startswith("FAIL KFP backend: 2.14.4 is older than 2.15.0")
    assert "--allow-old-backend" in lines["KFP backend"]
    # on 2.14 every optional key is required: the new ones too (PUSHGATEWAY_URL, AWS_*, ctloop-storage)
    assert lines["settings"].startswith("FAIL settings: missing in kubeflow: ")
    assert "Secret ctloop-gcp" in lines["settings"] and "ctloop-settings.PUSHGATEWAY_URL" in lines["settings"]
    assert "backend 2.14.4 fails every task" in lines["settings"]


def test_unknown_backend_is_a_warning(cluster, capsys):
    cluster.kfp.tag_name = "unknown"
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["KFP backend"].startswith("warn KFP backend: release unknown")


def test_multi_user_without_a_profile(cluster, capsys):
    cluster.kfp.multi_user = True
    code, lines, _ = cluster.run(capsys)
    assert (
        code == 1
        and "multi-user" in lines["KFP API"]
        and "--namespace <profile>" in lines["KFP API"]
    )
    for name in ("RBAC", "settings"):  # both need the namespace the tasks run in
        assert "the namespace the tasks run in is unknown" in lines[name], lines[name]


def test_kfp_times_out(cluster, capsys):
    cluster.kfp.delay = 2.0
    code, lines, _ = cluster.run(capsys, "--timeout", "0.3")
    assert code == 1
    assert (
        lines["KFP API"].startswith("FAIL KFP API: cannot reach KFP at")
        and "0.3 s" in lines["KFP API"]
    )


# -------------------------------------------------------------------------------- cluster failures
def test_kserve_not_installed(cluster, capsys):
    cluster.kube.resources.pop(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
        "inferenceservices.serving.kserve.io"
    )
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    assert lines["KServe"] == (
        "FAIL KServe: CRD inferenceservices.serving.kserve.io not found: KServe "
        "is not installed — fix: install KServe 0.20 (https://kserve.github.io/website/)"
    )


def test_old_kserve_by_label_and_controller_elsewhere(cluster, capsys):
    path = "/apis/apps/v1/namespaces/kserve/deployments/kserve-controller-manager"
    dep = cluster.kube.resources.pop(path)
    dep["metadata"]["namespace"] = "kubeflow"  # the Kubeflow overlay installs it there
    dep["metadata"]["labels"]["app.kubernetes.io/version"] = "v0.15.2"
    cluster.kube.add(dep)
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    assert lines["KServe"].startswith(
        "warn KServe: v0.15.2 (controller kubeflow/kserve-controller-manager) "
        "is older than the tested 0.20"
    )


def test_raw_deployment_service_cannot_canary(cluster, capsys):
    obj = cluster.kube.objects[("ctloop", "credit-default")]
    obj["status"]["deploymentMode"] = "RawDeployment"
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    line = lines["InferenceService ctloop/credit-default"]
    assert line.startswith(
        "FAIL InferenceService ctloop/credit-default: runs in RawDeployment mode"
    )
    assert "blue-green" in line


def test_missing_service_uses_the_default_mode(cluster, capsys):
    cluster.kube.objects.clear()
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    assert lines["InferenceService ctloop/credit-default"].startswith(
        "warn InferenceService ctloop/credit-default: not created yet (the first deploy "
        "creates it; "
        "it would run in Knative mode)"  # the ConfigMap's Serverless, as KServe 0.20 maps it (r54)
    )


def test_knative_missing(cluster, capsys):
    cluster.kube.resources.pop("/api/v1/namespaces/knative-serving")
    cluster.kube.resources.pop("/apis/apps/v1/namespaces/knative-serving/deployments/controller")
    code, lines, _ = cluster.run(capsys)
    assert code == 1 and lines["Knative Serving"].startswith(
        "FAIL Knative Serving: not installed (no knative-serving) — fix: install Knative "
        "Serving 1.21"
    )


def test_old_knative_release_label(cluster, capsys):
    """Before knative/serving #12754 the version was the serving.knative.dev/release label."""
    ns = cluster.kube.resources["/api/v1/namespaces/knative-serving"]
    ns["metadata"]["labels"] = {"serving.knative.dev/release": "v0.26.0"}
    cluster.kube.resources.pop("/apis/apps/v1/namespaces/knative-serving/deployments/controller")
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["Knative Serving"].startswith(
        "warn Knative Serving: v0.26.0 is older"
    )


def test_knative_without_a_version_label(cluster, capsys):
    cluster.kube.resources["/api/v1/namespaces/knative-serving"]["metadata"]["labels"] = {}
    cluster.kube.resources.pop("/apis/apps/v1/namespaces/knative-serving/deployments/controller")
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["Knative Serving"] == (
        "warn Knative Serving: installed, version unknown (label app.kubernetes.io/version "
        "'missing') — fix: KServe 0.20 is tested with Knative Serving 1.21"
    )


def test_runner_lacks_rbac(cluster, capsys):
    cluster.kube.grants[RUNNER] = {
        g for g in cluster.kube.grants[RUNNER] if g[2] not in ("patch", "create")
    }
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    assert lines["RBAC"] == (
        f"FAIL RBAC: {RUNNER} may not create inferenceservices.serving.kserve.io in ctloop; patch "
        "inferenceservices.serving.kserve.io in ctloop — fix: kubectl apply -k "
        "manifests/overlays/<env> (Role and RoleBinding ctloop-pipeline-runner), binding this "
        "service account in each namespace"
    )


def test_cannot_impersonate_the_runner(cluster, capsys):
    cluster.kube.can_impersonate = False
    code, lines, _ = cluster.run(capsys, "--service-account", "ctloop-pipeline-runner")
    assert code == 0
    assert lines["RBAC"].startswith(
        "skip RBAC: cannot ask as system:serviceaccount:kubeflow:"
        "ctloop-pipeline-runner: HTTP 403: serviceaccounts "
        '"ctloop-pipeline-runner" is forbidden'
    )
    assert "kubectl auth can-i patch inferenceservices.serving.kserve.io" in lines["RBAC"]


def test_settings_missing_on_a_new_backend_and_secrets_unreadable(cluster, capsys):
    cluster.kube.resources.pop("/api/v1/namespaces/kubeflow/configmaps/ctloop-settings")
    cluster.kube.forbid("/api/v1/namespaces/kubeflow/secrets")
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    line = lines["settings"]
    assert line.startswith(
        "warn settings: no MLFLOW_TRACKING_URI in kubeflow (missing: ConfigMap ctloop-settings)"
    )
    assert ("cannot read Secret ctloop-mlflow, Secret ctloop-storage, Secret ctloop-prometheus, Secret ctloop-gcp "
            "(forbidden)") in line
    assert "kubectl -n kubeflow create configmap ctloop-settings" in line


def test_settings_name_every_key_the_pipelines_reference(cluster, capsys):
    code, lines, _ = cluster.run(capsys)
    for key in DEFAULT_SETTINGS.config_env:
        assert f"ctloop-settings.{key}" in lines["settings"]
    for key in DEFAULT_SETTINGS.mlflow_env:
        assert f"ctloop-mlflow.{key}" in lines["settings"]
    # every Secret a task references (review C: ctloop-prometheus and ctloop-storage were not checked,
    # though a KFP before 2.15 fails every pod that references a missing one)
    for secret, keys in ((DEFAULT_SETTINGS.prometheus_secret, DEFAULT_SETTINGS.prometheus_env),
                         (DEFAULT_SETTINGS.storage_secret, DEFAULT_SETTINGS.storage_env)):
        assert f"Secret {secret}" in lines["settings"] or all(f"{secret}.{k}" in lines["settings"] for k in keys)


def test_kubernetes_unreachable(cluster, capsys, tmp_path):
    write_kubeconfig(cluster.kubeconfig, f"http://127.0.0.1:{dead_port()}", user="jane", token="kube-token")
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    assert lines["Kubernetes"].startswith("FAIL Kubernetes: Kubernetes API http://127.0.0.1:")
    assert (
        ": cannot connect (" in lines["Kubernetes"]
        and "kubectl cluster-info" in lines["Kubernetes"]
    )
    assert lines["KServe"] == "skip KServe: no Kubernetes API (see the Kubernetes line)"


def test_in_a_pod_kubeconfig_env_wins_over_the_service_account(cluster, capsys, monkeypatch, tmp_path):
    """The order of ``ctloop.serving.kube.load_api_client`` (tests/serving/test_kube_config.py):
    ``KUBECONFIG`` before the in-cluster service account. Doctor took the pod's service account
    (here an API that refuses connections) although KUBECONFIG named the cluster to check."""
    from kubernetes.client import Configuration
    from kubernetes.config import incluster_config

    (tmp_path / "token").write_text("pod-token")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(tmp_path / "token"))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(tmp_path / "ca.crt"))
    monkeypatch.setattr(Configuration, "_default", Configuration._default)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", str(dead_port()))
    monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig))
    argv = cluster.argv()
    i = argv.index("--kubeconfig")
    del argv[i:i + 2]
    main(argv)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.split()[1:2] == ["Kubernetes"]
                or x.startswith("FAIL Kubernetes:"))
    assert line.startswith(f"ok   Kubernetes {cluster.kube.url} ("), line


def test_kubernetes_times_out(cluster, capsys):
    cluster.kube.delay = 2.0
    code, lines, _ = cluster.run(capsys, "--timeout", "0.3")
    assert code == 1 and lines["Kubernetes"] == (
        f"FAIL Kubernetes: Kubernetes API {cluster.kube.url}: no answer within 0.3 s — fix: "
        "check "
        "the kubeconfig context (kubectl cluster-info)"
    )


# --------------------------------------------------------------------------------- metrics, MLflow
def test_metric_source_series(cluster, capsys, prometheus):
    """The revision from the InferenceService double, the URL from ConfigMap ctloop-settings, the
    series from a real Prometheus (``prometheus`` of tests/ops/conftest.py)."""
    code, lines, _ = cluster.run(capsys)
    assert code == 0, lines
    assert lines["metrics ctloop/credit-default"] == (
        f"ok   metrics ctloop/credit-default ctloop: series for revision credit-default-predictor-00001 in "
        f"{prometheus}")
    code, lines, _ = cluster.run(capsys, "--metric-source", "knative-otel")
    line = lines["metrics ctloop/credit-default"]
    assert code == 1 and line.startswith(
        "FAIL metrics ctloop/credit-default: knative-otel: no series for revision credit-default-predictor-00001")
    assert "request-metrics-protocol" in line and "ctloop has series" in line


def knative_serving(observability: dict | None) -> tuple[dict, dict]:
    """The Knative Operator's CRD and the ``KnativeServing`` KServe 0.20's install applies
    (knative/operator config/crd: group operator.knative.dev, v1beta1, plural knativeservings;
    kserve v0.20.0 hack/setup/infra/knative/templates/knative-serving-istio.yaml: name and
    namespace knative-serving), with ``spec.config.observability`` when given."""
    crd_ = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "knativeservings.operator.knative.dev"},
            "spec": {"group": "operator.knative.dev", "scope": "Namespaced",
                     "names": {"kind": "KnativeServing", "listKind": "KnativeServingList",
                               "plural": "knativeservings", "singular": "knativeserving"},
                     "versions": [{"name": "v1beta1", "served": True, "storage": True}]}}
    spec: dict = {"ingress": {"istio": {"enabled": True}}}
    if observability is not None:
        spec["config"] = {"observability": observability}
    return crd_, {"apiVersion": "operator.knative.dev/v1beta1", "kind": "KnativeServing",
                  "metadata": {"name": "knative-serving", "namespace": "knative-serving"}, "spec": spec}


@pytest.mark.parametrize("operator, observability, expected", [
    (True, None, "FAIL Knative request metrics: KnativeServing knative-serving/knative-serving "
                 "spec.config.observability: request-metrics-protocol unset (default none)"),
    (True, {"request-metrics-protocol": "prometheus"},
     "ok   Knative request metrics KnativeServing knative-serving/knative-serving spec.config.observability: "
     "request-metrics-protocol prometheus"),
    (True, {"request-metrics-protocol": "prometheus", "request-metrics-endpoint": "0.0.0.0:9095"},
     "warn Knative request metrics: KnativeServing knative-serving/knative-serving spec.config.observability: "
     "request-metrics-endpoint '0.0.0.0:9095' moves"),
    (True, {"request-metrics-protocol": "grpc"}, "warn Knative request metrics: KnativeServing "
     "knative-serving/knative-serving spec.config.observability: request-metrics-protocol 'grpc'"),
    (False, {"request-metrics-protocol": "none"}, "FAIL Knative request metrics: ConfigMap "
     "knative-serving/config-observability: request-metrics-protocol none (default none)"),
    (False, {"request-metrics-protocol": "prometheus"}, "ok   Knative request metrics ConfigMap "
     "knative-serving/config-observability: request-metrics-protocol prometheus"),
    (False, None, "warn Knative request metrics: no ConfigMap knative-serving/config-observability"),
])
def test_knative_otel_needs_request_metrics_enabled_where_knative_reads_it(cluster, capsys, operator, observability,
                                                                           expected):
    """Knative >= 1.19 exposes no queue-proxy request metrics unless request-metrics-protocol is
    set (knative-v1.21.1 pkg/observability/config.go: default none; pkg/queue/sharedmain/otel.go:
    with prometheus, a listener on :9091 unless request-metrics-endpoint moves it). On a stock
    KServe 0.20 install doctor said nothing without a Prometheus URL, and the canary check read no
    series: a line now reads the setting where the Knative Operator keeps it (its KnativeServing,
    which it writes over the ConfigMap) or from the ConfigMap. Only for the knative-otel source."""
    if operator:
        for obj in knative_serving(observability):
            cluster.kube.add(obj)
    elif observability is not None:
        cluster.kube.add(configmap("knative-serving", "config-observability", observability))
    code, lines, _ = cluster.run(capsys, "--metric-source", "knative-otel")
    assert lines["Knative request metrics"].startswith(expected), lines["Knative request metrics"]
    if expected.startswith("FAIL"):
        assert code == 1 and '"request-metrics-protocol":"prometheus"' in lines["Knative request metrics"]
        assert ("patch knativeserving knative-serving" if operator else "patch configmap config-observability") \
            in lines["Knative request metrics"]
    code, lines, _ = cluster.run(capsys)  # the default source reads ctloop's own metrics: no line
    assert "Knative request metrics" not in lines


def test_knative_request_metrics_that_may_not_be_read_warn(cluster, capsys):
    """A user who may not read knative-serving's objects (403) gets a warning, not a failure."""
    for obj in knative_serving({"request-metrics-protocol": "prometheus"}):
        cluster.kube.add(obj)
    cluster.kube.forbid("/apis/operator.knative.dev/v1beta1/namespaces/knative-serving/knativeservings")
    cluster.kube.forbid("/api/v1/namespaces/knative-serving/configmaps/config-observability")
    code, lines, _ = cluster.run(capsys, "--metric-source", "knative-otel")
    assert lines["Knative request metrics"].startswith(
        "warn Knative request metrics: may not read ConfigMap knative-serving/config-observability"), lines


@pytest.mark.parametrize("step, stable", [
    ("blue-green", "credit-default-predictor-00001"),
    ("canary-at-100", "credit-default-predictor-00001"),
    ("canary-at-5", "credit-default-predictor-00001"),
    ("promoted", "credit-default-predictor-00002"),
])
def test_the_stable_revision_during_a_rollout_is_the_one_serving_the_champion(cluster, capsys, prometheus, step,
                                                                                stable):
    """KServe v0.20.0 ``PropagateStatus`` (pkg/apis/serving/v1beta1/inference_service_status.go)
    makes a revision that had 100 % ``latestRolledoutRevision``: after a blue-green switch or a
    canary stepped to 100 % that is the NEW revision, and the champion's is
    ``previousRolledoutRevision`` (ksvc_reconciler.go routes no ``prev`` target at 100 %). Doctor
    named the new revision stable and looked for its series; it asks ctloop.serving.rollout now."""
    from ctloop.serving import rollout
    from ctloop.serving.kube import InferenceServices

    isvcs = InferenceServices("ctloop", api_client=cluster.kube.api_client())
    kw = dict(name="credit-default", model_name="credit-default", version="2",
              storage_uri="gs://models/credit-default/2", timeout_s=5)
    if step == "blue-green":
        rollout.deploy(isvcs, strategy="blue-green", **kw)
    else:
        rollout.deploy(isvcs, strategy="canary", percent=5, **kw)
        if step == "canary-at-100":
            rollout.set_traffic(isvcs, "credit-default", 100, timeout_s=5)
        if step == "promoted":
            rollout.promote(isvcs, "credit-default", timeout_s=5)
    code, lines, out = cluster.run(capsys)
    assert lines["InferenceService ctloop/credit-default"] == (
        f"ok   InferenceService ctloop/credit-default Knative mode, stable revision {stable}")
    if stable.endswith("00001"):  # the real Prometheus has the series of revision 00001 only
        assert code == 0, out
        assert lines["metrics ctloop/credit-default"].startswith(
            f"ok   metrics ctloop/credit-default ctloop: series for revision {stable}")


def test_prometheus_down_is_a_failed_line_with_the_url(cluster, capsys):
    code, lines, _ = cluster.run(capsys, "--prometheus-url", f"http://127.0.0.1:{dead_port()}")
    assert code == 1 and lines["metrics ctloop/credit-default"].startswith("FAIL metrics ctloop/credit-default")
    assert "Connection refused" in lines["metrics ctloop/credit-default"]


def test_mlflow_reachable_from_the_settings(cluster, capsys, mlflow_url):
    """A real MLflow server: /health and an experiments search; the URI from ConfigMap
    ctloop-settings (what the tasks get)."""
    cluster.kube.resources["/api/v1/namespaces/kubeflow/configmaps/ctloop-settings"]["data"][
        "MLFLOW_TRACKING_URI"
    ] = mlflow_url
    code, lines, _ = cluster.run(
        capsys, "--timeout", "60"
    )  # a loaded machine: first search is slow
    assert code == 0 and lines["MLflow"] == f"ok   MLflow {mlflow_url} (health ok, search ok)"


def test_mlflow_unreachable_or_not_mlflow(cluster, capsys):
    code, lines, _ = cluster.run(capsys, "--tracking-uri", f"http://127.0.0.1:{dead_port()}")
    assert code == 1 and lines["MLflow"].startswith("FAIL MLflow: ")
    assert "Connection refused" in lines["MLflow"]
    code, lines, _ = cluster.run(capsys, "--tracking-uri", cluster.kfp.url)  # not an MLflow server
    assert code == 1 and "/health answered HTTP 404" in lines["MLflow"]
    code, lines, _ = cluster.run(capsys, "--tracking-uri", "sqlite:///mlflow.db")
    assert code == 0 and lines["MLflow"].startswith(
        "warn MLflow: sqlite:///mlflow.db is a local store"
    )


# --------------------------------------------------------------------------------- spec, arguments
def test_from_ctloop_yaml(cluster, capsys, tmp_path):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(host=cluster.kfp.url)
    data["platform"].update(service_account="ctloop-pipeline-runner")
    data["kfp"].pop("namespace")
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(data))
    cluster.kube.grant(
        "system:serviceaccount:kubeflow:ctloop-pipeline-runner",
        "serving.kserve.io",
        "inferenceservices",
        list(doctor.RUNNER_RULES[0][2]),
        "ctloop",
    )
    cluster.kube.grant("system:serviceaccount:kubeflow:ctloop-pipeline-runner", REVISION_RULE[0], REVISION_RULE[1],
                       list(REVISION_RULE[2]), "ctloop")
    assert main(["doctor", "-f", str(spec), "--kubeconfig", str(cluster.kubeconfig)]) == 0
    out = capsys.readouterr().out
    assert "ok   InferenceService ctloop/credit-default Knative mode" in out  # from rollout:
    assert "ok   RBAC system:serviceaccount:kubeflow:ctloop-pipeline-runner may" in out


def test_bad_arguments_exit_2(cluster, capsys):
    assert main(["doctor", "--host", cluster.kfp.url, "--isvc", "credit-default"]) == 2
    assert "--isvc 'credit-default': give NAMESPACE/NAME" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["doctor", "--host", cluster.kfp.url, "--timeout", "0"])
    assert exit_.value.code == 2 and "seconds > 0" in capsys.readouterr().err
    assert cluster.kfp.calls == []


def test_runner_rules_are_the_role_in_the_manifests():
    docs = list(yaml.safe_load_all((REPO / "manifests" / "base" / "rbac.yaml").read_text()))
    role = next(d for d in docs if d["kind"] == "Role")
    assert [
        (g, r, tuple(v))
        for rule in role["rules"]
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in [rule["verbs"]]
    ] == [*doctor.RUNNER_RULES, *doctor.OPTIONAL_RUNNER_RULES]  # revisions: optional (a warning without)
    assert doctor.OPTIONAL_RUNNER_RULES == (REVISION_RULE,)


def test_poddefaults_that_cannot_be_listed_are_said_so_with_the_command(cluster, capsys):
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.forbid("/apis/kubeflow.org/v1alpha1/namespaces/kubeflow/poddefaults")
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: ") and "cannot read PodDefaults (forbidden)" in line, line
    assert "kubectl -n kubeflow get poddefaults as an admin" in line, line


def test_a_named_kubeconfig_that_fails_in_a_pod_is_not_blamed_on_being_outside_a_cluster(cluster, capsys,
                                                                                         monkeypatch):
    """--kubeconfig wins over the pod's service account, so when it fails in a pod the cause is
    that file, not "not in a cluster"."""
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    cluster.kubeconfig.unlink()
    _, lines, _ = cluster.run(capsys)
    line = lines["Kubernetes"]
    assert line.startswith(f"FAIL Kubernetes: no Kubernetes credentials: kubeconfig {cluster.kubeconfig} failed:"), line
    assert "not in a cluster" not in line, line


@pytest.mark.parametrize("text, why", [("clusters: [\n  - name: x\n", "not YAML"), ("- a\n- b\n", "not a kubeconfig")])
def test_a_kubeconfig_that_is_not_one_is_a_fail_line_naming_it(cluster, capsys, text, why):
    """Junk in the kubeconfig (a YAML scanner error; a YAML list) was a traceback from doctor, though
    ``ctloop rollout`` said it in one line: both now read it through serving.kube.load_kubeconfig."""
    cluster.kubeconfig.write_text(text)
    code, lines, out = cluster.run(capsys)
    line = lines["Kubernetes"]
    assert line.startswith(f"FAIL Kubernetes: no Kubernetes credentials: kubeconfig "
                           f"{cluster.kubeconfig} failed: {why}"), line
    assert "Traceback" not in out


# Kubeflow's admission webhook, kubeflow/kubeflow v1.10.0 (90e987bf87d3)
# components/admission-webhook/main.go: ``filterPodDefaults`` converts the selector of EVERY PodDefault
# of the pod's namespace with metav1.LabelSelectorAsSelector (k8s.io/apimachinery v0.28.1, the
# webhook's go.mod: pkg/apis/meta/v1/helpers.go, pkg/labels/selector.go NewRequirement) and returns
# the first conversion error, which ``mutatePods`` answers as a denied AdmissionResponse: every pod of
# the namespace is refused. ``safeToApplyPodDefaultsOnPod`` refuses a pod whose matching PodDefaults
# set one volume, volume mount (name or mount path) or env var differently (reflect.DeepEqual).
# Doctor read operators only to match (an Exists with values "selected"; an unknown operator "selected
# nothing") and never compared two matching PodDefaults: both said "ok" while no task pod started.
def test_selector_error_follows_label_selector_as_selector():
    from ctloop.ops.doctor import selector_error, selects

    labels = {"access-ml-pipeline": "true"}
    valid = [{}, {"matchLabels": {"access-ml-pipeline": "true"}},
             {"matchExpressions": [{"key": "access-ml-pipeline", "operator": "In", "values": ["true", "yes"]}]},
             {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["b"]}]},
             {"matchExpressions": [{"key": "kubeflow.org/access-ml-pipeline", "operator": "Exists"}]},
             {"matchExpressions": [{"key": "team", "operator": "DoesNotExist", "values": []}]}]
    assert [selector_error(s) for s in valid] == [""] * len(valid)
    invalid = {
        "Exists with values": ({"matchExpressions": [{"key": "access-ml-pipeline", "operator": "Exists",
                                                      "values": ["true"]}]},
                               "values set must be empty for exists and does not exist"),
        "NotIn without values": ({"matchExpressions": [{"key": "team", "operator": "NotIn"}]},
                                 "for 'in', 'notin' operators, values set can't be empty"),
        "lowercase operator": ({"matchExpressions": [{"key": "access-ml-pipeline", "operator": "in",
                                                      "values": ["true"]}]},
                               "'in' is not a valid label selector operator"),
        "bad value": ({"matchLabels": {"access-ml-pipeline": "yes please"}}, "'yes please' is not a label value"),
        "bad key": ({"matchExpressions": [{"key": "a/b/c", "operator": "Exists"}]}, "more than one '/'"),
    }
    for case, (selector, reason) in invalid.items():
        assert reason in selector_error(selector), case
        assert not selects(selector, labels), case


def _token_pod_default(name: str, selector: dict | None = None, **volume_changes) -> dict:
    pd = pod_default(name, selector or {"matchLabels": {"access-ml-pipeline": "true"}})
    pd["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"].update(volume_changes)
    return pd


def test_a_selector_the_webhook_cannot_convert_refuses_every_pod_and_fails(cluster, capsys):
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.add(pod_default("access-ml-pipeline", {"matchLabels": {"access-ml-pipeline": "true"}}))
    # another team's PodDefault, selecting other pods: its bad selector refuses ours all the same
    cluster.kube.add(pod_default("notebooks", {"matchExpressions": [
        {"key": "notebook-name", "operator": "Exists", "values": ["jupyter"]}]}))
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert code == 1 and line.startswith("FAIL settings: in kubeflow: PodDefault notebooks's selector does not "
                                         "convert (matchExpressions notebook-name Exists: values set must be empty"), line
    assert "refuses every pod created in kubeflow" in line and "kubectl -n kubeflow edit poddefault notebooks" in line
    assert line.count("\n") == 0


def test_two_poddefaults_setting_the_token_volume_differently_refuse_the_pod_and_fail(cluster, capsys):
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.add(_token_pod_default("access-ml-pipeline"))
    # the same volume and mount, word for word (subPath "" spelled out: a Go string, "" is its zero value)
    same = _token_pod_default("kfp-token", {"matchExpressions": [
        {"key": "access-ml-pipeline", "operator": "In", "values": ["true"]}]})
    same["spec"]["volumeMounts"][0]["subPath"] = ""
    cluster.kube.add(same)
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow"), lines["settings"]
    assert "PodDefault access-ml-pipeline, kfp-token" in lines["settings"]
    # defaultMode 0 spelled out is not its absence: ProjectedVolumeSource.DefaultMode is a *int32
    # (k8s.io/api v0.28.1 core/v1 types.go), so reflect.DeepEqual sees 0 against nil and the webhook
    # refuses the pod; doctor dropped every 0 and said ok
    same["spec"]["volumes"][0]["projected"]["defaultMode"] = 0
    cluster.kube.add(same)
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert code == 1 and lines["settings"].startswith(
        "FAIL settings: in kubeflow: PodDefault access-ml-pipeline, kfp-token all select"), lines["settings"]
    assert "volume volume-kf-pipeline-token (access-ml-pipeline, kfp-token)" in lines["settings"]
    # one of them with another expiry: the webhook's mergeVolumes refuses every access-ml-pipeline pod
    cluster.kube.add(_token_pod_default("kfp-token", {"matchExpressions": [
        {"key": "access-ml-pipeline", "operator": "Exists"}]}, expirationSeconds=3600))
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert code == 1, line
    assert line.startswith('FAIL settings: in kubeflow: PodDefault access-ml-pipeline, kfp-token all select '
                           'access-ml-pipeline: "true" in kubeflow and set volume volume-kf-pipeline-token '
                           "(access-ml-pipeline, kfp-token) differently"), line
    assert "safeToApplyPodDefaultsOnPod" in line and "keep one PodDefault" in line


def test_the_tested_knative_is_what_kserve_0_20_pins_and_what_the_docs_say():
    """kserve/kserve v0.20.0 kserve-deps.env: KNATIVE_SERVING_VERSION=1.21.1 (installed by
    hack/setup/infra/knative/manage.knative-operator-helm.sh); doctor said 1.21.0, the docs 1.21.1."""
    from pathlib import Path

    from ctloop.ops.platform import parse_version

    assert doctor.TESTED_KNATIVE == parse_version("1.21.1")
    serving = (Path(__file__).parents[2] / "docs" / "serving.md").read_text()
    assert "KServe 0.20 pins Knative Serving 1.21.1 (`kserve-deps.env`)" in serving
    # compared by major.minor: a 1.21.0 install is not "older"
    assert doctor._version_warning("Knative Serving", "1.21.0", doctor.TESTED_KNATIVE, unknown=("u", ""),
                                   older=("o", "")) is None
    assert doctor._version_warning("Knative Serving", "1.20.3", doctor.TESTED_KNATIVE, unknown=("u", ""),
                                   older=("o", "")).detail == "o"


def test_pod_default_conflicts_follow_the_webhooks_merges():
    """main.go (kubeflow/kubeflow v1.10.0) mergeVolumes and mergeEnv compare by name,
    mergeVolumeMounts by name and by mount path, each with reflect.DeepEqual of the decoded Go structs."""
    from ctloop.ops.doctor import pod_default_conflicts

    a = _token_pod_default("a")
    assert pod_default_conflicts([a, _token_pod_default("b")]) == []
    other_volume = _token_pod_default("b")  # its own volume name, mounted where a's is
    other_volume["spec"]["volumes"][0]["name"] = other_volume["spec"]["volumeMounts"][0]["name"] = "kfp-token"
    assert pod_default_conflicts([a, other_volume]) == [
        "volume mount path /var/run/secrets/kubeflow/pipelines (a, b)"]
    other_env = _token_pod_default("b")
    other_env["spec"]["env"][0]["value"] = "/elsewhere/token"
    assert pod_default_conflicts([a, other_env]) == ["env KF_PIPELINES_SA_TOKEN_PATH (a, b)"]
    not_read_only = _token_pod_default("b")
    not_read_only["spec"]["volumeMounts"][0]["readOnly"] = False
    assert pod_default_conflicts([a, not_read_only]) == [
        "volume mount volume-kf-pipeline-token (a, b)", "volume mount path /var/run/secrets/kubeflow/pipelines (a, b)"]


def test_pod_default_conflicts_tell_go_pointers_from_zero_values():
    """reflect.DeepEqual compares the Go structs the webhook decodes the PodDefaults into (kubeflow/
    kubeflow v1.10.0 components/admission-webhook main.go mergeVolumes, mergeVolumeMounts, mergeEnv;
    k8s.io/api v0.28.1, the webhook's go.mod, core/v1 types.go). A value field (string, bool, int32)
    absent is its zero value; a pointer (SecretVolumeSource.Optional *bool, DefaultMode *int32,
    CSIVolumeSource.ReadOnly *bool, VolumeSource.EmptyDir *EmptyDirVolumeSource) absent is nil, not
    false/0/{}; a slice absent is nil, not empty. Doctor dropped every false, 0 and {} and called
    such PodDefaults identical while the webhook refused the pod."""
    from ctloop.ops.doctor import pod_default_conflicts

    def pds(*volumes, mounts=((), ()), env=((), ())):
        return [{"metadata": {"name": n}, "spec": {"volumes": [v], "volumeMounts": list(m), "env": list(e)}}
                for n, v, m, e in zip("ab", volumes, mounts, env, strict=True)]

    secret_ = {"name": "creds", "secret": {"secretName": "kfp"}}
    differ = [  # pointers and slices: given is not absent
        {**secret_, "secret": {"secretName": "kfp", "optional": False}},
        {**secret_, "secret": {"secretName": "kfp", "defaultMode": 0}},
        {**secret_, "secret": {"secretName": "kfp", "items": []}},
        {**secret_, "emptyDir": {}},
    ]
    for volume in differ:
        assert pod_default_conflicts(pds(secret_, volume)) == ["volume creds (a, b)"], volume
    assert pod_default_conflicts(pds({"name": "c", "csi": {"driver": "d"}},
                                     {"name": "c", "csi": {"driver": "d", "readOnly": False}})) == ["volume c (a, b)"]
    same = [  # value fields: zero is absent; null is absent; a field Go does not have is dropped on decode
        {"name": "creds", "secret": {"secretName": "kfp", "optional": None}},
        {"name": "creds", "secret": {"secretName": "kfp"}, "nfs": None, "hostPath": None},
        {"name": "creds", "secret": {"secretName": "kfp", "items": None}, "unknownField": 1},
    ]
    for volume in same:
        assert pod_default_conflicts(pds(secret_, volume)) == [], volume
    assert pod_default_conflicts(pds({"name": "s", "emptyDir": {}}, {"name": "s", "emptyDir": {"medium": ""}})) == []
    assert pod_default_conflicts(pds({"name": "n", "nfs": {"server": "x", "path": "/"}},
                                     {"name": "n", "nfs": {"server": "x", "path": "/", "readOnly": False}})) == []
    mount = {"name": "creds", "mountPath": "/creds"}
    assert pod_default_conflicts(pds(secret_, secret_, mounts=([mount], [{**mount, "readOnly": False,
                                                                          "subPath": ""}]))) == []
    assert pod_default_conflicts(pds(secret_, secret_, mounts=([mount], [{**mount, "mountPropagation": "None"}]))) \
        == ["volume mount creds (a, b)", "volume mount path /creds (a, b)"]
    env = {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "kfp", "key": "token"}}}
    assert pod_default_conflicts(pds(secret_, secret_, env=([env], [{**env, "value": ""}]))) == []
    optional = {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "kfp", "key": "token", "optional": False}}}
    assert pod_default_conflicts(pds(secret_, secret_, env=([env], [optional]))) == ["env TOKEN (a, b)"]


def test_the_webhook_acts_only_on_kubeflow_profile_namespaces(cluster, capsys):
    """Kubeflow v1.10.0's MutatingWebhookConfiguration for the admission webhook
    (components/admission-webhook/manifests/base/mutating-webhook-configuration.yaml) has
    namespaceSelector matchLabels app.kubernetes.io/part-of: kubeflow-profile: the API server calls
    it only for pods of profile namespaces. Elsewhere a PodDefault whose selector does not convert,
    or two that conflict, refuse nothing, and none mounts the pipelines token. Doctor modelled the
    webhook in every namespace: a FAIL ("refuses every pod") for pods that start, and no word that
    the token is never mounted."""
    cluster.kfp.multi_user = True
    cluster.kube.add(PODDEFAULT_CRD)
    cluster.kube.add(namespace("kubeflow", {"app.kubernetes.io/part-of": "kubeflow",
                                            "control-plane": "kubeflow", "istio-injection": "enabled"}))
    cluster.kube.add(_token_pod_default("access-ml-pipeline"))
    cluster.kube.add(_token_pod_default("kfp-token", expirationSeconds=3600))  # conflicts
    cluster.kube.add(pod_default("notebooks", {"matchExpressions": [
        {"key": "notebook-name", "operator": "Exists", "values": ["jupyter"]}]}))  # does not convert
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("warn settings: in kubeflow: "), line
    assert ("kubeflow is not a Kubeflow profile namespace (no label app.kubernetes.io/part-of: kubeflow-profile), "
            "so Kubeflow's admission webhook does not act on its pods") in line, line
    assert "no PodDefault mounts the pipelines token there" in line and "HTTP 401" in line, line
    assert "refuses every" not in line and "run the pipelines in a Kubeflow profile namespace" in line, line
    # a namespace that does not exist has no labels either
    cluster.kube.resources.pop("/api/v1/namespaces/kubeflow")
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert "kubeflow is not a Kubeflow profile namespace" in lines["settings"], lines["settings"]
    # a profile namespace: the webhook acts, and refuses every pod
    cluster.kube.add(namespace("kubeflow", PROFILE_LABELS))
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert code == 1 and lines["settings"].startswith(
        "FAIL settings: in kubeflow: PodDefault notebooks's selector does not convert"), lines["settings"]
    assert "may not be read" not in lines["settings"]
    # labels that may not be read (403): taken as a profile namespace, and said so (the double forbids
    # the objects in the namespace too; the refusal is said first all the same)
    cluster.kube.forbid("/api/v1/namespaces/kubeflow")
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert code == 1 and "refuses every pod created in kubeflow" in lines["settings"], lines["settings"]
    assert "namespace kubeflow may not be read: taken as a Kubeflow profile namespace" in lines["settings"]


def test_request_metrics_fix_names_the_knativeserving_when_knativeservings_may_not_be_listed(cluster, capsys):
    """KServe v0.20.0 installs Knative Serving with the Knative Operator
    (hack/setup/infra/knative/manage.knative-operator-helm.sh), which writes its KnativeServing's
    spec.config.observability over ConfigMap config-observability (knative/operator
    pkg/reconciler/common/config_maps.go ConfigMapTransform: "Let any config in instance override"). A user who may read the ConfigMap but not
    list KnativeServings (403) was told to patch the ConfigMap, which the operator reverts: the fix
    now says to set it in the KnativeServing when the operator manages Knative, else the ConfigMap."""
    for obj in knative_serving(None):
        cluster.kube.add(obj)
    cluster.kube.add(configmap("knative-serving", "config-observability", {"request-metrics-protocol": "none"}))
    cluster.kube.forbid("/apis/operator.knative.dev/v1beta1/namespaces/knative-serving/knativeservings")
    code, lines, _ = cluster.run(capsys, "--metric-source", "knative-otel")
    line = lines["Knative request metrics"]
    assert code == 1 and line.startswith("FAIL Knative request metrics: ConfigMap knative-serving/config-observability: "
                                         "request-metrics-protocol none (default none)"), line
    fix = line.partition(" — fix: ")[2]
    assert fix.startswith("if the Knative Operator manages Knative Serving (KnativeServings may not be listed here), "
                          "set it in its KnativeServing, which the operator writes over the ConfigMap: "
                          "kubectl -n knative-serving patch knativeserving <name> --type merge -p "
                          """'{"spec":{"config":{"observability":{"request-metrics-protocol":"prometheus"}}}}'"""), fix
    assert ("; otherwise kubectl -n knative-serving patch configmap config-observability --type merge -p "
            """'{"data":{"request-metrics-protocol":"prometheus"}}'""") in fix, fix


ARGO = "/api/v1/namespaces/kubeflow/configmaps/workflow-controller-configmap"


def test_argo_retries_follow_the_workflow_controllers_template_defaults(cluster, capsys):
    """KFP 2.17.0 installs templateDefaults retryStrategy {limit: '2', retryPolicy: OnError}
    (kubeflow/pipelines 2dea6fd468, PR #13485); its compiler writes no retryPolicy, and Argo
    v4.0.5 merges the defaults under every template (operator.go mergedTemplateDefaultsInto) and
    retries no Failed node under OnError (processNodeRetries): doctor said nothing of it. The
    patch it gives, applied, leaves the other defaults and gives an ok line."""
    code, lines, _ = cluster.run(capsys)
    line = lines["Argo retries"]
    assert code == 0 and line.startswith("warn Argo retries:"), line
    assert ("(analyze_canary, record_decision, record_run_outcome, register_model, train_model, "
            "trigger_training) are retried 2 times on pod errors") in line
    assert "changes every pipeline's steps on the cluster" in line
    patch = json.loads(line.split("--type merge -p '", 1)[1].split("'", 1)[0])
    patched = yaml.safe_load(patch["data"]["workflowDefaults"])
    stock = yaml.safe_load(STOCK_ARGO["data"]["workflowDefaults"])
    assert patched == {"spec": {"ttlStrategy": stock["spec"]["ttlStrategy"]}}
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", patch["data"]))
    _, lines, _ = cluster.run(capsys)
    assert lines["Argo retries"].startswith("ok   Argo retries ConfigMap kubeflow/workflow-controller-configmap: "
                                            "no templateDefaults retryStrategy"), lines["Argo retries"]


@pytest.mark.parametrize("strategy, expected", [
    # retried when they fail: train_model would log another MLflow run per attempt
    ({"limit": "2", "retryPolicy": "Always"}, "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: "
     "templateDefaults retryStrategy retryPolicy Always (limit 2) applies to every step: ctloop's steps that must "
     "not be retried (analyze_canary, record_decision, record_run_outcome, register_model, train_model, "
     "trigger_training) are retried 2 times when they fail (another MLflow run, model version or training run), "
     "and each DAG of the run is retried as a whole 2 times when it fails"),
    # no policy: Argo's RetryPolicyActual is OnFailure (v4.0.5 pkg/apis/workflow/v1alpha1/workflow_types.go)
    ({"limit": 3}, "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: templateDefaults "
     "retryStrategy retryPolicy OnFailure (limit 3)"),
    ({"limit": 0, "retryPolicy": "OnFailure"}, "ok   Argo retries ConfigMap kubeflow/workflow-controller-configmap: "
     "templateDefaults retryStrategy retryPolicy OnFailure (limit 0)"),
    # a negative limit retries nothing, as 0: processNodeRetries stops when the attempts exceed it, and
    # util/intstr Int parses "-1" (strconv.Atoi) as -1 (argo-workflows v4.0.5); it read "limit not
    # a number", its steps that must not be retried "retried (limit not a number) when they fail";
    # then "(limit 0)", a limit the ConfigMap does not say
    ({"limit": -1, "retryPolicy": "OnFailure"}, "ok   Argo retries ConfigMap kubeflow/workflow-controller-configmap: "
     "templateDefaults retryStrategy retryPolicy OnFailure (limit -1: retries nothing) applies to every step: ctloop's "
     "retried steps are retried when they fail, its other steps never"),
    ({"limit": "+1", "retryPolicy": "Always"}, "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: "
     "templateDefaults retryStrategy retryPolicy Always (limit 1) applies to every step: ctloop's steps that must "
     "not be retried (analyze_canary, record_decision, record_run_outcome, register_model, train_model, "
     "trigger_training) are retried 1 time when they fail"),
])
def test_argo_retry_defaults_other_than_kfps(cluster, capsys, strategy, expected):
    defaults = yaml.safe_dump({"spec": {"templateDefaults": {"retryStrategy": strategy}}})
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", {"workflowDefaults": defaults}))
    _, lines, _ = cluster.run(capsys)
    assert lines["Argo retries"].startswith(expected), lines["Argo retries"]


def test_argo_retries_patch_survives_the_shell_with_quoted_labels(cluster, capsys):
    """The printed ``-p '<json>'`` held yaml.safe_dump's own single quotes ('false', 'a b'): the
    shell ended the argument there, the label {sidecar.istio.io/inject: "false"} (common on
    Kubeflow) came out as the YAML boolean false (Argo no longer parses workflowDefaults) and a
    value with a space split the argument. The line, split as a POSIX shell does (shlex), gives
    back the workflowDefaults without templateDefaults.retryStrategy, nothing else changed."""
    import shlex

    spec = {"spec": {
        "metadata": {"labels": {"sidecar.istio.io/inject": "false", "team": "2"},
                     "annotations": {"owner": "ml platform", "note": "it's ours"}},
        "templateDefaults": {"retryStrategy": {"limit": "2", "retryPolicy": "OnError"},
                             "timeout": "1h"}}}
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap",
                               {"workflowDefaults": yaml.safe_dump(spec)}))
    _, lines, _ = cluster.run(capsys)
    # the command, then its explanation in parentheses
    command, said = lines["Argo retries"].split(" — fix: ", 1)[1].split(" (drops ", 1)
    words = shlex.split(command)
    assert words[:9] == ["kubectl", "-n", "kubeflow", "patch", "configmap", "workflow-controller-configmap",
                         "--type", "merge", "-p"] and len(words) == 10, words
    patched = yaml.safe_load(json.loads(words[9])["data"]["workflowDefaults"])
    del spec["spec"]["templateDefaults"]["retryStrategy"]
    assert patched == spec
    assert said.startswith("templateDefaults.retryStrategy: this changes every pipeline's steps"), said


@pytest.mark.parametrize("strategy, expected", [
    # processNodeRetries (argo-workflows v4.0.5 operator.go) stops on "No more retries left" only
    # when Limit != nil: a strategy without a limit retries without end
    ({"retryPolicy": "Always"}, "templateDefaults retryStrategy retryPolicy Always (no limit) applies to every "
     "step: ctloop's steps that must not be retried (analyze_canary, record_decision, record_run_outcome, "
     "register_model, train_model, trigger_training) are retried without limit when they fail"),
    ({"retryPolicy": "OnError"}, "(no limit) applies to every step: ctloop's retried steps are retried only on pod "
     "errors, not when the step fails (an outage of storage or MLflow ends the run), and its steps that must not "
     "be retried (analyze_canary, record_decision, record_run_outcome, register_model, train_model, "
     "trigger_training) are retried without limit on pod errors"),
    # OnTransientError retries a Failed or an Error node alike when errors.IsTransientErr takes its
    # message as transient (processNodeRetries), the steps ctloop does not retry too
    ({"limit": 1, "retryPolicy": "OnTransientError"}, "(limit 1) applies to every step: ctloop's retried steps "
     "are retried only when Argo takes the failure's message as transient (a step's non-zero exit seldom is: an "
     "outage of storage or MLflow ends the run), and its steps that must not be retried (analyze_canary, "
     "record_decision, record_run_outcome, register_model, train_model, trigger_training) are retried 1 time "
     "on such failures too"),
    ({"limit": "{{workflow.parameters.n}}", "retryPolicy": "Always"}, "(limit not a number) applies"),
    # an empty strategy is one all the same: merged under a template without its own it is a non-nil
    # RetryStrategy (v4.0.5 operator.go retryStrategy), policy OnFailure (RetryPolicyActual), no
    # limit; it read "no templateDefaults retryStrategy ... its other steps never"
    ({}, "templateDefaults retryStrategy retryPolicy OnFailure (no limit) applies to every step: ctloop's steps "
     "that must not be retried (analyze_canary, record_decision, record_run_outcome, register_model, "
     "train_model, trigger_training) are retried without limit when they fail"),
])
def test_argo_retry_defaults_without_a_limit_or_with_transient_errors(cluster, capsys, strategy, expected):
    defaults = yaml.safe_dump({"spec": {"templateDefaults": {"retryStrategy": strategy}}})
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", {"workflowDefaults": defaults}))
    _, lines, _ = cluster.run(capsys)
    assert lines["Argo retries"].startswith("warn Argo retries: ") and expected in lines["Argo retries"], \
        lines["Argo retries"]


def test_argo_retry_strategy_that_is_no_mapping_warns(cluster, capsys):
    """templateDefaults.retryStrategy: OnError (a bare string) raised AttributeError outside the try."""
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap",
                               {"workflowDefaults": "spec:\n  templateDefaults:\n    retryStrategy: OnError\n"}))
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["Argo retries"].startswith(
        "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: its templateDefaults.retryStrategy "
        "is no mapping ('OnError')"), lines["Argo retries"]


def test_argo_workflow_defaults_that_are_not_yaml_warn(cluster, capsys):
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", {"workflowDefaults": "spec: [unclosed"}))
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["Argo retries"].startswith(
        "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: its workflowDefaults is no workflow "
        "spec YAML"), lines["Argo retries"]


def test_argo_retries_that_may_not_be_read_warn_and_a_missing_configmap_is_skipped(cluster, capsys):
    cluster.kube.forbid(ARGO)
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["Argo retries"].startswith(
        "warn Argo retries: may not read ConfigMap kubeflow/workflow-controller-configmap: cannot tell"), lines
    cluster.kube.forbidden.discard(ARGO)
    del cluster.kube.resources[ARGO]
    code, lines, _ = cluster.run(capsys)
    assert lines["Argo retries"] == ("skip Argo retries: no ConfigMap kubeflow/workflow-controller-configmap: "
                                     "Argo's workflow controller is configured elsewhere"), lines


def test_argo_retry_policy_argo_does_not_know_is_called_invalid(cluster, capsys):
    """A misspelt retryPolicy (``OnFailuree``) was judged as ``OnTransientError`` ("retried only on
    errors Argo takes as transient"). argo-workflows v4.0.5 accepts the workflow
    (``workflow/validate/validate.go`` checks a template's own retryPolicy, before
    ``operator.go`` ``mergedTemplateDefaultsInto`` adds the defaults), then ``processNodeRetries``
    meets it at a step's first failure and answers ``OnFailuree is not a valid RetryPolicy``: the
    step ends in Error, never retried, whatever its limit."""
    defaults = yaml.safe_dump({"spec": {"templateDefaults": {"retryStrategy": {"limit": "2",
                                                                              "retryPolicy": "OnFailuree"}}}})
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", {"workflowDefaults": defaults}))
    code, lines, _ = cluster.run(capsys)
    line = lines["Argo retries"]
    assert code == 0 and line.startswith(
        "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: templateDefaults retryStrategy "
        "retryPolicy 'OnFailuree' is not a valid RetryPolicy (Always, OnFailure, OnError, OnTransientError): "), line
    assert "no step is retried, ctloop's retried steps neither" in line, line
    assert "— fix: kubectl -n kubeflow patch configmap workflow-controller-configmap" in line, line


@pytest.mark.parametrize("strategy, expected", [
    ({"limit": 3}, "warn Argo retries: ConfigMap kubeflow/workflow-controller-configmap: no templateDefaults "
     "retryStrategy; spec.retryStrategy retryPolicy OnFailure (limit 3) applies to every step without a strategy "
     "of its own: ctloop's retried steps keep theirs (retried when they fail), but its steps that must not be "
     "retried (analyze_canary, record_decision, record_run_outcome, register_model, train_model, "
     "trigger_training) are retried 3 times when they fail (another MLflow run, model version or training run), "
     "and each DAG of the run is retried as a whole 3 times when it fails — fix: kubectl -n kubeflow patch configmap workflow-controller-configmap --type merge -p "
     """'{"data":{"workflowDefaults":"spec: {}\\n"}}' (drops spec.retryStrategy"""),
    ({"limit": 0}, "ok   Argo retries ConfigMap kubeflow/workflow-controller-configmap: no templateDefaults "
     "retryStrategy; spec.retryStrategy retryPolicy OnFailure (limit 0) applies to every step without a strategy "
     "of its own: ctloop's retried steps keep theirs (retried when they fail), its other steps are never retried"),
])
def test_a_workflow_level_retry_strategy_is_read_too(cluster, capsys, strategy, expected):
    """workflowDefaults spec.retryStrategy is the strategy of every template without its own
    (argo-workflows v4.0.5 operator.go retryStrategy: woc.execWf.Spec.RetryStrategy): with
    {limit: 3} train_model is retried three times when it fails. Doctor read only
    templateDefaults and said "ok ... its other steps never". Its DAGs too (operator.go
    executeTemplate: a Retry node for any template type with a strategy), which the line left out."""
    defaults = yaml.safe_dump({"spec": {"retryStrategy": strategy}})
    cluster.kube.add(configmap("kubeflow", "workflow-controller-configmap", {"workflowDefaults": defaults}))
    _, lines, _ = cluster.run(capsys)
    assert lines["Argo retries"].startswith(expected), lines["Argo retries"]


def test_a_poddefault_setting_an_env_var_a_task_has_refuses_the_pod_and_fails(cluster, capsys):
    """kubeflow/kubeflow ``components/admission-webhook/main.go`` (main, 039f398e) ``mergeEnv`` compares the
    container's env with each selecting PodDefault's by name (``reflect.DeepEqual``): ctloop's tasks get their
    settings as ``configMapKeyRef``/``secretKeyRef`` entries, which a PodDefault's ``value`` never equals, so a
    PodDefault for notebooks that also selects trigger_training (``access-ml-pipeline``) and sets, say,
    ``GOOGLE_APPLICATION_CREDENTIALS`` stops its pod being created. Doctor compared PodDefaults only with each other
    and said ok (round 59 review)."""
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    pd = _token_pod_default("access-ml-pipeline")
    pd["spec"]["env"].append({"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/secret/gcp/key.json"})
    pd["spec"]["env"].append({"name": "KFP_CA_FILE", "value": "/home/jovyan/ca.crt"})  # ctloop's is another name
    cluster.kube.add(pd)
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert code == 1 and line.startswith(
        'FAIL settings: in kubeflow: PodDefault access-ml-pipeline selects access-ml-pipeline: "true" in kubeflow and '
        "sets env GOOGLE_APPLICATION_CREDENTIALS, which ctloop's tasks get from ConfigMap ctloop-settings"), line
    assert "KFP_CA_FILE" not in line.partition(" — fix: ")[0] and "mergeEnv" in line, line
    assert line.count("\n") == 0


def _trigger_training_env() -> list[dict]:
    """The env entries trigger_training's container gets, from the compiled monitoring pipeline as KFP's driver
    builds them (kubeflow/pipelines backend/src/v2/driver/k8s.go, master 7b70c7b95f: ``EnvVar{Name,
    ValueFrom: {ConfigMapKeyRef|SecretKeyRef: {Name, Key, Optional}}}``, Optional only when given) after the
    container's literal ``env``."""
    docs = list(yaml.safe_load_all((REPO / "tests" / "golden" / "pipelines" / "monitoring.yaml").read_text()))
    env = [dict(e) for e in docs[0]["deploymentSpec"]["executors"]["exec-trigger-training"]["container"]["env"]]
    k8s = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-trigger-training"]
    for field, ref, name_key, key_key in (("configMapAsEnv", "configMapKeyRef", "configMapName", "configMapKey"),
                                          ("secretAsEnv", "secretKeyRef", "secretName", "secretKey")):
        for source in k8s.get(field) or []:
            for pair in source["keyToEnv"]:
                selector = {"name": source[name_key], "key": pair[key_key]}
                if "optional" in source:
                    selector["optional"] = source["optional"]
                env.append({"name": pair["envVar"], "valueFrom": {ref: selector}})
    return env


def test_a_poddefault_env_entry_equal_to_the_tasks_is_no_clash(cluster, capsys):
    """mergeEnv (kubeflow/kubeflow ``components/admission-webhook/main.go``) refuses a pod only when a PodDefault's
    entry of a name differs from the container's (``reflect.DeepEqual(found, v)``): one equal to what KFP's driver
    gives the task is merged. Doctor FAILed any name both set; it also missed the task's literal
    ``OMP_NUM_THREADS``/``CTLOOP_COMPILED_VERSION`` (second round-59 review)."""
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    env = _trigger_training_env()
    assert {"OMP_NUM_THREADS", "CTLOOP_COMPILED_VERSION", "MLFLOW_TRACKING_URI"} <= {e["name"] for e in env}
    pd = _token_pod_default("access-ml-pipeline")
    pd["spec"]["env"].extend(env)
    cluster.kube.add(pd)
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow"), lines["settings"]
    # another value of a literal, another key of a ConfigMap entry: refused
    pd = _token_pod_default("access-ml-pipeline")
    pd["spec"]["env"].append({"name": "OMP_NUM_THREADS", "value": "4"})
    pd["spec"]["env"].append({"name": "MLFLOW_TRACKING_URI", "valueFrom": {"configMapKeyRef": {
        "name": "ctloop-settings", "key": "mlflow_uri", "optional": True}}})
    cluster.kube.add(pd)
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert code == 1 and line.startswith("FAIL settings: in kubeflow: PodDefault access-ml-pipeline"), line
    assert "OMP_NUM_THREADS, which ctloop's tasks set to '1'" in line, line
    assert "MLFLOW_TRACKING_URI, which ctloop's tasks get from ConfigMap ctloop-settings" in line, line


def test_a_poddefault_setting_omp_for_every_pod_fails_whatever_its_value(cluster, capsys):
    """A PodDefault whose selector selects pods without the access label (empty, or ``DoesNotExist``) applies to
    every step's pod; ``OMP_NUM_THREADS`` is compiled per step from its CPU ('1' and '2' in one pipeline:
    goldens continuous-training.yaml, batch-scoring.yaml), so kubeflow/kubeflow
    ``components/admission-webhook/main.go`` ``mergeEnv`` refuses the steps of the other value. Doctor compared it
    with trigger_training's '1' only: ok, and its fix "or make them equal" led there (third round-59 review)."""
    docs = list(yaml.safe_load_all((REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml").read_text()))
    compiled = {e["value"] for ex in docs[0]["deploymentSpec"]["executors"].values()
                for e in ex["container"].get("env") or [] if e["name"] == "OMP_NUM_THREADS"}
    assert {"1", "2"} <= compiled, compiled
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    cluster.kube.add(_token_pod_default("access-ml-pipeline"))
    # the label KFP puts on every v2 step pod (kubeflow/pipelines 2.15.0
    # backend/src/v2/compiler/argocompiler/argo.go, PodMetadata.Labels): selects every step too (final review)
    every_step = {"matchLabels": {"pipelines.kubeflow.org/v2_component": "true"}}
    for name, selector in (("threads", {}), ("threads", {"matchExpressions": [
            {"key": "notebook-name", "operator": "DoesNotExist"}]}), ("threads", every_step)):
        pd = pod_default(name, selector)
        pd["spec"]["env"] = [{"name": "OMP_NUM_THREADS", "value": "1"}]  # trigger_training's own value
        cluster.kube.add(pd)
        code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
        line = lines["settings"]
        assert code == 1 and line.startswith(
            "FAIL settings: in kubeflow: PodDefault threads sets env OMP_NUM_THREADS and its selector selects pods "
            'without access-ml-pipeline: "true" in kubeflow too'), line
        assert "mergeEnv" in line and "make them equal" not in line and line.count("\n") == 0, line
        assert "drop OMP_NUM_THREADS from PodDefault threads" in line, line
    # one limited to a notebook's label selects no step: ok
    pd = pod_default("threads", {"matchLabels": {"notebook-name": "jupyter"}})
    pd["spec"]["env"] = [{"name": "OMP_NUM_THREADS", "value": "1"}]
    cluster.kube.add(pd)
    code, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    assert lines["settings"].startswith("ok   settings in kubeflow"), lines["settings"]
