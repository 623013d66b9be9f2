"""The object names ctloop's code refers to are fixed: the guide says so, and the manifests agree.

A team overlay with ``namePrefix: team-a-`` (kustomize's usual way to install twice) renamed every
object, but the names are also written outside the manifests: the compiled pipelines read ConfigMap
``ctloop-settings`` and Secrets ``ctloop-mlflow``/``ctloop-storage``/``ctloop-prometheus``/
``ctloop-gcp`` by name, all optional (``ctloop.ops.settings``), so their tasks started without any
setting; the deploy steps create InferenceServices with runtime ``ctloop-sklearn``
(``ctloop.serving.isvc.RUNTIME``); and kustomize's built-in name references do not reach KServe's
fields, so even the rendered template kept ``runtime: ctloop-sklearn`` and
``serviceAccountName: ctloop-model-reader`` beside ``team-a-ctloop-sklearn`` and
``team-a-ctloop-model-reader`` (kubectl 1.32 / kustomize v5.5.0, checked below). Nothing said so.
Now docs/manifests.md lists the fixed names and says to separate installs by namespace; these tests
keep that list equal to the code's constants and to what the manifests render.
"""

from __future__ import annotations

import os
import re

from ctloop.ops import settings
from ctloop.serving import isvc
from tests.manifests.support import DOCS, MANIFESTS, kustomize, render

CODE_NAMES = {
    settings.SETTINGS_CONFIGMAP,
    settings.MLFLOW_SECRET,
    settings.STORAGE_SECRET,
    settings.PROMETHEUS_SECRET,
    settings.GCP_SECRET,
    isvc.RUNTIME,
    "ctloop-pipeline-runner",
    "ctloop-model-reader",
}


def fixed_names_section() -> str:
    text = DOCS.read_text()
    m = re.search(r"^### Names are fixed\n(.*?)(?=^#)", text, re.S | re.M)
    assert m, "docs/manifests.md has no '### Names are fixed' section"
    return m.group(1)


def test_the_guide_lists_every_name_the_code_refers_to():
    listed = set(re.findall(r"`(ctloop-[a-z0-9-]+)`", fixed_names_section()))
    assert CODE_NAMES - listed == set()
    assert "namePrefix" in fixed_names_section()


def test_the_base_renders_the_names_the_code_refers_to():
    names = {(o["kind"], o["metadata"]["name"]) for o in render("base")}
    for kind, name in (
        ("ConfigMap", settings.SETTINGS_CONFIGMAP),
        ("ServingRuntime", isvc.RUNTIME),
        ("ServiceAccount", "ctloop-pipeline-runner"),
        ("ServiceAccount", "ctloop-model-reader"),
    ):
        assert (kind, name) in names


def test_a_name_prefix_leaves_the_kserve_references_behind(tmp_path):
    """What the guide warns about, as kustomize does it today: if this starts failing, kustomize
    learned KServe's fields and the guide's warning can be narrowed."""
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namePrefix: team-a-\nresources: [{os.path.relpath(MANIFESTS / 'base', tmp_path)}]\n"
    )
    objects = kustomize(tmp_path)
    names = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("ServingRuntime", "team-a-ctloop-sklearn") in names
    assert ("ConfigMap", "team-a-ctloop-settings") in names
    (template,) = [o for o in objects if o["kind"] == "InferenceService"]
    predictor = template["spec"]["predictor"]
    assert predictor["model"]["runtime"] == isvc.RUNTIME
    assert predictor["serviceAccountName"] == "ctloop-model-reader"
