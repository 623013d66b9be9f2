"""The pipeline runner's Role is exactly what the code calls: least privilege.

The Kubernetes calls are derived from the source (every call of a ``kubernetes`` client API method
in ``src/ctloop`` outside ``ctloop doctor``, which runs as the person asking) and, independently,
from the HTTP requests the real ``kubernetes`` client sends for a whole canary lifecycle against
``KubeApiDouble``. Each is mapped to its RBAC verb as the API server does
(k8s.io/apiserver ``pkg/endpoints/request/requestinfo.go``: GET of one object → get, of a
collection → list, ``?watch`` → watch, POST → create, PUT → update, PATCH → patch, DELETE →
delete); the Role in ``manifests/base/rbac.yaml`` and doctor's ``RUNNER_RULES`` must be that set.
"""

import ast
import re
from pathlib import Path

import yaml

from ctloop.ops import doctor
from ctloop.serving import kube as kube_module
from ctloop.serving import rollout
from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "ctloop"
# kubernetes python client method names: <verb>_namespaced_<kind> (custom objects and typed APIs)
CLIENT_CALL = re.compile(r"^(get|read|list|create|patch|replace|delete|watch)_(namespaced_|cluster_)?\w+$")
CLIENT_VERB = {"get": "get", "read": "get", "list": "list", "create": "create", "patch": "patch",
               "replace": "update", "delete": "delete", "watch": "watch"}
NOT_THE_RUNNER = {SRC / "ops" / "doctor.py"}  # doctor asks as the user who runs it


def _client_calls() -> set[tuple[str, str]]:
    """(file, verb) of every ``<obj>.api.<client method>(...)`` / ``*Api(...).<method>`` call."""
    found = set()
    for path in SRC.rglob("*.py"):
        if path in NOT_THE_RUNNER:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            m = CLIENT_CALL.match(name)
            if m and ("namespaced" in name or "custom_object" in name):
                found.add((str(path.relative_to(SRC)), CLIENT_VERB[m.group(1)]))
    return found


def _role_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    docs = list(yaml.safe_load_all((REPO / "manifests" / "base" / "rbac.yaml").read_text()))
    role = next(d for d in docs if d["kind"] == "Role")
    return [(g, r, tuple(rule["verbs"])) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]]


def test_every_kubernetes_call_of_the_runner_is_in_the_inferenceservices_wrapper():
    calls = _client_calls()
    assert {f for f, _ in calls} == {"serving/kube.py"}
    assert {v for _, v in calls} == set(kube_module.VERBS)


def test_role_doctor_and_code_grant_the_same_verbs_and_nothing_more():
    # and get on Knative revisions, which the runner can do without (a warning, kube.REVISION_RULE)
    assert _role_rules() == [*doctor.RUNNER_RULES, *doctor.OPTIONAL_RUNNER_RULES]
    assert doctor.OPTIONAL_RUNNER_RULES == (kube_module.REVISION_RULE,)
    assert doctor.RUNNER_RULES == ((kube_module.GROUP, kube_module.PLURAL, kube_module.VERBS),)
    # what main granted and the code never asks: a wait polls with GET, patches are merge patches
    assert not {"list", "watch", "update", "delete"} & set(kube_module.VERBS)


def _verb(method: str, path: str) -> str:
    bare = path.split("?", 1)[0].rstrip("/")
    if method == "GET":
        if "watch=true" in path or "watch=1" in path:
            return "watch"
        return "list" if bare.endswith("/inferenceservices") else "get"
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]


def test_a_whole_lifecycle_sends_only_the_granted_verbs():
    v1, v2 = "gs://m/run1/artifacts/model-joblib", "gs://m/run2/artifacts/model-joblib"
    with KubeApiDouble(ready_after_reads=1) as double:
        isvcs = InferenceServices("ml", api_client=double.api_client())
        for version, uri in (("1", v1), ("2", v2)):
            rollout.deploy(isvcs, name="m", model_name="m", version=version, storage_uri=uri, percent=5, timeout_s=5)
        rollout.set_traffic(isvcs, "m", 25, timeout_s=5)
        rollout.rollback(isvcs, "m", version="1", storage_uri=v1, timeout_s=5)
        rollout.deploy(isvcs, name="m", model_name="m", version="2", storage_uri=v2, percent=5, timeout_s=5)
        rollout.promote(isvcs, "m", timeout_s=5)
        sent = {_verb(method, path) for method, path, _ in double.calls if "inferenceservices" in path}
        revisions = {_verb(method, path) for method, path, _ in double.calls if "/revisions/" in path}
    (_, _, granted), = doctor.RUNNER_RULES
    assert sent == set(granted)
    assert revisions <= set(kube_module.REVISION_RULE[2])
