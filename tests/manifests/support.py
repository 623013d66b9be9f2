"""Helpers for the manifest tests: render with kubectl kustomize, load YAML strictly, schemas.

No fixtures here (they live in conftest.py); nothing runs at import time.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import REPO

MANIFESTS = REPO / "manifests"
KSERVE_CRDS = REPO / "tests" / "fixtures" / "kserve"  # vendored, gzip (README.md there)
PROMTOOL_TESTS = REPO / "tests" / "manifests" / "promtool"
DOCS = REPO / "docs" / "manifests.md"
# kubernetes-validate ships schemas for 1.30 … 1.37; 1.32 matches the kubectl client used here.
K8S_VERSION = "1.32.0"
TARGETS = ("base", "overlays/dev", "overlays/prod")
COMPONENTS = tuple(sorted(p.name for p in (MANIFESTS / "components").iterdir() if p.is_dir()))
RECORDING_CONTRACT = (
    "ctloop:request_rate:rate5m",
    "ctloop:request_error_ratio:rate5m",
    "ctloop:request_latency_p99_seconds:5m",
)
CONTRACT_LABELS = ("namespace", "isvc", "revision")
CRD_FILES = {
    "InferenceService": "serving.kserve.io_inferenceservices.yaml",
    "ServingRuntime": "serving.kserve.io_servingruntimes.yaml",
    "ClusterServingRuntime": "serving.kserve.io_clusterservingruntimes.yaml",
}


def need_tool(name: str) -> str:
    """Path of a system tool, or a test failure saying how to install it."""
    path = shutil.which(name)
    if path is None:
        hint = {
            "promtool": "run `make tools` (Debian: sudo apt-get install -y prometheus, which ships promtool)",
            "kubectl": "install kubectl >= 1.27 (it embeds kustomize v5), e.g. from https://dl.k8s.io",
        }[name]
        pytest.fail(f"{name} is required by the manifest tests and was not found on PATH: {hint}")
    return path


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last one silently)."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_all_strict(text: str) -> list[Any]:
    return [d for d in yaml.load_all(text, Loader=StrictLoader) if d is not None]


def load_strict(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=StrictLoader)


def kustomize(directory: Path) -> list[dict]:
    """``kubectl kustomize <directory>`` parsed into objects."""
    out = subprocess.run(
        [need_tool("kubectl"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if out.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory} failed:\n{out.stderr}")
    return load_all_strict(out.stdout)


@functools.cache
def render(target: str) -> tuple[dict, ...]:
    """Rendered objects of ``manifests/<target>`` (cached: objects must not be mutated)."""
    return tuple(kustomize(MANIFESTS / target))


def render_all_components(workdir: Path) -> list[dict]:
    """Base + every component in one throw-away overlay, so no component goes unrendered."""
    rel = Path(os.path.relpath(MANIFESTS, workdir))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "ctloop-all",
                "resources": [str(rel / "base")],
                "components": [str(rel / "components" / c) for c in COMPONENTS],
                "images": [{"name": "ghcr.io/ctloop/ctloop", "newTag": package_version()}],
            }
        )
    )
    return kustomize(workdir)


def package_version() -> str:
    text = (REPO / "src" / "ctloop" / "_version.py").read_text()
    return text.split('__version__ = "', 1)[1].split('"', 1)[0]


@functools.cache
def crd(kind: str) -> dict:
    """The KServe v0.20.0 CustomResourceDefinition of ``kind`` (cached: do not mutate)."""
    path = KSERVE_CRDS / f"{CRD_FILES[kind]}.gz"
    if not path.exists():
        pytest.fail(f"{path} is missing: the KServe v0.20.0 CRDs are vendored in {KSERVE_CRDS}")
    loader = getattr(
        yaml, "CSafeLoader", yaml.SafeLoader
    )  # the CRD is large: libyaml when available
    return yaml.load(gzip.decompress(path.read_bytes()), Loader=loader)


def crd_schema(kind: str) -> dict:
    """openAPIV3Schema of the served, stored version of the CRD."""
    (version,) = [v for v in crd(kind)["spec"]["versions"] if v.get("storage")]
    return version["schema"]["openAPIV3Schema"]


def find(objects, kind: str, name: str | None = None) -> dict:
    hits = [
        o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)
    ]
    assert len(hits) == 1, f"expected one {kind} {name or ''}, found {len(hits)}"
    return hits[0]


# --- minimal structural schemas for the prometheus-operator kinds (their CRDs are not vendored) --
_STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_DURATION = {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w|y))+$"}
_RULE = {
    "type": "object",
    "required": ["expr"],
    "additionalProperties": False,
    "properties": {
        "record": {"type": "string", "pattern": r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"},
        "alert": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9]*$"},
        "expr": {"type": "string", "minLength": 1},
        "for": _DURATION,
        "labels": _STR_MAP,
        "annotations": _STR_MAP,
    },
    "oneOf": [{"required": ["record"]}, {"required": ["alert"]}],
}
_META = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1}},
}
PROMETHEUS_RULE_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "metadata": _META,
        "spec": {
            "type": "object",
            "required": ["groups"],
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string"},
                            "interval": _DURATION,
                            "rules": {"type": "array", "minItems": 1, "items": _RULE},
                        },
                    },
                }
            },
        },
    },
}
_RELABEL = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sourceLabels": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-zA-Z_][a-zA-Z0-9_]*$"},
        },
        "targetLabel": {"type": "string"},
        "regex": {"type": "string"},
        "replacement": {"type": "string"},
        "separator": {"type": "string"},
        "action": {
            "enum": ["replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep", "hashmod"]
        },
    },
}
_LABEL_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "matchLabels": _STR_MAP,
        "matchExpressions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "operator"],
                "additionalProperties": False,
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
                    "values": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
POD_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "metadata": _META,
        "spec": {
            "type": "object",
            "required": ["selector", "podMetricsEndpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": _LABEL_SELECTOR,
                "namespaceSelector": {"type": "object"},
                "podMetricsEndpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["port", "interval"],
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "interval": _DURATION,
                            "scrapeTimeout": _DURATION,
                            "relabelings": {"type": "array", "items": _RELABEL},
                            "metricRelabelings": {"type": "array", "items": _RELABEL},
                            # SafeAuthorization (prometheus-operator 0.79 monitoring/v1 PodMetricsEndpoint):
                            # type (default Bearer) and credentials, a key of a Secret in the PodMonitor's namespace
                            "authorization": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "type": {"type": "string"},
                                    "credentials": {
                                        "type": "object",
                                        "required": ["key"],
                                        "additionalProperties": False,
                                        "properties": {"name": {"type": "string"}, "key": {"type": "string"},
                                                       "optional": {"type": "boolean"}},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
MONITORING_SCHEMAS = {"PrometheusRule": PROMETHEUS_RULE_SCHEMA, "PodMonitor": POD_MONITOR_SCHEMA}
